// Time in keel. The core never reads the wall clock: its time is the time of the events it has
// processed (SimClock). MonotonicClock exists for measurement only (latency tool, benchmarks) and
// must never feed a decision.
#pragma once

#include <compare>
#include <cstdint>

namespace keel {

// Nanoseconds since the Unix epoch (event time) or since an arbitrary origin (monotonic).
using Nanos = std::int64_t;
inline constexpr Nanos kNanosPerMicro = 1'000;
inline constexpr Nanos kNanosPerMilli = 1'000'000;
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;
inline constexpr Nanos kNanosPerDay = 86'400 * kNanosPerSecond;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Nanos now() const noexcept = 0;
};

// Simulated time, advanced from events. Never goes backwards: an older event time is ignored
// (events may arrive late; time stays monotone for everything that reads it).
class SimClock final : public Clock {
 public:
  [[nodiscard]] Nanos now() const noexcept override { return now_; }
  void advance_to(Nanos t) noexcept {
    if (t > now_) now_ = t;
  }

 private:
  Nanos now_ = 0;
};

// steady_clock; for measurement only.
class MonotonicClock final : public Clock {
 public:
  [[nodiscard]] Nanos now() const noexcept override;
};

// UTC calendar helpers on event time (no time zone database, no wall clock).
struct CivilDate {
  int year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  auto operator<=>(const CivilDate&) const = default;
};
// Days since 1970-01-01 of the UTC date containing t (floor division, correct before 1970 too).
[[nodiscard]] std::int64_t utc_day_number(Nanos t) noexcept;
[[nodiscard]] CivilDate civil_from_days(std::int64_t days) noexcept;
[[nodiscard]] std::int64_t days_from_civil(CivilDate d) noexcept;

}  // namespace keel
