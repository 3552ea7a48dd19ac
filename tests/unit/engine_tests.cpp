#include <gtest/gtest.h>

#include <cmath>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/sim/synthetic_market.hpp"

using namespace keel;

namespace {
Event bar(InstrumentId id, std::int64_t t, std::int64_t close, bool end) {
  Bar b{};
  b.header.instrument = id;
  b.header.ts_exchange = t;
  b.header.ts_local = t + 10;
  b.header.flags = end ? kFlagEndOfBatch : 0;
  b.open = b.high = b.low = b.close = Price::from_raw(close);
  return to_event(b);
}
}  // namespace

TEST(Engine, CountsBarTimesMissingBarsAndTheIndex) {
  Engine e(2);
  e.on_event(bar(0, 100, 100, false));
  e.on_event(bar(1, 100, 200, true));
  e.on_event(bar(0, 200, 110, true));  // instrument 1 missing
  e.on_event(bar(0, 300, 121, false));
  e.on_event(bar(1, 300, 220, true));
  const EngineStats& s = e.stats();
  EXPECT_EQ(s.bar_times, 3u);
  EXPECT_EQ(s.bar_events, 5u);
  EXPECT_EQ(s.missing_bars, 1u);
  EXPECT_EQ(s.first_bar_time, 100);
  EXPECT_EQ(s.last_bar_time, 300);
  EXPECT_EQ(e.now(), 310);
  // bar 2: ln(1.1); bar 3: mean(ln(1.1), ln(1.1))
  EXPECT_NEAR(s.index_log_return, 2 * std::log(1.1), 1e-12);
}

TEST(Engine, DropsBadInputAndCountsIt) {
  Engine e(1);
  e.on_event(bar(0, 100, 100, true));
  e.on_event(bar(7, 200, 100, true));  // unknown instrument
  e.on_event(bar(0, 200, 0, true));    // non-positive price
  e.on_event(bar(0, 50, 100, true));   // time going backwards
  EXPECT_EQ(e.stats().rejected_events, 3u);
  EXPECT_EQ(e.stats().bar_times, 1u);
}

TEST(Engine, BatchWithoutEndFlagIsClosedByTheNextTimeOrEndOfData) {
  Engine e(1);
  e.on_event(bar(0, 100, 100, false));
  e.on_event(bar(0, 200, 100, false));
  EXPECT_EQ(e.stats().bar_times, 1u);
  Control c{};
  c.header.subtype = static_cast<std::uint8_t>(ControlKind::kEndOfData);
  e.on_event(to_event(c));
  EXPECT_EQ(e.stats().bar_times, 2u);
}

// The core thread allocates nothing after warm-up: five synthetic days through on_event().
TEST(Engine, NoAllocationAfterWarmup) {
  InstrumentRegistry reg;
  SyntheticConfig cfg;
  cfg.assets = 16;
  cfg.days = 5;
  sim::SyntheticMarket market(cfg, 42, reg);
  Engine engine(reg.size());
  Event ev{};
  ASSERT_TRUE(market.next(ev));
  engine.on_event(ev);
  AllocationScope scope;
  std::uint64_t n = 0;
  while (market.next(ev)) {
    engine.on_event(ev);
    ++n;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(n, 20'000u);
  EXPECT_EQ(engine.stats().bar_times, 5u * 288u);
}

TEST(Engine, PollsARing) {
  SpscRing<Event> ring(16);
  Engine e(1);
  ASSERT_TRUE(ring.try_push(bar(0, 100, 100, true)));
  ASSERT_TRUE(ring.try_push(bar(0, 200, 100, true)));
  EXPECT_EQ(e.poll(ring, 1), 1u);
  EXPECT_EQ(e.poll(ring, 10), 1u);
  EXPECT_EQ(e.poll(ring, 10), 0u);
  EXPECT_EQ(e.stats().bar_times, 2u);
}
