// Warm-up bars for paper/live (tools/warmup.hpp) on the real 5-minute data in ../shared/data.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/backtest_loop.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "test_support.hpp"
#include "warmup.hpp"

using namespace keel;

namespace {

constexpr std::int64_t kInterval = 300'000;
constexpr Nanos kIntervalNs = kInterval * kNanosPerMilli;
constexpr Nanos kLastOpen =
    1'619'826'900'000LL * kNanosPerMilli;  // 2021-04-30T23:55Z, the data's last bar

std::string data_dir() {
  return test::shared_data("binance-5m");
}

InstrumentRegistry registry_of(const std::vector<std::string>& symbols) {
  InstrumentRegistry r;
  for (const auto& s : symbols) r.add(InstrumentSpec{s, Price::from_raw(1), Qty::from_raw(1), {}});
  return r;
}

}  // namespace

TEST(Warmup, LoadsTheRegistrysSymbolsMergedByBarTime) {
  const InstrumentRegistry reg = registry_of({"ETHUSDT", "BTCUSDT", "ADAUSDT"});
  const std::vector<Event> bars = cli::load_warmup_bars(data_dir(), reg, kInterval, 1000);
  ASSERT_EQ(bars.size(), 3000u);  // no symbol misses a bar on its own in this data
  EXPECT_EQ(cli::last_warmup_bar_time(bars), kLastOpen);
  std::size_t batches = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Event& e = bars[i];
    ASSERT_EQ(e.header.kind, EventKind::kBar);
    EXPECT_EQ(e.header.ts_local, e.header.ts_exchange + kIntervalNs);
    EXPECT_EQ(e.header.instrument, static_cast<InstrumentId>(i % 3));  // registry ids, in id order
    const bool last_of_time =
        i + 1 == bars.size() || bars[i + 1].header.ts_exchange != e.header.ts_exchange;
    EXPECT_EQ((e.header.flags & kFlagEndOfBatch) != 0, last_of_time) << i;
    if (i > 0) {
      EXPECT_GE(e.header.ts_exchange, bars[i - 1].header.ts_exchange);
    }
    batches += last_of_time ? 1 : 0;
  }
  EXPECT_EQ(batches, 1000u);
  // The values are the file's: BTCUSDT (id 1) of the last bar time.
  const BarSeries btc = load_bar_file(data_dir() + "/BTCUSDT.csv.gz");
  const Bar& last_btc = bars[bars.size() - 2].bar;
  EXPECT_EQ(last_btc.header.instrument, 1u);
  EXPECT_EQ(last_btc.close, btc.rows.back().close);
  EXPECT_EQ(last_btc.open, btc.rows.back().open);
  EXPECT_EQ(last_btc.volume, btc.rows.back().volume);
}

TEST(Warmup, AllBarsWithoutALimit) {
  const std::vector<Event> bars =
      cli::load_warmup_bars(data_dir(), registry_of({"BTCUSDT"}), kInterval);
  EXPECT_EQ(bars.size(), 43'311u);
  EXPECT_EQ(bars.front().header.ts_exchange,
            1'606'780'800'000LL * kNanosPerMilli);  // 2020-12-01T00:00Z
}

TEST(Warmup, MissingSymbolsAreListedInOneError) {
  try {
    (void)cli::load_warmup_bars(
        data_dir(), registry_of({"BTCUSDT", "FOOUSDT", "ETHUSDT", "BARUSDT"}), kInterval);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.kind(), DataError::Kind::kMissing);
    const std::string what = e.what();
    EXPECT_NE(what.find("2 of 4 symbols: FOOUSDT, BARUSDT"), std::string::npos) << what;
  }
  EXPECT_THROW(
      (void)cli::load_warmup_bars(data_dir() + "/nope", registry_of({"BTCUSDT"}), kInterval),
      DataError);
  // 5-minute bars are not on a 10-minute grid.
  EXPECT_THROW((void)cli::load_warmup_bars(data_dir(), registry_of({"BTCUSDT"}), 600'000, 10),
               DataError);
}

TEST(Warmup, BarsEndBeforeLiveDataBegins) {
  std::vector<Event> bars =
      cli::load_warmup_bars(data_dir(), registry_of({"BTCUSDT", "ETHUSDT"}), kInterval, 50);
  ASSERT_EQ(bars.size(), 100u);
  EXPECT_EQ(cli::drop_warmup_bars_from(bars, kLastOpen + kIntervalNs, kInterval),
            0u);  // closed exactly then
  EXPECT_EQ(cli::drop_warmup_bars_from(bars, kLastOpen + kIntervalNs - 1, kInterval),
            2u);  // still open
  EXPECT_EQ(cli::last_warmup_bar_time(bars), kLastOpen - kIntervalNs);
  EXPECT_NE(bars.back().header.flags & kFlagEndOfBatch, 0);
  EXPECT_EQ(cli::drop_warmup_bars_from(bars, kLastOpen - 10 * kIntervalNs, kInterval),
            20u);  // 10 more bar times
  EXPECT_EQ(bars.back().header.ts_exchange + kIntervalNs, kLastOpen - 10 * kIntervalNs);
  EXPECT_EQ(cli::drop_warmup_bars_from(bars, 0, kInterval), 78u);
  EXPECT_TRUE(bars.empty());
  EXPECT_EQ(cli::drop_warmup_bars_from(bars, 0, kInterval), 0u);
  EXPECT_EQ(cli::last_warmup_bar_time(bars), 0);
}

// The events are what the core takes: the engine and DOLPHIN see every bar time, none late, and no
// entry goes out before the trading start (the caller sets it to live data's first bar).
TEST(Warmup, DolphinIsWarmAfterTheBars) {
  const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT",
                                         "ADAUSDT", "DOTUSDT", "LTCUSDT"};
  const std::vector<Event> bars =
      cli::load_warmup_bars(data_dir(), registry_of(symbols), kInterval, 1200);
  EngineConfig ec;
  ec.instrument_count = symbols.size();
  ec.initial_cash = Notional::from_units(100'000);
  Engine core(ec);
  dolphin::DolphinParams p;
  dolphin::DolphinStrategy s(p, symbols, 1, core.run_digest(), 2000);
  s.set_trading_start(cli::last_warmup_bar_time(bars) + kIntervalNs);  // live data's first bar
  core.set_strategy(&s, &s.sizer());
  BacktestLoop loop(core, nullptr, nullptr);
  for (const Event& e : bars) ASSERT_EQ(loop.feed(e), Errc::kOk);
  EXPECT_EQ(s.stats().bars, 1200u);
  EXPECT_EQ(s.stats().late_bars, 0u);
  EXPECT_TRUE(s.trades().empty());
  EXPECT_EQ(core.stats().bar_times, 1200u);
  EXPECT_EQ(core.stats().intents, 0u);
}
