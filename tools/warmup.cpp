#include "warmup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "keel/core/io/bar_data.hpp"

namespace keel::cli {

std::vector<Event> load_warmup_bars(const std::string& dir, const InstrumentRegistry& registry,
                                    std::int64_t bar_interval_ms, std::size_t max_bar_times) {
  if (!std::filesystem::is_directory(dir))
    throw DataError(dir, 0, "warm-up data: not a directory", DataError::Kind::kMissing);
  if (registry.size() == 0) throw DataError(dir, 0, "warm-up data: no instruments to load");
  std::vector<std::string> symbols;
  std::vector<InstrumentId> ids;
  std::vector<std::string> missing;
  for (const Instrument& ins : registry.all()) {
    if (find_bar_file(dir, ins.symbol).empty()) missing.push_back(ins.symbol);
    symbols.push_back(ins.symbol);
    ids.push_back(ins.id);
  }
  if (!missing.empty())
    throw DataError(dir, 0,
                    fmt::format("warm-up data: no bar file (SYMBOL.csv[.gz] or SYMBOL.json[.gz]) "
                                "for {} of {} symbols: {}",
                                missing.size(), symbols.size(), fmt::join(missing, ", ")),
                    DataError::Kind::kMissing);
  BarLoadResult loaded = load_bar_directory(dir, symbols, false, bar_interval_ms);
  if (max_bar_times > 0) {
    // The newest max_bar_times distinct open times over all series: at most that many per series.
    std::vector<std::int64_t> times;
    for (const BarSeries& s : loaded.series) {
      const std::size_t take = std::min(max_bar_times, s.rows.size());
      for (std::size_t i = s.rows.size() - take; i < s.rows.size(); ++i)
        times.push_back(s.rows[i].open_time_ms);
    }
    std::sort(times.begin(), times.end(), std::greater<>());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    if (times.size() >= max_bar_times) {
      const std::int64_t first_kept = times[max_bar_times - 1];
      for (BarSeries& s : loaded.series)
        std::erase_if(s.rows,
                      [first_kept](const BarRow& r) { return r.open_time_ms < first_kept; });
    }
  }
  std::size_t total = 0;
  for (const BarSeries& s : loaded.series) total += s.rows.size();
  std::vector<Event> out;
  out.reserve(total);
  BarMerger merger(loaded.series, ids, bar_interval_ms);
  Event e;
  while (merger.next(e)) out.push_back(e);
  return out;
}

std::size_t drop_warmup_bars_from(std::vector<Event>& bars, Nanos live_start,
                                  std::int64_t bar_interval_ms) noexcept {
  const Nanos interval = bar_interval_ms * kNanosPerMilli;
  // Time-ordered: the first bar that had not closed by live_start and everything after it go.
  const auto first = std::find_if(bars.begin(), bars.end(), [&](const Event& e) {
    return e.header.ts_exchange >
           live_start - interval;  // open + interval > live_start, without overflow
  });
  const auto dropped = static_cast<std::size_t>(bars.end() - first);
  bars.erase(first, bars.end());
  return dropped;
}

Nanos last_warmup_bar_time(const std::vector<Event>& bars) noexcept {
  return bars.empty() ? 0 : bars.back().header.ts_exchange;
}

}  // namespace keel::cli
