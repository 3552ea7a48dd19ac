// The OMS: every order's state, from the request the core sends to the venue's last word on it.
//
// States (OrderStatus): PendingNew → New → PartiallyFilled → Filled / Canceled / Rejected / Expired,
// with PendingCancel and PendingReplace while a cancel or replace is unanswered, and Unknown for a
// request that got no answer within `ack_timeout`. An Unknown order is never resent: the OMS issues a
// status query (OrderAction::kStatus) for it, repeated every ack_timeout, and the venue's answer
// (an ExecReport of any kind, or kOrderStatus) settles it.
//
// Reports (on_report):
//  * duplicates — a (order, exec_id) pair seen before — change nothing (kDuplicate). The memory of
//    exec ids is the last kExecMemory executions (a FIFO-evicted fixed hash set);
//  * fills apply their last_qty/last_price; a venue cum_qty that disagrees with the OMS's sum (a
//    fill reported out of order) is counted (kOutOfOrder) and the fill applied all the same — fills
//    are facts; a fill that would exceed the order's quantity, or has a non-positive price or
//    quantity, is kInvalid and dropped;
//  * a report that would move a state backwards (an ack after a fill, a fill after a cancel) is
//    counted kOutOfOrder; a fill still applies, states never regress;
//  * a report for an id this OMS never issued is kUnknownOrder.
// Terminal orders stay findable (late reports still apply) until their slot is needed again: slots
// are reused oldest-terminal first. An order is found by its order id, its current id, its pending
// request's id and its latest query's id; a superseded id (an answered cancel, an old id after a
// replace) is forgotten, so a report naming it is kUnknownOrder. A status answer settles an Unknown
// order by the venue's status (a Pending* answer: ask again later); a cum qty that differs from the
// fills the OMS applied is counted (cum_gaps) — fills are never invented. An ack or fill that reaches
// an Unknown order whose cancel / replace is unanswered puts it back to waiting for that answer. Capacity is fixed at construction (allocation only there).
// ClOrdIDs are the run's sequence (cl_ord_ids.hpp): new, cancel, replace and status requests each take
// the next number.
//
// Status answers (kOrderStatus), the rules in full:
//  * still pending at the venue (PendingNew / PendingCancel / PendingReplace) or saying nothing
//    (None, Unknown, garbage: kInvalid): nothing settles; asked again one ack timeout later;
//  * the venue does not know the order (OrderStatus kRejected — keel's venue answers a query for an
//    order it has no record of so, VENUE.md / sim venue on_status_request): an order never
//    acknowledged (its new request still pending: PendingNew, or Unknown from a lost new) never
//    reached the venue ⇒ Rejected; an order acknowledged before ⇒ Canceled and counted
//    (lost_at_venue: a venue restart lost it, or it ended and its report was lost — a late fill still
//    applies to a terminal order, so the position catches up if the venue sends one);
//  * any other terminal status ends the order so; a live one (New / PartiallyFilled) settles it as
//    New or PartiallyFilled by the OMS's own fills;
//  * a pending request is settled by the answer only when the answer's query left after it (ids are
//    a sequence: query_id > pending_id) or it is the order's new request (the venue knowing the order
//    is its ack). A cancel / replace made after the query is still in flight: the answer only sets
//    the state it falls back to, and the request's own answer decides.
//
// Reconciliation after a venue logon (next_reconcile_query): a status query for every live order,
// whatever its state; each such order is "awaiting" until a status answer settles it (live or
// terminal) or it ends by any report. awaiting_reconcile() counts them. An unanswered reconciliation
// query times out like any request (the order becomes Unknown and is asked again).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/containers/fixed_hash_map.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"

namespace keel {

struct OmsOrder {
  std::uint32_t order_id = 0;     // the ClOrdID sequence of the new-order request
  std::uint32_t current_id = 0;   // the order's ClOrdID now (changes when a replace is accepted)
  std::uint32_t pending_id = 0;   // the unanswered new / cancel / replace request (0 = none)
  std::uint32_t query_id = 0;     // the latest status query about it (0 = none)
  std::uint32_t orphan_id = 0;    // a replace settled by a status answer: its id, kept findable
  std::uint32_t tag = 0;          // the strategy's label for the order
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kNone;
  OrderType type = OrderType::kNone;
  TimeInForce tif = TimeInForce::kNone;
  OrderStatus status = OrderStatus::kNone;
  OrderStatus settled = OrderStatus::kNone;  // the state to return to when a pending request fails
  OrderAction pending = OrderAction::kNone;  // what pending_id asked for
  RejectReason reject_reason = RejectReason::kNone;
  Price price;
  Qty qty;
  Qty cum;
  Notional cum_notional;  // Σ last_price · last_qty
  Notional fees;
  Price pending_price;    // replace: the requested price and total quantity
  Qty pending_qty;
  Nanos sent_at = 0;      // when the unanswered request (or the last status query) left
  Nanos created_at = 0;
  bool reconcile = false; // a reconciliation query about it awaits a settling answer
  [[nodiscard]] Qty leaves() const noexcept {
    return is_terminal(status) || cum >= qty ? Qty{} : qty - cum;
  }
  [[nodiscard]] bool live() const noexcept { return status != OrderStatus::kNone && !is_terminal(status); }
};

enum class ReportOutcome : std::uint8_t {
  kApplied = 0,
  kDuplicate = 1,
  kOutOfOrder = 2,    // applied where it carried a fill; counted
  kInvalid = 3,       // dropped
  kUnknownOrder = 4,  // dropped
};
inline constexpr std::size_t kReportOutcomeCount = 5;

struct ReportResult {
  ReportOutcome outcome = ReportOutcome::kUnknownOrder;
  bool fill = false;             // the report's fill must be applied to the portfolio
  const OmsOrder* order = nullptr;  // the order after the report (null when unknown)
};

struct OmsStats {
  std::uint64_t orders = 0;          // new-order requests sent
  std::uint64_t cancels = 0;
  std::uint64_t replaces = 0;
  std::uint64_t status_queries = 0;
  std::uint64_t reports = 0;
  std::uint64_t fills = 0;           // fill reports applied
  std::uint64_t partial_fills = 0;
  std::uint64_t filled = 0;          // orders that ended Filled
  std::uint64_t canceled = 0;
  std::uint64_t rejected = 0;        // new orders the venue rejected
  std::uint64_t expired = 0;
  std::uint64_t cancel_rejects = 0;  // cancels / replaces the venue refused
  std::uint64_t timeouts = 0;        // requests that became Unknown
  std::uint64_t table_full = 0;      // new orders refused: every slot holds a live order
  std::uint64_t cum_gaps = 0;        // status answers whose cum qty differs from the OMS's fills
  std::uint64_t watch_overflow = 0;  // requests left unwatched (the timeout ring was full)
  std::uint64_t lost_at_venue = 0;   // acknowledged orders the venue answered it does not know (→ Canceled)
  std::uint64_t reconcile_queries = 0;  // status queries of reconciliations (also in status_queries)
  std::uint64_t outcomes[kReportOutcomeCount] = {};
};

class OrderManager {
 public:
  static constexpr std::size_t kExecMemory = 1u << 16;

  // `capacity` orders at once (live and recently terminal) over instruments 0 .. instrument_count−1;
  // requests unanswered after ack_timeout become Unknown (0: never).
  OrderManager(std::size_t capacity, std::size_t instrument_count, Nanos ack_timeout);

  // Records a new order and fills in command.client_order_id. False (nothing recorded) when every
  // slot holds a live order.
  bool add_new(OrderCommand& command, std::uint32_t tag, Nanos now) noexcept;
  // Fills in a cancel / replace command for a live order with no request pending; false otherwise
  // (unknown, terminal or already pending).
  bool make_cancel(std::uint32_t order_id, OrderCommand& command, Nanos now) noexcept;
  bool make_replace(std::uint32_t order_id, Price price, Qty qty, OrderCommand& command, Nanos now) noexcept;
  // Marks an order whose command could not be sent (output ring full) as Rejected.
  void abandon(std::uint32_t order_id) noexcept;
  // Takes back a cancel / replace request that was made but never sent (risk refused it): the
  // order returns to its state before the request, the request id is forgotten, no report counted.
  void withdraw(std::uint32_t order_id) noexcept;

  ReportResult on_report(const ExecReport& report) noexcept;

  // Requests unanswered for ack_timeout at `now` become Unknown; for each Unknown order due a query
  // (first time, or ack_timeout after the last) writes a kStatus command into `out` and returns true.
  // Call repeatedly until it returns false.
  bool next_status_query(Nanos now, OrderCommand& out) noexcept;

  // Reconciliation: begin_reconcile() starts a pass over every order slot; next_reconcile_query()
  // writes a kStatus command for the next live order (any state, Unknown and pending ones included),
  // marks it awaiting and returns true; false once the pass is done. A query that could not be sent
  // times out and is asked again like any request. A second begin_reconcile() restarts the pass
  // (orders still awaiting stay so, and are asked again).
  void begin_reconcile() noexcept { reconcile_cursor_ = 0; }
  bool next_reconcile_query(Nanos now, OrderCommand& out) noexcept;
  // Live orders whose reconciliation query has not been answered with a settling status yet.
  [[nodiscard]] std::size_t awaiting_reconcile() const noexcept { return reconcile_awaiting_; }

  [[nodiscard]] const OmsOrder* find(std::uint32_t id) const noexcept;  // by any of its request ids
  // Every slot (never used, live and terminal), in slot order: for /status and metrics without
  // allocation. A slot is live when slots()[i].live().
  [[nodiscard]] std::span<const OmsOrder> slots() const noexcept { return {orders_.data(), orders_.size()}; }
  // Calls f(const OmsOrder&) for every live order, in slot order. f must not change the OMS.
  template <class F>
  void for_each_live(F&& f) const {
    for (const OmsOrder& o : orders_)
      if (o.live()) f(o);
  }
  [[nodiscard]] int open_orders() const noexcept { return open_; }
  // Leaves of live orders per instrument and side (base units), for risk.
  [[nodiscard]] Qty working(InstrumentId instrument, Side side) const noexcept;
  [[nodiscard]] const OmsStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return orders_.size(); }

 private:
  struct IdHash {
    std::size_t operator()(std::uint32_t v) const noexcept { return static_cast<std::size_t>(v) * 0x9E3779B1u; }
  };
  struct KeyHash {
    std::size_t operator()(std::uint64_t v) const noexcept {
      v ^= v >> 33;
      v *= 0xff51afd7ed558ccdULL;
      v ^= v >> 33;
      return static_cast<std::size_t>(v);
    }
  };
  OmsOrder* lookup(std::uint32_t id) noexcept;
  std::uint32_t next_id() noexcept { return ++last_id_; }
  bool take_slot(std::uint32_t& slot) noexcept;
  void set_status(OmsOrder& o, OrderStatus s) noexcept;
  void forget_ids(const OmsOrder& o) noexcept;
  bool seen_before(std::uint32_t order_id, std::uint32_t exec_id) noexcept;
  void begin_pending(OmsOrder& o, OrderAction action, std::uint32_t id, Nanos now) noexcept;
  void leave_unknown(OmsOrder& o, Nanos now) noexcept;
  void issue_query(OmsOrder& o, Nanos now, OrderCommand& out) noexcept;
  void on_status_answer(OmsOrder& o, const ExecReport& r, ReportResult& result) noexcept;
  // A live order with no request pending and not Unknown, or null.
  OmsOrder* amendable(std::uint32_t order_id) noexcept;
  // Fills in a cancel / replace command and makes the order PendingCancel / PendingReplace.
  void begin_amend(OmsOrder& o, OrderAction action, Price price, Qty qty, OrderCommand& command, Nanos now) noexcept;
  void end_pending(OmsOrder& o) noexcept;
  void apply_fill(OmsOrder& o, const ExecReport& r, ReportResult& result) noexcept;
  void add_working(const OmsOrder& o, std::int64_t sign) noexcept;

  std::vector<OmsOrder> orders_;
  std::vector<std::uint32_t> free_;          // never-used or reclaimed slots (stack)
  std::vector<std::uint32_t> retired_;       // terminal orders' slots, oldest first (ring)
  std::size_t retired_head_ = 0;
  std::size_t retired_count_ = 0;
  FixedHashMap<std::uint32_t, std::uint32_t, IdHash> ids_;  // request id → slot
  FixedHashMap<std::uint64_t, std::uint8_t, KeyHash> execs_;
  std::vector<std::uint64_t> exec_fifo_;
  std::size_t exec_head_ = 0;
  struct Watch {  // a request whose answer is awaited (FIFO by send time)
    std::uint32_t slot = 0;
    std::uint32_t id = 0;
    Nanos due = 0;
  };
  bool push_watch(std::uint32_t slot, std::uint32_t id, Nanos due) noexcept;
  std::vector<std::int64_t> working_;        // per (instrument, side) raw leaves
  std::vector<Watch> watch_;                 // ring
  std::size_t watch_head_ = 0;
  std::size_t watch_count_ = 0;
  Nanos ack_timeout_;
  std::uint32_t last_id_ = 0;
  int open_ = 0;
  std::size_t reconcile_cursor_ = SIZE_MAX;  // next slot of a reconciliation pass (SIZE_MAX: none)
  std::size_t reconcile_awaiting_ = 0;
  OmsStats stats_;
};

std::string_view to_string(ReportOutcome outcome) noexcept;

}  // namespace keel
