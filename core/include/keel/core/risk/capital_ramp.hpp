// The capital ramp: live trading starts with a fraction of the risk limits' exposure and earns the
// rest one clean UTC day at a time.
//
//   fraction = min(1, start_fraction + daily_step · clean_days)
//
// scales max_gross_exposure and max_position_notional (PreTradeRisk::set_exposure_scale). A UTC day
// (event time) that ends without a breach adds one clean day; a breach — a kill-switch trip (the
// operator's, or the daily-loss limit's) or a flatten — steps back one clean day at once (never below
// zero, so never below start_fraction), once per UTC day, and that day does not count. Days are
// counted at day boundaries seen in event time: one per boundary crossed, however long the gap
// (a day with no events at all earns nothing). The first, partial day counts when it ends cleanly.
//
// The caller resumes a ramp from earlier live runs by passing the start fraction and the clean days
// so far (clean_days() reads them back to store). Disabled (start_fraction 1 or daily_step ≤ 0 with
// start_fraction 1): the fraction is 1 and nothing changes.
// Never allocates, reads no clock: time is the event time passed in.
#pragma once

#include <cstdint>

#include "keel/core/primitives/clock.hpp"

namespace keel {

struct CapitalRampConfig {
  double start_fraction = 1.0;     // (0, 1]; 1 = no ramp
  double daily_step = 0.0;         // added per clean UTC day (≥ 0)
  std::int64_t clean_days = 0;     // clean days completed in earlier runs (≥ 0)
  Nanos count_from = 0;            // days are counted from the first time at or after this (warm-up
                                   // bars before it are history, not days of live trading)
};

class CapitalRamp {
 public:
  // Out-of-range inputs are clamped: start_fraction to (0, 1] (non-finite or ≤ 0 ⇒ 1: a bad value
  // must never make the limits tighter than zero or switch the ramp into something else), a
  // negative or non-finite step to 0, negative days to 0.
  explicit CapitalRamp(const CapitalRampConfig& config) noexcept;

  // Event time. Returns true when the fraction changed (the caller rescales risk).
  bool on_time(Nanos now) noexcept;
  // A risk breach at `now`. Returns true when the fraction changed.
  bool on_breach(Nanos now) noexcept;

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  [[nodiscard]] double fraction() const noexcept { return fraction_; }
  [[nodiscard]] std::int64_t clean_days() const noexcept { return clean_days_; }
  [[nodiscard]] std::uint64_t breaches() const noexcept { return breaches_; }
  [[nodiscard]] std::uint64_t breach_days() const noexcept { return breach_days_; }

 private:
  Nanos count_from_ = 0;
  void recompute() noexcept;

  double start_ = 1.0;
  double step_ = 0.0;
  std::int64_t clean_days_ = 0;
  double fraction_ = 1.0;
  bool enabled_ = false;
  std::int64_t day_ = INT64_MIN;  // the UTC day in progress (INT64_MIN: no event yet)
  bool breached_today_ = false;
  std::uint64_t breaches_ = 0;
  std::uint64_t breach_days_ = 0;
};

}  // namespace keel
