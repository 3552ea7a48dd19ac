// DOLPHIN's order-book (OB) intelligence layer: the bible's §9 sub-systems OB-1…OB-5 and the §8.3
// real-engine OB edge, as pure functions the engine calls when an order-book source is configured
// (../shared/spec/DOLPHIN.md §3 "Order book layer"). Without a source none of this is called: the
// OB terms are neutral and the legacy Monte Carlo edge of §8.3 applies.
//
//   OB-1 asset selection: ob_ars_multiplier, ob_adjusted_ars, ob_depth_gate_passes, ob_select_asset
//   OB-2 signal:          ob_confidence_adjustment (the practical effect is the hard skip)
//   OB-3 sizing:          ob_market_multiplier (the source's raw multiplier, clamped)
//   OB-4 ACB:             ob_beta_modulation
//   OB-5 exits:           ob_dynamic_exits (§7.2, exactly)
//   §8.3 fills:           ob_edge_pct
//
// Every function is noexcept, allocates nothing and keeps the floating-point operations in the
// order the bible writes them (the build has -ffp-contract=off). LONG (+1) mirrors SHORT (−1): the
// bible's eff_imb = −imbalance_ma5 ("sell pressure confirms a SHORT") becomes +imbalance_ma5 for a
// LONG. A `direction` argument is −1 SHORT or +1 LONG; any negative value is read as SHORT, any
// other as LONG. Missing data (a source answering false) and not-a-number fields are neutral: each
// function says what that means for it.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "keel/core/strategy/dolphin/irp.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

// ---------------------------------------------------------------------------------------------------
// What an order-book source delivers (bible §9.1–§9.3): per asset per bar a signal and a placement
// record, per bar one market-wide macro record and a market multiplier.

// §9.1 per-asset signal.
struct ObSignal {
  double imbalance_ma5 = 0.0;  // 5-bar MA of bid/ask size imbalance, [−1, +1], + = bids heavier
  double imbalance_persistence = 0.0;  // fraction of the last N bars sustaining the sign, [0, 1]
  double withdrawal_velocity = 0.0;    // rate of depth decay; negative = book thinning
};

// §9.3 per-asset placement quality.
struct ObPlacement {
  double depth_quality = 0.0;     // [0, 2+]; > 1 = deep book
  double fill_probability = 0.0;  // probability of a maker fill at the entry price, [0, 1]
};

// §9.2 market-wide macro record.
struct ObMacro {
  int cascade_count = 0;  // assets in a liquidation cascade
  int regime_signal = 0;  // −1 calm/trending, 0 neutral, +1 liquidity-withdrawal stress
};

static_assert(std::is_trivially_copyable_v<ObSignal> && sizeof(ObSignal) == 24);
static_assert(std::is_trivially_copyable_v<ObPlacement> && sizeof(ObPlacement) == 16);
static_assert(std::is_trivially_copyable_v<ObMacro> && sizeof(ObMacro) == 8);

// The engine's view of an order-book source for the current bar. `asset` is the engine's asset
// index (the symbols file's order, as IrpInput::asset). signal/placement return false when the
// source has no data for that asset at this bar: the caller then treats that asset's OB terms as
// neutral. Implementations must not allocate or block (they are called on the bar path).
class OrderBookSource {
 public:
  virtual ~OrderBookSource() = default;
  virtual bool signal(std::size_t asset, ObSignal&) const noexcept = 0;
  virtual bool placement(std::size_t asset, ObPlacement&) const noexcept = 0;
  virtual ObMacro macro() const noexcept = 0;
  // OB-3 raw market-wide imbalance multiplier for a trade in `direction`; the engine clamps it
  // with ob_market_multiplier.
  virtual double market_multiplier(int direction) const noexcept = 0;
};

// Every number of the OB layer, with the bible's values as defaults. Thresholds are stored with the
// sign the bible writes them (−0.15, −0.20) so each test reads like the bible's line.
struct OrderBookParams {
  // OB-1 (§5.5): depth gate and keel's ARS tiers (see ob_ars_multiplier).
  double depth_gate = 0.20;    // depth_quality < depth_gate → try the next asset
  double ars_very_deep = 1.5;  // depth_quality > → ×ars_very_deep_mult
  double ars_very_deep_mult = 1.10;
  double ars_deep = 1.0;  // depth_quality > → ×ars_deep_mult
  double ars_deep_mult = 1.05;
  double ars_very_thin = 0.5;  // depth_quality < → ×ars_very_thin_mult
  double ars_very_thin_mult = 0.90;
  double ars_thin = 0.8;  // depth_quality < → ×ars_thin_mult
  double ars_thin_mult = 0.95;

  // OB-2 (§4.3): imbalance confirmation.
  double confirm_imbalance = 0.10;     // eff_imb > → boost
  double max_confidence_boost = 0.15;  // 1 + min(0.15, eff_imb*persistence*0.5)
  double boost_gain = 0.5;
  double skip_imbalance = -0.15;  // eff_imb < and persistence > skip_persistence → skip
  double skip_persistence = 0.60;
  double dampen_imbalance = -0.10;      // eff_imb < → dampen
  double min_confidence_dampen = 0.85;  // max(0.85, 1 − |eff_imb|*persistence*0.4)
  double dampen_gain = 0.4;

  // OB-3 (§6.5, §13.3 "±20%"): bounds of the market multiplier.
  double market_mult_min = 0.80;
  double market_mult_max = 1.20;

  // OB-4 (§9.4 "+25% max"): beta multiplier under withdrawal stress (regime_signal == +1).
  double stress_beta_mult = 1.25;

  // OB-5 (§7.2).
  double cascade_tp_mult = 1.40;
  double cascade_hold_mult = 0.50;
  double stress_sl_pct = 0.10;
  double stress_tp_mult = 0.60;
  double stress_opposing_imbalance = -0.10;  // eff_imb < → stress_hold_mult
  double stress_hold_mult = 0.40;
  double calm_favorable_imbalance = 0.15;  // eff_imb > (calm regime) → calm_hold_mult
  double calm_hold_mult = 1.50;
  double withdrawal_velocity = -0.20;  // withdrawal_velocity < (no cascade/stress) → …
  double withdrawal_hold_mult = 0.40;
  double withdrawal_tp_mult = 0.75;

  // §8.3 real-engine edge.
  double edge_min_depth = 0.5;  // depth_quality > → fill_probability*ob_edge_bps*1e-4
};

// The bible's eff_imb: −imbalance_ma5 for SHORT, +imbalance_ma5 for LONG.
[[nodiscard]] double ob_effective_imbalance(const ObSignal& s, int direction) noexcept;

// ---------------------------------------------------------------------------------------------------
// OB-1 — asset selection (§5.5)

// ARS multiplier from the asset's depth quality, the first match of
//   dq > 1.5 → 1.10,  dq > 1.0 → 1.05,  dq < 0.5 → 0.90,  dq < 0.8 → 0.95,  else 1.0
// (all strict, so 1.5 → 1.05, 1.0 and 0.8 → 1.0, 0.5 → 0.95). NaN → 1.0. The bible says only "ARS
// adjusted ±5%/10% by depth quality": "> 1 = deep book" (§9.3) starts the boosts, 0.5 is where §8.3
// stops granting the OB edge (the −10% tier), 0.8 is the survival stack's "degraded" line (§11.3).
[[nodiscard]] double ob_ars_multiplier(const ObPlacement& pl, const OrderBookParams& p) noexcept;

// Applies an ARS multiplier so that a multiplier above 1 always moves an asset up the ranking and
// one below 1 down, whatever ARS's sign: ars*m for ars >= 0, ars/m for ars < 0. The sign never
// changes, and the map is monotone, so applying it to both directions of one asset would not change
// which direction wins. NaN stays NaN.
[[nodiscard]] double ob_adjusted_ars(double ars, double multiplier) noexcept;

// The §5.5 depth gate: false iff depth_quality < 0.20 (0.20 itself passes; NaN passes).
[[nodiscard]] bool ob_depth_gate_passes(const ObPlacement& pl, const OrderBookParams& p) noexcept;

// irp.hpp's select_asset with OB-1 applied: per input the winning direction is chosen on the raw
// ARS (direct wins ties) and filtered exactly as select_asset does; the winner's ARS is then
// adjusted with ob_adjusted_ars(ars, ob_ars_multiplier(placement)), the candidates are ranked by
// the adjusted ARS (ties keep input order) and walked with select_asset's gates (alignment 0.45,
// direction) plus the depth gate. An asset for which source.placement() returns false is neutral:
// multiplier 1.0, gate passed (with such placements everywhere the result equals select_asset's).
// One pass, no sorting, no allocation; one placement() call per input that survives the filters and
// gates.
[[nodiscard]] IrpChoice ob_select_asset(std::span<const IrpInput> inputs, Direction regime,
                                        const IrpParams& params, const OrderBookSource& source,
                                        const OrderBookParams& p) noexcept;

// ---------------------------------------------------------------------------------------------------
// OB-2 — per-asset imbalance confirmation (§4.3)

// With eff_imb = ob_effective_imbalance(s, direction) and persistence = s.imbalance_persistence,
// exactly the three branches of §4.3, first match:
//   eff_imb > 0.10                            → multiplier 1 + min(0.15, eff_imb*persistence*0.5)
//   eff_imb < −0.15 and persistence > 0.60    → skip (the signal is void; multiplier 1.0)
//   eff_imb < −0.10                           → multiplier max(0.85, 1 − |eff_imb|*persistence*0.4)
//   otherwise                                 → multiplier 1.0
// NaN imbalance or persistence → {false, 1.0}. The caller applies it to the selected asset's signal
// (no data for that asset: no adjustment). In keel the signal's confidence feeds nothing that sizes
// (the effective fraction uses the 0.70/0.55 constants of §6.4), so the practical effect is the
// hard skip; the multiplier is returned for reporting and for a future confidence-based sizing.
struct ObConfidence {
  bool skip = false;
  double multiplier = 1.0;
};
[[nodiscard]] ObConfidence ob_confidence_adjustment(const ObSignal& s, int direction,
                                                    const OrderBookParams& p) noexcept;

// ---------------------------------------------------------------------------------------------------
// OB-3 — market-wide multiplier on the final leverage and its ceiling (§6.5 market_ob_mult)

// The source's raw multiplier clamped into [market_mult_min, market_mult_max] = [0.80, 1.20]; NaN
// → 1.0. Passed as `ob_mult` to final_leverage (signal_rules.hpp), which applies it to both the raw
// leverage and the ceiling.
[[nodiscard]] double ob_market_multiplier(double raw, const OrderBookParams& p) noexcept;

// ---------------------------------------------------------------------------------------------------
// OB-4 — macro withdrawal stress modulates the ACB dynamic beta (§9.4, §10.3)

// beta*1.25 when macro.regime_signal == +1 and beta > 0; otherwise beta unchanged (a calm or
// neutral regime, a cascade alone, beta <= 0 or NaN). Apply it to the ACB's unmodulated beta (never
// to an already modulated one, so it cannot compound): 0.8 → 1.0, 0.2 → 0.25.
[[nodiscard]] double ob_beta_modulation(double beta, const ObMacro& macro,
                                        const OrderBookParams& p) noexcept;

// ---------------------------------------------------------------------------------------------------
// OB-5 — dynamic exit parameters (§7.1–§7.2)

// Exactly the bible's §7.2 block, starting each bar from the base values (nothing persists):
//   tp = base_tp, sl = base_sl, hold = max_hold_bars, eff_imb = ob_effective_imbalance (0 without a
//   signal)
//   cascade_count > 0:            tp *= 1.40; hold = int(max_hold_bars*0.50)
//   elif regime_signal == +1:     sl = 0.10; if pnl_pct > 0: tp *= 0.60;
//                                 if eff_imb < −0.10: hold = int(max_hold_bars*0.40)
//   elif regime_signal == −1 and eff_imb > 0.15: hold = int(max_hold_bars*1.50)
//   then, with a signal, if withdrawal_velocity < −0.20 and neither cascade_count > 0 nor
//   regime_signal == +1:          hold = min(hold, int(max_hold_bars*0.40)); if pnl_pct > 0: tp *=
//   0.75
// int() truncates toward zero as Python's does (120*0.4 = 48, 7*0.4 = 2.8 → 2); a product beyond
// int's range saturates and a NaN product (NaN parameters only) leaves max_hold_bars. The stress
// stop is assigned, not tightened: a configured stop below 10% is raised to 10% under stress, as
// written. `asset_signal` is the position's asset's signal at this bar, or null when the source has
// none.
struct ObExitAdjust {
  double tp_pct = 0.0;
  double sl_pct = 0.0;
  int max_hold = 0;
};
[[nodiscard]] ObExitAdjust ob_dynamic_exits(double base_tp, double base_sl, int max_hold_bars,
                                            double pnl_pct, const ObMacro& macro,
                                            const ObSignal* asset_signal, int direction,
                                            const OrderBookParams& p) noexcept;

// ---------------------------------------------------------------------------------------------------
// §8.3 — the OB edge with a real order-book engine

// Added to pnl_pct_raw at an exit: depth_quality > 0.5 → fill_probability*ob_edge_bps*1e-4 (left to
// right), else 0 (NaN depth quality or a NaN result → 0). No random draw: with a source configured
// the `fills` stream of RNG.md has no OB-edge draw (two draws per non-STOP_LOSS exit, one per
// STOP_LOSS exit); the legacy draw `u < ob_confirm_rate` applies only without a source. `pl` is the
// position's asset's placement at the exit bar; no placement for it → no edge (and still no draw).
[[nodiscard]] double ob_edge_pct(const ObPlacement& pl, const FeeParams& f,
                                 const OrderBookParams& p = OrderBookParams{}) noexcept;

}  // namespace keel::dolphin
