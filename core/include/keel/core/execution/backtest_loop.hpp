// Runs the core and an in-process venue on one thread, in event order (backtest and replay):
//
//   feed(e):  venue sees e (answers what came due) → pump → e reaches the core → pump, where pump
//             sends every command in the core's output ring to the venue, then hands the core one
//             queued report, and again, until both are empty.
//
// Every event the core consumes — market events and ExecReports alike — is first appended to the
// journal (when one is given), so replaying the journal through a core without a venue (venue null:
// commands are drained and dropped) reproduces the run and its digest. Allocation-free after
// construction (the report queue is a fixed ring).
#pragma once

#include <cstdint>

#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/execution_venue.hpp"
#include "keel/core/io/run_journal.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel {

class BacktestLoop final : private ReportSink {
 public:
  // venue and journal may be null. The queue holds the answers not yet consumed; a venue that runs
  // kQueue ahead has the rest counted (dropped_reports) — a run with drops is not to be trusted, and
  // the backtest summary reports the count.
  static constexpr std::size_t kQueue = 4096;
  BacktestLoop(Engine& engine, ExecutionVenue* venue, RunJournalWriter* journal);

  // Errc::kIo when the journal cannot be written (the event is not processed).
  [[nodiscard]] Errc feed(const Event& event) noexcept;
  // The input's end: a Control kEndOfData event (journaled) unless `end_of_data` is false — a
  // replay of a journal that already ends with one (a paper or live run's) adds none.
  [[nodiscard]] Errc finish(bool end_of_data = true) noexcept;

  [[nodiscard]] std::uint64_t dropped_reports() const noexcept { return dropped_; }
  [[nodiscard]] std::uint64_t commands_dropped() const noexcept { return commands_dropped_; }

 private:
  void on_report(const ExecReport& report) noexcept override;
  Errc consume(const Event& event) noexcept;
  Errc pump() noexcept;

  Engine& engine_;
  ExecutionVenue* venue_;
  RunJournalWriter* journal_;
  SpscRing<Event> queue_;
  std::uint64_t dropped_ = 0;
  std::uint64_t commands_dropped_ = 0;
};

}  // namespace keel
