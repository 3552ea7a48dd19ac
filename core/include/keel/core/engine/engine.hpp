// The core's event loop. For now it tracks the market the strategies will trade on: per-instrument
// last close, bar-time batches, missing bars, and an equal-weight market index. Each completed bar
// time is an output record, and the run digest is taken over those records:
//
//   per bar time: i64 open time (ns) | u64 bars present | f64 index log return of that bar time
//
// Contract: on_event() never allocates, never blocks and never reads the wall clock (its time is
// the events' time). Bad input (unknown instrument, non-positive price, time going backwards) is
// counted and dropped, never fed to the strategy math.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/core/engine/strategy.hpp"

namespace keel {

struct EngineStats {
  std::uint64_t events = 0;
  std::uint64_t bar_events = 0;
  std::uint64_t bar_times = 0;       // distinct bar open times processed ("bars" in summaries)
  std::uint64_t missing_bars = 0;    // instruments without a bar at a processed bar time
  std::uint64_t rejected_events = 0; // dropped as bad input
  std::uint64_t ignored_events = 0;  // kinds this engine does not use yet
  Nanos first_bar_time = 0;
  Nanos last_bar_time = 0;
  double index_log_return = 0.0;     // cumulative equal-weight log return
};

class Engine {
 public:
  // Allocates per-instrument state for ids 0..instrument_count-1 (warm-up).
  explicit Engine(std::size_t instrument_count);

  // Hands every completed bar time (and Control events) to `strategy` (not owned; may be null).
  void set_strategy(BarStrategy* strategy) noexcept { strategy_ = strategy; }
  // The digest the engine's outputs go to, shared with the strategy so one digest covers the run.
  [[nodiscard]] RunDigest& run_digest() noexcept { return digest_; }

  void on_event(const Event& event) noexcept;
  // Drains up to max_events from a ring; returns how many were processed.
  std::size_t poll(SpscRing<Event>& ring, std::size_t max_events) noexcept;

  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint64_t digest() const noexcept { return digest_.value(); }
  [[nodiscard]] Nanos now() const noexcept { return clock_.now(); }

 private:
  void on_bar(const Bar& bar) noexcept;
  void close_bar_time() noexcept;

  struct InstrumentState {
    Price last_close;       // zero until the first bar
    Price batch_close;      // close in the open batch (zero when absent)
  };
  std::vector<InstrumentState> instruments_;
  std::vector<InstrumentId> batch_members_;  // capacity reserved at construction
  std::vector<double> batch_closes_;         // per instrument, 0 = no bar at this bar time
  BarStrategy* strategy_ = nullptr;
  Nanos batch_close_time_ = 0;
  SimClock clock_;
  EngineStats stats_;
  RunDigest digest_;
  Nanos batch_time_ = 0;
  bool batch_open_ = false;
};

}  // namespace keel
