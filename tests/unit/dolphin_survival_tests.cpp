// The survival stack (bible §11, DOLPHIN.md §5 and §8 "Survival stack"): every sensor, the
// combination with and without the collapse penalty, bounded recovery, the posture thresholds and
// the hysteresis rules. Expected values are computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/strategy/dolphin/survival.hpp"

using namespace keel;
using namespace keel::dolphin;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

const SurvivalParams kParams{};
// Cat5 is 0.9734 even without a drawdown (1 / (1 + e^−3.6)); moving the sigmoid's midpoint far away
// makes it exactly 1 (e^−300 is below half an ulp of 1), so r_target is the MC status's 1/0.5/0.1.
const SurvivalParams kFlat = [] {
  SurvivalParams p;
  p.drawdown_midpoint = 10.0;
  return p;
}();

SurvivalInputs healthy(std::int64_t open_ms = 0) {
  SurvivalInputs in;
  in.bar_open_time_ms = open_ms;
  return in;
}

}  // namespace

// ---------------------------------------------------------------- sensors

TEST(SurvivalCat1, HeartbeatAndFeed) {
  SurvivalInputs in = healthy();
  EXPECT_EQ(survival_cat1(in, kParams), 1.0);
  in.heartbeat_age_s = 30.0;  // not > 30
  EXPECT_EQ(survival_cat1(in, kParams), 1.0);
  in.heartbeat_age_s = 30.001;
  EXPECT_EQ(survival_cat1(in, kParams), 0.0);
  in.heartbeat_age_s = kNaN;
  EXPECT_EQ(survival_cat1(in, kParams), 0.0);
  in = healthy();
  in.feed_ok = false;  // the bible's hz_nodes < 1
  EXPECT_EQ(survival_cat1(in, kParams), 0.0);
}

TEST(SurvivalCat2, McStatusAndStaleness) {
  SurvivalInputs in = healthy();
  EXPECT_EQ(survival_cat2(in, kParams), 1.0);
  in.mc_status = McStatus::kOrange;
  EXPECT_EQ(survival_cat2(in, kParams), 0.5);
  in.mc_status = McStatus::kRed;
  EXPECT_EQ(survival_cat2(in, kParams), 0.1);
  // Within the 6 h grace: no decay.
  in.mc_status = McStatus::kOk;
  in.staleness_hours = 6.0;
  EXPECT_EQ(survival_cat2(in, kParams), 1.0);
  // 9 h: exp(−3/3) = e^−1; RED at 12 h: 0.1·e^−2; ORANGE at 7.5 h: 0.5·e^−0.5.
  in.staleness_hours = 9.0;
  EXPECT_DOUBLE_EQ(survival_cat2(in, kParams), 0.36787944117144233);
  in.mc_status = McStatus::kRed;
  in.staleness_hours = 12.0;
  EXPECT_DOUBLE_EQ(survival_cat2(in, kParams), 0.013533528323661271);
  in.mc_status = McStatus::kOrange;
  in.staleness_hours = 7.5;
  EXPECT_DOUBLE_EQ(survival_cat2(in, kParams), 0.3032653298563167);
  in.staleness_hours = kNaN;  // unknown: worst
  EXPECT_EQ(survival_cat2(in, kParams), 0.0);
}

TEST(SurvivalCat3, OrderBookQuality) {
  SurvivalInputs in = healthy();
  // No order-book source: neutral, whatever the other fields say.
  in.ob_configured = false;
  in.ob_stale = true;
  in.depth_quality = 0.0;
  EXPECT_EQ(survival_cat3(in, kParams), 1.0);
  in.ob_configured = true;
  EXPECT_EQ(survival_cat3(in, kParams), 0.5);  // configured but stale
  in.ob_stale = false;
  in.depth_quality = 0.5;
  in.fill_probability = 0.9;
  EXPECT_DOUBLE_EQ(survival_cat3(in, kParams), 0.65);  // 0.3 + 0.7·min(0.5, 0.9)
  in.depth_quality = 1.0;
  in.fill_probability = 0.8;
  EXPECT_DOUBLE_EQ(survival_cat3(in, kParams), 0.86);  // 0.3 + 0.7·0.8
  in.depth_quality = 2.0;
  in.fill_probability = 1.5;
  EXPECT_EQ(survival_cat3(in, kParams), 1.0);  // clamped at 1
  in.depth_quality = 0.0;
  EXPECT_EQ(survival_cat3(in, kParams), 0.3);
  in.depth_quality = -1.0;
  EXPECT_EQ(survival_cat3(in, kParams), 0.3);  // clamped at 0.3
  in.depth_quality = kNaN;
  EXPECT_EQ(survival_cat3(in, kParams), 0.3);  // unknown: worst
}

TEST(SurvivalCat4, DvolSpike) {
  SurvivalInputs in = healthy();
  EXPECT_EQ(survival_cat4(in, kParams), 1.0);  // no spike on record
  in.minutes_since_spike = 0.0;                // (ignored without a spike)
  EXPECT_EQ(survival_cat4(in, kParams), 1.0);
  in.dvol_spike_on_record = true;
  EXPECT_EQ(survival_cat4(in, kParams), 0.3);  // at the spike
  in.minutes_since_spike = 60.0;
  EXPECT_DOUBLE_EQ(survival_cat4(in, kParams), 0.7424843911799903);  // 0.3 + 0.7·(1 − e^−1)
  in.minutes_since_spike = 30.0;
  EXPECT_DOUBLE_EQ(survival_cat4(in, kParams), 0.5754285382011566);  // 0.3 + 0.7·(1 − e^−0.5)
  in.minutes_since_spike = 1e6;
  EXPECT_EQ(survival_cat4(in, kParams), 1.0);
  in.minutes_since_spike = -5.0;
  EXPECT_EQ(survival_cat4(in, kParams), 0.3);
  in.minutes_since_spike = kNaN;
  EXPECT_EQ(survival_cat4(in, kParams), 0.3);
}

TEST(SurvivalCat5, DrawdownSigmoid) {
  SurvivalInputs in = healthy();
  in.drawdown = 0.12;
  EXPECT_EQ(survival_cat5(in, kParams), 0.5);  // 1 / (1 + e^0)
  in.drawdown = 0.0;
  EXPECT_DOUBLE_EQ(survival_cat5(in, kParams), 0.973403006423134);  // 1 / (1 + e^−3.6)
  in.drawdown = 0.05;
  EXPECT_DOUBLE_EQ(survival_cat5(in, kParams), 0.8909031788043871);  // 1 / (1 + e^−2.1)
  in.drawdown = 0.07;
  EXPECT_DOUBLE_EQ(survival_cat5(in, kParams), 0.8175744761936437);  // 1 / (1 + e^−1.5)
  in.drawdown = 0.2;
  EXPECT_DOUBLE_EQ(survival_cat5(in, kParams), 0.08317269649392235);  // 1 / (1 + e^2.4): "≈ 0.1"
  in.drawdown = kNaN;
  EXPECT_EQ(survival_cat5(in, kParams), 0.0);
}

// ---------------------------------------------------------------- combination

TEST(SurvivalCombine, ProductOfWorstEnvironmentAndExecution) {
  const double all_ok[5] = {1.0, 1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(survival_combine(all_ok, kParams), 1.0);
  // One degraded sensor: no penalty. ((1·1)·min(0.5, 1))·1 = 0.5.
  const double orange[5] = {1.0, 0.5, 1.0, 1.0, 1.0};
  EXPECT_EQ(survival_combine(orange, kParams), 0.5);
  // Cat5 multiplies; Cat4 enters through min(Cat2, Cat4).
  const double mixed[5] = {1.0, 0.9, 1.0, 0.6, 0.5};
  EXPECT_DOUBLE_EQ(survival_combine(mixed, kParams), 0.3);  // (1·0.5)·0.6·1, one degraded
  // Cat1 = 0 kills everything.
  const double dead[5] = {0.0, 1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(survival_combine(dead, kParams), 0.0);
}

TEST(SurvivalCombine, CorrelatedCollapsePenalty) {
  // Cat2 0.5 (ORANGE) and Cat3 0.5 (stale book): two degraded → ((1·1)·0.5)·0.5·0.5 = 0.125.
  const double two[5] = {1.0, 0.5, 0.5, 1.0, 1.0};
  EXPECT_EQ(survival_combine(two, kParams), 0.125);
  // Cat2 0.7, Cat3 0.9, Cat4 0.6: min(0.7, 0.6)·0.9 = 0.54, two degraded (0.7, 0.6) → 0.27.
  const double three[5] = {1.0, 0.7, 0.9, 0.6, 1.0};
  EXPECT_DOUBLE_EQ(survival_combine(three, kParams), 0.27);
  // All three degraded: once ×0.5, not more. min(0.5, 0.3)·0.3 = 0.09 → 0.045.
  const double all3[5] = {1.0, 0.5, 0.3, 0.3, 1.0};
  EXPECT_DOUBLE_EQ(survival_combine(all3, kParams), 0.045);
  // "< 0.8" is strict: 0.8 and 0.8 are not degraded. 0.8·0.8 = 0.64 (no penalty).
  const double edge[5] = {1.0, 0.8, 0.8, 1.0, 1.0};
  EXPECT_DOUBLE_EQ(survival_combine(edge, kParams), 0.64);
  // Cat5 does not count towards the collapse: one degraded (Cat2) + Cat5 0.5 → 0.25.
  const double cap[5] = {1.0, 0.5, 1.0, 1.0, 0.5};
  EXPECT_EQ(survival_combine(cap, kParams), 0.25);
}

// ---------------------------------------------------------------- posture thresholds

TEST(SurvivalPosture, Thresholds) {
  EXPECT_EQ(posture_for(1.0, kParams), Posture::kApex);
  EXPECT_EQ(posture_for(0.90, kParams), Posture::kApex);
  EXPECT_EQ(posture_for(std::nextafter(0.90, 0.0), kParams), Posture::kStalker);
  EXPECT_EQ(posture_for(0.75, kParams), Posture::kStalker);
  EXPECT_EQ(posture_for(std::nextafter(0.75, 0.0), kParams), Posture::kTurtle);
  EXPECT_EQ(posture_for(0.50, kParams), Posture::kTurtle);
  EXPECT_EQ(posture_for(std::nextafter(0.50, 0.0), kParams), Posture::kHibernate);
  EXPECT_EQ(posture_for(0.0, kParams), Posture::kHibernate);
  EXPECT_EQ(posture_for(kNaN, kParams), Posture::kHibernate);
}

// ---------------------------------------------------------------- bounded recovery

TEST(SurvivalRecovery, FirstEvaluationTakesTargetThenSlowRecoveryAndFastAttack) {
  SurvivalStack s(kFlat);
  SurvivalInputs in = healthy(0);
  in.mc_status = McStatus::kOrange;  // r_target 0.5
  SurvivalStack::Result r = s.evaluate(in);
  EXPECT_EQ(r.r_target, 0.5);
  EXPECT_EQ(r.r_final, 0.5);  // neither 1.0 nor a recovery from anything
  EXPECT_EQ(r.posture, Posture::kTurtle);

  // 5-minute bars: alpha = min(1, 0.02·5) = 0.1, cap 0.05·5 = 0.25.
  in.mc_status = McStatus::kOk;  // r_target 1.0
  in.bar_open_time_ms = 5 * kMinute;
  r = s.evaluate(in);
  EXPECT_EQ(r.r_target, 1.0);
  EXPECT_DOUBLE_EQ(r.r_final, 0.55);  // 0.5 + 0.1·0.5
  in.bar_open_time_ms = 10 * kMinute;
  r = s.evaluate(in);
  EXPECT_DOUBLE_EQ(r.r_final, 0.595);  // 0.55 + 0.1·0.45
  in.bar_open_time_ms = 15 * kMinute;
  r = s.evaluate(in);
  EXPECT_DOUBLE_EQ(r.r_final, 0.6355);  // 0.595 + 0.1·0.405

  // Fast attack: a drop is taken at once.
  in.mc_status = McStatus::kRed;  // r_target 0.1
  in.bar_open_time_ms = 20 * kMinute;
  r = s.evaluate(in);
  EXPECT_EQ(r.r_final, 0.1);
  EXPECT_EQ(r.raw, Posture::kHibernate);

  // A 60-minute gap: alpha = min(1, 1.2) = 1, cap 3 → full recovery in one bar.
  in.mc_status = McStatus::kOk;
  in.bar_open_time_ms = 80 * kMinute;
  r = s.evaluate(in);
  EXPECT_EQ(r.r_final, 1.0);
}

TEST(SurvivalRecovery, TargetBetweenLastAndOneRecoversTowardsTarget) {
  SurvivalStack s(kFlat);
  SurvivalInputs in = healthy(0);
  in.mc_status = McStatus::kRed;  // 0.1
  (void)s.evaluate(in);
  in.mc_status = McStatus::kOrange;  // 0.5: step 0.1·(0.5 − 0.1) = 0.04
  in.bar_open_time_ms = 5 * kMinute;
  EXPECT_DOUBLE_EQ(s.evaluate(in).r_final, 0.14);
  // Equal target: no change (not an attack, a zero step).
  SurvivalStack t(kFlat);
  in.bar_open_time_ms = 0;
  (void)t.evaluate(in);
  in.bar_open_time_ms = 5 * kMinute;
  EXPECT_EQ(t.evaluate(in).r_final, 0.5);
}

TEST(SurvivalRecovery, StepCapBinds) {
  // With the defaults alpha·gap < 0.05·dt always; a tighter cap shows the min: 0.001·5 = 0.005.
  SurvivalParams p = kFlat;
  p.recovery_max_step_per_min = 0.001;
  SurvivalStack s(p);
  SurvivalInputs in = healthy(0);
  in.mc_status = McStatus::kOrange;
  (void)s.evaluate(in);
  in.mc_status = McStatus::kOk;
  in.bar_open_time_ms = 5 * kMinute;
  EXPECT_DOUBLE_EQ(s.evaluate(in).r_final, 0.505);
}

TEST(SurvivalRecovery, NoTimeNoRecovery) {
  SurvivalStack s(kFlat);
  SurvivalInputs in = healthy(10 * kMinute);
  in.mc_status = McStatus::kOrange;
  (void)s.evaluate(in);
  in.mc_status = McStatus::kOk;
  EXPECT_EQ(s.evaluate(in).r_final, 0.5);  // same open time: dt = 0
  in.bar_open_time_ms = 5 * kMinute;       // earlier (late bar): dt = 0
  EXPECT_EQ(s.evaluate(in).r_final, 0.5);
  in.bar_open_time_ms = 15 * kMinute;  // dt counts from the latest time seen (10 min): 5 minutes
  EXPECT_DOUBLE_EQ(s.evaluate(in).r_final, 0.55);
}

TEST(SurvivalRecovery, TurtleToApexTakesSixteenFiveMinuteBarsAndHysteresisFourMore) {
  // From 0.5, r_k = 1 − 0.5·0.9^k: ≥ 0.75 from k = 7 (0.7608), ≥ 0.9 from k = 16 (0.9074).
  SurvivalStack s(kFlat);
  SurvivalInputs in = healthy(0);
  in.mc_status = McStatus::kOrange;
  ASSERT_EQ(s.evaluate(in).posture, Posture::kTurtle);
  in.mc_status = McStatus::kOk;
  std::vector<Posture> raw;
  std::vector<Posture> posture;
  for (int k = 1; k <= 24; ++k) {
    in.bar_open_time_ms = k * 5 * kMinute;
    const auto r = s.evaluate(in);
    raw.push_back(r.raw);
    posture.push_back(r.posture);
  }
  for (int k = 1; k <= 24; ++k) {
    const Posture want_raw = k < 7 ? Posture::kTurtle : k < 16 ? Posture::kStalker : Posture::kApex;
    EXPECT_EQ(raw[static_cast<std::size_t>(k - 1)], want_raw) << k;
  }
  // Better than TURTLE from bar 7: the 5th consecutive such bar (11) moves to its raw STALKER; then
  // better than STALKER from bar 16: the 5th (20) moves to APEX.
  for (int k = 1; k <= 24; ++k) {
    const Posture want = k < 11 ? Posture::kTurtle : k < 20 ? Posture::kStalker : Posture::kApex;
    EXPECT_EQ(posture[static_cast<std::size_t>(k - 1)], want) << k;
  }
}

// ---------------------------------------------------------------- hysteresis

namespace {

// Hourly bars (recovery completes in one bar: alpha = 1), so r_final = r_target and the raw posture
// is chosen directly (kFlat: Cat5 = 1): APEX (all well, 1.0), STALKER (6.6 h stale: e^−0.2 =
// 0.8187), TURTLE (ORANGE, 0.5), HIBERNATE (RED, 0.1).
class Driver {
 public:
  explicit Driver(const SurvivalParams& p = kFlat) : stack_(p) {}
  Posture bar(Posture raw, bool feed_ok = true) {
    SurvivalInputs in = healthy(t_);
    t_ += kHour;
    in.feed_ok = feed_ok;
    switch (raw) {
      case Posture::kApex:
        break;
      case Posture::kStalker:
        in.staleness_hours = 6.6;
        break;
      case Posture::kTurtle:
        in.mc_status = McStatus::kOrange;
        break;
      case Posture::kHibernate:
        in.mc_status = McStatus::kRed;
        break;
    }
    last_ = stack_.evaluate(in);
    if (feed_ok) {
      EXPECT_EQ(last_.raw, raw);
    }
    return last_.posture;
  }
  SurvivalStack& stack() { return stack_; }
  const SurvivalStack::Result& last() const { return last_; }

 private:
  SurvivalStack stack_;
  std::int64_t t_ = 0;
  SurvivalStack::Result last_;
};

constexpr Posture A = Posture::kApex;
constexpr Posture S = Posture::kStalker;
constexpr Posture T = Posture::kTurtle;
constexpr Posture H = Posture::kHibernate;

}  // namespace

TEST(SurvivalHysteresis, FirstEvaluationTakesRawPosture) {
  EXPECT_EQ(SurvivalStack(kParams).posture(), A);  // before any bar
  Driver d;
  EXPECT_EQ(d.bar(H), H);
  Driver e;
  EXPECT_EQ(e.bar(S), S);
}

TEST(SurvivalHysteresis, DownAfterTwoConsecutiveWorseBars) {
  Driver d;
  EXPECT_EQ(d.bar(A), A);
  EXPECT_EQ(d.bar(T), A);  // 1 worse
  EXPECT_EQ(d.stack().worse_count(), 1);
  EXPECT_EQ(d.bar(T), T);  // 2 worse → that bar's raw
  EXPECT_EQ(d.stack().worse_count(), 0);
  EXPECT_EQ(d.bar(H), T);
  EXPECT_EQ(d.bar(H), H);
}

TEST(SurvivalHysteresis, DownTakesTheSecondBarsRawPosture) {
  Driver d;
  EXPECT_EQ(d.bar(A), A);
  EXPECT_EQ(d.bar(H), A);
  EXPECT_EQ(d.bar(S), S);  // second worse bar is only STALKER
  Driver e;
  EXPECT_EQ(e.bar(A), A);
  EXPECT_EQ(e.bar(S), A);
  EXPECT_EQ(e.bar(H), H);
}

TEST(SurvivalHysteresis, BarAtCurrentLevelResetsDownCount) {
  Driver d;
  EXPECT_EQ(d.bar(A), A);
  EXPECT_EQ(d.bar(T), A);
  EXPECT_EQ(d.bar(A), A);  // at level: reset
  EXPECT_EQ(d.stack().worse_count(), 0);
  EXPECT_EQ(d.bar(T), A);  // 1 again
  EXPECT_EQ(d.bar(T), T);
}

TEST(SurvivalHysteresis, UpAfterFiveConsecutiveBetterBars) {
  Driver d;
  EXPECT_EQ(d.bar(T), T);
  for (int k = 1; k <= 4; ++k) {
    EXPECT_EQ(d.bar(A), T) << k;
    EXPECT_EQ(d.stack().better_count(), k);
  }
  EXPECT_EQ(d.bar(A), A);  // 5th
  EXPECT_EQ(d.stack().better_count(), 0);
}

TEST(SurvivalHysteresis, UpTakesTheFifthBarsRawPosture) {
  Driver d;
  EXPECT_EQ(d.bar(H), H);
  EXPECT_EQ(d.bar(S), H);
  EXPECT_EQ(d.bar(A), H);
  EXPECT_EQ(d.bar(T), H);
  EXPECT_EQ(d.bar(A), H);
  EXPECT_EQ(d.bar(T), T);  // 5 consecutive better than HIBERNATE; the 5th is TURTLE
}

TEST(SurvivalHysteresis, BarAtCurrentLevelResetsUpCount) {
  Driver d;
  EXPECT_EQ(d.bar(T), T);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(d.bar(A), T);
  EXPECT_EQ(d.bar(T), T);  // at level: reset
  EXPECT_EQ(d.stack().better_count(), 0);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(d.bar(A), T);
  EXPECT_EQ(d.bar(A), A);
}

TEST(SurvivalHysteresis, WorseBarBreaksUpStreakAndBetterBarBreaksDownStreak) {
  Driver d;
  EXPECT_EQ(d.bar(T), T);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(d.bar(A), T);
  EXPECT_EQ(d.bar(H), T);  // worse: better count 0, worse count 1
  EXPECT_EQ(d.stack().better_count(), 0);
  EXPECT_EQ(d.stack().worse_count(), 1);
  EXPECT_EQ(d.bar(A), T);  // better: worse count 0, better count 1
  EXPECT_EQ(d.stack().worse_count(), 0);
  EXPECT_EQ(d.stack().better_count(), 1);
  EXPECT_EQ(d.bar(H), T);  // not two consecutive worse bars: still TURTLE
  EXPECT_EQ(d.bar(H), H);
}

TEST(SurvivalHysteresis, Cat1ZeroBypassesHysteresis) {
  Driver d;
  EXPECT_EQ(d.bar(A), A);
  EXPECT_EQ(d.bar(A, /*feed_ok=*/false), H);  // at once
  EXPECT_EQ(d.last().cat[0], 0.0);
  EXPECT_EQ(d.last().r_target, 0.0);
  EXPECT_EQ(d.last().r_final, 0.0);
  EXPECT_EQ(d.last().raw, H);
  // Back up: the ordinary 5-bar rule (hourly bars recover fully at once).
  for (int k = 0; k < 4; ++k) EXPECT_EQ(d.bar(A), H);
  EXPECT_EQ(d.bar(A), A);
  // A stale heartbeat bypasses as well, and clears a pending down count.
  EXPECT_EQ(d.bar(T), A);
  SurvivalInputs in = healthy(100 * kHour);
  in.heartbeat_age_s = 31.0;
  EXPECT_EQ(d.stack().evaluate(in).posture, H);
  EXPECT_EQ(d.stack().worse_count(), 0);
}

TEST(SurvivalHysteresis, CountsComeFromParams) {
  SurvivalParams p = kFlat;
  p.hysteresis_down = 1;
  p.hysteresis_up = 2;
  Driver d(p);
  EXPECT_EQ(d.bar(A), A);
  EXPECT_EQ(d.bar(T), T);
  EXPECT_EQ(d.bar(A), T);
  EXPECT_EQ(d.bar(A), A);
}

TEST(SurvivalStack, DefaultsCapRmBelowOneAndOrangeAloneHibernates) {
  // With the champion sigmoid, Cat5 = 0.9734 at zero drawdown, so a healthy bar is APEX at 0.9734
  // and an ORANGE day gives 0.5·0.9734 = 0.4867 < 0.5: raw HIBERNATE (DOLPHIN.md §8: "Rm ≤ 0.5").
  SurvivalStack s(kParams);
  SurvivalInputs in = healthy(0);
  auto r = s.evaluate(in);
  EXPECT_DOUBLE_EQ(r.r_target, 0.973403006423134);
  EXPECT_EQ(r.posture, A);
  in.mc_status = McStatus::kOrange;
  in.bar_open_time_ms = 5 * kMinute;
  r = s.evaluate(in);
  EXPECT_DOUBLE_EQ(r.r_final, 0.5 * 0.973403006423134);
  EXPECT_EQ(r.raw, H);
  EXPECT_EQ(r.posture, A);  // first worse bar
  in.bar_open_time_ms = 10 * kMinute;
  EXPECT_EQ(s.evaluate(in).posture, H);
}

TEST(SurvivalStack, ResultCarriesSensors) {
  SurvivalStack s(kParams);
  SurvivalInputs in = healthy(0);
  in.mc_status = McStatus::kOrange;
  in.ob_configured = true;
  in.ob_stale = true;
  in.dvol_spike_on_record = true;
  in.minutes_since_spike = 60.0;
  in.drawdown = 0.12;
  const auto r = s.evaluate(in);
  EXPECT_EQ(r.cat[0], 1.0);
  EXPECT_EQ(r.cat[1], 0.5);
  EXPECT_EQ(r.cat[2], 0.5);
  EXPECT_DOUBLE_EQ(r.cat[3], 0.7424843911799903);
  EXPECT_EQ(r.cat[4], 0.5);
  // ((1·0.5)·min(0.5, 0.742))·0.5 = 0.125, three degraded → 0.0625.
  EXPECT_EQ(r.r_target, 0.0625);
  EXPECT_EQ(r.r_final, 0.0625);
  EXPECT_EQ(r.raw, H);
  EXPECT_EQ(s.posture(), H);
  EXPECT_EQ(s.r_final(), 0.0625);
}

TEST(SurvivalStack, EvaluateDoesNotAllocate) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  SurvivalStack s(kParams);
  AllocationScope scope;
  SurvivalInputs in = healthy(0);
  for (int k = 0; k < 10'000; ++k) {
    in.bar_open_time_ms = k * 5 * kMinute;
    in.mc_status = static_cast<McStatus>(k % 3);
    in.drawdown = static_cast<double>(k % 20) * 0.01;
    (void)s.evaluate(in);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}
