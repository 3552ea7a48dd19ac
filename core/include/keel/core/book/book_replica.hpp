// The core's order books: one L2Book per instrument, rebuilt from the events the gateway's feed
// sends (the feed runs BookSync — snapshot, diffs, continuity — and forwards only what it applied),
// so a journal replay rebuilds the same books and the strategy reads them on event time.
//
// The event contract (what the feed sends, per instrument, in this order):
//   Control kBookState value kStale   the book is wrong from now on (a gap, a disconnect): cleared,
//                                     not usable, until the next snapshot batch.
//   BookLevel with kFlagSnapshot      a (re)synced book, whole: the first clears, each sets one level,
//                                     the one with kFlagEndOfBatch ends it. side kNone (price 0, qty
//                                     0) stands for "no level" (an empty book is one such event).
//   Control kBookState value kLive    after the snapshot batch: the book may be used.
//   BookLevel without the flag        one applied diff: set() per level, the last kFlagEndOfBatch.
// Levels are kept to the same max_levels per side as the feed's BookSync, so both books truncate
// alike. A diff level for a book that is stale or mid-snapshot, a level with a bad side or a
// non-positive price, and an unknown state are counted and ignored.
//
// usable(i): live, not in the middle of a batch, and not crossed. Single-threaded (the core thread);
// the constructor allocates, nothing else does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "keel/core/book/l2_book.hpp"
#include "keel/core/primitives/events.hpp"

namespace keel::book {

enum class BookState : std::uint8_t { kStale = 0, kLive = 1 };

struct ReplicaCounters {
  std::uint64_t levels = 0;          // BookLevel events applied
  std::uint64_t batches = 0;         // diff batches completed
  std::uint64_t snapshots = 0;       // snapshot batches completed
  std::uint64_t stale_events = 0;    // kStale received
  std::uint64_t refused = 0;         // events that broke the contract (counted, ignored)
  std::uint64_t crossed_batches = 0; // batches after which the book was crossed
};

class BookReplicas {
 public:
  BookReplicas(std::size_t instrument_count, std::size_t max_levels_per_side);

  // Applies a kBookLevel or a Control kBookState event; returns false (and does nothing) for any
  // other event.
  bool on_event(const Event& event) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return books_.size(); }
  [[nodiscard]] const L2Book& book(InstrumentId id) const noexcept { return books_[id].book; }
  [[nodiscard]] bool usable(InstrumentId id) const noexcept {
    const Entry& e = books_[id];
    return e.live && !e.in_batch && !e.book.crossed();
  }
  [[nodiscard]] bool live(InstrumentId id) const noexcept { return books_[id].live; }
  // seq (Binance u) of the last batch applied to the book (0 before any).
  [[nodiscard]] std::uint64_t last_seq(InstrumentId id) const noexcept { return books_[id].last_seq; }
  [[nodiscard]] const ReplicaCounters& counters() const noexcept { return counters_; }

 private:
  struct Entry {
    explicit Entry(std::size_t max_levels) : book(max_levels) {}
    L2Book book;
    bool live = false;
    bool in_batch = false;     // levels of a batch seen, its end not yet
    bool in_snapshot = false;  // that batch is a snapshot
    std::uint64_t last_seq = 0;
  };
  void on_level(const BookLevel& level) noexcept;
  void on_state(const Control& control) noexcept;

  std::vector<Entry> books_;
  ReplicaCounters counters_;
};

}  // namespace keel::book
