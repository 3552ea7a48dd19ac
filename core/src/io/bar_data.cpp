#include "keel/core/io/bar_data.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "keel/core/io/config.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/text_lines.hpp"

namespace keel {
namespace {

constexpr std::string_view kCsvHeader = "open_time_ms,open,high,low,close,volume";
constexpr const char* kColumn[] = {"open_time_ms", "open", "high", "low", "close", "volume"};

// Unsigned decimal integer (timestamps). kOverflow past int64.
Result<std::int64_t> parse_int64(std::string_view s) noexcept {
  if (s.empty()) return Errc::kEmpty;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return Errc::kGarbage;
    if (v > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) return Errc::kOverflow;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string describe(Errc e, std::string_view column, std::string_view text) {
  const std::string shown = text.size() > 40 ? std::string(text.substr(0, 40)) + "…" : std::string(text);
  switch (e) {
    case Errc::kNotANumber: return fmt::format("{} is {} (NaN/Inf are not allowed)", column, shown);
    case Errc::kNegative: return fmt::format("{} is negative ({})", column, shown);
    case Errc::kEmpty: return fmt::format("{} is empty", column);
    default: return fmt::format("{}: {} ({:?})", column, to_string(e), shown);
  }
}

// Validation shared by both formats: prices positive, low ≤ open, close ≤ high, volume not negative,
// time increasing.
void check_row(const BarRow& row, const BarSeries& series, std::string_view source, std::size_t line) {
  const Price* prices[] = {&row.open, &row.high, &row.low, &row.close};
  for (int i = 0; i < 4; ++i) {
    if (!prices[i]->is_positive())
      throw DataError(std::string(source), line,
                      fmt::format("{} price is not positive ({})", kColumn[i + 1], prices[i]->to_string()));
  }
  // A bar's range holds its open and close (the real data in ../shared/data has no bar that breaks
  // this; one that does would move fills, stops and features silently).
  if (row.high < row.low)
    throw DataError(std::string(source), line,
                    fmt::format("high {} is below low {}", row.high.to_string(), row.low.to_string()));
  if (row.open < row.low || row.open > row.high || row.close < row.low || row.close > row.high)
    throw DataError(std::string(source), line,
                    fmt::format("open {} or close {} is outside [low {}, high {}]", row.open.to_string(),
                                row.close.to_string(), row.low.to_string(), row.high.to_string()));
  if (row.volume.raw() < 0) throw DataError(std::string(source), line, "volume is negative");
  if (row.open_time_ms > kMaxOpenTimeMs)
    throw DataError(std::string(source), line,
                    fmt::format("open_time_ms {} is after the year 2200 (microseconds instead of milliseconds?)",
                                row.open_time_ms));
  if (!series.rows.empty() && row.open_time_ms <= series.rows.back().open_time_ms)
    throw DataError(std::string(source), line,
                    fmt::format("timestamp {} does not increase (previous {})", row.open_time_ms,
                                series.rows.back().open_time_ms));
}

}  // namespace

DataError::DataError(std::string file, std::size_t line, std::string reason, Kind kind)
    : std::runtime_error(line > 0 ? fmt::format("{}:{}: {}", file, line, reason)
                                  : fmt::format("{}: {}", file, reason)),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)),
      kind_(kind) {}

BarSeries parse_bar_csv(std::string_view text, std::string_view source, std::string symbol) {
  BarSeries series{std::move(symbol), std::string(source), {}};
  series.rows.reserve(text.size() / 48 + 1);
  bool header_seen = false;
  for_each_line(text, [&](std::string_view line, std::size_t line_no, bool is_last) {
    if (line.empty()) {
      if (is_last) return;  // "a,b\n\n" — a blank last line is the file's end
      throw DataError(std::string(source), line_no, "empty line");
    }
    if (!header_seen) {
      if (line != kCsvHeader)
        throw DataError(std::string(source), line_no,
                        fmt::format("expected header \"{}\"", kCsvHeader));
      header_seen = true;
      return;
    }
    std::string_view field[6];
    std::size_t columns = 0;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      const std::string_view f = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (columns < 6) field[columns] = f;
      ++columns;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (columns != 6)
      throw DataError(std::string(source), line_no, fmt::format("expected 6 columns, found {}", columns));
    BarRow row;
    const auto ts = parse_int64(field[0]);
    if (!ts.ok()) throw DataError(std::string(source), line_no, describe(ts.error(), kColumn[0], field[0]));
    row.open_time_ms = ts.value();
    Price* prices[] = {&row.open, &row.high, &row.low, &row.close};
    for (int i = 0; i < 4; ++i) {
      const auto p = Price::parse(field[i + 1]);
      if (!p.ok()) throw DataError(std::string(source), line_no, describe(p.error(), kColumn[i + 1], field[i + 1]));
      *prices[i] = p.value();
    }
    const auto v = Qty::parse(field[5]);
    if (!v.ok()) throw DataError(std::string(source), line_no, describe(v.error(), kColumn[5], field[5]));
    row.volume = v.value();
    check_row(row, series, source, line_no);
    series.rows.push_back(row);
  });
  if (!header_seen) throw DataError(std::string(source), 0, "empty file");
  if (series.rows.empty()) throw DataError(std::string(source), 0, "no bars after the header");
  return series;
}

BarSeries parse_bar_json(std::string_view text, std::string_view source, std::string symbol) {
  BarSeries series{std::move(symbol), std::string(source), {}};
  std::size_t pos = 0;
  std::size_t line_no = 1;
  auto fail = [&](std::string reason) -> DataError { return DataError(std::string(source), line_no, std::move(reason)); };
  auto skip_ws = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
      if (text[pos] == '\n') ++line_no;
      ++pos;
    }
  };
  auto expect = [&](char c, std::string_view what) {
    skip_ws();
    if (pos >= text.size()) throw fail(fmt::format("unexpected end of file, expected {}", what));
    if (text[pos] != c) throw fail(fmt::format("expected {}, found '{}'", what, text[pos]));
    ++pos;
  };
  auto token = [&]() -> std::string_view {
    skip_ws();
    const std::size_t begin = pos;
    while (pos < text.size() && text[pos] != ',' && text[pos] != ']' && text[pos] != '[' &&
           text[pos] != ' ' && text[pos] != '\n' && text[pos] != '\r' && text[pos] != '\t')
      ++pos;
    return text.substr(begin, pos - begin);
  };
  skip_ws();
  if (pos >= text.size()) throw DataError(std::string(source), 0, "empty file");
  expect('[', "'[' opening the bar array");
  skip_ws();
  if (pos < text.size() && text[pos] == ']') throw fail("no bars in the array");
  for (;;) {
    expect('[', "'[' opening a bar");
    const std::size_t row_line = line_no;
    std::string_view f[6];
    for (int i = 0; i < 6; ++i) {
      if (i > 0) expect(',', fmt::format("',' before {}", kColumn[i]));
      f[i] = token();
      if (f[i].empty()) throw fail(fmt::format("missing {}", kColumn[i]));
    }
    skip_ws();
    if (pos < text.size() && text[pos] == ',') throw fail("expected 6 columns, found more");
    expect(']', "']' closing a bar of 6 columns");
    BarRow row;
    // Timestamps may be written as 1606780800000 or 1606780800000.0.
    std::string_view ts_text = f[0];
    if (const auto dot = ts_text.find('.'); dot != std::string_view::npos &&
        ts_text.find_first_not_of('0', dot + 1) == std::string_view::npos)
      ts_text = ts_text.substr(0, dot);
    const auto ts = parse_int64(ts_text);
    if (!ts.ok()) throw DataError(std::string(source), row_line, describe(ts.error(), kColumn[0], f[0]));
    row.open_time_ms = ts.value();
    std::int64_t values[5];
    for (int i = 0; i < 5; ++i) {
      const auto v = parse_json_number_fixed(f[i + 1]);
      if (!v.ok()) throw DataError(std::string(source), row_line, describe(v.error(), kColumn[i + 1], f[i + 1]));
      values[i] = v.value();
    }
    row.open = Price::from_raw(values[0]);
    row.high = Price::from_raw(values[1]);
    row.low = Price::from_raw(values[2]);
    row.close = Price::from_raw(values[3]);
    row.volume = Qty::from_raw(values[4]);
    check_row(row, series, source, row_line);
    series.rows.push_back(row);
    skip_ws();
    if (pos < text.size() && text[pos] == ',') {
      ++pos;
      continue;
    }
    expect(']', "',' or ']' after a bar");
    break;
  }
  skip_ws();
  if (pos != text.size()) throw fail("unexpected content after the bar array");
  return series;
}

std::string read_text_file(const std::string& path) {
  if (path.ends_with(".gz")) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) throw DataError(path, 0, "cannot open file", DataError::Kind::kMissing);
    gzbuffer(f, 1 << 17);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      const int n = gzread(f, buf, sizeof buf);
      if (n < 0) {
        int err = 0;
        const std::string msg = gzerror(f, &err);
        gzclose(f);
        throw DataError(path, 0, "corrupt gzip data: " + msg);
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    int err = 0;
    const char* msg = gzerror(f, &err);
    const std::string msg_copy = msg != nullptr ? msg : "";
    gzclose(f);
    if (err != Z_OK && err != Z_STREAM_END) throw DataError(path, 0, "corrupt gzip data: " + msg_copy);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "cannot open file", DataError::Kind::kMissing);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

BarSeries load_bar_file(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string symbol = name.substr(0, name.find('.'));
  const std::string text = read_text_file(path);
  if (name.ends_with(".csv") || name.ends_with(".csv.gz")) return parse_bar_csv(text, path, symbol);
  if (name.ends_with(".json") || name.ends_with(".json.gz")) return parse_bar_json(text, path, symbol);
  throw DataError(path, 0, "unknown bar file type (expected .csv, .csv.gz, .json or .json.gz)");
}

std::string find_bar_file(const std::string& dir, std::string_view symbol) {
  std::string found;
  for (const char* ext : {".csv.gz", ".csv", ".json.gz", ".json"}) {
    const auto p = std::filesystem::path(dir) / (std::string(symbol) + ext);
    if (!std::filesystem::is_regular_file(p)) continue;
    if (!found.empty())
      throw DataError(dir, 0, fmt::format("two bar files for {}: {} and {}", symbol, found, p.string()));
    found = p.string();
  }
  return found;
}

std::vector<std::string> read_symbols_file(const std::string& path) {
  const std::string text = read_text_file(path);
  std::vector<std::string> symbols;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const auto e = line.find_last_not_of(" \t\r");
    std::string sym = line.substr(b, e - b + 1);
    for (const char c : sym)
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        throw DataError(path, line_no, fmt::format("invalid symbol {}", quote_for_message(sym)));
    if (!seen.insert(sym).second) throw DataError(path, line_no, fmt::format("duplicate symbol {}", sym));
    symbols.push_back(std::move(sym));
  }
  if (symbols.empty()) throw DataError(path, 0, "no symbols listed");
  return symbols;
}

BarLoadResult load_bar_directory(const std::string& dir, const std::vector<std::string>& symbols_in,
                                 bool skip_bad, std::int64_t interval_ms) {
  if (!std::filesystem::is_directory(dir)) throw DataError(dir, 0, "not a directory", DataError::Kind::kMissing);
  if (interval_ms < 1 || interval_ms > kMaxBarIntervalMs)
    throw DataError(dir, 0, fmt::format("bar interval {} ms is outside 1 ms … 7 days", interval_ms));
  std::vector<std::string> symbols = symbols_in;
  if (symbols.empty()) {
    std::set<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".csv") || name.ends_with(".csv.gz") || name.ends_with(".json") ||
          name.ends_with(".json.gz")) {
        const std::string symbol = name.substr(0, name.find('.'));
        if (symbol.empty()) throw DataError(entry.path().string(), 0, "bar file name has no symbol before the '.'");
        found.insert(symbol);
      }
    }
    symbols.assign(found.begin(), found.end());
    if (symbols.empty()) throw DataError(dir, 0, "no bar files (SYMBOL.csv[.gz] or SYMBOL.json[.gz])");
  }
  BarLoadResult result;
  for (const auto& sym : symbols) {
    const std::string path = find_bar_file(dir, sym);
    try {
      if (path.empty())
        throw DataError(dir, 0, fmt::format("no bar file for symbol {}", sym), DataError::Kind::kMissing);
      BarSeries series = load_bar_file(path);
      for (std::size_t i = 0; i < series.rows.size(); ++i) {
        if (series.rows[i].open_time_ms % interval_ms != 0)
          throw DataError(path, 0,
                          fmt::format("bar {} (open_time_ms {}) is not on the {} ms grid; is the bar interval right?",
                                      i + 1, series.rows[i].open_time_ms, interval_ms));
      }
      result.series.push_back(std::move(series));
    } catch (const DataError& e) {
      if (!skip_bad) throw;
      result.skipped.push_back(fmt::format("{}: {}", sym, e.what()));
    }
  }
  if (result.series.empty()) throw DataError(dir, 0, "every symbol was skipped; nothing to run");
  return result;
}

GapStats find_gaps(const BarSeries& series, std::int64_t interval_ms) {
  GapStats g;
  for (std::size_t i = 1; i < series.rows.size(); ++i) {
    const std::int64_t dt = series.rows[i].open_time_ms - series.rows[i - 1].open_time_ms;
    if (dt > interval_ms) {
      const std::int64_t missing = dt / interval_ms - 1 + (dt % interval_ms != 0 ? 1 : 0);
      if (missing <= 0) continue;
      ++g.gaps;
      g.missing_bars += missing;
      g.longest_gap_bars = std::max(g.longest_gap_bars, missing);
    }
  }
  return g;
}

BarMerger::BarMerger(const std::vector<BarSeries>& series, std::vector<InstrumentId> ids,
                     std::int64_t interval_ms)
    : series_(series),
      ids_(std::move(ids)),
      cursor_(series.size(), 0),
      interval_ns_(interval_ms * kNanosPerMilli),
      interval_ms_(interval_ms) {
  if (ids_.size() != series_.size()) throw std::invalid_argument("BarMerger: one instrument id per series");
  if (interval_ms < 1 || interval_ms > kMaxBarIntervalMs)
    throw std::invalid_argument("BarMerger: bar interval outside 1 ms … 7 days");
}

bool BarMerger::advance_time() noexcept {
  bool found = false;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    if (cursor_[i] >= series_[i].rows.size()) continue;
    const std::int64_t ti = series_[i].rows[cursor_[i]].open_time_ms;
    if (!found || ti < t) {
      t = ti;
      found = true;
    }
  }
  if (!found) return false;
  if (bar_times_ > 0 && t - current_time_ > interval_ms_) {
    ++gaps_;
    missing_bar_times_ += static_cast<std::uint64_t>((t - current_time_ - 1) / interval_ms_);
  }
  current_time_ = t;
  have_time_ = true;
  scan_ = 0;
  ++bar_times_;
  return true;
}

bool BarMerger::next(Event& out) {
  if (!have_time_ && !advance_time()) return false;
  auto at_current = [&](std::size_t i) {
    return cursor_[i] < series_[i].rows.size() && series_[i].rows[cursor_[i]].open_time_ms == current_time_;
  };
  std::size_t i = scan_;
  while (!at_current(i)) ++i;  // advance_time guarantees one exists
  const BarRow& row = series_[i].rows[cursor_[i]++];
  std::size_t j = i + 1;
  while (j < series_.size() && !at_current(j)) ++j;
  const bool last = j >= series_.size();
  scan_ = j;
  if (last) have_time_ = false;

  Bar b{};
  b.header.instrument = ids_[i];
  b.header.ts_exchange = row.open_time_ms * kNanosPerMilli;
  b.header.ts_local = b.header.ts_exchange + interval_ns_;
  b.header.flags = last ? kFlagEndOfBatch : 0;
  b.open = row.open;
  b.high = row.high;
  b.low = row.low;
  b.close = row.close;
  b.volume = row.volume;
  out = to_event(b);
  return true;
}

}  // namespace keel
