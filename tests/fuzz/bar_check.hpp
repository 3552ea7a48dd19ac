// Shared by fuzz_bar_csv and fuzz_bar_json: invariants of a successfully parsed bar file, and the
// other format's rendering of the same rows (each target round-trips through the other loader).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/core/io/bar_data.hpp"

namespace keel_fuzz {

inline void check_bar_series(const keel::BarSeries& s) {
  KEEL_FUZZ_CHECK(!s.rows.empty());
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const keel::BarRow& r = s.rows[i];
    KEEL_FUZZ_CHECK(r.open_time_ms >= 0);
    if (i > 0) KEEL_FUZZ_CHECK(r.open_time_ms > s.rows[i - 1].open_time_ms);
    KEEL_FUZZ_CHECK(r.open.is_positive());
    KEEL_FUZZ_CHECK(r.high.is_positive());
    KEEL_FUZZ_CHECK(r.low.is_positive());
    KEEL_FUZZ_CHECK(r.close.is_positive());
    KEEL_FUZZ_CHECK(r.volume.raw() >= 0);
  }
}

inline bool same_rows(const keel::BarSeries& a, const keel::BarSeries& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const keel::BarRow& x = a.rows[i];
    const keel::BarRow& y = b.rows[i];
    if (x.open_time_ms != y.open_time_ms || x.open != y.open || x.high != y.high || x.low != y.low ||
        x.close != y.close || x.volume != y.volume)
      return false;
  }
  return true;
}

inline std::string to_csv(const keel::BarSeries& s) {
  std::string out = "open_time_ms,open,high,low,close,volume\n";
  for (const keel::BarRow& r : s.rows) {
    out += std::to_string(r.open_time_ms);
    for (const std::int64_t raw : {r.open.raw(), r.high.raw(), r.low.raw(), r.close.raw(), r.volume.raw()}) {
      out += ',';
      out += keel::format_fixed_shortest(raw);
    }
    out += '\n';
  }
  return out;
}

inline std::string to_json(const keel::BarSeries& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const keel::BarRow& r = s.rows[i];
    out += i == 0 ? "\n[" : ",\n[";
    out += std::to_string(r.open_time_ms);
    for (const std::int64_t raw : {r.open.raw(), r.high.raw(), r.low.raw(), r.close.raw(), r.volume.raw()}) {
      out += ", ";
      out += keel::format_fixed_shortest(raw);
    }
    out += ']';
  }
  out += "\n]\n";
  return out;
}

// Parses `text` with `parse`; DataError is an expected outcome for bad input, anything else escapes
// (an uncaught exception aborts the fuzzer, which records the input). On success checks the series
// and its round trip through both loaders.
template <class Parse>
void fuzz_bar_loader(std::string_view text, Parse parse) {
  keel::BarSeries series;
  try {
    series = parse(text, "fuzz", "FUZZ");
  } catch (const keel::DataError& e) {
    KEEL_FUZZ_CHECK(e.file() == "fuzz");
    return;
  }
  KEEL_FUZZ_CHECK(series.symbol == "FUZZ");
  KEEL_FUZZ_CHECK(series.source == "fuzz");
  check_bar_series(series);
  // Whatever one loader accepts, both accept when written canonically, with identical rows.
  const keel::BarSeries via_csv = keel::parse_bar_csv(to_csv(series), "csv", "FUZZ");
  KEEL_FUZZ_CHECK(same_rows(series, via_csv));
  const keel::BarSeries via_json = keel::parse_bar_json(to_json(series), "json", "FUZZ");
  KEEL_FUZZ_CHECK(same_rows(series, via_json));
  // Any accepted file merges into events without overflow: two copies of the series, 1 ms grid.
  const std::vector<keel::BarSeries> two{series, series};
  keel::BarMerger merger(two, {0, 1}, 1);
  keel::Event e{};
  std::size_t n = 0, batches = 0;
  while (merger.next(e)) {
    KEEL_FUZZ_CHECK(e.header.ts_local > e.header.ts_exchange);
    if (e.header.flags & keel::kFlagEndOfBatch) ++batches;
    ++n;
  }
  KEEL_FUZZ_CHECK(n == 2 * series.rows.size());
  KEEL_FUZZ_CHECK(batches == series.rows.size());
}

}  // namespace keel_fuzz
