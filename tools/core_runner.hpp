// Drives the core over an event source on the calling thread (backtest, replay, convert), journaling
// each input event before the core sees it, and counting the core's allocations after warm-up.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/execution_venue.hpp"
#include "keel/core/strategy/strategies.hpp"
#include "keel/core/io/event_source.hpp"
#include "keel/core/io/run_journal.hpp"

namespace keel::cli {

struct CoreRun {
  EngineStats stats;
  std::uint64_t digest = 0;
  std::uint64_t journal_records = 0;
  std::uint64_t allocations_after_warmup = 0;  // heap allocations on this thread after the first bar time
  std::uint64_t reports_dropped = 0;           // venue answers the backtest loop could not queue
};

struct RunOptions {
  Nanos stop_at = std::numeric_limits<Nanos>::max();  // events at or after this time are not read
  std::uint64_t expected_bar_times = 0;               // for the progress bar (0 = none)
  bool progress = false;                              // draw a progress bar on stderr
  bool end_of_data = true;                            // end with a Control kEndOfData event (backtest_loop.hpp)
};

// Runs `engine` (with whatever strategy is attached) over `source`, its commands going to `venue`
// (null: dropped — replay, where the journal holds the venue's answers). journal may be null.
// Throws OutputError when the journal cannot be written.
CoreRun run_core(EventSource& source, Engine& engine, ExecutionVenue* venue, RunJournalWriter* journal,
                 const RunOptions& options = {});

// Source-of-events adaptor over a vector (replay).
class VectorSource final : public EventSource {
 public:
  explicit VectorSource(const std::vector<Event>& events) : events_(events) {}
  bool next(Event& out) override {
    if (pos_ >= events_.size()) return false;
    out = events_[pos_++];
    return true;
  }

 private:
  const std::vector<Event>& events_;
  std::size_t pos_ = 0;
};

// Two time-ordered streams as one, by receive time (ts_local): the bars (which carry their close time
// there) and a capture's order-book events; on a tie the book event comes first, so a bar sees the
// books as they stood at its close.
class MergedSource final : public EventSource {
 public:
  MergedSource(EventSource& bars, const std::vector<Event>& books) : bars_(bars), books_(books) {}
  bool next(Event& out) override {
    if (!have_bar_ && !bars_done_) {
      have_bar_ = bars_.next(bar_);
      bars_done_ = !have_bar_;
    }
    if (pos_ < books_.size() && (!have_bar_ || books_[pos_].header.ts_local <= bar_.header.ts_local)) {
      out = books_[pos_++];
      return true;
    }
    if (!have_bar_) return false;
    out = bar_;
    have_bar_ = false;
    return true;
  }

 private:
  EventSource& bars_;
  const std::vector<Event>& books_;
  Event bar_;
  bool have_bar_ = false;
  bool bars_done_ = false;
  std::size_t pos_ = 0;
};

// The market a run reads: bar files (config.data.dir set) merged into one stream, or the synthetic
// market. Not movable: the source refers to the registry and the loaded bars.
struct MarketInput {
  InstrumentRegistry registry;
  BarLoadResult bars;                   // empty for the synthetic market
  std::unique_ptr<EventSource> source;
  const BarMerger* merger = nullptr;    // set for bar files (gap statistics)
  std::string name;                     // data directory or "synthetic"
  std::uint64_t bar_times = 0;          // distinct bar times the source will produce
  // data.book_capture: the capture's order-book events, merged into `source` with the bars.
  std::unique_ptr<EventSource> bar_source;
  std::vector<Event> book_events;
  std::uint64_t book_symbols = 0;       // the capture's depth symbols the run trades
  std::int64_t book_first_ns = 0, book_last_ns = 0;  // the book events' time span
  MarketInput() = default;
  MarketInput(const MarketInput&) = delete;
  MarketInput& operator=(const MarketInput&) = delete;
};
// Throws DataError / ConfigError (start-up).
std::unique_ptr<MarketInput> open_market(const KeelConfig& config);

// The core of one run as the config describes it: the engine (risk limits, OMS, portfolio), the
// strategy and its sizer, and — for a backtest — the execution venue ([execution] venue).
struct CoreSetup {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<StrategyInstance> strategy;   // null for strategy.name = "none"
  std::unique_ptr<ExecutionVenue> venue;        // null for a replay
  std::unique_ptr<EventSource> venue_market;   // the matching venue's own copy of the market
  InstrumentRegistry venue_registry;            // (the synthetic copy registers its symbols here)
  std::string venue_name;                       // "bar-close" / "matching" / "none"
  Nanos trading_start = 0;
  Nanos stop_at = std::numeric_limits<Nanos>::max();
};
// `market` is the run's market input (the matching venue walks the same bars); null for a replay,
// which gets no venue. Precomputed features come from config.data.features (recorded in the journal,
// so a replay reads the same file). Throws DataError / ConfigError.
std::unique_ptr<CoreSetup> build_core(const KeelConfig& config, const InstrumentRegistry& registry,
                                      std::uint64_t expected_bar_times, const MarketInput* market);

// "2021-04-30T23:55:00Z" for event time ns.
std::string format_utc(std::int64_t ns);

}  // namespace keel::cli
