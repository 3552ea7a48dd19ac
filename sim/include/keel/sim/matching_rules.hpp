// The matching rules as pure functions of a request, an instrument and a book: validation, crossing,
// FOK fillability, order status. No state, no events, no allocation. MatchingEngine applies them;
// the naive reference in tests/sim re-implements them independently.
#pragma once

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/sim/order_book.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim::rules {

// Static checks of a new order that need only its instrument, in order: invalid combination (side,
// type or TIF missing; post-only market order), price ≤ 0, price off tick (limit orders), quantity
// ≤ 0, quantity off lot, price·qty below the minimum notional (limit orders). kNone when it passes.
[[nodiscard]] RejectReason check_order(const Instrument& instrument, const OrderRequest& request) noexcept;

// Checks of a replace's new price and quantity, in order: price ≤ 0, off tick, quantity ≤ 0, off lot.
// The minimum notional is checked separately (a replace to at or below CumQty cancels first).
[[nodiscard]] RejectReason check_replace(const Instrument& instrument, Price price, Qty qty) noexcept;

// price·qty ≥ the instrument's minimum notional (false when the product overflows).
[[nodiscard]] bool meets_min_notional(const Instrument& instrument, Price price, Qty qty) noexcept;

// Whether a taker on `side` (a market order when `market`, else limited to `limit`) may trade with a
// resting order at `resting`.
[[nodiscard]] bool crosses(Side side, bool market, Price limit, Price resting) noexcept;

// Whether the taker would trade with the best resting order of the opposite side (own orders count).
[[nodiscard]] bool would_cross(const OrderBook& book, Side side, bool market, Price limit) noexcept;

// Whether resting orders of other accounts that cross hold at least `qty` (FOK's all-or-nothing
// check; orders of `account` would be cancelled by self-trade prevention, not filled).
[[nodiscard]] bool can_fill_completely(const OrderBook& book, Side side, bool market, Price limit,
                                       AccountId account, Qty qty) noexcept;

// OrdStatus of a live order: Filled when nothing is left, PartiallyFilled after a fill, else New.
[[nodiscard]] OrdStatus live_status(Qty cum_qty, Qty leaves_qty) noexcept;

[[nodiscard]] inline Side opposite(Side side) noexcept {
  return side == Side::kBuy ? Side::kSell : Side::kBuy;
}

}  // namespace keel::sim::rules
