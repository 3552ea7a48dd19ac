// One instrument's L2 order book as a venue publishes it: price levels with absolute quantities,
// in fixed point, in preallocated storage (the market-data mirror; book_sync.hpp keeps it in step
// with the venue).
//
// Each side is a sorted array ordered worst → best, so the best level is at the back and the
// levels that change most (near the touch) are the cheapest to insert and erase. A side holds at
// most `max_levels` levels: a new level beyond the worst of a full side is not kept (counted in
// truncations(); the levels near the touch are always exact), and a new level better than the worst
// pushes the worst out. Removing a level that is not there is normal (Binance sends removals of
// levels a client may never have seen).
//
// The constructor allocates; nothing else does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/orders.hpp"

namespace keel::book {

struct PriceQty {
  Price price;
  Qty qty;
  friend bool operator==(const PriceQty&, const PriceQty&) = default;
};

class L2Book {
 public:
  explicit L2Book(std::size_t max_levels_per_side);

  // Sets the quantity at `price` on `side` (kBuy = bids, kSell = asks); zero removes the level.
  // `price` must be positive and `qty` not negative (the decoder guarantees both).
  void set(Side side, Price price, Qty qty) noexcept;
  void clear() noexcept;

  [[nodiscard]] std::size_t depth(Side side) const noexcept { return levels(side).size(); }
  // The i-th level from the best (i < depth(side)).
  [[nodiscard]] PriceQty level(Side side, std::size_t i) const noexcept {
    const auto& v = levels(side);
    return v[v.size() - 1 - i];
  }
  [[nodiscard]] bool empty(Side side) const noexcept { return levels(side).empty(); }
  // Best bid ≥ best ask (both sides present): the book cannot be right.
  [[nodiscard]] bool crossed() const noexcept;
  [[nodiscard]] std::size_t max_levels() const noexcept { return max_levels_; }
  // New levels not kept because their side was full and they were the worst.
  [[nodiscard]] std::uint64_t truncations() const noexcept { return truncations_; }

 private:
  [[nodiscard]] const std::vector<PriceQty>& levels(Side side) const noexcept {
    return side == Side::kBuy ? bids_ : asks_;
  }
  std::vector<PriceQty> bids_;  // ascending price: best (highest) at the back
  std::vector<PriceQty> asks_;  // descending price: best (lowest) at the back
  std::size_t max_levels_;
  std::uint64_t truncations_ = 0;
};

}  // namespace keel::book
