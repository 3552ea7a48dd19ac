// One instrument's limit order book: book state only (no matching rules, no events).
//
//  * Orders live in a pool whose capacity is fixed (and reserved) at construction; a free list of
//    released slots hands out slots, then the next never-used slot. The pool's pages are touched
//    only as orders first use them, so an idle book of capacity N costs address space, not N orders
//    of memory (the order of slots handed out is the same as with a free list of all N).
//  * Each side is a sorted array of price levels ordered worst → best, so the best level is at the
//    back and the levels that change most (near the touch) are the cheapest to insert and erase:
//    bids ascending by price, asks descending. levels(side) exposes that array.
//  * Each level is an intrusive FIFO (prev/next slot indices) of its orders in time priority.
//  * No table by venue order id: the engine finds orders through its (account, ClOrdID) index, and
//    an id table would cost a cache miss per add and per remove once the book outgrows the caches.
//  * Level totals and orders' cumulative sums are checked sums (fixed_point.hpp's rule); the engine
//    refuses an order before it would overflow one (level_fits), so a failed sum here is a broken
//    invariant and aborts.
// The constructor allocates; no other member allocates.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/containers/open_order_index.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim {

using Slot = std::uint32_t;
inline constexpr Slot kNoSlot = 0xFFFF'FFFFu;

// A resting limit order as the book stores it.
struct RestingOrder {
  OrderId id = 0;
  AccountId account = 0;
  ClOrdId cl_ord_id;
  Side side = Side::kNone;
  bool post_only = false;
  Price price;
  Qty qty;                 // total order quantity
  Qty cum_qty;             // filled so far
  Notional cum_notional;   // Σ fill price · fill qty
  Slot prev = kNoSlot;     // FIFO links within the level (free-list link when unused)
  Slot next = kNoSlot;
  std::uint64_t key_hash = 0;  // the owner's hash of (account, cl_ord_id), kept so it is never recomputed

  [[nodiscard]] Qty leaves() const noexcept { return qty - cum_qty; }
};

struct PriceLevel {
  Price price;
  Qty total;         // Σ leaves of its orders
  Slot head = kNoSlot;
  Slot tail = kNoSlot;
  std::uint32_t count = 0;
};

class OrderBook {
 public:
  // Room for `capacity` resting orders (and as many levels per side). Allocates.
  OrderBook(InstrumentId instrument, std::size_t capacity);

  [[nodiscard]] InstrumentId instrument() const noexcept { return instrument_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t order_count() const noexcept { return order_count_; }
  [[nodiscard]] bool has_free_slot() const noexcept { return free_head_ != kNoSlot || pool_.size() < capacity_; }
  // Touches every page of the order pool now (start-up work: no page fault when orders first use
  // a slot later). Changes nothing observable.
  void prefault() noexcept;
  // Bytes one book of `capacity` reserves at construction (its memory when every slot and level has
  // been used): the figure behind the venue's start-up memory check.
  [[nodiscard]] static std::size_t reserved_bytes(std::size_t capacity) noexcept {
    return capacity * (sizeof(RestingOrder) + 2 * sizeof(PriceLevel));
  }

  // Appends `order` (side, price > 0, leaves > 0) at the back of its price level, creating the
  // level. Returns its slot, or kNoSlot when the pool is exhausted. Order ids are the caller's to
  // keep unique. `level_total` receives the level's new total (what level_qty would answer).
  Slot add(const RestingOrder& order, Qty& level_total) noexcept;
  Slot add(const RestingOrder& order) noexcept {
    Qty total;
    return add(order, total);
  }
  // Removes the order in `slot` from its level and frees the slot. Returns the level's new total
  // (what level_qty would answer; 0 when the level is gone).
  Qty remove(Slot slot) noexcept;
  // Records a fill of `qty` (≤ leaves) worth `notional` on the order in `slot`; the order stays in
  // the book even when its leaves reach 0 (the caller removes it). Returns the level's new total.
  Qty fill(Slot slot, Qty qty, Notional notional) noexcept;
  // Sets the total quantity to `qty` (cum_qty < qty ≤ current qty) keeping time priority. Returns
  // the level's new total (what level_qty would answer).
  Qty reduce(Slot slot, Qty qty) noexcept;
  // Level totals after a requeue (what level_qty would answer): the level the order left (0 when
  // that emptied it) and the one it joined (the same level when the price did not change).
  struct RequeueTotals {
    Qty left;
    Qty joined;
  };
  // Moves the order to the back of the queue at `price` with total quantity `qty` (> cum_qty), as a
  // price change or quantity increase requires, and renames it.
  RequeueTotals requeue(Slot slot, Price price, Qty qty, const ClOrdId& cl_ord_id, std::uint64_t key_hash) noexcept;
  void rename(Slot slot, const ClOrdId& cl_ord_id, std::uint64_t key_hash) noexcept;

  // Slot of the order with venue id `id`, or kNoSlot. Walks the book: O(orders), for diagnostics
  // and tests, never the hot path.
  [[nodiscard]] Slot find(OrderId id) const noexcept;
  // Requires a slot returned by add() and not removed since.
  [[nodiscard]] const RestingOrder& order(Slot slot) const noexcept { return pool_[slot]; }

  // Levels of one side, worst first, best last.
  [[nodiscard]] std::span<const PriceLevel> levels(Side side) const noexcept;
  // The best level of `side`, or nullptr when the side is empty.
  [[nodiscard]] const PriceLevel* best(Side side) const noexcept;
  // Total quantity at `price` on `side` (0 when there is no such level).
  [[nodiscard]] Qty level_qty(Side side, Price price) const noexcept;
  // Whether the level at `price` on `side` can take `qty` more after `leaving` has left it (an order
  // that moves within the level) without its total overflowing int64 (fixed_point.hpp's rule: an
  // order is refused before it rests, so level totals never overflow). O(1) while every order this
  // book has held is small enough that capacity()+1 of them cannot overflow a level; otherwise one
  // level look-up.
  [[nodiscard]] bool level_fits(Side side, Price price, Qty qty, Qty leaving = {}) const noexcept;

 private:
  std::vector<PriceLevel>& side_levels(Side side) noexcept { return side == Side::kBuy ? bids_ : asks_; }
  // Index of the level at `price`, or of the position where it would be inserted; `found` tells.
  std::size_t locate(const std::vector<PriceLevel>& levels, Side side, Price price, bool& found) const noexcept;
  // Index of the existing level at `price`: the best one (matching's case) without a search.
  std::size_t level_of(const std::vector<PriceLevel>& levels, Side side, Price price) const noexcept {
    if (!levels.empty() && levels.back().price == price) return levels.size() - 1;
    bool found = false;
    return locate(levels, side, price, found);
  }
  // Appends to the level at pool_[slot].price (creating it); returns the level's new total.
  Qty link_back(Slot slot) noexcept;
  // Takes out of its level (erasing an empty level); returns the level's new total (0 when erased).
  Qty unlink(Slot slot) noexcept;

  InstrumentId instrument_;
  std::size_t capacity_;
  // Probed at random: huge pages. Reserved for capacity_; size() = slots ever used (the high-water
  // mark), so push_back never reallocates.
  std::vector<RestingOrder, LargePageAllocator<RestingOrder>> pool_;
  std::vector<PriceLevel> bids_;  // ascending price: best (highest) at the back
  std::vector<PriceLevel> asks_;  // descending price: best (lowest) at the back
  Slot free_head_ = kNoSlot;
  std::size_t order_count_ = 0;
  std::int64_t max_leaves_ = 0;   // the largest leaves any order has rested with (only grows)
  std::int64_t small_leaves_ = 0; // leaves up to this: capacity()+1 orders cannot overflow a level
};

}  // namespace keel::sim
