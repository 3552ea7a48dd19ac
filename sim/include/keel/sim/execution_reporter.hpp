// The event-sink side of the venue: builds each report from an order's state, numbers it (ExecID
// engine-wide, public trade ids and book update ids per instrument) and hands it to the
// VenueListener. Knows no matching rules. Allocates only in its constructor.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/sim/venue_types.hpp"

namespace keel::sim {

// What a report needs of an order: the members RestingOrder and the engine's taker state share.
template <class T>
concept ReportableOrder = requires(const T& o) {
  o.id;
  o.account;
  o.cl_ord_id;
  o.side;
  o.price;
  o.qty;
  o.cum_qty;
  o.cum_notional;
  o.leaves();
};

class ExecutionReporter {
 public:
  ExecutionReporter(std::size_t instruments, VenueListener& listener)
      : trade_ids_(instruments, 0), update_ids_(instruments, 0), listener_(listener) {}

  // 150=8 for a new order that failed validation (OrderID 0).
  void rejected(const OrderRequest& request, RejectReason reason) noexcept;

  // New, Replaced or Canceled for `order`. A Canceled report has LeavesQty 0. `cl_ord_id` (when not
  // null) replaces the order's id in 11 — a cancel request's own id; `orig` fills 41.
  template <ReportableOrder Order>
  void order_event(std::int64_t ts, InstrumentId instrument, const Order& order, VenueExecType type,
                   OrdStatus status, CancelCause cause, const ClOrdId* cl_ord_id = nullptr,
                   const ClOrdId* orig = nullptr) noexcept {
    Execution e = from_order(ts, instrument, order);
    if (cl_ord_id != nullptr) e.cl_ord_id = *cl_ord_id;
    if (orig != nullptr) e.orig_cl_ord_id = *orig;
    e.exec_type = type;
    e.ord_status = status;
    e.cancel_cause = cause;
    if (type == VenueExecType::kCanceled) e.leaves_qty = Qty{};
    listener_.on_execution(e);
  }

  // 150=F for one side of a fill; `order` already includes the fill.
  template <ReportableOrder Order>
  void fill(std::int64_t ts, InstrumentId instrument, const Order& order, OrdStatus status, Price px,
            Qty qty, bool maker, Notional fee) noexcept {
    Execution e = from_order(ts, instrument, order);
    e.exec_type = VenueExecType::kTrade;
    e.ord_status = status;
    e.maker = maker;
    e.last_px = px;
    e.last_qty = qty;
    e.fee = fee;
    listener_.on_execution(e);
  }

  void public_trade(std::int64_t ts, InstrumentId instrument, Side aggressor, Price px, Qty qty,
                    OrderId maker, OrderId taker) noexcept;
  void cancel_reject(const CancelReject& reject) noexcept { listener_.on_cancel_reject(reject); }
  // The level's new total (0 = gone).
  void level(std::int64_t ts, InstrumentId instrument, Side side, Price price, Qty total) noexcept;

 private:
  template <ReportableOrder Order>
  Execution from_order(std::int64_t ts, InstrumentId instrument, const Order& o) noexcept {
    Execution e{};
    e.ts = ts;
    e.exec_id = next_exec_id_++;
    e.order_id = o.id;
    e.account = o.account;
    e.instrument = instrument;
    e.cl_ord_id = o.cl_ord_id;
    e.side = o.side;
    e.price = o.price;
    e.order_qty = o.qty;
    e.cum_qty = o.cum_qty;
    e.leaves_qty = o.leaves();
    e.cum_notional = o.cum_notional;
    return e;
  }

  std::vector<std::uint64_t> trade_ids_;   // last public trade id per instrument
  std::vector<std::uint64_t> update_ids_;  // last book update id per instrument
  VenueListener& listener_;
  ExecId next_exec_id_ = 1;
};

}  // namespace keel::sim
