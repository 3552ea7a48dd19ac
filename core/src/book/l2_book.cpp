#include "keel/core/book/l2_book.hpp"

#include <algorithm>

namespace keel::book {

L2Book::L2Book(std::size_t max_levels_per_side) : max_levels_(max_levels_per_side) {
  bids_.reserve(max_levels_);
  asks_.reserve(max_levels_);
}

void L2Book::clear() noexcept {
  bids_.clear();
  asks_.clear();
}

void L2Book::set(Side side, Price price, Qty qty) noexcept {
  std::vector<PriceQty>& v = side == Side::kBuy ? bids_ : asks_;
  // First level not worse than `price`: bids ascend, asks descend (worst → best).
  const auto it = side == Side::kBuy
                      ? std::lower_bound(v.begin(), v.end(), price,
                                         [](const PriceQty& l, Price p) { return l.price < p; })
                      : std::lower_bound(v.begin(), v.end(), price,
                                         [](const PriceQty& l, Price p) { return l.price > p; });
  const bool found = it != v.end() && it->price == price;
  if (!qty.is_positive()) {
    if (found) v.erase(it);  // within the reserved storage: no allocation
    return;
  }
  if (found) {
    it->qty = qty;
    return;
  }
  if (v.size() < max_levels_) {
    v.insert(it, PriceQty{price, qty});  // size < capacity: no reallocation
    return;
  }
  if (it == v.begin()) {  // worse than every kept level of a full side
    ++truncations_;
    return;
  }
  // Full: the worst level (front) makes room; the insertion point moves one to the left.
  const auto index = it - v.begin();
  v.erase(v.begin());
  v.insert(v.begin() + (index - 1), PriceQty{price, qty});
  ++truncations_;
}

bool L2Book::crossed() const noexcept {
  return !bids_.empty() && !asks_.empty() && bids_.back().price >= asks_.back().price;
}

}  // namespace keel::book
