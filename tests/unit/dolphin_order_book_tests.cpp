// Hand-computed cases for DOLPHIN's order-book layer (order_book.hpp): every branch and boundary of
// OB-1…OB-5 and the §8.3 real-engine edge. Expected values are the exact doubles the bible's
// expressions give in the bible's order (checked independently in IEEE double arithmetic); the
// comment next to each shows the arithmetic by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/strategy/dolphin/irp.hpp"
#include "keel/core/strategy/dolphin/order_book.hpp"

using namespace keel::dolphin;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kShort = -1;
constexpr int kLong = 1;

double toward(double from, double to) {
  return std::nextafter(from, to);
}

// An imbalance record whose effective imbalance is `eff` in `direction` (eff_imb = −imb for SHORT).
ObSignal sig(double eff, double persistence, int direction, double withdrawal = 0.0) {
  return ObSignal{direction < 0 ? -eff : eff, persistence, withdrawal};
}

ObPlacement depth(double dq, double fill = 0.0) {
  return ObPlacement{dq, fill};
}

// A source with fixed per-asset placements; assets without one answer false.
class FakeSource final : public OrderBookSource {
 public:
  explicit FakeSource(std::vector<ObPlacement> placements, std::vector<bool> has = {})
      : placements_(std::move(placements)), has_(std::move(has)) {}
  bool signal(std::size_t, ObSignal&) const noexcept override { return false; }
  bool placement(std::size_t asset, ObPlacement& out) const noexcept override {
    ++calls_;
    if (asset >= placements_.size()) return false;
    if (!has_.empty() && !has_[asset]) return false;
    out = placements_[asset];
    return true;
  }
  ObMacro macro() const noexcept override { return {}; }
  double market_multiplier(int) const noexcept override { return 1.0; }
  [[nodiscard]] int calls() const { return calls_; }

 private:
  std::vector<ObPlacement> placements_;
  std::vector<bool> has_;
  mutable int calls_ = 0;
};

const OrderBookParams kP{};
}  // namespace

// ---------------------------------------------------------------------------------------------------
// eff_imb and LONG mirroring

TEST(ObEffectiveImbalance, ShortNegatesLongKeeps) {
  const ObSignal s{0.3, 0.5, 0.0};
  EXPECT_EQ(ob_effective_imbalance(s, kShort), -0.3);  // sell pressure (imb < 0) confirms a SHORT
  EXPECT_EQ(ob_effective_imbalance(s, kLong), 0.3);
  EXPECT_EQ(ob_effective_imbalance(s, -7), -0.3);  // any negative direction is SHORT
  EXPECT_EQ(ob_effective_imbalance(s, 0), 0.3);    // any other is LONG
}

// ---------------------------------------------------------------------------------------------------
// OB-2 (§4.3)

TEST(ObConfidence, ConfirmBoostIsStrictAndCapped) {
  // 1 + min(0.15, 0.2·0.5·0.5) = 1 + 0.05
  ObConfidence c = ob_confidence_adjustment(sig(0.2, 0.5, kShort), kShort, kP);
  EXPECT_FALSE(c.skip);
  EXPECT_EQ(c.multiplier, 1.05);
  // 0.25·0.8·0.5 = 0.1 → 1.1
  EXPECT_EQ(ob_confidence_adjustment(sig(0.25, 0.8, kShort), kShort, kP).multiplier, 1.1);
  // 0.3·1.0·0.5 = 0.15 exactly: min keeps 0.15 → 1.15 (the cap's boundary)
  EXPECT_EQ(ob_confidence_adjustment(sig(0.3, 1.0, kShort), kShort, kP).multiplier, 1.15);
  // 0.6·1.0·0.5 = 0.3 → capped at 0.15
  EXPECT_EQ(ob_confidence_adjustment(sig(0.6, 1.0, kShort), kShort, kP).multiplier, 1.15);
  // eff_imb = 0.10 exactly is not > 0.10, nor < −0.10: neutral
  c = ob_confidence_adjustment(sig(0.10, 1.0, kShort), kShort, kP);
  EXPECT_FALSE(c.skip);
  EXPECT_EQ(c.multiplier, 1.0);
  // one ulp above 0.10 boosts: 1 + 0.1000…·0.5 (persistence 1) = 1.05
  EXPECT_EQ(ob_confidence_adjustment(sig(toward(0.10, 1.0), 1.0, kShort), kShort, kP).multiplier,
            1.05);
}

TEST(ObConfidence, HardSkipNeedsBothStrictConditions) {
  // eff −0.2 < −0.15 and persistence 0.7 > 0.60 → skip
  ObConfidence c = ob_confidence_adjustment(sig(-0.2, 0.7, kShort), kShort, kP);
  EXPECT_TRUE(c.skip);
  EXPECT_EQ(c.multiplier, 1.0);
  // persistence 0.60 exactly is not > 0.60: falls to the dampen branch, 1 − 0.2·0.6·0.4 = 0.952
  c = ob_confidence_adjustment(sig(-0.2, 0.6, kShort), kShort, kP);
  EXPECT_FALSE(c.skip);
  EXPECT_EQ(c.multiplier, 0.952);
  EXPECT_TRUE(ob_confidence_adjustment(sig(-0.2, toward(0.6, 1.0), kShort), kShort, kP).skip);
  // eff −0.15 exactly is not < −0.15: dampen, 1 − 0.15·0.9·0.4 = 0.946
  c = ob_confidence_adjustment(sig(-0.15, 0.9, kShort), kShort, kP);
  EXPECT_FALSE(c.skip);
  EXPECT_EQ(c.multiplier, 0.946);
  EXPECT_TRUE(ob_confidence_adjustment(sig(toward(-0.15, -1.0), 0.9, kShort), kShort, kP).skip);
}

TEST(ObConfidence, DampenIsStrictAndFloored) {
  // 1 − 0.12·0.5·0.4 = 0.976
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.12, 0.5, kShort), kShort, kP).multiplier, 0.976);
  // 1 − 0.5·0.6·0.4 = 0.88 (persistence not above 0.60, so no skip despite eff < −0.15)
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.5, 0.6, kShort), kShort, kP).multiplier, 0.88);
  // 1 − 0.5·0.5·0.4 = 0.9
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.5, 0.5, kShort), kShort, kP).multiplier, 0.9);
  // 1 − 0.625·0.6·0.4 = 0.85 exactly: the floor's boundary
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.625, 0.6, kShort), kShort, kP).multiplier, 0.85);
  // 1 − 0.9·0.6·0.4 = 0.784 → floored at 0.85
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.9, 0.6, kShort), kShort, kP).multiplier, 0.85);
  // persistence 0: 1 − 0 = 1.0
  EXPECT_EQ(ob_confidence_adjustment(sig(-0.2, 0.0, kShort), kShort, kP).multiplier, 1.0);
  // eff −0.10 exactly is not < −0.10: neutral
  const ObConfidence c = ob_confidence_adjustment(sig(-0.10, 1.0, kShort), kShort, kP);
  EXPECT_FALSE(c.skip);
  EXPECT_EQ(c.multiplier, 1.0);
}

TEST(ObConfidence, LongMirrorsShort) {
  // The same book (bids heavier, imbalance_ma5 = +0.2) confirms a LONG and opposes a SHORT.
  const ObSignal bids{0.2, 0.5, 0.0};
  EXPECT_EQ(ob_confidence_adjustment(bids, kLong, kP).multiplier, 1.05);
  EXPECT_EQ(ob_confidence_adjustment(bids, kShort, kP).multiplier, 0.96);  // 1 − 0.2·0.5·0.4
  const ObSignal asks_persistent{-0.2, 0.7, 0.0};
  EXPECT_TRUE(ob_confidence_adjustment(asks_persistent, kLong, kP).skip);
  EXPECT_FALSE(ob_confidence_adjustment(asks_persistent, kShort, kP).skip);
  EXPECT_EQ(ob_confidence_adjustment(asks_persistent, kShort, kP).multiplier, 1.07);  // 0.2·0.7·0.5
  for (double eff : {0.6, 0.2, 0.10, -0.10, -0.12, -0.15, -0.2, -0.9}) {
    for (double pers : {0.0, 0.5, 0.6, 0.7, 1.0}) {
      const ObConfidence s = ob_confidence_adjustment(sig(eff, pers, kShort), kShort, kP);
      const ObConfidence l = ob_confidence_adjustment(sig(eff, pers, kLong), kLong, kP);
      EXPECT_EQ(s.skip, l.skip) << eff << " " << pers;
      EXPECT_EQ(s.multiplier, l.multiplier) << eff << " " << pers;
    }
  }
}

TEST(ObConfidence, NotANumberIsNeutral) {
  for (const ObSignal& s :
       {ObSignal{kNaN, 0.9, 0.0}, ObSignal{-0.5, kNaN, 0.0}, ObSignal{0.5, kNaN, 0.0}}) {
    const ObConfidence c = ob_confidence_adjustment(s, kShort, kP);
    EXPECT_FALSE(c.skip);
    EXPECT_EQ(c.multiplier, 1.0);
  }
}

// ---------------------------------------------------------------------------------------------------
// OB-1 (§5.5)

TEST(ObArsMultiplier, TiersAndStrictBoundaries) {
  EXPECT_EQ(ob_ars_multiplier(depth(2.5), kP), 1.10);
  EXPECT_EQ(ob_ars_multiplier(depth(toward(1.5, 2.0)), kP), 1.10);
  EXPECT_EQ(ob_ars_multiplier(depth(1.5), kP), 1.05);  // not > 1.5
  EXPECT_EQ(ob_ars_multiplier(depth(1.2), kP), 1.05);
  EXPECT_EQ(ob_ars_multiplier(depth(toward(1.0, 2.0)), kP), 1.05);
  EXPECT_EQ(ob_ars_multiplier(depth(1.0), kP), 1.0);  // not > 1.0
  EXPECT_EQ(ob_ars_multiplier(depth(0.9), kP), 1.0);
  EXPECT_EQ(ob_ars_multiplier(depth(0.8), kP), 1.0);  // not < 0.8
  EXPECT_EQ(ob_ars_multiplier(depth(toward(0.8, 0.0)), kP), 0.95);
  EXPECT_EQ(ob_ars_multiplier(depth(0.5), kP), 0.95);  // not < 0.5
  EXPECT_EQ(ob_ars_multiplier(depth(toward(0.5, 0.0)), kP), 0.90);
  EXPECT_EQ(ob_ars_multiplier(depth(0.2), kP), 0.90);
  EXPECT_EQ(ob_ars_multiplier(depth(0.0), kP), 0.90);
  EXPECT_EQ(ob_ars_multiplier(depth(kInf), kP), 1.10);
  EXPECT_EQ(ob_ars_multiplier(depth(kNaN), kP), 1.0);
}

TEST(ObArsMultiplier, AdjustmentIsDirectionAwareForNegativeArs) {
  EXPECT_EQ(ob_adjusted_ars(2.0, 1.10), 2.2);  // 2.0·1.1 = 2.2000000000000002
  EXPECT_EQ(ob_adjusted_ars(2.0, 1.10), 2.2000000000000002);
  EXPECT_EQ(ob_adjusted_ars(2.0, 0.90), 1.8);                   // thin book: down
  EXPECT_EQ(ob_adjusted_ars(-2.0, 1.10), -1.8181818181818181);  // −2/1.1: deep book still moves up
  EXPECT_EQ(ob_adjusted_ars(-2.0, 0.90), -2.2222222222222223);  // −2/0.9: thin book moves down
  EXPECT_EQ(ob_adjusted_ars(0.5, 1.05), 0.525);
  EXPECT_EQ(ob_adjusted_ars(-0.5, 1.05), -0.47619047619047616);
  EXPECT_EQ(ob_adjusted_ars(-0.5, 0.95), -0.5263157894736842);
  EXPECT_EQ(ob_adjusted_ars(0.0, 0.90), 0.0);
  EXPECT_EQ(ob_adjusted_ars(-3.0, 1.0), -3.0);
  EXPECT_TRUE(std::isnan(ob_adjusted_ars(kNaN, 1.10)));
  // Monotone and sign-preserving: a deep book never lowers an ARS, a thin one never raises it.
  for (double ars : {-5.0, -0.3, -1e-12, 0.0, 1e-12, 0.3, 5.0}) {
    for (double m : {0.90, 0.95, 1.0, 1.05, 1.10}) {
      const double a = ob_adjusted_ars(ars, m);
      if (m >= 1.0) {
        EXPECT_GE(a, ars);
      }
      if (m <= 1.0) {
        EXPECT_LE(a, ars);
      }
      EXPECT_EQ(std::signbit(a), std::signbit(ars));
    }
  }
}

TEST(ObDepthGate, StrictlyBelowPointTwentyFails) {
  EXPECT_TRUE(ob_depth_gate_passes(depth(0.20), kP));  // 0.20 itself passes (dq < 0.20 skips)
  EXPECT_FALSE(ob_depth_gate_passes(depth(toward(0.20, 0.0)), kP));
  EXPECT_FALSE(ob_depth_gate_passes(depth(0.0), kP));
  EXPECT_TRUE(ob_depth_gate_passes(depth(1.0), kP));
  EXPECT_TRUE(ob_depth_gate_passes(depth(kNaN), kP));
}

namespace {
// A steadily falling price path: SHORT dir_returns are all +step, ARS grows with the step.
std::vector<double> falling(double start, double step, int n) {
  std::vector<double> p;
  for (int i = 0; i < n; ++i) p.push_back(start - step * i);
  return p;
}
}  // namespace

TEST(ObSelectAsset, DepthQualityReordersTheRanking) {
  const IrpParams ip{};
  const std::vector<double> a = falling(100.0, 0.01, 50);  // ARS ≈ 0.5·log1p(0.49e6) + 0.35
  const std::vector<double> b = falling(100.0, 0.02, 50);  // ARS ≈ 0.5·log1p(0.98e6) + 0.35
  const std::vector<IrpInput> in{{0, a}, {1, b}};
  const double ars_a = compute_irp(a, -1, ip.returns).ars;
  const double ars_b = compute_irp(b, -1, ip.returns).ars;
  ASSERT_GT(ars_b, ars_a);  // b leads by ≈ 0.5·ln 2
  ASSERT_GT(ars_a * 1.10, ars_b * 0.90);

  // Without OB, b; with b's book thin (×0.90) and a's deep (×1.10), a.
  EXPECT_EQ(select_asset(in, Direction::kShort, ip).asset, 1u);
  FakeSource thin_b({depth(1.6), depth(0.4)});
  IrpChoice c = ob_select_asset(in, Direction::kShort, ip, thin_b, kP);
  EXPECT_TRUE(c.found);
  EXPECT_EQ(c.asset, 0u);
  EXPECT_EQ(thin_b.calls(), 2);

  // Mild tiers: a ×1.05 (6.9011·1.05 ≈ 7.2461) stays just below b ×1.0 (≈ 7.2477) …
  FakeSource a_good({depth(1.2), depth(0.9)});
  ASSERT_LT(ars_a * 1.05, ars_b);
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, a_good, kP).asset, 1u);
  // … and overtakes b ×0.95 (≈ 6.8853).
  FakeSource b_thin({depth(1.2), depth(0.7)});
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, b_thin, kP).asset, 0u);

  // The depth gate skips b outright (0.1 < 0.20) even though its ARS is higher.
  FakeSource gated({depth(1.0), depth(0.1)});
  c = ob_select_asset(in, Direction::kShort, ip, gated, kP);
  EXPECT_TRUE(c.found);
  EXPECT_EQ(c.asset, 0u);

  // Both gated: nothing (no fallback).
  FakeSource none({depth(0.19), depth(0.1)});
  EXPECT_FALSE(ob_select_asset(in, Direction::kShort, ip, none, kP).found);

  // No placement for b: neutral (×1.0, gate passed), so b keeps its lead over a at ×1.0; with a
  // missing too (and b's book very thin otherwise) the same.
  FakeSource b_missing({depth(1.0), depth(0.0)}, {true, false});
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, b_missing, kP).asset, 1u);
  FakeSource both_missing({depth(1.6), depth(0.0)}, {false, false});
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, both_missing, kP).asset, 1u);
}

TEST(ObSelectAsset, EqualAdjustedArsKeepsInputOrder) {
  const IrpParams ip{};
  const std::vector<double> a = falling(100.0, 0.01, 50);
  const std::vector<IrpInput> in{{3, a}, {1, a}, {2, a}};  // three identical paths
  FakeSource same({depth(1.6), depth(1.6), depth(1.6), depth(1.6)});
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, same, kP).asset, 3u);
  FakeSource first_gated({depth(1.6), depth(1.6), depth(1.6), depth(0.0)});
  EXPECT_EQ(ob_select_asset(in, Direction::kShort, ip, first_gated, kP).asset, 1u);
}

TEST(ObSelectAsset, NeutralSourceEqualsSelectAssetAndMatchesANaiveReference) {
  // Deterministic random walks (a 64-bit LCG), 12 assets × 300 trials, both directions.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto uniform = [&state]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  const IrpParams ip{};
  int found = 0;
  int differs_from_plain = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::vector<double>> paths(12);
    std::vector<ObPlacement> placements;
    std::vector<bool> has;
    for (auto& path : paths) {
      double px = 50.0 + 100.0 * uniform();
      const double drift = (uniform() - 0.5) * 0.02;
      for (int i = 0; i < 60; ++i) {
        path.push_back(px);
        px += drift + (uniform() - 0.5) * 0.1;
      }
      placements.push_back(depth(2.0 * uniform()));
      has.push_back(uniform() < 0.8);
    }
    std::vector<IrpInput> in;
    for (std::size_t i = 0; i < paths.size(); ++i) in.push_back({i, paths[i]});
    for (Direction dir : {Direction::kShort, Direction::kLong}) {
      const IrpChoice plain = select_asset(in, dir, ip);
      FakeSource missing({}, {});
      const IrpChoice neutral = ob_select_asset(in, dir, ip, missing, kP);
      EXPECT_EQ(neutral.found, plain.found);
      if (plain.found) {
        EXPECT_EQ(neutral.asset, plain.asset);
      }
      FakeSource flat(std::vector<ObPlacement>(paths.size(), depth(0.9)));  // ×1.0, gate passed
      const IrpChoice flat_choice = ob_select_asset(in, dir, ip, flat, kP);
      EXPECT_EQ(flat_choice.found, plain.found);
      if (plain.found) {
        EXPECT_EQ(flat_choice.asset, plain.asset);
      }

      // Naive reference: rank_assets, back to input order, adjust, stable sort, walk the gates.
      FakeSource src(placements, has);
      std::vector<IrpRanked> ranked;
      rank_assets(in, dir, ip, ranked);
      std::sort(ranked.begin(), ranked.end(),
                [](const IrpRanked& x, const IrpRanked& y) { return x.asset < y.asset; });
      for (IrpRanked& r : ranked) {
        ObPlacement pl;
        if (src.placement(r.asset, pl)) {
          r.metrics.ars = ob_adjusted_ars(r.metrics.ars, ob_ars_multiplier(pl, kP));
        }
      }
      std::stable_sort(ranked.begin(), ranked.end(), [](const IrpRanked& x, const IrpRanked& y) {
        return x.metrics.ars > y.metrics.ars;
      });
      IrpChoice expected;
      for (const IrpRanked& r : ranked) {
        if (ip.min_alignment > 0.0 && r.metrics.alignment < ip.min_alignment) continue;
        if (r.inverse) continue;
        ObPlacement pl;
        if (src.placement(r.asset, pl) && pl.depth_quality < kP.depth_gate) continue;
        expected = IrpChoice{true, r.asset};
        break;
      }
      const IrpChoice got = ob_select_asset(in, dir, ip, src, kP);
      EXPECT_EQ(got.found, expected.found) << trial;
      if (expected.found) {
        EXPECT_EQ(got.asset, expected.asset) << trial;
        ++found;
        if (!plain.found || plain.asset != got.asset) ++differs_from_plain;
      }
    }
  }
  EXPECT_GT(found, 300);              // the walks exercise real selections …
  EXPECT_GT(differs_from_plain, 20);  // … and OB-1 changes a good share of them
}

TEST(ObSelectAsset, AllocatesNothing) {
  const std::vector<double> a = falling(100.0, 0.01, 50);
  const std::vector<double> b = falling(100.0, 0.02, 50);
  const std::vector<IrpInput> in{{0, a}, {1, b}};
  FakeSource src({depth(1.6), depth(0.4)});
  const IrpParams ip{};
  ASSERT_TRUE(keel::allocation_hooks_installed());
  keel::AllocationScope scope;
  const IrpChoice c = ob_select_asset(in, Direction::kShort, ip, src, kP);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(c.found);
}

// ---------------------------------------------------------------------------------------------------
// OB-3 (§6.5)

TEST(ObMarketMultiplier, ClampsIntoEightyToHundredTwentyPercent) {
  EXPECT_EQ(ob_market_multiplier(1.0, kP), 1.0);
  EXPECT_EQ(ob_market_multiplier(1.1, kP), 1.1);
  EXPECT_EQ(ob_market_multiplier(0.85, kP), 0.85);
  EXPECT_EQ(ob_market_multiplier(1.2, kP), 1.2);
  EXPECT_EQ(ob_market_multiplier(0.8, kP), 0.8);
  EXPECT_EQ(ob_market_multiplier(1.3, kP), 1.2);
  EXPECT_EQ(ob_market_multiplier(0.7, kP), 0.8);
  EXPECT_EQ(ob_market_multiplier(kInf, kP), 1.2);
  EXPECT_EQ(ob_market_multiplier(-kInf, kP), 0.8);
  EXPECT_EQ(ob_market_multiplier(kNaN, kP), 1.0);
}

// ---------------------------------------------------------------------------------------------------
// OB-4 (§9.4)

TEST(ObBetaModulation, WithdrawalStressRaisesBetaByAQuarter) {
  const ObMacro stress{0, 1};
  EXPECT_EQ(ob_beta_modulation(0.8, stress, kP), 1.0);  // 0.8·1.25 rounds to exactly 1.0
  EXPECT_EQ(ob_beta_modulation(0.2, stress, kP), 0.25);
  EXPECT_EQ(ob_beta_modulation(0.8, ObMacro{3, 1}, kP), 1.0);  // a cascade does not cancel it
  EXPECT_EQ(ob_beta_modulation(0.8, ObMacro{0, 0}, kP), 0.8);
  EXPECT_EQ(ob_beta_modulation(0.8, ObMacro{0, -1}, kP), 0.8);
  EXPECT_EQ(ob_beta_modulation(0.8, ObMacro{5, 0}, kP), 0.8);  // a cascade alone: unchanged
  EXPECT_EQ(ob_beta_modulation(0.8, ObMacro{0, 2}, kP), 0.8);  // only +1 is stress
  EXPECT_EQ(ob_beta_modulation(0.0, stress, kP), 0.0);
  EXPECT_EQ(ob_beta_modulation(-0.5, stress, kP), -0.5);
  EXPECT_TRUE(std::isnan(ob_beta_modulation(kNaN, stress, kP)));
}

// ---------------------------------------------------------------------------------------------------
// OB-5 (§7.1–§7.2)

namespace {
constexpr double kTp = 0.0095;
constexpr double kSl = 1.0;
constexpr int kHold = 120;

ObExitAdjust exits(double pnl, ObMacro m, const ObSignal* s, int dir = kShort, int hold = kHold) {
  return ob_dynamic_exits(kTp, kSl, hold, pnl, m, s, dir, kP);
}
void expect_exits(const ObExitAdjust& got, double tp, double sl, int hold) {
  EXPECT_EQ(got.tp_pct, tp);
  EXPECT_EQ(got.sl_pct, sl);
  EXPECT_EQ(got.max_hold, hold);
}
}  // namespace

TEST(ObDynamicExits, NeutralMacroAndNoSignalKeepTheBase) {
  expect_exits(exits(0.005, ObMacro{0, 0}, nullptr), kTp, kSl, kHold);
  expect_exits(exits(-0.005, ObMacro{0, -1}, nullptr), kTp, kSl, kHold);  // calm, eff_imb 0
  const ObSignal quiet = sig(0.0, 0.0, kShort);
  expect_exits(exits(0.005, ObMacro{0, 0}, &quiet), kTp, kSl, kHold);
}

TEST(ObDynamicExits, CascadeWidensTpAndHalvesTheHold) {
  // 0.0095·1.40 = 0.0133; int(120·0.50) = 60; the stop is untouched, pnl sign irrelevant.
  expect_exits(exits(0.005, ObMacro{1, 0}, nullptr), 0.0133, kSl, 60);
  expect_exits(exits(-0.005, ObMacro{4, 0}, nullptr), 0.0133, kSl, 60);
  // Cascade takes precedence over stress and calm.
  expect_exits(exits(0.005, ObMacro{1, 1}, nullptr), 0.0133, kSl, 60);
  const ObSignal favorable = sig(0.5, 1.0, kShort);
  expect_exits(exits(0.005, ObMacro{1, -1}, &favorable), 0.0133, kSl, 60);
  // int(7·0.5) = int(3.5) = 3
  expect_exits(exits(0.0, ObMacro{1, 0}, nullptr, kShort, 7), 0.0133, kSl, 3);
  // cascade_count 0 is not a cascade (strict > 0); negative counts neither
  expect_exits(exits(0.0, ObMacro{-1, 0}, nullptr), kTp, kSl, kHold);
}

TEST(ObDynamicExits, WithdrawalStress) {
  // Hard 10% stop; pnl ≤ 0 keeps the TP; no signal → eff_imb 0 → hold kept.
  expect_exits(exits(0.0, ObMacro{0, 1}, nullptr), kTp, 0.10, kHold);
  expect_exits(exits(-0.02, ObMacro{0, 1}, nullptr), kTp, 0.10, kHold);
  // pnl > 0: 0.0095·0.60 = 0.005699999999999999
  expect_exits(exits(0.001, ObMacro{0, 1}, nullptr), 0.005699999999999999, 0.10, kHold);
  expect_exits(exits(toward(0.0, 1.0), ObMacro{0, 1}, nullptr), 0.005699999999999999, 0.10, kHold);
  // Opposing book eff_imb −0.2 < −0.10: int(120·0.40) = 48
  const ObSignal opposing = sig(-0.2, 0.5, kShort);
  expect_exits(exits(0.001, ObMacro{0, 1}, &opposing), 0.005699999999999999, 0.10, 48);
  // eff_imb −0.10 exactly is not < −0.10
  const ObSignal edge = sig(-0.10, 0.5, kShort);
  expect_exits(exits(-0.001, ObMacro{0, 1}, &edge), kTp, 0.10, kHold);
  // int(7·0.4) = int(2.8000000000000003) = 2
  expect_exits(exits(-0.001, ObMacro{0, 1}, &opposing, kShort, 7), kTp, 0.10, 2);
  // The stop is assigned, not tightened: a configured 5% stop becomes 10% under stress.
  EXPECT_EQ(ob_dynamic_exits(kTp, 0.05, kHold, 0.0, ObMacro{0, 1}, nullptr, kShort, kP).sl_pct,
            0.10);
}

TEST(ObDynamicExits, CalmAndFavorableLetsWinnersRun) {
  // eff_imb 0.2 > 0.15 in a calm regime: int(120·1.50) = 180; TP and stop untouched.
  const ObSignal favorable = sig(0.2, 0.5, kShort);
  expect_exits(exits(0.005, ObMacro{0, -1}, &favorable), kTp, kSl, 180);
  // 0.15 exactly is not > 0.15
  const ObSignal edge = sig(0.15, 0.5, kShort);
  expect_exits(exits(0.005, ObMacro{0, -1}, &edge), kTp, kSl, kHold);
  // Neutral regime: no extension
  expect_exits(exits(0.005, ObMacro{0, 0}, &favorable), kTp, kSl, kHold);
  // int(7·1.5) = int(10.5) = 10
  expect_exits(exits(0.005, ObMacro{0, -1}, &favorable, kShort, 7), kTp, kSl, 10);
}

TEST(ObDynamicExits, PerAssetWithdrawalOutsideCascadeAndStress) {
  // withdrawal −0.3 < −0.20, neutral regime: hold min(120, 48) = 48; pnl > 0: 0.0095·0.75
  const ObSignal thinning = sig(0.0, 0.0, kShort, -0.3);
  expect_exits(exits(0.002, ObMacro{0, 0}, &thinning), 0.007124999999999999, kSl, 48);
  expect_exits(exits(0.0, ObMacro{0, 0}, &thinning), kTp, kSl, 48);  // pnl 0 is not > 0
  // −0.20 exactly is not < −0.20
  const ObSignal edge = sig(0.0, 0.0, kShort, -0.20);
  expect_exits(exits(0.002, ObMacro{0, 0}, &edge), kTp, kSl, kHold);
  // Calm + favorable then withdrawal: 180 first, then min(180, 48) = 48
  const ObSignal both = sig(0.2, 0.5, kShort, -0.3);
  expect_exits(exits(0.002, ObMacro{0, -1}, &both), 0.007124999999999999, kSl, 48);
  // Not applied under a cascade (TP ×1.40 only, hold 60) …
  expect_exits(exits(0.002, ObMacro{2, 0}, &thinning), 0.0133, kSl, 60);
  // … nor under stress (TP ×0.60 only, not ×0.60×0.75; hold kept since eff_imb = 0)
  expect_exits(exits(0.002, ObMacro{0, 1}, &thinning), 0.005699999999999999, 0.10, kHold);
  // The min is taken against the dynamic hold, the 0.40 against the base: base 3, calm + favorable
  // gives int(3·1.5) = int(4.5) = 4, then min(4, int(3·0.4) = int(1.2000000000000002) = 1) = 1.
  expect_exits(exits(0.0, ObMacro{0, -1}, &both, kShort, 3), kTp, kSl, 1);
  // Without a signal the per-asset rule has nothing to read.
  expect_exits(exits(0.002, ObMacro{0, 0}, nullptr), kTp, kSl, kHold);
}

TEST(ObDynamicExits, LongMirrorsShort) {
  // The same book (imbalance_ma5 = +0.2: bids heavier) favours a LONG and opposes a SHORT.
  const ObSignal bids{0.2, 0.5, 0.0};
  expect_exits(exits(0.005, ObMacro{0, -1}, &bids, kLong), kTp, kSl, 180);
  expect_exits(exits(0.005, ObMacro{0, -1}, &bids, kShort), kTp, kSl, kHold);
  const ObSignal asks{-0.2, 0.5, 0.0};
  expect_exits(exits(0.001, ObMacro{0, 1}, &asks, kLong), 0.005699999999999999, 0.10, 48);
  expect_exits(exits(0.001, ObMacro{0, 1}, &asks, kShort), 0.005699999999999999, 0.10, kHold);
}

TEST(ObDynamicExits, TruncationAndSaturation) {
  // 120 → 60, 48, 180 exactly; odd bases truncate toward zero as Python's int() does.
  const ObSignal opposing = sig(-0.2, 0.5, kShort);
  const ObSignal favorable = sig(0.2, 0.5, kShort);
  EXPECT_EQ(exits(0.0, ObMacro{1, 0}, nullptr).max_hold, 60);
  EXPECT_EQ(exits(0.0, ObMacro{0, 1}, &opposing).max_hold, 48);
  EXPECT_EQ(exits(0.0, ObMacro{0, -1}, &favorable).max_hold, 180);
  EXPECT_EQ(exits(0.0, ObMacro{1, 0}, nullptr, kShort, 1).max_hold, 0);        // int(0.5)
  EXPECT_EQ(exits(0.0, ObMacro{0, 1}, &opposing, kShort, 13).max_hold, 5);     // int(5.2)
  EXPECT_EQ(exits(0.0, ObMacro{0, -1}, &favorable, kShort, 13).max_hold, 19);  // int(19.5)
  // int(17·0.4) = int(6.800000000000001) = 6
  EXPECT_EQ(exits(0.0, ObMacro{0, 1}, &opposing, kShort, 17).max_hold, 6);
  // A calm extension past int's range saturates instead of overflowing.
  EXPECT_EQ(exits(0.0, ObMacro{0, -1}, &favorable, kShort, INT_MAX).max_hold, INT_MAX);
  EXPECT_EQ(exits(0.0, ObMacro{0, -1}, &favorable, kShort, INT_MIN).max_hold, INT_MIN);
  // NaN multipliers (bad configuration) leave the base hold.
  OrderBookParams bad;
  bad.cascade_hold_mult = kNaN;
  EXPECT_EQ(ob_dynamic_exits(kTp, kSl, kHold, 0.0, ObMacro{1, 0}, nullptr, kShort, bad).max_hold,
            kHold);
}

// ---------------------------------------------------------------------------------------------------
// §8.3 real-engine edge

TEST(ObEdge, DepthAboveHalfPaysFillProbabilityTimesTheEdge) {
  const FeeParams f{};
  EXPECT_EQ(ob_edge_pct(depth(0.6, 0.8), f), 0.0004);  // 0.8·5.0·1e-4
  EXPECT_EQ(ob_edge_pct(depth(2.0, 1.0), f), 0.0005);  // 1.0·5.0·1e-4
  // 0.3·5.0·1e-4: 1.5e-4 and one ulp
  EXPECT_EQ(ob_edge_pct(depth(1.0, 0.3), f), 0.00015000000000000001);
  EXPECT_EQ(ob_edge_pct(depth(toward(0.5, 1.0), 0.8), f), 0.0004);
  EXPECT_EQ(ob_edge_pct(depth(0.5, 0.8), f), 0.0);  // not > 0.5
  EXPECT_EQ(ob_edge_pct(depth(0.1, 1.0), f), 0.0);
  EXPECT_EQ(ob_edge_pct(depth(1.0, 0.0), f), 0.0);
  EXPECT_EQ(ob_edge_pct(depth(kNaN, 1.0), f), 0.0);
  EXPECT_EQ(ob_edge_pct(depth(1.0, kNaN), f), 0.0);
  FeeParams ten = f;
  ten.ob_edge_bps = 10.0;
  EXPECT_EQ(ob_edge_pct(depth(1.0, 0.5), ten), 0.0005);  // 0.5·10·1e-4
  OrderBookParams strict;
  strict.edge_min_depth = 1.0;
  EXPECT_EQ(ob_edge_pct(depth(0.9, 0.8), f, strict), 0.0);
}
