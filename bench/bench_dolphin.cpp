// DOLPHIN on the shared real bars (../shared/data/binance-5m, 48 symbols, 43,311 bar times):
//
//  * BM_SignalUpdate: SignalPipeline::push_bar for 48 assets, all four windows (fast path), one
//    sample per bar over the whole data; p50/p99/p99.9/max per bar in µs. Correctness first: a
//    stretch of bars is checked against the reference path (1e-9) before timing.
//  * BM_EngineOnly: the order path (engine, DolphinStrategy, sizer, risk, OMS, portfolio, the
//    bar-close venue) over precomputed signals (the fast path's own output, computed before timing),
//    bars per second. Correctness first: two runs must give the same digest.
//  * BM_FullRun: loading the files, the signal pipeline and the order path through the backtest
//    loop, as `keel backtest` does (minus the journal and output files); seconds per run.
#include <chrono>
#include <memory>
#include <cmath>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "keel/core/signal/eigen_signal.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/backtest_loop.hpp"
#include "keel/core/execution/bar_close_venue.hpp"
#include "latency_histogram.hpp"

namespace {

using namespace keel;

const std::string kDir = std::string(KEEL_SHARED_DATA_DIR) + "/binance-5m";

struct Market {
  BarLoadResult bars;
  std::vector<std::string> symbols;
  std::vector<std::vector<double>> closes;  // per bar time, 0 = missing
  std::vector<Nanos> times;
  std::vector<Event> events;  // the merged Bar events
};

// The core of a DOLPHIN backtest with the bar-close venue, fed `events`.
struct Backtest {
  Engine core;
  dolphin::DolphinStrategy strategy;
  BarCloseVenue venue;
  BacktestLoop loop;
  static EngineConfig config(std::size_t n) {
    EngineConfig c;
    c.instrument_count = n;
    c.initial_cash = Notional::from_units(100'000);
    return c;
  }
  Backtest(const std::vector<std::string>& symbols, std::size_t bars, dolphin::FeatureSource* features)
      : core(config(symbols.size())),
        strategy(dolphin::DolphinParams{}, symbols, 42, core.run_digest(), bars),
        venue(strategy.bar_close_model(), symbols.size(), 42),
        loop(core, &venue, nullptr) {
    if (features != nullptr) strategy.set_feature_source(features);
    core.set_strategy(&strategy, &strategy.sizer());
  }
  std::uint64_t run(const std::vector<Event>& events) {
    for (const Event& e : events)
      if (loop.feed(e) != Errc::kOk) return 0;
    (void)loop.finish();
    return core.digest();
  }
};

const Market& market() {
  static const Market m = [] {
    Market out;
    out.bars = load_bar_directory(kDir, read_symbols_file(kDir + "/SYMBOLS.txt"), false, 300'000);
    std::vector<InstrumentId> ids;
    for (std::size_t i = 0; i < out.bars.series.size(); ++i) {
      ids.push_back(static_cast<InstrumentId>(i));
      out.symbols.push_back(out.bars.series[i].symbol);
    }
    BarMerger merger(out.bars.series, ids, 300'000);
    std::vector<double> row(ids.size(), 0.0);
    Event e{};
    while (merger.next(e)) {
      out.events.push_back(e);
      row[e.header.instrument] = e.bar.close.to_double();
      if (e.header.flags & kFlagEndOfBatch) {
        out.closes.push_back(row);
        out.times.push_back(e.header.ts_exchange);
        std::fill(row.begin(), row.end(), 0.0);
      }
    }
    return out;
  }();
  return m;
}

void BM_SignalUpdate(benchmark::State& state) {
  const Market& m = market();
  const std::size_t n = m.symbols.size();
  {
    SignalPipeline fast(n, SignalMethod::kFast), ref(n, SignalMethod::kReference);
    for (std::size_t t = 0; t < 1200; ++t) {
      const SignalValues a = fast.push_bar(m.closes[t]);
      const SignalValues& b = ref.push_bar(m.closes[t]);
      if (!std::isnan(b.vel_div) && std::fabs(a.vel_div - b.vel_div) > 1e-9) {
        state.SkipWithError("fast path disagrees with the reference");
        return;
      }
    }
  }
  bench::LatencyHistogram hist;
  hist.reserve(m.closes.size());
  for (auto _ : state) {
    SignalPipeline fast(n, SignalMethod::kFast);
    for (const auto& closes : m.closes) {
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(fast.push_bar(closes));
      const auto t1 = std::chrono::steady_clock::now();
      hist.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
    }
  }
  bench::report_latency(state, hist.summarize(1e-3), "us_");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m.closes.size()));
}
BENCHMARK(BM_SignalUpdate)->Iterations(1)->Unit(benchmark::kMillisecond);

// The fast path's output for every bar, computed once (engine input).
class VectorFeatures final : public dolphin::FeatureSource {
 public:
  VectorFeatures(const std::vector<Nanos>& times, std::vector<SignalValues> values) : times_(times), values_(std::move(values)) {}
  const SignalValues* at(Nanos t) noexcept override {
    while (i_ < times_.size() && times_[i_] < t) ++i_;
    return i_ < times_.size() && times_[i_] == t ? &values_[i_] : nullptr;
  }
  void rewind() { i_ = 0; }

 private:
  const std::vector<Nanos>& times_;
  std::vector<SignalValues> values_;
  std::size_t i_ = 0;
};

std::uint64_t run_engine(const Market& m, VectorFeatures& f) {
  f.rewind();
  auto b = std::make_unique<Backtest>(m.symbols, m.closes.size(), &f);
  return b->run(m.events);
}

void BM_EngineOnly(benchmark::State& state) {
  const Market& m = market();
  std::vector<SignalValues> values;
  {
    SignalPipeline fast(m.symbols.size(), SignalMethod::kFast);
    for (const auto& c : m.closes) values.push_back(fast.push_bar(c));
  }
  VectorFeatures f(m.times, std::move(values));
  const std::uint64_t expected = run_engine(m, f);
  if (run_engine(m, f) != expected) {
    state.SkipWithError("engine is not deterministic");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(run_engine(m, f));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m.closes.size()));
  state.counters["digest_low32"] = static_cast<double>(expected & 0xffffffffu);
}
BENCHMARK(BM_EngineOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_FullRun(benchmark::State& state) {
  for (auto _ : state) {
    BarLoadResult bars = load_bar_directory(kDir, read_symbols_file(kDir + "/SYMBOLS.txt"), false, 300'000);
    std::vector<InstrumentId> ids;
    std::vector<std::string> symbols;
    for (std::size_t i = 0; i < bars.series.size(); ++i) {
      ids.push_back(static_cast<InstrumentId>(i));
      symbols.push_back(bars.series[i].symbol);
    }
    BarMerger merger(bars.series, ids, 300'000);
    auto b = std::make_unique<Backtest>(symbols, 43'311, nullptr);
    Event e{};
    while (merger.next(e))
      if (b->loop.feed(e) != Errc::kOk) break;
    (void)b->loop.finish();
    benchmark::DoNotOptimize(b->core.digest());
    state.counters["trades"] = static_cast<double>(b->strategy.trades().size());
  }
}
BENCHMARK(BM_FullRun)->Iterations(3)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
