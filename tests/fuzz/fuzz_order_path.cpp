// Fuzzes the core's order path with hostile venue answers: the input is a list of 64-byte records,
// each an ExecReport (kind forced, every other byte the fuzzer's), a market Trade, a Control event or
// an Intent, fed to one Engine (risk, OMS, portfolio) in order. Nothing may crash or trip the
// sanitizers, and after every step:
//   * every command in the output ring names an instrument of the run and a fresh ClOrdID;
//   * the OMS's open-order count is within its capacity and not negative;
//   * each instrument's fills counted by the portfolio never exceed the fills the OMS applied.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_check.hpp"
#include "keel/core/engine/engine.hpp"

namespace {

using namespace keel;

constexpr std::size_t kInstruments = 4;

Engine make_engine() {
  EngineConfig c;
  c.instrument_count = kInstruments;
  c.oms_capacity = 64;
  c.ack_timeout = kNanosPerSecond;
  c.command_ring = 64;
  c.initial_cash = Notional::from_units(1'000'000);
  c.risk.orders_per_second = 0.0;
  return Engine(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Engine engine = make_engine();
  std::uint32_t last_id = 0;
  for (std::size_t at = 0; at + 64 <= size; at += 64) {
    const std::uint8_t* rec = data + at;
    Event e{};
    std::memcpy(e.bytes, rec, 64);
    switch (rec[0] % 4) {
      case 0:  // a venue answer, any bytes at all
        e.header.kind = EventKind::kExecReport;
        engine.on_event(e);
        break;
      case 1:  // a market price
        e.header.kind = EventKind::kTrade;
        engine.on_event(e);
        break;
      case 2:  // a control event
        e.header.kind = EventKind::kControl;
        engine.on_event(e);
        break;
      default: {  // a strategy's intent
        Intent in;
        in.kind = static_cast<IntentKind>(rec[1] % 4);
        in.instrument = rec[2] % (kInstruments + 1);
        in.side = static_cast<Side>(rec[3] % 3);
        in.type = static_cast<OrderType>(rec[4] % 5);
        in.tif = static_cast<TimeInForce>(rec[5] % 5);
        std::int64_t price = 0, qty = 0;
        std::uint32_t order = 0;
        std::memcpy(&price, rec + 8, 8);
        std::memcpy(&qty, rec + 16, 8);
        std::memcpy(&order, rec + 24, 4);
        in.limit_price = Price::from_raw(price);
        in.qty = Qty::from_raw(qty);
        in.order_id = order % 128;
        (void)engine.submit(in);
        break;
      }
    }
    while (const OrderCommand* c = engine.commands().front()) {
      KEEL_FUZZ_CHECK(c->instrument < kInstruments);
      KEEL_FUZZ_CHECK(c->client_order_id > last_id);
      last_id = c->client_order_id;
      engine.commands().pop();
    }
    KEEL_FUZZ_CHECK(engine.oms().open_orders() >= 0 && engine.oms().open_orders() <= 64);
    std::uint64_t portfolio_fills = 0;
    for (InstrumentId i = 0; i < kInstruments; ++i) portfolio_fills += engine.portfolio().position(i).fills;
    KEEL_FUZZ_CHECK(portfolio_fills <= engine.oms().stats().fills);
  }
  return 0;
}
