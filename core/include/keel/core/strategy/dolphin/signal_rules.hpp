// The pure formulas of DOLPHIN's signal layer and position sizing: the bible's §4 (signal gate,
// confidence, direction confirmation), §6 (strength, cubic leverage, buckets, bucket/streak/trend
// multipliers, effective fraction, ACB size multiplier and leverage ceiling) and §8.1 (fee rates),
// with the conventions of ../shared/spec/DOLPHIN.md §3 and §8.
//
// Every function is noexcept, allocates nothing and keeps the floating-point operations in the
// order the spec writes them (the build has -ffp-contract=off): results are compared bit for bit
// against independent implementations. LONG (+1) mirrors SHORT (−1) as DOLPHIN.md §8 "LONG" says;
// each function states how.
#pragma once

#include <cstdint>
#include <span>

#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

// §4.1 signal gate; confidence = 0.50 + ratio*0.40.
//   SHORT: fires iff vel_div < vel_div_threshold; extreme iff vel_div <= vel_div_extreme;
//          ratio = clamp((threshold − vel_div)/(threshold − extreme), 0, 1)
//   LONG:  fires iff vel_div > long_threshold; extreme iff vel_div >= long_extreme;
//          ratio = clamp((vel_div − long_threshold)/(long_extreme − long_threshold), 0, 1)
// When it does not fire (NaN vel_div included) every field keeps its default (false, false, 0.0).
struct SignalGate {
  bool fires = false;
  bool is_extreme = false;
  double confidence = 0.0;
};
[[nodiscard]] SignalGate evaluate_signal(double vel_div, const SignalParams& p) noexcept;

// §4.2 direction confirmation.
enum class DcResult : std::uint8_t { kNeutral = 0, kConfirm = 1, kContradict = 2 };

// `prices`: the selected asset's price history, present bars only, oldest first, newest = the
// current bar. With n = prices.size() and L = dc_lookback_bars:
//   p0 = prices[n − L − 1], p1 = prices[n − 1], chg_bps = (p1 − p0)/p0*10000.0
//   SHORT: chg_bps < −min → CONFIRM, chg_bps > +min → CONTRADICT
//   LONG:  chg_bps > +min → CONFIRM, chg_bps < −min → CONTRADICT
// otherwise (|chg_bps| = min exactly included) NEUTRAL. Too short a history (n < L + 1), a negative
// L, or a p0 that is not a positive number give NEUTRAL. (chg_bps is never exactly ±0.75 in
// doubles: 10000 → 10000.75 gives 0.7499999999999999, the next price up 0.750000000001819.)
[[nodiscard]] DcResult direction_confirmation(std::span<const double> prices, Direction dir,
                                              const SignalParams& p) noexcept;

// §6.1 signal strength in [0, 1]; NaN vel_div → 0.0.
//   SHORT: 1.0 if vel_div <= extreme, else (threshold − vel_div)/(threshold − extreme), clamped
//   LONG:  1.0 if vel_div >= long_extreme, else
//          (vel_div − long_threshold)/(long_extreme − long_threshold), clamped
[[nodiscard]] double strength_score(double vel_div, const SignalParams& p) noexcept;

// §6.2 leverage before ACB:
//   min_leverage + pow(strength, leverage_convexity)*(max_leverage − min_leverage)
[[nodiscard]] double cubic_leverage(double strength, const SizingParams& s) noexcept;

// §6.3 bucket 0 (extreme) … 3 (weak), with the double values as written (DOLPHIN.md §8 "Buckets"):
// x <= extreme*1.5 → 0; x <= extreme → 1; x <= (threshold + extreme)/2 → 2; else 3, where the
// thresholds are always the SHORT ones (vel_div_threshold, vel_div_extreme) and x = vel_div for
// SHORT, x = −vel_div for LONG ("buckets … on −vel_div"). NaN → 3.
[[nodiscard]] int signal_bucket(double vel_div, const SignalParams& p) noexcept;

// §6.4 bucket boost from the bucket's closed trades (a win = net PnL > 0). 1.0 while
// trades < bucket_min_trades (or trades <= 0); else wr = wins/trades and the first match of
// wr > 0.60 → 1.3, wr > 0.55 → 1.1, wr < 0.40 → 0.7, wr < 0.45 → 0.85, else 1.0.
[[nodiscard]] double bucket_boost(int wins, int trades, const SizingParams& s) noexcept;

// §6.4 streak multiplier from the losses among the last 5 closed trades. 1.0 while
// closed_trades < streak_min_trades; else the first match of losses >= 4 → 0.5, >= 3 → 0.7,
// <= 1 → 1.1, else 1.0.
[[nodiscard]] double streak_multiplier(int losses_in_last_5, int closed_trades,
                                       const SizingParams& s) noexcept;

// §6.4 trend multiplier. `defined_vel_div_history`: the defined vel_div values so far, oldest
// first, the current bar's last. 1.0 while it holds fewer than max(trend_min_values, 10) values;
// else vd_trend = x[n−1] − x[n−10] (the bible's history[-1] − history[-10]) with x = vel_div for
// SHORT and x = −vel_div for LONG; vd_trend < −0.01 → 1.3, vd_trend > 0.01 → 0.7, else 1.0.
[[nodiscard]] double trend_multiplier(std::span<const double> defined_vel_div_history,
                                      Direction dir, const SizingParams& s) noexcept;

// §6.4 capital fraction:
//   confidence = 0.70 if is_extreme else 0.55; conf_mult = confidence/0.95
//   extreme_boost = 2.0 if is_extreme else 1.0
//   base_frac = min_fraction + strength*(base_fraction − min_fraction)   (the bible's 0.02)
//   eff = base_frac*conf_mult*extreme_boost*trend*bucket*streak           (left to right)
// clamped to [min_fraction, base_fraction] (NaN → min_fraction).
[[nodiscard]] double effective_fraction(double strength, bool is_extreme, double trend,
                                        double bucket, double streak,
                                        const SizingParams& s) noexcept;

// §6.5/§10.4 regime size multiplier (ACB scale 2 and the MC-Forewarner scale):
//   beta > 0:            base_boost*(1.0 + beta*s3)*mc_scale
//   beta <= 0 (or NaN):  base_boost*mc_scale
// s3 = pow(clamp(ratio, 0, 1), leverage_convexity), ratio the strength ratio of the configured
// direction (SHORT (threshold − vel_div)/(threshold − extreme), LONG
// (vel_div − long_threshold)/(long_extreme − long_threshold)); NaN vel_div → s3 = 0.
[[nodiscard]] double regime_size_multiplier(double base_boost, double beta, double vel_div,
                                            double mc_scale, const SignalParams& p,
                                            const SizingParams& s) noexcept;

// §6.5 final leverage, in DOLPHIN.md §8 "Evaluation order":
//   raw     = ((size_leverage*dc_mult)*regime_mult)*ob_mult
//   ceiling = min(max_leverage*regime_mult*ob_mult, abs_max_leverage), then
//             min(ceiling, stalker_max_leverage) under the STALKER posture
//   final   = max(min_leverage, min(raw, ceiling))   (the floor wins over a ceiling below it)
struct Leverage {
  double raw = 0.0;
  double ceiling = 0.0;
  double final_leverage = 0.0;
};
[[nodiscard]] Leverage final_leverage(double size_leverage, double dc_mult, double regime_mult,
                                      double ob_mult, bool stalker, const SizingParams& s) noexcept;

// §8.1 fee rates (multiply by the entry notional): entry maker_fee*sp_maker_entry_rate +
// taker_fee*(1 − sp_maker_entry_rate); exit the same with sp_maker_exit_rate, or taker_fee alone
// for a STOP_LOSS exit.
[[nodiscard]] double entry_fee_rate(const FeeParams& f) noexcept;
[[nodiscard]] double exit_fee_rate(bool stop_loss, const FeeParams& f) noexcept;

}  // namespace keel::dolphin
