// The interface between the core's event loop and a bar strategy (DOLPHIN today). The engine
// assembles each bar time's batch of bars and hands it over once the batch is complete.
#pragma once

#include <span>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"

namespace keel {

// One completed bar time. closes[i] is instrument i's close (> 0) or 0 when it has no bar now.
struct BarTime {
  Nanos open_time = 0;   // ns since the epoch
  Nanos close_time = 0;  // when the bars became known (the events' ts_local)
  std::span<const double> closes;
};

class BarStrategy {
 public:
  virtual ~BarStrategy() = default;
  // Called on the core thread; must not allocate, block or read the wall clock.
  virtual void on_bar_time(const BarTime& bar) noexcept = 0;
  // Control events other than end-of-data, in event order (applied by the strategy as it defines).
  virtual void on_control(const Control& control) noexcept = 0;
};

}  // namespace keel
