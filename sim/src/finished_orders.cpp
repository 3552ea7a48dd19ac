#include "keel/sim/finished_orders.hpp"

namespace keel::sim {

FinishedOrders::FinishedOrders(std::size_t capacity) : records_(capacity) {}

void FinishedOrders::remember(const FinishedOrder& order) noexcept {
  if (records_.empty()) return;
  records_[next_] = order;
  next_ = next_ + 1 == records_.size() ? 0 : next_ + 1;
  if (size_ < records_.size()) ++size_;
}

template <class Match>
const FinishedOrder* FinishedOrders::newest(Match&& match) const noexcept {
  std::size_t i = next_;
  for (std::size_t n = 0; n < size_; ++n) {
    i = i == 0 ? records_.size() - 1 : i - 1;
    if (match(records_[i])) return &records_[i];
  }
  return nullptr;
}

const FinishedOrder* FinishedOrders::find(AccountId account, InstrumentId instrument,
                                          const ClOrdId& cl_ord_id) const noexcept {
  return newest([&](const FinishedOrder& r) {
    return r.account == account && r.instrument == instrument && r.cl_ord_id == cl_ord_id;
  });
}

const FinishedOrder* FinishedOrders::find_final(OrderId order_id) const noexcept {
  return newest([&](const FinishedOrder& r) { return !r.replaced && r.order_id == order_id; });
}

}  // namespace keel::sim
