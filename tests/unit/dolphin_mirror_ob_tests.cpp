// MirrorOrderBookSource (mirror_order_book_source.hpp): DOLPHIN's order-book source from live L2
// mirrors. Hand-built books; every expected value is worked out by hand in the comment beside it.
// A stale, crossed, one-sided or unattached book gives no data; warm-up, the ring's wrap-around,
// the macro record and the market multiplier; no allocation after construction.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "keel/core/book/book_sync.hpp"
#include "keel/core/book/l2_book.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/strategy/dolphin/mirror_order_book_source.hpp"

using namespace keel;
using namespace keel::dolphin;
using keel::book::L2Book;

namespace {

constexpr double kTol = 1e-12;

Price px(const char* s) {
  return Price::parse(s).value();
}
Qty qty(const char* s) {
  return Qty::parse(s).value();
}

// Replaces the book's contents: bids and asks as (price, qty) text pairs, best first.
void fill(L2Book& b, std::vector<std::pair<const char*, const char*>> bids,
          std::vector<std::pair<const char*, const char*>> asks) {
  b.clear();
  for (const auto& [p, q] : bids) b.set(Side::kBuy, px(p), qty(q));
  for (const auto& [p, q] : asks) b.set(Side::kSell, px(p), qty(q));
}

MirrorObParams small_windows() {
  MirrorObParams p;
  p.levels = 2;
  p.imbalance_ma_bars = 3;
  p.persistence_bars = 4;
  p.velocity_bars = 1;
  p.depth_mean_bars = 4;
  p.min_samples = 1;
  return p;
}

TEST(MirrorOb, PerAssetSignalAndPlacementByHand) {
  L2Book book(100);
  MirrorOrderBookSource src(1, small_windows());
  src.attach(0, book);
  ObSignal s;
  ObPlacement pl;

  // Bar 1: top-2 bids 3 + 1 = 4 (the 50 at 99.98 is beyond the top 2), asks 1 + 1 = 2.
  // imb = (4 − 2)/6 = 1/3, D = 6. ma = 1/3; persistence 1/1; velocity 0 (one sample);
  // dq = 6/6 = 1. Spread 0.02 on mid 100.01 = 1.9998 bps ≤ 5 → spread term 1; touch (3+1)/2 = 2,
  // level 6/4 = 1.5, queue 1/(1 + 2/1.5) = 3/7.
  fill(book, {{"100.00", "3"}, {"99.99", "1"}, {"99.98", "50"}},
       {{"100.02", "1"}, {"100.03", "1"}});
  ASSERT_TRUE(src.on_bar_close(1'000));
  ASSERT_TRUE(src.signal(0, s));
  ASSERT_TRUE(src.placement(0, pl));
  EXPECT_NEAR(s.imbalance_ma5, 1.0 / 3.0, kTol);
  EXPECT_NEAR(s.imbalance_persistence, 1.0, kTol);
  EXPECT_NEAR(s.withdrawal_velocity, 0.0, kTol);
  EXPECT_NEAR(pl.depth_quality, 1.0, kTol);
  EXPECT_NEAR(pl.fill_probability, 3.0 / 7.0, kTol);

  // Bar 2: asks 4 + 2 = 6, bids 4: imb = −2/10 = −0.2, D = 10. ma = (1/3 − 0.2)/2 = 1/15 > 0;
  // persistence: of [1/3, −0.2] one is positive → 0.5; velocity (10 − 6)/6 = 2/3;
  // dq = 10 / ((6 + 10)/2) = 1.25; touch (3 + 4)/2 = 3.5, level 10/4 = 2.5 → queue 1/2.4 = 5/12.
  fill(book, {{"100.00", "3"}, {"99.99", "1"}, {"99.98", "50"}},
       {{"100.02", "4"}, {"100.03", "2"}});
  ASSERT_TRUE(src.on_bar_close(2'000));
  ASSERT_TRUE(src.signal(0, s));
  ASSERT_TRUE(src.placement(0, pl));
  EXPECT_NEAR(s.imbalance_ma5, 1.0 / 15.0, kTol);
  EXPECT_NEAR(s.imbalance_persistence, 0.5, kTol);
  EXPECT_NEAR(s.withdrawal_velocity, 2.0 / 3.0, kTol);
  EXPECT_NEAR(pl.depth_quality, 1.25, kTol);
  EXPECT_NEAR(pl.fill_probability, 5.0 / 12.0, kTol);

  // Bar 3: bids 1 + 1 = 2, asks 6: imb = −4/8 = −0.5, D = 8. ma = (1/3 − 0.2 − 0.5)/3 = −11/90;
  // persistence: two of [1/3, −0.2, −0.5] negative → 2/3; velocity (8 − 10)/10 = −0.2;
  // dq = 8 / ((6 + 10 + 8)/3) = 1.
  fill(book, {{"100.00", "1"}, {"99.99", "1"}}, {{"100.02", "4"}, {"100.03", "2"}});
  ASSERT_TRUE(src.on_bar_close(3'000));
  ASSERT_TRUE(src.signal(0, s));
  ASSERT_TRUE(src.placement(0, pl));
  EXPECT_NEAR(s.imbalance_ma5, -11.0 / 90.0, kTol);
  EXPECT_NEAR(s.imbalance_persistence, 2.0 / 3.0, kTol);
  EXPECT_NEAR(s.withdrawal_velocity, -0.2, kTol);
  EXPECT_NEAR(pl.depth_quality, 1.0, kTol);

  // Bar 4: asks 1 + 1 = 2, bids 2: imb 0, D = 4. ma = (−0.2 − 0.5 + 0)/3 = −7/30; persistence over
  // the last 4 [1/3, −0.2, −0.5, 0]: two negative → 0.5 (0 has no sign); velocity (4 − 8)/8 = −0.5;
  // dq = 4 / ((6 + 10 + 8 + 4)/4) = 4/7.
  fill(book, {{"100.00", "1"}, {"99.99", "1"}}, {{"100.02", "1"}, {"100.03", "1"}});
  ASSERT_TRUE(src.on_bar_close(4'000));
  ASSERT_TRUE(src.signal(0, s));
  ASSERT_TRUE(src.placement(0, pl));
  EXPECT_NEAR(s.imbalance_ma5, -7.0 / 30.0, kTol);
  EXPECT_NEAR(s.imbalance_persistence, 0.5, kTol);
  EXPECT_NEAR(s.withdrawal_velocity, -0.5, kTol);
  EXPECT_NEAR(pl.depth_quality, 4.0 / 7.0, kTol);

  // Bar 5 (the 4-sample ring wraps): same book. ma = (−0.5 + 0 + 0)/3 = −1/6; persistence over
  // [−0.2, −0.5, 0, 0] → 0.5; velocity 0; dq = 4 / ((10 + 8 + 4 + 4)/4) = 4/6.5.
  ASSERT_TRUE(src.on_bar_close(5'000));
  ASSERT_TRUE(src.signal(0, s));
  ASSERT_TRUE(src.placement(0, pl));
  EXPECT_NEAR(s.imbalance_ma5, -1.0 / 6.0, kTol);
  EXPECT_NEAR(s.imbalance_persistence, 0.5, kTol);
  EXPECT_NEAR(s.withdrawal_velocity, 0.0, kTol);
  EXPECT_NEAR(pl.depth_quality, 4.0 / 6.5, kTol);

  // A balanced book: ma 0 → persistence 0 (no sign to sustain). Bars 6–8: imb 0 three times.
  for (Nanos t = 6'000; t <= 8'000; t += 1'000) ASSERT_TRUE(src.on_bar_close(t));
  ASSERT_TRUE(src.signal(0, s));
  EXPECT_EQ(s.imbalance_ma5, 0.0);
  EXPECT_EQ(s.imbalance_persistence, 0.0);
}

TEST(MirrorOb, WideSpreadLowersFillProbability) {
  MirrorObParams p = small_windows();
  p.levels = 1;
  L2Book book(10);
  MirrorOrderBookSource src(1, p);
  src.attach(0, book);
  // Spread 1 on mid 100.5 = 10000/100.5 ≈ 99.50 bps → spread term 5/99.50; touch 1, level 2/2 = 1 →
  // queue 1/2.
  fill(book, {{"100", "1"}}, {{"101", "1"}});
  ASSERT_TRUE(src.on_bar_close(1));
  ObPlacement pl;
  ASSERT_TRUE(src.placement(0, pl));
  const double spread_bps = (101.0 - 100.0) / 100.5 * 1e4;
  EXPECT_NEAR(pl.fill_probability, 5.0 / spread_bps * 0.5, kTol);
  EXPECT_NEAR(pl.fill_probability, 0.025125, 1e-9);
}

TEST(MirrorOb, StaleCrossedOneSidedOrUnattachedBooksGiveNoData) {
  MirrorObParams p = small_windows();
  p.min_samples = 2;
  L2Book book(10);
  MirrorOrderBookSource src(3, p);
  src.attach(0, book);
  // Asset 1 is never attached; 7 is out of range.
  fill(book, {{"100", "1"}}, {{"101", "1"}});
  ObSignal s;
  ObPlacement pl;
  ASSERT_TRUE(src.on_bar_close(1));
  EXPECT_FALSE(src.signal(0, s)) << "warm-up: one sample of two";
  ASSERT_TRUE(src.on_bar_close(2));
  EXPECT_TRUE(src.signal(0, s));
  EXPECT_TRUE(src.placement(0, pl));
  EXPECT_FALSE(src.signal(1, s));
  EXPECT_FALSE(src.placement(1, pl));
  EXPECT_FALSE(src.signal(7, s));
  EXPECT_FALSE(src.placement(7, pl));

  // The owner marks the book stale: no data at once, and the history restarts.
  src.set_usable(0, false);
  ASSERT_TRUE(src.on_bar_close(3));
  EXPECT_FALSE(src.signal(0, s));
  EXPECT_FALSE(src.placement(0, pl));
  EXPECT_EQ(src.assets_with_data(), 0u);
  EXPECT_EQ(src.market_multiplier(-1), 1.0);
  EXPECT_FALSE(src.market_placement(pl)) << "no asset with data: the source is stale as a whole";
  src.set_usable(0, true);
  ASSERT_TRUE(src.on_bar_close(4));
  EXPECT_FALSE(src.signal(0, s)) << "warming up again after the resync";
  ASSERT_TRUE(src.on_bar_close(5));
  EXPECT_TRUE(src.signal(0, s));

  // Crossed (bid ≥ ask): no data.
  fill(book, {{"101", "1"}}, {{"101", "1"}});
  ASSERT_TRUE(src.on_bar_close(6));
  EXPECT_FALSE(src.signal(0, s));
  // One side empty: no data.
  fill(book, {{"100", "1"}}, {});
  ASSERT_TRUE(src.on_bar_close(7));
  EXPECT_FALSE(src.signal(0, s));
  fill(book, {{"100", "1"}}, {{"101", "1"}});
  ASSERT_TRUE(src.on_bar_close(8));
  ASSERT_TRUE(src.on_bar_close(9));
  EXPECT_TRUE(src.signal(0, s));
  // Detached: no data.
  src.detach(0);
  ASSERT_TRUE(src.on_bar_close(10));
  EXPECT_FALSE(src.signal(0, s));
}

TEST(MirrorOb, FollowsABookSyncsUsability) {
  MirrorObParams p = small_windows();
  book::BookSync sync(book::DepthVenue::kSpot, book::BookSync::Limits{});
  MirrorOrderBookSource src(1, p);
  src.attach(0, sync);
  ObSignal s;
  ASSERT_TRUE(src.on_bar_close(1));
  EXPECT_FALSE(src.signal(0, s)) << "awaiting its snapshot: stale";
  const std::vector<book::PriceQty> bids{{px("100"), qty("3")}};
  const std::vector<book::PriceQty> asks{{px("100.01"), qty("1")}};
  ASSERT_EQ(sync.on_snapshot(10, bids, asks), book::SnapshotOutcome::kSynced);
  ASSERT_TRUE(sync.usable());
  ASSERT_TRUE(src.on_bar_close(2));
  ASSERT_TRUE(src.signal(0, s));
  EXPECT_NEAR(s.imbalance_ma5, 0.5, kTol);  // (3 − 1)/4
  // A gap makes the sync stale: no data at the next bar close.
  const std::vector<book::PriceQty> none;
  book::DepthDiff gap{100, 101, 0, none, none};
  ASSERT_EQ(sync.on_diff(gap), book::DiffOutcome::kGap);
  ASSERT_FALSE(sync.usable());
  ASSERT_TRUE(src.on_bar_close(3));
  EXPECT_FALSE(src.signal(0, s));
}

TEST(MirrorOb, DefaultWarmUpIsFiveBars) {
  L2Book book(10);
  MirrorOrderBookSource src(1);
  src.attach(0, book);
  fill(book, {{"100", "2"}}, {{"100.01", "1"}});
  ObSignal s;
  for (Nanos t = 1; t <= 4; ++t) {
    ASSERT_TRUE(src.on_bar_close(t));
    EXPECT_FALSE(src.signal(0, s)) << t;
  }
  ASSERT_TRUE(src.on_bar_close(5));
  ASSERT_TRUE(src.signal(0, s));
  EXPECT_NEAR(s.imbalance_ma5, 1.0 / 3.0, kTol);  // (2 − 1)/3 five times
  EXPECT_NEAR(s.imbalance_persistence, 1.0, kTol);
}

TEST(MirrorOb, MacroRecordAndMarketMultiplierByHand) {
  MirrorObParams p;
  p.levels = 1;
  p.min_samples = 2;
  std::vector<L2Book> books(4, L2Book(10));
  MirrorOrderBookSource src(4, p);
  for (std::size_t i = 0; i < 4; ++i) src.attach(i, books[i]);
  // Bar 1: every book 5 + 5 = 10, imbalance 0. Nobody has data yet (warm-up): neutral.
  for (auto& b : books) fill(b, {{"100", "5"}}, {{"100.01", "5"}});
  ASSERT_TRUE(src.on_bar_close(1));
  EXPECT_EQ(src.macro().cascade_count, 0);
  EXPECT_EQ(src.macro().regime_signal, 0);
  EXPECT_EQ(src.market_multiplier(1), 1.0);

  // Bar 2: asset 0 → 4 + 1 = 5 (velocity −0.5: cascade and thinning; imb 0.6, ma (0 + 0.6)/2 =
  // 0.3); asset 1 → 2 + 5 = 7 (velocity −0.3: thinning, not cascade; imb −3/7, ma −3/14); asset 2 →
  // 6 + 6 = 12 (velocity +0.2: building; ma 0); asset 3 stale (excluded).
  fill(books[0], {{"100", "4"}}, {{"100.01", "1"}});
  fill(books[1], {{"100", "2"}}, {{"100.01", "5"}});
  fill(books[2], {{"100", "6"}}, {{"100.01", "6"}});
  src.set_usable(3, false);
  ASSERT_TRUE(src.on_bar_close(2));
  EXPECT_EQ(src.assets_with_data(), 3u);
  EXPECT_EQ(src.macro().cascade_count, 1);
  EXPECT_EQ(src.macro().regime_signal, 1);  // thinning share 2/3 ≥ 0.30
  // Market imbalance (0.3 − 3/14 + 0)/3 = 1/35; raw multiplier 1 ± 0.5/35.
  EXPECT_NEAR(src.market_imbalance(), 1.0 / 35.0, kTol);
  EXPECT_NEAR(src.market_multiplier(1), 1.0 + 0.5 / 35.0, kTol);
  EXPECT_NEAR(src.market_multiplier(-1), 1.0 - 0.5 / 35.0, kTol);

  // Market placement: means over assets 0–2. Depth quality D_t / mean(D): 5/7.5, 7/8.5, 12/11.
  // Fill: spread 0.01 on 100.005 ≈ 1 bp → spread term 1; levels 1 + 1 → level = D/2, touch = D/2 →
  // queue 1/2 for every book.
  ObPlacement market;
  ASSERT_TRUE(src.market_placement(market));
  EXPECT_NEAR(market.depth_quality, (5.0 / 7.5 + 7.0 / 8.5 + 12.0 / 11.0) / 3.0, kTol);
  EXPECT_NEAR(market.fill_probability, 0.5, kTol);

  // Bar 3: asset 0 → 5 + 1 = 6 (velocity +0.2), asset 1 → 3 + 5 = 8 (+1/7), asset 2 unchanged (0).
  // Thinning share 0 ≤ 0.10 and building share 2/3 ≥ 0.50 → calm (−1); no cascade.
  fill(books[0], {{"100", "5"}}, {{"100.01", "1"}});
  fill(books[1], {{"100", "3"}}, {{"100.01", "5"}});
  ASSERT_TRUE(src.on_bar_close(3));
  EXPECT_EQ(src.macro().cascade_count, 0);
  EXPECT_EQ(src.macro().regime_signal, -1);

  // Bar 4: every book flat again (velocity 0 for asset 2, asset 0 and 1 unchanged → 0): thinning 0,
  // building 0 → neutral.
  ASSERT_TRUE(src.on_bar_close(4));
  EXPECT_EQ(src.macro().regime_signal, 0);
}

TEST(MirrorOb, MarketMultiplierIsBoundedAtPlus20AndMinus15) {
  MirrorObParams p;
  p.levels = 1;
  p.min_samples = 1;
  L2Book book(10);
  MirrorOrderBookSource src(1, p);
  src.attach(0, book);
  fill(book, {{"100", "9"}}, {{"100.01", "1"}});  // imb 0.8 → 1 ± 0.4
  ASSERT_TRUE(src.on_bar_close(1));
  EXPECT_EQ(src.market_multiplier(1), 1.20);
  EXPECT_EQ(src.market_multiplier(-1), 0.85);
}

TEST(MirrorOb, BarClosesOutOfOrderAreIgnored) {
  MirrorObParams p = small_windows();
  L2Book book(10);
  MirrorOrderBookSource src(1, p);
  src.attach(0, book);
  fill(book, {{"100", "3"}}, {{"100.01", "1"}});
  ASSERT_TRUE(src.on_bar_close(100));
  fill(book, {{"100", "1"}}, {{"100.01", "3"}});
  EXPECT_FALSE(src.on_bar_close(100));
  EXPECT_FALSE(src.on_bar_close(50));
  ObSignal s;
  ASSERT_TRUE(src.signal(0, s));
  EXPECT_NEAR(s.imbalance_ma5, 0.5, kTol);  // still bar 100's sample
  EXPECT_EQ(src.last_bar_close(), 100);
}

TEST(MirrorOb, SameInputsSameOutputs) {
  const auto run = [] {
    MirrorObParams p = small_windows();
    L2Book book(10);
    MirrorOrderBookSource src(1, p);
    src.attach(0, book);
    std::vector<double> out;
    const char* sizes[] = {"1", "2.5", "0.3", "7", "4.25", "0.01", "3"};
    for (int t = 0; t < 40; ++t) {
      fill(book, {{"100", sizes[t % 7]}, {"99.9", sizes[(t + 3) % 7]}},
           {{"100.1", sizes[(t + 1) % 7]}, {"100.2", sizes[(t + 5) % 7]}});
      EXPECT_TRUE(src.on_bar_close(t + 1));
      ObSignal s;
      ObPlacement pl;
      EXPECT_TRUE(src.signal(0, s) && src.placement(0, pl));
      out.insert(out.end(), {s.imbalance_ma5, s.imbalance_persistence, s.withdrawal_velocity,
                             pl.depth_quality, pl.fill_probability, src.market_multiplier(-1)});
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

TEST(MirrorOb, NoAllocationAfterConstruction) {
  L2Book a(50), b(50);
  MirrorOrderBookSource src(2);
  src.attach(0, a);
  src.attach(1, b);
  fill(a, {{"100", "1"}, {"99", "2"}}, {{"101", "1"}});
  fill(b, {{"10", "5"}}, {{"10.1", "1"}, {"10.2", "1"}});
  const AllocationScope scope;
  ObSignal s;
  ObPlacement pl;
  double sink = 0.0;
  for (Nanos t = 1; t <= 200; ++t) {
    ASSERT_TRUE(src.on_bar_close(t));
    if (src.signal(0, s) && src.placement(1, pl)) sink += s.imbalance_ma5 + pl.depth_quality;
    sink += src.market_multiplier(t % 2 == 0 ? 1 : -1) + src.macro().regime_signal;
    if (t == 100) src.set_usable(1, false);
    if (t == 120) src.set_usable(1, true);
  }
  EXPECT_GT(sink, 0.0);
  if (allocation_hooks_installed()) {
    EXPECT_EQ(scope.allocations(), 0u);
  }
}

TEST(MirrorOb, ValidateRefusesBadParameters) {
  MirrorObParams p;
  p.levels = 0;
  EXPECT_THROW(MirrorOrderBookSource(1, p), std::invalid_argument);
  p = MirrorObParams{};
  p.depth_mean_bars = MirrorOrderBookSource::kMaxWindow + 1;
  EXPECT_THROW(validate(p), std::invalid_argument);
  p = MirrorObParams{};
  p.stress_share = 1.5;
  EXPECT_THROW(validate(p), std::invalid_argument);
  p = MirrorObParams{};
  p.market_min = 1.3;
  EXPECT_THROW(validate(p), std::invalid_argument);
  p = MirrorObParams{};
  p.spread_ref_bps = 0.0;
  EXPECT_THROW(validate(p), std::invalid_argument);
  EXPECT_NO_THROW(validate(MirrorObParams{}));
}

}  // namespace
