// The order-book mirror (core/book): L2Book against a naive std::map book, Binance's sync rules for
// spot and futures on hand-made sequences, and both shared captures replayed diff by diff — the
// mirror equals the naive book after every update, and a diff taken out is a gap at the next diff
// of that symbol only.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keel/core/book/book_sync.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/protocol/binance.hpp"
#include "book_test_support.hpp"
#include "test_support.hpp"

namespace keel::book {
namespace {

namespace bn = protocol::binance;

// The naive book: price raw → qty raw per side.
struct NaiveBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;  // best (highest) first
  std::map<std::int64_t, std::int64_t> asks;                  // best (lowest) first
  void set(Side side, Price p, Qty q) {
    if (side == Side::kBuy) {
      if (q.raw() == 0) bids.erase(p.raw());
      else bids[p.raw()] = q.raw();
    } else {
      if (q.raw() == 0) asks.erase(p.raw());
      else asks[p.raw()] = q.raw();
    }
  }
};

using test::same_side;  // every level of the mirror, best first, equals the naive book's

PriceQty pq(std::int64_t price_units, std::int64_t qty_units) {
  return {Price::from_units(price_units), Qty::from_units(qty_units)};
}

TEST(L2Book, SetsUpdatesRemovesAndKeepsTheBestWhenFull) {
  L2Book book(3);
  book.set(Side::kBuy, Price::from_units(100), Qty::from_units(1));
  book.set(Side::kBuy, Price::from_units(102), Qty::from_units(2));
  book.set(Side::kBuy, Price::from_units(101), Qty::from_units(3));
  EXPECT_EQ(book.level(Side::kBuy, 0), pq(102, 2));
  EXPECT_EQ(book.level(Side::kBuy, 2), pq(100, 1));
  book.set(Side::kBuy, Price::from_units(99), Qty::from_units(9));  // worse than a full side: not kept
  EXPECT_EQ(book.depth(Side::kBuy), 3u);
  EXPECT_EQ(book.truncations(), 1u);
  book.set(Side::kBuy, Price::from_units(103), Qty::from_units(4));  // better: the worst goes
  EXPECT_EQ(book.level(Side::kBuy, 0), pq(103, 4));
  EXPECT_EQ(book.level(Side::kBuy, 2), pq(101, 3));
  book.set(Side::kBuy, Price::from_units(101), Qty{});  // removal
  book.set(Side::kBuy, Price::from_units(50), Qty{});   // removal of an unknown level: normal
  EXPECT_EQ(book.depth(Side::kBuy), 2u);
  book.set(Side::kSell, Price::from_units(104), Qty::from_units(1));
  book.set(Side::kSell, Price::from_units(105), Qty::from_units(1));
  EXPECT_EQ(book.level(Side::kSell, 0), pq(104, 1));
  EXPECT_FALSE(book.crossed());
  book.set(Side::kSell, Price::from_units(103), Qty::from_units(1));
  EXPECT_TRUE(book.crossed());
}

TEST(L2Book, EqualsANaiveBookUnderRandomUpdatesWithoutAllocating) {
  ASSERT_TRUE(allocation_hooks_installed());
  L2Book book(1000);
  NaiveBook naive;
  Xoshiro256StarStar rng(7);
  const auto below = [&](std::uint64_t n) { return rng.next() % n; };
  std::uint64_t allocations = 0;
  for (int step = 0; step < 20'000; ++step) {
    const Side side = below(2) == 0 ? Side::kBuy : Side::kSell;
    // Bids 900..1000, asks 1001..1100: never crossed, at most 101 levels a side.
    const std::int64_t price = side == Side::kBuy ? 900 + static_cast<std::int64_t>(below(101))
                                                  : 1001 + static_cast<std::int64_t>(below(100));
    const std::int64_t qty = below(3) == 0 ? 0 : 1 + static_cast<std::int64_t>(below(50));
    const std::uint64_t before = thread_allocation_counts().allocations;
    book.set(side, Price::from_units(price), Qty::from_units(qty));
    allocations += thread_allocation_counts().allocations - before;
    naive.set(side, Price::from_units(price), Qty::from_units(qty));
    ASSERT_TRUE(same_side(book, Side::kBuy, naive.bids)) << "step " << step;
    ASSERT_TRUE(same_side(book, Side::kSell, naive.asks)) << "step " << step;
  }
  EXPECT_EQ(allocations, 0u);
}

// ---- sync rules ----

struct Diff {
  std::uint64_t U, u, pu;
  std::vector<PriceQty> bids, asks;
  [[nodiscard]] DepthDiff view() const { return {U, u, pu, bids, asks}; }
};

TEST(BookSync, SpotSnapshotDropsOldDiffsAndNeedsTheFirstToStraddle) {
  BookSync sync(DepthVenue::kSpot, {});
  EXPECT_TRUE(sync.needs_snapshot());
  const Diff d1{90, 99, 0, {pq(10, 1)}, {}};     // entirely before the snapshot: dropped
  const Diff d2{100, 105, 0, {pq(11, 2)}, {}};   // straddles lastUpdateId + 1 = 101
  const Diff d3{106, 110, 0, {}, {pq(12, 3)}};
  EXPECT_EQ(sync.on_diff(d1.view()), DiffOutcome::kBuffered);
  EXPECT_EQ(sync.on_diff(d2.view()), DiffOutcome::kBuffered);
  EXPECT_EQ(sync.on_diff(d3.view()), DiffOutcome::kBuffered);
  EXPECT_FALSE(sync.usable());
  const std::vector<PriceQty> bids = {pq(10, 5)};
  EXPECT_EQ(sync.on_snapshot(100, bids, {}), SnapshotOutcome::kSynced);
  EXPECT_TRUE(sync.usable());
  EXPECT_EQ(sync.last_update_id(), 110u);
  EXPECT_EQ(sync.book().level(Side::kBuy, 0), pq(11, 2));
  EXPECT_EQ(sync.book().level(Side::kBuy, 1), pq(10, 5));
  EXPECT_EQ(sync.counters().dropped, 1u);
  // Live: U must be the previous u + 1.
  EXPECT_EQ(sync.on_diff(Diff{111, 111, 0, {pq(11, 0)}, {}}.view()), DiffOutcome::kApplied);
  EXPECT_EQ(sync.on_diff(Diff{105, 111, 0, {}, {}}.view()), DiffOutcome::kDropped);  // old duplicate
  EXPECT_EQ(sync.on_diff(Diff{113, 114, 0, {}, {}}.view()), DiffOutcome::kGap);       // 112 is missing
  EXPECT_FALSE(sync.usable());
  EXPECT_TRUE(sync.needs_snapshot());
  EXPECT_EQ(sync.book().depth(Side::kBuy), 0u) << "a stale book is cleared, never used";
  EXPECT_EQ(sync.counters().gaps, 1u);
  // A snapshot older than the buffered diff does not connect; a newer one does: a resync.
  EXPECT_EQ(sync.on_snapshot(111, {}, {}), SnapshotOutcome::kTooOld);
  EXPECT_EQ(sync.on_snapshot(113, bids, {}), SnapshotOutcome::kSynced);
  EXPECT_EQ(sync.counters().resyncs, 1u);
  EXPECT_EQ(sync.counters().snapshots_refused, 1u);
  EXPECT_EQ(sync.on_diff(Diff{115, 116, 0, {}, {}}.view()), DiffOutcome::kApplied);
}

TEST(BookSync, FuturesUsesPuAndKeepsTheDiffEndingAtTheSnapshot) {
  BookSync sync(DepthVenue::kFutures, {});
  EXPECT_EQ(sync.on_diff(Diff{95, 100, 94, {pq(10, 1)}, {}}.view()), DiffOutcome::kBuffered);  // u == L: kept
  EXPECT_EQ(sync.on_diff(Diff{101, 104, 100, {pq(11, 1)}, {}}.view()), DiffOutcome::kBuffered);
  EXPECT_EQ(sync.on_snapshot(100, {}, {}), SnapshotOutcome::kSynced);
  EXPECT_EQ(sync.book().depth(Side::kBuy), 2u);
  EXPECT_EQ(sync.on_diff(Diff{105, 107, 104, {}, {}}.view()), DiffOutcome::kApplied);
  EXPECT_EQ(sync.on_diff(Diff{109, 110, 108, {}, {}}.view()), DiffOutcome::kGap);  // pu ≠ previous u
}

TEST(BookSync, BufferedDiffsWithAGapAreTrimmedAndTheBufferIsBounded) {
  BookSync::Limits limits;
  limits.buffer_diffs = 4;
  BookSync sync(DepthVenue::kSpot, limits);
  sync.on_diff(Diff{100, 101, 0, {}, {}}.view());
  sync.on_diff(Diff{105, 106, 0, {}, {}}.view());  // 102..104 missing
  sync.on_diff(Diff{107, 108, 0, {}, {}}.view());
  EXPECT_EQ(sync.on_snapshot(100, {}, {}), SnapshotOutcome::kGap);
  EXPECT_EQ(sync.on_snapshot(105, {}, {}), SnapshotOutcome::kSynced);  // connects to what follows
  EXPECT_EQ(sync.last_update_id(), 108u);
  BookSync small(DepthVenue::kSpot, limits);
  for (std::uint64_t i = 0; i < 10; ++i) small.on_diff(Diff{200 + i, 200 + i, 0, {}, {}}.view());
  EXPECT_EQ(small.counters().buffer_overflows, 2u);
  EXPECT_EQ(small.on_snapshot(207, {}, {}), SnapshotOutcome::kSynced);
}

TEST(BookSync, CrossedBookIsFlaggedAndNotUsable) {
  BookSync sync(DepthVenue::kSpot, {});
  const std::vector<PriceQty> bids = {pq(100, 1)};
  const std::vector<PriceQty> asks = {pq(101, 1)};
  ASSERT_EQ(sync.on_snapshot(10, bids, asks), SnapshotOutcome::kSynced);
  EXPECT_TRUE(sync.usable());
  sync.on_diff(Diff{11, 11, 0, {pq(102, 1)}, {}}.view());
  EXPECT_TRUE(sync.crossed());
  EXPECT_FALSE(sync.usable());
  EXPECT_EQ(sync.counters().crossed_updates, 1u);
  sync.on_diff(Diff{12, 12, 0, {pq(102, 0)}, {}}.view());
  EXPECT_TRUE(sync.usable());
}

// ---- the shared captures ----

struct CaptureDiff {
  std::string symbol;
  Diff diff;
};

// Every depthUpdate of a capture, in order, decoded by the protocol decoder.
std::vector<CaptureDiff> depth_diffs(const std::string& file) {
  const Capture cap = load_capture_file(test::shared_data(file));
  bn::Decoder decoder;
  bn::Frame frame;
  std::vector<CaptureDiff> out;
  for (const CaptureRecord& r : cap.records) {
    const bn::DecodeError e = decoder.decode(r.frame, frame, bn::kinds_bit(bn::FrameKind::kDepthUpdate));
    EXPECT_EQ(e, bn::DecodeError::kNone) << r.frame.substr(0, 120);
    if (frame.kind != bn::FrameKind::kDepthUpdate) continue;
    CaptureDiff d;
    d.symbol = std::string(frame.symbol.view());
    d.diff.U = frame.depth.first_update_id;
    d.diff.u = frame.depth.final_update_id;
    d.diff.pu = frame.depth.prev_final_update_id;
    for (const bn::Level& l : frame.depth.bids) d.diff.bids.push_back({l.price, l.qty});
    for (const bn::Level& l : frame.depth.asks) d.diff.asks.push_back({l.price, l.qty});
    out.push_back(std::move(d));
  }
  return out;
}

// Replays diffs diff-only per symbol; checks the mirror against the naive book after every applied
// diff; returns the index of every diff whose outcome was a gap.
std::vector<std::size_t> replay(const std::vector<CaptureDiff>& diffs, DepthVenue venue) {
  std::map<std::string, BookSync> syncs;
  std::map<std::string, NaiveBook> naive;
  std::vector<std::size_t> gaps;
  for (std::size_t i = 0; i < diffs.size(); ++i) {
    const CaptureDiff& c = diffs[i];
    auto [it, fresh] = syncs.try_emplace(c.symbol, venue, BookSync::Limits{});
    if (fresh) it->second.start_diff_only();
    const DiffOutcome outcome = it->second.on_diff(c.diff.view());
    if (outcome == DiffOutcome::kGap) {
      gaps.push_back(i);
      naive[c.symbol] = NaiveBook{};  // the mirror restarts from this diff
    }
    if (outcome == DiffOutcome::kApplied || outcome == DiffOutcome::kGap) {
      NaiveBook& n = naive[c.symbol];
      for (const PriceQty& l : c.diff.bids) n.set(Side::kBuy, l.price, l.qty);
      for (const PriceQty& l : c.diff.asks) n.set(Side::kSell, l.price, l.qty);
      EXPECT_TRUE(same_side(it->second.book(), Side::kBuy, n.bids)) << c.symbol << " diff " << i;
      EXPECT_TRUE(same_side(it->second.book(), Side::kSell, n.asks)) << c.symbol << " diff " << i;
    }
  }
  return gaps;
}

TEST(BookSyncCapture, SpotAndFuturesCapturesMirrorTheNaiveBookWithoutGaps) {
  const auto spot = depth_diffs("binance-ws/spot-capture.txt");
  const auto futures = depth_diffs("binance-ws/usdm-futures-capture.txt");
  ASSERT_GT(spot.size(), 50u);
  ASSERT_GT(futures.size(), 200u);
  EXPECT_TRUE(replay(spot, DepthVenue::kSpot).empty());
  EXPECT_TRUE(replay(futures, DepthVenue::kFutures).empty());
}

TEST(BookSyncCapture, ADiffTakenOutIsAGapAtTheNextDiffOfThatSymbolOnly) {
  for (const auto& [file, venue] : {std::pair{"binance-ws/spot-capture.txt", DepthVenue::kSpot},
                                    std::pair{"binance-ws/usdm-futures-capture.txt", DepthVenue::kFutures}}) {
    SCOPED_TRACE(file);
    auto diffs = depth_diffs(file);
    // Take out a diff from the middle; the gap is at that symbol's next diff.
    const std::size_t cut = diffs.size() / 2;
    const std::string symbol = diffs[cut].symbol;
    std::size_t next = cut + 1;
    while (next < diffs.size() && diffs[next].symbol != symbol) ++next;
    ASSERT_LT(next, diffs.size());
    diffs.erase(diffs.begin() + static_cast<std::ptrdiff_t>(cut));
    const auto gaps = replay(diffs, venue);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0], next - 1);  // its index after the erase
    EXPECT_EQ(diffs[gaps[0]].symbol, symbol);
  }
}

// Issue 10: the market-data path allocates nothing per frame after warm-up. Every frame of both
// captures is decoded and its depth diffs applied to per-symbol mirrors once (warm-up: the mirrors
// are created), then again from diff-only starts under an AllocationScope.
TEST(BookSyncCapture, DecodeAndMirrorAllocateNothingAfterWarmUp) {
  for (const auto& [file, venue] : {std::pair{"binance-ws/spot-capture.txt", DepthVenue::kSpot},
                                    std::pair{"binance-ws/usdm-futures-capture.txt", DepthVenue::kFutures}}) {
    SCOPED_TRACE(file);
    const Capture cap = load_capture_file(test::shared_data(file));
    bn::Decoder decoder;
    bn::Frame frame;
    std::vector<PriceQty> bids, asks;
    bids.reserve(bn::Decoder::kDefaultMaxLevels);
    asks.reserve(bn::Decoder::kDefaultMaxLevels);
    std::map<std::string, BookSync, std::less<>> syncs;
    std::size_t applied = 0;
    const auto pass = [&](bool warm_up) {
      for (const CaptureRecord& r : cap.records) {
        if (decoder.decode(r.frame, frame) != bn::DecodeError::kNone) return false;
        if (frame.kind != bn::FrameKind::kDepthUpdate) continue;
        auto it = syncs.find(frame.symbol.view());
        if (it == syncs.end()) {
          if (!warm_up) return false;
          it = syncs.try_emplace(std::string(frame.symbol.view()), venue, BookSync::Limits{}).first;
          it->second.start_diff_only();
        }
        bids.clear();
        asks.clear();
        for (const bn::Level& l : frame.depth.bids) bids.push_back({l.price, l.qty});
        for (const bn::Level& l : frame.depth.asks) asks.push_back({l.price, l.qty});
        const DiffOutcome o = it->second.on_diff({frame.depth.first_update_id, frame.depth.final_update_id,
                                                  frame.depth.prev_final_update_id, bids, asks});
        if (o != DiffOutcome::kApplied) return false;
        ++applied;
      }
      return true;
    };
    ASSERT_TRUE(pass(true));
    for (auto& [symbol, sync] : syncs) sync.start_diff_only();
    const std::size_t warm = applied;
    const AllocationScope scope;
    ASSERT_TRUE(pass(false));
    EXPECT_EQ(applied, 2 * warm);
    EXPECT_GT(warm, 50u);
    if (allocation_hooks_installed()) {
      EXPECT_EQ(scope.allocations(), 0u);
    }
  }
}

}  // namespace
}  // namespace keel::book
