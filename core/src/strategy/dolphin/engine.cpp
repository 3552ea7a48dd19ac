#include "keel/core/strategy/dolphin/engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "keel/core/strategy/dolphin/signal_rules.hpp"

namespace keel::dolphin {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Prices kept per asset: IRP needs `window` (50), DC needs dc_lookback_bars + 1 (8 by default).
std::size_t price_keep(const DolphinParams& p) noexcept {
  return std::max<std::size_t>(static_cast<std::size_t>(p.irp.window),
                               static_cast<std::size_t>(p.signal.dc_lookback_bars) + 1);
}
// vel_div values kept: the trend multiplier needs the last 10.
constexpr std::size_t kVelDivKeep = 200;

int sign_of(Direction d) noexcept { return d == Direction::kShort ? -1 : 1; }

}  // namespace

std::string_view to_string(ExitReason reason) noexcept {
  switch (reason) {
    case ExitReason::kFixedTp: return "FIXED_TP";
    case ExitReason::kStopLoss: return "STOP_LOSS";
    case ExitReason::kMaxHold: return "MAX_HOLD";
    case ExitReason::kHibernateHalt: return "HIBERNATE_HALT";
    case ExitReason::kSubdayAcb: return "SUBDAY_ACB_NORMALIZATION";
    case ExitReason::kNone: break;
  }
  return "NONE";
}

void DolphinEngine::PriceHistory::init(std::size_t keep) {
  keep_ = keep;
  buf_.assign(keep * 4, 0.0);
}

void DolphinEngine::PriceHistory::push(double price) noexcept {
  if (end_ == buf_.size()) {
    // Slide the newest keep_ − 1 prices to the front; amortised O(1) per push.
    std::copy(buf_.end() - static_cast<std::ptrdiff_t>(keep_ - 1), buf_.end(), buf_.begin());
    end_ = keep_ - 1;
  }
  buf_[end_++] = price;
  if (count_ < keep_) ++count_;
}

DolphinEngine::DolphinEngine(const DolphinParams& params, std::vector<std::string> symbols, std::uint64_t run_seed,
                             RunDigest& digest, std::size_t expected_bars, std::size_t max_trades)
    : p_(params),
      symbols_(std::move(symbols)),
      n_(symbols_.size()),
      digest_(digest),
      pipeline_(symbols_.size()),
      fills_("fills", run_seed),
      mc_(params.mc, run_seed),
      beta_(params.acb),
      survival_(params.survival),
      prices_(symbols_.size()),
      last_close_(symbols_.size(), 0.0),
      capital_(params.initial_capital),
      peak_equity_(params.initial_capital),
      last_equity_(params.initial_capital) {
  for (auto& h : prices_) h.init(price_keep(p_));
  vel_div_history_.reserve(kVelDivKeep * 2);
  irp_inputs_.reserve(n_);
  trades_.reserve(max_trades);
  equity_.reserve(expected_bars + 1);
  days_.reserve(expected_bars / 12 + 400);
  day_beta_ = p_.acb.enabled ? p_.acb.beta_low : 0.0;
}

void DolphinEngine::on_control(const Control& control) noexcept {
  if (static_cast<ControlKind>(control.header.subtype) != ControlKind::kStrategyUpdate) return;
  if (!p_.acb.enabled) return;  // a disabled ACB takes no sub-day updates either
  if (!std::isfinite(control.real) || !std::isfinite(control.real2) || control.real <= 0.0) return;
  // Applied at the next bar, never mid-bar (DOLPHIN.md §4).
  pending_acb_ = true;
  pending_boost_ = control.real;
  pending_beta_ = control.real2;
}

void DolphinEngine::start_day(std::int64_t day) noexcept {
  current_day_ = day;
  if (p_.acb.enabled) {
    const DailyFactors f = factors_ != nullptr ? factors_->at(day) : DailyFactors{};
    day_base_boost_ = base_boost(acb_signals(f, p_.acb));
    day_beta_ = beta_.beta_for_day(day);
    if (ob_ != nullptr) day_beta_ = ob_beta_modulation(day_beta_, ob_->macro(), obp_);  // OB-4
  } else {
    day_base_boost_ = 1.0;
    day_beta_ = 0.0;
  }
  day_mc_status_ = McStatus::kOk;
  if (p_.mc.enabled) day_mc_status_ = mc_.assess(day).status;
  day_mc_scale_ = day_mc_status_ == McStatus::kOrange ? p_.mc.orange_scale : 1.0;
  regime_dd_halt_ = day_mc_status_ == McStatus::kRed || posture_ == Posture::kTurtle ||
                    posture_ == Posture::kHibernate;
  if (days_.size() < days_.capacity())
    days_.push_back(DayRecord{day, day_base_boost_, day_beta_, day_mc_status_, regime_dd_halt_});
  else
    overflow_ = true;
}

double DolphinEngine::mark_price(std::uint32_t asset, const BarTime& bar) const noexcept {
  const double c = bar.closes[asset];
  return c > 0.0 ? c : last_close_[asset];
}

void DolphinEngine::apply_acb_update(const BarTime& bar) noexcept {
  ++stats_.acb_updates;
  const double old_boost = day_base_boost_;
  day_base_boost_ = pending_boost_;
  day_beta_ = ob_ != nullptr ? ob_beta_modulation(pending_beta_, ob_->macro(), obp_) : pending_beta_;  // OB-4
  pending_acb_ = false;
  if (p_.exits.subday_acb_exit && position_ && old_boost >= p_.exits.subday_exit_from_boost &&
      pending_boost_ < p_.exits.subday_exit_to_boost) {
    ++stats_.subday_exits;
    close_position(bar, ExitReason::kSubdayAcb, mark_price(position_->asset, bar));
  }
}

void DolphinEngine::evaluate_survival(const BarTime& bar) noexcept {
  SurvivalInputs in{};
  in.heartbeat_age_s = 0.0;  // a backtest's feed is its data: always fresh
  in.feed_ok = true;
  in.mc_status = day_mc_status_;
  in.staleness_hours = 0.0;
  in.ob_configured = p_.survival.order_book_configured;
  in.ob_stale = false;
  in.depth_quality = 1.0;
  in.fill_probability = 1.0;
  in.dvol_spike_on_record = false;
  in.minutes_since_spike = 0.0;
  // Cat5 uses the previous bar's marked equity (DOLPHIN.md §8).
  in.drawdown = peak_equity_ > 0.0 ? (peak_equity_ - last_equity_) / peak_equity_ : 0.0;
  in.bar_open_time_ms = bar.open_time / kNanosPerMilli;
  posture_ = survival_.evaluate(in).posture;
  if (posture_ == Posture::kTurtle || posture_ == Posture::kHibernate) regime_dd_halt_ = true;
}

void DolphinEngine::on_bar_time(const BarTime& bar) noexcept {
  // A bar time exists once (DOLPHIN.md §8 "Bar grid"): a repeated or older one is dropped whole.
  if (bar_index_ >= 0 && bar.open_time <= previous_bar_time_) {
    ++stats_.late_bars;
    return;
  }
  ++bar_index_;
  ++stats_.bars;
  // A pending sub-day ACB update is applied first, before this bar's daily work (bible §10.5 and
  // §14.1: "In on_bar() — BEFORE processing"), so its force-exit test compares with the boost that
  // was in force when it arrived, and a new date's table boost then replaces it.
  if (pending_acb_) apply_acb_update(bar);
  const std::int64_t day = utc_day_number(bar.open_time);
  if (day > current_day_) start_day(day);

  const SignalValues* sv;
  if (features_ != nullptr) {
    sv = features_->at(bar.open_time);
  } else {
    sv = &pipeline_.push_bar(bar.closes);
  }
  const double vel_div = sv != nullptr ? sv->vel_div : kNaN;
  const double v750 = sv != nullptr ? sv->v[kSignalWindowCount - 1] : kNaN;
  if (p_.acb.enabled && !std::isnan(v750)) beta_.add_v750(day, v750);

  for (std::size_t i = 0; i < n_; ++i) {
    const double c = bar.closes[i];
    if (c > 0.0) {
      prices_[i].push(c);
      last_close_[i] = c;
    }
  }
  ++bar_count_;
  if (!std::isnan(vel_div)) {
    if (vel_div_history_.size() == vel_div_history_.capacity())
      vel_div_history_.erase(vel_div_history_.begin(), vel_div_history_.end() - static_cast<std::ptrdiff_t>(kVelDivKeep));
    vel_div_history_.push_back(vel_div);
  }

  regime_size_mult_ = regime_size_multiplier(day_base_boost_, day_beta_, vel_div, day_mc_scale_, p_.signal, p_.sizing);
  if (p_.survival.enabled) evaluate_survival(bar);

  if (position_) manage_position(bar);
  if (!position_ && bar_index_ > last_exit_bar_ && !regime_dd_halt_ && bar_count_ >= p_.signal.lookback &&
      !std::isnan(vel_div) && bar.open_time >= trading_start_) {
    try_entry(bar, vel_div);
  } else if (regime_dd_halt_) {
    ++stats_.halted_bars;
  }
  record_equity(bar);
  previous_bar_time_ = bar.open_time;
}

void DolphinEngine::manage_position(const BarTime& bar) noexcept {
  const OpenPosition& pos = *position_;
  const double price = mark_price(pos.asset, bar);
  const double pnl_pct = pos.direction * (price - pos.entry_price) / pos.entry_price;
  const std::int64_t held = bar_index_ - pos.entry_bar;
  double tp = p_.exits.fixed_tp_pct;
  double sl = p_.exits.stop_pct;
  std::int64_t max_hold = p_.exits.max_hold_bars;
  if (ob_ != nullptr) {  // OB-5: this bar's dynamic TP / SL / max hold
    ObSignal sig;
    const bool have = ob_->signal(pos.asset, sig);
    const ObExitAdjust adj = ob_dynamic_exits(tp, sl, p_.exits.max_hold_bars, pnl_pct, ob_->macro(),
                                              have ? &sig : nullptr, pos.direction, obp_);
    tp = adj.tp_pct;
    sl = adj.sl_pct;
    max_hold = adj.max_hold;
  }
  ExitReason reason = ExitReason::kNone;
  if (posture_ == Posture::kHibernate) reason = ExitReason::kHibernateHalt;
  else if (pnl_pct >= tp) reason = ExitReason::kFixedTp;
  else if (pnl_pct <= -sl) reason = ExitReason::kStopLoss;
  else if (held >= max_hold) reason = ExitReason::kMaxHold;
  if (reason != ExitReason::kNone) close_position(bar, reason, price);
}

void DolphinEngine::close_position(const BarTime& bar, ExitReason reason, double price) noexcept {
  const OpenPosition pos = *position_;
  const FeeParams& f = p_.fees;
  const double slip = reason == ExitReason::kStopLoss ? p_.exits.slip_stop_loss
                      : reason == ExitReason::kFixedTp ? p_.exits.slip_take_profit
                                                       : p_.exits.slip_other;
  // Slippage always against us: a SHORT covers higher, a LONG sells lower.
  const double exit_price = pos.direction < 0 ? price * (1.0 + slip) : price * (1.0 - slip);
  double pnl_pct_raw = pos.direction * (exit_price - pos.entry_price) / pos.entry_price;
  TradeRecord t;
  // RNG.md stream `fills`, in this order: entry refund, exit refund (not for STOP_LOSS), OB edge.
  t.entry_refund = fills_.uniform() < f.sp_maker_entry_rate;
  if (t.entry_refund) pnl_pct_raw += f.sp_refund;
  if (reason != ExitReason::kStopLoss) {
    t.exit_refund = fills_.uniform() < f.sp_maker_exit_rate;
    if (t.exit_refund) pnl_pct_raw += f.sp_refund;
  }
  if (ob_ != nullptr) {
    // A real order book: the placement's edge, no draw (bible §8.3).
    ObPlacement pl;
    const double edge = ob_->placement(pos.asset, pl) ? ob_edge_pct(pl, f, obp_) : 0.0;
    t.ob_edge = edge > 0.0;
    pnl_pct_raw += edge;
  } else {
    t.ob_edge = fills_.uniform() < f.ob_confirm_rate;  // the legacy Monte Carlo edge
    if (t.ob_edge) pnl_pct_raw += f.ob_edge_bps * 1e-4;
  }

  const double gross = pnl_pct_raw * pos.notional;
  const double entry_fee = entry_fee_rate(f) * pos.notional;
  const double exit_fee = exit_fee_rate(reason == ExitReason::kStopLoss, f) * pos.notional;
  const double net = (gross - entry_fee) - exit_fee;
  capital_ += net;

  t.asset = pos.asset;
  t.direction = pos.direction;
  t.entry_time = pos.entry_time;
  t.exit_time = bar.open_time;
  t.entry_price = pos.entry_price;
  t.exit_price = exit_price;
  t.notional = pos.notional;
  t.leverage = pos.leverage;
  t.fraction = pos.fraction;
  t.bucket = pos.bucket;
  t.reason = reason;
  t.gross_pnl = gross;
  t.fees = entry_fee + exit_fee;
  t.net_pnl = net;
  record_trade(t);

  const bool win = net > 0.0;
  ++bucket_trades_[static_cast<std::size_t>(pos.bucket)];
  if (win) ++bucket_wins_[static_cast<std::size_t>(pos.bucket)];
  last_wins_[static_cast<std::size_t>(closed_trades_ % 5)] = win;
  ++closed_trades_;
  mc_.record_trade(utc_day_number(bar.open_time), net / pos.capital_before);

  position_.reset();
  last_exit_bar_ = bar_index_;
}

void DolphinEngine::try_entry(const BarTime& bar, double vel_div) noexcept {
  if (capital_ <= 0.0) return;
  const SignalGate gate = evaluate_signal(vel_div, p_.signal);
  if (!gate.fires) return;
  ++stats_.signal_bars;
  const Direction regime = p_.signal.direction;

  // IRP asset selection (bible §5): candidates have a bar now and at least `window` prices.
  std::size_t asset = 0;
  if (p_.irp.use_asset_selection) {
    irp_inputs_.clear();
    const auto window = static_cast<std::size_t>(p_.irp.window);
    for (std::size_t i = 0; i < n_; ++i)
      if (bar.closes[i] > 0.0 && prices_[i].size() >= window) irp_inputs_.push_back(IrpInput{i, prices_[i].last(window)});
    const IrpChoice choice = ob_ != nullptr ? ob_select_asset(irp_inputs_, regime, p_.irp, *ob_, obp_)  // OB-1
                                            : select_asset(irp_inputs_, regime, p_.irp);
    if (!choice.found) {
      ++stats_.no_asset;
      return;
    }
    asset = choice.asset;
  } else {
    const auto it = std::find(symbols_.begin(), symbols_.end(), p_.irp.fallback_asset);
    if (it == symbols_.end()) return;
    asset = static_cast<std::size_t>(it - symbols_.begin());
    if (!(bar.closes[asset] > 0.0)) return;
  }

  // Direction confirmation on the selected asset (bible §4.2).
  const PriceHistory& h = prices_[asset];
  const std::size_t need = static_cast<std::size_t>(p_.signal.dc_lookback_bars) + 1;
  const DcResult dc = direction_confirmation(h.last(std::min(h.size(), std::max<std::size_t>(need, 1))), regime, p_.signal);
  if (dc == DcResult::kContradict && p_.signal.dc_skip_contradicts) {
    ++stats_.dc_contradictions;
    return;
  }
  const double dc_mult = dc == DcResult::kConfirm ? p_.signal.dc_leverage_boost : 1.0;
  double ob_mult = 1.0;
  if (ob_ != nullptr) {
    ObSignal sig;
    if (ob_->signal(asset, sig) && ob_confidence_adjustment(sig, sign_of(regime), obp_).skip) {  // OB-2
      ++stats_.ob_skips;
      return;
    }
    ob_mult = ob_market_multiplier(ob_->market_multiplier(sign_of(regime)), obp_);  // OB-3
  }

  // Sizing (bible §6, DOLPHIN.md §8 evaluation order).
  const double strength = strength_score(vel_div, p_.signal);
  const double size_leverage = cubic_leverage(strength, p_.sizing);
  const int bucket = signal_bucket(vel_div, p_.signal);
  const double bucket_mult = bucket_boost(bucket_wins_[static_cast<std::size_t>(bucket)],
                                          bucket_trades_[static_cast<std::size_t>(bucket)], p_.sizing);
  int losses = 0;
  const int recent = std::min(closed_trades_, 5);
  for (int k = 0; k < recent; ++k)
    if (!last_wins_[static_cast<std::size_t>(k)]) ++losses;
  const double streak = streak_multiplier(losses, closed_trades_, p_.sizing);
  const double trend = trend_multiplier(vel_div_history_, regime, p_.sizing);
  const double fraction = effective_fraction(strength, gate.is_extreme, trend, bucket_mult, streak, p_.sizing);
  const Leverage lev = final_leverage(size_leverage, dc_mult, regime_size_mult_, ob_mult,
                                      posture_ == Posture::kStalker, p_.sizing);
  const double notional = capital_ * fraction * lev.final_leverage;

  OpenPosition pos;
  pos.asset = static_cast<std::uint32_t>(asset);
  pos.direction = sign_of(regime);
  pos.entry_time = bar.open_time;
  pos.entry_bar = bar_index_;
  pos.entry_price = bar.closes[asset];
  pos.notional = notional;
  pos.leverage = lev.final_leverage;
  pos.fraction = fraction;
  pos.bucket = bucket;
  pos.capital_before = capital_;
  position_ = pos;
}

void DolphinEngine::record_trade(const TradeRecord& t) noexcept {
  digest_.add_u64(t.asset);
  digest_.add_i64(t.direction);
  digest_.add_i64(t.entry_time);
  digest_.add_i64(t.exit_time);
  digest_.add_double(t.entry_price);
  digest_.add_double(t.exit_price);
  digest_.add_double(t.notional);
  digest_.add_double(t.leverage);
  digest_.add_double(t.fraction);
  digest_.add_i64(t.bucket);
  digest_.add_u64(static_cast<std::uint64_t>(t.reason));
  digest_.add_double(t.gross_pnl);
  digest_.add_double(t.fees);
  digest_.add_double(t.net_pnl);
  if (trades_.size() < trades_.capacity()) trades_.push_back(t);
  else overflow_ = true;
}

void DolphinEngine::record_equity(const BarTime& bar) noexcept {
  double equity = capital_;
  if (position_) {
    const OpenPosition& pos = *position_;
    const double price = mark_price(pos.asset, bar);
    equity = capital_ + pos.notional * (pos.direction * (price - pos.entry_price) / pos.entry_price);
  }
  last_equity_ = equity;
  if (equity > peak_equity_) peak_equity_ = equity;
  digest_.add_double(equity);
  if (equity_.size() < equity_.capacity()) equity_.push_back(EquityPoint{bar.open_time, equity, capital_});
  else overflow_ = true;
}

}  // namespace keel::dolphin
