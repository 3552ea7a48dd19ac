// A run's journal: everything needed to re-run the core without the original data or config.
// Each journal record (journal.hpp) starts with a one-byte record type:
//
//   1 Config      canonical TOML of the run's configuration (config.hpp dump_config)
//   2 Instrument  u32 id | i64 tick raw | i64 lot raw | i64 min-notional raw | symbol bytes
//   3 Event       the event's canonical bytes (events.hpp)
//
// A run journal holds one Config record, then the Instrument records (ids 0..n-1 in order), then
// the input events in the order the core consumed them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/io/config.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/io/journal.hpp"

namespace keel {

enum class RecordType : std::uint8_t { kNone = 0, kConfig = 1, kInstrument = 2, kEvent = 3 };

class RunJournalWriter {
 public:
  // Throws OutputError when the file cannot be created.
  RunJournalWriter(const std::string& path, const KeelConfig& config, const InstrumentRegistry& registry);
  // Never allocates. kIo when the OS refuses the write.
  [[nodiscard]] Errc append(const Event& event) noexcept;
  [[nodiscard]] Errc close() noexcept { return writer_.close(); }
  [[nodiscard]] std::uint64_t records_written() const noexcept { return writer_.records_written(); }

 private:
  JournalWriter writer_;
};

// A decoded run journal. Throws DataError (bar_data.hpp) for a bad header, a missing or corrupt
// config record, bad instrument records or an undecodable event; a torn or corrupt tail is not
// thrown but reported in `problem`, with every event before it kept.
struct RunJournal {
  KeelConfig config;
  std::uint64_t config_hash = 0;
  InstrumentRegistry registry;
  std::vector<Event> events;
  JournalProblem problem;
};
RunJournal read_run_journal(const std::string& path);

}  // namespace keel
