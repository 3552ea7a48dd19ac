#include "keel/core/oms/order_manager.hpp"

#include "keel/core/primitives/assert.hpp"

namespace keel {

std::string_view to_string(ReportOutcome outcome) noexcept {
  switch (outcome) {
    case ReportOutcome::kApplied: return "applied";
    case ReportOutcome::kDuplicate: return "duplicate";
    case ReportOutcome::kOutOfOrder: return "out_of_order";
    case ReportOutcome::kInvalid: return "invalid";
    case ReportOutcome::kUnknownOrder: return "unknown_order";
  }
  return "";
}

OrderManager::OrderManager(std::size_t capacity, std::size_t instrument_count, Nanos ack_timeout)
    : orders_(capacity),
      retired_(capacity),
      ids_(capacity * 4),
      execs_(kExecMemory),
      exec_fifo_(kExecMemory, 0),
      working_(instrument_count * 2, 0),
      watch_(capacity * 4),
      ack_timeout_(ack_timeout) {
  free_.reserve(capacity);
  for (std::size_t i = capacity; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

OmsOrder* OrderManager::lookup(std::uint32_t id) noexcept {
  if (id == 0) return nullptr;
  const std::uint32_t* slot = ids_.find(id);
  return slot != nullptr ? &orders_[*slot] : nullptr;
}

const OmsOrder* OrderManager::find(std::uint32_t id) const noexcept {
  if (id == 0) return nullptr;
  const std::uint32_t* slot = ids_.find(id);
  return slot != nullptr ? &orders_[*slot] : nullptr;
}

Qty OrderManager::working(InstrumentId instrument, Side side) const noexcept {
  const std::size_t i = static_cast<std::size_t>(instrument) * 2 + (side == Side::kSell ? 1 : 0);
  return i < working_.size() ? Qty::from_raw(working_[i]) : Qty{};
}

void OrderManager::add_working(const OmsOrder& o, std::int64_t sign) noexcept {
  const std::size_t i = static_cast<std::size_t>(o.instrument) * 2 + (o.side == Side::kSell ? 1 : 0);
  if (i < working_.size()) working_[i] += sign * o.leaves().raw();
}

bool OrderManager::take_slot(std::uint32_t& slot) noexcept {
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
    return true;
  }
  if (retired_count_ == 0) return false;  // every slot is live
  slot = retired_[retired_head_];
  retired_head_ = (retired_head_ + 1) % retired_.size();
  --retired_count_;
  forget_ids(orders_[slot]);
  return true;
}

void OrderManager::forget_ids(const OmsOrder& o) noexcept {
  // Every id an order ever had maps to its slot until the slot is reused; erase those still mapped.
  // Ids between order_id and the last request are not tracked one by one: the order's own ids are.
  (void)ids_.erase(o.order_id);
  if (o.current_id != o.order_id) (void)ids_.erase(o.current_id);
  if (o.pending_id != 0 && o.pending_id != o.current_id && o.pending_id != o.order_id) (void)ids_.erase(o.pending_id);
  if (o.query_id != 0) (void)ids_.erase(o.query_id);
  if (o.orphan_id != 0) (void)ids_.erase(o.orphan_id);
}

void OrderManager::set_status(OmsOrder& o, OrderStatus s) noexcept {
  const bool was_live = o.live();
  if (was_live) add_working(o, -1);
  o.status = s;
  if (o.live()) add_working(o, +1);
  if (was_live && is_terminal(s)) {
    --open_;
    if (o.reconcile) {  // ended: nothing left to reconcile
      o.reconcile = false;
      --reconcile_awaiting_;
    }
    switch (s) {
      case OrderStatus::kFilled: ++stats_.filled; break;
      case OrderStatus::kCanceled: ++stats_.canceled; break;
      case OrderStatus::kRejected: ++stats_.rejected; break;
      case OrderStatus::kExpired: ++stats_.expired; break;
      default: break;
    }
    const auto slot = static_cast<std::uint32_t>(&o - orders_.data());
    retired_[(retired_head_ + retired_count_) % retired_.size()] = slot;
    ++retired_count_;
    KEEL_ASSERT(retired_count_ <= retired_.size());
  }
}

bool OrderManager::push_watch(std::uint32_t slot, std::uint32_t id, Nanos due) noexcept {
  if (ack_timeout_ <= 0) return true;
  if (watch_count_ == watch_.size()) return false;  // more unanswered requests than 4 per slot
  watch_[(watch_head_ + watch_count_) % watch_.size()] = Watch{slot, id, due};
  ++watch_count_;
  return true;
}

void OrderManager::begin_pending(OmsOrder& o, OrderAction action, std::uint32_t id, Nanos now) noexcept {
  const auto slot = static_cast<std::uint32_t>(&o - orders_.data());
  const bool mapped = ids_.insert(id, slot);
  KEEL_ASSERT(mapped);  // at most four ids per slot in a table of four per slot: never full
  (void)mapped;
  o.pending = action;
  o.pending_id = id;
  o.sent_at = now;
  if (!push_watch(slot, id, now + ack_timeout_)) ++stats_.watch_overflow;
}

void OrderManager::end_pending(OmsOrder& o) noexcept {
  // The answered request's id is forgotten unless it names the order (its first or current id).
  if (o.pending_id != 0 && o.pending_id != o.order_id && o.pending_id != o.current_id) (void)ids_.erase(o.pending_id);
  if (o.query_id != 0) (void)ids_.erase(o.query_id);
  o.pending = OrderAction::kNone;
  o.pending_id = 0;
  o.query_id = 0;
}

void OrderManager::leave_unknown(OmsOrder& o, Nanos now) noexcept {
  // The venue knows the order (an ack or a fill arrived). A new order's request is answered; a
  // cancel or replace is still unanswered: back to waiting for it, watched again.
  const OrderStatus live = o.cum.is_zero() ? OrderStatus::kNew : OrderStatus::kPartiallyFilled;
  if (o.pending == OrderAction::kCancel || o.pending == OrderAction::kReplace) {
    if (o.query_id != 0) (void)ids_.erase(o.query_id);
    o.query_id = 0;
    o.settled = live;
    set_status(o, o.pending == OrderAction::kCancel ? OrderStatus::kPendingCancel : OrderStatus::kPendingReplace);
    if (!push_watch(static_cast<std::uint32_t>(&o - orders_.data()), o.pending_id, now + ack_timeout_))
      ++stats_.watch_overflow;
    return;
  }
  end_pending(o);
  set_status(o, live);
}

bool OrderManager::add_new(OrderCommand& command, std::uint32_t tag, Nanos now) noexcept {
  std::uint32_t slot = 0;
  if (!take_slot(slot)) {
    ++stats_.table_full;
    return false;
  }
  const std::uint32_t id = next_id();
  OmsOrder& o = orders_[slot];
  o = OmsOrder{};
  o.order_id = id;
  o.current_id = id;
  o.tag = tag;
  o.instrument = command.instrument;
  o.side = command.side;
  o.type = command.type;
  o.tif = command.tif;
  o.price = command.price;
  o.qty = command.qty;
  o.created_at = now;
  o.settled = OrderStatus::kNew;
  ++open_;
  o.status = OrderStatus::kNone;
  set_status(o, OrderStatus::kPendingNew);
  begin_pending(o, OrderAction::kNew, id, now);
  command.client_order_id = id;
  command.orig_client_order_id = 0;
  command.action = OrderAction::kNew;
  ++stats_.orders;
  return true;
}

OmsOrder* OrderManager::amendable(std::uint32_t order_id) noexcept {
  OmsOrder* o = lookup(order_id);
  if (o == nullptr || !o->live() || o->pending != OrderAction::kNone || o->status == OrderStatus::kUnknown) return nullptr;
  return o;
}

void OrderManager::begin_amend(OmsOrder& o, OrderAction action, Price price, Qty qty, OrderCommand& command,
                               Nanos now) noexcept {
  const std::uint32_t id = next_id();
  command = OrderCommand{};
  command.ts = now;
  command.client_order_id = id;
  command.orig_client_order_id = o.current_id;
  command.instrument = o.instrument;
  command.action = action;
  command.side = o.side;
  command.type = o.type;
  command.tif = o.tif;
  command.price = price;
  command.qty = qty;
  o.settled = o.status;
  set_status(o, action == OrderAction::kCancel ? OrderStatus::kPendingCancel : OrderStatus::kPendingReplace);
  begin_pending(o, action, id, now);
}

bool OrderManager::make_cancel(std::uint32_t order_id, OrderCommand& command, Nanos now) noexcept {
  OmsOrder* o = amendable(order_id);
  if (o == nullptr) return false;
  begin_amend(*o, OrderAction::kCancel, o->price, o->qty, command, now);
  ++stats_.cancels;
  return true;
}

bool OrderManager::make_replace(std::uint32_t order_id, Price price, Qty qty, OrderCommand& command, Nanos now) noexcept {
  OmsOrder* o = amendable(order_id);
  if (o == nullptr || qty <= o->cum) return false;  // at or below what filled: cancel instead
  o->pending_price = price;
  o->pending_qty = qty;
  begin_amend(*o, OrderAction::kReplace, price, qty, command, now);
  ++stats_.replaces;
  return true;
}

void OrderManager::abandon(std::uint32_t order_id) noexcept {
  OmsOrder* o = lookup(order_id);
  if (o == nullptr || !o->live()) return;
  end_pending(*o);
  set_status(*o, OrderStatus::kRejected);
}

void OrderManager::withdraw(std::uint32_t order_id) noexcept {
  OmsOrder* o = lookup(order_id);
  if (o == nullptr || !o->live() || (o->pending != OrderAction::kCancel && o->pending != OrderAction::kReplace)) return;
  if (o->pending == OrderAction::kCancel) --stats_.cancels;
  else --stats_.replaces;
  end_pending(*o);
  set_status(*o, o->settled);
}

bool OrderManager::seen_before(std::uint32_t order_id, std::uint32_t exec_id) noexcept {
  const std::uint64_t key = (static_cast<std::uint64_t>(order_id) << 32) | exec_id;
  if (execs_.find(key) != nullptr) return true;
  if (execs_.full()) {  // forget the oldest execution to make room
    (void)execs_.erase(exec_fifo_[exec_head_]);
  }
  (void)execs_.insert(key, 1);
  exec_fifo_[exec_head_] = key;
  exec_head_ = (exec_head_ + 1) % exec_fifo_.size();
  return false;
}

void OrderManager::apply_fill(OmsOrder& o, const ExecReport& r, ReportResult& result) noexcept {
  // last_qty > qty − cum, not cum + last_qty > qty: a hostile quantity must not overflow the sum.
  if (!r.last_qty.is_positive() || !r.last_price.is_positive() || r.last_qty > o.qty - o.cum) {
    result.outcome = ReportOutcome::kInvalid;
    return;
  }
  const auto value = multiply(r.last_price, r.last_qty);
  const auto notional = value.ok() ? checked_add(o.cum_notional, value.value()) : Result<Notional>(Errc::kOverflow);
  const auto fees = checked_add(o.fees, r.fee);
  if (!notional.ok() || !fees.ok()) {
    result.outcome = ReportOutcome::kInvalid;
    return;
  }
  const bool live = o.live();
  if (live) add_working(o, -1);
  o.cum += r.last_qty;
  o.cum_notional = notional.value();
  o.fees = fees.value();
  if (live) add_working(o, +1);
  ++stats_.fills;
  result.fill = true;
  if (r.cum_qty != o.cum) result.outcome = ReportOutcome::kOutOfOrder;  // a fill arrived out of order
  if (!live) {  // a fill for an order already done (cancel raced it): applied, never a regression
    result.outcome = ReportOutcome::kOutOfOrder;
    return;
  }
  if (o.cum >= o.qty) {
    end_pending(o);
    set_status(o, OrderStatus::kFilled);
  } else {
    ++stats_.partial_fills;
    if (o.pending == OrderAction::kNone || o.pending == OrderAction::kNew) {
      if (o.pending == OrderAction::kNew) end_pending(o);
      set_status(o, OrderStatus::kPartiallyFilled);
    } else {
      o.settled = OrderStatus::kPartiallyFilled;  // still pending cancel / replace
    }
  }
}

ReportResult OrderManager::on_report(const ExecReport& r) noexcept {
  ++stats_.reports;
  ReportResult result;
  result.outcome = ReportOutcome::kApplied;
  OmsOrder* o = lookup(r.client_order_id);
  const auto type = static_cast<ExecType>(r.header.subtype);
  if (o == nullptr) {
    result.outcome = ReportOutcome::kUnknownOrder;
  } else if (r.header.subtype == 0 || r.header.subtype > kMaxExecType) {
    result.outcome = ReportOutcome::kInvalid;
  } else if (r.exec_id != 0 && seen_before(o->order_id, r.exec_id)) {
    result.outcome = ReportOutcome::kDuplicate;
  } else {
    // A report answers the pending request when it names it, or names the status query about it.
    const bool answers_pending = o->pending != OrderAction::kNone &&
                                 (r.client_order_id == o->pending_id || r.client_order_id == o->query_id);
    switch (type) {
      case ExecType::kNew:
        if (o->status == OrderStatus::kUnknown) {
          leave_unknown(*o, r.header.ts_local);
        } else if (o->pending == OrderAction::kNew) {
          end_pending(*o);
          set_status(*o, OrderStatus::kNew);
        } else {
          o->settled = o->settled == OrderStatus::kNone ? OrderStatus::kNew : o->settled;
          result.outcome = ReportOutcome::kOutOfOrder;  // an ack after a fill or while a cancel is pending
        }
        break;
      case ExecType::kPartialFill:
      case ExecType::kFill:
        if (o->status == OrderStatus::kUnknown) leave_unknown(*o, r.header.ts_local);
        apply_fill(*o, r, result);
        break;
      case ExecType::kCanceled:
      case ExecType::kExpired:
        if (!o->live()) {
          result.outcome = ReportOutcome::kOutOfOrder;
        } else {
          end_pending(*o);
          set_status(*o, type == ExecType::kCanceled ? OrderStatus::kCanceled : OrderStatus::kExpired);
        }
        break;
      case ExecType::kReplaced: {
        const bool answered = o->pending == OrderAction::kReplace && answers_pending;
        const bool late = !answered && o->orphan_id != 0 && r.client_order_id == o->orphan_id && o->live();
        if (!answered && !late) {
          result.outcome = ReportOutcome::kOutOfOrder;
          break;
        }
        // The replace took effect: answered in time, or late after a status answer had settled it.
        const std::uint32_t new_id = answered ? o->pending_id : o->orphan_id;
        add_working(*o, -1);
        if (o->current_id != o->order_id) (void)ids_.erase(o->current_id);
        o->current_id = new_id;
        o->orphan_id = 0;
        o->price = o->pending_price;
        o->qty = o->pending_qty;
        add_working(*o, +1);
        const OrderStatus now_status = o->cum >= o->qty ? OrderStatus::kFilled
                                       : o->cum.is_zero() ? OrderStatus::kNew
                                                          : OrderStatus::kPartiallyFilled;
        if (answered) {
          o->pending_id = 0;  // it is the current id now: stays mapped
          end_pending(*o);
          set_status(*o, now_status);
        } else if (o->pending == OrderAction::kNone || now_status == OrderStatus::kFilled) {
          if (now_status == OrderStatus::kFilled) end_pending(*o);
          set_status(*o, now_status);
        } else {
          o->settled = now_status;  // another request is pending: its answer decides
        }
        break;
      }
      case ExecType::kRejected:
        o->reject_reason = static_cast<RejectReason>(r.header.detail);
        if (r.client_order_id == o->order_id && (o->status == OrderStatus::kPendingNew || o->status == OrderStatus::kUnknown)) {
          end_pending(*o);
          set_status(*o, OrderStatus::kRejected);
        } else if (answers_pending && o->pending == OrderAction::kReplace) {
          ++stats_.cancel_rejects;  // a refused replace: the order stays as it was
          end_pending(*o);
          set_status(*o, o->settled);
        } else {
          result.outcome = ReportOutcome::kOutOfOrder;
        }
        break;
      case ExecType::kCancelRejected:
        if (answers_pending && (o->pending == OrderAction::kCancel || o->pending == OrderAction::kReplace)) {
          ++stats_.cancel_rejects;
          end_pending(*o);
          if (o->live()) set_status(*o, o->settled);
        } else {
          result.outcome = ReportOutcome::kOutOfOrder;
        }
        break;
      case ExecType::kOrderStatus:
        on_status_answer(*o, r, result);
        break;
      case ExecType::kNone:
        result.outcome = ReportOutcome::kInvalid;
        break;
    }
  }
  ++stats_.outcomes[static_cast<std::size_t>(result.outcome)];
  result.order = o;
  return result;
}

void OrderManager::on_status_answer(OmsOrder& o, const ExecReport& r, ReportResult& result) noexcept {
  // The venue's word on the order: detail = its OrderStatus, cum_qty its filled quantity. The rules
  // are in the header.
  if (!o.live()) return;
  const auto venue = static_cast<OrderStatus>(r.header.detail);
  const auto slot = static_cast<std::uint32_t>(&o - orders_.data());
  if (venue == OrderStatus::kPendingNew || venue == OrderStatus::kPendingCancel ||
      venue == OrderStatus::kPendingReplace || venue == OrderStatus::kNone || venue == OrderStatus::kUnknown ||
      r.header.detail > kMaxOrderStatus) {
    // Still in progress at the venue, or an answer that says nothing: ask again after a timeout.
    if (venue == OrderStatus::kNone || venue == OrderStatus::kUnknown || r.header.detail > kMaxOrderStatus)
      result.outcome = ReportOutcome::kInvalid;
    if (o.query_id != 0 && !push_watch(slot, o.query_id, r.header.ts_local + ack_timeout_)) ++stats_.watch_overflow;
    return;
  }
  if (o.reconcile) {  // settled, one way or the other
    o.reconcile = false;
    --reconcile_awaiting_;
  }
  OrderStatus ends = is_terminal(venue) ? venue : OrderStatus::kNone;
  if (venue == OrderStatus::kRejected && o.pending != OrderAction::kNew) {
    // Acknowledged before, unknown to the venue now: lost there (no fill is invented).
    ends = OrderStatus::kCanceled;
    ++stats_.lost_at_venue;
  }
  // Fills the venue counts that the OMS never heard of (or the other way round) cannot be invented
  // here: counted, and the venue's status stands.
  if (r.cum_qty != o.cum && venue != OrderStatus::kRejected) ++stats_.cum_gaps;
  if (ends != OrderStatus::kNone) {
    end_pending(o);
    set_status(o, ends);
    return;
  }
  const OrderStatus live = o.cum.is_zero() ? OrderStatus::kNew : OrderStatus::kPartiallyFilled;
  const bool covers_pending = o.pending == OrderAction::kNew || o.query_id > o.pending_id;
  if (o.pending != OrderAction::kNone && !covers_pending) {
    // A cancel / replace made after this answer's query is in flight: its own answer decides; the
    // venue's word is what the order falls back to. The query is answered.
    if (o.query_id != 0) (void)ids_.erase(o.query_id);
    o.query_id = 0;
    o.settled = live;
    return;
  }
  if (o.pending == OrderAction::kReplace) {
    // Whether the replace took effect is not in a status answer: its id stays mapped, so a late
    // Replaced (or a fill naming it) still finds the order.
    o.orphan_id = o.pending_id;
    o.pending_id = 0;
  }
  end_pending(o);
  set_status(o, live);
}

void OrderManager::issue_query(OmsOrder& o, Nanos now, OrderCommand& out) noexcept {
  const std::uint32_t id = next_id();
  out = OrderCommand{};
  out.ts = now;
  out.client_order_id = id;
  out.orig_client_order_id = o.current_id;
  out.instrument = o.instrument;
  out.action = OrderAction::kStatus;
  out.side = o.side;
  if (o.query_id != 0) (void)ids_.erase(o.query_id);
  const auto slot = static_cast<std::uint32_t>(&o - orders_.data());
  const bool mapped = ids_.insert(id, slot);
  KEEL_ASSERT(mapped);
  (void)mapped;
  o.query_id = id;
  o.sent_at = now;
  if (!push_watch(slot, id, now + ack_timeout_)) ++stats_.watch_overflow;
  ++stats_.status_queries;
}

bool OrderManager::next_reconcile_query(Nanos now, OrderCommand& out) noexcept {
  while (reconcile_cursor_ < orders_.size()) {
    OmsOrder& o = orders_[reconcile_cursor_++];
    if (!o.live()) continue;
    if (!o.reconcile) {
      o.reconcile = true;
      ++reconcile_awaiting_;
    }
    issue_query(o, now, out);
    ++stats_.reconcile_queries;
    return true;
  }
  reconcile_cursor_ = SIZE_MAX;
  return false;
}

bool OrderManager::next_status_query(Nanos now, OrderCommand& out) noexcept {
  while (watch_count_ > 0) {
    const Watch w = watch_[watch_head_];
    if (w.due > now) return false;
    watch_head_ = (watch_head_ + 1) % watch_.size();
    --watch_count_;
    OmsOrder& o = orders_[w.slot];
    if (!o.live() || (o.pending_id != w.id && o.query_id != w.id)) continue;  // answered, or moved on
    if (o.status != OrderStatus::kUnknown) {
      ++stats_.timeouts;
      set_status(o, OrderStatus::kUnknown);
    }
    // Ask the venue. The lost request stays pending (a late answer to it still settles the order);
    // the query's id is watched in its place.
    issue_query(o, now, out);
    return true;
  }
  return false;
}

}  // namespace keel
