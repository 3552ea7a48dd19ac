// The matching rules as pure functions of a request, an instrument and a book: validation, crossing,
// FOK fillability, order status. No state, no events, no allocation. MatchingEngine applies them;
// the naive reference in tests/sim re-implements them independently.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/sim/order_book.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim::rules {

// Static checks of a new order that need only its instrument, in order: invalid combination (side,
// type or TIF missing; post-only market order), price ≤ 0, price off tick (limit orders), quantity
// ≤ 0, quantity off lot, then for limit orders check_notional. kNone when it passes.
[[nodiscard]] RejectReason check_order(const Instrument& instrument, const OrderRequest& request) noexcept;

// Checks of a replace's new price and quantity, in order: price ≤ 0, off tick, quantity ≤ 0, off lot.
// The minimum notional is checked separately (a replace to at or below CumQty cancels first).
[[nodiscard]] RejectReason check_replace(const Instrument& instrument, Price price, Qty qty) noexcept;

// price·qty exactly as keel::multiply computes it (rounded half to even to the notional scale; the
// same value or the same kOverflow), but without multiply's 128-bit division when both are positive
// and their raw product fits 64 bits (every realistic order): a division by the constant scale.
[[nodiscard]] inline Result<Notional> notional(Price price, Qty qty) noexcept {
  std::uint64_t product = 0;
  if (price.raw() > 0 && qty.raw() > 0 &&
      !__builtin_mul_overflow(static_cast<std::uint64_t>(price.raw()), static_cast<std::uint64_t>(qty.raw()), &product)) {
    constexpr auto kDiv = static_cast<std::uint64_t>(kScale);
    std::uint64_t q = product / kDiv;
    const std::uint64_t twice = product % kDiv * 2;
    if (twice > kDiv || (twice == kDiv && (q & 1) != 0)) ++q;
    return Notional::from_raw(static_cast<std::int64_t>(q));  // q < 2^64 / 10^8 < 2^63
  }
  return multiply(price, qty);
}
// The same for a fill of a resting order (in range by construction): aborts on overflow, as
// operator*(Price, Qty) does.
[[nodiscard]] inline Notional fill_notional(Price price, Qty qty) noexcept {
  const Result<Notional> n = notional(price, qty);
  if (!n.ok()) std::abort();
  return n.value();
}

// price·qty ≥ the instrument's minimum notional (false when the product overflows).
[[nodiscard]] bool meets_min_notional(const Instrument& instrument, Price price, Qty qty) noexcept;

// The notional rule of a limit order (fixed_point.hpp "checked-arithmetic rule"): kWouldOverflow
// when price·qty does not fit or exceeds kMaxOrderNotionalRaw, kBelowMinNotional when it is below
// the instrument's minimum, else kNone.
[[nodiscard]] RejectReason check_notional(const Instrument& instrument, Price price, Qty qty) noexcept;

// Whether a taker on `side` (a market order when `market`, else limited to `limit`) may trade with a
// resting order at `resting`.
[[nodiscard]] bool crosses(Side side, bool market, Price limit, Price resting) noexcept;

// Whether the taker would trade with the best resting order of the opposite side (own orders count).
[[nodiscard]] bool would_cross(const OrderBook& book, Side side, bool market, Price limit) noexcept;

// Whether resting orders of other accounts that cross hold at least `qty` (FOK's all-or-nothing
// check; orders of `account` would be cancelled by self-trade prevention, not filled) and the fills
// that take it have a notional sum that fits (fixed_point.hpp's rule: a FOK never fills partly
// because its Σ notional would overflow).
[[nodiscard]] bool can_fill_completely(const OrderBook& book, Side side, bool market, Price limit,
                                       AccountId account, Qty qty) noexcept;

// OrdStatus of a live order: Filled when nothing is left, PartiallyFilled after a fill, else New.
[[nodiscard]] OrdStatus live_status(Qty cum_qty, Qty leaves_qty) noexcept;

[[nodiscard]] inline Side opposite(Side side) noexcept {
  return side == Side::kBuy ? Side::kSell : Side::kBuy;
}

}  // namespace keel::sim::rules
