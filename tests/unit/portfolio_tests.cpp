// Portfolio: PnL worked by hand in exact fixed point — fees, average entry, partial reduces, flips,
// marks, equity — and refused fills (overflow, invalid input) that change nothing.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "keel/core/portfolio/portfolio.hpp"

using namespace keel;

namespace {

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }
Notional usd(const char* t) {
  if (t[0] == '-') return -Notional::parse(t + 1).value();
  return Notional::parse(t).value();
}

void expect_same(const Portfolio& a, const Portfolio& b) {
  EXPECT_EQ(a.cash(), b.cash());
  for (InstrumentId i = 0; i < a.instrument_count(); ++i) {
    const Position& p = a.position(i);
    const Position& q = b.position(i);
    EXPECT_EQ(p.qty, q.qty) << i;
    EXPECT_EQ(p.cost, q.cost) << i;
    EXPECT_EQ(p.realized, q.realized) << i;
    EXPECT_EQ(p.fees, q.fees) << i;
    EXPECT_EQ(p.mark, q.mark) << i;
    EXPECT_EQ(p.fills, q.fills) << i;
  }
}

}  // namespace

TEST(Portfolio, BuildReducePartiallyFlipAndMark) {
  Portfolio p(2, usd("10000"));
  EXPECT_EQ(p.initial_cash(), usd("10000"));
  // Buy 1 @ 100, fee 0.1.
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("100"), qty("1"), usd("0.1")));
  EXPECT_EQ(p.cash(), usd("9899.9"));
  EXPECT_EQ(p.position(0).qty, qty("1"));
  EXPECT_EQ(p.position(0).cost, usd("100"));
  EXPECT_EQ(p.position(0).fees, usd("0.1"));
  // Buy 2 @ 103, fee 0.2: average entry 102.
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("103"), qty("2"), usd("0.2")));
  EXPECT_EQ(p.position(0).qty, qty("3"));
  EXPECT_EQ(p.position(0).cost, usd("306"));
  EXPECT_EQ(p.cash(), usd("9693.7"));
  EXPECT_EQ(p.position(0).realized, Notional{});
  // Sell 1 @ 110, fee 0.11: realises 110 − 102 = 8 against the average.
  ASSERT_TRUE(p.apply_fill(0, Side::kSell, px("110"), qty("1"), usd("0.11")));
  EXPECT_EQ(p.position(0).qty, qty("2"));
  EXPECT_EQ(p.position(0).cost, usd("204"));
  EXPECT_EQ(p.position(0).realized, usd("8"));
  EXPECT_EQ(p.cash(), usd("9803.59"));
  // Sell 5 @ 90, fee 0.45: closes the long 2 (realises 180 − 204 = −24) and opens a short 3 at 90.
  ASSERT_TRUE(p.apply_fill(0, Side::kSell, px("90"), qty("5"), usd("0.45")));
  EXPECT_EQ(p.position(0).qty, -qty("3"));
  EXPECT_EQ(p.position(0).cost, usd("-270"));
  EXPECT_EQ(p.position(0).realized, usd("-16"));
  EXPECT_EQ(p.position(0).fees, usd("0.86"));
  EXPECT_EQ(p.position(0).fills, 4u);
  EXPECT_EQ(p.cash(), usd("10253.14"));
  // Marked at the last fill (90): no unrealised PnL.
  EXPECT_EQ(p.position(0).mark, px("90"));
  EXPECT_EQ(p.unrealized(), Notional{});
  // Mark at 80: short 3 gains 30.
  p.mark(0, px("80"));
  EXPECT_EQ(p.unrealized(), usd("30"));
  EXPECT_EQ(p.equity(), usd("10013.14"));  // 10253.14 − 240
  EXPECT_EQ(p.equity(), p.initial_cash() + p.realized() + p.unrealized() - p.fees());
  EXPECT_DOUBLE_EQ(p.gross_exposure(), 240.0);
  // Buy back 1 @ 85: realises 90 − 85 = 5 on the short.
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("85"), qty("1"), Notional{}));
  EXPECT_EQ(p.position(0).qty, -qty("2"));
  EXPECT_EQ(p.position(0).cost, usd("-180"));
  EXPECT_EQ(p.position(0).realized, usd("-11"));
  // Buy 2 @ 70 closes it: flat, cost 0, realised 2 · 20 = 40 more.
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("70"), qty("2"), Notional{}));
  EXPECT_EQ(p.position(0).qty, Qty{});
  EXPECT_EQ(p.position(0).cost, Notional{});
  EXPECT_EQ(p.position(0).realized, usd("29"));
  EXPECT_EQ(p.unrealized(), Notional{});
  EXPECT_EQ(p.equity(), p.cash());
  EXPECT_EQ(p.cash(), usd("10000") + usd("29") - usd("0.86"));
  EXPECT_EQ(p.refused_fills(), 0u);
}

TEST(Portfolio, ShortFlippedToLongInOneFill) {
  Portfolio p(1, usd("0"));
  ASSERT_TRUE(p.apply_fill(0, Side::kSell, px("50"), qty("4"), usd("0.2")));
  EXPECT_EQ(p.position(0).cost, usd("-200"));
  EXPECT_EQ(p.cash(), usd("199.8"));
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("45"), qty("10"), usd("0.45")));
  EXPECT_EQ(p.position(0).qty, qty("6"));
  EXPECT_EQ(p.position(0).cost, usd("270"));   // 6 @ 45
  EXPECT_EQ(p.position(0).realized, usd("20"));  // 4 · (50 − 45)
  EXPECT_EQ(p.cash(), usd("-250.65"));
  EXPECT_EQ(p.equity(), usd("19.35"));  // −250.65 + 6 · 45
}

TEST(Portfolio, ReduceCostShareRoundsHalfToEvenOnce) {
  Portfolio p(1, usd("1000"));
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("10"), qty("1"), Notional{}));
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("10.00000001"), qty("2"), Notional{}));
  EXPECT_EQ(p.position(0).cost, usd("30.00000002"));
  // A third of 30.00000002 is 10.00000000666…: rounded to 10.00000001.
  ASSERT_TRUE(p.apply_fill(0, Side::kSell, px("11"), qty("1"), Notional{}));
  EXPECT_EQ(p.position(0).realized, usd("0.99999999"));
  EXPECT_EQ(p.position(0).cost, usd("20.00000001"));
  // A fill whose notional has a half at the 9th decimal: 1.5 · 0.00000003 = 0.000000045 → 0.00000004.
  Portfolio q(1, usd("1"));
  ASSERT_TRUE(q.apply_fill(0, Side::kBuy, px("1.5"), Qty::from_raw(3), Notional{}));
  EXPECT_EQ(q.position(0).cost, Notional::from_raw(4));
  EXPECT_EQ(q.cash(), usd("1") - Notional::from_raw(4));
}

TEST(Portfolio, FeesPerPositionRebatesAndCash) {
  Portfolio p(3, usd("500"));
  ASSERT_TRUE(p.apply_fill(1, Side::kBuy, px("2"), qty("10"), usd("0.02")));
  ASSERT_TRUE(p.apply_fill(2, Side::kSell, px("4"), qty("5"), usd("-0.01")));  // a maker rebate
  EXPECT_EQ(p.position(0).fees, Notional{});
  EXPECT_EQ(p.position(1).fees, usd("0.02"));
  EXPECT_EQ(p.position(2).fees, usd("-0.01"));
  EXPECT_EQ(p.fees(), usd("0.01"));
  EXPECT_EQ(p.cash(), usd("500") - usd("20") - usd("0.02") + usd("20") + usd("0.01"));
  EXPECT_EQ(p.position(0).fills, 0u);
  EXPECT_EQ(p.position(1).fills, 1u);
  // Equity at marks; an instrument without a mark counts at cost.
  p.mark(1, px("3"));
  EXPECT_EQ(p.unrealized(), usd("10"));
  EXPECT_EQ(p.equity(), p.cash() + usd("30") - usd("20"));
  p.mark(1, Price{});       // ignored
  p.mark(7, px("1"));       // unknown instrument: ignored
  EXPECT_EQ(p.position(1).mark, px("3"));
}

TEST(Portfolio, InvalidFillsRefused) {
  Portfolio p(2, usd("100"));
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("1"), qty("1"), Notional{}));
  const Portfolio before = p;
  EXPECT_FALSE(p.apply_fill(2, Side::kBuy, px("1"), qty("1"), Notional{}));
  EXPECT_FALSE(p.apply_fill(kNoInstrument, Side::kBuy, px("1"), qty("1"), Notional{}));
  EXPECT_FALSE(p.apply_fill(0, Side::kNone, px("1"), qty("1"), Notional{}));
  EXPECT_FALSE(p.apply_fill(0, Side::kBuy, Price{}, qty("1"), Notional{}));
  EXPECT_FALSE(p.apply_fill(0, Side::kBuy, -px("1"), qty("1"), Notional{}));
  EXPECT_FALSE(p.apply_fill(0, Side::kSell, px("1"), Qty{}, Notional{}));
  EXPECT_FALSE(p.apply_fill(0, Side::kSell, px("1"), -qty("1"), Notional{}));
  EXPECT_EQ(p.refused_fills(), 7u);
  expect_same(p, before);
}

TEST(Portfolio, OverflowRefusedNothingChanged) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  // Price · qty beyond int64 notional.
  Portfolio p(1, usd("100"));
  ASSERT_TRUE(p.apply_fill(0, Side::kBuy, px("2"), qty("3"), usd("0.1")));
  Portfolio before = p;
  EXPECT_FALSE(p.apply_fill(0, Side::kBuy, Price::from_raw(kMax / 2), qty("1000"), Notional{}));
  EXPECT_EQ(p.refused_fills(), 1u);
  expect_same(p, before);
  // Cash beyond int64.
  Portfolio c(1, Notional::from_raw(kMax - 10));
  before = c;
  EXPECT_FALSE(c.apply_fill(0, Side::kSell, px("1"), qty("1"), Notional{}));
  expect_same(c, before);
  // A fee that overflows cash.
  Portfolio f(1, usd("0"));
  before = f;
  EXPECT_FALSE(f.apply_fill(0, Side::kBuy, px("1"), qty("1"), Notional::from_raw(kMax)));
  expect_same(f, before);
  EXPECT_EQ(f.refused_fills(), 1u);
  // Position quantity beyond int64: two fills of half the range fit, a third does not.
  Portfolio q(1, usd("0"));
  const Qty half = Qty::from_raw(kMax / 2);
  ASSERT_TRUE(q.apply_fill(0, Side::kBuy, Price::from_raw(1), half, Notional{}));
  ASSERT_TRUE(q.apply_fill(0, Side::kBuy, Price::from_raw(1), half, Notional{}));
  before = q;
  EXPECT_FALSE(q.apply_fill(0, Side::kBuy, Price::from_raw(1), half, Notional{}));
  expect_same(q, before);
  EXPECT_EQ(q.refused_fills(), 1u);
  // And the portfolio still takes ordinary fills afterwards.
  EXPECT_TRUE(p.apply_fill(0, Side::kSell, px("2"), qty("3"), Notional{}));
  EXPECT_EQ(p.position(0).qty, Qty{});
  EXPECT_EQ(p.cash(), usd("99.9"));
}
