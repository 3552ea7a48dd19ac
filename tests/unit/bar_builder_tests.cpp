// Bars from trades on event time (market/bar_builder.hpp): OHLCV by hand over three intervals and two
// instruments, a trade of a later interval closing the open one, close_until for a quiet market, an
// instrument with no trade having no bar, late and bad trades counted, and no allocation.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "keel/core/engine/engine.hpp"
#include "keel/core/market/bar_builder.hpp"
#include "keel/core/primitives/alloc_counter.hpp"

namespace keel {
namespace {

constexpr Nanos kMin = 60LL * kNanosPerSecond;
constexpr Nanos kT0 = 1'700'000'040LL * kNanosPerSecond;  // 2023-11-14T22:14:00Z, a minute boundary

Trade trade(InstrumentId i, Nanos t, std::int64_t price, std::int64_t qty) {
  Trade tr;
  tr.header.instrument = i;
  tr.header.ts_exchange = t;
  tr.header.ts_local = t;
  tr.trade_time = t;
  tr.price = Price::from_units(price);
  tr.qty = Qty::from_units(qty);
  return tr;
}

TEST(BarBuilder, OhlcvPerIntervalClosedByTheNextIntervalsTrade) {
  ASSERT_EQ(kT0 % kMin, 0);
  BarBuilder b(2, kMin);
  std::array<Event, 2> out{};
  EXPECT_EQ(b.on_trade(trade(0, kT0 + 1, 100, 1), out), 0u);
  EXPECT_EQ(b.on_trade(trade(0, kT0 + 5 * kNanosPerSecond, 104, 2), out), 0u);
  EXPECT_EQ(b.on_trade(trade(1, kT0 + 6 * kNanosPerSecond, 50, 3), out), 0u);
  EXPECT_EQ(b.on_trade(trade(0, kT0 + 30 * kNanosPerSecond, 98, 1), out), 0u);
  EXPECT_EQ(b.on_trade(trade(0, kT0 + kMin - 1, 101, 4), out), 0u);
  // The next minute's first trade closes the first minute: both instruments, instrument order.
  ASSERT_EQ(b.on_trade(trade(1, kT0 + kMin, 51, 1), out), 2u);
  const Bar& a = out[0].bar;
  EXPECT_EQ(a.header.kind, EventKind::kBar);
  EXPECT_EQ(a.header.instrument, 0u);
  EXPECT_EQ(a.header.ts_exchange, kT0);
  EXPECT_EQ(a.header.ts_local, kT0 + kMin);
  EXPECT_EQ(a.open, Price::from_units(100));
  EXPECT_EQ(a.high, Price::from_units(104));
  EXPECT_EQ(a.low, Price::from_units(98));
  EXPECT_EQ(a.close, Price::from_units(101));
  EXPECT_EQ(a.volume, Qty::from_units(8));
  EXPECT_EQ(a.header.flags & kFlagEndOfBatch, 0);
  const Bar& c = out[1].bar;
  EXPECT_EQ(c.header.instrument, 1u);
  EXPECT_EQ(c.open, Price::from_units(50));
  EXPECT_EQ(c.close, Price::from_units(50));
  EXPECT_EQ(c.volume, Qty::from_units(3));
  EXPECT_NE(c.header.flags & kFlagEndOfBatch, 0);
  // A quiet market: close_until closes the second minute once exchange time passes its end; only
  // instrument 1 traded there.
  EXPECT_EQ(b.close_until(kT0 + 2 * kMin - 1, out), 0u);
  ASSERT_EQ(b.close_until(kT0 + 2 * kMin, out), 1u);
  EXPECT_EQ(out[0].bar.header.instrument, 1u);
  EXPECT_EQ(out[0].bar.header.ts_exchange, kT0 + kMin);
  EXPECT_NE(out[0].header.flags & kFlagEndOfBatch, 0);
  EXPECT_EQ(b.close_until(kT0 + 10 * kMin, out), 0u);  // nothing open
  // A trade three minutes later opens its own interval (the empty ones in between have no bars).
  EXPECT_EQ(b.on_trade(trade(0, kT0 + 5 * kMin + 7, 99, 1), out), 0u);
  ASSERT_EQ(b.close_until(kT0 + 6 * kMin, out), 1u);
  EXPECT_EQ(out[0].bar.header.ts_exchange, kT0 + 5 * kMin);
  EXPECT_EQ(b.stats().bar_times, 3u);
  EXPECT_EQ(b.stats().bars, 4u);
}

TEST(BarBuilder, LateAndBadTradesAreCountedAndDropped) {
  BarBuilder b(1, kMin);
  std::array<Event, 1> out{};
  (void)b.on_trade(trade(0, kT0 + kMin, 10, 1), out);
  EXPECT_EQ(b.on_trade(trade(0, kT0 + 5, 11, 1), out), 0u);  // the minute before: gone
  EXPECT_EQ(b.on_trade(trade(3, kT0 + kMin, 11, 1), out), 0u);  // unknown instrument
  EXPECT_EQ(b.on_trade(trade(0, kT0 + kMin, 0, 1), out), 0u);   // price 0
  EXPECT_EQ(b.on_trade(trade(0, kT0 + kMin, 10, 0), out), 0u);  // quantity 0
  EXPECT_EQ(b.stats().late_trades, 1u);
  EXPECT_EQ(b.stats().refused_trades, 3u);
  ASSERT_EQ(b.close_until(kT0 + 2 * kMin, out), 1u);
  EXPECT_EQ(out[0].bar.volume, Qty::from_units(1));  // only the good trade
  EXPECT_THROW(BarBuilder(1, 0), std::invalid_argument);
}

TEST(BarBuilder, NoAllocationAfterConstruction) {
  BarBuilder b(8, 5 * kNanosPerSecond);
  std::vector<Event> out(8);
  ASSERT_TRUE(allocation_hooks_installed());
  AllocationScope scope;
  std::size_t bars = 0;
  for (int i = 0; i < 100'000; ++i)
    bars += b.on_trade(trade(static_cast<InstrumentId>(i % 8), kT0 + i * 100'000'000LL, 100 + i % 7, 1), out);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(bars, 0u);
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

class BarTimes : public Strategy {
 public:
  void on_bar_time(const BarTime& bar) noexcept override {
    times.push_back(bar.open_time);
    closes.emplace_back(bar.closes.begin(), bar.closes.end());
  }
  std::vector<Nanos> times;
  std::vector<std::vector<double>> closes;
};

// The engine builds bars from trades when trade_bar_interval is set: a bar time reaches the strategy
// when a later trade (or any later exchange time) shows it has ended, with the closes of the
// instruments that traded (0 for one that did not), before the trade that closed it is handled.
TEST(BarBuilder, TheEngineBuildsBarsFromTrades) {
  EngineConfig c;
  c.instrument_count = 2;
  c.trade_bar_interval = kMin;
  Engine e(c);
  BarTimes s;
  e.set_strategy(&s);
  e.on_event(to_event(trade(0, kT0 + 1, 100, 1)));
  e.on_event(to_event(trade(1, kT0 + 2, 50, 1)));
  e.on_event(to_event(trade(0, kT0 + 3, 102, 1)));
  EXPECT_TRUE(s.times.empty());
  e.on_event(to_event(trade(1, kT0 + kMin + 1, 51, 1)));  // minute 2 begins: minute 1 closes
  ASSERT_EQ(s.times.size(), 1u);
  EXPECT_EQ(s.times[0], kT0);
  EXPECT_EQ(s.closes[0], (std::vector<double>{102.0, 50.0}));
  BookTop top;  // any event whose exchange time has passed the end closes the open minute
  top.header.instrument = 0;
  top.header.ts_exchange = kT0 + 2 * kMin;
  top.header.ts_local = kT0 + 2 * kMin;
  top.bid_price = Price::from_units(99);
  top.bid_qty = Qty::from_units(1);
  top.ask_price = Price::from_units(101);
  top.ask_qty = Qty::from_units(1);
  e.on_event(to_event(top));
  ASSERT_EQ(s.times.size(), 2u);
  EXPECT_EQ(s.times[1], kT0 + kMin);
  EXPECT_EQ(s.closes[1][1], 51.0);
  EXPECT_EQ(e.stats().bar_times, 2u);
  EXPECT_EQ(e.stats().missing_bars, 1u);  // instrument 0 did not trade in minute 2
}

}  // namespace
}  // namespace keel
