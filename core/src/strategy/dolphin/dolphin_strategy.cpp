#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"

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

void DolphinStrategy::PriceHistory::init(std::size_t keep) {
  keep_ = keep;
  buf_.assign(keep * 4, 0.0);
}

void DolphinStrategy::PriceHistory::push(double price) noexcept {
  if (end_ == buf_.size()) {
    // Slide the newest keep_ − 1 prices to the front; amortised O(1) per push.
    std::copy(buf_.end() - static_cast<std::ptrdiff_t>(keep_ - 1), buf_.end(), buf_.begin());
    end_ = keep_ - 1;
  }
  buf_[end_++] = price;
  if (count_ < keep_) ++count_;
}

DolphinStrategy::DolphinStrategy(const DolphinParams& params, std::vector<std::string> symbols, std::uint64_t run_seed,
                                 RunDigest& digest, std::size_t expected_bars, std::size_t max_trades)
    : p_(params),
      symbols_(std::move(symbols)),
      n_(symbols_.size()),
      digest_(digest),
      pipeline_(symbols_.size()),
      mc_(params.mc, run_seed),
      beta_(params.acb),
      survival_(params.survival),
      prices_(symbols_.size()),
      last_close_(symbols_.size(), 0.0),
      capital_(params.initial_capital),
      sizer_(params, capital_),
      peak_equity_(params.initial_capital),
      last_equity_(params.initial_capital) {
  for (auto& h : prices_) h.init(price_keep(p_));
  irp_inputs_.reserve(n_);
  trades_.reserve(max_trades);
  equity_.reserve(expected_bars + 1);
  days_.reserve(expected_bars / 12 + 400);
  day_beta_ = p_.acb.enabled ? p_.acb.beta_low : 0.0;
  day_raw_beta_ = day_beta_;
  for (std::size_t i = 0; i < n_; ++i)
    if (symbols_[i].starts_with("BTC")) {
      funding_instrument_ = static_cast<InstrumentId>(i);
      break;
    }
}

BarCloseModel DolphinStrategy::bar_close_model() const noexcept {
  const FeeParams& f = p_.fees;
  BarCloseModel m;
  m.slip_market = p_.exits.slip_other;
  m.slip_stop_loss = p_.exits.slip_stop_loss;
  m.slip_take_profit = p_.exits.slip_take_profit;
  m.entry_fee_rate = entry_fee_rate(f);
  m.exit_fee_rate = exit_fee_rate(false, f);
  m.stop_exit_fee_rate = exit_fee_rate(true, f);
  m.maker_entry_rate = f.sp_maker_entry_rate;
  m.maker_exit_rate = f.sp_maker_exit_rate;
  m.maker_rebate = f.sp_refund;
  m.edge_draw = ob_ == nullptr;  // with a real order book the placement edge is priced, not drawn
  m.edge_rate = f.ob_confirm_rate;
  m.edge = f.ob_edge_bps * 1e-4;
  return m;
}

void DolphinStrategy::on_control(const Control& control) noexcept {
  if (static_cast<ControlKind>(control.header.subtype) == ControlKind::kPosture) {
    // From the next bar on (APEX releases the floor); an unknown code is ignored and counted.
    if (control.value < static_cast<std::int64_t>(Posture::kApex) || control.value > static_cast<std::int64_t>(Posture::kHibernate)) {
      ++stats_.bad_controls;
      return;
    }
    operator_posture_ = static_cast<Posture>(control.value);
    ++stats_.posture_controls;
    return;
  }
  if (static_cast<ControlKind>(control.header.subtype) != ControlKind::kStrategyUpdate || control.value != kAcbUpdate)
    return;
  if (!p_.acb.enabled) return;  // a disabled ACB takes no sub-day updates either
  if (!std::isfinite(control.real) || !std::isfinite(control.real2) || control.real <= 0.0) return;
  // Applied at the next bar, never mid-bar (DOLPHIN.md §4).
  pending_acb_ = true;
  pending_boost_ = control.real;
  pending_beta_ = control.real2;
}

DailyFactors DolphinStrategy::day_factors(std::int64_t day) const noexcept {
  return live_.merge(day, factors_ != nullptr ? factors_->at(day) : DailyFactors{});
}

void DolphinStrategy::on_external_factor(const ExternalFactor& factor) noexcept {
  const auto kind = static_cast<FactorKind>(factor.header.subtype);
  if (!p_.acb.enabled || (kind == FactorKind::kFunding && factor.header.instrument != kNoInstrument &&
                          factor.header.instrument != funding_instrument_)) {
    ++stats_.factors_ignored;
    return;
  }
  const bool have_day = current_day_ != INT64_MIN;
  std::int64_t day = factor.header.ts_exchange > 0 ? utc_day_number(factor.header.ts_exchange)
                                                   : (have_day ? current_day_ : LiveFactors::kUndated);
  if (have_day && day < current_day_) day = current_day_;  // late: the value known now
  switch (live_.offer(kind, factor.value, day)) {
    case LiveFactorOutcome::kInvalid: ++stats_.factors_invalid; return;
    case LiveFactorOutcome::kUnused: ++stats_.factors_ignored; return;
    case LiveFactorOutcome::kApplied: break;
  }
  ++stats_.factors_applied;
  // An accepted input is part of the run's record (replay reproduces it from the journal).
  digest_.add_u64(static_cast<std::uint64_t>(kind));
  digest_.add_i64(day);
  digest_.add_double(factor.value);
  if (!have_day || day != current_day_) return;  // a later day's value: that day's daily work
  // The sub-day recompute (bible §10.5): the same path as a Control update, applied at the next bar.
  const double boost = base_boost(acb_signals(day_factors(day), p_.acb));
  const double in_force = pending_acb_ ? pending_boost_ : day_base_boost_;
  if (boost == in_force) return;
  ++stats_.factor_recomputes;
  if (!pending_acb_) pending_beta_ = day_raw_beta_;
  pending_acb_ = true;
  pending_boost_ = boost;
}

void DolphinStrategy::start_day(std::int64_t day) noexcept {
  current_day_ = day;
  live_.date_undated(day);
  if (p_.acb.enabled) {
    day_base_boost_ = base_boost(acb_signals(day_factors(day), p_.acb));
    day_beta_ = beta_.beta_for_day(day);
    day_raw_beta_ = day_beta_;
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

double DolphinStrategy::mark_price(std::uint32_t asset, const BarTime& bar) const noexcept {
  const double c = bar.closes[asset];
  return c > 0.0 ? c : last_close_[asset];
}

void DolphinStrategy::apply_acb_update(const BarTime& bar) noexcept {
  ++stats_.acb_updates;
  const double old_boost = day_base_boost_;
  day_base_boost_ = pending_boost_;
  day_raw_beta_ = pending_beta_;
  day_beta_ = ob_ != nullptr ? ob_beta_modulation(pending_beta_, ob_->macro(), obp_) : pending_beta_;  // OB-4
  pending_acb_ = false;
  if (p_.exits.subday_acb_exit && position_ && old_boost >= p_.exits.subday_exit_from_boost &&
      pending_boost_ < p_.exits.subday_exit_to_boost) {
    ++stats_.subday_exits;
    if (!pending_exit_) request_exit(bar, ExitReason::kSubdayAcb, mark_price(position_->asset, bar));
  }
}

void DolphinStrategy::evaluate_survival(const BarTime& bar) noexcept {
  SurvivalInputs in{};
  in.heartbeat_age_s = 0.0;  // a backtest's feed is its data: always fresh
  in.feed_ok = true;
  in.mc_status = day_mc_status_;
  in.staleness_hours = 0.0;
  in.ob_configured = p_.survival.order_book_configured;
  in.ob_stale = false;
  in.depth_quality = 1.0;
  in.fill_probability = 1.0;
  if (mirror_ != nullptr) {  // the live books: Cat3 reads the market's placement, stale when none has data
    in.ob_configured = true;
    ObPlacement market;
    in.ob_stale = !mirror_->market_placement(market);
    if (!in.ob_stale) {
      in.depth_quality = market.depth_quality;
      in.fill_probability = market.fill_probability;
    }
  }
  if (have_feed_health_) {  // a live feed: its health, not a backtest's always-fresh data
    // The age the last health event reported, plus the event time since it: a feed whose health
    // events stop ages instead of staying fresh.
    const Nanos since = entry_ != nullptr && entry_->now() > feed_health_time_ ? entry_->now() - feed_health_time_ : 0;
    in.feed_ok = feed_up_;
    in.heartbeat_age_s = feed_age_s_ + static_cast<double>(since) / 1e9;
  }
  in.dvol_spike_on_record = false;
  in.minutes_since_spike = 0.0;
  // Cat5 uses the previous bar's marked equity (DOLPHIN.md §8).
  in.drawdown = peak_equity_ > 0.0 ? (peak_equity_ - last_equity_) / peak_equity_ : 0.0;
  in.bar_open_time_ms = bar.open_time / kNanosPerMilli;
  posture_ = survival_.evaluate(in).posture;
  if (posture_ == Posture::kTurtle || posture_ == Posture::kHibernate) regime_dd_halt_ = true;
}

void DolphinStrategy::use_engine_order_books(const MirrorObParams& params) {
  mirror_ = std::make_unique<MirrorOrderBookSource>(symbols_.size(), params);
  mirror_attached_.assign(symbols_.size(), 0);
  set_order_book_source(mirror_.get(), obp_);
}

void DolphinStrategy::on_book(InstrumentId instrument, const book::BookReplicas& books) noexcept {
  if (mirror_ == nullptr || instrument >= mirror_attached_.size() || instrument >= books.size()) return;
  if (mirror_attached_[instrument] == 0) {  // the engine's books never move: attach once
    mirror_->attach(instrument, books.book(instrument));
    mirror_attached_[instrument] = 1;
  }
  mirror_->set_usable(instrument, books.usable(instrument));
}

void DolphinStrategy::on_feed_health(const FeedHealth& health) noexcept {
  have_feed_health_ = true;
  feed_up_ = health.header.detail == 1;
  feed_age_s_ = health.last_message_age_us < 0 ? 0.0 : static_cast<double>(health.last_message_age_us) / 1e6;
  feed_health_time_ = health.header.ts_local;
}

void DolphinStrategy::on_bar_time(const BarTime& bar) noexcept {
  // A bar time exists once (DOLPHIN.md §8 "Bar grid"): a repeated or older one is dropped whole.
  if (bar_index_ >= 0 && bar.open_time <= previous_bar_time_) {
    ++stats_.late_bars;
    return;
  }
  // The order books as they stand at this bar time (every book event before the bar applied).
  if (mirror_ != nullptr && mirror_->on_bar_close(bar.open_time) && mirror_->assets_with_data() > 0)
    ++stats_.ob_bars_with_data;
  // The previous bar time's equity: its orders have all been answered by now, and last_close_
  // still holds its marks (this bar's closes are taken below).
  if (equity_due_) record_equity(previous_bar_time_);
  ++bar_index_;
  ++stats_.bars;
  // An entry left unfilled since an earlier bar is cancelled (only a venue that can leave it
  // resting — the bar-close venue fills an entry at once).
  if (pending_entry_ && pending_entry_->bar_time < bar.open_time && !pending_entry_->cancel_sent) {
    Intent cancel;
    cancel.kind = IntentKind::kCancel;
    cancel.order_id = pending_entry_->order_id;
    pending_entry_->cancel_sent = entry_->submit(cancel).sent();
  }
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
  if (!std::isnan(vel_div)) sizer_.observe_signal(vel_div);

  regime_size_mult_ = regime_size_multiplier(day_base_boost_, day_beta_, vel_div, day_mc_scale_, p_.signal, p_.sizing);
  if (p_.survival.enabled) evaluate_survival(bar);
  if (operator_posture_ > posture_) {
    // The operator's posture (Control kPosture) is a floor: the stack may be more defensive, never
    // less. Its effects are the stack's own (§11.7): TURTLE / HIBERNATE halt entries, HIBERNATE
    // exits, STALKER sizes down.
    posture_ = operator_posture_;
    if (posture_ == Posture::kTurtle || posture_ == Posture::kHibernate) regime_dd_halt_ = true;
  }

  if (position_ && !pending_exit_) manage_position(bar);
  if (!position_ && !pending_entry_ && bar_index_ > last_exit_bar_ && !regime_dd_halt_ &&
      bar_count_ >= p_.signal.lookback && !std::isnan(vel_div) && bar.open_time >= trading_start_) {
    try_entry(bar, vel_div);
  } else if (regime_dd_halt_) {
    ++stats_.halted_bars;
  }
  previous_bar_time_ = bar.open_time;
  equity_due_ = true;
}

void DolphinStrategy::on_finish() noexcept {
  if (equity_due_) record_equity(previous_bar_time_);
  equity_due_ = false;
}

void DolphinStrategy::manage_position(const BarTime& bar) noexcept {
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
  if (reason != ExitReason::kNone) request_exit(bar, reason, price);
}

void DolphinStrategy::request_exit(const BarTime& bar, ExitReason reason, double price) noexcept {
  const OpenPosition& pos = *position_;
  Intent exit;
  exit.kind = IntentKind::kOrder;
  exit.instrument = static_cast<InstrumentId>(pos.asset);
  exit.side = pos.direction < 0 ? Side::kBuy : Side::kSell;
  exit.type = reason == ExitReason::kStopLoss  ? OrderType::kStopLoss
              : reason == ExitReason::kFixedTp ? OrderType::kTakeProfit
                                               : OrderType::kMarket;  // the model's slippage follows the type
  exit.tif = TimeInForce::kIoc;
  exit.qty = pos.qty;
  exit.tag = static_cast<std::uint32_t>(reason);
  last_exit_bar_ = bar_index_;  // no entry on the exit bar, whatever the venue answers
  const SubmitResult sent = entry_->submit(exit);
  if (!sent.sent()) {  // refused (risk, OMS): the position stays and is managed again next bar
    ++stats_.exits_refused;
    return;
  }
  PendingExit pending;
  pending.order_id = sent.order_id;
  pending.reason = reason;
  pending.type = exit.type;
  pending.bar_time = bar.open_time;
  pending.mark = price;
  pending_exit_ = pending;
}

void DolphinStrategy::on_exec_report(const ExecReport& report, const OmsOrder& order) noexcept {
  if (pending_entry_ && order.order_id == pending_entry_->order_id) on_entry_report(report, order);
  else if (pending_exit_ && order.order_id == pending_exit_->order_id) on_exit_report(report, order);
}

void DolphinStrategy::on_entry_report(const ExecReport& report, const OmsOrder& order) noexcept {
  PendingEntry& e = *pending_entry_;
  const auto type = static_cast<ExecType>(report.header.subtype);
  if (type == ExecType::kFill || type == ExecType::kPartialFill) {
    e.maker = (report.header.flags & kFlagMaker) != 0;
    e.filled_qty += report.last_qty.to_double();
    e.filled_value += report.last_price.to_double() * report.last_qty.to_double();
    e.fees += report.fee.to_double();
    OpenPosition pos = e.pos;
    pos.qty = order.cum;
    if (ledger_ == LedgerMode::kFills) {  // what actually filled
      pos.entry_price = e.filled_value / e.filled_qty;
      pos.notional = e.filled_value;
    }
    position_ = pos;
  }
  // A cancel refused (or settled by a status answer) leaves the entry live with nothing pending:
  // the next bar asks again.
  if (order.live() && order.pending == OrderAction::kNone) e.cancel_sent = false;
  if (!order.live()) {  // done: filled, or cancelled / rejected / expired with what filled
    if (!position_) ++stats_.entries_unfilled;
    entry_fees_ = e.fees;
    entry_maker_ = e.maker;
    pending_entry_.reset();
  }
}

void DolphinStrategy::on_exit_report(const ExecReport& report, const OmsOrder& order) noexcept {
  PendingExit& x = *pending_exit_;
  const auto type = static_cast<ExecType>(report.header.subtype);
  if (type == ExecType::kFill || type == ExecType::kPartialFill) {
    x.filled_qty += report.last_qty.to_double();
    x.filled_value += report.last_price.to_double() * report.last_qty.to_double();
    x.fees += report.fee.to_double();
    x.improved = x.improved || (report.header.flags & kFlagPriceImproved) != 0;
    x.maker = (report.header.flags & kFlagMaker) != 0;
  }
  if (order.live()) return;
  if (order.cum.is_zero()) {  // nothing filled: the position is managed again next bar
    pending_exit_.reset();
    return;
  }
  if (ledger_ == LedgerMode::kModel) close_trade_model();
  else close_trade_fills(order.cum);
}

// The bible's accounting (DOLPHIN.md §7–§8), operation for operation: the model venue decided the
// maker and edge outcomes, the numbers are the model's.
void DolphinStrategy::close_trade_model() noexcept {
  const OpenPosition pos = *position_;
  const PendingExit x = *pending_exit_;
  // The same model the bar-close venue fills with: its slippage by order type (always against us: a
  // SHORT covers higher, a LONG sells lower), its rebate, edge and fee rates.
  const BarCloseModel m = bar_close_model();
  const bool stop = x.type == OrderType::kStopLoss;
  const double exit_price = m.fill_price(x.mark, x.type, pos.direction < 0 ? Side::kBuy : Side::kSell);
  double pnl_pct_raw = pos.direction * (exit_price - pos.entry_price) / pos.entry_price;
  TradeRecord t;
  t.entry_refund = entry_maker_;
  if (t.entry_refund) pnl_pct_raw += m.maker_rebate;
  if (!stop) {
    t.exit_refund = x.maker;
    if (t.exit_refund) pnl_pct_raw += m.maker_rebate;
  }
  if (ob_ != nullptr) {
    // A real order book: the placement's edge, no draw (bible §8.3).
    ObPlacement pl;
    const double edge = ob_->placement(pos.asset, pl) ? ob_edge_pct(pl, p_.fees, obp_) : 0.0;
    t.ob_edge = edge > 0.0;
    pnl_pct_raw += edge;
  } else {
    t.ob_edge = x.improved;  // the venue's legacy Monte Carlo edge
    if (t.ob_edge) pnl_pct_raw += m.edge;
  }
  const double gross = pnl_pct_raw * pos.notional;
  const double entry_fee = m.entry_fee_rate * pos.notional;
  const double exit_fee = (stop ? m.stop_exit_fee_rate : m.exit_fee_rate) * pos.notional;
  t.exit_price = exit_price;
  t.gross_pnl = gross;
  t.fees = entry_fee + exit_fee;
  t.net_pnl = (gross - entry_fee) - exit_fee;
  finish_trade(t, pos, x);
}

// The fills' accounting: VWAP prices, the filled notional, the reported fees. A partial exit closes
// that part as a trade; the rest stays open and is managed again.
void DolphinStrategy::close_trade_fills(Qty exited) noexcept {
  OpenPosition pos = *position_;
  const PendingExit x = *pending_exit_;
  const double exited_qty = x.filled_qty;
  const double held_qty = pos.qty.to_double();
  const double share = held_qty > 0.0 ? std::min(1.0, exited_qty / held_qty) : 1.0;
  TradeRecord t;
  t.exit_price = x.filled_value / x.filled_qty;
  const double entry_notional = pos.notional * share;
  t.gross_pnl = pos.direction * (t.exit_price - pos.entry_price) * exited_qty;
  t.fees = entry_fees_ * share + x.fees;
  t.net_pnl = t.gross_pnl - t.fees;
  OpenPosition closed = pos;
  closed.notional = entry_notional;
  if (exited < pos.qty) {  // the rest stays open
    pos.qty = pos.qty - exited;
    pos.notional -= entry_notional;
    entry_fees_ -= entry_fees_ * share;
    finish_trade(t, closed, x);
    position_ = pos;
    return;
  }
  finish_trade(t, closed, x);
}

void DolphinStrategy::finish_trade(TradeRecord& t, const OpenPosition& pos, const PendingExit& x) noexcept {
  capital_ += t.net_pnl;
  t.asset = pos.asset;
  t.direction = pos.direction;
  t.entry_time = pos.entry_time;
  t.exit_time = x.bar_time;
  t.entry_price = pos.entry_price;
  t.notional = pos.notional;
  t.leverage = pos.leverage;
  t.fraction = pos.fraction;
  t.bucket = pos.bucket;
  t.reason = x.reason;
  record_trade(t);
  sizer_.record_trade(pos.bucket, t.net_pnl > 0.0);
  mc_.record_trade(utc_day_number(x.bar_time), t.net_pnl / pos.capital_before);
  position_.reset();
  pending_exit_.reset();
}

void DolphinStrategy::try_entry(const BarTime& bar, double vel_div) noexcept {
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

  // Sizing (bible §6, DOLPHIN.md §8 evaluation order): DolphinSizer, through the engine's order path.
  Intent entry;
  entry.kind = IntentKind::kOrder;
  entry.instrument = static_cast<InstrumentId>(asset);
  entry.side = regime == Direction::kShort ? Side::kSell : Side::kBuy;
  entry.type = OrderType::kLimit;
  entry.tif = TimeInForce::kGtc;
  const auto close = price_from_double(bar.closes[asset]);
  if (!close.ok()) return;
  entry.limit_price = close.value();
  entry.sizing_price = close.value();
  entry.lot = asset < lots_.size() ? lots_[asset] : Qty::from_raw(1);
  entry.hints.signal = vel_div;
  entry.hints.multipliers[0] = dc_mult;
  entry.hints.multipliers[1] = regime_size_mult_;
  entry.hints.multipliers[2] = ob_mult;
  entry.hints.flags = static_cast<std::uint8_t>((gate.is_extreme ? DolphinSizer::kExtreme : 0) |
                                                (posture_ == Posture::kStalker ? DolphinSizer::kStalker : 0));
  const SubmitResult sent = entry_->submit(entry);
  if (!sent.sent()) {
    ++stats_.entries_refused;
    return;
  }
  PendingEntry pending;
  pending.order_id = sent.order_id;
  pending.bar_time = bar.open_time;
  OpenPosition& pos = pending.pos;
  pos.asset = static_cast<std::uint32_t>(asset);
  pos.direction = sign_of(regime);
  pos.entry_time = bar.open_time;
  pos.entry_bar = bar_index_;
  pos.entry_price = bar.closes[asset];
  pos.notional = sent.sizing.notional;
  pos.leverage = sent.sizing.leverage;
  pos.fraction = sent.sizing.fraction;
  pos.bucket = sent.sizing.bucket;
  pos.capital_before = capital_;
  pos.qty = sent.sizing.qty;
  pending_entry_ = pending;
}
void DolphinStrategy::record_trade(const TradeRecord& t) noexcept {
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

void DolphinStrategy::record_equity(Nanos bar_time) noexcept {
  double equity = capital_;
  if (position_) {
    const OpenPosition& pos = *position_;
    const double price = last_close_[pos.asset];
    equity = capital_ + pos.notional * (pos.direction * (price - pos.entry_price) / pos.entry_price);
  }
  last_equity_ = equity;
  if (equity > peak_equity_) peak_equity_ = equity;
  digest_.add_double(equity);
  if (equity_.size() < equity_.capacity()) equity_.push_back(EquityPoint{bar_time, equity, capital_});
  else overflow_ = true;
  equity_due_ = false;
}

}  // namespace keel::dolphin
