#include "keel/sim/order_book.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace keel::sim {
namespace {

// A checked sum the engine's admission checks guarantee (order_book.hpp): failure is a broken
// invariant, never a value to publish.
template <class Tag>
void add_or_abort(detail::Fixed<Tag>& acc, detail::Fixed<Tag> v) noexcept {
  if (!try_add(acc, v)) std::abort();
}

// Index of the first level for which `worse` is false (`worse` is true on a prefix of `levels`).
template <class Worse>
std::size_t lower_bound(const std::vector<PriceLevel>& levels, Worse worse) noexcept {
  const std::size_t size = levels.size();
  if (size == 0) return 0;
  const PriceLevel* base = levels.data();
  for (std::size_t n = size; n > 1;) {
    const std::size_t half = n / 2;
    base = worse(base[half]) ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - levels.data()) + (worse(*base) ? 1 : 0);
}

}  // namespace

OrderBook::OrderBook(InstrumentId instrument, std::size_t capacity)
    : instrument_(instrument),
      capacity_(capacity),
      small_leaves_(std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(capacity + 1)) {
  pool_.reserve(capacity);
  bids_.reserve(capacity);
  asks_.reserve(capacity);
}

void OrderBook::prefault() noexcept {
  // The reserved storage past size() holds no objects yet: raw bytes may be written to it.
  auto* bytes = reinterpret_cast<unsigned char*>(pool_.data() + pool_.size());
  std::memset(bytes, 0, (capacity_ - pool_.size()) * sizeof(RestingOrder));
}

Slot OrderBook::add(const RestingOrder& order, Qty& level_total) noexcept {
  // A freed slot first (the front of the free list: the slot and cache line the last remove
  // touched), else the next never-used slot in slot order.
  Slot slot = free_head_;
  if (slot != kNoSlot) {
    free_head_ = pool_[slot].next;
    pool_[slot] = order;
  } else if (pool_.size() < capacity_) {
    slot = static_cast<Slot>(pool_.size());
    pool_.push_back(order);  // within the reserved capacity: no allocation
  } else {
    return kNoSlot;
  }
  level_total = link_back(slot);
  ++order_count_;
  return slot;
}

Qty OrderBook::remove(Slot slot) noexcept {
  const Qty total = unlink(slot);
  pool_[slot].next = free_head_;
  free_head_ = slot;
  --order_count_;
  return total;
}

Qty OrderBook::fill(Slot slot, Qty qty, Notional notional) noexcept {
  RestingOrder& o = pool_[slot];
  add_or_abort(o.cum_qty, qty);
  add_or_abort(o.cum_notional, notional);
  auto& levels = side_levels(o.side);
  const std::size_t i = level_of(levels, o.side, o.price);
  levels[i].total -= qty;
  return levels[i].total;
}

Qty OrderBook::reduce(Slot slot, Qty qty) noexcept {
  RestingOrder& o = pool_[slot];
  bool found = false;
  auto& levels = side_levels(o.side);
  const std::size_t i = locate(levels, o.side, o.price, found);
  levels[i].total -= o.qty - qty;
  o.qty = qty;
  return levels[i].total;
}

OrderBook::RequeueTotals OrderBook::requeue(Slot slot, Price price, Qty qty, const ClOrdId& cl_ord_id,
                                            std::uint64_t key_hash) noexcept {
  RequeueTotals totals;
  totals.left = unlink(slot);
  RestingOrder& o = pool_[slot];
  const bool same_level = o.price == price;
  o.price = price;
  o.qty = qty;
  o.cl_ord_id = cl_ord_id;
  o.key_hash = key_hash;
  totals.joined = link_back(slot);
  if (same_level) totals.left = totals.joined;
  return totals;
}

void OrderBook::rename(Slot slot, const ClOrdId& cl_ord_id, std::uint64_t key_hash) noexcept {
  pool_[slot].cl_ord_id = cl_ord_id;
  pool_[slot].key_hash = key_hash;
}

Slot OrderBook::find(OrderId id) const noexcept {
  for (const auto* side : {&bids_, &asks_}) {
    for (const PriceLevel& level : *side) {
      for (Slot s = level.head; s != kNoSlot; s = pool_[s].next) {
        if (pool_[s].id == id) return s;
      }
    }
  }
  return kNoSlot;
}

std::span<const PriceLevel> OrderBook::levels(Side side) const noexcept {
  return side == Side::kBuy ? std::span<const PriceLevel>(bids_) : std::span<const PriceLevel>(asks_);
}

const PriceLevel* OrderBook::best(Side side) const noexcept {
  const auto& levels = side == Side::kBuy ? bids_ : asks_;
  return levels.empty() ? nullptr : &levels.back();
}

Qty OrderBook::level_qty(Side side, Price price) const noexcept {
  const auto& levels = side == Side::kBuy ? bids_ : asks_;
  bool found = false;
  const std::size_t i = locate(levels, side, price, found);
  return found ? levels[i].total : Qty{};
}

bool OrderBook::level_fits(Side side, Price price, Qty qty, Qty leaving) const noexcept {
  if (std::max(max_leaves_, qty.raw()) <= small_leaves_ && leaving.raw() >= 0) return true;
  Qty total = level_qty(side, price);
  return try_sub(total, leaving) && try_add(total, qty);
}

std::size_t OrderBook::locate(const std::vector<PriceLevel>& levels, Side side, Price price,
                              bool& found) const noexcept {
  // First index whose level is not worse than `price` (bids ascending, asks descending). Branch-free
  // binary search: the halving step compiles to a conditional move, so the ~7 steps over a typical
  // side do not pay a mispredicted branch each.
  const std::size_t lo = side == Side::kBuy
                             ? lower_bound(levels, [&](const PriceLevel& l) { return l.price < price; })
                             : lower_bound(levels, [&](const PriceLevel& l) { return l.price > price; });
  found = lo < levels.size() && levels[lo].price == price;
  return lo;
}

Qty OrderBook::link_back(Slot slot) noexcept {
  RestingOrder& o = pool_[slot];
  auto& levels = side_levels(o.side);
  bool found = false;
  const std::size_t i = locate(levels, o.side, o.price, found);
  if (!found) {
    // No allocation: capacity() ≥ the number of orders ≥ the number of levels.
    PriceLevel fresh{};
    fresh.price = o.price;
    levels.insert(levels.begin() + static_cast<std::ptrdiff_t>(i), fresh);
  }
  PriceLevel& level = levels[i];
  o.prev = level.tail;
  o.next = kNoSlot;
  if (level.tail == kNoSlot) {
    level.head = slot;
  } else {
    pool_[level.tail].next = slot;
  }
  level.tail = slot;
  add_or_abort(level.total, o.leaves());
  max_leaves_ = std::max(max_leaves_, o.leaves().raw());
  ++level.count;
  return level.total;
}

Qty OrderBook::unlink(Slot slot) noexcept {
  RestingOrder& o = pool_[slot];
  auto& levels = side_levels(o.side);
  const std::size_t i = level_of(levels, o.side, o.price);
  PriceLevel& level = levels[i];
  if (o.prev == kNoSlot) {
    level.head = o.next;
  } else {
    pool_[o.prev].next = o.next;
  }
  if (o.next == kNoSlot) {
    level.tail = o.prev;
  } else {
    pool_[o.next].prev = o.prev;
  }
  level.total -= o.leaves();
  --level.count;
  o.prev = o.next = kNoSlot;
  if (level.count != 0) return level.total;
  levels.erase(levels.begin() + static_cast<std::ptrdiff_t>(i));
  return Qty{};
}

}  // namespace keel::sim
