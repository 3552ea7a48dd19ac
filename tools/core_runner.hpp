// Drives the core over an event source on the calling thread (backtest, replay, convert), journaling
// each input event before the core sees it, and counting the core's allocations after warm-up.
#pragma once

#include <cstdint>
#include <string>

#include <memory>

#include "keel/core/bar_data.hpp"
#include "keel/core/engine.hpp"
#include "keel/core/event_source.hpp"
#include "keel/core/run_journal.hpp"

namespace keel::cli {

struct CoreRun {
  EngineStats stats;
  std::uint64_t digest = 0;
  std::uint64_t journal_records = 0;
  std::uint64_t allocations_after_warmup = 0;  // heap allocations on this thread after the first bar time
};

// journal may be null. Throws OutputError when the journal cannot be written.
CoreRun run_core(EventSource& source, std::size_t instrument_count, RunJournalWriter* journal);

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

// The market a run reads: bar files (config.data.dir set) merged into one stream, or the synthetic
// market. Not movable: the source refers to the registry and the loaded bars.
struct MarketInput {
  InstrumentRegistry registry;
  BarLoadResult bars;                   // empty for the synthetic market
  std::unique_ptr<EventSource> source;
  const BarMerger* merger = nullptr;    // set for bar files (gap statistics)
  std::string name;                     // data directory or "synthetic"
  MarketInput() = default;
  MarketInput(const MarketInput&) = delete;
  MarketInput& operator=(const MarketInput&) = delete;
};
// Throws DataError / ConfigError (start-up).
std::unique_ptr<MarketInput> open_market(const KeelConfig& config);

// "2021-04-30T23:55:00Z" for event time ns.
std::string format_utc(std::int64_t ns);

}  // namespace keel::cli
