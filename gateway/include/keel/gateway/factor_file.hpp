// A watched factor file: an operator's (or a cron job's) external factors as ExternalFactor events.
//
// The file is text, one value per line (docs/FORMATS.md "Factor file"):
//
//   # comment                       blank lines and lines starting with '#' are skipped
//   fear_greed 23
//   implied_vol 61.5
//   funding -0.00012 BTCUSDT        the symbol is optional (no symbol: kNoInstrument)
//
// `<factor> <value> [SYMBOL]`, fields separated by spaces or tabs, a trailing CR allowed. Factor
// names are control_request.hpp's table (factor_from_name); the value is a finite decimal
// (std::from_chars syntax, no '+', no NaN/Inf); the symbol must be one the resolver knows. Every
// line ends with '\n'; an unterminated last line is taken as a write in progress and read only once
// the file has stayed unchanged for one more poll.
//
// FactorFileWatcher::poll() is the whole mechanism, no thread of its own: the caller runs it
// periodically (the runtime's once-a-second housekeeping, say) on a thread that may block on file
// I/O — never the core's. A poll stats the file; when its identity, size or mtime changed since the
// last read it reads the whole file and hands every value that is new or changed (per factor and
// instrument; the last line of a factor/instrument wins within one read) to `deliver` as an
// ExternalFactor event with ts_exchange 0, ts_local 0 (the caller stamps it, as the control
// endpoint does) and seq 1, 2, 3, … per watcher. A value `deliver` refuses (returns false: a full
// ring) makes the next poll read the file again. Malformed lines are counted and logged once each
// (file:line: reason); a missing, unreadable or oversized file is counted and logged once until it
// changes; values already delivered are never retracted (an emptied or deleted file leaves them in
// force).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/gateway/control/control_request.hpp"

namespace keel::gateway {

inline constexpr std::size_t kMaxFactorFileBytes = 1u << 20;
inline constexpr std::size_t kMaxFactorSymbolBytes = 32;

// One line of the file, parsed. `symbol` points into the line.
enum class FactorLineStatus : std::uint8_t { kValue = 0, kSkip = 1, kMalformed = 2 };
struct FactorLine {
  FactorLineStatus status = FactorLineStatus::kSkip;
  FactorKind kind = FactorKind::kNone;
  double value = 0.0;
  std::string_view symbol;  // empty: none
  std::string_view error;   // kMalformed: why (a static string, never the input)
};

// Parses one line (without its '\n'; a trailing '\r' is allowed). Never throws, never allocates.
[[nodiscard]] FactorLine parse_factor_line(std::string_view line) noexcept;

struct FactorFileStats {
  std::uint64_t polls = 0;
  std::uint64_t reads = 0;             // whole-file reads (the file changed)
  std::uint64_t values_delivered = 0;  // events `deliver` accepted
  std::uint64_t deliver_refused = 0;   // events `deliver` refused (retried at the next poll)
  std::uint64_t malformed_lines = 0;   // per read
  std::uint64_t unknown_symbols = 0;   // per read (also counted in malformed_lines)
  std::uint64_t missing = 0;           // polls that found no file
  std::uint64_t read_errors = 0;    // the file could not be read, or was over kMaxFactorFileBytes
  std::uint64_t partial_lines = 0;  // reads that left an unterminated last line for later
};

struct FactorFileOptions {
  std::string path;
  SymbolResolver resolve;                          // empty: any line with a symbol is malformed
  std::function<bool(const Event&)> deliver;       // required
  std::function<void(std::string_view line)> log;  // may be empty
};

class FactorFileWatcher {
 public:
  // Throws std::invalid_argument when `deliver` is empty or the path is empty. Reads nothing yet.
  explicit FactorFileWatcher(FactorFileOptions options);

  // Checks the file once (see the header comment). Returns the number of events delivered. Blocks
  // on file I/O; allocates (start-up-like work off the hot path). Never throws except
  // std::bad_alloc and what `deliver` or `log` throw.
  std::size_t poll();

  [[nodiscard]] const FactorFileStats& stats() const noexcept { return stats_; }

 private:
  struct Signature {
    bool present = false;
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Signature&) const = default;
  };
  struct Known {
    FactorKind kind;
    InstrumentId instrument;
    double value;
  };
  std::size_t read_and_deliver(const Signature& stated, bool take_unterminated);
  void log_once(std::uint64_t key, const std::string& line);

  FactorFileOptions opt_;
  Signature seen_;             // the file as last read (or found missing)
  bool retry_ = false;         // a delivery was refused: read again
  bool tail_pending_ = false;  // the last read left an unterminated line
  std::uint64_t seq_ = 0;
  std::vector<Known> known_;                  // what was delivered, per (kind, instrument)
  std::unordered_set<std::uint64_t> logged_;  // hashes of messages already logged
  FactorFileStats stats_;
};

}  // namespace keel::gateway
