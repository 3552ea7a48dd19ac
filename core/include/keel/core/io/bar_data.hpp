// Bar files (ARCHITECTURE.md "Data formats") and their merge into one time-ordered Bar stream.
//
//  * CSV: header `open_time_ms,open,high,low,close,volume`, one row per bar; `.csv` or `.csv.gz`.
//  * freqtrade JSON: `[[ts,o,h,l,c,v],...]` with JSON numbers; `.json` or `.json.gz`.
//
// Loading is start-up work (allocates, throws DataError). A bad file is refused with file, line and
// reason: empty file, wrong header or column count, a value that is not a decimal (NaN/Inf
// included), a non-positive price, a high below the low, an open or close outside [low, high], a
// negative volume, or a timestamp that does not increase.
// Gaps are real: no bar is invented; find_gaps() reports them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/io/event_source.hpp"
#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/instrument.hpp"

namespace keel {

// "file:line: reason" (line 0 when the problem is the whole file).
class DataError : public std::runtime_error {
 public:
  enum class Kind : std::uint8_t { kBadContent = 1, kMissing = 2 };  // missing: no such file or dir
  DataError(std::string file, std::size_t line, std::string reason, Kind kind = Kind::kBadContent);
  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }
  Kind kind() const noexcept { return kind_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string reason_;
  Kind kind_;
};

// Latest accepted bar open time (2200-01-01T00:00Z in ms): far beyond any real bar, and small
// enough that times in nanoseconds never overflow. Larger values are usually microseconds.
inline constexpr std::int64_t kMaxOpenTimeMs = 7'258'118'400'000;
inline constexpr std::int64_t kMaxBarIntervalMs = 7LL * 86'400'000;

struct BarRow {
  std::int64_t open_time_ms = 0;
  Price open;
  Price high;
  Price low;
  Price close;
  Qty volume;
};

struct BarSeries {
  std::string symbol;
  std::string source;  // file it came from
  std::vector<BarRow> rows;
};

// Parse a whole file's text. `source` names the file in errors. Throw DataError.
BarSeries parse_bar_csv(std::string_view text, std::string_view source, std::string symbol);
BarSeries parse_bar_json(std::string_view text, std::string_view source, std::string symbol);

// Reads a file, gunzipping `.gz`. Throws DataError when it cannot be read or is corrupt.
std::string read_text_file(const std::string& path);

// Loads SYMBOL.csv, SYMBOL.csv.gz, SYMBOL.json or SYMBOL.json.gz; the symbol is the file name up to
// the first '.'. Throws DataError (kind kMissing when the file does not exist).
BarSeries load_bar_file(const std::string& path);

// The bar file of `symbol` in `dir` (SYMBOL.csv.gz, .csv, .json.gz or .json), or an empty string
// when there is none. Throws DataError when there is more than one.
std::string find_bar_file(const std::string& dir, std::string_view symbol);

// Symbols file: one symbol per line, '#' comments and blank lines ignored, order kept. Throws
// DataError for an empty list, a duplicate or an invalid symbol.
std::vector<std::string> read_symbols_file(const std::string& path);

struct BarLoadResult {
  std::vector<BarSeries> series;          // in symbol order
  std::vector<std::string> skipped;       // "SYMBOL: reason" for symbols skipped (skip_bad mode)
};

// Loads `symbols` from `dir` (all bar files of the directory sorted by symbol when `symbols` is
// empty). Every open time must be a multiple of interval_ms (a 1-minute file loaded as 5-minute bars
// is refused). skip_bad = false: the first bad or missing file throws DataError; true: it is
// recorded in `skipped` and the run goes on (DataError if nothing is left).
BarLoadResult load_bar_directory(const std::string& dir, const std::vector<std::string>& symbols,
                                 bool skip_bad, std::int64_t interval_ms);

struct GapStats {
  std::int64_t gaps = 0;            // runs of missing bars
  std::int64_t missing_bars = 0;    // bars absent on the interval grid between first and last bar
  std::int64_t longest_gap_bars = 0;
};
// Gaps of one series on its interval grid.
GapStats find_gaps(const BarSeries& series, std::int64_t interval_ms);

// Merges series (each time-ordered) into Bar events ordered by (open time, series index). The last
// bar of each open time carries kFlagEndOfBatch. ts_exchange = open time, ts_local = open time +
// interval (when the bar closed). No allocation in next(). It also counts the exchange-wide gaps:
// grid slots between consecutive bar times where no symbol has a bar.
class BarMerger final : public EventSource {
 public:
  // `ids[i]` is the instrument id of `series[i]`. The series must outlive the merger. Throws
  // std::invalid_argument for an interval outside 1 ms … 7 days.
  BarMerger(const std::vector<BarSeries>& series, std::vector<InstrumentId> ids, std::int64_t interval_ms);
  bool next(Event& out) override;
  [[nodiscard]] std::uint64_t bar_times() const noexcept { return bar_times_; }
  [[nodiscard]] std::uint64_t gaps() const noexcept { return gaps_; }
  [[nodiscard]] std::uint64_t missing_bar_times() const noexcept { return missing_bar_times_; }

 private:
  const std::vector<BarSeries>& series_;
  std::vector<InstrumentId> ids_;
  std::vector<std::size_t> cursor_;
  std::int64_t interval_ns_;
  std::int64_t current_time_ = 0;
  bool have_time_ = false;
  std::size_t scan_ = 0;  // next series index to look at for current_time_
  std::uint64_t bar_times_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t missing_bar_times_ = 0;
  std::int64_t interval_ms_;
  bool advance_time() noexcept;
};

}  // namespace keel
