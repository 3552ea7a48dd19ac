#include "keel/core/engine/engine.hpp"

#include <algorithm>
#include <cmath>

namespace keel {

SizingDecision ExplicitQtySizer::size(const Intent& intent, const Portfolio& /*portfolio*/) noexcept {
  SizingDecision d;
  d.ok = intent.qty.is_positive();
  d.qty = intent.qty;
  return d;
}

namespace {
EngineConfig tracking_only(std::size_t instrument_count) {
  EngineConfig c;
  c.instrument_count = instrument_count;
  c.oms_capacity = 16;
  c.command_ring = 16;
  return c;
}
}  // namespace

Engine::Engine(std::size_t instrument_count) : Engine(tracking_only(instrument_count)) {}

Engine::Engine(const EngineConfig& config)
    : instruments_(config.instrument_count),
      batch_closes_(config.instrument_count, 0.0),
      risk_(config.risk),
      oms_(config.oms_capacity, config.instrument_count, config.ack_timeout),
      portfolio_(config.instrument_count, config.initial_cash),
      commands_(config.command_ring),
      flatten_(config.instrument_count),
      lots_(config.instrument_count, 1),
      ramp_(config.capital_ramp),
      flatten_max_failures_(std::max(config.flatten_max_failures, 1)) {
  batch_members_.reserve(config.instrument_count);
  for (std::size_t i = 0; i < lots_.size() && i < config.lot_sizes.size(); ++i)
    if (config.lot_sizes[i].is_positive()) lots_[i] = config.lot_sizes[i].raw();
  if (config.venue_session) risk_.set_venue_gate(VenueGate::kDown);
  risk_.set_exposure_scale(ramp_.fraction());
  if (config.book_levels > 0)
    books_ = std::make_unique<book::BookReplicas>(config.instrument_count, config.book_levels);
  if (config.trade_bar_interval > 0) {
    bar_builder_ = std::make_unique<BarBuilder>(config.instrument_count, config.trade_bar_interval);
    built_bars_.resize(std::max<std::size_t>(config.instrument_count, 1));
  }
}

void Engine::set_strategy(Strategy* strategy, Sizer* sizer) noexcept {
  strategy_ = strategy;
  sizer_ = sizer;
  if (strategy_ != nullptr) strategy_->attach(*this);
}

void Engine::on_event(const Event& event) noexcept {
  ++stats_.events;
  clock_.advance_to(event.header.ts_local);
  if (ramp_.enabled() && ramp_.on_time(clock_.now())) risk_.set_exposure_scale(ramp_.fraction());
  if (bar_builder_ != nullptr) {
    // Bars from trades: an interval closes before the event that shows it has ended (a trade of a
    // later interval, or any event whose exchange time has passed its end) is handled.
    const std::size_t n = event.header.kind == EventKind::kTrade
                              ? bar_builder_->on_trade(event.trade, built_bars_)
                              : (event.header.ts_exchange > 0 && event.header.kind != EventKind::kBar
                                     ? bar_builder_->close_until(event.header.ts_exchange, built_bars_)
                                     : 0);
    if (n > 0) on_built_bars(n);
  }
  switch (event.header.kind) {
    case EventKind::kBar:
      on_bar(event.bar);
      break;
    case EventKind::kTrade:
      if (event.trade.header.instrument >= instruments_.size() || !event.trade.price.is_positive()) {
        ++stats_.rejected_events;
        break;
      }
      on_market_price(event.trade.header.instrument, event.trade.price);
      if (strategy_ != nullptr) strategy_->on_trade(event.trade);
      break;
    case EventKind::kBookTop: {
      const BookTop& t = event.book_top;
      // A side the venue has emptied comes as price 0, quantity 0: no mid to take, nothing wrong.
      const bool one_sided = t.header.instrument < instruments_.size() &&
                             ((t.bid_price.raw() == 0 && t.bid_qty.raw() == 0) || (t.ask_price.raw() == 0 && t.ask_qty.raw() == 0));
      if (one_sided) {
        ++stats_.ignored_events;
        break;
      }
      if (t.header.instrument >= instruments_.size() || !t.bid_price.is_positive() || !t.ask_price.is_positive() ||
          t.bid_price > t.ask_price) {
        ++stats_.rejected_events;
        break;
      }
      on_market_price(t.header.instrument, Price::from_raw(t.bid_price.raw() + (t.ask_price.raw() - t.bid_price.raw()) / 2));
      if (strategy_ != nullptr) strategy_->on_book_top(t);
      break;
    }
    case EventKind::kExecReport:
      on_report(event.exec);
      break;
    case EventKind::kTimer:
      if (strategy_ != nullptr) strategy_->on_timer(event.timer);
      else ++stats_.ignored_events;
      break;
    case EventKind::kControl:
      if (static_cast<ControlKind>(event.header.subtype) == ControlKind::kBookState) on_book_event(event);
      else on_control(event.control);
      break;
    case EventKind::kBookLevel:
      on_book_event(event);
      break;
    case EventKind::kFeedHealth:
      if (strategy_ != nullptr) strategy_->on_feed_health(event.feed_health);
      else ++stats_.ignored_events;
      break;
    case EventKind::kExternalFactor:
      if (strategy_ != nullptr) strategy_->on_external_factor(event.factor);
      else ++stats_.ignored_events;
      break;
    default:
      ++stats_.ignored_events;
      break;
  }
  after_event();
}

void Engine::after_event() noexcept {
  send_status_queries();
  if (risk_.kill_switch_trips() != seen_kill_trips_) {  // the operator's, or the daily-loss limit's
    seen_kill_trips_ = risk_.kill_switch_trips();
    breach();
  }
  if (reconciling()) finish_reconcile_if_done();
  if (sweep_due_) sweep_cancels();
  if (flattening_) flatten_step();
}

void Engine::breach() noexcept {
  if (ramp_.on_breach(clock_.now())) risk_.set_exposure_scale(ramp_.fraction());
}

std::size_t Engine::poll(SpscRing<Event>& ring, std::size_t max_events) noexcept {
  std::size_t n = 0;
  while (n < max_events) {
    const Event* e = ring.front();
    if (e == nullptr) break;
    on_event(*e);
    ring.pop();
    ++n;
  }
  return n;
}

void Engine::finish() noexcept {
  if (finished_) return;
  if (batch_open_) close_bar_time();
  finished_ = true;
  if (strategy_ != nullptr) strategy_->on_finish();
}

void Engine::on_built_bars(std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) on_bar(built_bars_[i].bar);
}

void Engine::on_book_event(const Event& event) noexcept {
  if (books_ == nullptr) {
    ++stats_.ignored_events;
    return;
  }
  const InstrumentId id = event.header.instrument;
  if (id >= instruments_.size()) {
    ++stats_.rejected_events;
    return;
  }
  (void)books_->on_event(event);
  // The strategy hears of a book once it is whole again: at a batch's end, or a state change.
  const bool complete = event.header.kind == EventKind::kControl || (event.header.flags & kFlagEndOfBatch) != 0;
  if (complete && strategy_ != nullptr) strategy_->on_book(id, *books_);
}

void Engine::on_control(const Control& control) noexcept {
  switch (static_cast<ControlKind>(control.header.subtype)) {
    case ControlKind::kEndOfData:
      if (batch_open_) close_bar_time();
      return;
    case ControlKind::kTradingState:
      if (control.value < 0 || control.value > kMaxTradingState) {
        ++stats_.rejected_events;
        return;
      }
      risk_.set_state(static_cast<TradingState>(control.value));
      if (flattening_ && static_cast<TradingState>(control.value) != TradingState::kReducing) {
        flattening_ = false;  // the operator resumed (or halted): the flatten stops here
        ++stats_.flattens_stopped;
      }
      break;
    case ControlKind::kKillSwitch:
      // value 1: the operator's (a breach: the capital ramp steps back); kKillSwitchShutdown: an
      // orderly stop's cancel-all, which breaches nothing.
      risk_.set_kill_switch(control.value != 0, control.value != kKillSwitchShutdown);
      if (control.value != 0 && !kill_cancel_) ++stats_.kill_switch_engaged;
      kill_cancel_ = control.value != 0;
      sweep_due_ = sweep_due_ || kill_cancel_;
      break;
    case ControlKind::kFlatten:
      start_flatten();
      break;
    case ControlKind::kVenueSession:
      if (control.value < static_cast<std::int64_t>(VenueSessionState::kDown) ||
          control.value > static_cast<std::int64_t>(VenueSessionState::kVenueReconciled)) {
        ++stats_.rejected_events;
        return;
      }
      if (!on_venue_session(control)) return;  // ignored (counted): not passed on
      break;
    default:
      if (strategy_ != nullptr) strategy_->on_control(control);
      else ++stats_.ignored_events;
      return;
  }
  // The engine acted; the strategy hears of it.
  if (strategy_ != nullptr) strategy_->on_control(control);
}

bool Engine::on_venue_session(const Control& control) noexcept {
  const Nanos now = clock_.now();
  switch (static_cast<VenueSessionState>(control.value)) {
    case VenueSessionState::kDown:
      risk_.set_venue_gate(VenueGate::kDown);  // a reconciliation in progress is abandoned
      venue_reconciled_ = false;
      ++stats_.venue_downs;
      return true;
    case VenueSessionState::kLoggedOn: {
      risk_.set_venue_gate(VenueGate::kReconciling);
      venue_reconciled_ = false;
      logon_at_ = now;
      ++stats_.reconciliations;
      // A status query for every live order. One that does not fit the ring is counted (ring_full)
      // and asked again one ack timeout later, as any query (the OMS watches its id).
      oms_.begin_reconcile();
      OrderCommand q;
      while (oms_.next_reconcile_query(now, q)) (void)emit(q);
      sweep_due_ = sweep_due_ || cancel_wanted();  // cancels held back while the session was down
      return true;
    }
    case VenueSessionState::kVenueReconciled:
      if (!reconciling()) {
        ++stats_.rejected_events;  // no logon to go with it: out of sequence, ignored
        return false;
      }
      venue_reconciled_ = true;
      stats_.venue_unknown_orders =
          std::isfinite(control.real) && control.real > 0.0 ? static_cast<std::uint64_t>(std::min(control.real, 1e18)) : 0;
      if (stats_.venue_unknown_orders > 0) risk_.set_state(TradingState::kReducing);
      return true;
  }
  return false;
}

void Engine::finish_reconcile_if_done() noexcept {
  if (!venue_reconciled_ || oms_.awaiting_reconcile() != 0) return;
  risk_.set_venue_gate(VenueGate::kOpen);
  const Nanos took = clock_.now() - logon_at_;
  stats_.reconcile_last = took;
  stats_.reconcile_max = std::max(stats_.reconcile_max, took);
  ++stats_.reconciliations_done;
  sweep_due_ = sweep_due_ || cancel_wanted();
}

bool Engine::control_cancel(const OmsOrder& order) noexcept {
  if (order.tag == kFlattenTag || !order.live()) return true;  // flatten orders are IOC: they end by themselves
  const Nanos now = clock_.now();
  OrderCommand c;
  if (!oms_.make_cancel(order.order_id, c, now)) return true;  // not amendable yet: a later report
  // Through risk like every command (a cancel always passes: taking risk off is never blocked).
  if (risk_.check(c, RiskExposure{}, now) != RiskReject::kNone || !emit(c)) {
    oms_.withdraw(order.order_id);
    sweep_due_ = true;
    return false;
  }
  if (kill_cancel_) ++stats_.kill_switch_cancels;
  else ++stats_.flatten_cancels;
  return true;
}

void Engine::sweep_cancels() noexcept {
  sweep_due_ = false;
  if (!cancel_wanted()) return;
  const std::span<const OmsOrder> orders = oms_.slots();
  for (std::size_t i = 0; i < orders.size(); ++i)
    if (orders[i].live() && !control_cancel(orders[i])) return;  // ring full: again after the next event
}

void Engine::start_flatten() noexcept {
  ++stats_.flattens;
  flattening_ = true;
  risk_.set_state(TradingState::kReducing);
  for (FlattenPosition& f : flatten_) f = FlattenPosition{};
  sweep_due_ = true;
  breach();
}

std::int64_t Engine::flatten_chunk(InstrumentId instrument) const noexcept {
  // The largest quantity one closing order may have: max_order_qty, and max_order_notional at the
  // reference price (risk prices a market order there), checked the way risk checks them (doubles),
  // rounded down to the lot. 0 when nothing fits.
  const RiskLimits& l = risk_.limits();
  const double ref = instruments_[instrument].reference.to_double();
  constexpr double kMaxUnits = 9.0e10;  // below INT64_MAX / 10^8
  const auto floor_raw = [](double units, auto fits) {
    if (!(units > 0.0)) return std::int64_t{0};
    if (units >= kMaxUnits) return INT64_MAX;
    auto raw = static_cast<std::int64_t>(std::floor(units * static_cast<double>(kScale)));
    while (raw > 0 && !fits(raw)) --raw;
    return raw;
  };
  std::int64_t cap = INT64_MAX;
  if (l.max_order_qty > 0.0)
    cap = std::min(cap, floor_raw(l.max_order_qty, [&](std::int64_t r) { return Qty::from_raw(r).to_double() <= l.max_order_qty; }));
  if (l.max_order_notional > 0.0 && ref > 0.0)
    cap = std::min(cap, floor_raw(l.max_order_notional / ref, [&](std::int64_t r) {
                     return Qty::from_raw(r).to_double() * ref <= l.max_order_notional;
                   }));
  const std::int64_t lot = lots_[instrument];
  return cap - cap % lot;
}

void Engine::flatten_failed(InstrumentId instrument) noexcept {
  ++stats_.flatten_failures;
  FlattenPosition& f = flatten_[instrument];
  if (++f.failures >= flatten_max_failures_ && !f.gave_up) {
    f.gave_up = true;
    ++stats_.flatten_gave_up;
  }
}

void Engine::flatten_step() noexcept {
  if (risk_.venue_gate() != VenueGate::kOpen) return;  // nothing new can go out: later
  const Nanos now = clock_.now();
  bool done = oms_.open_orders() == 0;
  for (InstrumentId i = 0; i < flatten_.size(); ++i) {
    const std::int64_t position = portfolio_.position(i).qty.raw();
    if (position == 0 || flatten_[i].gave_up) continue;
    const Side side = position > 0 ? Side::kSell : Side::kBuy;
    const std::int64_t size = position > 0 ? position : -position;
    while (!flatten_[i].gave_up) {
      // Reduce-only: this order and every working order on its side together never exceed the
      // position, so all of them filling leaves it flat at most — never flipped, never larger.
      const std::int64_t open = size - oms_.working(i, side).raw();
      if (open <= 0) break;
      const std::int64_t chunk = flatten_chunk(i);
      if (chunk <= 0) {
        if (!instruments_[i].reference.is_positive()) break;  // no price yet: wait for one
        flatten_failed(i);  // the limits allow no order at all: counted (one per event), given up in the end
        break;
      }
      OrderCommand c;
      c.ts = now;
      c.instrument = i;
      c.action = OrderAction::kNew;
      c.side = side;
      c.type = OrderType::kMarket;
      c.tif = TimeInForce::kIoc;
      c.qty = Qty::from_raw(std::min(open, chunk));
      const RiskReject verdict = risk_.check(c, exposure(i), now);
      if (verdict == RiskReject::kRateLimit || verdict == RiskReject::kMaxOpenOrders ||
          verdict == RiskReject::kNoReferencePrice || verdict == RiskReject::kVenueDown ||
          verdict == RiskReject::kReconciling)
        break;  // transient: a later event tries again
      if (verdict != RiskReject::kNone) {
        flatten_failed(i);
        break;
      }
      if (!oms_.add_new(c, kFlattenTag, now)) {
        ++stats_.oms_refused;
        return;
      }
      if (!emit(c)) {
        oms_.abandon(c.client_order_id);
        return;
      }
      ++flatten_live_;
      ++stats_.flatten_orders;
    }
    done = done && flatten_[i].gave_up;  // a position still open: not done (an order just sent is open too)
  }
  if (done && flatten_live_ == 0) {
    flattening_ = false;
    ++stats_.flattens_done;
  }
}

void Engine::on_market_price(InstrumentId instrument, Price price) noexcept {
  instruments_[instrument].reference = price;
  portfolio_.mark(instrument, price);
}

void Engine::on_report(const ExecReport& report) noexcept {
  ++stats_.exec_reports;
  if (report.header.instrument != kNoInstrument && report.header.instrument >= instruments_.size()) {
    ++stats_.rejected_events;  // names an instrument this core does not have
    return;
  }
  digest_.add_bytes(&report, sizeof report);
  const OmsOrder* before = oms_.find(report.client_order_id);
  const bool flatten_live_before = before != nullptr && before->live() && before->tag == kFlattenTag;
  const ReportResult r = oms_.on_report(report);
  if (flatten_live_before && r.order != nullptr && !r.order->live()) {
    --flatten_live_;
    if (flattening_ && r.order->cum.is_zero()) flatten_failed(r.order->instrument);  // nothing filled
  }
  if (r.fill && r.order != nullptr) {
    (void)portfolio_.apply_fill(r.order->instrument, r.order->side, report.last_price, report.last_qty, report.fee);
    const InstrumentState& s = instruments_[r.order->instrument];
    const Price close = s.last_close.is_positive() ? s.last_close : s.reference;
    if (close.is_positive()) {
      const double notional = report.last_price.to_double() * report.last_qty.to_double();
      const double cost = (report.last_price.to_double() - close.to_double()) / close.to_double();
      stats_.filled_notional += notional;
      stats_.slippage_notional += (r.order->side == Side::kBuy ? cost : -cost) * notional;
    }
    risk_.on_equity(portfolio_.equity().to_double(), clock_.now());
  }
  // Kill switch / flatten: an order that has just become amendable (an ack, an answer, a status
  // answer) is canceled now.
  if (r.order != nullptr && r.order->live() && cancel_wanted()) control_cancel(*r.order);
  // The strategy hears of what the OMS took in; duplicates, invalid and unknown reports stop here
  // (counted in the OMS), so a strategy never sees a fill twice.
  if (strategy_ != nullptr && r.order != nullptr && (r.outcome == ReportOutcome::kApplied || r.outcome == ReportOutcome::kOutOfOrder))
    strategy_->on_exec_report(report, *r.order);
}

void Engine::on_bar(const Bar& bar) noexcept {
  const InstrumentId id = bar.header.instrument;
  const Nanos t = bar.header.ts_exchange;
  const bool bad_prices = !bar.open.is_positive() || !bar.high.is_positive() || !bar.low.is_positive() ||
                          !bar.close.is_positive();
  if (id >= instruments_.size() || bad_prices || (batch_open_ && t < batch_time_) ||
      (!batch_open_ && stats_.bar_times > 0 && t <= stats_.last_bar_time)) {
    ++stats_.rejected_events;
    return;
  }
  if (batch_open_ && t > batch_time_) close_bar_time();  // a batch without its end flag
  if (!batch_open_) {
    batch_open_ = true;
    batch_time_ = t;
  }
  InstrumentState& s = instruments_[id];
  if (s.batch_close.is_zero()) {
    batch_members_.push_back(id);
  }  // a repeated bar for the same instrument and time replaces the earlier one
  s.batch_close = bar.close;
  on_market_price(id, bar.close);
  ++stats_.bar_events;
  if (bar.header.ts_local > batch_close_time_) batch_close_time_ = bar.header.ts_local;
  if ((bar.header.flags & kFlagEndOfBatch) != 0) close_bar_time();
}

void Engine::close_bar_time() noexcept {
  // Equal-weight index: mean log return of the instruments that have a bar now and a close before.
  double sum = 0.0;
  std::uint64_t counted = 0;
  for (const InstrumentId id : batch_members_) {
    InstrumentState& s = instruments_[id];
    if (s.last_close.is_positive()) {
      sum += std::log(s.batch_close.to_double() / s.last_close.to_double());
      ++counted;
    }
    batch_closes_[id] = s.batch_close.to_double();
  }
  const double index_return = counted > 0 ? sum / static_cast<double>(counted) : 0.0;
  stats_.index_log_return += index_return;
  if (stats_.bar_times == 0) stats_.first_bar_time = batch_time_;
  stats_.last_bar_time = batch_time_;
  ++stats_.bar_times;
  stats_.missing_bars += instruments_.size() - batch_members_.size();

  digest_.add_i64(batch_time_);
  digest_.add_u64(batch_members_.size());
  digest_.add_double(index_return);
  risk_.on_equity(portfolio_.equity().to_double(), batch_close_time_);

  if (strategy_ != nullptr) strategy_->on_bar_time(BarTime{batch_time_, batch_close_time_, batch_closes_});

  for (const InstrumentId id : batch_members_) {
    InstrumentState& s = instruments_[id];
    s.last_close = s.batch_close;
    s.batch_close = Price{};
    batch_closes_[id] = 0.0;
  }
  batch_members_.clear();
  batch_open_ = false;
  batch_close_time_ = 0;
}

RiskExposure Engine::exposure(InstrumentId instrument) const noexcept {
  RiskExposure x;
  x.reference_price = instruments_[instrument].reference.to_double();
  x.position = portfolio_.position(instrument).qty.to_double();
  x.working_buy = oms_.working(instrument, Side::kBuy).to_double();
  x.working_sell = oms_.working(instrument, Side::kSell).to_double();
  x.gross_exposure = portfolio_.gross_exposure();
  x.open_orders = oms_.open_orders();
  x.book_stale = books_ != nullptr && risk_.limits().require_usable_book && !books_->usable(instrument);
  return x;
}

bool Engine::emit(const OrderCommand& command) noexcept {
  if (!commands_.try_push(command)) {
    ++stats_.ring_full;
    return false;
  }
  digest_.add_bytes(&command, sizeof command);
  ++stats_.commands;
  return true;
}

void Engine::send_status_queries() noexcept {
  OrderCommand q;
  // A query that does not fit the ring is counted (ring_full) and asked again one ack timeout later
  // (the OMS watches the query's id like any request).
  while (oms_.next_status_query(clock_.now(), q)) (void)emit(q);
}

SubmitResult Engine::submit(const Intent& intent) noexcept {
  ++stats_.intents;
  SubmitResult result;
  const Nanos now = clock_.now();
  if (intent.kind == IntentKind::kCancel || intent.kind == IntentKind::kReplace) {
    OrderCommand c;
    const bool made = intent.kind == IntentKind::kCancel
                          ? oms_.make_cancel(intent.order_id, c, now)
                          : oms_.make_replace(intent.order_id, intent.limit_price, intent.qty, c, now);
    if (!made) {
      ++stats_.oms_refused;
      result.status = SubmitStatus::kOmsRefused;
      return result;
    }
    // Cancels always pass risk (which reads no exposure for them: none is computed). A replace is
    // checked as the order it becomes: its new leaves, against an exposure without its own current
    // leaves (else it would count twice).
    RiskExposure x;
    OrderCommand checked = c;
    if (intent.kind == IntentKind::kReplace) {
      x = exposure(c.instrument);
      const OmsOrder* o = oms_.find(intent.order_id);
      const double own = o != nullptr ? (o->qty - o->cum).to_double() : 0.0;
      (c.side == Side::kBuy ? x.working_buy : x.working_sell) -= own;
      if (o != nullptr) checked.qty = c.qty - o->cum;
    }
    result.risk = risk_.check(checked, x, now);
    if (result.risk != RiskReject::kNone) {
      result.status = SubmitStatus::kRiskRejected;
      oms_.withdraw(intent.order_id);  // the request never left: the order is as it was
      return result;
    }
    result.order_id = intent.order_id;
    if (!emit(c)) {
      oms_.withdraw(intent.order_id);
      result.status = SubmitStatus::kRingFull;
      return result;
    }
    result.status = SubmitStatus::kSent;
    return result;
  }
  if (intent.kind != IntentKind::kOrder || intent.instrument >= instruments_.size() || intent.tag == kFlattenTag) {
    result.status = SubmitStatus::kInvalid;
    return result;
  }
  Sizer& sizer = sizer_ != nullptr ? *sizer_ : static_cast<Sizer&>(explicit_sizer_);
  result.sizing = intent.qty.is_positive() ? explicit_sizer_.size(intent, portfolio_) : sizer.size(intent, portfolio_);
  if (!result.sizing.ok || !result.sizing.qty.is_positive()) {
    ++stats_.sizing_refused;
    result.status = SubmitStatus::kSizingRefused;
    return result;
  }
  OrderCommand c;
  c.ts = now;
  c.instrument = intent.instrument;
  c.action = OrderAction::kNew;
  c.side = intent.side;
  c.type = intent.type;
  c.tif = intent.tif;
  c.post_only = intent.post_only ? 1 : 0;
  c.price = intent.type == OrderType::kLimit ? intent.limit_price : Price{};
  c.qty = result.sizing.qty;
  result.risk = risk_.check(c, exposure(c.instrument), now);
  if (result.risk != RiskReject::kNone) {
    result.status = SubmitStatus::kRiskRejected;
    return result;
  }
  if (!oms_.add_new(c, intent.tag, now)) {
    ++stats_.oms_refused;
    result.status = SubmitStatus::kOmsRefused;
    return result;
  }
  result.order_id = c.client_order_id;
  if (!emit(c)) {
    oms_.abandon(c.client_order_id);
    result.status = SubmitStatus::kRingFull;
    return result;
  }
  result.status = SubmitStatus::kSent;
  return result;
}

}  // namespace keel
