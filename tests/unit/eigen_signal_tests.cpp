#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/signal/eigen_signal.hpp"
#include "keel/core/primitives/rng.hpp"

using namespace keel;

namespace {
// A seeded market of `n` assets: a common factor plus noise, with the awkward cases the spec names:
// asset 0 constant (a stablecoin that never moves), asset 1 missing every 7th bar, asset 2 trending
// steadily with tiny noise (mean return ≫ its spread: running sums cannot resolve its variance),
// asset 3 appearing only after bar 400.
std::vector<std::vector<double>> market(std::size_t n, int bars, std::uint64_t seed) {
  RngStream rng("test-market", seed);
  std::vector<double> logp(n, std::log(100.0));
  std::vector<std::vector<double>> out;
  for (int t = 0; t < bars; ++t) {
    const double f = standard_normal(rng);
    std::vector<double> closes(n);
    for (std::size_t i = 0; i < n; ++i) {
      logp[i] += 0.002 * (0.6 * f + 0.8 * standard_normal(rng));
      closes[i] = std::exp(logp[i]);
    }
    closes[0] = 1.0;
    if (t % 7 == 3) closes[1] = 0.0;
    if (n > 2) closes[2] = 100.0 * std::exp(0.001 * t + 1e-9 * rng.uniform());
    if (n > 3 && t < 400) closes[3] = 0.0;
    out.push_back(closes);
  }
  return out;
}
}  // namespace

TEST(ReturnHistory, ReturnsFollowTheSpecConventions) {
  ReturnHistory h(2, 10);
  const double b0[] = {100.0, 0.0};  // asset 1 has no bar yet
  const double b1[] = {110.0, 50.0};
  const double b2[] = {0.0, 55.0};   // asset 0 missing
  const double b3[] = {121.0, 55.0};
  h.push_bar(b0);
  EXPECT_EQ(h.returns(), 0);
  h.push_bar(b1);
  EXPECT_EQ(h.returns(), 1);
  EXPECT_DOUBLE_EQ(h.at(0, 0), std::log(110.0 / 100.0));
  EXPECT_EQ(h.at(1, 0), 0.0);  // no earlier close
  h.push_bar(b2);
  EXPECT_EQ(h.at(0, 0), 0.0);  // missing bar
  EXPECT_DOUBLE_EQ(h.at(1, 0), std::log(55.0 / 50.0));
  h.push_bar(b3);
  EXPECT_DOUBLE_EQ(h.at(0, 0), std::log(121.0 / 110.0));  // against the last known close
  EXPECT_EQ(h.at(1, 0), 0.0);
  EXPECT_EQ(h.missing(), 1u);
  EXPECT_EQ(h.identical_run(0), 1);
  EXPECT_EQ(h.identical_run(1), 1);
}

// Two assets whose returns are equal (ρ = 1) or opposite (ρ = −1): λ_max = 2, lam = 1. A constant
// asset beside a moving one: C = I, lam = 1/2. Values defined from bar index w, v from w + 1.
TEST(EigenSignal, HandComputedCases) {
  for (const double sign : {1.0, -1.0}) {
    SignalPipeline p(2, SignalMethod::kReference);
    SignalPipeline f(2, SignalMethod::kFast);
    double a = 100.0, b = 100.0;
    RngStream rng("hand", 1);
    for (int t = 0; t <= 760; ++t) {
      const double r = 0.01 * standard_normal(rng);
      a *= std::exp(r);
      b *= std::exp(sign * r);
      const double closes[] = {a, b};
      const SignalValues& ref = p.push_bar(closes);
      const SignalValues& fast = f.push_bar(closes);
      if (t < 50) {
        EXPECT_TRUE(std::isnan(ref.lam[0])) << t;
      } else {
        EXPECT_NEAR(ref.lam[0], 1.0, 1e-9) << t;
        EXPECT_NEAR(fast.lam[0], 1.0, 1e-9) << t;
      }
      if (t == 50) {
        EXPECT_TRUE(std::isnan(ref.v[0]));
      }
      if (t == 51) {
        EXPECT_FALSE(std::isnan(ref.v[0]));
      }
      EXPECT_EQ(std::isnan(ref.vel_div), t < 751) << t;
    }
  }
  SignalPipeline p(2, SignalMethod::kReference);
  RngStream rng("hand", 2);
  double a = 100.0;
  for (int t = 0; t <= 60; ++t) {
    a *= std::exp(0.01 * standard_normal(rng));
    const double closes[] = {a, 7.0};
    const SignalValues& v = p.push_bar(closes);
    if (t >= 50) {
      EXPECT_DOUBLE_EQ(v.lam[0], 0.5);
    }
  }
}

// The accuracy contract: the fast path agrees with the full decomposition within 1e-9 on lam_w and
// vel_div on every bar, through constant, missing, late and ill-conditioned assets and re-anchors.
TEST(EigenSignal, FastPathAgreesWithTheReferenceOnEveryBar) {
  const auto bars = market(12, 2400, 42);
  SignalPipeline ref(12, SignalMethod::kReference);
  SignalPipeline fast(12, SignalMethod::kFast);
  double worst = 0.0;
  int defined = 0;
  for (std::size_t t = 0; t < bars.size(); ++t) {
    const SignalValues& a = ref.push_bar(bars[t]);
    const SignalValues& b = fast.push_bar(bars[t]);
    for (std::size_t k = 0; k < kSignalWindowCount; ++k) {
      ASSERT_EQ(std::isnan(a.lam[k]), std::isnan(b.lam[k])) << t;
      ASSERT_EQ(std::isnan(a.v[k]), std::isnan(b.v[k])) << t;
      if (!std::isnan(a.lam[k])) {
        ASSERT_NEAR(a.lam[k], b.lam[k], 1e-9) << "bar " << t << " window " << kSignalWindows[k];
        worst = std::max(worst, std::fabs(a.lam[k] - b.lam[k]));
      }
    }
    ASSERT_EQ(std::isnan(a.vel_div), std::isnan(b.vel_div));
    if (!std::isnan(a.vel_div)) {
      ASSERT_NEAR(a.vel_div, b.vel_div, 1e-9) << t;
      ++defined;
    }
  }
  EXPECT_EQ(defined, 2400 - 751);
  EXPECT_LT(worst, 1e-11);
  const FastSignalStats& s = *fast.fast_stats();
  EXPECT_GT(s.reanchors, 4u);  // windows re-anchored through the run
  EXPECT_GT(s.two_pass_rows, 0u) << "the ill-conditioned asset must take the two-pass path";
}

TEST(EigenSignal, FastPathDoesNotAllocatePerBar) {
  const auto bars = market(16, 1600, 7);
  SignalPipeline fast(16, SignalMethod::kFast);
  for (std::size_t t = 0; t < 800; ++t) (void)fast.push_bar(bars[t]);
  AllocationScope scope;
  for (std::size_t t = 800; t < bars.size(); ++t) (void)fast.push_bar(bars[t]);
  EXPECT_EQ(scope.allocations(), 0u);
}
