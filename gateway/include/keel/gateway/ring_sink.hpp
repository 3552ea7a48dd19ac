// The feed thread's end of the SPSC ring to the core: a frame's events are staged and published with
// one store (spsc_ring.hpp, batched publication), whole or not at all.
#pragma once

#include <span>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"
#include "keel/gateway/doorbell.hpp"

namespace keel::gateway {

class RingSink final : public binance::EventSink {
 public:
  // `bell` (may be null) is rung after each publication: the consumer may be asleep on it.
  explicit RingSink(SpscRing<Event>& ring, Doorbell* bell = nullptr) noexcept : ring_(ring), bell_(bell) {}
  // False (nothing staged) when the ring has no room for every event of the batch.
  bool publish(std::span<const Event> events) noexcept override {
    if (events.size() > ring_.producer_free()) return false;
    for (const Event& e : events) (void)ring_.try_stage(e);  // room was checked: cannot fail
    ring_.publish();
    if (bell_ != nullptr) bell_->ring();
    return true;
  }

 private:
  SpscRing<Event>& ring_;
  Doorbell* bell_;
};

}  // namespace keel::gateway
