// Every parameter of the DOLPHIN engine, with the champion defaults of the bible (§18,
// ../shared/seeds/004_53a33359528ef7eb.txt) and the decisions of ../shared/spec/DOLPHIN.md.
// Bar counts count bars of the configured interval (DOLPHIN.md §1).
#pragma once

#include <cstdint>
#include <string>

namespace keel::dolphin {

// Trade direction: −1 SHORT (champion), +1 LONG (mirrors SHORT, DOLPHIN.md §8 "LONG").
enum class Direction : std::int8_t { kShort = -1, kLong = 1 };

enum class IrpReturns : std::uint8_t { kPriceDiff = 1, kRelative = 2 };

struct SignalParams {
  Direction direction = Direction::kShort;
  double vel_div_threshold = -0.02;  // SHORT gate: vel_div < threshold
  double vel_div_extreme = -0.05;    // SHORT extreme: vel_div <= extreme
  double long_threshold = 0.01;      // LONG gate: vel_div > long_threshold
  double long_extreme = 0.04;        // LONG extreme: vel_div >= long_extreme
  int lookback = 100;                // bars processed (current included) before any entry
  int dc_lookback_bars = 7;
  double dc_min_magnitude_bps = 0.75;
  bool dc_skip_contradicts = true;
  double dc_leverage_boost = 1.0;    // applied on CONFIRM only
};

struct IrpParams {
  bool use_asset_selection = true;
  int window = 50;                   // prices per asset used by compute_irp (needs >= window prices)
  IrpReturns returns = IrpReturns::kPriceDiff;
  double min_alignment = 0.45;       // alignment gate after ranking
  double max_noise = 500.0;          // filter: noise > max_noise → skip
  int max_latency = 20;              // filter: latency > max_latency → skip
  double filter_min_alignment = 0.20;  // filter: alignment < this → skip
  std::string fallback_asset = "BTCUSDT";  // only when use_asset_selection is false
};

struct SizingParams {
  double min_leverage = 0.5;
  double max_leverage = 5.0;
  double abs_max_leverage = 6.0;
  double leverage_convexity = 3.0;
  double base_fraction = 0.20;       // bible "fraction": maximum capital fraction per trade
  double min_fraction = 0.02;
  double stalker_max_leverage = 2.0;
  int bucket_min_trades = 10;        // bucket boost warm-up (DOLPHIN.md §3)
  int streak_min_trades = 5;         // streak multiplier warm-up
  int trend_min_values = 10;         // trend multiplier warm-up (defined vel_div values)
};

struct ExitParams {
  double fixed_tp_pct = 0.0095;
  double stop_pct = 1.0;
  int max_hold_bars = 120;
  double slip_stop_loss = 0.0005;
  double slip_take_profit = 0.0002;
  double slip_other = 0.0002;
  bool subday_acb_exit = true;       // §7.3 force exit on a sub-day ACB normalisation
  double subday_exit_from_boost = 1.25;  // old boost >= this …
  double subday_exit_to_boost = 1.10;    // … and new boost < this
};

struct FeeParams {
  double maker_fee = 0.0002;
  double taker_fee = 0.0005;
  double sp_maker_entry_rate = 0.62;
  double sp_maker_exit_rate = 0.50;
  double sp_refund = 0.0002;         // added to pnl_pct_raw per maker fill
  double ob_edge_bps = 5.0;
  double ob_confirm_rate = 0.40;
};

struct AcbParams {
  bool enabled = true;
  std::string factors_file;          // optional daily table: date,funding_btc,dvol_btc,fng,taker
  double beta_high = 0.8;
  double beta_low = 0.2;
  double w750_threshold_pct = 60.0;
  int min_beta_history_days = 5;
  double funding_very_bearish = -0.0001;  // < → 1.0
  double funding_bearish = 0.0;           // < → 0.5
  double dvol_extreme = 80.0;             // > → 1.0
  double dvol_elevated = 55.0;            // > → 0.5
  double fng_extreme_fear = 25.0;         // < → 1.0 (needs confirmation)
  double fng_fear = 40.0;                 // < → 0.5 (needs confirmation)
  double taker_selling = 0.80;            // < → 1.0
  double taker_mild = 0.90;               // < → 0.5
};

enum class Posture : std::uint8_t { kApex = 0, kStalker = 1, kTurtle = 2, kHibernate = 3 };

struct SurvivalParams {
  bool enabled = false;              // backtests: off (posture APEX) unless configured
  double apex = 0.90;
  double stalker = 0.75;
  double turtle = 0.50;
  int hysteresis_down = 2;
  int hysteresis_up = 5;
  double heartbeat_max_age_s = 30.0;
  double staleness_grace_hours = 6.0;
  double staleness_tau_hours = 3.0;
  double dvol_spike_tau_min = 60.0;
  double drawdown_midpoint = 0.12;
  double drawdown_steepness = 30.0;
  double degraded_below = 0.8;
  double collapse_penalty = 0.5;
  double recovery_alpha_per_min = 0.02;
  double recovery_max_step_per_min = 0.05;
  bool order_book_configured = false;  // Cat3: neutral 1.0 without an order-book source
};

struct McParams {
  bool enabled = true;
  int min_trades = 30;
  int max_trades = 200;              // bootstrap from the last n <= 200 closed trades
  int paths = 1000;
  int horizon_days = 7;              // H = mean trades per day over these days (at least 1)
  double catastrophic_drawdown = 0.20;
  double red_catastrophic = 0.25;
  double red_envelope = -1.0;
  double orange_catastrophic = 0.10;
  double orange_scale = 0.5;
};

struct DolphinParams {
  double initial_capital = 100'000.0;
  SignalParams signal;
  IrpParams irp;
  SizingParams sizing;
  ExitParams exits;
  FeeParams fees;
  AcbParams acb;
  SurvivalParams survival;
  McParams mc;
};

}  // namespace keel::dolphin
