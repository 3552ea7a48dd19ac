// Fuzzes the order-book mirror (core/book): arbitrary sequences of depth diffs (any U, u, pu,
// prices, quantities, orders), snapshots and diff-only restarts, spot and futures.
//
// Invariants (trap on violation): no crash; each side strictly ordered best first, at most
// max_levels deep, no zero quantities; a usable book is never crossed; a book waiting for a snapshot
// is empty; last_update_id never decreases while the book stays live; counters are consistent.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/core/book/book_sync.hpp"

namespace {

using namespace keel;
using namespace keel::book;

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() { return n == 0 ? 0 : (--n, *p++); }
  std::uint64_t small(unsigned bits) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < (bits + 7) / 8; ++i) v = v << 8 | byte();
    return bits >= 64 ? v : v & ((std::uint64_t{1} << bits) - 1);
  }
};

void check_side(const L2Book& book, Side side) {
  KEEL_FUZZ_CHECK(book.depth(side) <= book.max_levels());
  for (std::size_t i = 0; i < book.depth(side); ++i) {
    const PriceQty l = book.level(side, i);
    KEEL_FUZZ_CHECK(l.qty.is_positive() && l.price.is_positive());
    if (i > 0) {
      const PriceQty better = book.level(side, i - 1);
      KEEL_FUZZ_CHECK(side == Side::kBuy ? better.price > l.price : better.price < l.price);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  const DepthVenue venue = (in.byte() & 1) ? DepthVenue::kFutures : DepthVenue::kSpot;
  BookSync::Limits limits;
  limits.max_levels = 1 + in.byte() % 16;
  limits.buffer_diffs = in.byte() % 8;
  limits.buffer_levels = in.byte() % 64;
  BookSync sync(venue, limits);
  std::vector<PriceQty> bids, asks;
  bids.reserve(32);
  asks.reserve(32);
  std::uint64_t base = in.small(16);
  bool fresh_start = true;  // diff-only restart: the next diff may carry any ids
  while (in.n > 0) {
    const std::uint8_t op = in.byte();
    bids.clear();
    asks.clear();
    const unsigned nb = in.byte() % 8, na = in.byte() % 8;
    for (unsigned i = 0; i < nb + na; ++i) {
      const PriceQty l{Price::from_raw(1 + static_cast<std::int64_t>(in.small(12))),
                       Qty::from_raw(static_cast<std::int64_t>(in.small(8) % 4))};
      (i < nb ? bids : asks).push_back(l);
    }
    const std::uint64_t was_last = sync.last_update_id();
    const bool was_live = !sync.needs_snapshot();
    switch (op % 4) {
      case 0:
      case 1: {  // a diff near the expected ids, or anywhere
        const std::uint64_t U = op % 4 == 0 ? base + in.small(3) : in.small(20);
        const std::uint64_t u = U + in.small(3);
        const std::uint64_t pu = (in.byte() & 1) ? base : in.small(20);
        const DiffOutcome o = sync.on_diff({U, u, pu, bids, asks});
        if (o == DiffOutcome::kApplied && was_live && !fresh_start) KEEL_FUZZ_CHECK(sync.last_update_id() >= was_last);
        if (o == DiffOutcome::kApplied || o == DiffOutcome::kGap) fresh_start = false;
        if (o == DiffOutcome::kApplied) base = u + 1;
        break;
      }
      case 2: {
        const std::uint64_t id = base + in.small(3) - 4;
        const SnapshotOutcome o = sync.on_snapshot(id, bids, asks);
        fresh_start = false;
        if (o != SnapshotOutcome::kSynced) KEEL_FUZZ_CHECK(sync.needs_snapshot());
        break;
      }
      default:
        sync.start_diff_only();
        fresh_start = true;
        break;
    }
    check_side(sync.book(), Side::kBuy);
    check_side(sync.book(), Side::kSell);
    if (sync.usable()) KEEL_FUZZ_CHECK(!sync.book().crossed());
    if (sync.needs_snapshot()) {
      KEEL_FUZZ_CHECK(sync.book().depth(Side::kBuy) == 0 && sync.book().depth(Side::kSell) == 0);
    }
    const SyncCounters& c = sync.counters();
    KEEL_FUZZ_CHECK(c.resyncs <= c.gaps);
  }
  return 0;
}
