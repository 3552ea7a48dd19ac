// Exponential reconnect backoff with seeded jitter (gateway-private).
#pragma once

#include <algorithm>
#include <cstdint>

#include "keel/core/primitives/rng.hpp"

namespace keel::gateway::net {

// The n-th consecutive failure waits d/2 + u * d/2 ms with d = min(max, initial * 2^n) and u
// uniform from keel's generator (RNG.md) on the stream "ws_backoff" of `seed`: never less than half
// the exponential step (no thundering retry), never more than max. reset() after a healthy
// connection.
class Backoff {
 public:
  Backoff(std::int64_t initial_ms, std::int64_t max_ms, std::uint64_t seed) noexcept
      : initial_ms_(std::max<std::int64_t>(initial_ms, 1)),
        max_ms_(std::max(max_ms, initial_ms_)),
        rng_(seed ^ fnv1a64("ws_backoff")) {}

  // The delay before the next attempt, in ms; advances the failure count.
  std::int64_t next_delay_ms() noexcept {
    std::int64_t d = initial_ms_;
    for (int i = 0; i < failures_ && d < max_ms_; ++i) d *= 2;
    d = std::min(d, max_ms_);
    if (failures_ < 62) ++failures_;
    const double u = rng_.uniform();
    return d / 2 + static_cast<std::int64_t>(u * static_cast<double>(d - d / 2));
  }
  void reset() noexcept { failures_ = 0; }
  [[nodiscard]] int failures() const noexcept { return failures_; }

 private:
  std::int64_t initial_ms_;
  std::int64_t max_ms_;
  int failures_ = 0;
  Xoshiro256StarStar rng_;
};

}  // namespace keel::gateway::net
