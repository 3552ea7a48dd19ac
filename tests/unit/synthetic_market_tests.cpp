#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keel/core/primitives/digest.hpp"
#include "keel/sim/synthetic_market.hpp"

using namespace keel;

namespace {
std::vector<Event> generate(const SyntheticConfig& cfg, std::uint64_t seed, InstrumentRegistry& reg) {
  sim::SyntheticMarket m(cfg, seed, reg);
  std::vector<Event> out;
  Event e{};
  while (m.next(e)) out.push_back(e);
  return out;
}
std::uint64_t hash(const std::vector<Event>& events) {
  RunDigest d;
  for (const auto& e : events) d.add_bytes(e.bytes, sizeof e.bytes);
  return d.value();
}
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= static_cast<double>(a.size());
  mb /= static_cast<double>(b.size());
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}
}  // namespace

TEST(SyntheticMarket, SameSeedSameBarsOtherSeedOtherBars) {
  SyntheticConfig cfg;
  cfg.days = 2;
  InstrumentRegistry r1, r2, r3;
  const auto a = generate(cfg, 42, r1);
  const auto b = generate(cfg, 42, r2);
  const auto c = generate(cfg, 43, r3);
  EXPECT_EQ(hash(a), hash(b));
  EXPECT_NE(hash(a), hash(c));
  EXPECT_EQ(a.size(), 8u * 2u * 288u);
}

TEST(SyntheticMarket, BarsAreValidAndBatched) {
  SyntheticConfig cfg;
  cfg.days = 3;
  cfg.assets = 5;
  InstrumentRegistry reg;
  const auto events = generate(cfg, 1, reg);
  ASSERT_EQ(reg.size(), 5u);
  EXPECT_EQ(reg.get(0).symbol, "SYN000USDT");
  std::int64_t prev_time = -1;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Bar& b = events[i].bar;
    ASSERT_EQ(b.header.kind, EventKind::kBar);
    ASSERT_LE(b.low, b.open);
    ASSERT_LE(b.low, b.close);
    ASSERT_GE(b.high, b.open);
    ASSERT_GE(b.high, b.close);
    ASSERT_TRUE(b.low.is_positive());
    ASSERT_TRUE(reg.get(b.header.instrument).price_on_tick(b.close));
    ASSERT_TRUE(reg.get(b.header.instrument).qty_on_lot(b.volume));
    ASSERT_EQ(b.header.instrument, i % 5);
    ASSERT_EQ((b.header.flags & kFlagEndOfBatch) != 0, i % 5 == 4);
    if (i % 5 == 0) {
      ASSERT_GT(b.header.ts_exchange, prev_time);
      prev_time = b.header.ts_exchange;
    } else {
      ASSERT_EQ(b.header.ts_exchange, prev_time);
    }
  }
  // 2021-01-01T00:00:00Z
  EXPECT_EQ(events.front().header.ts_exchange, 1609459200000LL * 1'000'000);
}

TEST(SyntheticMarket, AssetsAreCorrelatedThroughTheMarketFactor) {
  SyntheticConfig cfg;
  cfg.days = 10;
  cfg.assets = 2;
  cfg.regime_switch_probability = 0.0;  // stay calm: factor share 0.35
  cfg.shock_probability = 0.0;
  InstrumentRegistry reg;
  const auto events = generate(cfg, 5, reg);
  std::vector<double> r0, r1;
  for (std::size_t i = 2; i + 1 < events.size(); i += 2) {
    r0.push_back(std::log(events[i].bar.close.to_double() / events[i - 2].bar.close.to_double()));
    r1.push_back(std::log(events[i + 1].bar.close.to_double() / events[i - 1].bar.close.to_double()));
  }
  const double rho = correlation(r0, r1);
  EXPECT_GT(rho, 0.15);
  EXPECT_LT(rho, 0.6);
}

TEST(SyntheticMarket, GapsAreExchangeWide) {
  SyntheticConfig cfg;
  cfg.days = 1;
  cfg.assets = 3;
  cfg.gap_every_bars = 100;
  cfg.gap_length_bars = 7;
  InstrumentRegistry reg;
  const auto events = generate(cfg, 1, reg);
  // 288 slots; gaps at 100..106 and 200..206.
  EXPECT_EQ(events.size(), 3u * (288u - 14u));
  const std::int64_t step = 300'000LL * 1'000'000;
  std::int64_t gaps = 0;
  for (std::size_t i = 3; i < events.size(); i += 3)
    if (events[i].header.ts_exchange - events[i - 3].header.ts_exchange > step) ++gaps;
  EXPECT_EQ(gaps, 2);
}

TEST(SyntheticMarket, RejectsUnusableConfig) {
  auto refused = [](auto change) {
    SyntheticConfig cfg;
    change(cfg);
    InstrumentRegistry reg;
    try {
      sim::SyntheticMarket m(cfg, 1, reg);
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.assets = 0; }));
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.gap_every_bars = 3; }));  // gap_length_bars 6: every slot a gap
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.price_decimals = 9; }));
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.bar_volatility = 0.5; }));
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.base_volume = 1e11; }));
  EXPECT_TRUE(refused([](SyntheticConfig& c) { c.start = "2021-02-30"; }));
  EXPECT_FALSE(refused([](SyntheticConfig&) {}));
}

// The most violent allowed walk never overflows: amounts saturate at 10^10 units and are counted.
TEST(SyntheticMarket, ExtremeSettingsSaturateInsteadOfOverflowing) {
  SyntheticConfig cfg;
  cfg.assets = 2;
  cfg.days = 200;
  cfg.bar_volatility = 0.1;
  cfg.base_volume = 1e9;
  cfg.start_price = 1e9;
  InstrumentRegistry reg;
  sim::SyntheticMarket m(cfg, 3, reg);
  Event e{};
  std::uint64_t n = 0;
  while (m.next(e)) {
    ASSERT_TRUE(e.bar.low.is_positive());
    ASSERT_LE(e.bar.high.raw(), 10'000'000'000LL * kScale);
    ++n;
  }
  EXPECT_EQ(n, 2u * 200u * 288u);
  EXPECT_GT(m.saturated(), 0u);
}
