// Fuzzes the capture replay flow's frame decoding and planning (sim/capture_replay_flow.hpp): every
// input line is a frame (receive times 1 ms apart) for a venue listing BTCUSDT (tick 0.01, lot
// 0.001, min notional 5) and ETHUSDT (tick 0.01, lot 0.0001), replayed through a real MatchingEngine.
//
// Invariants checked (trap on violation):
//  * nothing throws or crashes; action times never decrease;
//  * with no client in the book the flow never sends an order or a cancel/replace the engine refuses
//    (house_rejects and house_cancel_rejects stay 0);
//  * every frame is accounted for exactly once: applied + ignored + unknown symbol + malformed = total;
//  * the book is never crossed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/sim/capture_replay_flow.hpp"
#include "keel/sim/matching_engine.hpp"

namespace ks = keel::sim;

namespace {

class Forward final : public ks::VenueListener {
 public:
  ks::OrderFlow* flow = nullptr;
  void on_execution(const ks::Execution& e) noexcept override { flow->on_execution(e); }
  void on_cancel_reject(const ks::CancelReject& r) noexcept override { flow->on_cancel_reject(r); }
};

ks::VenueSymbol symbol(keel::InstrumentId id, const char* name, const char* lot) {
  ks::VenueSymbol v;
  v.instrument.id = id;
  v.instrument.symbol = name;
  v.instrument.tick_size = keel::Price::parse("0.01").value();
  v.instrument.lot_size = keel::Qty::parse(lot).value();
  v.instrument.min_notional = keel::Notional::parse("5").value();
  v.base = id + 1;
  v.quote = 0;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  keel::Capture capture;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::int64_t ts = 1'000'000'000;
  while (!rest.empty() && capture.records.size() < 256) {
    const std::size_t nl = rest.find('\n');
    capture.records.push_back({ts += 1'000'000, std::string(rest.substr(0, nl))});
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  const std::size_t frames = capture.records.size();
  const std::vector<ks::VenueSymbol> symbols = {symbol(0, "BTCUSDT", "0.001"), symbol(1, "ETHUSDT", "0.0001")};
  ks::EngineConfig config;
  config.orders_per_book = 1024;  // small: an engine is built per input
  config.accounts = 2;
  config.assets = 3;
  Forward forward;
  ks::MatchingEngine engine(symbols, config, forward);
  std::vector<keel::Capture> captures;
  captures.push_back(std::move(capture));
  ks::CaptureReplayFlow flow(std::move(captures), symbols, ks::FlowAccounts{0, 1});
  forward.flow = &flow;

  ks::FlowAction a;
  std::int64_t last_ts = 0;
  while (flow.next(engine, a)) {
    KEEL_FUZZ_CHECK(a.ts >= last_ts);
    last_ts = a.ts;
    KEEL_FUZZ_CHECK(a.kind != ks::FlowAction::Kind::kNone);
    ks::apply(engine, a);
    for (keel::InstrumentId i = 0; i < 2; ++i) {
      const ks::PriceLevel* bid = engine.book(i).best(keel::Side::kBuy);
      const ks::PriceLevel* ask = engine.book(i).best(keel::Side::kSell);
      KEEL_FUZZ_CHECK(bid == nullptr || ask == nullptr || bid->price < ask->price);
    }
  }
  KEEL_FUZZ_CHECK(flow.house_rejects() == 0 && flow.house_cancel_rejects() == 0);
  KEEL_FUZZ_CHECK(flow.frames_total() == frames);
  KEEL_FUZZ_CHECK(flow.frames_applied() + flow.frames_ignored() + flow.frames_skipped_unknown_symbol() +
                      flow.frames_malformed() ==
                  flow.frames_total());
  return 0;
}
