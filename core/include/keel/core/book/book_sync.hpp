// Keeps one instrument's L2Book in step with a venue that publishes a REST snapshot and a stream of
// depth diffs, by Binance's procedure as ../shared/spec/VENUE.md states it — and knows when the
// book is wrong.
//
//   spot:    drop diffs with u ≤ lastUpdateId; the first applied has U ≤ lastUpdateId + 1 ≤ u;
//            every next one has U = previous u + 1.
//   futures: drop diffs with u < lastUpdateId; the first applied has U ≤ lastUpdateId ≤ u;
//            every next one has pu = previous u.
//
// Continuity is checked on every diff, not only at the sync. A diff that does not link is a gap:
// the book is cleared and marked stale at once (usable() turns false), the diff is buffered and the
// caller fetches a new snapshot (needs_snapshot()); only this instrument resyncs. Diffs received
// while waiting for a snapshot are buffered, with a bound (Limits); when the buffer overflows it is
// emptied and counted, and the next snapshot must then connect to the diffs that follow.
// A book that is crossed after an update (best bid ≥ best ask) is flagged and not usable until an
// update uncrosses it.
//
// Diff-only mode (a capture with no snapshot): the first diff is applied to an empty book, and
// continuity is checked from there; the book is never "synced" (it may miss levels older than the
// capture), and a gap restarts it from the next diff.
//
// Single-threaded. The constructor allocates; nothing else does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/book/l2_book.hpp"

namespace keel::book {

enum class DepthVenue : std::uint8_t { kSpot = 0, kFutures = 1 };

// One depth diff: U, u (and pu in futures), absolute quantities (zero removes), any level order.
struct DepthDiff {
  std::uint64_t first_id = 0;       // U
  std::uint64_t final_id = 0;       // u
  std::uint64_t prev_final_id = 0;  // pu (futures)
  std::span<const PriceQty> bids;
  std::span<const PriceQty> asks;
};

enum class DiffOutcome : std::uint8_t {
  kApplied = 0,
  kBuffered = 1,  // waiting for a snapshot
  kDropped = 2,   // older than the book (u before the snapshot)
  kGap = 3,       // did not link: the book went stale, the diff is buffered, a snapshot is needed
};

enum class SnapshotOutcome : std::uint8_t {
  kSynced = 0,     // the book is the snapshot plus every buffered diff that follows it
  kTooOld = 1,     // the buffered diffs start after the snapshot: fetch a newer one
  kGap = 2,        // the buffered diffs themselves do not link: fetch again after more diffs
};

struct SyncCounters {
  std::uint64_t applied = 0;
  std::uint64_t dropped = 0;
  std::uint64_t buffered = 0;
  std::uint64_t gaps = 0;             // continuity breaks on live diffs (each makes the book stale)
  std::uint64_t resyncs = 0;          // snapshots that brought a stale book back
  std::uint64_t snapshots_refused = 0;  // snapshots that did not connect to the buffered diffs
  std::uint64_t buffer_overflows = 0;
  std::uint64_t crossed_updates = 0;  // updates after which the book was crossed
};

class BookSync {
 public:
  struct Limits {
    std::size_t max_levels = 5000;        // per side of the book
    std::size_t buffer_diffs = 1024;      // diffs kept while waiting for a snapshot
    std::size_t buffer_levels = 1 << 16;  // their levels, both sides together
  };

  BookSync(DepthVenue venue, const Limits& limits);

  // A live diff. Waiting for a snapshot: buffered. Synced (or diff-only): applied if it links,
  // dropped if older than the book, else a gap.
  DiffOutcome on_diff(const DepthDiff& diff) noexcept;
  // A REST snapshot (lastUpdateId, levels best first or in any order): seeds the book and applies
  // the buffered diffs by the rules above.
  SnapshotOutcome on_snapshot(std::uint64_t last_update_id, std::span<const PriceQty> bids,
                              std::span<const PriceQty> asks) noexcept;
  // Switches to diff-only mode (no snapshot will come): the next diff starts the book.
  void start_diff_only() noexcept;
  // The caller knows the book missed diffs (a lost connection, updates it could not pass on): the
  // book is cleared and stale at once, as on a gap (not counted as one); it waits for a snapshot, or
  // in diff-only mode restarts from the next diff.
  void invalidate() noexcept;

  // Synced (or diff-only and linked) and not crossed: the book may be used.
  // (In diff-only mode a book waiting for its first diff — at the start, after a gap or invalidate()
  // — is not usable.)
  [[nodiscard]] bool usable() const noexcept {
    return state_ == State::kLive && !diff_only_start_ && !book_.crossed();
  }
  [[nodiscard]] bool needs_snapshot() const noexcept { return state_ == State::kAwaitingSnapshot; }
  [[nodiscard]] bool diff_only() const noexcept { return diff_only_; }
  [[nodiscard]] bool crossed() const noexcept { return book_.crossed(); }
  [[nodiscard]] const L2Book& book() const noexcept { return book_; }
  [[nodiscard]] const SyncCounters& counters() const noexcept { return counters_; }
  // u of the last applied diff (or the snapshot's lastUpdateId before any).
  [[nodiscard]] std::uint64_t last_update_id() const noexcept { return last_final_; }

 private:
  enum class State : std::uint8_t { kAwaitingSnapshot, kLive };
  struct Buffered {
    std::uint64_t first_id, final_id, prev_final_id;
    std::uint32_t offset, bid_count, ask_count;
  };

  // Whether `diff` is the one that may follow the book (first after a snapshot or the next one).
  [[nodiscard]] bool links(const DepthDiff& diff) const noexcept;
  [[nodiscard]] bool older_than_book(const DepthDiff& diff) const noexcept;
  void apply(const DepthDiff& diff) noexcept;
  void buffer(const DepthDiff& diff) noexcept;
  void go_stale() noexcept;
  void drop_buffered_before(std::size_t first_kept) noexcept;

  DepthVenue venue_;
  Limits limits_;
  L2Book book_;
  State state_ = State::kAwaitingSnapshot;
  bool diff_only_ = false;
  bool diff_only_start_ = false;       // diff-only: the next diff starts the book
  bool first_after_snapshot_ = false;  // the next diff must straddle the snapshot's id
  bool was_stale_ = false;             // a gap happened since the last sync (a snapshot is a resync)
  std::uint64_t last_final_ = 0;
  std::vector<Buffered> buffer_;
  std::vector<PriceQty> buffer_levels_;
  SyncCounters counters_;
};

}  // namespace keel::book
