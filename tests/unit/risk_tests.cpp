// PreTradeRisk: every rule at its boundary (exactly at the limit passes, one unit — 10^-8 — above
// fails), the check order, the token bucket on event time, trading states, the kill switch through
// the Engine's Control events and the daily-loss trip; every rejection counted by reason.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "risk_test_support.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/risk/pre_trade_risk.hpp"

using namespace keel;

namespace {

using keel::test::no_limits;

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }

OrderCommand order(Side side, OrderType type, const char* q, const char* price = "0",
                   OrderAction action = OrderAction::kNew) {
  OrderCommand c;
  c.action = action;
  c.side = side;
  c.type = type;
  c.qty = qty(q);
  c.price = px(price);
  return c;
}
OrderCommand limit(Side side, const char* q, const char* price) { return order(side, OrderType::kLimit, q, price); }
OrderCommand market(Side side, const char* q) { return order(side, OrderType::kMarket, q); }

RiskExposure at(double reference, double position = 0.0) {
  RiskExposure x;
  x.reference_price = reference;
  x.position = position;
  x.gross_exposure = position < 0 ? -position * reference : position * reference;
  return x;
}

}  // namespace

TEST(Risk, MaxOrderQty) {
  RiskLimits l = no_limits();
  l.max_order_qty = 2.5;
  PreTradeRisk r(l);
  EXPECT_EQ(r.check(limit(Side::kBuy, "2.5", "100"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "2.50000001", "100"), at(100), 0), RiskReject::kMaxOrderQty);
  EXPECT_EQ(r.check(market(Side::kSell, "2.50000001"), at(100), 0), RiskReject::kMaxOrderQty);
  EXPECT_EQ(r.rejects(RiskReject::kMaxOrderQty), 2u);
  EXPECT_EQ(r.total_rejects(), 2u);
  EXPECT_EQ(r.passed(), 1u);
}

TEST(Risk, MaxOrderNotionalLimitAndMarket) {
  RiskLimits l = no_limits();
  l.max_order_notional = 1000;
  PreTradeRisk r(l);
  // Limit orders at their own price.
  EXPECT_EQ(r.check(limit(Side::kBuy, "10", "100"), at(50), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "10.00000001", "100"), at(50), 0), RiskReject::kMaxOrderNotional);
  EXPECT_EQ(r.check(limit(Side::kSell, "10", "100.00000001"), at(50), 0), RiskReject::kMaxOrderNotional);
  // Market (and stop-loss / take-profit) orders at the reference price.
  EXPECT_EQ(r.check(market(Side::kBuy, "8"), at(125), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(market(Side::kBuy, "8.00000001"), at(125), 0), RiskReject::kMaxOrderNotional);
  EXPECT_EQ(r.check(order(Side::kSell, OrderType::kStopLoss, "8.00000001"), at(125), 0), RiskReject::kMaxOrderNotional);
  EXPECT_EQ(r.check(order(Side::kSell, OrderType::kTakeProfit, "8"), at(125), 0), RiskReject::kNone);
  // A market order's price field is ignored.
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kMarket, "8", "1"), at(125.00000001), 0), RiskReject::kMaxOrderNotional);
  EXPECT_EQ(r.rejects(RiskReject::kMaxOrderNotional), 5u);
  EXPECT_EQ(r.total_rejects(), 5u);
}

TEST(Risk, PriceBandBothSides) {
  RiskLimits l = no_limits();
  l.price_band = 0.25;
  PreTradeRisk r(l);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "125"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "125.00000001"), at(100), 0), RiskReject::kPriceBand);
  EXPECT_EQ(r.check(limit(Side::kSell, "1", "75"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kSell, "1", "74.99999999"), at(100), 0), RiskReject::kPriceBand);
  EXPECT_EQ(r.check(limit(Side::kSell, "1", "125.00000001"), at(100), 0), RiskReject::kPriceBand);
  // Market orders have no price to band.
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kPriceBand), 3u);
}

TEST(Risk, NoReferencePriceAndInvalidOrders) {
  PreTradeRisk r(no_limits());
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), at(0), 0), RiskReject::kNoReferencePrice);
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(0), 0), RiskReject::kNoReferencePrice);
  EXPECT_EQ(r.check(limit(Side::kBuy, "0", "100"), at(100), 0), RiskReject::kInvalidOrder);
  EXPECT_EQ(r.check(limit(Side::kNone, "1", "100"), at(100), 0), RiskReject::kInvalidOrder);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "0"), at(100), 0), RiskReject::kInvalidOrder);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "1", OrderAction::kStatus), at(100), 0),
            RiskReject::kInvalidOrder);
  EXPECT_EQ(r.rejects(RiskReject::kNoReferencePrice), 2u);
  EXPECT_EQ(r.rejects(RiskReject::kInvalidOrder), 4u);
  EXPECT_EQ(r.total_rejects(), 6u);
  EXPECT_EQ(r.passed(), 0u);
}

TEST(Risk, MaxPositionOnlyWhenIncreasing) {
  RiskLimits l = no_limits();
  l.max_position_notional = 1000;
  PreTradeRisk r(l);
  // Long 5 at 100: buying 5 reaches exactly 1000.
  EXPECT_EQ(r.check(limit(Side::kBuy, "5", "100"), at(100, 5), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "5.00000001", "100"), at(100, 5), 0), RiskReject::kMaxPosition);
  // Selling through zero to −10 is an increase of |position| that reaches the limit exactly.
  EXPECT_EQ(r.check(limit(Side::kSell, "15", "100"), at(100, 5), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kSell, "15.00000001", "100"), at(100, 5), 0), RiskReject::kMaxPosition);
  // Already beyond the limit (long 12 = 1200): reducing passes, any increase fails.
  EXPECT_EQ(r.check(limit(Side::kSell, "1", "100"), at(100, 12), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kSell, "24", "100"), at(100, 12), 0), RiskReject::kNone);  // −12: not larger
  EXPECT_EQ(r.check(limit(Side::kBuy, "0.00000001", "100"), at(100, 12), 0), RiskReject::kMaxPosition);
  // Working orders on the order's side count as filled.
  RiskExposure x = at(100, 5);
  x.working_buy = 4;
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1.00000001", "100"), x, 0), RiskReject::kMaxPosition);
  EXPECT_EQ(r.rejects(RiskReject::kMaxPosition), 4u);
  EXPECT_EQ(r.total_rejects(), 4u);
}

TEST(Risk, MaxGrossExposure) {
  RiskLimits l = no_limits();
  l.max_gross_exposure = 2000;
  PreTradeRisk r(l);
  RiskExposure x = at(100, 5);
  x.gross_exposure = 1500;  // 500 here, 1000 elsewhere
  EXPECT_EQ(r.check(limit(Side::kBuy, "5", "100"), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "5.00000001", "100"), x, 0), RiskReject::kMaxGrossExposure);
  EXPECT_EQ(r.check(market(Side::kBuy, "5.00000001"), x, 0), RiskReject::kMaxGrossExposure);
  // Reducing never fails it, even above the limit.
  x.gross_exposure = 5000;
  EXPECT_EQ(r.check(limit(Side::kSell, "5", "100"), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kMaxGrossExposure), 2u);
}

TEST(Risk, MaxOpenOrdersNewOrdersOnly) {
  RiskLimits l = no_limits();
  l.max_open_orders = 3;
  PreTradeRisk r(l);
  RiskExposure x = at(100);
  x.open_orders = 2;
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), x, 0), RiskReject::kNone);
  x.open_orders = 3;
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), x, 0), RiskReject::kMaxOpenOrders);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kReplace), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kCancel), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kMaxOpenOrders), 1u);
}

TEST(Risk, RateLimitBurstRefillOnEventTime) {
  RiskLimits l = no_limits();
  l.orders_per_second = 2;
  l.order_burst = 3;
  PreTradeRisk r(l);
  const Nanos t0 = 1'000 * kNanosPerSecond;
  const OrderCommand c = limit(Side::kBuy, "1", "100");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.check(c, at(100), t0), RiskReject::kNone) << i;
  EXPECT_EQ(r.check(c, at(100), t0), RiskReject::kRateLimit);
  EXPECT_EQ(r.check(c, at(100), t0), RiskReject::kRateLimit);  // time did not move: no refill
  EXPECT_EQ(r.check(c, at(100), t0 - kNanosPerSecond), RiskReject::kRateLimit);  // nor backwards
  // Half a second at 2/s: exactly one token.
  EXPECT_EQ(r.check(c, at(100), t0 + kNanosPerSecond / 2 - 1), RiskReject::kRateLimit);
  EXPECT_EQ(r.check(c, at(100), t0 + kNanosPerSecond / 2), RiskReject::kNone);
  EXPECT_EQ(r.check(c, at(100), t0 + kNanosPerSecond / 2), RiskReject::kRateLimit);
  // A long gap refills to the burst, never beyond.
  const Nanos t1 = t0 + 1'000'000 * kNanosPerSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.check(c, at(100), t1), RiskReject::kNone) << i;
  EXPECT_EQ(r.check(c, at(100), t1), RiskReject::kRateLimit);
  // A gap of many years does not overflow.
  const Nanos t2 = t1 + 3'000'000'000 * kNanosPerSecond;
  EXPECT_EQ(r.check(c, at(100), t2), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kRateLimit), 6u);
  EXPECT_EQ(r.passed(), 8u);
}

// Regression: at the default 50 orders/s, a refill over most of a second multiplied 0.9·10^9 ns by
// 5·10^10 nano-tokens/s in 64 bits (overflow); 0.9 s must give exactly 45 orders.
TEST(Risk, RateLimitRefillOfAFractionOfASecondAtTheDefaultRate) {
  RiskLimits l = no_limits();
  l.orders_per_second = 50;
  l.order_burst = 100;
  PreTradeRisk r(l);
  const Nanos t0 = 1'000 * kNanosPerSecond;
  const OrderCommand c = limit(Side::kBuy, "1", "100");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(r.check(c, at(100), t0), RiskReject::kNone) << i;
  ASSERT_EQ(r.check(c, at(100), t0), RiskReject::kRateLimit);
  const Nanos t1 = t0 + 900 * kNanosPerMilli;
  for (int i = 0; i < 45; ++i) EXPECT_EQ(r.check(c, at(100), t1), RiskReject::kNone) << i;
  EXPECT_EQ(r.check(c, at(100), t1), RiskReject::kRateLimit);
}

TEST(Risk, OnlyOrdersThatPassEverythingTakeATokenAndCancelsTakeNone) {
  RiskLimits l = no_limits();
  l.orders_per_second = 1;
  l.order_burst = 1;
  l.max_order_qty = 1;
  PreTradeRisk r(l);
  EXPECT_EQ(r.check(limit(Side::kBuy, "2", "100"), at(100), 0), RiskReject::kMaxOrderQty);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kCancel), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), at(100), 0), RiskReject::kRateLimit);
}

TEST(Risk, CheckOrderFirstFailureWins) {
  RiskLimits l = no_limits();
  l.max_order_qty = 1;
  l.max_order_notional = 10;
  l.price_band = 0.01;
  PreTradeRisk r(l);
  // Fails qty, notional and band: qty is reported.
  EXPECT_EQ(r.check(limit(Side::kBuy, "5", "200"), at(100), 0), RiskReject::kMaxOrderQty);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "200"), at(100), 0), RiskReject::kMaxOrderNotional);
  EXPECT_EQ(r.check(limit(Side::kBuy, "0.01", "200"), at(100), 0), RiskReject::kPriceBand);
  // No reference beats everything but the state and validity.
  EXPECT_EQ(r.check(limit(Side::kBuy, "5", "200"), at(0), 0), RiskReject::kNoReferencePrice);
  r.set_state(TradingState::kHalted);
  EXPECT_EQ(r.check(limit(Side::kBuy, "0", "200"), at(0), 0), RiskReject::kHalted);
  r.set_state(TradingState::kActive);
  r.set_kill_switch(true);  // refuses what adds risk; an invalid order is still reported as invalid
  EXPECT_EQ(r.check(limit(Side::kBuy, "0", "200"), at(0), 0), RiskReject::kInvalidOrder);
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), at(100), 0), RiskReject::kKillSwitch);
  EXPECT_EQ(r.total_rejects(), 7u);
  for (const RiskReject k : {RiskReject::kMaxOrderQty, RiskReject::kMaxOrderNotional, RiskReject::kPriceBand,
                             RiskReject::kNoReferencePrice, RiskReject::kHalted, RiskReject::kKillSwitch})
    EXPECT_EQ(r.rejects(k), 1u) << to_string(k);
}

// Review of issue 8: an engaged kill switch still lets a position be closed (never trapped in a
// losing position), and a release starts a new daily baseline rather than tripping again at once.
TEST(Risk, KillSwitchLetsReducingOrdersThroughAndAReleaseRebaselines) {
  RiskLimits l = no_limits();
  l.max_daily_loss = 100;
  PreTradeRisk r(l);
  const Nanos d = 19'000 * kNanosPerDay;
  r.on_equity(10'000, d);
  r.on_equity(9'850, d + 1);  // lost 150 > 100: tripped
  ASSERT_TRUE(r.kill_switch());
  RiskExposure x = at(100);
  x.position = 5;  // long 5
  EXPECT_EQ(r.check(limit(Side::kSell, "5", "100"), x, d + 2), RiskReject::kNone);        // closes it
  EXPECT_EQ(r.check(limit(Side::kSell, "6", "100"), x, d + 2), RiskReject::kKillSwitch);  // would flip
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), x, d + 2), RiskReject::kKillSwitch);   // adds
  r.set_kill_switch(false);
  r.on_equity(9'850, d + 3);  // the new baseline
  EXPECT_FALSE(r.kill_switch());
  r.on_equity(9'800, d + 4);  // 50 below it: within the limit
  EXPECT_FALSE(r.kill_switch());
  r.on_equity(9'700, d + 5);  // 150 below it
  EXPECT_TRUE(r.kill_switch());
  EXPECT_EQ(r.kill_switch_trips(), 2u);
}

TEST(Risk, ReducingStateOnlyReducingOrdersPass) {
  PreTradeRisk r(no_limits());
  r.set_state(TradingState::kReducing);
  EXPECT_EQ(r.state(), TradingState::kReducing);
  EXPECT_EQ(r.check(limit(Side::kSell, "5", "100"), at(100, 5), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kSell, "5.00000001", "100"), at(100, 5), 0), RiskReject::kReducingOnly);  // flips
  EXPECT_EQ(r.check(limit(Side::kBuy, "1", "100"), at(100, 5), 0), RiskReject::kReducingOnly);
  EXPECT_EQ(r.check(market(Side::kBuy, "2"), at(100, -2), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, -2), 0), RiskReject::kReducingOnly);
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, 0), 0), RiskReject::kReducingOnly);
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100, 0), 0), RiskReject::kReducingOnly);
  // Working sells already reduce part of the long.
  RiskExposure x = at(100, 5);
  x.working_sell = 3;
  EXPECT_EQ(r.check(limit(Side::kSell, "2", "100"), x, 0), RiskReject::kNone);
  EXPECT_EQ(r.check(limit(Side::kSell, "2.00000001", "100"), x, 0), RiskReject::kReducingOnly);
  // Cancels pass.
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kCancel), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kReducingOnly), 6u);
  EXPECT_EQ(r.total_rejects(), 6u);
  r.set_state(TradingState::kActive);
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100, 0), 0), RiskReject::kNone);
}

TEST(Risk, HaltedRefusesEverythingButCancels) {
  PreTradeRisk r(no_limits());
  r.set_state(TradingState::kHalted);
  EXPECT_EQ(r.check(limit(Side::kSell, "1", "100"), at(100, 5), 0), RiskReject::kHalted);  // even reducing
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100), 0), RiskReject::kHalted);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kReplace), at(100), 0),
            RiskReject::kHalted);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kCancel), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.rejects(RiskReject::kHalted), 3u);
  EXPECT_EQ(r.passed(), 1u);
}

TEST(Risk, Issue11VenueGateComesFirstAndCancelsStillPass) {
  PreTradeRisk r(no_limits());
  r.set_state(TradingState::kHalted);
  r.set_venue_gate(VenueGate::kDown);
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, 5), 0), RiskReject::kVenueDown);  // would reduce
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kReplace), at(100), 0),
            RiskReject::kVenueDown);
  EXPECT_EQ(r.check(order(Side::kBuy, OrderType::kLimit, "1", "100", OrderAction::kCancel), at(100), 0), RiskReject::kNone);
  r.set_venue_gate(VenueGate::kReconciling);
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, 5), 0), RiskReject::kReconciling);
  r.set_venue_gate(VenueGate::kOpen);
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, 5), 0), RiskReject::kHalted);
  EXPECT_EQ(r.rejects(RiskReject::kVenueDown), 2u);
  EXPECT_EQ(r.rejects(RiskReject::kReconciling), 1u);
  EXPECT_EQ(to_string(RiskReject::kVenueDown), "venue_down");
  EXPECT_EQ(to_string(RiskReject::kReconciling), "reconciling");
}

TEST(Risk, Issue11ExposureScaleOfTheCapitalRamp) {
  RiskLimits l = no_limits();
  l.max_position_notional = 1000;
  l.max_gross_exposure = 2000;
  PreTradeRisk r(l);
  r.set_exposure_scale(0.25);
  EXPECT_EQ(r.exposure_scale(), 0.25);
  EXPECT_EQ(r.check(market(Side::kBuy, "2.5"), at(100), 0), RiskReject::kNone);
  EXPECT_EQ(r.check(market(Side::kBuy, "2.50000001"), at(100), 0), RiskReject::kMaxPosition);
  RiskExposure other = at(100);
  other.gross_exposure = 400;  // another instrument's 400 + 150 > 500
  EXPECT_EQ(r.check(market(Side::kBuy, "1.5"), other, 0), RiskReject::kMaxGrossExposure);
  // Only reductions when already above the scaled limit; bad scales count as 1.
  EXPECT_EQ(r.check(market(Side::kSell, "1"), at(100, 5), 0), RiskReject::kNone);
  for (const double bad : {0.0, -1.0, 2.0, std::numeric_limits<double>::quiet_NaN()}) {
    r.set_exposure_scale(bad);
    EXPECT_EQ(r.exposure_scale(), 1.0) << bad;
  }
  EXPECT_EQ(r.check(market(Side::kBuy, "10"), at(100), 0), RiskReject::kNone);
}

TEST(Risk, DailyLossAbsolute) {
  RiskLimits l = no_limits();
  l.max_daily_loss = 100;
  PreTradeRisk r(l);
  const Nanos day = 86'400 * kNanosPerSecond;
  const Nanos d1 = 20'000 * day + 3'600 * kNanosPerSecond;
  r.on_equity(1000, d1);  // the day's first equity
  r.on_equity(900, d1 + 1);
  EXPECT_FALSE(r.kill_switch());
  r.on_equity(899.99, d1 + 2);
  EXPECT_TRUE(r.kill_switch());
  EXPECT_EQ(r.kill_switch_trips(), 1u);
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100), d1 + 3), RiskReject::kKillSwitch);
  // It stays engaged when equity recovers, and a new day does not release it either.
  r.on_equity(5000, d1 + 4);
  r.on_equity(5000, d1 + day);
  EXPECT_TRUE(r.kill_switch());
  r.set_kill_switch(false);
  EXPECT_EQ(r.check(market(Side::kBuy, "1"), at(100), d1 + day), RiskReject::kNone);
  EXPECT_EQ(r.kill_switch_trips(), 1u);
  EXPECT_EQ(r.rejects(RiskReject::kKillSwitch), 1u);
}

TEST(Risk, DailyLossFractionPerUtcDay) {
  RiskLimits l = no_limits();
  l.max_daily_loss_fraction = 0.25;
  PreTradeRisk r(l);
  const Nanos day = 86'400 * kNanosPerSecond;
  const Nanos d1 = 20'000 * day;
  r.on_equity(1000, d1 + 10);
  r.on_equity(800, d1 + day - 1);  // −200 of 250 allowed
  EXPECT_FALSE(r.kill_switch());
  // The next UTC day starts from 800: its first equity is never a loss, however low.
  r.on_equity(800, d1 + day);
  r.on_equity(650, d1 + day + 1);  // −150 from 800 (−350 from yesterday's 1000 would have tripped)
  EXPECT_FALSE(r.kill_switch());
  r.on_equity(600, d1 + day + 2);  // exactly 25 %
  EXPECT_FALSE(r.kill_switch());
  r.on_equity(599.99, d1 + day + 3);
  EXPECT_TRUE(r.kill_switch());
  // A day whose first equity is far lower than the last one still does not trip on its own.
  PreTradeRisk s(l);
  s.on_equity(1000, d1);
  s.on_equity(1, d1 + day);
  EXPECT_FALSE(s.kill_switch());
}

namespace {

Event trade_event(InstrumentId i, const char* price, Nanos t) {
  Trade tr{};
  tr.header.instrument = i;
  tr.header.ts_exchange = t;
  tr.header.ts_local = t;
  tr.price = px(price);
  tr.qty = qty("1");
  return to_event(tr);
}

Event control_event(ControlKind kind, std::int64_t value, Nanos t) {
  Control c{};
  c.header.subtype = static_cast<std::uint8_t>(kind);
  c.header.ts_exchange = t;
  c.header.ts_local = t;
  c.value = value;
  return to_event(c);
}

Intent buy(const char* q) {
  Intent in;
  in.kind = IntentKind::kOrder;
  in.instrument = 0;
  in.side = Side::kBuy;
  in.type = OrderType::kMarket;
  in.qty = qty(q);
  return in;
}

std::size_t drain(Engine& e) {
  std::size_t n = 0;
  while (e.commands().front() != nullptr) {
    e.commands().pop();
    ++n;
  }
  return n;
}

}  // namespace

TEST(RiskEngine, KillSwitchAndTradingStateViaControlEvents) {
  EngineConfig cfg;
  cfg.instrument_count = 1;
  cfg.risk = no_limits();
  cfg.initial_cash = Notional::from_units(10'000);
  Engine e(cfg);
  e.on_event(trade_event(0, "100", 1000));
  SubmitResult s = e.submit(buy("1"));
  ASSERT_EQ(s.status, SubmitStatus::kSent);
  const std::uint32_t first = s.order_id;
  EXPECT_EQ(drain(e), 1u);

  e.on_event(control_event(ControlKind::kKillSwitch, 1, 2000));
  EXPECT_TRUE(e.risk().kill_switch());
  s = e.submit(buy("1"));
  EXPECT_EQ(s.status, SubmitStatus::kRiskRejected);
  EXPECT_EQ(s.risk, RiskReject::kKillSwitch);
  EXPECT_EQ(drain(e), 0u);
  // The engine cancels the order itself once it is amendable (the OMS takes no cancel while
  // PendingNew): at its ack (Issue 11: the kill switch cancels every live order).
  ExecReport ack{};
  ack.header.subtype = static_cast<std::uint8_t>(ExecType::kNew);
  ack.header.ts_local = 2500;
  ack.client_order_id = first;
  ack.exec_id = 1;
  e.on_event(to_event(ack));
  ASSERT_NE(e.commands().front(), nullptr);
  EXPECT_EQ(e.commands().front()->action, OrderAction::kCancel);
  EXPECT_EQ(e.commands().front()->orig_client_order_id, first);
  EXPECT_EQ(drain(e), 1u);
  EXPECT_EQ(e.stats().kill_switch_cancels, 1u);
  Intent cancel;
  cancel.kind = IntentKind::kCancel;
  cancel.order_id = first;
  EXPECT_EQ(e.submit(cancel).status, SubmitStatus::kOmsRefused);  // already pending cancel
  EXPECT_EQ(drain(e), 0u);
  e.on_event(control_event(ControlKind::kKillSwitch, 0, 3000));
  EXPECT_FALSE(e.risk().kill_switch());
  EXPECT_EQ(e.submit(buy("1")).status, SubmitStatus::kSent);
  EXPECT_EQ(drain(e), 1u);

  e.on_event(control_event(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kHalted), 4000));
  EXPECT_EQ(e.risk().state(), TradingState::kHalted);
  s = e.submit(buy("1"));
  EXPECT_EQ(s.risk, RiskReject::kHalted);
  e.on_event(control_event(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kReducing), 5000));
  s = e.submit(buy("1"));  // flat: nothing to reduce
  EXPECT_EQ(s.risk, RiskReject::kReducingOnly);
  const std::uint64_t rejected = e.stats().rejected_events;
  e.on_event(control_event(ControlKind::kTradingState, 3, 6000));  // not a TradingState
  EXPECT_EQ(e.stats().rejected_events, rejected + 1);
  EXPECT_EQ(e.risk().state(), TradingState::kReducing);
  e.on_event(control_event(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kActive), 7000));
  EXPECT_EQ(e.submit(buy("1")).status, SubmitStatus::kSent);
  EXPECT_EQ(drain(e), 1u);

  EXPECT_EQ(e.risk().rejects(RiskReject::kKillSwitch), 1u);
  EXPECT_EQ(e.risk().rejects(RiskReject::kHalted), 1u);
  EXPECT_EQ(e.risk().rejects(RiskReject::kReducingOnly), 1u);
  EXPECT_EQ(e.risk().total_rejects(), 3u);
  EXPECT_EQ(e.risk().kill_switch_trips(), 1u);
}

TEST(RiskEngine, DailyLossTripsThroughFills) {
  EngineConfig cfg;
  cfg.instrument_count = 1;
  cfg.risk = no_limits();
  cfg.risk.max_daily_loss = 50;
  cfg.initial_cash = Notional::from_units(10'000);
  Engine e(cfg);
  const Nanos t = 20'000LL * 86'400 * kNanosPerSecond;
  e.on_event(trade_event(0, "100", t));
  const SubmitResult s = e.submit(buy("10"));
  ASSERT_EQ(s.status, SubmitStatus::kSent);
  drain(e);
  // First fill: the day's first equity (10 000 − fee 60 … = 9 940): no trip on the first mark.
  ExecReport f{};
  f.header.subtype = static_cast<std::uint8_t>(ExecType::kPartialFill);
  f.header.ts_local = t + 1;
  f.client_order_id = s.order_id;
  f.exec_id = 1;
  f.last_price = px("100");
  f.last_qty = qty("5");
  f.cum_qty = qty("5");
  f.fee = Notional::from_units(60);
  e.on_event(to_event(f));
  EXPECT_FALSE(e.risk().kill_switch());
  // Second fill costs another 51 in fees: 51 below the day's first equity.
  f.header.subtype = static_cast<std::uint8_t>(ExecType::kFill);
  f.header.ts_local = t + 2;
  f.exec_id = 2;
  f.cum_qty = qty("10");
  f.fee = Notional::from_units(51);
  e.on_event(to_event(f));
  EXPECT_TRUE(e.risk().kill_switch());
  EXPECT_EQ(e.submit(buy("1")).risk, RiskReject::kKillSwitch);
}
