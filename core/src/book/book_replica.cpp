#include "keel/core/book/book_replica.hpp"

namespace keel::book {

BookReplicas::BookReplicas(std::size_t instrument_count, std::size_t max_levels_per_side) {
  books_.reserve(instrument_count);
  for (std::size_t i = 0; i < instrument_count; ++i) books_.emplace_back(max_levels_per_side);
}

bool BookReplicas::on_event(const Event& event) noexcept {
  if (event.header.kind == EventKind::kBookLevel) {
    on_level(event.book_level);
    return true;
  }
  if (event.header.kind == EventKind::kControl &&
      static_cast<ControlKind>(event.header.subtype) == ControlKind::kBookState) {
    on_state(event.control);
    return true;
  }
  return false;
}

void BookReplicas::on_level(const BookLevel& level) noexcept {
  if (level.header.instrument >= books_.size()) {
    ++counters_.refused;
    return;
  }
  Entry& e = books_[level.header.instrument];
  const bool snapshot = (level.header.flags & kFlagSnapshot) != 0;
  const bool end = (level.header.flags & kFlagEndOfBatch) != 0;
  if (snapshot) {
    if (!e.in_batch || !e.in_snapshot) {  // a snapshot batch starts: whatever was there goes
      e.book.clear();
      e.live = false;
      e.in_batch = true;
      e.in_snapshot = true;
    }
  } else if (!e.live || (e.in_batch && e.in_snapshot)) {
    ++counters_.refused;  // a diff for a book that is stale or mid-snapshot
    return;
  } else {
    e.in_batch = true;
  }
  const bool no_level = level.side == Side::kNone;
  if (!no_level) {
    if ((level.side != Side::kBuy && level.side != Side::kSell) || !level.price.is_positive() ||
        level.qty.raw() < 0) {
      ++counters_.refused;
    } else {
      e.book.set(level.side, level.price, level.qty);
      ++counters_.levels;
    }
  }
  if (end) {
    e.in_batch = false;
    e.last_seq = level.seq;
    if (e.in_snapshot) {
      e.in_snapshot = false;
      ++counters_.snapshots;
    } else {
      ++counters_.batches;
    }
    if (e.book.crossed()) ++counters_.crossed_batches;
  }
}

void BookReplicas::on_state(const Control& control) noexcept {
  if (control.header.instrument >= books_.size()) {
    ++counters_.refused;
    return;
  }
  Entry& e = books_[control.header.instrument];
  switch (control.value) {
    case static_cast<std::int64_t>(BookState::kStale):
      e.book.clear();
      e.live = false;
      e.in_batch = false;
      e.in_snapshot = false;
      ++counters_.stale_events;
      return;
    case static_cast<std::int64_t>(BookState::kLive):
      if (e.in_batch) {  // a live state in the middle of a batch breaks the contract
        ++counters_.refused;
        return;
      }
      e.live = true;
      return;
    default:
      ++counters_.refused;
      return;
  }
}

}  // namespace keel::book
