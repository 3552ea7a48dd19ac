#include "keel/core/execution/bar_close_venue.hpp"

#include <cmath>

namespace keel {

BarCloseVenue::BarCloseVenue(const BarCloseModel& model, std::size_t instrument_count, std::uint64_t run_seed)
    : model_(model),
      rng_("fills", run_seed),
      closes_(instrument_count),
      positions_(instrument_count),
      entry_price_(instrument_count, 0.0),
      resting_(kMaxResting),
      records_(kRecords) {}

void BarCloseVenue::remember(std::uint32_t id, OrderStatus status, Qty cum) noexcept {
  records_[id % kRecords] = Record{id, status, cum};
}

void BarCloseVenue::report(ReportSink& sink, ExecType type, std::uint32_t id, InstrumentId instrument,
                           std::uint8_t detail) noexcept {
  ExecReport r{};
  r.header.ts_exchange = now_;
  r.header.ts_local = now_;
  r.header.instrument = instrument;
  r.header.subtype = static_cast<std::uint8_t>(type);
  r.header.detail = detail;
  r.client_order_id = id;
  r.exec_id = next_exec_id_++;
  sink.on_report(r);
}

void BarCloseVenue::on_market_event(const Event& event, ReportSink& sink) noexcept {
  if (event.header.ts_local > now_) now_ = event.header.ts_local;
  if (event.header.kind != EventKind::kBar) return;
  const Bar& bar = event.bar;
  if (bar.header.instrument >= closes_.size() || !bar.close.is_positive()) return;
  closes_[bar.header.instrument] = bar.close;
  for (Resting& o : resting_) {  // resting limits reached by this close fill at their limit
    if (o.id == 0 || o.instrument != bar.header.instrument) continue;
    const bool reached = o.side == Side::kBuy ? bar.close <= o.price : bar.close >= o.price;
    if (!reached) continue;
    const Resting done = o;
    o.id = 0;
    fill(done, done.price.to_double(), sink);
  }
}

void BarCloseVenue::fill(const Resting& o, double model_price, ReportSink& sink) noexcept {
  const InstrumentId i = o.instrument;
  const std::int64_t pos = positions_[i].raw();
  const bool closing = (pos > 0 && o.side == Side::kSell) || (pos < 0 && o.side == Side::kBuy);
  bool maker = false;
  bool improved = false;
  double fee_rate = model_.entry_fee_rate;
  double price = model_price;
  if (!closing) {
    maker = rng_.uniform() < model_.maker_entry_rate;
  } else {
    const bool stop = o.type == OrderType::kStopLoss;
    fee_rate = stop ? model_.stop_exit_fee_rate : model_.exit_fee_rate;
    if (!stop) maker = rng_.uniform() < model_.maker_exit_rate;
    if (model_.edge_draw) improved = rng_.uniform() < model_.edge_rate;
    // The improvement is worth edge · notional at entry: per unit, edge · entry price, in the
    // order's favour.
    if (improved) price += (o.side == Side::kSell ? 1.0 : -1.0) * model_.edge * entry_price_[i];
  }
  const auto fill_price = price_from_double(price);
  const auto value = fill_price.ok() ? multiply(fill_price.value(), o.qty) : Result<Notional>(Errc::kOverflow);
  if (!value.ok()) {  // acknowledged already: the order ends Canceled (its value does not fit)
    ++rejects_;
    report(sink, ExecType::kCanceled, o.id, i, static_cast<std::uint8_t>(OrderStatus::kCanceled));
    remember(o.id, OrderStatus::kCanceled, Qty{});
    return;
  }
  const double notional = value.value().to_double();
  const double fee = fee_rate * notional - (maker ? model_.maker_rebate * notional : 0.0);
  const auto fee_fixed = notional_from_double(fee);
  ExecReport r{};
  r.header.ts_exchange = now_;
  r.header.ts_local = now_;
  r.header.instrument = i;
  r.header.subtype = static_cast<std::uint8_t>(ExecType::kFill);
  r.header.detail = static_cast<std::uint8_t>(OrderStatus::kFilled);
  r.header.flags = static_cast<std::uint8_t>((maker ? kFlagMaker : 0) | (improved ? kFlagPriceImproved : 0));
  remember(o.id, OrderStatus::kFilled, o.qty);
  r.client_order_id = o.id;
  r.exec_id = next_exec_id_++;
  r.last_price = fill_price.value();
  r.last_qty = o.qty;
  r.cum_qty = o.qty;
  r.fee = fee_fixed.ok() ? fee_fixed.value() : Notional{};
  // The venue's own position view (for opening / closing and the improvement's size).
  const std::int64_t signed_qty = o.side == Side::kBuy ? o.qty.raw() : -o.qty.raw();
  const std::int64_t after = pos + signed_qty;
  if (!closing) {
    const double held = std::fabs(static_cast<double>(pos));
    entry_price_[i] = (entry_price_[i] * held + model_price * static_cast<double>(o.qty.raw())) /
                      (held + static_cast<double>(o.qty.raw()));
  } else if ((after > 0) != (pos > 0) && after != 0) {
    entry_price_[i] = model_price;  // flipped: the remainder opened at this fill
  }
  positions_[i] = Qty::from_raw(after);
  if (after == 0) entry_price_[i] = 0.0;
  ++fills_;
  sink.on_report(r);
}

void BarCloseVenue::submit(const OrderCommand& c, ReportSink& sink) noexcept {
  if (c.ts > now_) now_ = c.ts;
  const bool known = c.instrument < closes_.size();
  switch (c.action) {
    case OrderAction::kNew: {
      const bool valid_type = c.type == OrderType::kMarket || c.type == OrderType::kLimit ||
                              c.type == OrderType::kStopLoss || c.type == OrderType::kTakeProfit;
      RejectReason why = RejectReason::kNone;
      if (!known) why = RejectReason::kUnknownSymbol;
      else if (!valid_type || (c.side != Side::kBuy && c.side != Side::kSell)) why = RejectReason::kInvalidOrder;
      else if (!c.qty.is_positive()) why = RejectReason::kQtyNotPositive;
      else if (c.type == OrderType::kLimit && !c.price.is_positive()) why = RejectReason::kPriceNotPositive;
      else if (!closes_[c.instrument].is_positive()) why = RejectReason::kUnknownSymbol;  // no market yet
      if (why != RejectReason::kNone) {
        ++rejects_;
        report(sink, ExecType::kRejected, c.client_order_id, known ? c.instrument : kNoInstrument,
               static_cast<std::uint8_t>(why));
        remember(c.client_order_id, OrderStatus::kRejected, Qty{});
        return;
      }
      const Price close = closes_[c.instrument];
      const bool marketable = c.type != OrderType::kLimit ||
                              (c.side == Side::kBuy ? c.price >= close : c.price <= close);
      if (marketable && c.post_only != 0) {  // a post-only order would take liquidity
        ++rejects_;
        report(sink, ExecType::kRejected, c.client_order_id, c.instrument,
               static_cast<std::uint8_t>(RejectReason::kPostOnlyWouldCross));
        remember(c.client_order_id, OrderStatus::kRejected, Qty{});
        return;
      }
      report(sink, ExecType::kNew, c.client_order_id, c.instrument, static_cast<std::uint8_t>(OrderStatus::kNew));
      remember(c.client_order_id, OrderStatus::kNew, Qty{});
      Resting o{c.client_order_id, c.instrument, c.side, c.type, c.price, c.qty};
      if (marketable) {
        fill(o, model_.fill_price(close.to_double(), c.type, c.side), sink);
        return;
      }
      if (c.tif == TimeInForce::kIoc || c.tif == TimeInForce::kFok) {  // not marketable: nothing fills now
        report(sink, ExecType::kCanceled, c.client_order_id, c.instrument,
               static_cast<std::uint8_t>(OrderStatus::kCanceled));
        remember(c.client_order_id, OrderStatus::kCanceled, Qty{});
        return;
      }
      for (Resting& slot : resting_) {
        if (slot.id == 0) {
          slot = o;
          return;
        }
      }
      // No room to rest: the order is cancelled at once (the book is full).
      report(sink, ExecType::kCanceled, c.client_order_id, c.instrument, static_cast<std::uint8_t>(OrderStatus::kCanceled));
      remember(c.client_order_id, OrderStatus::kCanceled, Qty{});
      return;
    }
    case OrderAction::kCancel:
      for (Resting& slot : resting_) {
        if (slot.id != 0 && slot.id == c.orig_client_order_id) {
          slot.id = 0;
          remember(c.orig_client_order_id, OrderStatus::kCanceled, Qty{});
          report(sink, ExecType::kCanceled, c.client_order_id, c.instrument,
                 static_cast<std::uint8_t>(OrderStatus::kCanceled));
          return;
        }
      }
      report(sink, ExecType::kCancelRejected, c.client_order_id, c.instrument,
             static_cast<std::uint8_t>(RejectReason::kTooLate));
      return;
    case OrderAction::kReplace:
      report(sink, ExecType::kCancelRejected, c.client_order_id, c.instrument,
             static_cast<std::uint8_t>(RejectReason::kInvalidOrder));
      return;
    case OrderAction::kStatus: {
      const Record& rec = records_[c.orig_client_order_id % kRecords];
      const bool known_order = rec.id == c.orig_client_order_id && rec.id != 0;
      ExecReport r{};
      r.header.ts_exchange = now_;
      r.header.ts_local = now_;
      r.header.instrument = c.instrument;
      r.header.subtype = static_cast<std::uint8_t>(ExecType::kOrderStatus);
      r.header.detail = static_cast<std::uint8_t>(known_order ? rec.status : OrderStatus::kRejected);
      r.cum_qty = known_order ? rec.cum : Qty{};
      r.client_order_id = c.client_order_id;
      sink.on_report(r);
      return;
    }
    case OrderAction::kNone:
      break;
  }
  ++rejects_;
  report(sink, ExecType::kRejected, c.client_order_id, known ? c.instrument : kNoInstrument,
         static_cast<std::uint8_t>(RejectReason::kInvalidOrder));
}

}  // namespace keel
