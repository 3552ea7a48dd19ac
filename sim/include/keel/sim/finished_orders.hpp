// The venue's memory of finished client orders (filled, canceled, expired), so that an
// OrderStatusRequest (H) for an order that no longer rests is answered with its final state instead
// of "Unknown order" (DECISIONS 246).
//
// A bounded FIFO: `capacity` records, allocated once in the constructor; remembering one more than
// that forgets the oldest. Lookups walk the records newest first (a ClOrdID used again after its
// order finished finds the newest order), O(capacity) per lookup: status requests are rare, and a
// flat array keeps the memory preallocated with nothing to rehash. Not thread-safe (the venue holds
// its engine lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "keel/sim/venue_types.hpp"

namespace keel::sim {

struct FinishedOrder {
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  OrderId order_id = 0;
  ClOrdId cl_ord_id;                  // the id this record answers to
  Side side = Side::kNone;
  OrdStatus status = OrdStatus::kNone;  // final: kFilled or kCanceled; kNone for a replaced id
  bool replaced = false;              // cl_ord_id was replaced: the order lives on under another id
  Qty order_qty;
  Qty cum_qty;
  Notional cum_notional;              // AvgPx = average_price(cum_notional, cum_qty)
};
static_assert(std::is_trivially_copyable_v<FinishedOrder>);

class FinishedOrders {
 public:
  // Allocates `capacity` records (0: remembers nothing). Throws std::bad_alloc.
  explicit FinishedOrders(std::size_t capacity);

  // Remembers `order`, forgetting the oldest record when full. Never allocates.
  void remember(const FinishedOrder& order) noexcept;
  // The newest record of (account, instrument, cl_ord_id); nullptr when none is remembered.
  [[nodiscard]] const FinishedOrder* find(AccountId account, InstrumentId instrument,
                                          const ClOrdId& cl_ord_id) const noexcept;
  // The newest final (not replaced) record of the venue order `order_id`; nullptr when none.
  [[nodiscard]] const FinishedOrder* find_final(OrderId order_id) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return records_.size(); }

 private:
  template <class Match>
  [[nodiscard]] const FinishedOrder* newest(Match&& match) const noexcept;

  std::vector<FinishedOrder> records_;
  std::size_t next_ = 0;  // where the next record goes (the oldest, once full)
  std::size_t size_ = 0;
};

}  // namespace keel::sim
