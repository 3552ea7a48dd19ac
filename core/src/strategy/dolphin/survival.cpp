#include "keel/core/strategy/dolphin/survival.hpp"

#include <algorithm>
#include <cmath>

namespace keel::dolphin {

double survival_cat1(const SurvivalInputs& in, const SurvivalParams& p) noexcept {
  // `!(age <= max)`: a NaN age fails like a stale heartbeat.
  if (!in.feed_ok || !(in.heartbeat_age_s <= p.heartbeat_max_age_s)) return 0.0;
  return 1.0;
}

double survival_cat2(const SurvivalInputs& in, const SurvivalParams& p) noexcept {
  double base = 1.0;
  switch (in.mc_status) {
    case McStatus::kOk:
      base = 1.0;
      break;
    case McStatus::kOrange:
      base = 0.5;
      break;
    case McStatus::kRed:
      base = 0.1;
      break;
  }
  if (std::isnan(in.staleness_hours)) return 0.0;  // unknown staleness: infinitely stale
  const double decay = std::exp(-std::max(0.0, in.staleness_hours - p.staleness_grace_hours) /
                                p.staleness_tau_hours);
  return base * decay;
}

double survival_cat3(const SurvivalInputs& in, const SurvivalParams& /*p*/) noexcept {
  if (!in.ob_configured) return 1.0;
  if (in.ob_stale) return 0.5;
  if (std::isnan(in.depth_quality) || std::isnan(in.fill_probability)) return 0.3;
  const double score = std::min(in.depth_quality, in.fill_probability);
  return std::clamp(0.3 + 0.7 * score, 0.3, 1.0);
}

double survival_cat4(const SurvivalInputs& in, const SurvivalParams& p) noexcept {
  if (!in.dvol_spike_on_record) return 1.0;
  // At the spike (and for a NaN or negative age) the instant degradation; 0.3 + 0.7·(1 − e^0) is
  // 0.3 as well, so the branch only guards the inputs.
  if (!(in.minutes_since_spike > 0.0)) return 0.3;
  return 0.3 + 0.7 * (1.0 - std::exp(-in.minutes_since_spike / p.dvol_spike_tau_min));
}

double survival_cat5(const SurvivalInputs& in, const SurvivalParams& p) noexcept {
  if (std::isnan(in.drawdown)) return 0.0;
  return 1.0 / (1.0 + std::exp(p.drawdown_steepness * (in.drawdown - p.drawdown_midpoint)));
}

double survival_combine(const double (&cat)[5], const SurvivalParams& p) noexcept {
  const double f_structural = cat[1];
  const double f_micro = cat[2];
  const double f_ext = cat[3];
  const double f_environment = std::min(f_structural, f_ext);
  const double f_execution = f_micro;
  double r_target = cat[0] * cat[4] * f_environment * f_execution;
  const int degraded = (f_structural < p.degraded_below ? 1 : 0) +
                       (f_micro < p.degraded_below ? 1 : 0) + (f_ext < p.degraded_below ? 1 : 0);
  if (degraded >= 2) r_target *= p.collapse_penalty;
  return r_target;
}

Posture posture_for(double rm, const SurvivalParams& p) noexcept {
  if (rm >= p.apex) return Posture::kApex;
  if (rm >= p.stalker) return Posture::kStalker;
  if (rm >= p.turtle) return Posture::kTurtle;
  return Posture::kHibernate;
}

SurvivalStack::SurvivalStack(const SurvivalParams& params) noexcept : params_(params) {}

SurvivalStack::Result SurvivalStack::evaluate(const SurvivalInputs& in) noexcept {
  Result r;
  r.cat[0] = survival_cat1(in, params_);
  r.cat[1] = survival_cat2(in, params_);
  r.cat[2] = survival_cat3(in, params_);
  r.cat[3] = survival_cat4(in, params_);
  r.cat[4] = survival_cat5(in, params_);
  r.r_target = survival_combine(r.cat, params_);

  // §11.4 bounded recovery: fast attack, slow bounded recovery.
  if (!started_ || r.r_target < last_r_) {
    r.r_final = r.r_target;
  } else {
    const double dt_min = in.bar_open_time_ms > last_open_ms_
                              ? static_cast<double>(in.bar_open_time_ms - last_open_ms_) / 60'000.0
                              : 0.0;
    const double alpha = std::min(1.0, params_.recovery_alpha_per_min * dt_min);
    const double step =
        std::min(alpha * (r.r_target - last_r_), params_.recovery_max_step_per_min * dt_min);
    r.r_final = last_r_ + step;
  }
  r.raw = posture_for(r.r_final, params_);

  // §11.6 hysteresis (DOLPHIN.md §8): Posture values grow with severity (APEX 0 … HIBERNATE 3).
  if (!started_ || r.cat[0] == 0.0) {
    posture_ = r.raw;
    worse_ = 0;
    better_ = 0;
  } else if (r.raw > posture_) {
    ++worse_;
    better_ = 0;
    if (worse_ >= params_.hysteresis_down) {
      posture_ = r.raw;
      worse_ = 0;
    }
  } else if (r.raw < posture_) {
    ++better_;
    worse_ = 0;
    if (better_ >= params_.hysteresis_up) {
      posture_ = r.raw;
      better_ = 0;
    }
  } else {
    worse_ = 0;
    better_ = 0;
  }
  r.posture = posture_;

  last_open_ms_ = started_ ? std::max(last_open_ms_, in.bar_open_time_ms) : in.bar_open_time_ms;
  started_ = true;
  last_r_ = r.r_final;
  return r;
}

}  // namespace keel::dolphin
