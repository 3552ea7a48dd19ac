// Bars from trades, on event time (issue 11: DOLPHIN runs on bars in paper and live as in backtests).
//
// A trade belongs to the interval [k·interval, (k+1)·interval) that holds its trade time (exchange
// time, ns). An interval is closed — its bars emitted — when a trade of a later interval arrives, or
// when the caller says exchange time has passed its end (close_until, e.g. from a FeedHealth or a
// book event). Closing emits one Bar per instrument that traded in the interval, in instrument order,
// OHLC from the trade prices and the summed quantity as volume; header.ts_exchange = the open time,
// ts_local = the close time (as bar files do), and the last bar of the interval carries
// kFlagEndOfBatch. An instrument without a trade in an interval has no bar there (a missing bar, as
// in the shared data). A trade older than the open interval is late: counted and dropped (the bar it
// belonged to has gone). Deterministic: nothing but the events' own times.
//
// Single-threaded (the core thread). The constructor allocates; nothing else does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"

namespace keel {

struct BarBuilderStats {
  std::uint64_t trades = 0;
  std::uint64_t late_trades = 0;      // older than the open interval: dropped
  std::uint64_t refused_trades = 0;   // unknown instrument, non-positive price or quantity, bad time
  std::uint64_t bars = 0;
  std::uint64_t bar_times = 0;        // intervals closed with at least one bar
};

class BarBuilder {
 public:
  // interval_ns > 0. Throws std::invalid_argument otherwise.
  BarBuilder(std::size_t instrument_count, Nanos interval_ns);

  // Adds a trade; when it opens a later interval, the open one is closed first and its bars are
  // written to `out` (which must hold instrument_count events). Returns the number written.
  std::size_t on_trade(const Trade& trade, std::span<Event> out) noexcept;
  // Closes the open interval if it ends at or before `exchange_time`; returns the bars written.
  std::size_t close_until(Nanos exchange_time, std::span<Event> out) noexcept;

  [[nodiscard]] Nanos interval() const noexcept { return interval_; }
  [[nodiscard]] const BarBuilderStats& stats() const noexcept { return stats_; }

 private:
  struct Open {
    Price open, high, low, close;
    Qty volume;
    bool traded = false;
  };
  std::size_t close(std::span<Event> out) noexcept;

  Nanos interval_;
  Nanos start_ = 0;       // open time of the open interval
  bool have_open_ = false;
  std::vector<Open> bars_;
  BarBuilderStats stats_;
};

}  // namespace keel
