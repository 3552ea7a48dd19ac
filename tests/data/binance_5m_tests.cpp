// Loads every real bar file in ../shared/data/binance-5m and checks what data/README.md states:
// 48 symbols, 43,311 bars each on the 151-day 5-minute grid (43,488 slots), the 177 missing slots
// being exchange-wide gaps, and no symbol missing a bar on its own. The README's "longest 57 bars"
// counts the 57 five-minute steps between the bars around the gap (2021-04-25 04:00 → 08:45 UTC):
// 56 bars are missing there.
#include <gtest/gtest.h>

#include <set>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/clock.hpp"
#include "../unit/test_support.hpp"

using namespace keel;

namespace {
constexpr std::int64_t kInterval = 300'000;
const BarLoadResult& all_bars() {
  static const BarLoadResult loaded = [] {
    const auto symbols = read_symbols_file(test::shared_data("binance-5m/SYMBOLS.txt"));
    return load_bar_directory(test::shared_data("binance-5m"), symbols, false, kInterval);
  }();
  return loaded;
}
}  // namespace

TEST(Binance5m, EverySymbolHasTheDocumentedBarsAndGaps) {
  const auto& loaded = all_bars();
  ASSERT_EQ(loaded.series.size(), 48u);
  EXPECT_TRUE(loaded.skipped.empty());
  EXPECT_EQ(loaded.series.front().symbol, "BTCUSDT");  // SYMBOLS.txt order: by volume
  for (const BarSeries& s : loaded.series) {
    SCOPED_TRACE(s.symbol);
    EXPECT_EQ(s.rows.size(), 43'311u);
    EXPECT_EQ(s.rows.front().open_time_ms, 1606780800000);  // 2020-12-01T00:00Z
    EXPECT_EQ(s.rows.back().open_time_ms, 1619826900000);   // 2021-04-30T23:55Z
    const GapStats g = find_gaps(s, kInterval);
    EXPECT_EQ(g.missing_bars, 177);
    EXPECT_EQ(g.longest_gap_bars, 56);
    EXPECT_EQ(static_cast<std::int64_t>(s.rows.size()) + g.missing_bars, 43'488);
  }
  // Same gaps for every symbol: the union of open times is the same 43,311 times.
  std::set<std::int64_t> times;
  for (const BarSeries& s : loaded.series)
    for (const BarRow& r : s.rows) times.insert(r.open_time_ms);
  EXPECT_EQ(times.size(), 43'311u);
}

TEST(Binance5m, MergedStreamHasOneBatchPerBarTime) {
  const auto& loaded = all_bars();
  std::vector<InstrumentId> ids;
  for (std::size_t i = 0; i < loaded.series.size(); ++i) ids.push_back(static_cast<InstrumentId>(i));
  BarMerger merger(loaded.series, ids, kInterval);
  Event e{};
  std::uint64_t bars = 0, batches = 0;
  std::int64_t prev = -1;
  while (merger.next(e)) {
    ++bars;
    ASSERT_GE(e.header.ts_exchange, prev);
    prev = e.header.ts_exchange;
    if (e.header.flags & kFlagEndOfBatch) ++batches;
  }
  EXPECT_EQ(bars, 48u * 43'311u);
  EXPECT_EQ(batches, 43'311u);
  EXPECT_EQ(merger.bar_times(), 43'311u);
  EXPECT_EQ(merger.missing_bar_times(), 177u);  // the exchange-wide gaps of the README
}
