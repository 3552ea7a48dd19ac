// Hand-computed cases for IRP (irp.hpp): compute_irp on small price paths with every metric worked
// out by hand, and the selection's filters, gates, ties and direction rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "keel/core/strategy/dolphin/irp.hpp"

using namespace keel::dolphin;

namespace {
constexpr double kStep = 1.0 / 64.0;  // exact in binary: paths built from it have exact returns

// `n` prices starting at `start`, moving by `step` each bar.
std::vector<double> ramp(double start, double step, std::size_t n) {
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(start + step * static_cast<double>(i));
  return v;
}

// Prices from `start`, each step a multiple of kStep (exact).
std::vector<double> walk(double start, std::initializer_list<double> steps) {
  std::vector<double> v{start};
  for (const double k : steps) v.push_back(v.back() + k * kStep);
  return v;
}

// Parameters for 6-price windows (5 returns) with the champion filters and gates.
IrpParams small_window() {
  IrpParams p;
  p.window = 6;
  return p;
}

IrpChoice choose(const std::vector<IrpInput>& in, Direction d, const IrpParams& p) {
  return select_asset(in, d, p);
}

std::vector<IrpRanked> rank(const std::vector<IrpInput>& in, Direction d, const IrpParams& p) {
  std::vector<IrpRanked> out;
  rank_assets(in, d, p, out);
  return out;
}
}  // namespace

// ---------------------------------------------------------------------------------------------------
// compute_irp

TEST(ComputeIrp, HandWorkedPathLong) {
  // prices 10, 9, 9.5, 11, 12, 11.5; direction +1
  //   dir_returns = −1, +0.5, +1.5, +1, −0.5          cumulative = −1, −0.5, 1, 2, 1.5
  //   mfe = 2, mae = |−1| = 1, efficiency = 2/(1 + 1e-6) = 1.999998000002
  //   alignment = 3/5 = 0.6
  //   mean = 1.5/5 = 0.3; deviations −1.3, 0.2, 1.2, 0.7, −0.8; squares 1.69 + 0.04 + 1.44 + 0.49 +
  //   0.64 = 4.3; noise = 4.3/5 = 0.86
  //   latency: 0.1·2 = 0.2, first cumulative >= 0.2 is index 2 → 3
  //   ARS = 0.5·log1p(1.999998) + 0.35·0.6 − 0.15·0.86·1000 = 0.5493058 + 0.21 − 129 = −128.2406942
  const std::vector<double> p{10.0, 9.0, 9.5, 11.0, 12.0, 11.5};
  const IrpMetrics m = compute_irp(p, +1, IrpReturns::kPriceDiff);
  EXPECT_EQ(m.mfe, 2.0);
  EXPECT_EQ(m.mae, 1.0);
  EXPECT_EQ(m.efficiency, 1.9999980000020001);
  EXPECT_EQ(m.alignment, 0.6);
  EXPECT_EQ(m.noise, 0.86);
  EXPECT_EQ(m.latency, 3);
  EXPECT_EQ(m.ars, -128.24069418899904);
  EXPECT_NEAR(m.ars, 0.5 * std::log(3.0 - 2e-6 / (1 + 1e-6)) + 0.21 - 129.0, 1e-12);
}

TEST(ComputeIrp, HandWorkedPathShortIsTheInverse) {
  // Same prices, direction −1:
  //   dir_returns = +1, −0.5, −1.5, −1, +0.5; cumulative = 1, 0.5, −1, −2, −1.5
  //   mfe = 1, mae = 2, efficiency = 1/(2 + 1e-6), alignment = 2/5, noise = 0.86 (same spread)
  //   latency: first cumulative >= 0.1 is index 0 → 1
  const std::vector<double> p{10.0, 9.0, 9.5, 11.0, 12.0, 11.5};
  const IrpMetrics m = compute_irp(p, -1, IrpReturns::kPriceDiff);
  EXPECT_EQ(m.mfe, 1.0);
  EXPECT_EQ(m.mae, 2.0);
  EXPECT_EQ(m.efficiency, 0.499999750000125);
  EXPECT_EQ(m.alignment, 0.4);
  EXPECT_EQ(m.noise, 0.86);
  EXPECT_EQ(m.latency, 1);
  EXPECT_EQ(m.ars, -128.6572675292792);
}

TEST(ComputeIrp, NeverFavourableGivesZeroMfeAndLatencyFifty) {
  // prices 100, 101, 100.5, 102, 101, 103; direction −1
  //   dir_returns = −1, +0.5, −1.5, +1, −2; cumulative = −1, −0.5, −2, −1, −3 (never above 0)
  //   mfe = 0, mae = 3, efficiency = 0, alignment = 2/5 = 0.4
  //   mean = −3/5 = −0.6; deviations −0.4, 1.1, −0.9, 1.6, −1.4; squares sum 6.7; noise = 1.34
  //   latency = 50 (mfe = 0); ARS = 0 + 0.14 − 201 = −200.86
  const std::vector<double> p{100.0, 101.0, 100.5, 102.0, 101.0, 103.0};
  const IrpMetrics m = compute_irp(p, -1, IrpReturns::kPriceDiff);
  EXPECT_EQ(m.mfe, 0.0);
  EXPECT_EQ(m.mae, 3.0);
  EXPECT_EQ(m.efficiency, 0.0);
  EXPECT_EQ(m.alignment, 0.4);
  EXPECT_EQ(m.noise, 1.34);
  EXPECT_EQ(m.latency, kIrpLatencyNoMfe);
  EXPECT_EQ(m.latency, 50);
  EXPECT_EQ(m.ars, -200.86);
  // Direction +1 on the same path: cumulative 1, 0.5, 2, 1, 3 → mfe 3, mae 0, efficiency 3/1e-6,
  // latency 1 (0.1·3 = 0.30000000000000004 <= 1).
  const IrpMetrics up = compute_irp(p, +1, IrpReturns::kPriceDiff);
  EXPECT_EQ(up.mfe, 3.0);
  EXPECT_EQ(up.mae, 0.0);
  EXPECT_EQ(up.efficiency, 3000000.0);
  EXPECT_EQ(up.alignment, 0.6);
  EXPECT_EQ(up.latency, 1);
  EXPECT_EQ(up.ars, -193.33293841001716);
}

TEST(ComputeIrp, RelativeReturns) {
  // prices 10, 9, 9.5, 11, 12, 11.5; direction +1; dir_returns = Δp/p:
  //   −1/10, 0.5/9, 1.5/9.5, 1/11, −0.5/12 = −0.1, 0.0555…, 0.1578…, 0.0909…, −0.041666…
  //   cumulative = −0.1, −0.0444…, 0.11345…, 0.20436…, 0.16269…; mfe = 0.20436, mae = 0.1
  //   alignment 0.6, latency 3 (first cumulative >= 0.020436 is index 2)
  const std::vector<double> p{10.0, 9.0, 9.5, 11.0, 12.0, 11.5};
  const IrpMetrics m = compute_irp(p, +1, IrpReturns::kRelative);
  EXPECT_EQ(m.mfe, 0.2043593833067517);
  EXPECT_EQ(m.mae, 0.1);
  EXPECT_EQ(m.efficiency, 2.0435733973335437);
  EXPECT_EQ(m.alignment, 0.6);
  EXPECT_EQ(m.noise, 0.008544791517401272);
  EXPECT_EQ(m.latency, 3);
  EXPECT_EQ(m.ars, -0.5152025852324251);
}

TEST(ComputeIrp, MonotonicPathHasNoNoise) {
  // 100, 100 − 1/64, …, 100 − 5/64; direction −1: every return +1/64, cumulative 1/64 … 5/64
  //   mfe = 5/64 = 0.078125, mae = 0, efficiency = 0.078125/1e-6 = 78125, alignment 1, noise 0,
  //   latency 1; ARS = 0.5·log1p(78125) + 0.35 = 5.98303909…
  const auto p = ramp(100.0, -kStep, 6);
  const IrpMetrics m = compute_irp(p, -1, IrpReturns::kPriceDiff);
  EXPECT_EQ(m.mfe, 0.078125);
  EXPECT_EQ(m.mae, 0.0);
  EXPECT_EQ(m.efficiency, 78125.0);
  EXPECT_EQ(m.alignment, 1.0);
  EXPECT_EQ(m.noise, 0.0);
  EXPECT_EQ(m.latency, 1);
  EXPECT_EQ(m.ars, 5.983039093478391);
  const IrpMetrics inv = compute_irp(p, +1, IrpReturns::kPriceDiff);
  EXPECT_EQ(inv.mfe, 0.0);
  EXPECT_EQ(inv.mae, 0.078125);
  EXPECT_EQ(inv.alignment, 0.0);
  EXPECT_EQ(inv.latency, 50);
  EXPECT_EQ(inv.ars, 0.0);
}

TEST(ComputeIrp, LatencyIsOnePlusTheFirstIndexReachingTenPercent) {
  // 19 flat returns, then +1 ten times: cumulative 0 (×19), 1, 2, …, 10; mfe 10, 0.1·10 = 1.0;
  // the first cumulative >= 1.0 is index 19 → latency 20. A flat cumulative 0 never counts.
  std::vector<double> p(20, 100.0);
  for (int i = 1; i <= 10; ++i) p.push_back(100.0 + i);
  EXPECT_EQ(compute_irp(p, +1, IrpReturns::kPriceDiff).latency, 20);
  p.insert(p.begin(), 100.0);  // one more flat return in front → 21
  EXPECT_EQ(compute_irp(p, +1, IrpReturns::kPriceDiff).latency, 21);
}

TEST(ComputeIrp, DegenerateInputs) {
  const std::vector<double> one{100.0};
  const IrpMetrics m = compute_irp(one, -1, IrpReturns::kPriceDiff);
  EXPECT_EQ(m.mfe, 0.0);
  EXPECT_EQ(m.alignment, 0.0);
  EXPECT_EQ(m.noise, 0.0);
  EXPECT_EQ(m.latency, 50);
  EXPECT_EQ(m.ars, 0.0);
  const IrpMetrics flat = compute_irp(std::vector<double>(5, 7.0), -1, IrpReturns::kPriceDiff);
  EXPECT_EQ(flat.mfe, 0.0);
  EXPECT_EQ(flat.mae, 0.0);
  EXPECT_EQ(flat.latency, 50);
  EXPECT_EQ(flat.ars, 0.0);
}

// ---------------------------------------------------------------------------------------------------
// Selection

TEST(SelectAsset, HighestArsAmongDirectWinners) {
  // A: falls 1/64 per bar (SHORT ARS 5.983), B: falls 2/64 (SHORT ARS 6.330),
  // C: rises 4/64 (its inverse wins with ARS 6.676 → ranked first, dropped by the direction gate).
  const auto a = ramp(100.0, -kStep, 6);
  const auto b = ramp(100.0, -2 * kStep, 6);
  const auto c = ramp(100.0, 4 * kStep, 6);
  const std::vector<IrpInput> in{{10, a}, {11, b}, {12, c}};
  const IrpParams params = small_window();

  std::vector<IrpRanked> ranked;
  rank_assets(in, Direction::kShort, params, ranked);
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[0].asset, 12u);
  EXPECT_TRUE(ranked[0].inverse);
  EXPECT_EQ(ranked[0].metrics.ars, 6.676181474076737);
  EXPECT_EQ(ranked[1].asset, 11u);
  EXPECT_FALSE(ranked[1].inverse);
  EXPECT_EQ(ranked[1].metrics.ars, 6.329609483789084);
  EXPECT_EQ(ranked[2].asset, 10u);
  EXPECT_EQ(ranked[2].metrics.ars, 5.983039093478391);

  const IrpChoice s = choose(in, Direction::kShort, params);
  EXPECT_TRUE(s.found);
  EXPECT_EQ(s.asset, 11u);

  // LONG regime: only C profiles in the LONG direction; A and B win inverted and are dropped.
  const IrpChoice l = choose(in, Direction::kLong, params);
  EXPECT_TRUE(l.found);
  EXPECT_EQ(l.asset, 12u);
}

TEST(SelectAsset, NoFallbackWhenOnlyInverseWinners) {
  const auto c = ramp(100.0, 4 * kStep, 6);
  const std::vector<IrpInput> in{{0, c}};
  const IrpChoice s = choose(in, Direction::kShort, small_window());
  EXPECT_FALSE(s.found);
  EXPECT_FALSE(choose({}, Direction::kShort, small_window()).found);
}

TEST(SelectAsset, EqualArsKeepsInputOrder) {
  const auto a = ramp(100.0, -kStep, 6);
  const auto a_copy = ramp(100.0, -kStep, 6);
  // Input order (the symbols file's) decides, not the asset index.
  const std::vector<IrpInput> in{{7, a}, {3, a_copy}};
  EXPECT_EQ(choose(in, Direction::kShort, small_window()).asset, 7u);
  std::vector<IrpRanked> ranked;
  rank_assets(in, Direction::kShort, small_window(), ranked);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].asset, 7u);
  EXPECT_EQ(ranked[1].asset, 3u);
  const std::vector<IrpInput> reversed{{3, a_copy}, {7, a}};
  EXPECT_EQ(choose(reversed, Direction::kShort, small_window()).asset, 3u);
}

TEST(SelectAsset, DirectBeatsInverseOnEqualArs) {
  // 100, 100 + d, 100, 100 − d, 100 (d = 1/64). SHORT direct returns −d, +d, +d, −d: cumulative
  // −d, 0, d, 0 → mfe d, mae d, alignment 0.5, latency 3. Inverse returns +d, −d, −d, +d:
  // cumulative d, 0, −d, 0 → the same mfe, mae, alignment and noise (d² = 1/4096), latency 1. The
  // ARS are equal bit for bit; the direct direction wins (latency 3, not inverted) and passes
  // every gate.
  const std::vector<double> p{100.0, 100.0 + kStep, 100.0, 100.0 - kStep, 100.0};
  const IrpMetrics direct = compute_irp(p, -1, IrpReturns::kPriceDiff);
  const IrpMetrics inverse = compute_irp(p, +1, IrpReturns::kPriceDiff);
  ASSERT_EQ(direct.ars, inverse.ars);
  EXPECT_EQ(direct.ars, 0.4849364972979344);
  EXPECT_EQ(direct.noise, 0.000244140625);
  EXPECT_EQ(direct.latency, 3);
  EXPECT_EQ(inverse.latency, 1);

  IrpParams params = small_window();
  params.window = 5;
  const std::vector<IrpInput> in{{4, p}};
  std::vector<IrpRanked> ranked;
  rank_assets(in, Direction::kShort, params, ranked);
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_FALSE(ranked[0].inverse);
  EXPECT_EQ(ranked[0].metrics.latency, 3);
  const IrpChoice s = choose(in, Direction::kShort, params);
  EXPECT_TRUE(s.found);
  EXPECT_EQ(s.asset, 4u);
}

TEST(SelectAsset, NoiseFilterIsStrict) {
  // Alternating ±1: returns +1, −1, +1, −1, +1 … (10 returns): mean 0, noise exactly 1.0,
  // cumulative 1, 0, 1, 0, … → mfe 1, mae 0, alignment 0.5, latency 1.
  std::vector<double> p;
  for (int i = 0; i <= 10; ++i) p.push_back(i % 2 == 0 ? 100.0 : 101.0);
  IrpParams params;
  params.window = 11;
  ASSERT_EQ(compute_irp(p, +1, IrpReturns::kPriceDiff).noise, 1.0);
  const std::vector<IrpInput> in{{0, p}};
  params.max_noise = 1.0;  // noise == max_noise is kept (noise > max_noise → skip)
  EXPECT_TRUE(choose(in, Direction::kLong, params).found);
  params.max_noise = 0.99;
  EXPECT_FALSE(choose(in, Direction::kLong, params).found);
  std::vector<IrpRanked> ranked;
  rank_assets(in, Direction::kLong, params, ranked);
  EXPECT_TRUE(ranked.empty());
}

TEST(SelectAsset, LatencyFilterIsStrict) {
  // Latency 20 (see ComputeIrp.LatencyIsOnePlusTheFirstIndexReachingTenPercent) passes max 20;
  // latency 21 does not. Alignment 10/29 ≈ 0.34 passes the 0.20 filter; the 0.45 gate is off.
  std::vector<double> p(20, 100.0);
  for (int i = 1; i <= 10; ++i) p.push_back(100.0 + i);
  IrpParams params;
  params.min_alignment = 0.0;
  params.window = static_cast<int>(p.size());
  EXPECT_TRUE(choose({{1, p}}, Direction::kLong, params).found);
  std::vector<double> later = p;
  later.insert(later.begin(), 100.0);
  params.window = static_cast<int>(later.size());
  EXPECT_FALSE(choose({{1, later}}, Direction::kLong, params).found);
  params.max_latency = 21;
  EXPECT_TRUE(choose({{1, later}}, Direction::kLong, params).found);
}

TEST(SelectAsset, AlignmentFilterAndGate) {
  // Returns +1/64, 0, 0, 0, 0: alignment 1/5 = 0.2 exactly; cumulative 1/64 flat → mfe 1/64, mae 0,
  // latency 1, small noise.
  const std::vector<double> p = walk(100.0, {1, 0, 0, 0, 0});
  ASSERT_EQ(compute_irp(p, +1, IrpReturns::kPriceDiff).alignment, 0.2);
  IrpParams params = small_window();
  const std::vector<IrpInput> in{{0, p}};
  params.min_alignment = 0.0;  // gate off
  // 0.2 is not < 0.20: the filter keeps it.
  EXPECT_TRUE(choose(in, Direction::kLong, params).found);
  params.filter_min_alignment = 0.21;
  EXPECT_FALSE(choose(in, Direction::kLong, params).found);

  // Gate 0.45: alignment 0.4 (2 of 5) fails, 0.45 exactly (9 of 20) passes.
  const std::vector<double> two = walk(100.0, {1, 1, 0, 0, 0});
  params = small_window();
  ASSERT_EQ(compute_irp(two, +1, IrpReturns::kPriceDiff).alignment, 0.4);
  EXPECT_FALSE(choose({{0, two}}, Direction::kLong, params).found);
  // Ranked (it passes the filters) but gated.
  EXPECT_EQ(rank({{0, two}}, Direction::kLong, params).size(), 1u);
  params.min_alignment = 0.0;
  EXPECT_TRUE(choose({{0, two}}, Direction::kLong, params).found);

  std::vector<double> nine = ramp(100.0, kStep, 10);         // 9 rising returns
  for (int i = 0; i < 11; ++i) nine.push_back(nine.back());  // then 11 flat: 9/20 = 0.45
  params = IrpParams{};
  params.window = static_cast<int>(nine.size());
  ASSERT_EQ(compute_irp(nine, +1, IrpReturns::kPriceDiff).alignment, 0.45);
  EXPECT_TRUE(choose({{0, nine}}, Direction::kLong, params).found);
}

TEST(SelectAsset, GateSkipsToTheNextRankedAsset) {
  // G: alignment 0.4 but a larger move (ARS above A's); A: a slow steady fall. SHORT regime.
  const std::vector<double> g = walk(100.0, {-4, -4, 0, 0, 0});
  const auto a = ramp(100.0, -1.0 / 1024.0, 6);
  const IrpParams params = small_window();
  ASSERT_GT(compute_irp(g, -1, IrpReturns::kPriceDiff).ars,
            compute_irp(a, -1, IrpReturns::kPriceDiff).ars);
  const std::vector<IrpInput> in{{0, g}, {1, a}};
  std::vector<IrpRanked> ranked;
  rank_assets(in, Direction::kShort, params, ranked);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].asset, 0u);
  EXPECT_EQ(choose(in, Direction::kShort, params).asset, 1u);
}

TEST(SelectAsset, ShortInputsAreSkippedAndLongOnesUseTheLastWindow) {
  const auto a = ramp(100.0, -kStep, 6);
  const auto short_one = ramp(100.0, -4 * kStep, 5);  // 5 prices < window 6
  const IrpParams params = small_window();
  EXPECT_EQ(choose({{0, short_one}, {1, a}}, Direction::kShort, params).asset, 1u);
  // A history longer than the window: only its last 6 prices count (the early spike is ignored).
  std::vector<double> longer{500.0, 1.0, 900.0};
  longer.insert(longer.end(), a.begin(), a.end());
  const std::vector<IrpRanked> r1 = rank({{0, longer}}, Direction::kShort, params);
  const std::vector<IrpRanked> r2 = rank({{0, a}}, Direction::kShort, params);
  ASSERT_EQ(r1.size(), 1u);
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r1[0].metrics.ars, r2[0].metrics.ars);
}

TEST(SelectAsset, ChampionWindowOfFifty) {
  const auto falling = ramp(50000.0, -0.25, 50);  // BTC-like level, steady fall
  const IrpParams params;                         // window 50, price differences
  EXPECT_EQ(choose({{0, falling}}, Direction::kShort, params).asset, 0u);
  EXPECT_FALSE(choose({{0, falling}}, Direction::kLong, params).found);
  const auto too_short = ramp(50000.0, -0.25, 49);
  EXPECT_FALSE(choose({{0, too_short}}, Direction::kShort, params).found);
}

TEST(SelectAsset, AgreesWithTheFirstPassingEntryOfTheRanking) {
  // Deterministic pseudo-random walks (an LCG, so the test needs nothing else), many tied values:
  // select_asset's one pass must equal walking rank_assets' stable ranking.
  std::uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % 5) - 2;  // −2 … 2
  };
  IrpParams params;
  params.window = 12;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::vector<double>> paths(8);
    for (auto& path : paths) {
      double price = 100.0;
      for (int i = 0; i < 12; ++i) {
        path.push_back(price);
        price += next() * kStep;
      }
    }
    if (round % 3 == 0) paths[5] = paths[2];  // force exact ties
    std::vector<IrpInput> in;
    for (std::size_t i = 0; i < paths.size(); ++i) in.push_back({i, paths[i]});
    for (const Direction d : {Direction::kShort, Direction::kLong}) {
      std::vector<IrpRanked> ranked;
      rank_assets(in, d, params, ranked);
      IrpChoice expected;
      for (const IrpRanked& r : ranked) {
        if (r.metrics.alignment < params.min_alignment || r.inverse) continue;
        expected = IrpChoice{true, r.asset};
        break;
      }
      const IrpChoice got = select_asset(in, d, params);
      ASSERT_EQ(got.found, expected.found) << "round " << round;
      if (got.found) {
        ASSERT_EQ(got.asset, expected.asset) << "round " << round;
      }
    }
  }
}
