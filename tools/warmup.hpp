// Warm-up bars for `keel paper` / `keel live` (--warmup-data DIR): historical bars of the traded
// symbols, fed to the core before live data so that DOLPHIN's windows (eigen windows up to 750
// bars, the 100-bar lookback, IRP's 50 prices, the dynamic beta's days) are full when live data
// begins.
//
// The files are the shared bar format (core/io/bar_data.hpp: SYMBOL.csv[.gz] or SYMBOL.json[.gz],
// `open_time_ms,open,high,low,close,volume`, as in ../shared/data/binance-5m). The events are what
// a backtest feeds: Bar events merged by (open time, instrument id) through BarMerger, ts_exchange
// = open time, ts_local = open time + interval, kFlagEndOfBatch on the last bar of each bar time.
//
// Start-up work: allocates, throws keel::DataError ("file:line: reason"). DECISIONS 273-277.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/instrument.hpp"

namespace keel::cli {

// Loads the bars of every symbol of `registry` from `dir` and returns them merged, instrument ids
// from the registry. `max_bar_times` > 0 keeps only the newest that many bar times (0: all of them;
// 48 symbols × 151 days of 5-minute bars are ~130 MB of events). Throws DataError, kind kMissing,
// when `dir` is not a directory or has no bar file for some of the symbols (the message lists every
// missing symbol), and DataError for a bad file or bars off the `bar_interval_ms` grid.
[[nodiscard]] std::vector<Event> load_warmup_bars(const std::string& dir,
                                                  const InstrumentRegistry& registry,
                                                  std::int64_t bar_interval_ms,
                                                  std::size_t max_bar_times = 0);

// Warm-up must end before live data begins: drops every bar that had not closed by `live_start`
// (ns), i.e. whose open time + interval > live_start — a bar whose interval the live bar builder
// will build from live trades is never fed twice. Whole bar times go (their bars share the open
// time), so the remaining last bar time still ends with kFlagEndOfBatch. Returns the number of
// events dropped. Never allocates.
std::size_t drop_warmup_bars_from(std::vector<Event>& bars, Nanos live_start,
                                  std::int64_t bar_interval_ms) noexcept;

// The open time of the last bar in `bars` (0 when empty): what DolphinStrategy::set_trading_start
// must exceed so that no entry is sent on a warm-up bar.
[[nodiscard]] Nanos last_warmup_bar_time(const std::vector<Event>& bars) noexcept;

}  // namespace keel::cli
