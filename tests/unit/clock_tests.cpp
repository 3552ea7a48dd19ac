#include <gtest/gtest.h>

#include "keel/core/primitives/clock.hpp"

using namespace keel;

TEST(SimClock, AdvancesOnlyForward) {
  SimClock c;
  EXPECT_EQ(c.now(), 0);
  c.advance_to(100);
  c.advance_to(50);  // a late event does not move time back
  EXPECT_EQ(c.now(), 100);
  c.advance_to(200);
  EXPECT_EQ(c.now(), 200);
}

TEST(MonotonicClock, NeverDecreases) {
  MonotonicClock c;
  Nanos prev = c.now();
  for (int i = 0; i < 1000; ++i) {
    const Nanos t = c.now();
    ASSERT_GE(t, prev);
    prev = t;
  }
}

TEST(CivilDates, RoundTripAndKnownDays) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({2020, 12, 1}), 18597);
  EXPECT_EQ(civil_from_days(18597), (CivilDate{2020, 12, 1}));
  EXPECT_EQ(civil_from_days(days_from_civil({2024, 2, 29})), (CivilDate{2024, 2, 29}));
  for (std::int64_t d = -1000; d < 30000; d += 7) EXPECT_EQ(days_from_civil(civil_from_days(d)), d);
  // 1606780800000 ms = 2020-12-01T00:00:00Z
  EXPECT_EQ(utc_day_number(1606780800000LL * kNanosPerMilli), 18597);
  EXPECT_EQ(utc_day_number(1606780800000LL * kNanosPerMilli - 1), 18596);
  EXPECT_EQ(utc_day_number(-1), -1);
}
