// The test vectors of ../shared/spec/RNG.md, verbatim.
#include <gtest/gtest.h>

#include <cmath>

#include "keel/core/primitives/rng.hpp"

using namespace keel;

TEST(Rng, SplitMix64FirstOutput) {
  SplitMix64 sm(0);
  EXPECT_EQ(sm.next(), 0xe220a8397b1dcdafull);
}

TEST(Rng, Xoshiro256StarStarFromState1234) {
  auto g = Xoshiro256StarStar::from_state(1, 2, 3, 4);
  EXPECT_EQ(g.next(), 11520ull);
  EXPECT_EQ(g.next(), 0ull);
  EXPECT_EQ(g.next(), 1509978240ull);
  EXPECT_EQ(g.next(), 1215971899390074240ull);
}

TEST(Rng, FillsStream) {
  EXPECT_EQ(fnv1a64("fills"), 0x6a10108018275301ull);
  EXPECT_EQ(stream_seed(42, "fills"), 0x6a1010801827532bull);
  RngStream g("fills", 42);
  EXPECT_EQ(g.state(0), 0x8cb17edb553bcd3dull);
  EXPECT_EQ(g.state(1), 0x2e207e04d1fc6030ull);
  EXPECT_EQ(g.state(2), 0x8a89108658a90054ull);
  EXPECT_EQ(g.state(3), 0x8fb3b095c7c9496full);
  const std::uint64_t u64[] = {0xdb136c74ae743c0bull, 0x1d6fe5dfba3c5604ull, 0x81248641e0a13965ull,
                               0x6f3488f9bc756b4dull, 0x7b0e49e2a240039aull};
  RngStream h("fills", 42);
  for (const auto v : u64) EXPECT_EQ(h.next(), v);
  const double u[] = {0.85576513146084288, 0.11498867714020489, 0.50446356876694132, 0.43439537140917184,
                      0.48068677695323458};
  for (const double v : u) EXPECT_EQ(g.uniform(), v);
}

TEST(Rng, McStream) {
  EXPECT_EQ(fnv1a64("mc"), 0x08a95d07b5504d41ull);
  EXPECT_EQ(stream_seed(42, "mc"), 0x08a95d07b5504d6bull);
  RngStream g("mc", 42);
  EXPECT_EQ(g.state(0), 0xf7bb73ee3fa2c3a5ull);
  EXPECT_EQ(g.state(1), 0x865bdbfcbc526bf9ull);
  EXPECT_EQ(g.state(2), 0x4207a822dc1f2fa2ull);
  EXPECT_EQ(g.state(3), 0xf5e883a75055c14full);
  const std::uint64_t u64[] = {0x12d5b68d3e7d6547ull, 0xcd84406e8d73d309ull, 0x7d08e4ac70c19376ull,
                               0xfaeb861cb6ceec73ull, 0xfb48b4c7b40db2eeull};
  RngStream h("mc", 42);
  for (const auto v : u64) EXPECT_EQ(h.next(), v);
  const double u[] = {0.073573503001616469, 0.80279925059353663, 0.48841695032093058, 0.98015630913760854,
                      0.98157815814561533};
  for (const double v : u) EXPECT_EQ(g.uniform(), v);
}

// RNG.md: "the first trade's flags are entry refund 0 (0.856 ≥ 0.62), exit refund 1 (0.115 < 0.50),
// OB edge 0 (0.504 ≥ 0.40)" — strict comparisons.
TEST(Rng, BernoulliIsStrict) {
  RngStream g("fills", 42);
  EXPECT_FALSE(g.bernoulli(0.62));
  EXPECT_TRUE(g.bernoulli(0.50));
  EXPECT_FALSE(g.bernoulli(0.40));
  auto exact = Xoshiro256StarStar::from_state(1, 2, 3, 4);
  const double u = Xoshiro256StarStar::from_state(1, 2, 3, 4).uniform();
  EXPECT_FALSE(exact.bernoulli(u));  // u < u is false
}

TEST(Rng, StreamsAreIndependentAndSeeded) {
  RngStream a("fills", 42), b("fills", 42), c("fills", 43), d("mc", 42);
  const auto va = a.next();
  EXPECT_EQ(va, b.next());
  EXPECT_NE(va, c.next());
  EXPECT_NE(va, d.next());
}

TEST(Rng, UniformIsInUnitIntervalAndNormalIsSane) {
  RngStream g("test", 42);
  double sum = 0, sum2 = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const double u = g.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double z = standard_normal(g);
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / kN, 0.0, 0.01);
  EXPECT_NEAR(sum2 / kN, 1.0, 0.02);
}
