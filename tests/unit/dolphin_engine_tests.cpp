// The DOLPHIN bar loop on hand-made markets: signal values injected through a FeatureSource, prices
// chosen so every figure can be computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "keel/core/strategy/dolphin/metrics.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/execution/backtest_loop.hpp"
#include "keel/core/execution/bar_close_venue.hpp"

#include <memory>

using namespace keel;
using namespace keel::dolphin;

namespace {

constexpr Nanos kStart = 1609459200LL * kNanosPerSecond;  // 2021-01-01T00:00Z
constexpr Nanos kStep = 300LL * kNanosPerSecond;           // 5-minute bars
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// vel_div per bar index (NaN = undefined); every other signal column is irrelevant to the engine.
class ScriptedFeatures final : public FeatureSource {
 public:
  explicit ScriptedFeatures(std::vector<double> vel_div) : vd_(std::move(vel_div)) {}
  const SignalValues* at(Nanos open_time) noexcept override {
    const auto i = static_cast<std::size_t>((open_time - kStart) / kStep);
    if (i >= vd_.size()) return nullptr;
    v_ = SignalValues{};
    v_.lam.fill(kNaN);
    v_.v.fill(kNaN);
    v_.vel_div = vd_[i];
    return &v_;
  }

 private:
  std::vector<double> vd_;
  SignalValues v_;
};

// A price as the core sees it: bar closes are fixed point (10^-8), so a test's double goes through
// the same rounding before the strategy sees it.
double canon(double v) { return v > 0.0 ? price_from_double(v).value().to_double() : 0.0; }

// The whole order path: DOLPHIN behind the engine (sizer, risk, OMS, portfolio), the bar-close venue
// answering, bars fed as events through the backtest loop.
struct Harness {
  RunDigest* digest = nullptr;
  ScriptedFeatures features;
  std::unique_ptr<Engine> core;
  std::unique_ptr<DolphinStrategy> engine;  // the strategy under test
  std::unique_ptr<BarCloseVenue> venue;
  std::unique_ptr<BacktestLoop> loop;
  std::size_t assets;
  Harness(const DolphinParams& p, std::vector<double> vd, std::size_t n = 1) : features(std::move(vd)), assets(n) {
    EngineConfig ec;
    ec.instrument_count = n;
    ec.initial_cash = Notional::from_units(100'000);
    core = std::make_unique<Engine>(ec);
    engine = std::make_unique<DolphinStrategy>(p, names(n), 42, core->run_digest(), 20'000);
    engine->set_feature_source(&features);
    core->set_strategy(engine.get(), &engine->sizer());
    venue = std::make_unique<BarCloseVenue>(engine->bar_close_model(), n, 42);
    loop = std::make_unique<BacktestLoop>(*core, venue.get(), nullptr);
  }
  // After set_order_book_source: the venue takes the model that goes with it (no legacy edge draw).
  void reset_venue() {
    venue = std::make_unique<BarCloseVenue>(engine->bar_close_model(), assets, 42);
    loop = std::make_unique<BacktestLoop>(*core, venue.get(), nullptr);
  }
  static std::vector<std::string> names(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back("A" + std::to_string(i) + "USDT");
    return out;
  }
  void bar(std::size_t index, const std::vector<double>& closes) {
    const Nanos open = kStart + static_cast<Nanos>(index) * kStep;
    std::size_t last = closes.size();
    for (std::size_t i = 0; i < closes.size(); ++i)
      if (closes[i] > 0.0) last = i;
    for (std::size_t i = 0; i < closes.size(); ++i) {
      if (!(closes[i] > 0.0)) continue;
      Bar b{};
      b.header.ts_exchange = open;
      b.header.ts_local = open + kStep;
      b.header.instrument = static_cast<InstrumentId>(i);
      b.header.flags = i == last ? kFlagEndOfBatch : 0;
      b.open = b.high = b.low = b.close = price_from_double(closes[i]).value();
      b.volume = Qty::from_units(1);
      ASSERT_EQ(loop->feed(to_event(b)), Errc::kOk);
    }
  }
  void control(const Control& c) { ASSERT_EQ(loop->feed(to_event(c)), Errc::kOk); }
  // An ExternalFactor as the gateway or the control endpoint delivers it; `ts_exchange` 0 = none
  // (an operator's value), received at `ts_local`.
  void factor(FactorKind kind, double value, Nanos ts_exchange, Nanos ts_local,
              InstrumentId instrument = kNoInstrument) {
    ExternalFactor f{};
    f.header.subtype = static_cast<std::uint8_t>(kind);
    f.header.instrument = instrument;
    f.header.ts_exchange = ts_exchange;
    f.header.ts_local = ts_local;
    f.value = value;
    ASSERT_EQ(loop->feed(to_event(f)), Errc::kOk);
  }
  void finish() { ASSERT_EQ(loop->finish(), Errc::kOk); }
};

// A steady fall of 0.05 per bar from 100: IRP's best case for a SHORT (alignment 1, noise 0) and a
// confirming direction check.
double falling(std::size_t i) { return canon(100.0 - 0.05 * static_cast<double>(i)); }

}  // namespace

// First entry exactly when 100 bars have been processed (the current one included), at the close;
// a fall of 1% on the next bar is a FIXED_TP with the first RNG.md draws: entry refund no
// (0.856 ≥ 0.62), exit refund yes (0.115 < 0.50), OB edge no (0.504 ≥ 0.40).
TEST(DolphinEngine, EntryAfterLookbackAndTakeProfitByHand) {
  DolphinParams p;
  Harness h(p, std::vector<double>(200, -0.06));
  for (std::size_t i = 0; i < 99; ++i) {
    h.bar(i, {falling(i)});
    ASSERT_FALSE(h.engine->position().has_value()) << "no entry before the 100th bar, bar " << i;
  }
  h.bar(99, {falling(99)});
  ASSERT_TRUE(h.engine->position().has_value());
  const OpenPosition pos = *h.engine->position();
  const double entry = falling(99);
  EXPECT_EQ(pos.entry_price, entry);
  EXPECT_EQ(pos.direction, -1);
  // vel_div −0.06: strength 1 → leverage 0.5 + 4.5 = 5; fraction clamps to 0.20; regime multiplier
  // 1.0·(1 + 0.2·1)·1.0 = 1.2 (no factors: boost 1; < 5 days of beta history: BETA_LOW); raw
  // leverage 5·1.2 = 6, ceiling min(5·1.2, 6) = 6.
  EXPECT_EQ(pos.fraction, 0.2);
  EXPECT_DOUBLE_EQ(pos.leverage, 6.0);
  EXPECT_DOUBLE_EQ(pos.notional, 100000.0 * 0.2 * 6.0);
  EXPECT_EQ(pos.bucket, 1);

  h.bar(100, {canon(entry * 0.99)});
  ASSERT_FALSE(h.engine->position().has_value());
  ASSERT_EQ(h.engine->trades().size(), 1u);
  const TradeRecord& t = h.engine->trades()[0];
  EXPECT_EQ(t.reason, ExitReason::kFixedTp);
  EXPECT_FALSE(t.entry_refund);
  EXPECT_TRUE(t.exit_refund);
  EXPECT_FALSE(t.ob_edge);
  const double exit_price = canon(entry * 0.99) * (1.0 + 0.0002);
  EXPECT_DOUBLE_EQ(t.exit_price, exit_price);
  const double pnl_pct_raw = -1.0 * (exit_price - entry) / entry + 0.0002;
  const double notional = pos.notional;
  const double gross = pnl_pct_raw * notional;
  const double fees = (0.0002 * 0.62 + 0.0005 * (1 - 0.62)) * notional + (0.0002 * 0.5 + 0.0005 * 0.5) * notional;
  EXPECT_NEAR(t.gross_pnl, gross, 1e-9);
  EXPECT_NEAR(t.fees, fees, 1e-9);
  EXPECT_NEAR(t.net_pnl, gross - fees, 1e-9);
  EXPECT_NEAR(h.engine->capital(), 100000.0 + gross - fees, 1e-9);
  EXPECT_NEAR(t.net_pnl, 1120.56, 0.01);  // 0.010002·120000 − 37.68 − 42.00

  // No re-entry on the exit bar; the next bar may enter again.
  h.bar(101, {canon(entry * 0.99 - 0.05)});
  EXPECT_TRUE(h.engine->position().has_value());
}

TEST(DolphinEngine, MaxHoldAfter120Bars) {
  DolphinParams p;
  std::vector<double> vd(400, kNaN);
  for (std::size_t i = 0; i < 100; ++i) vd[i] = -0.03;
  Harness h(p, vd);
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {falling(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  const std::int64_t entry_bar = 99;
  for (std::size_t i = 100; i < 300 && h.engine->trades().empty(); ++i) h.bar(i, {falling(99)});  // flat
  ASSERT_EQ(h.engine->trades().size(), 1u);
  const TradeRecord& t = h.engine->trades()[0];
  EXPECT_EQ(t.reason, ExitReason::kMaxHold);
  EXPECT_EQ((t.exit_time - t.entry_time) / kStep, 120);
  EXPECT_EQ(t.entry_time, kStart + entry_bar * kStep);
  // MAX_HOLD slips like every non-stop exit: the SHORT covers 2 bps higher.
  EXPECT_DOUBLE_EQ(t.exit_price, falling(99) * (1.0 + 0.0002));
}

TEST(DolphinEngine, NoEntryWithoutSignalOrWhenTheDirectionCheckContradicts) {
  DolphinParams p;
  // Gate not passed: vel_div −0.02 is not < −0.02.
  Harness quiet(p, std::vector<double>(150, -0.02));
  for (std::size_t i = 0; i < 150; ++i) quiet.bar(i, {falling(i)});
  EXPECT_FALSE(quiet.engine->position().has_value());
  EXPECT_EQ(quiet.engine->stats().signal_bars, 0u);
  // Rising prices: IRP's direct SHORT profile is poor, the inverse wins and is dropped by the
  // direction gate — no asset, no fallback.
  Harness rising(p, std::vector<double>(150, -0.06));
  for (std::size_t i = 0; i < 150; ++i) rising.bar(i, {100.0 + 0.05 * static_cast<double>(i)});
  EXPECT_FALSE(rising.engine->position().has_value());
  EXPECT_GT(rising.engine->stats().no_asset, 0u);
}

TEST(DolphinEngine, DailyWorkRunsOncePerDateEvenForRepeatedAndLateBars) {
  DolphinParams p;
  Harness h(p, std::vector<double>(2000, kNaN));
  for (std::size_t i = 0; i < 600; ++i) h.bar(i, {100.0});  // 600 bars: 2021-01-01 … 2021-01-03
  h.bar(599, {100.0});                                      // a repeated bar
  h.bar(10, {100.0});                                       // a late bar from the first day
  ASSERT_EQ(h.engine->days().size(), 3u);
  EXPECT_EQ(h.engine->days()[0].day, 18628);  // 2021-01-01
  EXPECT_EQ(h.engine->days()[2].day, 18630);
  // The engine drops both before the strategy sees them; the strategy's own guard drops one that
  // reaches it directly.
  EXPECT_EQ(h.core->stats().rejected_events, 2u);
  const std::vector<double> closes{100.0};
  h.engine->on_bar_time(BarTime{kStart + 10 * kStep, kStart + 11 * kStep, closes});
  EXPECT_EQ(h.engine->stats().late_bars, 1u);
  EXPECT_EQ(h.engine->stats().bars, 600u);
  h.finish();  // the last bar time's equity is recorded once its orders are answered
  EXPECT_EQ(h.engine->equity().size(), 600u);
}

TEST(DolphinEngine, NoPositionOpensBeforeTheTradingStart) {
  DolphinParams p;
  Harness h(p, std::vector<double>(400, -0.06));
  const Nanos start = kStart + 200 * kStep;
  h.engine->set_trading_start(start);
  for (std::size_t i = 0; i < 400; ++i) h.bar(i, {falling(i)});
  ASSERT_FALSE(h.engine->trades().empty());
  for (const TradeRecord& t : h.engine->trades()) EXPECT_GE(t.entry_time, start);
  EXPECT_EQ(h.engine->trades()[0].entry_time, start);
}

TEST(DolphinEngine, EquityIsMarkedWithTheCarriedCloseAndMetricsFollow) {
  DolphinParams p;
  Harness h(p, std::vector<double>(200, -0.06), 2);
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {falling(i), 50.0 + 0.1 * static_cast<double>(i % 2)});
  ASSERT_TRUE(h.engine->position().has_value());
  const OpenPosition pos = *h.engine->position();
  ASSERT_EQ(pos.asset, 0u);
  h.bar(100, {0.0, 50.0});  // the position's asset has no bar: its last close is carried
  const EquityPoint& e = h.engine->equity().back();
  EXPECT_DOUBLE_EQ(e.equity, 100000.0 + pos.notional * (-1.0 * (falling(99) - pos.entry_price) / pos.entry_price));
  const RunMetrics m = compute_metrics(h.engine->trades(), h.engine->equity(), 100000.0);
  EXPECT_EQ(m.trades, 0u);
  EXPECT_TRUE(std::isnan(m.win_rate));
  EXPECT_EQ(m.roi, e.equity / 100000.0 - 1.0);
}

TEST(DolphinEngine, SubdayAcbNormalisationForcesAnExitAtTheNextBar) {
  DolphinParams p;
  Harness h(p, std::vector<double>(300, -0.06));
  Control up{};
  up.header.subtype = static_cast<std::uint8_t>(ControlKind::kStrategyUpdate);
  up.real = 1.30;
  up.real2 = 0.2;
  h.bar(0, {falling(0)});
  h.control(up);  // mid-day: the day's boost becomes 1.30 from bar 1 on
  for (std::size_t i = 1; i < 100; ++i) h.bar(i, {falling(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  Control down = up;
  down.real = 1.05;  // 1.30 → 1.05: from >= 1.25 to < 1.10
  h.control(down);
  EXPECT_TRUE(h.engine->position().has_value());  // applied at the next bar, never mid-bar
  h.bar(100, {falling(100)});
  ASSERT_EQ(h.engine->trades().size(), 1u);
  EXPECT_EQ(h.engine->trades()[0].reason, ExitReason::kSubdayAcb);
  EXPECT_EQ(h.engine->stats().subday_exits, 1u);
}

// A pending update that arrives before a new date is applied first; the new date's table boost
// (1.0 without a table) then replaces it for the day.
TEST(DolphinEngine, NewDateBoostReplacesAPendingUpdate) {
  DolphinParams p;
  Harness h(p, std::vector<double>(400, kNaN));
  for (std::size_t i = 0; i < 288; ++i) h.bar(i, {100.0});  // all of 2021-01-01
  Control up{};
  up.header.subtype = static_cast<std::uint8_t>(ControlKind::kStrategyUpdate);
  up.real = 1.5;
  up.real2 = 0.8;
  h.control(up);
  h.bar(288, {100.0});  // 2021-01-02: update applied, then the day's work
  EXPECT_EQ(h.engine->stats().acb_updates, 1u);
  ASSERT_EQ(h.engine->days().size(), 2u);
  EXPECT_EQ(h.engine->days()[1].base_boost, 1.0);
}

TEST(DolphinEngine, SameInputsSameDigestAndNoAllocationPerBar) {
  auto run = [](std::uint64_t* allocations) {
    DolphinParams p;
    std::vector<double> vd(6000);
    for (std::size_t i = 0; i < vd.size(); ++i) vd[i] = -0.025 - 0.02 * std::sin(0.05 * static_cast<double>(i));
    Harness h(p, vd, 3);
    auto closes = [](std::size_t i) {
      const double x = static_cast<double>(i);
      return std::vector<double>{100.0 - 0.01 * x + std::sin(0.3 * x), 50.0 + std::cos(0.2 * x), 20.0 - 0.001 * x};
    };
    std::vector<std::vector<double>> bars;
    for (std::size_t i = 0; i < vd.size(); ++i) bars.push_back(closes(i));
    h.bar(0, bars[0]);
    AllocationScope scope;
    for (std::size_t i = 1; i < bars.size(); ++i) h.bar(i, bars[i]);
    if (allocations) *allocations = scope.allocations();
    EXPECT_GT(h.engine->trades().size(), 5u);
    return h.core->digest();
  };
  std::uint64_t allocations = 99;
  const auto a = run(&allocations);
  EXPECT_EQ(a, run(nullptr));
  EXPECT_EQ(allocations, 0u);
}

// LONG mirrors SHORT: the gate is vel_div > 0.01, IRP wants rising prices, the take profit is a 1%
// rise, and the exit slips down (a LONG sells lower).
TEST(DolphinEngine, LongMirrorsShort) {
  DolphinParams p;
  p.signal.direction = Direction::kLong;
  Harness h(p, std::vector<double>(200, 0.06));
  auto rising = [](std::size_t i) { return 100.0 + 0.05 * static_cast<double>(i); };
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {rising(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  const OpenPosition pos = *h.engine->position();
  EXPECT_EQ(pos.direction, 1);
  EXPECT_EQ(pos.bucket, 1);  // on −vel_div: −0.06 is bucket 1
  h.bar(100, {canon(pos.entry_price * 1.01)});
  ASSERT_EQ(h.engine->trades().size(), 1u);
  const TradeRecord& t = h.engine->trades()[0];
  EXPECT_EQ(t.reason, ExitReason::kFixedTp);
  EXPECT_DOUBLE_EQ(t.exit_price, canon(pos.entry_price * 1.01) * (1.0 - 0.0002));
  EXPECT_GT(t.gross_pnl, 0.0);
}

namespace {
// A constant order book: every asset has the same signal and placement.
class FixedBook final : public OrderBookSource {
 public:
  ObSignal sig{};
  ObPlacement place{1.0, 0.8};
  ObMacro mac{};
  double mult = 1.0;
  bool signal(std::size_t, ObSignal& out) const noexcept override {
    out = sig;
    return true;
  }
  bool placement(std::size_t, ObPlacement& out) const noexcept override {
    out = place;
    return true;
  }
  ObMacro macro() const noexcept override { return mac; }
  double market_multiplier(int) const noexcept override { return mult; }
};
}  // namespace

// With an order-book source: a persistent contradiction voids entries (OB-2); otherwise the market
// multiplier scales leverage (OB-3, clamped to 1.2) and the exit's edge is the placement's,
// drawn from nothing (the `fills` stream then makes 2 draws per non-stop exit).
TEST(DolphinEngine, OrderBookLayerWhenASourceIsConfigured) {
  DolphinParams p;
  {
    FixedBook book;
    book.sig = ObSignal{0.5, 0.9, 0.0};  // SHORT: eff_imb = −0.5 < −0.15 with persistence 0.9
    Harness h(p, std::vector<double>(200, -0.06));
    h.engine->set_order_book_source(&book);
    h.reset_venue();
    for (std::size_t i = 0; i < 150; ++i) h.bar(i, {falling(i)});
    EXPECT_FALSE(h.engine->position().has_value());
    EXPECT_GT(h.engine->stats().ob_skips, 0u);
  }
  FixedBook book;
  book.mult = 1.5;  // clamped to 1.2
  Harness h(p, std::vector<double>(200, -0.06));
  h.engine->set_order_book_source(&book);
    h.reset_venue();
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {falling(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  // raw 5·1·1.2·1.2 = 7.2, ceiling min(5·1.2·1.2, 6) = 6.
  EXPECT_DOUBLE_EQ(h.engine->position()->leverage, 6.0);
  const double entry = h.engine->position()->entry_price;
  h.bar(100, {canon(entry * 0.99)});
  ASSERT_EQ(h.engine->trades().size(), 1u);
  const TradeRecord& t = h.engine->trades()[0];
  EXPECT_TRUE(t.ob_edge);  // depth 1.0 > 0.5: edge 0.8·5 bps
  const double exit_price = canon(entry * 0.99) * 1.0002;
  // Draws: entry refund 0.856 (no), exit refund 0.115 (yes); no OB-edge draw.
  const double pnl = -1.0 * (exit_price - entry) / entry + 0.0002 + 0.8 * 5.0 * 1e-4;
  EXPECT_NEAR(t.gross_pnl, pnl * t.notional, 1e-9);
}

// RNG.md: "unless the first exit is a STOP_LOSS, in which case the second draw (0.115) decides the
// OB edge (→ 1)" — a stop loss makes no exit-refund draw, slips 5 bps and pays the taker fee.
TEST(DolphinEngine, StopLossDrawsTwiceSlipsFiveBpsAndPaysTaker) {
  DolphinParams p;
  p.exits.stop_pct = 0.005;
  Harness h(p, std::vector<double>(200, -0.06));
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {falling(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  const OpenPosition pos = *h.engine->position();
  h.bar(100, {canon(pos.entry_price * 1.01)});
  ASSERT_EQ(h.engine->trades().size(), 1u);
  const TradeRecord& t = h.engine->trades()[0];
  EXPECT_EQ(t.reason, ExitReason::kStopLoss);
  EXPECT_FALSE(t.entry_refund);
  EXPECT_FALSE(t.exit_refund);
  EXPECT_TRUE(t.ob_edge);
  const double exit_price = canon(pos.entry_price * 1.01) * (1.0 + 0.0005);
  EXPECT_DOUBLE_EQ(t.exit_price, exit_price);
  const double pnl = -1.0 * (exit_price - pos.entry_price) / pos.entry_price + 5.0 * 1e-4;
  EXPECT_NEAR(t.gross_pnl, pnl * pos.notional, 1e-9);
  EXPECT_NEAR(t.fees, (0.0002 * 0.62 + 0.0005 * (1 - 0.62)) * pos.notional + 0.0005 * pos.notional, 1e-9);
}

// Survival stack on: an 11% move against a 6× position draws equity down 13% (Cat5 ≈ 0.41), the raw
// posture drops to HIBERNATE, and after the 2-bar down-hysteresis the position is force-closed.
TEST(DolphinEngine, HibernateForcesTheExitAfterTheDownHysteresis) {
  DolphinParams p;
  p.survival.enabled = true;
  Harness h(p, std::vector<double>(200, -0.06));
  for (std::size_t i = 0; i < 100; ++i) h.bar(i, {falling(i)});
  ASSERT_TRUE(h.engine->position().has_value());
  const double against = canon(h.engine->position()->entry_price * 1.11);
  h.bar(100, {against});  // marked: drawdown ≈ 13%
  h.bar(101, {against});  // survival sees it: raw HIBERNATE, 1 bar
  EXPECT_TRUE(h.engine->position().has_value());
  h.bar(102, {against});  // 2 bars: posture HIBERNATE → HIBERNATE_HALT before any other exit
  ASSERT_EQ(h.engine->trades().size(), 1u);
  EXPECT_EQ(h.engine->trades()[0].reason, ExitReason::kHibernateHalt);
  h.bar(103, {against});
  EXPECT_FALSE(h.engine->position().has_value());  // the day is halted
}

TEST(DolphinEngine, TheOperatorsPostureIsAFloorUnderTheStacks) {
  // POST /control {"action":"posture","posture":"hibernate"} → Control kPosture: no entry while it
  // holds (survival stack off: the floor alone decides). Like the stack's own HIBERNATE it halts
  // the UTC day, so APEX releases the floor but the day stays halted.
  DolphinParams p;
  Harness h(p, std::vector<double>(200, -0.06));
  Control posture{};
  posture.header.subtype = static_cast<std::uint8_t>(ControlKind::kPosture);
  posture.value = static_cast<std::int64_t>(Posture::kHibernate);
  h.control(posture);
  for (std::size_t i = 0; i < 110; ++i) h.bar(i, {falling(i)});
  EXPECT_FALSE(h.engine->position().has_value()) << "HIBERNATE halts entries";
  posture.value = static_cast<std::int64_t>(Posture::kApex);
  h.control(posture);
  h.bar(110, {falling(110)});
  EXPECT_FALSE(h.engine->position().has_value()) << "the day stays halted";
  EXPECT_EQ(h.engine->stats().posture_controls, 2u);
  posture.value = 9;  // no such posture: ignored, counted
  h.control(posture);
  EXPECT_EQ(h.engine->stats().bad_controls, 1u);
}

// DOLPHIN on the engine's own order books (use_engine_order_books): the books the engine rebuilds
// from BookLevel / kBookState events feed the mirror source, sampled at each bar time; an asset has
// order-book data once its book was usable at min_samples bar times in a row, and a stale book takes
// it away at once (the next bar time) while the other asset keeps its data.
TEST(DolphinLiveBooks, TheEnginesBooksAreTheOrderBookSource) {
  EngineConfig ec;
  ec.instrument_count = 2;
  ec.book_levels = 50;
  ec.initial_cash = Notional::from_units(100'000);
  Engine core(ec);
  DolphinParams p;
  DolphinStrategy strategy(p, Harness::names(2), 42, core.run_digest(), 1000);
  strategy.use_engine_order_books();
  core.set_strategy(&strategy, &strategy.sizer());
  ASSERT_NE(strategy.mirror_order_books(), nullptr);
  auto level = [&](InstrumentId i, Side side, std::int64_t price, std::int64_t qty, std::uint8_t flags, Nanos t) {
    BookLevel l;
    l.header.instrument = i;
    l.header.flags = flags;
    l.header.ts_local = t;
    l.side = side;
    l.price = Price::from_units(price);
    l.qty = Qty::from_units(qty);
    core.on_event(to_event(l));
  };
  auto state = [&](InstrumentId i, book::BookState s, Nanos t) {
    Control c;
    c.header.instrument = i;
    c.header.ts_local = t;
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kBookState);
    c.value = static_cast<std::int64_t>(s);
    core.on_event(to_event(c));
  };
  auto bars = [&](std::size_t index) {
    const Nanos open = kStart + static_cast<Nanos>(index) * kStep;
    for (InstrumentId i = 0; i < 2; ++i) {
      Bar b{};
      b.header.ts_exchange = open;
      b.header.ts_local = open + kStep;
      b.header.instrument = i;
      b.header.flags = i == 1 ? kFlagEndOfBatch : 0;
      b.open = b.high = b.low = b.close = Price::from_units(100);
      b.volume = Qty::from_units(1);
      core.on_event(to_event(b));
    }
  };
  for (InstrumentId i = 0; i < 2; ++i) {
    level(i, Side::kBuy, 99, 30, kFlagSnapshot, kStart);
    level(i, Side::kSell, 101, 10, kFlagSnapshot | kFlagEndOfBatch, kStart);
    state(i, book::BookState::kLive, kStart);
  }
  dolphin::ObSignal s;
  for (std::size_t k = 0; k < 4; ++k) bars(k);
  EXPECT_FALSE(strategy.mirror_order_books()->signal(0, s));  // 4 samples: still warming up
  bars(4);
  ASSERT_TRUE(strategy.mirror_order_books()->signal(0, s));
  EXPECT_DOUBLE_EQ(s.imbalance_ma5, 0.5);  // (30 − 10) / (30 + 10)
  ASSERT_TRUE(strategy.mirror_order_books()->signal(1, s));
  // Instrument 0's book goes stale: gone at the next bar time; instrument 1 carries on.
  state(0, book::BookState::kStale, kStart + 5 * kStep);
  bars(5);
  EXPECT_FALSE(strategy.mirror_order_books()->signal(0, s));
  EXPECT_TRUE(strategy.mirror_order_books()->signal(1, s));
  EXPECT_EQ(strategy.mirror_order_books()->assets_with_data(), 1u);
}

// ---- Live ACB inputs (DECISIONS 260-266) ----

namespace {

constexpr Nanos kDay = 86'400LL * kNanosPerSecond;

std::vector<double> wavy_signal(std::size_t n) {
  std::vector<double> vd(n);
  for (std::size_t i = 0; i < n; ++i) vd[i] = -0.025 - 0.02 * std::sin(0.05 * static_cast<double>(i));
  return vd;
}
std::vector<double> wavy_closes(std::size_t i) {
  const double x = static_cast<double>(i);
  return {canon(100.0 - 0.01 * x + std::sin(0.3 * x)), canon(50.0 + std::cos(0.2 * x)), canon(20.0 - 0.001 * x)};
}

// Day 2 (2021-01-02): funding −0.0005 (1.0), dvol 90 (1.0), F&G 10 (1.0), taker 0.85 (0.5) → 3.5
// signals; day 3: funding 0.0001, dvol 60 (0.5), F&G 30 (0.5), taker 0.75 (1.0) → 2.0.
constexpr std::string_view kTable =
    "date,funding_btc,dvol_btc,fng,taker\n"
    "2021-01-02,-0.0005,90,10,0.85\n"
    "2021-01-03,0.0001,60,30,0.75\n";

struct DayValues {
  double funding, dvol, fng, taker;
};
constexpr DayValues kDay2{-0.0005, 90, 10, 0.85};
constexpr DayValues kDay3{0.0001, 60, 30, 0.75};

}  // namespace

// The same values as ExternalFactor events (exchange-stamped at 00:00 UTC of their day, arriving
// before that day's first bar) give every day the boost, and the run the trades, of the table.
TEST(DolphinLiveFactors, EventsGiveTheSameAcbAsTheTable) {
  const FactorTable table = FactorTable::parse(kTable, "t.csv");
  constexpr std::size_t kBars = 3 * 288;
  auto run = [&](bool live) {
    DolphinParams p;
    auto h = std::make_unique<Harness>(p, wavy_signal(kBars), 3);
    if (!live) h->engine->set_factor_table(&table);
    for (std::size_t i = 0; i < kBars; ++i) {
      if (live && (i == 288 || i == 576)) {
        const DayValues& d = i == 288 ? kDay2 : kDay3;
        const Nanos midnight = kStart + static_cast<Nanos>(i / 288) * kDay;
        const Nanos rx = kStart + static_cast<Nanos>(i) * kStep;  // the previous bar's close
        h->factor(FactorKind::kFunding, d.funding, midnight, rx, 0);
        h->factor(FactorKind::kImpliedVol, d.dvol, midnight, rx);
        h->factor(FactorKind::kFearGreed, d.fng, midnight, rx);
        h->factor(FactorKind::kTakerRatio, d.taker, midnight, rx);
      }
      h->bar(i, wavy_closes(i));
    }
    h->finish();
    return h;
  };
  const auto table_run = run(false);
  const auto live_run = run(true);
  const auto& a = table_run->engine->days();
  const auto& b = live_run->engine->days();
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(a[0].base_boost, 1.0);
  EXPECT_EQ(a[1].base_boost, base_boost(3.5));
  EXPECT_EQ(a[2].base_boost, base_boost(2.0));
  for (std::size_t d = 0; d < 3; ++d) {
    EXPECT_EQ(a[d].base_boost, b[d].base_boost) << d;
    EXPECT_EQ(a[d].beta, b[d].beta) << d;
  }
  EXPECT_EQ(live_run->engine->stats().factors_applied, 8u);
  EXPECT_EQ(live_run->engine->stats().factor_recomputes, 0u);  // each value was for a later day
  EXPECT_EQ(live_run->engine->stats().acb_updates, 0u);
  const auto& ta = table_run->engine->trades();
  const auto& tb = live_run->engine->trades();
  ASSERT_GT(ta.size(), 3u);
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].entry_time, tb[i].entry_time);
    EXPECT_EQ(ta[i].notional, tb[i].notional);
    EXPECT_EQ(ta[i].leverage, tb[i].leverage);
    EXPECT_EQ(ta[i].net_pnl, tb[i].net_pnl);
  }
  // The boost changed the sizing against a run without factors.
  DolphinParams p;
  Harness plain(p, wavy_signal(kBars), 3);
  for (std::size_t i = 0; i < kBars; ++i) plain.bar(i, wavy_closes(i));
  plain.finish();
  bool differs = plain.engine->trades().size() != ta.size();
  for (std::size_t i = 0; !differs && i < ta.size(); ++i) differs = plain.engine->trades()[i].leverage != ta[i].leverage;
  EXPECT_TRUE(differs);
}

// A live value fills the table's NaN and overrides its value for that day (here an operator's
// value without exchange time, sent after the last bar of day 1: it counts for day 1 and day 2).
TEST(DolphinLiveFactors, LiveValuesOverrideAndFillTheTable) {
  const FactorTable table = FactorTable::parse(
      "date,funding_btc,dvol_btc,fng,taker\n2021-01-02,0.0003,,50,\n", "t.csv");
  DolphinParams p;
  Harness h(p, std::vector<double>(600, kNaN));
  h.engine->set_factor_table(&table);
  for (std::size_t i = 0; i < 288; ++i) h.bar(i, {100.0});
  const Nanos rx = kStart + 288 * kStep;
  h.factor(FactorKind::kImpliedVol, 85.0, 0, rx);   // fills dvol: 1.0
  h.factor(FactorKind::kFunding, -0.0002, 0, rx);   // overrides 0.0003: 1.0
  h.bar(288, {100.0});
  ASSERT_EQ(h.engine->days().size(), 2u);
  DailyFactors expect;
  expect.funding_btc = -0.0002;
  expect.dvol_btc = 85.0;
  expect.fng = 50.0;
  EXPECT_EQ(h.engine->days()[1].base_boost, base_boost(acb_signals(expect, p.acb)));
  EXPECT_EQ(h.engine->days()[1].base_boost, base_boost(2.0));
  // Day 1 got the values as a sub-day update (applied at bar 288, then day 2's work replaced it).
  EXPECT_EQ(h.engine->stats().factor_recomputes, 2u);
  EXPECT_EQ(h.engine->stats().acb_updates, 1u);
}

// A live value mid-day is the sub-day recompute: applied at the next bar, through the same path as
// a Control update, force exit included — the run equals the one with the Control update.
TEST(DolphinLiveFactors, MidDayValueIsASubdayUpdateLikeTheControl) {
  const FactorTable table = FactorTable::parse("date,funding_btc,dvol_btc,fng,taker\n2021-01-01,,90,,\n", "t.csv");
  auto run = [&](bool live) {
    DolphinParams p;
    auto h = std::make_unique<Harness>(p, std::vector<double>(300, -0.06));
    h->engine->set_factor_table(&table);  // day 1: boost 1.347 (dvol 90)
    for (std::size_t i = 0; i < 100; ++i) h->bar(i, {falling(i)});
    EXPECT_TRUE(h->engine->position().has_value());
    EXPECT_EQ(h->engine->days()[0].base_boost, base_boost(1.0));
    const Nanos rx = kStart + 100 * kStep;
    if (live) {
      h->factor(FactorKind::kImpliedVol, 30.0, rx - kStep, rx);  // dvol calm: boost 1.0
    } else {
      Control down{};
      down.header.subtype = static_cast<std::uint8_t>(ControlKind::kStrategyUpdate);
      down.header.ts_local = rx;
      down.real = 1.0;
      down.real2 = p.acb.beta_low;  // the day's beta (fewer than 5 earlier days)
      h->control(down);
    }
    EXPECT_TRUE(h->engine->position().has_value());  // never mid-bar
    h->bar(100, {falling(100)});
    h->finish();
    return h;
  };
  const auto by_control = run(false);
  const auto by_factor = run(true);
  ASSERT_EQ(by_factor->engine->trades().size(), 1u);
  EXPECT_EQ(by_factor->engine->trades()[0].reason, ExitReason::kSubdayAcb);
  EXPECT_EQ(by_factor->engine->stats().subday_exits, 1u);
  EXPECT_EQ(by_factor->engine->stats().factor_recomputes, 1u);
  ASSERT_EQ(by_control->engine->trades().size(), 1u);
  EXPECT_EQ(by_control->engine->trades()[0].net_pnl, by_factor->engine->trades()[0].net_pnl);
  EXPECT_EQ(by_control->engine->trades()[0].exit_price, by_factor->engine->trades()[0].exit_price);
  EXPECT_EQ(by_control->engine->equity().back().equity, by_factor->engine->equity().back().equity);
}

// NaN, ±Inf and out-of-range values are counted and change nothing; another instrument's funding,
// open interest and a disabled ACB are ignored; no allocation on the way.
TEST(DolphinLiveFactors, BadValuesAreCountedAndIgnored) {
  const double inf = std::numeric_limits<double>::infinity();
  DolphinParams p;
  Harness h(p, std::vector<double>(600, kNaN), 2);
  EXPECT_EQ(h.engine->funding_instrument(), 0u);
  h.bar(0, {100.0, 50.0});
  const Nanos rx = kStart + kStep;
  const std::uint64_t digest_before = h.core->digest();
  {
    AllocationScope scope;
    h.factor(FactorKind::kImpliedVol, kNaN, 0, rx);
    h.factor(FactorKind::kImpliedVol, inf, 0, rx);
    h.factor(FactorKind::kFunding, -inf, 0, rx);
    h.factor(FactorKind::kFearGreed, 101.0, 0, rx);
    h.factor(FactorKind::kTakerRatio, -0.5, 0, rx);
    h.factor(FactorKind::kFunding, -5.0, 0, rx, 0);
    h.factor(FactorKind::kFunding, -0.01, 0, rx, 1);              // not the funding instrument
    h.factor(FactorKind::kOpenInterestChange, -0.5, 0, rx);       // not an ACB input
    h.factor(static_cast<FactorKind>(200), 1.0, 0, rx);
    EXPECT_EQ(scope.allocations(), 0u);
  }
  EXPECT_EQ(h.engine->stats().factors_invalid, 6u);
  EXPECT_EQ(h.engine->stats().factors_ignored, 3u);
  EXPECT_EQ(h.engine->stats().factors_applied, 0u);
  EXPECT_EQ(h.core->digest(), digest_before);  // nothing accepted, nothing recorded
  for (std::size_t i = 1; i < 300; ++i) h.bar(i, {100.0, 50.0});
  ASSERT_EQ(h.engine->days().size(), 2u);
  EXPECT_EQ(h.engine->days()[1].base_boost, 1.0);
  EXPECT_EQ(h.engine->stats().acb_updates, 0u);
  // The funding instrument can be chosen; then instrument 1's funding counts.
  h.engine->set_funding_instrument(1);
  h.factor(FactorKind::kFunding, -0.01, 0, kStart + 300 * kStep, 1);
  EXPECT_EQ(h.engine->stats().factors_applied, 1u);
  EXPECT_EQ(h.engine->stats().factor_recomputes, 1u);
  EXPECT_NE(h.core->digest(), digest_before);  // an accepted value is part of the run's record

  DolphinParams off;
  off.acb.enabled = false;
  Harness d(off, std::vector<double>(10, kNaN));
  d.factor(FactorKind::kImpliedVol, 90.0, 0, kStart);
  EXPECT_EQ(d.engine->stats().factors_ignored, 1u);
}

// The funding instrument defaults to the first BTC symbol; values before any bar wait for the
// first day.
TEST(DolphinLiveFactors, FundingInstrumentIsTheFirstBtcSymbolAndEarlyValuesWait) {
  DolphinParams p;
  RunDigest digest;
  DolphinStrategy s(p, {"ETHUSDT", "BTCUSDT", "BTCDOMUSDT"}, 1, digest, 100);
  EXPECT_EQ(s.funding_instrument(), 1u);
  DolphinStrategy t(p, {"ETHUSDT", "SOLUSDT"}, 1, digest, 100);
  EXPECT_EQ(t.funding_instrument(), 0u);

  Harness h(p, std::vector<double>(10, kNaN));
  h.factor(FactorKind::kImpliedVol, 95.0, 0, kStart);  // no bar yet, no exchange time
  h.bar(0, {100.0});
  ASSERT_EQ(h.engine->days().size(), 1u);
  EXPECT_EQ(h.engine->days()[0].base_boost, base_boost(1.0));
}
