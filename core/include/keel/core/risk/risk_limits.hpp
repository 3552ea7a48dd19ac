// Pre-trade risk limits ([risk] in the config) and the core's trading state.
//
// Every limit is in quote currency or orders; 0 switches that one check off (stated per field). The
// defaults are wide enough that a strategy's ordinary orders pass and tight enough to stop a runaway
// (a size in the wrong unit, a price off by a factor, an order loop).
#pragma once

#include <cstdint>
#include <string_view>

namespace keel {

enum class TradingState : std::uint8_t {
  kActive = 0,    // every order the limits allow
  kReducing = 1,  // only orders that reduce a position (and cancels)
  kHalted = 2,    // no new orders or replaces; cancels still go out
};
inline constexpr std::uint8_t kMaxTradingState = 2;
std::string_view to_string(TradingState s) noexcept;

struct RiskLimits {
  double max_order_qty = 0.0;              // base units per order; 0 = no limit
  double max_order_notional = 25'000'000;  // quote per order
  double price_band = 0.10;                // a limit price at most this fraction from the reference
  double max_position_notional = 50'000'000;  // |position| per instrument after the order, at the reference
  double max_gross_exposure = 100'000'000;    // Σ |position| · reference over instruments, after the order
  int max_open_orders = 64;                // orders not yet done (pending ones included)
  double orders_per_second = 50.0;         // token bucket refill, on event time
  int order_burst = 100;                   // token bucket size
  double max_daily_loss = 0.0;             // quote; equity below the UTC day's first equity by more ⇒ kill switch; 0 = off
  double max_daily_loss_fraction = 0.5;    // the same as a fraction of the day's first equity; 0 = off
  bool require_usable_book = true;         // when the engine keeps order books: none but reducing orders on a book that is not usable
};

}  // namespace keel
