#include "keel/core/portfolio/portfolio.hpp"

#include <cmath>
#include <cstdint>

namespace keel {

Portfolio::Portfolio(std::size_t instrument_count, Notional initial_cash)
    : positions_(instrument_count), cash_(initial_cash), initial_cash_(initial_cash) {}

void Portfolio::mark(InstrumentId instrument, Price price) noexcept {
  if (instrument < positions_.size() && price.is_positive()) positions_[instrument].mark = price;
}

bool Portfolio::apply_fill(InstrumentId instrument, Side side, Price price, Qty qty, Notional fee) noexcept {
  if (instrument >= positions_.size() || !price.is_positive() || !qty.is_positive() ||
      (side != Side::kBuy && side != Side::kSell) || fee.raw() == INT64_MIN) {  // INT64_MIN: −fee overflows
    ++refused_;
    return false;
  }
  Position p = positions_[instrument];  // work on a copy: nothing changes unless all of it fits
  const auto value = multiply(price, qty);
  if (!value.ok()) {
    ++refused_;
    return false;
  }
  const Notional signed_value = side == Side::kBuy ? value.value() : -value.value();
  const Qty signed_qty = side == Side::kBuy ? qty : -qty;
  auto cash = checked_add(cash_, -signed_value);
  if (cash.ok()) cash = checked_add(cash.value(), -fee);
  auto new_qty = checked_add(p.qty, signed_qty);
  auto fees = checked_add(p.fees, fee);
  if (!cash.ok() || !new_qty.ok() || !fees.ok()) {
    ++refused_;
    return false;
  }
  const bool same_direction = p.qty.is_zero() || (p.qty.raw() > 0) == (signed_qty.raw() > 0);
  if (same_direction) {
    const auto cost = checked_add(p.cost, signed_value);
    if (!cost.ok()) {
      ++refused_;
      return false;
    }
    p.cost = cost.value();
  } else {
    // Reduces (and maybe flips): the reduced part realises against the average entry.
    const std::int64_t open_abs = p.qty.raw() < 0 ? -p.qty.raw() : p.qty.raw();
    const std::int64_t reduce_abs = qty.raw() < open_abs ? qty.raw() : open_abs;
    const Qty reduced = Qty::from_raw(reduce_abs);
    const auto cost_removed = scale(p.cost, reduced, Qty::from_raw(open_abs));
    const auto proceeds = multiply(price, reduced);
    if (!cost_removed.ok() || !proceeds.ok()) {
      ++refused_;
      return false;
    }
    // A long sells reduced at price: realised = proceeds − cost share; a short buys back: cost share
    // is negative (it was sold), realised = −cost share − proceeds.
    const Notional realized_now = p.qty.raw() > 0 ? proceeds.value() - cost_removed.value()
                                                  : -cost_removed.value() - proceeds.value();
    const auto realized = checked_add(p.realized, realized_now);
    if (!realized.ok()) {
      ++refused_;
      return false;
    }
    p.realized = realized.value();
    p.cost = p.cost - cost_removed.value();
    if (qty.raw() > open_abs) {  // flipped: the remainder opens the other way at this price
      const auto rest = multiply(price, Qty::from_raw(qty.raw() - open_abs));
      if (!rest.ok()) {
        ++refused_;
        return false;
      }
      p.cost = side == Side::kBuy ? rest.value() : -rest.value();
    }
  }
  p.qty = new_qty.value();
  if (p.qty.is_zero()) p.cost = Notional{};
  p.fees = fees.value();
  p.mark = price;
  ++p.fills;
  positions_[instrument] = p;
  cash_ = cash.value();
  return true;
}

Notional Portfolio::realized() const noexcept {
  Notional n;
  for (const Position& p : positions_) n += p.realized;
  return n;
}

Notional Portfolio::fees() const noexcept {
  Notional n;
  for (const Position& p : positions_) n += p.fees;
  return n;
}

Notional Portfolio::market_value(const Position& p) const noexcept {
  if (p.qty.is_zero()) return Notional{};
  if (!p.mark.is_positive()) return p.cost;
  const auto v = multiply(p.mark, p.qty);
  return v.ok() ? v.value() : p.cost;
}

Notional Portfolio::unrealized() const noexcept {
  Notional n;
  for (const Position& p : positions_) n += market_value(p) - p.cost;
  return n;
}

Notional Portfolio::equity() const noexcept {
  Notional n = cash_;
  for (const Position& p : positions_) n += market_value(p);
  return n;
}

double Portfolio::gross_exposure() const noexcept {
  double g = 0.0;
  for (const Position& p : positions_) g += std::fabs(market_value(p).to_double());
  return g;
}

}  // namespace keel
