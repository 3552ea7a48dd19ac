// Hand-computed cases for DOLPHIN's signal and sizing formulas (signal_rules.hpp). Expected values
// are written as the exact doubles the spec's formulas give in the spec's order (checked
// independently in IEEE double arithmetic); the comment next to each shows the arithmetic by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "keel/core/strategy/dolphin/signal_rules.hpp"

using namespace keel::dolphin;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double toward(double from, double to) {
  return std::nextafter(from, to);
}

SignalParams short_params() {
  return SignalParams{};
}
SignalParams long_params() {
  SignalParams p;
  p.direction = Direction::kLong;
  return p;
}
}  // namespace

// ---------------------------------------------------------------------------------------------------
// Signal gate and confidence (§4.1)

TEST(SignalGate, ShortFiresStrictlyBelowTheThreshold) {
  const SignalParams p = short_params();
  const SignalGate at = evaluate_signal(-0.02, p);  // vel_div < −0.02 is strict
  EXPECT_FALSE(at.fires);
  EXPECT_FALSE(at.is_extreme);
  EXPECT_EQ(at.confidence, 0.0);

  const SignalGate below = evaluate_signal(toward(-0.02, -1.0), p);
  EXPECT_TRUE(below.fires);
  EXPECT_FALSE(below.is_extreme);
  EXPECT_EQ(below.confidence, 0.5);  // ratio ≈ 1.2e-16, ×0.40 is below half an ulp of 0.5

  EXPECT_FALSE(evaluate_signal(0.0, p).fires);
  EXPECT_FALSE(evaluate_signal(0.03, p).fires);
}

TEST(SignalGate, ShortConfidenceIsTheClampedRatio) {
  const SignalParams p = short_params();
  // (−0.02 − (−0.035))/(−0.02 − (−0.05)) = 0.015/0.030000000000000002 ≈ 0.5
  //   → 0.50 + 0.5·0.40 = 0.70
  const SignalGate mid = evaluate_signal(-0.035, p);
  EXPECT_TRUE(mid.fires);
  EXPECT_FALSE(mid.is_extreme);
  EXPECT_EQ(mid.confidence, 0.7000000000000001);
  // (−0.02 + 0.03)/0.03 ≈ 1/3 → 0.50 + 0.40/3 ≈ 0.6333
  EXPECT_EQ(evaluate_signal(-0.03, p).confidence, 0.6333333333333333);
}

TEST(SignalGate, ShortExtremeIsInclusiveAndConfidenceSaturates) {
  const SignalParams p = short_params();
  const SignalGate at = evaluate_signal(-0.05, p);  // vel_div <= −0.05 is inclusive
  EXPECT_TRUE(at.fires);
  EXPECT_TRUE(at.is_extreme);
  EXPECT_EQ(at.confidence, 0.9);  // ratio = 0.03/0.03 = 1 exactly → 0.50 + 0.40

  const SignalGate above = evaluate_signal(toward(-0.05, 0.0), p);
  EXPECT_TRUE(above.fires);
  EXPECT_FALSE(above.is_extreme);
  EXPECT_EQ(above.confidence, 0.8999999999999999);

  const SignalGate deep = evaluate_signal(-0.2, p);  // ratio 6 → clamped to 1
  EXPECT_TRUE(deep.is_extreme);
  EXPECT_EQ(deep.confidence, 0.9);
  EXPECT_EQ(evaluate_signal(-kInf, p).confidence, 0.9);
}

TEST(SignalGate, NaNNeverFires) {
  for (const SignalParams& p : {short_params(), long_params()}) {
    const SignalGate g = evaluate_signal(kNaN, p);
    EXPECT_FALSE(g.fires);
    EXPECT_FALSE(g.is_extreme);
    EXPECT_EQ(g.confidence, 0.0);
  }
}

TEST(SignalGate, LongMirrorsShort) {
  const SignalParams p = long_params();
  EXPECT_FALSE(evaluate_signal(0.01, p).fires);   // vel_div > 0.01 is strict
  EXPECT_FALSE(evaluate_signal(-0.05, p).fires);  // a SHORT signal is no LONG signal
  const SignalGate just = evaluate_signal(toward(0.01, 1.0), p);
  EXPECT_TRUE(just.fires);
  EXPECT_EQ(just.confidence, 0.5);
  // (0.025 − 0.01)/(0.04 − 0.01) = 0.015/0.03 ≈ 0.5 → 0.70
  const SignalGate mid = evaluate_signal(0.025, p);
  EXPECT_TRUE(mid.fires);
  EXPECT_FALSE(mid.is_extreme);
  EXPECT_EQ(mid.confidence, 0.7000000000000001);
  EXPECT_EQ(evaluate_signal(0.02, p).confidence, 0.6333333333333333);
  const SignalGate at = evaluate_signal(0.04, p);  // vel_div >= 0.04 is inclusive
  EXPECT_TRUE(at.is_extreme);
  EXPECT_EQ(at.confidence, 0.9);
  EXPECT_FALSE(evaluate_signal(toward(0.04, 0.0), p).is_extreme);
  EXPECT_EQ(evaluate_signal(1.0, p).confidence, 0.9);
}

// ---------------------------------------------------------------------------------------------------
// Direction confirmation (§4.2)

namespace {
// dc_lookback_bars + 1 = 8 prices: only prices[0] (p0) and prices[7] (p1) matter.
std::vector<double> dc_path(double p0, double p1, std::size_t n = 8) {
  std::vector<double> v(n, 1.0);  // filler that must not be read
  v[n - 8] = p0;
  v[n - 1] = p1;
  return v;
}
}  // namespace

TEST(DirectionConfirmation, FallingPriceConfirmsShortAndContradictsLong) {
  const SignalParams p = short_params();
  // (9999 − 10000)/10000·10000 = −1.0 bps < −0.75
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 9999.0), Direction::kShort, p),
            DcResult::kConfirm);
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 9999.0), Direction::kLong, p),
            DcResult::kContradict);
  // +1.0 bps > +0.75
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10001.0), Direction::kShort, p),
            DcResult::kContradict);
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10001.0), Direction::kLong, p),
            DcResult::kConfirm);
  // No move
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10000.0), Direction::kShort, p),
            DcResult::kNeutral);
}

TEST(DirectionConfirmation, ThresholdIsStrictAtTheNearestDoublesTo075Bps) {
  const SignalParams p = short_params();
  // chg_bps can never be exactly 0.75 in doubles: 10000 → 10000.75 gives 0.7499999999999999 and the
  // next price up gives 0.750000000001819.
  auto chg = [](double p0, double p1) { return (p1 - p0) / p0 * 10000.0; };
  ASSERT_EQ(chg(10000.0, 10000.75), 0.7499999999999999);
  ASSERT_EQ(chg(10000.0, toward(10000.75, kInf)), 0.750000000001819);
  ASSERT_EQ(chg(10000.0, 9999.25), -0.7499999999999999);
  ASSERT_EQ(chg(10000.0, toward(9999.25, -kInf)), -0.750000000001819);

  for (const Direction d : {Direction::kShort, Direction::kLong}) {
    EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10000.75), d, p), DcResult::kNeutral);
    EXPECT_EQ(direction_confirmation(dc_path(10000.0, 9999.25), d, p), DcResult::kNeutral);
  }
  const auto up = dc_path(10000.0, toward(10000.75, kInf));
  const auto down = dc_path(10000.0, toward(9999.25, -kInf));
  EXPECT_EQ(direction_confirmation(up, Direction::kShort, p), DcResult::kContradict);
  EXPECT_EQ(direction_confirmation(up, Direction::kLong, p), DcResult::kConfirm);
  EXPECT_EQ(direction_confirmation(down, Direction::kShort, p), DcResult::kConfirm);
  EXPECT_EQ(direction_confirmation(down, Direction::kLong, p), DcResult::kContradict);
}

TEST(DirectionConfirmation, ChangeEqualToTheMagnitudeIsNeutral) {
  SignalParams p = short_params();
  p.dc_min_magnitude_bps = 1.0;  // attainable exactly: 10000 → 10001 is 1.0 bps
  for (const Direction d : {Direction::kShort, Direction::kLong}) {
    EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10001.0), d, p), DcResult::kNeutral);
    EXPECT_EQ(direction_confirmation(dc_path(10000.0, 9999.0), d, p), DcResult::kNeutral);
  }
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 10002.0), Direction::kShort, p),
            DcResult::kContradict);
  EXPECT_EQ(direction_confirmation(dc_path(10000.0, 9998.0), Direction::kShort, p),
            DcResult::kConfirm);
}

TEST(DirectionConfirmation, UsesTheBarLookbackPlusOneBack) {
  const SignalParams p = short_params();
  // n = 20: p0 = prices[20 − 7 − 1] = prices[12], p1 = prices[19]; the rest must not matter.
  std::vector<double> v(20, 50000.0);
  v[12] = 10000.0;
  v[19] = 9999.0;
  v[11] = 1.0;
  v[13] = 1e9;
  EXPECT_EQ(direction_confirmation(v, Direction::kShort, p), DcResult::kConfirm);
  v[19] = 10000.0;
  EXPECT_EQ(direction_confirmation(v, Direction::kShort, p), DcResult::kNeutral);
}

TEST(DirectionConfirmation, TooShortAHistoryIsNeutral) {
  const SignalParams p = short_params();
  // 7 prices < lookback + 1 = 8: NEUTRAL even with a 10% fall.
  const std::vector<double> seven{100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 90.0};
  EXPECT_EQ(direction_confirmation(seven, Direction::kShort, p), DcResult::kNeutral);
  EXPECT_EQ(direction_confirmation(std::span<const double>{}, Direction::kShort, p),
            DcResult::kNeutral);
  std::vector<double> eight{100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 90.0};
  EXPECT_EQ(direction_confirmation(eight, Direction::kShort, p), DcResult::kConfirm);
  // A p0 that is not a positive number: NEUTRAL.
  eight[0] = 0.0;
  EXPECT_EQ(direction_confirmation(eight, Direction::kShort, p), DcResult::kNeutral);
  eight[0] = kNaN;
  EXPECT_EQ(direction_confirmation(eight, Direction::kShort, p), DcResult::kNeutral);
}

// ---------------------------------------------------------------------------------------------------
// Strength, cubic leverage (§6.1, §6.2)

TEST(Strength, ShortScoreIsTheClampedRatioAndOneFromTheExtreme) {
  const SignalParams p = short_params();
  EXPECT_EQ(strength_score(-0.02, p), 0.0);                  // (−0.02 + 0.02)/0.03 = 0
  EXPECT_EQ(strength_score(-0.01, p), 0.0);                  // negative ratio clamped
  EXPECT_EQ(strength_score(-0.035, p), 0.5000000000000001);  // 0.015/0.030000000000000002
  EXPECT_EQ(strength_score(-0.03, p), 0.33333333333333326);  // 0.01/0.03
  EXPECT_EQ(strength_score(toward(-0.05, 0.0), p), 0.9999999999999998);
  EXPECT_EQ(strength_score(-0.05, p), 1.0);
  EXPECT_EQ(strength_score(-0.3, p), 1.0);
  EXPECT_EQ(strength_score(kNaN, p), 0.0);
}

TEST(Strength, LongScoreMirrors) {
  const SignalParams p = long_params();
  EXPECT_EQ(strength_score(0.01, p), 0.0);
  EXPECT_EQ(strength_score(-0.05, p), 0.0);  // a SHORT-side value has no LONG strength
  EXPECT_EQ(strength_score(0.025, p), 0.5000000000000001);  // (0.025 − 0.01)/0.03
  EXPECT_EQ(strength_score(0.02, p), 0.33333333333333337);  // (0.02 − 0.01)/0.03
  EXPECT_EQ(strength_score(0.04, p), 1.0);
  EXPECT_EQ(strength_score(0.5, p), 1.0);
  EXPECT_EQ(strength_score(kNaN, p), 0.0);
}

TEST(CubicLeverage, MinPlusCubeTimesSpan) {
  const SizingParams s;
  EXPECT_EQ(cubic_leverage(0.0, s), 0.5);         // 0.5 + 0·4.5
  EXPECT_EQ(cubic_leverage(0.25, s), 0.5703125);  // 0.5 + 0.015625·4.5
  EXPECT_EQ(cubic_leverage(0.5, s), 1.0625);      // 0.5 + 0.125·4.5
  EXPECT_EQ(cubic_leverage(1.0, s), 5.0);         // 0.5 + 1·4.5
  EXPECT_EQ(cubic_leverage(0.5000000000000001, s), 1.0625000000000004);
  SizingParams linear = s;
  linear.leverage_convexity = 1.0;
  EXPECT_EQ(cubic_leverage(0.5, linear), 2.75);  // 0.5 + 0.5·4.5
}

// ---------------------------------------------------------------------------------------------------
// Buckets (§6.3)

TEST(SignalBucket, ShortUsesTheDoubleValuesAsWritten) {
  const SignalParams p = short_params();
  ASSERT_EQ(-0.05 * 1.5, -0.07500000000000001);
  ASSERT_EQ((-0.02 + -0.05) / 2, -0.035);
  EXPECT_EQ(signal_bucket(-0.2, p), 0);
  EXPECT_EQ(signal_bucket(-0.07500000000000001, p), 0);
  EXPECT_EQ(signal_bucket(-0.075, p), 1);  // −0.075 > −0.07500000000000001
  EXPECT_EQ(signal_bucket(-0.06, p), 1);
  EXPECT_EQ(signal_bucket(-0.05, p), 1);
  EXPECT_EQ(signal_bucket(toward(-0.05, 0.0), p), 2);
  EXPECT_EQ(signal_bucket(-0.035, p), 2);
  EXPECT_EQ(signal_bucket(toward(-0.035, 0.0), p), 3);
  EXPECT_EQ(signal_bucket(-0.021, p), 3);
  EXPECT_EQ(signal_bucket(kNaN, p), 3);
}

TEST(SignalBucket, LongUsesMinusVelDivWithTheShortThresholds) {
  const SignalParams p = long_params();
  EXPECT_EQ(signal_bucket(0.07500000000000001, p), 0);
  EXPECT_EQ(signal_bucket(0.075, p), 1);
  EXPECT_EQ(signal_bucket(0.05, p), 1);
  EXPECT_EQ(signal_bucket(0.04, p), 2);  // the LONG extreme sits in bucket 2 (−0.04 <= −0.035)
  EXPECT_EQ(signal_bucket(0.035, p), 2);
  EXPECT_EQ(signal_bucket(0.03, p), 3);
  EXPECT_EQ(signal_bucket(0.011, p), 3);
}

// ---------------------------------------------------------------------------------------------------
// Bucket boost, streak, trend (§6.4)

TEST(BucketBoost, NeutralDuringWarmUp) {
  const SizingParams s;
  EXPECT_EQ(bucket_boost(9, 9, s), 1.0);  // 9 < 10 closed trades in the bucket
  EXPECT_EQ(bucket_boost(0, 9, s), 1.0);
  EXPECT_EQ(bucket_boost(0, 0, s), 1.0);
  SizingParams none = s;
  none.bucket_min_trades = 0;
  EXPECT_EQ(bucket_boost(0, 0, none), 1.0);  // no trades: no win rate
}

TEST(BucketBoost, WinRateBandsWithStrictBoundaries) {
  const SizingParams s;
  EXPECT_EQ(bucket_boost(10, 10, s), 1.3);
  EXPECT_EQ(bucket_boost(7, 10, s), 1.3);    // 0.70 > 0.60
  EXPECT_EQ(bucket_boost(13, 20, s), 1.3);   // 0.65
  EXPECT_EQ(bucket_boost(6, 10, s), 1.1);    // 0.60 exactly: not > 0.60, > 0.55
  EXPECT_EQ(bucket_boost(12, 20, s), 1.1);   // 0.60 exactly
  EXPECT_EQ(bucket_boost(23, 40, s), 1.1);   // 0.575
  EXPECT_EQ(bucket_boost(11, 20, s), 1.0);   // 0.55 exactly: not > 0.55
  EXPECT_EQ(bucket_boost(5, 10, s), 1.0);    // 0.50
  EXPECT_EQ(bucket_boost(9, 20, s), 1.0);    // 0.45 exactly: not < 0.45
  EXPECT_EQ(bucket_boost(17, 40, s), 0.85);  // 0.425
  EXPECT_EQ(bucket_boost(4, 10, s), 0.85);   // 0.40 exactly: not < 0.40, < 0.45
  EXPECT_EQ(bucket_boost(7, 20, s), 0.7);    // 0.35
  EXPECT_EQ(bucket_boost(0, 10, s), 0.7);
}

TEST(StreakMultiplier, LossesInTheLastFive) {
  const SizingParams s;
  EXPECT_EQ(streak_multiplier(4, 4, s), 1.0);  // 4 < 5 closed trades: warm-up
  EXPECT_EQ(streak_multiplier(0, 4, s), 1.0);
  EXPECT_EQ(streak_multiplier(5, 5, s), 0.5);
  EXPECT_EQ(streak_multiplier(4, 5, s), 0.5);
  EXPECT_EQ(streak_multiplier(3, 5, s), 0.7);
  EXPECT_EQ(streak_multiplier(2, 100, s), 1.0);
  EXPECT_EQ(streak_multiplier(1, 100, s), 1.1);
  EXPECT_EQ(streak_multiplier(0, 6, s), 1.1);
}

TEST(TrendMultiplier, NeedsTenDefinedValues) {
  const SizingParams s;
  std::vector<double> h(9, 0.0);
  h.back() = -0.5;  // a huge fall, but only 9 values
  EXPECT_EQ(trend_multiplier(h, Direction::kShort, s), 1.0);
  h.push_back(-0.5);  // 10 values: −0.5 − 0.0
  EXPECT_EQ(trend_multiplier(h, Direction::kShort, s), 1.3);
  SizingParams longer = s;
  longer.trend_min_values = 12;  // a longer warm-up keeps the bible's 10-value lag
  EXPECT_EQ(trend_multiplier(h, Direction::kShort, longer), 1.0);
}

TEST(TrendMultiplier, LastMinusTheTenthFromLastWithStrictBands) {
  const SizingParams s;
  auto hist = [](double tenth_from_last, double last) {
    std::vector<double> h{-1.0, tenth_from_last, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, last};
    return h;  // 11 values: h[0] = −1.0 must not be used
  };
  EXPECT_EQ(trend_multiplier(hist(0.0, -0.02), Direction::kShort, s), 1.3);  // −0.02 < −0.01
  EXPECT_EQ(trend_multiplier(hist(0.0, 0.02), Direction::kShort, s), 0.7);   // +0.02 > +0.01
  EXPECT_EQ(trend_multiplier(hist(0.0, -0.01), Direction::kShort, s), 1.0);  // −0.01 exactly
  EXPECT_EQ(trend_multiplier(hist(0.0, 0.01), Direction::kShort, s), 1.0);   // +0.01 exactly
  EXPECT_EQ(trend_multiplier(hist(0.02, 0.01), Direction::kShort, s), 1.0);  // 0.01 − 0.02 = −0.01
  ASSERT_EQ(0.02 - 0.03, -0.009999999999999998);
  EXPECT_EQ(trend_multiplier(hist(0.03, 0.02), Direction::kShort, s), 1.0);  // rounds above −0.01
  EXPECT_EQ(trend_multiplier(hist(0.031, 0.02), Direction::kShort, s), 1.3);
}

TEST(TrendMultiplier, LongUsesMinusVelDiv) {
  const SizingParams s;
  std::vector<double> h(10, 0.0);
  h.back() = 0.02;  // vel_div rising: −vel_div trend = −0.02 → deepening LONG signal
  EXPECT_EQ(trend_multiplier(h, Direction::kLong, s), 1.3);
  EXPECT_EQ(trend_multiplier(h, Direction::kShort, s), 0.7);
  h.back() = -0.02;
  EXPECT_EQ(trend_multiplier(h, Direction::kLong, s), 0.7);
  h.back() = 0.01;  // −0.01 exactly
  EXPECT_EQ(trend_multiplier(h, Direction::kLong, s), 1.0);
}

// ---------------------------------------------------------------------------------------------------
// Effective fraction (§6.4)

TEST(EffectiveFraction, LeftToRightProductClamped) {
  const SizingParams s;
  // base_frac = 0.02 + 0.5·0.18000000000000002 = 0.11000000000000001; conf_mult = 0.55/0.95
  // 0.11·0.578947… = 0.0636842105263158
  EXPECT_EQ(effective_fraction(0.5, false, 1.0, 1.0, 1.0, s), 0.0636842105263158);
  // ×1.3 (trend) ×1.1 (bucket) ×0.7 (streak), left to right
  EXPECT_EQ(effective_fraction(0.5, false, 1.3, 1.1, 0.7, s), 0.06374789473684213);
  // Extreme: base 0.02 + 0.3·0.18 = 0.074; ×(0.70/0.95) ×2.0 ×1.0 ×0.7 ×0.5 ≈ 0.0381684
  EXPECT_EQ(effective_fraction(0.3, true, 1.0, 0.7, 0.5, s), 0.03816842105263158);
}

TEST(EffectiveFraction, ClampsToTheFractionBand) {
  const SizingParams s;
  // strength 0: 0.02·0.55/0.95 ≈ 0.01158 → raised to min_fraction 0.02
  EXPECT_EQ(effective_fraction(0.0, false, 1.0, 1.0, 1.0, s), 0.02);
  // strength 1, extreme: 0.2·0.7368…·2 ≈ 0.2947 → capped at base_fraction 0.20
  EXPECT_EQ(effective_fraction(1.0, true, 1.0, 1.0, 1.0, s), 0.2);
  // 0.038·0.5789…·0.7·0.7·0.5 ≈ 0.00539 → 0.02
  EXPECT_EQ(effective_fraction(0.1, false, 0.7, 0.7, 0.5, s), 0.02);
  EXPECT_EQ(effective_fraction(kNaN, false, 1.0, 1.0, 1.0, s), 0.02);
}

// ---------------------------------------------------------------------------------------------------
// Regime size multiplier and final leverage (§6.5, §10.4)

TEST(RegimeSizeMultiplier, BaseTimesOnePlusBetaCubeTimesMcScale) {
  const SignalParams p = short_params();
  const SizingParams s;
  // vel_div at the extreme: s3 = 1 → 1.2·(1 + 0.8)·1.0 = 2.16
  EXPECT_EQ(regime_size_multiplier(1.2, 0.8, -0.05, 1.0, p, s), 2.16);
  EXPECT_EQ(regime_size_multiplier(1.2, 0.8, -0.05, 0.5, p, s), 1.08);  // MC ORANGE
  EXPECT_EQ(regime_size_multiplier(1.2, 0.8, -0.3, 1.0, p, s), 2.16);   // ratio clamped
  // s3 = 0.5000000000000001³ ≈ 0.125 → 1.0·(1 + 0.2·0.125) = 1.025
  EXPECT_EQ(regime_size_multiplier(1.0, 0.2, -0.035, 1.0, p, s), 1.025);
  // s3 = (1/3)³ → 1.3·(1 + 0.8/27) ≈ 1.33852
  EXPECT_EQ(regime_size_multiplier(1.3, 0.8, -0.03, 1.0, p, s), 1.3385185185185187);
  EXPECT_EQ(regime_size_multiplier(1.3, 0.8, -0.01, 1.0, p, s), 1.3);  // no signal: s3 = 0
  EXPECT_EQ(regime_size_multiplier(1.3, 0.8, kNaN, 0.5, p, s), 0.65);  // NaN: s3 = 0
}

TEST(RegimeSizeMultiplier, NonPositiveBetaIgnoresTheSignal) {
  const SignalParams p = short_params();
  const SizingParams s;
  EXPECT_EQ(regime_size_multiplier(1.3, 0.0, -0.05, 0.5, p, s), 0.65);
  EXPECT_EQ(regime_size_multiplier(1.3, -0.2, -0.05, 1.0, p, s), 1.3);
  EXPECT_EQ(regime_size_multiplier(1.3, kNaN, -0.05, 1.0, p, s), 1.3);
}

TEST(RegimeSizeMultiplier, LongUsesTheLongStrengthRatio) {
  const SignalParams p = long_params();
  const SizingParams s;
  // (0.025 − 0.01)/0.03 = 0.5000000000000001 → 1 + 0.8·0.125 = 1.1
  EXPECT_EQ(regime_size_multiplier(1.0, 0.8, 0.025, 1.0, p, s), 1.1);
  EXPECT_EQ(regime_size_multiplier(1.2, 0.8, 0.04, 1.0, p, s), 2.16);
  EXPECT_EQ(regime_size_multiplier(1.2, 0.8, -0.05, 1.0, p, s), 1.2);  // SHORT side: s3 = 0
}

TEST(FinalLeverage, CeilingAbsoluteCapAndStalker) {
  const SizingParams s;
  // raw = 5·1·2.16·1 = 10.8; ceiling = min(5·2.16·1 = 10.8, 6) = 6 → 6
  Leverage l = final_leverage(5.0, 1.0, 2.16, 1.0, false, s);
  EXPECT_EQ(l.raw, 10.8);
  EXPECT_EQ(l.ceiling, 6.0);
  EXPECT_EQ(l.final_leverage, 6.0);
  l = final_leverage(5.0, 1.0, 2.16, 1.0, true, s);
  EXPECT_EQ(l.ceiling, 2.0);
  EXPECT_EQ(l.final_leverage, 2.0);
  // raw = 2·1·1.1·0.9 = 1.9800000000000002; ceiling 5·1.1·0.9 = 4.95
  l = final_leverage(2.0, 1.0, 1.1, 0.9, false, s);
  EXPECT_EQ(l.raw, 1.9800000000000002);
  EXPECT_EQ(l.ceiling, 4.95);
  EXPECT_EQ(l.final_leverage, 1.9800000000000002);
  l = final_leverage(2.0, 1.0, 1.1, 0.9, true, s);  // under the STALKER cap already
  EXPECT_EQ(l.ceiling, 2.0);
  EXPECT_EQ(l.final_leverage, 1.9800000000000002);
}

TEST(FinalLeverage, FloorWinsEvenOverALowerCeiling) {
  const SizingParams s;
  // MC ORANGE: rsm 0.5 → raw 0.25, ceiling 2.5 → floor 0.5
  Leverage l = final_leverage(0.5, 1.0, 0.5, 1.0, false, s);
  EXPECT_EQ(l.raw, 0.25);
  EXPECT_EQ(l.ceiling, 2.5);
  EXPECT_EQ(l.final_leverage, 0.5);
  // rsm 0.05: raw 0.15000000000000002, ceiling 0.25 < min_leverage → max(0.5, 0.15) = 0.5
  l = final_leverage(3.0, 1.0, 0.05, 1.0, false, s);
  EXPECT_EQ(l.raw, 0.15000000000000002);
  EXPECT_EQ(l.ceiling, 0.25);
  EXPECT_EQ(l.final_leverage, 0.5);
}

TEST(FinalLeverage, RawIsMultipliedLeftToRight) {
  const SizingParams s;
  // ((1.0625·1.2)·1.025)·0.85 = 1.1108437499999997, while 1.0625·(1.2·(1.025·0.85)) = 1.11084375
  const Leverage l = final_leverage(1.0625, 1.2, 1.025, 0.85, false, s);
  EXPECT_EQ(l.raw, 1.1108437499999997);
  EXPECT_EQ(l.final_leverage, 1.1108437499999997);
}

// ---------------------------------------------------------------------------------------------------
// Fees (§8.1)

TEST(FeeRates, BlendedMakerTakerAndStopLossTaker) {
  const FeeParams f;
  // 0.0002·0.62 + 0.0005·(1 − 0.62) = 0.000124 + 0.00019 = 0.000314 (3.14 bps)
  EXPECT_EQ(entry_fee_rate(f), 0.00031400000000000004);
  // 0.0002·0.5 + 0.0005·0.5 = 0.00035 (3.5 bps)
  EXPECT_EQ(exit_fee_rate(false, f), 0.00035);
  EXPECT_EQ(exit_fee_rate(true, f), 0.0005);  // STOP_LOSS: taker only (5 bps)
  FeeParams all_maker = f;
  all_maker.sp_maker_entry_rate = 1.0;
  all_maker.sp_maker_exit_rate = 1.0;
  EXPECT_EQ(entry_fee_rate(all_maker), 0.0002);
  EXPECT_EQ(exit_fee_rate(false, all_maker), 0.0002);
  EXPECT_EQ(exit_fee_rate(true, all_maker), 0.0005);
}
