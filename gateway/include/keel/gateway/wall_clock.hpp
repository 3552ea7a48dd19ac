// The wall clock of the live side (CLOCK_REALTIME, ns since the Unix epoch): receive times,
// timers, the FIX session's and the operator's stamps. Only threads outside the core read it; the
// core's time is the events' (the stamps reach it inside events, journaled).
#pragma once

#include <time.h>

#include <cstdint>

namespace keel::gateway {

[[nodiscard]] inline std::int64_t wall_clock_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace keel::gateway
