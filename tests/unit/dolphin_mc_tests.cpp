// The MC-Forewarner (bible §12, DOLPHIN.md §5 and §8, RNG.md `mc`): no draw below 30 trades, the
// draw count and order, the horizon H, the 200-trade window, statistics of cases small enough to
// compute by hand, an independent straightforward bootstrap to compare bit for bit, and the
// status boundaries.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/strategy/dolphin/mc_forewarner.hpp"
#include "keel/core/primitives/rng.hpp"

using namespace keel;
using namespace keel::dolphin;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const McParams kParams{};

bool same_state(const Xoshiro256StarStar& a, const Xoshiro256StarStar& b) {
  for (int i = 0; i < 4; ++i)
    if (a.state(i) != b.state(i)) return false;
  return true;
}

RngStream fresh_mc_advanced(std::uint64_t draws, std::uint64_t seed = kDefaultRunSeed) {
  RngStream g("mc", seed);
  for (std::uint64_t k = 0; k < draws; ++k) (void)g.next();
  return g;
}

// Records `count` trades of return `r` exiting on `day`.
void record(McForewarner& mc, std::int64_t day, int count, double r) {
  for (int k = 0; k < count; ++k) mc.record_trade(day, r);
}

// The bootstrap written out plainly from DOLPHIN.md §8, for comparison.
struct Reference {
  double catastrophic_probability;
  double envelope_score;
  McStatus status;
};

Reference reference(const std::vector<double>& all_returns, int horizon,
                    const McParams& p = kParams, std::uint64_t seed = kDefaultRunSeed) {
  const std::size_t n =
      std::min<std::size_t>(all_returns.size(), static_cast<std::size_t>(p.max_trades));
  const std::vector<double> window(all_returns.end() - static_cast<std::ptrdiff_t>(n),
                                   all_returns.end());
  RngStream g("mc", seed);
  std::vector<double> path_return;
  int catastrophic = 0;
  for (int path = 0; path < p.paths; ++path) {
    double equity = 1.0;
    double peak = 1.0;
    bool hit = false;
    for (int h = 0; h < horizon; ++h) {
      const double u = g.uniform();
      const auto pick = static_cast<std::size_t>(std::floor(u * static_cast<double>(n)));
      equity *= 1.0 + window[pick];
      peak = std::max(peak, equity);
      if ((peak - equity) / peak > p.catastrophic_drawdown) hit = true;
    }
    if (hit) ++catastrophic;
    path_return.push_back(equity - 1.0);
  }
  double sum = 0.0;
  for (const double x : path_return) sum += x;
  const double mean = sum / static_cast<double>(p.paths);
  double ss = 0.0;
  for (const double x : path_return) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(p.paths - 1));
  const double env = sd != 0.0 ? mean / sd : mean > 0.0 ? kInf : mean < 0.0 ? -kInf : 0.0;
  const double cat = static_cast<double>(catastrophic) / static_cast<double>(p.paths);
  const McStatus status = (cat > 0.25 || env < -1.0)  ? McStatus::kRed
                          : (env < 0.0 || cat > 0.10) ? McStatus::kOrange
                                                      : McStatus::kOk;
  return {cat, env, status};
}

}  // namespace

// ---------------------------------------------------------------- the status rule

TEST(McStatusRule, Boundaries) {
  const McParams& p = kParams;
  EXPECT_EQ(mc_status_for(0.0, 0.0, p), McStatus::kOk);
  EXPECT_EQ(mc_status_for(0.10, 0.0, p), McStatus::kOk);  // not > 0.10
  EXPECT_EQ(mc_status_for(std::nextafter(0.10, 1.0), 0.0, p), McStatus::kOrange);
  EXPECT_EQ(mc_status_for(0.25, 0.0, p), McStatus::kOrange);  // not > 0.25
  EXPECT_EQ(mc_status_for(std::nextafter(0.25, 1.0), 0.0, p), McStatus::kRed);
  EXPECT_EQ(mc_status_for(0.0, -0.0, p), McStatus::kOk);  // −0 is not < 0
  EXPECT_EQ(mc_status_for(0.0, std::nextafter(0.0, -1.0), p), McStatus::kOrange);
  EXPECT_EQ(mc_status_for(0.0, -1.0, p), McStatus::kOrange);  // not < −1
  EXPECT_EQ(mc_status_for(0.0, std::nextafter(-1.0, -2.0), p), McStatus::kRed);
  EXPECT_EQ(mc_status_for(0.0, kInf, p), McStatus::kOk);
  EXPECT_EQ(mc_status_for(0.0, -kInf, p), McStatus::kRed);
  EXPECT_EQ(mc_status_for(0.26, kInf, p), McStatus::kRed);    // either RED condition suffices
  EXPECT_EQ(mc_status_for(0.11, 5.0, p), McStatus::kOrange);  // either ORANGE condition suffices
  EXPECT_EQ(to_string(McStatus::kOrange), "ORANGE");
}

// ---------------------------------------------------------------- draws

TEST(McForewarner, NoDrawBelowThirtyTrades) {
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 29, -0.5);  // catastrophic if it ran
  for (std::int64_t day = 101; day <= 105; ++day) {
    const auto r = mc.assess(day);
    EXPECT_FALSE(r.ran);
    EXPECT_EQ(r.status, McStatus::kOk);
    EXPECT_EQ(r.horizon, 0);
    EXPECT_EQ(r.trades_used, 0);
    EXPECT_EQ(r.catastrophic_probability, 0.0);
  }
  EXPECT_TRUE(same_state(mc.stream(), RngStream("mc", kDefaultRunSeed)));
  // The stream's next draw is still RNG.md's first `mc` draw.
  RngStream next = mc.stream();
  EXPECT_EQ(next.uniform(), 0.073573503001616469);

  record(mc, 105, 1, -0.5);  // the 30th
  const auto r = mc.assess(106);
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.trades_used, 30);
  EXPECT_EQ(r.horizon, 1);  // 1 trade in days 99..105 → floor(1/7 + 0.5) = 0 → at least 1
  EXPECT_EQ(r.catastrophic_probability, 1.0);
  EXPECT_EQ(r.status, McStatus::kRed);
  EXPECT_TRUE(same_state(mc.stream(), fresh_mc_advanced(1000)));
}

TEST(McForewarner, DisabledNeverDraws) {
  McParams p;
  p.enabled = false;
  McForewarner mc(p, kDefaultRunSeed);
  record(mc, 0, 100, -0.5);
  const auto r = mc.assess(1);
  EXPECT_FALSE(r.ran);
  EXPECT_EQ(r.status, McStatus::kOk);
  EXPECT_TRUE(same_state(mc.stream(), RngStream("mc", kDefaultRunSeed)));
}

TEST(McForewarner, UsesTheRunSeedsMcStream) {
  McForewarner a(kParams, 7);
  EXPECT_TRUE(same_state(a.stream(), RngStream("mc", 7)));
  EXPECT_FALSE(same_state(a.stream(), RngStream("mc", 42)));
}

// ---------------------------------------------------------------- horizon

TEST(McForewarner, HorizonRoundsMeanTradesPerDay) {
  // m trades in D−7 … D−1 → H = max(1, floor(m/7 + 0.5)): 0→1, 3→1 (0.93), 4→1 (1.07), 10→1 (1.93),
  // 11→2 (2.07), 24→3 (3.93), 25→4 (4.07). Each assess draws paths × H.
  const int m_values[] = {0, 3, 4, 10, 11, 24, 25};
  const int h_values[] = {1, 1, 1, 1, 2, 3, 4};
  for (int k = 0; k < 7; ++k) {
    McForewarner mc(kParams, kDefaultRunSeed);
    record(mc, 0, 30, 0.0);            // day 0: outside the window of day 20
    record(mc, 15, m_values[k], 0.0);  // D−5
    const auto r = mc.assess(20);
    EXPECT_EQ(r.horizon, h_values[k]) << m_values[k];
    EXPECT_TRUE(
        same_state(mc.stream(), fresh_mc_advanced(1000u * static_cast<unsigned>(h_values[k]))))
        << m_values[k];
  }
}

TEST(McForewarner, HorizonWindowIsSevenDaysBeforeTheDay) {
  // D = 20: 10 trades on D−8 (excluded), 6 on D−7 and 5 on D−1 (included) → m = 11 → H = 2.
  // (Including D−8 would give 21 → 3; excluding D−7 would give 5 → 1.)
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 30, 0.0);
  record(mc, 12, 10, 0.0);
  record(mc, 13, 6, 0.0);
  record(mc, 19, 5, 0.0);
  EXPECT_EQ(mc.assess(20).horizon, 2);
  // Day 21: window 14 … 20 → only the 5 of day 19 → H = 1.
  EXPECT_EQ(mc.assess(21).horizon, 1);
}

TEST(McForewarner, HorizonOverManyDistinctDays) {
  McForewarner mc(kParams, kDefaultRunSeed);
  for (std::int64_t d = 0; d <= 40; ++d) record(mc, d, 2, 0.0);  // 2 per day
  EXPECT_EQ(mc.assess(41).horizon, 2);                           // 14 in days 34..40
  record(mc, 41, 7, 0.0);
  EXPECT_EQ(mc.assess(42).horizon, 3);  // 12 (35..40) + 7 = 19 → 3.21
}

// ---------------------------------------------------------------- hand-computed statistics

TEST(McForewarner, AllEqualGainsCompoundWithZeroSpread) {
  // r = +0.25, H = 2 (14 trades on D−1): every path ends at 1.25² = 1.5625, return 0.5625; no
  // drawdown; mean exactly 0.5625 (dyadic sums), std 0 → envelope +inf → OK.
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 16, 0.25);
  record(mc, 9, 14, 0.25);
  const auto r = mc.assess(10);
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.horizon, 2);
  EXPECT_EQ(r.trades_used, 30);
  EXPECT_EQ(r.catastrophic_probability, 0.0);
  EXPECT_EQ(r.envelope_score, kInf);
  EXPECT_EQ(r.status, McStatus::kOk);
}

TEST(McForewarner, AllEqualLossesFromTheStartAreCatastrophic) {
  // r = −0.25, H = 1: equity 0.75, drawdown (1 − 0.75)/1 = 0.25 against the start → catastrophic;
  // returns all −0.25 → envelope −inf → RED.
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 40, -0.25);
  const auto r = mc.assess(100);
  EXPECT_EQ(r.horizon, 1);
  EXPECT_EQ(r.catastrophic_probability, 1.0);
  EXPECT_EQ(r.envelope_score, -kInf);
  EXPECT_EQ(r.status, McStatus::kRed);
  // A single −0.21 from the start already exceeds 0.20 (the start counts as the peak).
  McForewarner b(kParams, kDefaultRunSeed);
  record(b, 0, 40, -0.21);
  EXPECT_EQ(b.assess(100).catastrophic_probability, 1.0);
}

TEST(McForewarner, DrawdownCompoundsOverTheHorizon) {
  // r = −0.125: H = 1 → drawdown 0.125, not catastrophic, but the mean −0.125 with std 0 gives
  // envelope −inf → RED. H = 2 → 0.875² = 0.765625, drawdown 0.234375 > 0.20 → catastrophic.
  McForewarner one(kParams, kDefaultRunSeed);
  record(one, 0, 40, -0.125);
  auto r = one.assess(100);
  EXPECT_EQ(r.horizon, 1);
  EXPECT_EQ(r.catastrophic_probability, 0.0);
  EXPECT_EQ(r.envelope_score, -kInf);
  EXPECT_EQ(r.status, McStatus::kRed);

  McForewarner two(kParams, kDefaultRunSeed);
  record(two, 0, 30, -0.125);
  record(two, 99, 14, -0.125);
  r = two.assess(100);
  EXPECT_EQ(r.horizon, 2);
  EXPECT_EQ(r.catastrophic_probability, 1.0);
  EXPECT_EQ(r.status, McStatus::kRed);
}

TEST(McForewarner, ZeroReturnsGiveZeroEnvelope) {
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 30, 0.0);
  const auto r = mc.assess(1);
  EXPECT_EQ(r.catastrophic_probability, 0.0);
  EXPECT_EQ(r.envelope_score, 0.0);
  EXPECT_EQ(r.status, McStatus::kOk);
}

TEST(McForewarner, CatastrophicIsStrict) {
  // Threshold 0.25 and r = −0.25: drawdown exactly 0.25 → not catastrophic; a hair more → it is.
  McParams p;
  p.catastrophic_drawdown = 0.25;
  McForewarner at(p, kDefaultRunSeed);
  record(at, 0, 30, -0.25);
  EXPECT_EQ(at.assess(100).catastrophic_probability, 0.0);
  McForewarner past(p, kDefaultRunSeed);
  record(past, 0, 30, -0.25 - 0x1p-20);
  EXPECT_EQ(past.assess(100).catastrophic_probability, 1.0);
}

TEST(McForewarner, UsesOnlyTheLast200Trades) {
  // 50 ruinous trades, then 200 flat ones: only the flat ones are in the window.
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 50, -0.5);
  record(mc, 1, 200, 0.0);
  const auto r = mc.assess(100);
  EXPECT_EQ(r.trades_used, 200);
  EXPECT_EQ(r.catastrophic_probability, 0.0);
  EXPECT_EQ(r.envelope_score, 0.0);
  EXPECT_EQ(r.status, McStatus::kOk);
  EXPECT_EQ(mc.closed_trades(), 250);
}

TEST(McForewarner, ADrawPicksTradeFloorUTimesNOldestFirst) {
  // 30 trades, only the oldest (index 0) ruinous; H = 1. Path p is catastrophic iff its draw
  // u_p < 1/30, i.e. floor(u_p·30) = 0. Count that from a fresh stream.
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 1, -0.5);
  record(mc, 0, 29, 0.0);
  const auto r = mc.assess(100);
  RngStream g("mc", kDefaultRunSeed);
  int zeros = 0;
  for (int path = 0; path < 1000; ++path)
    if (static_cast<int>(std::floor(g.uniform() * 30.0)) == 0) ++zeros;
  EXPECT_GT(zeros, 0);
  EXPECT_EQ(r.catastrophic_probability, static_cast<double>(zeros) / 1000.0);
  // RNG.md: the first `mc` draw is 0.0736 → floor(0.0736·30) = 2, not the ruinous trade.
  EXPECT_EQ(static_cast<int>(std::floor(0.073573503001616469 * 30.0)), 2);
}

// ---------------------------------------------------------------- against the plain reference

namespace {

struct Case {
  const char* name;
  std::vector<double> returns;  // all exit on day 0 → H = 1 when assessed on day 100
  McStatus expected;
};

std::vector<double> pattern(int count, int bad_every, int bad_offset, double good, double bad) {
  std::vector<double> v;
  for (int i = 0; i < count; ++i) v.push_back(i % bad_every == bad_offset ? bad : good);
  return v;
}

}  // namespace

TEST(McForewarner, StatusesAgainstThePlainReference) {
  std::vector<Case> cases;
  // 4 of 40 lose 30% (catastrophic alone), the rest gain 1%: mean ≈ −0.021, std ≈ 0.093 →
  // envelope ≈ −0.23 → ORANGE (cat ≈ 0.10, ≤ 0.25).
  cases.push_back({"orange-envelope", pattern(40, 10, 3, 0.01, -0.30), McStatus::kOrange});
  // 8 of 40 lose 25%, the rest gain 10%: cat ≈ 0.20 (ORANGE), mean ≈ +0.03 → envelope > 0.
  cases.push_back({"orange-catastrophic", pattern(40, 5, 1, 0.10, -0.25), McStatus::kOrange});
  // 14 of 40 lose 25%: cat ≈ 0.35 → RED although the mean is positive.
  {
    std::vector<double> v;
    for (int i = 0; i < 40; ++i) v.push_back(i % 20 < 7 ? -0.25 : 0.30);
    cases.push_back({"red-catastrophic", v, McStatus::kRed});
  }
  // Small steady losses: cat 0, envelope ≈ −0.012/0.0014 → RED.
  {
    std::vector<double> v;
    for (int i = 0; i < 40; ++i) v.push_back(-0.01 - 0.001 * static_cast<double>(i % 5));
    cases.push_back({"red-envelope", v, McStatus::kRed});
  }
  // Small steady gains: OK.
  {
    std::vector<double> v;
    for (int i = 0; i < 40; ++i) v.push_back(0.01 + 0.001 * static_cast<double>(i % 5));
    cases.push_back({"ok", v, McStatus::kOk});
  }
  // 260 varied trades, −3.4% … +5.4% (the window wraps the ring), H = 3 (21 trades on D−1).
  {
    std::vector<double> v;
    for (int i = 0; i < 260; ++i)
      v.push_back(static_cast<double>((i * 37) % 23 - 11) * 0.004 + 0.01);
    cases.push_back({"varied", v, McStatus::kOk});
  }
  for (const Case& c : cases) {
    McForewarner mc(kParams, kDefaultRunSeed);
    const bool varied = std::string(c.name) == "varied";
    for (std::size_t i = 0; i < c.returns.size(); ++i)
      mc.record_trade(varied && i + 21 >= c.returns.size() ? 99 : 0, c.returns[i]);
    const auto r = mc.assess(100);
    const int h = varied ? 3 : 1;
    const Reference ref = reference(c.returns, h);
    EXPECT_EQ(r.horizon, h) << c.name;
    EXPECT_EQ(r.trades_used, static_cast<int>(std::min<std::size_t>(c.returns.size(), 200)))
        << c.name;
    EXPECT_EQ(r.catastrophic_probability, ref.catastrophic_probability) << c.name;
    EXPECT_EQ(r.envelope_score, ref.envelope_score) << c.name;
    EXPECT_EQ(r.status, ref.status) << c.name;
    EXPECT_EQ(r.status, c.expected)
        << c.name << ": cat " << r.catastrophic_probability << " env " << r.envelope_score;
    EXPECT_TRUE(same_state(mc.stream(), fresh_mc_advanced(1000u * static_cast<unsigned>(h))))
        << c.name;
  }
}

// ---------------------------------------------------------------- once per day, allocation

TEST(McForewarner, OncePerDay) {
  McForewarner mc(kParams, kDefaultRunSeed);
  record(mc, 0, 40, 0.01);
  const auto first = mc.assess(5);
  ASSERT_TRUE(first.ran);
  const RngStream after = mc.stream();
  record(mc, 5, 10, -0.5);  // trades of day 5 do not change day 5's verdict
  const auto again = mc.assess(5);
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.envelope_score, first.envelope_score);
  EXPECT_EQ(again.catastrophic_probability, first.catastrophic_probability);
  EXPECT_TRUE(same_state(mc.stream(), after));
  (void)mc.assess(4);  // an earlier day: the last verdict, no draw
  EXPECT_TRUE(same_state(mc.stream(), after));
  EXPECT_TRUE(mc.assess(6).ran);  // the next day runs again
  EXPECT_FALSE(same_state(mc.stream(), after));
}

TEST(McForewarner, DoesNotAllocateAfterConstruction) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  McForewarner mc(kParams, kDefaultRunSeed);
  AllocationScope scope;
  for (std::int64_t day = 0; day < 60; ++day) {
    (void)mc.assess(day);
    for (int k = 0; k < 7; ++k) mc.record_trade(day, static_cast<double>((day + k) % 9 - 4) * 0.01);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(mc.closed_trades(), 420);
}
