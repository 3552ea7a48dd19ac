// The market-data path of the gateway, frame by frame (issue 10's aims), each beside plain simdjson
// parsing of the same frames in the same run (the floor: what any on-demand JSON reader must pay).
//
//   BM_BookTickerDecode/keel      keel's Decoder on combined bookTicker frames → BookTickerFrame
//   BM_BookTickerDecode/simdjson  simdjson on-demand reading the same fields as raw strings
//   BM_DepthDecodeApply/keel      a 20-level depthUpdate decoded and applied to the BookSync mirror,
//                                 per-frame latency (TSC-free: steady_clock around each frame)
//   BM_DepthDecodeApply/simdjson  simdjson on-demand walking the same frames' fields and levels
//
// Correctness first: every keel decode is checked against the generator's values, the mirror's best
// levels against the last frame, and every diff must apply (no gap) — before anything is timed.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/book/book_sync.hpp"
#include "keel/protocol/binance.hpp"
#include "latency_histogram.hpp"

namespace {

namespace bn = keel::protocol::binance;
using keel::Price;
using keel::Qty;

std::string decimal(std::int64_t raw) {  // raw 10^-8 → "123.45000000"
  return std::to_string(raw / 100'000'000) + "." + std::string(8 - std::to_string(raw % 100'000'000).size(), '0') +
         std::to_string(raw % 100'000'000);
}

std::vector<std::string> book_ticker_frames(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const std::int64_t bid = 2'700'000'000'000 + i % 97 * 1'000'000;
    out.push_back(R"({"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(400900217 + i) +
                  R"(,"s":"BTCUSDT","b":")" + decimal(bid) + R"(","B":")" + decimal(31'000'000 + i % 13) +
                  R"(","a":")" + decimal(bid + 1'000'000) + R"(","A":")" + decimal(40'000'000 + i % 7) + R"("}})");
  }
  return out;
}

// Linked 20-level diffs (U = previous u + 1) around a slowly moving mid.
std::vector<std::string> depth_frames(int n) {
  std::vector<std::string> out;
  std::uint64_t u = 1000;
  for (int i = 0; i < n; ++i) {
    const std::int64_t mid = 2'700'000'000'000;  // fixed levels, changing quantities: never crossed
    std::string b, a;
    for (int l = 0; l < 20; ++l) {
      const std::int64_t qty = (i + l) % 5 == 0 ? 0 : 10'000'000 * (1 + (i + l) % 9);
      b += std::string(l ? "," : "") + "[\"" + decimal(mid - (l + 1) * 1'000'000) + "\",\"" + decimal(qty) + "\"]";
      a += std::string(l ? "," : "") + "[\"" + decimal(mid + (l + 1) * 1'000'000) + "\",\"" + decimal(qty) + "\"]";
    }
    out.push_back(R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1700000000000,"s":"BTCUSDT","U":)" +
                  std::to_string(u + 1) + R"(,"u":)" + std::to_string(u + 3) + R"(,"b":[)" + b + R"(],"a":[)" + a + "]}}");
    u += 3;
  }
  return out;
}

std::vector<simdjson::padded_string> padded(const std::vector<std::string>& frames) {
  std::vector<simdjson::padded_string> out;
  out.reserve(frames.size());
  for (const std::string& f : frames) out.emplace_back(f);
  return out;
}

void BM_BookTickerDecodeKeel(benchmark::State& state) {
  const auto frames = book_ticker_frames(4096);
  bn::Decoder decoder;
  bn::Frame frame;
  for (std::size_t i = 0; i < frames.size(); ++i) {  // correctness first
    if (decoder.decode(frames[i], frame) != bn::DecodeError::kNone || frame.kind != bn::FrameKind::kBookTicker ||
        frame.book_ticker.update_id != 400900217 + i) {
      state.SkipWithError("bookTicker decoded wrongly");
      return;
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decoder.decode(frames[i], frame));
    benchmark::DoNotOptimize(frame.book_ticker.bid_price);
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BookTickerDecodeSimdjson(benchmark::State& state) {
  const auto frames = padded(book_ticker_frames(4096));
  simdjson::ondemand::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    auto doc = parser.iterate(frames[i]);
    auto data = doc["data"];
    std::uint64_t u = data["u"].get_uint64();
    std::string_view s = data["s"].get_string();
    std::string_view b = data["b"].get_string();
    std::string_view bq = data["B"].get_string();
    std::string_view a = data["a"].get_string();
    std::string_view aq = data["A"].get_string();
    benchmark::DoNotOptimize(u);
    benchmark::DoNotOptimize(s.size() + b.size() + bq.size() + a.size() + aq.size());
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DepthDecodeApplyKeel(benchmark::State& state) {
  const auto frames = depth_frames(4096);
  bn::Decoder decoder;
  bn::Frame frame;
  std::vector<keel::book::PriceQty> bids, asks;
  bids.reserve(64);
  asks.reserve(64);
  keel::book::BookSync sync(keel::book::DepthVenue::kSpot, {});
  const auto apply = [&](const std::string& f) {
    if (decoder.decode(f, frame) != bn::DecodeError::kNone || frame.kind != bn::FrameKind::kDepthUpdate) return false;
    bids.clear();
    asks.clear();
    for (const bn::Level& l : frame.depth.bids) bids.push_back({l.price, l.qty});
    for (const bn::Level& l : frame.depth.asks) asks.push_back({l.price, l.qty});
    const keel::book::DiffOutcome o = sync.on_diff(
        {frame.depth.first_update_id, frame.depth.final_update_id, frame.depth.prev_final_update_id, bids, asks});
    return o == keel::book::DiffOutcome::kApplied;
  };
  sync.on_snapshot(1000, {}, {});
  for (const std::string& f : frames) {  // correctness first: every diff links and applies
    if (!apply(f)) {
      state.SkipWithError("a depth diff did not apply");
      return;
    }
  }
  if (!sync.usable() || sync.book().depth(keel::Side::kBuy) == 0) {
    state.SkipWithError("the mirror is not usable after the diffs");
    return;
  }
  // Timed: the same frames again, re-numbered on the fly is not possible (they are text), so the
  // mirror restarts from a snapshot at the first frame's U − 1 each pass.
  keel::bench::LatencyHistogram hist;
  hist.reserve(1 << 22);
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == 0) {
      state.PauseTiming();
      sync.on_snapshot(1000, {}, {});
      state.ResumeTiming();
    }
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(apply(frames[i]));
    hist.record(static_cast<std::uint64_t>((std::chrono::steady_clock::now() - t0).count()));
    i = (i + 1) & 4095;
  }
  keel::bench::report_latency(state, hist.summarize(), "frame_ns_");
  state.SetItemsProcessed(state.iterations());
}

void BM_DepthDecodeApplySimdjson(benchmark::State& state) {
  const auto frames = padded(depth_frames(4096));
  simdjson::ondemand::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    auto doc = parser.iterate(frames[i]);
    auto data = doc["data"];
    std::uint64_t sum = 0;
    sum += data["U"].get_uint64().value();
    sum += data["u"].get_uint64().value();
    for (auto side : {"b", "a"}) {
      for (auto level : data[side].get_array()) {
        auto it = level.get_array().begin();
        std::string_view p = (*it).get_string();
        ++it;
        std::string_view q = (*it).get_string();
        sum += p.size() + q.size();
      }
    }
    benchmark::DoNotOptimize(sum);
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_BookTickerDecodeKeel)->Name("BM_BookTickerDecode/keel");
BENCHMARK(BM_BookTickerDecodeSimdjson)->Name("BM_BookTickerDecode/simdjson");
BENCHMARK(BM_DepthDecodeApplyKeel)->Name("BM_DepthDecodeApply/keel");
BENCHMARK(BM_DepthDecodeApplySimdjson)->Name("BM_DepthDecodeApply/simdjson");
BENCHMARK_MAIN();
