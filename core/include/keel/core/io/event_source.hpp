// Where a single-threaded run's events come from: a bar merger, the synthetic market, a journal.
#pragma once

#include "keel/core/primitives/events.hpp"

namespace keel {

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Writes the next event into `out` and returns true, or returns false at the end. Implementations
  // used on the core thread do not allocate here.
  virtual bool next(Event& out) = 0;
};

}  // namespace keel
