// Background order flow: what moves a simulated venue's market when no client trades
// (VENUE.md `[flow] kind`). A flow is a deterministic generator of timestamped order actions for the
// venue's two house accounts (a maker that quotes the book and a taker that trades against it); the
// venue applies each action to its MatchingEngine when the action's time comes (real time, ×N or as
// fast as possible — that is the venue's business, not the flow's).
//
// Contract between the venue and a flow:
//  * The venue calls next() only after the action it returned last has been applied, so the flow
//    sees the book (and its own fills, through on_execution) as they are at that moment, clients'
//    orders included.
//  * Action times never decrease. A flow's output depends only on its inputs (bars, captures, seed)
//    and on what the engine reports: the same inputs, seed and client orders give the same actions.
//  * on_execution receives every Execution of the flow's two accounts (including rejects), in order;
//    on_cancel_reject every CancelReject of a cancel or replace the flow sent (a client can take an
//    order between two of the flow's actions).
//  * next() runs on the venue's driver thread; on_execution() / on_cancel_reject() run wherever the
//    engine reports (the driver, or a FIX thread when a client's order trades with the flow's). All
//    of them run under the venue's engine lock, so never concurrently; none may call into the engine.
#pragma once

#include <cstdint>

#include "keel/sim/venue_types.hpp"

namespace keel::sim {

class MatchingEngine;

struct FlowAction {
  enum class Kind : std::uint8_t { kNone = 0, kPlace = 1, kCancel = 2, kReplace = 3 };
  Kind kind = Kind::kNone;
  std::int64_t ts = 0;  // venue time (ns, Unix epoch) at which the venue applies the action
  // Exactly one of these is meaningful, by kind; its ts equals the action's ts.
  OrderRequest place;
  CancelRequest cancel;
  ReplaceRequest replace;
};

// Submits `action` to `engine` (place → submit, cancel → cancel, replace → replace; kNone does
// nothing). The one place a flow action becomes an engine request: the venue, tests and fuzzers use it.
void apply(MatchingEngine& engine, const FlowAction& action) noexcept;

// The house accounts a flow trades with (ids in the venue's MatchingEngine).
struct FlowAccounts {
  AccountId maker = 0;
  AccountId taker = 0;
};

class OrderFlow {
 public:
  virtual ~OrderFlow() = default;
  // Writes the next action and returns true; false when the flow has ended (for good).
  virtual bool next(const MatchingEngine& engine, FlowAction& out) = 0;
  // An execution of one of the flow's accounts.
  virtual void on_execution(const Execution& /*execution*/) {}
  // A cancel or replace of one of the flow's orders was refused.
  virtual void on_cancel_reject(const CancelReject& /*reject*/) {}
};

}  // namespace keel::sim
