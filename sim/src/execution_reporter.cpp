#include "keel/sim/execution_reporter.hpp"

namespace keel::sim {

void ExecutionReporter::rejected(const OrderRequest& r, RejectReason reason) noexcept {
  Execution e{};
  e.ts = r.ts;
  e.exec_id = next_exec_id_++;
  e.account = r.account;
  e.instrument = r.instrument;
  e.cl_ord_id = r.cl_ord_id;
  e.exec_type = VenueExecType::kRejected;
  e.ord_status = OrdStatus::kRejected;
  e.side = r.side;
  e.reject_reason = reason;
  e.price = r.price;
  e.order_qty = r.qty;
  listener_.on_execution(e);
}

void ExecutionReporter::public_trade(std::int64_t ts, InstrumentId instrument, Side aggressor, Price px,
                                     Qty qty, OrderId maker, OrderId taker) noexcept {
  PublicTrade t{};
  t.ts = ts;
  t.trade_id = ++trade_ids_[instrument];
  t.instrument = instrument;
  t.aggressor = aggressor;
  t.price = px;
  t.qty = qty;
  t.maker_order_id = maker;
  t.taker_order_id = taker;
  listener_.on_public_trade(t);
}

void ExecutionReporter::level(std::int64_t ts, InstrumentId instrument, Side side, Price price,
                              Qty total) noexcept {
  BookLevelChange c{};
  c.ts = ts;
  c.update_id = ++update_ids_[instrument];
  c.instrument = instrument;
  c.side = side;
  c.price = price;
  c.qty = total;
  listener_.on_book_level(c);
}

}  // namespace keel::sim
