// The one execution interface: every venue takes the core's OrderCommands and answers with
// ExecReport events. Backtest venues (bar-close, matching) run in-process on the core thread, in
// event order (backtest_loop.hpp); the FIX venue of paper and live trading runs on its own thread
// behind rings and implements the same contract there.
//
// Contract for an in-process venue:
//  * on_market_event(e) is called with each market event before the core sees it: the venue moves
//    its clock (and its market) to e's time and may answer requests that came due by then;
//  * submit(c) is called with each command the core wrote, in order, at the core's time;
//  * answers go to the sink, synchronously and in order; a venue never calls into the core;
//  * every request gets an answer (an ack, a fill, a reject, a cancel reject, a status) — a venue
//    that drops one is the fault the OMS's Unknown state and status queries are for.
// None of these may allocate after construction or throw.
#pragma once

#include <cstdint>

#include "keel/core/primitives/events.hpp"

namespace keel {

class ReportSink {
 public:
  virtual ~ReportSink() = default;
  virtual void on_report(const ExecReport& report) noexcept = 0;
};

class ExecutionVenue {
 public:
  virtual ~ExecutionVenue() = default;
  virtual void on_market_event(const Event& event, ReportSink& sink) noexcept = 0;
  virtual void submit(const OrderCommand& command, ReportSink& sink) noexcept = 0;
  // Requests or answers the venue had to drop (a full queue, a failing flow): a run with any is not
  // to be trusted; the summary reports it.
  [[nodiscard]] virtual std::uint64_t faults() const noexcept { return 0; }
};

}  // namespace keel
