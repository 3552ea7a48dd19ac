// Short-interval timing for latency benchmarks: the TSC read between LFENCEs (Intel's advice for
// short intervals), its calibration against steady_clock, and the cost of an empty measurement (what
// a per-call sample subtracts). Measurement only: never used by keel's own code.
#pragma once

#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace keel::bench {

inline std::uint64_t tsc_now() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

// Nanoseconds per TSC tick, measured once over ~100 ms.
inline double ns_per_tick() {
  static const double value = [] {
    using Clock = std::chrono::steady_clock;
    const auto c0 = Clock::now();
    const std::uint64_t t0 = tsc_now();
    while (Clock::now() - c0 < std::chrono::milliseconds(100)) _mm_pause();
    const auto c1 = Clock::now();
    const std::uint64_t t1 = tsc_now();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count();
    return static_cast<double>(ns) / static_cast<double>(t1 - t0);
  }();
  return value;
}

// The median ticks of an empty tsc_now() pair: subtracted from every per-call sample.
inline std::uint64_t tsc_overhead() {
  static const std::uint64_t value = [] {
    std::vector<std::uint64_t> v(10'001);
    for (auto& x : v) {
      const std::uint64_t a = tsc_now();
      const std::uint64_t b = tsc_now();
      x = b - a;
    }
    std::nth_element(v.begin(), v.begin() + 5000, v.end());
    return v[5000];
  }();
  return value;
}

}  // namespace keel::bench
