#include "keel/sim/matching_venue.hpp"

namespace keel::sim {

MatchingVenue::MatchingVenue(std::span<const VenueSymbol> symbols, const EngineConfig& engine,
                             const MatchingVenueParams& params, std::unique_ptr<OrderFlow> flow)
    : engine_(symbols, engine, *this),
      params_(params),
      flow_(std::move(flow)),
      codec_(0),
      requests_(kQueue),
      answers_(kQueue),
      orders_(kRecords) {}

std::uint32_t MatchingVenue::id_of(const ClOrdId& id) noexcept {
  const auto seq = codec_.parse(id.view());
  return seq ? *seq : 0;
}

void MatchingVenue::remember(std::uint32_t id, OrderStatus status, Qty cum) noexcept {
  if (id != 0) orders_[id % kRecords] = OrderRecord{id, status, cum};
}

void MatchingVenue::answer(const ExecReport& report) noexcept {
  if (ans_count_ == answers_.size()) {
    ++dropped_;
    return;
  }
  answers_[(ans_head_ + ans_count_) % answers_.size()] = Answer{report.header.ts_local, report};
  ++ans_count_;
}

void MatchingVenue::deliver(std::int64_t until, ReportSink& sink) noexcept {
  while (ans_count_ > 0 && answers_[ans_head_].at <= until) {
    const ExecReport r = answers_[ans_head_].report;
    ans_head_ = (ans_head_ + 1) % answers_.size();
    --ans_count_;
    sink.on_report(r);
  }
}

void MatchingVenue::on_execution(const Execution& e) noexcept {
  if (e.account != kClient) {
    if (flow_) flow_->on_execution(e);
    return;
  }
  ExecReport r{};
  r.header.ts_exchange = e.ts;
  r.header.ts_local = e.ts + params_.report_ns;
  r.header.instrument = e.instrument;
  r.client_order_id = id_of(e.cl_ord_id);
  r.exec_id = static_cast<std::uint32_t>(e.exec_id);
  // The venue's vocabulary in the core's terms: the converters of venue_types.hpp (one mapping).
  const OrderStatus status = to_order_status(e.ord_status);
  const ExecType type = to_exec_type(e.exec_type, e.leaves_qty);
  if (type == ExecType::kNone) return;
  r.header.subtype = static_cast<std::uint8_t>(type);
  if (e.exec_type == VenueExecType::kTrade) {
    r.last_price = e.last_px;
    r.last_qty = e.last_qty;
    r.fee = e.fee;
    if (e.maker) r.header.flags = kFlagMaker;
  }
  r.header.detail = e.exec_type == VenueExecType::kRejected ? static_cast<std::uint8_t>(e.reject_reason)
                                                            : static_cast<std::uint8_t>(status);
  r.cum_qty = e.cum_qty;
  remember(id_of(e.cl_ord_id), status, e.cum_qty);
  if (e.orig_cl_ord_id.view() != e.cl_ord_id.view()) remember(id_of(e.orig_cl_ord_id), status, e.cum_qty);
  answer(r);
}

void MatchingVenue::on_cancel_reject(const CancelReject& c) noexcept {
  if (c.account != kClient) {
    if (flow_) flow_->on_cancel_reject(c);
    return;
  }
  ExecReport r{};
  r.header.ts_exchange = c.ts;
  r.header.ts_local = c.ts + params_.report_ns;
  r.header.instrument = c.instrument;
  r.header.subtype = static_cast<std::uint8_t>(ExecType::kCancelRejected);
  r.header.detail = static_cast<std::uint8_t>(to_reject_reason(c.reason, c.detail));
  r.client_order_id = id_of(c.cl_ord_id);
  answer(r);
}

void MatchingVenue::apply(const OrderCommand& c, std::int64_t at) noexcept {
  const auto head = [&](auto& q) {  // the fields every request of the core's account shares
    q.ts = at;
    q.account = kClient;
    q.instrument = c.instrument;
    q.cl_ord_id = codec_.format(c.client_order_id);
    q.side = c.side;
  };
  switch (c.action) {
    case OrderAction::kNew: {
      OrderRequest q;
      head(q);
      // Stop-loss and take-profit: the strategy decided the trigger; the venue fills them at market.
      q.type = c.type == OrderType::kLimit ? OrderType::kLimit : OrderType::kMarket;
      q.tif = q.type == OrderType::kMarket ? TimeInForce::kIoc : c.tif;
      q.post_only = c.post_only != 0;
      q.price = c.price;
      q.qty = c.qty;
      engine_.submit(q);
      return;
    }
    case OrderAction::kCancel: {
      CancelRequest q;
      head(q);
      q.orig_cl_ord_id = codec_.format(c.orig_client_order_id);
      engine_.cancel(q);
      return;
    }
    case OrderAction::kReplace: {
      ReplaceRequest q;
      head(q);
      q.orig_cl_ord_id = codec_.format(c.orig_client_order_id);
      q.price = c.price;
      q.qty = c.qty;
      engine_.replace(q);
      return;
    }
    case OrderAction::kStatus: {
      ExecReport r{};
      r.header.ts_exchange = at;
      r.header.ts_local = at + params_.report_ns;
      r.header.instrument = c.instrument;
      r.header.subtype = static_cast<std::uint8_t>(ExecType::kOrderStatus);
      const OrderRecord& o = orders_[c.orig_client_order_id % kRecords];
      const bool known = o.id != 0 && o.id == c.orig_client_order_id;
      r.header.detail = static_cast<std::uint8_t>(known ? o.status : OrderStatus::kRejected);
      r.cum_qty = known ? o.cum : Qty{};
      r.client_order_id = c.client_order_id;
      answer(r);
      return;
    }
    case OrderAction::kNone:
      break;
  }
  ExecReport r{};  // a command the venue cannot read: rejected
  r.header.ts_exchange = at;
  r.header.ts_local = at + params_.report_ns;
  r.header.instrument = c.instrument;
  r.header.subtype = static_cast<std::uint8_t>(ExecType::kRejected);
  r.header.detail = static_cast<std::uint8_t>(RejectReason::kInvalidOrder);
  r.client_order_id = c.client_order_id;
  answer(r);
}

void MatchingVenue::advance(std::int64_t until, bool inclusive, ReportSink& sink) noexcept {
  auto before = [&](std::int64_t t) { return inclusive ? t <= until : t < until; };
  for (;;) {
    if (!have_pending_ && !flow_done_ && flow_) {
      // OrderFlow::next may throw (it is not noexcept); here the venue stops its flow, counts it and
      // carries on quiet — the core keeps running and the summary shows the fault.
      try {
        have_pending_ = flow_->next(engine_, pending_);
      } catch (...) {
        have_pending_ = false;
        ++flow_errors_;
      }
      flow_done_ = !have_pending_;
    }
    const bool flow_due = have_pending_ && before(pending_.ts);
    const bool request_due = req_count_ > 0 && before(requests_[req_head_].at);
    if (!flow_due && !request_due) break;
    // The earlier first; a flow action first on a tie.
    if (flow_due && (!request_due || pending_.ts <= requests_[req_head_].at)) {
      if (pending_.ts > now_) now_ = pending_.ts;
      sim::apply(engine_, pending_);
      have_pending_ = false;
      ++flow_actions_;
    } else {
      const Due d = requests_[req_head_];
      req_head_ = (req_head_ + 1) % requests_.size();
      --req_count_;
      if (d.at > now_) now_ = d.at;
      apply(d.command, d.at);
    }
    deliver(now_, sink);
  }
  if (until > now_) now_ = until;
  deliver(now_, sink);
}

void MatchingVenue::on_market_event(const Event& event, ReportSink& sink) noexcept {
  advance(event.header.ts_local, false, sink);
}

void MatchingVenue::submit(const OrderCommand& command, ReportSink& sink) noexcept {
  const std::int64_t at = (command.ts > now_ ? command.ts : now_) + params_.order_entry_ns;
  if (params_.order_entry_ns == 0) {
    if (at > now_) now_ = at;
    apply(command, at);
    deliver(now_, sink);
    return;
  }
  if (req_count_ == requests_.size()) {
    ++dropped_;  // never answered: the core's OMS times the request out and queries it
    return;
  }
  requests_[(req_head_ + req_count_) % requests_.size()] = Due{at, command};
  ++req_count_;
}

}  // namespace keel::sim
