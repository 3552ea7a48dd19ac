#include "keel/core/strategy/dolphin/signal_rules.hpp"

#include <cmath>
#include <cstddef>

namespace keel::dolphin {
namespace {
// clamp(x, 0, 1) as the bible's numba kernels write it; NaN passes through (callers decide).
double clamp01(double x) noexcept {
  if (x < 0.0) return 0.0;
  if (x > 1.0) return 1.0;
  return x;
}

// The strength ratio of the configured direction, before clamping.
double strength_ratio(double vel_div, const SignalParams& p) noexcept {
  if (p.direction == Direction::kLong) {
    return (vel_div - p.long_threshold) / (p.long_extreme - p.long_threshold);
  }
  return (p.vel_div_threshold - vel_div) / (p.vel_div_threshold - p.vel_div_extreme);
}

// The bible's vel_div_history[-1] − vel_div_history[-10]: a fixed lag of 9 values.
constexpr std::size_t kTrendValues = 10;
}  // namespace

SignalGate evaluate_signal(double vel_div, const SignalParams& p) noexcept {
  SignalGate g;
  if (std::isnan(vel_div)) return g;
  if (p.direction == Direction::kLong) {
    if (!(vel_div > p.long_threshold)) return g;
    g.is_extreme = vel_div >= p.long_extreme;
  } else {
    if (!(vel_div < p.vel_div_threshold)) return g;
    g.is_extreme = vel_div <= p.vel_div_extreme;
  }
  g.fires = true;
  const double ratio = clamp01(strength_ratio(vel_div, p));
  g.confidence = 0.50 + ratio * 0.40;
  return g;
}

DcResult direction_confirmation(std::span<const double> prices, Direction dir,
                                const SignalParams& p) noexcept {
  if (p.dc_lookback_bars < 0) return DcResult::kNeutral;
  const std::size_t lookback = static_cast<std::size_t>(p.dc_lookback_bars);
  const std::size_t n = prices.size();
  if (n < lookback + 1) return DcResult::kNeutral;
  const double p0 = prices[n - lookback - 1];
  const double p1 = prices[n - 1];
  if (!(p0 > 0.0)) return DcResult::kNeutral;
  const double chg_bps = (p1 - p0) / p0 * 10000.0;
  const double min = p.dc_min_magnitude_bps;
  if (dir == Direction::kLong) {
    if (chg_bps > min) return DcResult::kConfirm;
    if (chg_bps < -min) return DcResult::kContradict;
  } else {
    if (chg_bps < -min) return DcResult::kConfirm;
    if (chg_bps > min) return DcResult::kContradict;
  }
  return DcResult::kNeutral;  // also a NaN chg_bps (non-finite p1)
}

double strength_score(double vel_div, const SignalParams& p) noexcept {
  if (std::isnan(vel_div)) return 0.0;
  double score;
  if (p.direction == Direction::kLong) {
    score = vel_div >= p.long_extreme ? 1.0 : strength_ratio(vel_div, p);
  } else {
    score = vel_div <= p.vel_div_extreme ? 1.0 : strength_ratio(vel_div, p);
  }
  return clamp01(score);
}

double cubic_leverage(double strength, const SizingParams& s) noexcept {
  const double scaled = std::pow(strength, s.leverage_convexity);
  return s.min_leverage + scaled * (s.max_leverage - s.min_leverage);
}

int signal_bucket(double vel_div, const SignalParams& p) noexcept {
  const double x = p.direction == Direction::kLong ? -vel_div : vel_div;
  const double extreme = p.vel_div_extreme;
  if (x <= extreme * 1.5) return 0;
  if (x <= extreme) return 1;
  if (x <= (p.vel_div_threshold + extreme) / 2) return 2;
  return 3;
}

double bucket_boost(int wins, int trades, const SizingParams& s) noexcept {
  if (trades <= 0 || trades < s.bucket_min_trades) return 1.0;
  const double wr = static_cast<double>(wins) / static_cast<double>(trades);
  if (wr > 0.60) return 1.3;
  if (wr > 0.55) return 1.1;
  if (wr < 0.40) return 0.7;
  if (wr < 0.45) return 0.85;
  return 1.0;
}

double streak_multiplier(int losses_in_last_5, int closed_trades, const SizingParams& s) noexcept {
  if (closed_trades < s.streak_min_trades) return 1.0;
  if (losses_in_last_5 >= 4) return 0.5;
  if (losses_in_last_5 >= 3) return 0.7;
  if (losses_in_last_5 <= 1) return 1.1;
  return 1.0;
}

double trend_multiplier(std::span<const double> defined_vel_div_history, Direction dir,
                        const SizingParams& s) noexcept {
  const std::size_t n = defined_vel_div_history.size();
  if (n < kTrendValues) return 1.0;
  if (s.trend_min_values > 0 && n < static_cast<std::size_t>(s.trend_min_values)) return 1.0;
  double last = defined_vel_div_history[n - 1];
  double first = defined_vel_div_history[n - kTrendValues];
  if (dir == Direction::kLong) {
    last = -last;
    first = -first;
  }
  const double vd_trend = last - first;
  if (vd_trend < -0.01) return 1.3;
  if (vd_trend > 0.01) return 0.7;
  return 1.0;
}

double effective_fraction(double strength, bool is_extreme, double trend, double bucket,
                          double streak, const SizingParams& s) noexcept {
  const double confidence = is_extreme ? 0.70 : 0.55;
  const double conf_mult = confidence / 0.95;
  const double extreme_boost = is_extreme ? 2.0 : 1.0;
  const double base_frac = s.min_fraction + strength * (s.base_fraction - s.min_fraction);
  const double eff = base_frac * conf_mult * extreme_boost * trend * bucket * streak;
  if (!(eff >= s.min_fraction)) return s.min_fraction;  // NaN included
  if (eff > s.base_fraction) return s.base_fraction;
  return eff;
}

double regime_size_multiplier(double base_boost, double beta, double vel_div, double mc_scale,
                              const SignalParams& p, const SizingParams& s) noexcept {
  if (!(beta > 0.0)) return base_boost * mc_scale;
  const double ratio = std::isnan(vel_div) ? 0.0 : clamp01(strength_ratio(vel_div, p));
  const double s3 = std::pow(ratio, s.leverage_convexity);
  return base_boost * (1.0 + beta * s3) * mc_scale;
}

Leverage final_leverage(double size_leverage, double dc_mult, double regime_mult, double ob_mult,
                        bool stalker, const SizingParams& s) noexcept {
  Leverage l;
  l.raw = size_leverage * dc_mult * regime_mult * ob_mult;
  const double scaled_max = s.max_leverage * regime_mult * ob_mult;
  l.ceiling = scaled_max < s.abs_max_leverage ? scaled_max : s.abs_max_leverage;
  if (stalker && s.stalker_max_leverage < l.ceiling) l.ceiling = s.stalker_max_leverage;
  const double capped = l.raw < l.ceiling ? l.raw : l.ceiling;
  l.final_leverage = capped > s.min_leverage ? capped : s.min_leverage;
  return l;
}

double entry_fee_rate(const FeeParams& f) noexcept {
  return f.maker_fee * f.sp_maker_entry_rate + f.taker_fee * (1.0 - f.sp_maker_entry_rate);
}

double exit_fee_rate(bool stop_loss, const FeeParams& f) noexcept {
  if (stop_loss) return f.taker_fee;
  return f.maker_fee * f.sp_maker_exit_rate + f.taker_fee * (1.0 - f.sp_maker_exit_rate);
}

}  // namespace keel::dolphin
