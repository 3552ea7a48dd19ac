#include "keel/sim/matching_rules.hpp"

#include <algorithm>

namespace keel::sim::rules {

RejectReason check_order(const Instrument& instrument, const OrderRequest& r) noexcept {
  const bool side_ok = r.side == Side::kBuy || r.side == Side::kSell;
  const bool type_ok = r.type == OrderType::kMarket || r.type == OrderType::kLimit;
  const bool tif_ok = r.tif == TimeInForce::kGtc || r.tif == TimeInForce::kIoc || r.tif == TimeInForce::kFok;
  if (!side_ok || !type_ok || !tif_ok || (r.type == OrderType::kMarket && r.post_only)) {
    return RejectReason::kInvalidOrder;
  }
  const bool limit = r.type == OrderType::kLimit;
  if (limit && !r.price.is_positive()) return RejectReason::kPriceNotPositive;
  if (limit && !instrument.price_on_tick(r.price)) return RejectReason::kPriceOffTick;
  if (!r.qty.is_positive()) return RejectReason::kQtyNotPositive;
  if (!instrument.qty_on_lot(r.qty)) return RejectReason::kQtyOffLot;
  if (limit) return check_notional(instrument, r.price, r.qty);
  return RejectReason::kNone;
}

RejectReason check_replace(const Instrument& instrument, Price price, Qty qty) noexcept {
  if (!price.is_positive()) return RejectReason::kPriceNotPositive;
  if (!instrument.price_on_tick(price)) return RejectReason::kPriceOffTick;
  if (!qty.is_positive()) return RejectReason::kQtyNotPositive;
  if (!instrument.qty_on_lot(qty)) return RejectReason::kQtyOffLot;
  return RejectReason::kNone;
}

bool meets_min_notional(const Instrument& instrument, Price price, Qty qty) noexcept {
  const auto n = notional(price, qty);
  return n.ok() && n.value() >= instrument.min_notional;
}

RejectReason check_notional(const Instrument& instrument, Price price, Qty qty) noexcept {
  const auto n = notional(price, qty);
  if (!n.ok() || n.value().raw() > kMaxOrderNotionalRaw) return RejectReason::kWouldOverflow;
  if (n.value() < instrument.min_notional) return RejectReason::kBelowMinNotional;
  return RejectReason::kNone;
}

bool crosses(Side side, bool market, Price limit, Price resting) noexcept {
  if (market) return true;
  return side == Side::kBuy ? resting <= limit : resting >= limit;
}

bool would_cross(const OrderBook& book, Side side, bool market, Price limit) noexcept {
  const PriceLevel* best = book.best(opposite(side));
  return best != nullptr && crosses(side, market, limit, best->price);
}

bool can_fill_completely(const OrderBook& book, Side side, bool market, Price limit, AccountId account,
                         Qty qty) noexcept {
  Qty available;
  Notional value;  // Σ notional of the fills that would take `available`, as matching sums it
  const auto levels = book.levels(opposite(side));
  for (auto it = levels.rbegin(); it != levels.rend() && crosses(side, market, limit, it->price); ++it) {
    for (Slot s = it->head; s != kNoSlot; s = book.order(s).next) {
      const RestingOrder& o = book.order(s);
      if (o.account == account) continue;
      const Qty take = std::min(o.leaves(), qty - available);  // available < qty here
      const Result<Notional> n = notional(it->price, take);
      if (!n.ok() || !try_add(value, n.value())) return false;
      available += take;  // ≤ qty: no overflow
      if (available >= qty) return true;
    }
  }
  return false;
}

OrdStatus live_status(Qty cum_qty, Qty leaves_qty) noexcept {
  if (!leaves_qty.is_positive()) return OrdStatus::kFilled;
  return cum_qty.is_positive() ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
}

}  // namespace keel::sim::rules
