#include <gtest/gtest.h>

#include <cstring>
#include <new>

#include "keel/core/primitives/events.hpp"

using namespace keel;

TEST(Events, EveryKindHasItsSizeAndStartsWithTheHeader) {
  for (std::uint8_t k = 1; k <= kMaxEventKind; ++k) {
    ASSERT_TRUE(is_valid_event_kind(k));
    EXPECT_GT(event_size(static_cast<EventKind>(k)), sizeof(EventHeader));
    EXPECT_LE(event_size(static_cast<EventKind>(k)), 64u);
  }
  EXPECT_FALSE(is_valid_event_kind(0));
  EXPECT_FALSE(is_valid_event_kind(kMaxEventKind + 1));
  EXPECT_EQ(event_size(EventKind::kNone), 0u);
  EXPECT_EQ(sizeof(Bar), 64u);
  EXPECT_EQ(sizeof(OrderCommand), 48u);
}

TEST(Events, DefaultKindMatchesStruct) {
  EXPECT_EQ(Trade{}.header.kind, EventKind::kTrade);
  EXPECT_EQ(BookTop{}.header.kind, EventKind::kBookTop);
  EXPECT_EQ(BookLevel{}.header.kind, EventKind::kBookLevel);
  EXPECT_EQ(Bar{}.header.kind, EventKind::kBar);
  EXPECT_EQ(ExternalFactor{}.header.kind, EventKind::kExternalFactor);
  EXPECT_EQ(ExecReport{}.header.kind, EventKind::kExecReport);
  EXPECT_EQ(Timer{}.header.kind, EventKind::kTimer);
  EXPECT_EQ(Control{}.header.kind, EventKind::kControl);
  EXPECT_EQ(Signal{}.header.kind, EventKind::kSignal);
  EXPECT_EQ(Advice{}.header.kind, EventKind::kAdvice);
}

// Two events with equal fields have equal bytes however they were built: one assembled field by
// field from a value-initialised struct, one copied over a buffer full of garbage.
TEST(Events, ToEventIsCanonical) {
  Trade t{};
  t.header.instrument = 3;
  t.header.ts_exchange = 1'000;
  t.seq = 99;
  t.price = Price::from_raw(12345);
  t.qty = Qty::from_raw(7);
  t.aggressor = Side::kSell;
  const Event a = to_event(t);
  alignas(Trade) unsigned char garbage[sizeof(Trade)];
  std::memset(garbage, 0xAB, sizeof garbage);
  auto* u = new (garbage) Trade;  // default-initialised over garbage, then every field assigned
  u->header = EventHeader{.ts_exchange = 1'000, .instrument = 3, .kind = EventKind::kTrade};
  u->seq = 99;
  u->price = Price::from_raw(12345);
  u->qty = Qty::from_raw(7);
  u->trade_time = 0;
  u->aggressor = Side::kSell;
  std::memset(u->pad_, 0, sizeof u->pad_);
  const Event b = to_event(*u);
  EXPECT_EQ(std::memcmp(a.bytes, b.bytes, 64), 0);
  EXPECT_EQ(a.header.kind, EventKind::kTrade);
  EXPECT_EQ(a.header.instrument, 3u);
  EXPECT_EQ(a.trade.seq, 99u);
  for (std::size_t i = sizeof(Trade); i < 64; ++i) EXPECT_EQ(a.bytes[i], 0);
}
