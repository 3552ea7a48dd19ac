// Golden tests on a fixed slice of the shared data: the first 3,000 bar times of all 48 symbols
// (2020-12-01 … 2020-12-11). The signal's fast path is checked against the full decomposition on
// every bar of the first 1,200 and a few values are locked; the engine's trades and the run digest are locked. A change
// that moves them must be deliberate: say why in the commit and in docs/DOLPHIN.md.
#include <gtest/gtest.h>

#include <cmath>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "keel/core/signal/eigen_signal.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/backtest_loop.hpp"
#include "keel/core/execution/bar_close_venue.hpp"
#include "../unit/test_support.hpp"

using namespace keel;

namespace {
constexpr std::size_t kBars = 3000;

struct Slice {
  BarLoadResult bars;
  std::vector<std::string> symbols;
  std::vector<std::vector<double>> closes;
  std::vector<Event> events;  // the Bar events of the slice, in merged order
};

const Slice& slice() {
  static const Slice s = [] {
    Slice out;
    const std::string dir = test::shared_data("binance-5m");
    out.bars = load_bar_directory(dir, read_symbols_file(dir + "/SYMBOLS.txt"), false, 300'000);
    std::vector<InstrumentId> ids;
    for (std::size_t i = 0; i < out.bars.series.size(); ++i) {
      ids.push_back(static_cast<InstrumentId>(i));
      out.symbols.push_back(out.bars.series[i].symbol);
    }
    BarMerger merger(out.bars.series, ids, 300'000);
    std::vector<double> row(ids.size(), 0.0);
    Event e{};
    while (out.closes.size() < kBars && merger.next(e)) {
      out.events.push_back(e);
      row[e.header.instrument] = e.bar.close.to_double();
      if (e.header.flags & kFlagEndOfBatch) {
        out.closes.push_back(row);
        std::fill(row.begin(), row.end(), 0.0);
      }
    }
    return out;
  }();
  return s;
}
}  // namespace

// The reference decomposes four 48×48 matrices per bar: the comparison covers the first 1,200 bars
// (every window defined from bar 750) to stay quick in the sanitizer build; `keel features
// --reference` compares all 43,311 bars (docs/DOLPHIN.md).
TEST(DolphinGolden, SignalFastPathMatchesTheReferenceOnEveryBar) {
  constexpr std::size_t kCompared = 1200;
  const Slice& s = slice();
  ASSERT_EQ(s.closes.size(), kBars);
  SignalPipeline fast(48, SignalMethod::kFast), ref(48, SignalMethod::kReference);
  double worst = 0.0;
  SignalValues at_1000, at_last;
  for (std::size_t t = 0; t < kCompared; ++t) {
    const SignalValues a = fast.push_bar(s.closes[t]);
    const SignalValues& b = ref.push_bar(s.closes[t]);
    for (std::size_t k = 0; k < kSignalWindowCount; ++k) {
      ASSERT_EQ(std::isnan(a.lam[k]), std::isnan(b.lam[k]));
      if (!std::isnan(b.lam[k])) worst = std::max(worst, std::fabs(a.lam[k] - b.lam[k]));
    }
    if (!std::isnan(b.vel_div)) worst = std::max(worst, std::fabs(a.vel_div - b.vel_div));
    if (t == 1000) at_1000 = b;
    if (t == kCompared - 1) at_last = b;
  }
  EXPECT_LT(worst, 1e-9);
  // Locked reference values (full decomposition), 12 significant digits.
  EXPECT_NEAR(at_1000.lam[0], 0.65843425216669649, 1e-12);
  EXPECT_NEAR(at_1000.vel_div, 0.00058767578983087709, 1e-12);
  EXPECT_NEAR(at_last.lam[3], 0.4924323252313007, 1e-12);
  EXPECT_NEAR(at_last.vel_div, 0.00045716683369950717, 1e-12);
}

// The whole order path with the bar-close venue. The trades are those of the bible's loop before the
// order path existed (15, the first on XTZUSDT); the digest now also covers every OrderCommand and
// ExecReport (docs/DECISIONS.md), so its locked value changed with that definition.
TEST(DolphinGolden, EngineTradesAndDigestAreLocked) {
  const Slice& s = slice();
  EngineConfig ec;
  ec.instrument_count = 48;
  ec.initial_cash = Notional::from_units(100'000);
  Engine core(ec);
  dolphin::DolphinParams p;
  dolphin::DolphinStrategy engine(p, s.symbols, 42, core.run_digest(), kBars);
  core.set_strategy(&engine, &engine.sizer());
  BarCloseVenue venue(engine.bar_close_model(), 48, 42);
  BacktestLoop loop(core, &venue, nullptr);
  for (const Event& e : s.events) ASSERT_EQ(loop.feed(e), Errc::kOk);
  ASSERT_EQ(loop.finish(), Errc::kOk);
  ASSERT_EQ(core.stats().bar_times, kBars);
  EXPECT_EQ(engine.trades().size(), 15u);
  EXPECT_EQ(core.oms().stats().orders, 30u);  // an entry and an exit per trade
  EXPECT_EQ(core.oms().stats().filled, 30u);
  EXPECT_EQ(core.risk().total_rejects(), 0u);
  EXPECT_EQ(digest_hex(core.digest()), "3f5caf1c04074a9c");
  ASSERT_FALSE(engine.trades().empty());
  EXPECT_EQ(s.symbols[engine.trades().front().asset], "XTZUSDT");
  EXPECT_EQ(engine.trades().front().entry_time / kNanosPerMilli, 1607008500000);
}
