// DOLPHIN's configuration keys ([dolphin.<section>] in keel's TOML): every parameter listed once,
// with its range. The same visitor reads them (core/io/config.cpp's reader) and dumps them (`keel
// config`), so the strategy's folder alone says what DOLPHIN can be configured with. A visitor V has
// section(name), num(key, double&, min, max), integer(key, int&, min, max), flag(key, bool&),
// text(key, std::string&) and choice(key, E&, {{"name", value}, …}).
#pragma once

#include <optional>
#include <string_view>

#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

template <class V>
void visit_params(DolphinParams& d, V&& v) {
  v.section("signal");
  v.choice("direction", d.signal.direction, {{"short", Direction::kShort}, {"long", Direction::kLong}});
  v.num("vel_div_threshold", d.signal.vel_div_threshold, -1.0, 0.0);
  v.num("vel_div_extreme", d.signal.vel_div_extreme, -1.0, 0.0);
  v.num("long_threshold", d.signal.long_threshold, 0.0, 1.0);
  v.num("long_extreme", d.signal.long_extreme, 0.0, 1.0);
  v.integer("lookback", d.signal.lookback, 1, 1'000'000);
  v.integer("dc_lookback_bars", d.signal.dc_lookback_bars, 1, 10'000);
  v.num("dc_min_magnitude_bps", d.signal.dc_min_magnitude_bps, 0.0, 10'000.0);
  v.flag("dc_skip_contradicts", d.signal.dc_skip_contradicts);
  v.num("dc_leverage_boost", d.signal.dc_leverage_boost, 0.0, 10.0);
  v.section("irp");
  v.flag("use_asset_selection", d.irp.use_asset_selection);
  v.integer("window", d.irp.window, 2, 50);
  v.choice("returns", d.irp.returns, {{"price_diff", IrpReturns::kPriceDiff}, {"relative", IrpReturns::kRelative}});
  v.num("min_alignment", d.irp.min_alignment, 0.0, 1.0);
  v.num("max_noise", d.irp.max_noise, 0.0, 1e300);
  v.integer("max_latency", d.irp.max_latency, 0, 1'000'000);
  v.num("filter_min_alignment", d.irp.filter_min_alignment, 0.0, 1.0);
  v.text("fallback_asset", d.irp.fallback_asset);
  v.section("sizing");
  v.num("min_leverage", d.sizing.min_leverage, 0.0, 1000.0);
  v.num("max_leverage", d.sizing.max_leverage, 0.0, 1000.0);
  v.num("abs_max_leverage", d.sizing.abs_max_leverage, 0.0, 1000.0);
  v.num("leverage_convexity", d.sizing.leverage_convexity, 0.0, 100.0);
  v.num("base_fraction", d.sizing.base_fraction, 0.0, 1.0);
  v.num("min_fraction", d.sizing.min_fraction, 0.0, 1.0);
  v.num("stalker_max_leverage", d.sizing.stalker_max_leverage, 0.0, 1000.0);
  v.integer("bucket_min_trades", d.sizing.bucket_min_trades, 0, 1'000'000);
  v.integer("streak_min_trades", d.sizing.streak_min_trades, 0, 1'000'000);
  v.integer("trend_min_values", d.sizing.trend_min_values, 10, 10);
  v.section("exits");
  v.num("fixed_tp_pct", d.exits.fixed_tp_pct, 0.0, 100.0);
  v.num("stop_pct", d.exits.stop_pct, 0.0, 100.0);
  v.integer("max_hold_bars", d.exits.max_hold_bars, 1, 100'000'000);
  v.num("slip_stop_loss", d.exits.slip_stop_loss, 0.0, 1.0);
  v.num("slip_take_profit", d.exits.slip_take_profit, 0.0, 1.0);
  v.num("slip_other", d.exits.slip_other, 0.0, 1.0);
  v.flag("subday_acb_exit", d.exits.subday_acb_exit);
  v.num("subday_exit_from_boost", d.exits.subday_exit_from_boost, 0.0, 100.0);
  v.num("subday_exit_to_boost", d.exits.subday_exit_to_boost, 0.0, 100.0);
  v.section("fees");
  v.num("maker_fee", d.fees.maker_fee, 0.0, 1.0);
  v.num("taker_fee", d.fees.taker_fee, 0.0, 1.0);
  v.num("sp_maker_entry_rate", d.fees.sp_maker_entry_rate, 0.0, 1.0);
  v.num("sp_maker_exit_rate", d.fees.sp_maker_exit_rate, 0.0, 1.0);
  v.num("sp_refund", d.fees.sp_refund, 0.0, 1.0);
  v.num("ob_edge_bps", d.fees.ob_edge_bps, 0.0, 10'000.0);
  v.num("ob_confirm_rate", d.fees.ob_confirm_rate, 0.0, 1.0);
  v.section("acb");
  v.flag("enabled", d.acb.enabled);
  v.text("factors_file", d.acb.factors_file);
  v.num("beta_high", d.acb.beta_high, 0.0, 100.0);
  v.num("beta_low", d.acb.beta_low, 0.0, 100.0);
  v.num("w750_threshold_pct", d.acb.w750_threshold_pct, 0.0, 100.0);
  v.integer("min_beta_history_days", d.acb.min_beta_history_days, 1, 100'000);
  v.num("funding_very_bearish", d.acb.funding_very_bearish, -1.0, 1.0);
  v.num("funding_bearish", d.acb.funding_bearish, -1.0, 1.0);
  v.num("dvol_extreme", d.acb.dvol_extreme, 0.0, 1000.0);
  v.num("dvol_elevated", d.acb.dvol_elevated, 0.0, 1000.0);
  v.num("fng_extreme_fear", d.acb.fng_extreme_fear, 0.0, 100.0);
  v.num("fng_fear", d.acb.fng_fear, 0.0, 100.0);
  v.num("taker_selling", d.acb.taker_selling, 0.0, 100.0);
  v.num("taker_mild", d.acb.taker_mild, 0.0, 100.0);
  v.section("survival");
  v.flag("enabled", d.survival.enabled);
  v.num("apex", d.survival.apex, 0.0, 1.0);
  v.num("stalker", d.survival.stalker, 0.0, 1.0);
  v.num("turtle", d.survival.turtle, 0.0, 1.0);
  v.integer("hysteresis_down", d.survival.hysteresis_down, 1, 1000);
  v.integer("hysteresis_up", d.survival.hysteresis_up, 1, 1000);
  v.num("heartbeat_max_age_s", d.survival.heartbeat_max_age_s, 0.0, 1e9);
  v.num("staleness_grace_hours", d.survival.staleness_grace_hours, 0.0, 1e6);
  v.num("staleness_tau_hours", d.survival.staleness_tau_hours, 1e-9, 1e6);
  v.num("dvol_spike_tau_min", d.survival.dvol_spike_tau_min, 1e-9, 1e9);
  v.num("drawdown_midpoint", d.survival.drawdown_midpoint, 0.0, 1.0);
  v.num("drawdown_steepness", d.survival.drawdown_steepness, 0.0, 1e6);
  v.num("degraded_below", d.survival.degraded_below, 0.0, 1.0);
  v.num("collapse_penalty", d.survival.collapse_penalty, 0.0, 1.0);
  v.num("recovery_alpha_per_min", d.survival.recovery_alpha_per_min, 0.0, 1e6);
  v.num("recovery_max_step_per_min", d.survival.recovery_max_step_per_min, 0.0, 1e6);
  v.flag("order_book_configured", d.survival.order_book_configured);
  v.section("mc");
  v.flag("enabled", d.mc.enabled);
  v.integer("min_trades", d.mc.min_trades, 1, 1'000'000);
  v.integer("max_trades", d.mc.max_trades, 1, 1'000'000);
  v.integer("paths", d.mc.paths, 2, 1'000'000);
  v.integer("horizon_days", d.mc.horizon_days, 1, 10'000);
  v.num("catastrophic_drawdown", d.mc.catastrophic_drawdown, 0.0, 1.0);
  v.num("red_catastrophic", d.mc.red_catastrophic, 0.0, 1.0);
  v.num("red_envelope", d.mc.red_envelope, -1e9, 1e9);
  v.num("orange_catastrophic", d.mc.orange_catastrophic, 0.0, 1.0);
  v.num("orange_scale", d.mc.orange_scale, 0.0, 1.0);
}


struct ParamProblem {
  std::string_view key;
  std::string_view reason;
};

// Cross-field checks the ranges cannot express; the first problem, or nullopt.
inline std::optional<ParamProblem> check_params(const DolphinParams& d) noexcept {
  if (!(d.signal.vel_div_extreme < d.signal.vel_div_threshold))
    return ParamProblem{"dolphin.signal.vel_div_extreme", "must be below vel_div_threshold"};
  if (!(d.signal.long_extreme > d.signal.long_threshold))
    return ParamProblem{"dolphin.signal.long_extreme", "must be above long_threshold"};
  if (!(d.sizing.min_leverage <= d.sizing.max_leverage && d.sizing.max_leverage <= d.sizing.abs_max_leverage))
    return ParamProblem{"dolphin.sizing", "needs min_leverage <= max_leverage <= abs_max_leverage"};
  if (!(d.sizing.min_fraction <= d.sizing.base_fraction))
    return ParamProblem{"dolphin.sizing.min_fraction", "must not exceed base_fraction"};
  if (d.mc.min_trades > d.mc.max_trades) return ParamProblem{"dolphin.mc.min_trades", "must not exceed max_trades"};
  if (!(d.survival.turtle <= d.survival.stalker && d.survival.stalker <= d.survival.apex))
    return ParamProblem{"dolphin.survival", "needs turtle <= stalker <= apex"};
  return std::nullopt;
}

}  // namespace keel::dolphin
