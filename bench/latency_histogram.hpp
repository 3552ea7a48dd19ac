// Latency samples and their percentiles, shared by the latency benchmarks (STYLE.md: latency is
// reported as a histogram, p50/p99/p99.9/max, never only a mean).
//
// Contract: reserve() once before the timed region, then record() one sample per measured event;
// record() never allocates (samples beyond the reserved capacity are counted in dropped() and left
// out). summarize() sorts the samples in place and is meant for after the timed region.
// Percentiles use the nearest-rank definition: pXX is the smallest sample such that at least XX % of
// the samples are <= it, so p100 is the maximum and every reported value was actually observed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace keel::bench {

struct LatencySummary {
  std::size_t count = 0;
  double min = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  double mean = 0;
};

class LatencyHistogram {
 public:
  // Allocates room for `capacity` samples (start-up; record() then never allocates).
  void reserve(std::size_t capacity) {
    samples_.clear();
    samples_.reserve(capacity);
    dropped_ = 0;
  }

  // One sample in arbitrary integer units (ns, TSC ticks). Never allocates.
  void record(std::uint64_t sample) noexcept {
    if (samples_.size() < samples_.capacity()) {
      samples_.push_back(sample);
    } else {
      ++dropped_;
    }
  }

  [[nodiscard]] std::size_t count() const noexcept { return samples_.size(); }
  [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }

  // Sorts the samples and returns their percentiles multiplied by `scale` (e.g. ns per TSC tick).
  // All zero when there are no samples.
  [[nodiscard]] LatencySummary summarize(double scale = 1.0) {
    LatencySummary s;
    s.count = samples_.size();
    if (samples_.empty()) return s;
    std::sort(samples_.begin(), samples_.end());
    double sum = 0;
    for (const std::uint64_t v : samples_) sum += static_cast<double>(v);
    s.min = static_cast<double>(samples_.front()) * scale;
    s.p50 = percentile(0.50) * scale;
    s.p99 = percentile(0.99) * scale;
    s.p999 = percentile(0.999) * scale;
    s.max = static_cast<double>(samples_.back()) * scale;
    s.mean = sum / static_cast<double>(samples_.size()) * scale;
    return s;
  }

 private:
  // Nearest rank on the sorted samples; q in (0, 1].
  [[nodiscard]] double percentile(double q) const noexcept {
    const double n = static_cast<double>(samples_.size());
    auto rank = static_cast<std::size_t>(std::ceil(q * n));
    if (rank < 1) rank = 1;
    if (rank > samples_.size()) rank = samples_.size();
    return static_cast<double>(samples_[rank - 1]);
  }

  std::vector<std::uint64_t> samples_;
  std::size_t dropped_ = 0;
};

// Publishes a summary as benchmark counters: <prefix>p50, <prefix>p99, <prefix>p99.9, <prefix>max,
// <prefix>min, <prefix>mean and the sample count. Values are plain numbers in the summary's unit.
inline void report_latency(benchmark::State& state, const LatencySummary& s, const char* prefix) {
  const std::string p(prefix);
  state.counters[p + "p50"] = benchmark::Counter(s.p50);
  state.counters[p + "p99"] = benchmark::Counter(s.p99);
  state.counters[p + "p99.9"] = benchmark::Counter(s.p999);
  state.counters[p + "max"] = benchmark::Counter(s.max);
  state.counters[p + "min"] = benchmark::Counter(s.min);
  state.counters[p + "mean"] = benchmark::Counter(s.mean);
  state.counters["samples"] = benchmark::Counter(static_cast<double>(s.count));
}

}  // namespace keel::bench
