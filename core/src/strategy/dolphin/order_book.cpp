#include "keel/core/strategy/dolphin/order_book.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace keel::dolphin {
namespace {
// Python's int(x) on a bar count: truncation toward zero. Out of int's range saturates (a C++ cast
// would be undefined); NaN (only from NaN parameters) keeps `fallback`.
int trunc_bars(double x, int fallback) noexcept {
  if (std::isnan(x)) return fallback;
  if (x >= 2147483647.0) return INT_MAX;
  if (x <= -2147483648.0) return INT_MIN;
  return static_cast<int>(x);
}

}  // namespace

double ob_effective_imbalance(const ObSignal& s, int direction) noexcept {
  return direction < 0 ? -s.imbalance_ma5 : s.imbalance_ma5;
}

// ---------------------------------------------------------------------------------------------------
// OB-1

double ob_ars_multiplier(const ObPlacement& pl, const OrderBookParams& p) noexcept {
  const double dq = pl.depth_quality;
  if (dq > p.ars_very_deep) return p.ars_very_deep_mult;
  if (dq > p.ars_deep) return p.ars_deep_mult;
  if (dq < p.ars_very_thin) return p.ars_very_thin_mult;
  if (dq < p.ars_thin) return p.ars_thin_mult;
  return 1.0;
}

double ob_adjusted_ars(double ars, double multiplier) noexcept {
  if (ars < 0.0) return ars / multiplier;
  return ars * multiplier;
}

bool ob_depth_gate_passes(const ObPlacement& pl, const OrderBookParams& p) noexcept {
  return !(pl.depth_quality < p.depth_gate);
}

IrpChoice ob_select_asset(std::span<const IrpInput> inputs, Direction regime,
                          const IrpParams& params, const OrderBookSource& source,
                          const OrderBookParams& p) noexcept {
  IrpChoice choice;
  double best_ars = 0.0;
  for (const IrpInput& in : inputs) {
    const IrpVerdict c = irp_verdict(in, regime, params);
    if (!c.passes) continue;
    double ars = c.ars;
    ObPlacement pl;
    if (source.placement(in.asset, pl)) {
      if (!ob_depth_gate_passes(pl, p)) continue;
      ars = ob_adjusted_ars(ars, ob_ars_multiplier(pl, p));
    }
    // Strictly greater: on equal adjusted ARS the earlier input keeps its place (stable sort).
    if (!choice.found || ars > best_ars) {
      choice.found = true;
      choice.asset = in.asset;
      best_ars = ars;
    }
  }
  return choice;
}

// ---------------------------------------------------------------------------------------------------
// OB-2

ObConfidence ob_confidence_adjustment(const ObSignal& s, int direction,
                                      const OrderBookParams& p) noexcept {
  ObConfidence out;
  const double eff_imb = ob_effective_imbalance(s, direction);
  const double persistence = s.imbalance_persistence;
  if (std::isnan(eff_imb) || std::isnan(persistence)) return out;
  if (eff_imb > p.confirm_imbalance) {
    // Python's min(a, b) keeps a unless b < a: std::min(a, b) is the same.
    out.multiplier = 1.0 + std::min(p.max_confidence_boost, eff_imb * persistence * p.boost_gain);
  } else if (eff_imb < p.skip_imbalance && persistence > p.skip_persistence) {
    out.skip = true;
  } else if (eff_imb < p.dampen_imbalance) {
    // Python's max(a, b) keeps a unless b > a: std::max(a, b) is the same.
    out.multiplier =
        std::max(p.min_confidence_dampen, 1.0 - std::fabs(eff_imb) * persistence * p.dampen_gain);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// OB-3

double ob_market_multiplier(double raw, const OrderBookParams& p) noexcept {
  if (std::isnan(raw)) return 1.0;
  if (raw < p.market_mult_min) return p.market_mult_min;
  if (raw > p.market_mult_max) return p.market_mult_max;
  return raw;
}

// ---------------------------------------------------------------------------------------------------
// OB-4

double ob_beta_modulation(double beta, const ObMacro& macro, const OrderBookParams& p) noexcept {
  if (macro.regime_signal == 1 && beta > 0.0) return beta * p.stress_beta_mult;
  return beta;
}

// ---------------------------------------------------------------------------------------------------
// OB-5

ObExitAdjust ob_dynamic_exits(double base_tp, double base_sl, int max_hold_bars, double pnl_pct,
                              const ObMacro& macro, const ObSignal* asset_signal, int direction,
                              const OrderBookParams& p) noexcept {
  ObExitAdjust out{base_tp, base_sl, max_hold_bars};
  const double bars = static_cast<double>(max_hold_bars);
  const double eff_imb =
      asset_signal != nullptr ? ob_effective_imbalance(*asset_signal, direction) : 0.0;
  const bool cascade = macro.cascade_count > 0;
  const bool stress = macro.regime_signal == 1;

  if (cascade) {
    out.tp_pct *= p.cascade_tp_mult;
    out.max_hold = trunc_bars(bars * p.cascade_hold_mult, max_hold_bars);
  } else if (stress) {
    out.sl_pct = p.stress_sl_pct;
    if (pnl_pct > 0.0) out.tp_pct *= p.stress_tp_mult;
    if (eff_imb < p.stress_opposing_imbalance) {
      out.max_hold = trunc_bars(bars * p.stress_hold_mult, max_hold_bars);
    }
  } else if (macro.regime_signal == -1 && eff_imb > p.calm_favorable_imbalance) {
    out.max_hold = trunc_bars(bars * p.calm_hold_mult, max_hold_bars);
  }

  // Per-asset withdrawal (micro level), only outside a cascade or withdrawal stress.
  if (asset_signal != nullptr && asset_signal->withdrawal_velocity < p.withdrawal_velocity &&
      !(cascade || stress)) {
    out.max_hold = std::min(out.max_hold, trunc_bars(bars * p.withdrawal_hold_mult, max_hold_bars));
    if (pnl_pct > 0.0) out.tp_pct *= p.withdrawal_tp_mult;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// §8.3

double ob_edge_pct(const ObPlacement& pl, const FeeParams& f, const OrderBookParams& p) noexcept {
  if (!(pl.depth_quality > p.edge_min_depth)) return 0.0;
  const double edge = pl.fill_probability * f.ob_edge_bps * 1e-4;
  return std::isnan(edge) ? 0.0 : edge;
}

}  // namespace keel::dolphin
