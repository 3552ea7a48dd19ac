#include "keel/core/book/book_sync.hpp"

namespace keel::book {

BookSync::BookSync(DepthVenue venue, const Limits& limits)
    : venue_(venue), limits_(limits), book_(limits.max_levels) {
  buffer_.reserve(limits_.buffer_diffs);
  buffer_levels_.reserve(limits_.buffer_levels);
}

void BookSync::start_diff_only() noexcept {
  diff_only_ = true;
  book_.clear();
  buffer_.clear();
  buffer_levels_.clear();
  state_ = State::kLive;
  first_after_snapshot_ = false;
  diff_only_start_ = true;
}

void BookSync::invalidate() noexcept { go_stale(); }

bool BookSync::older_than_book(const DepthDiff& d) const noexcept {
  if (first_after_snapshot_ && venue_ == DepthVenue::kFutures) return d.final_id < last_final_;
  return d.final_id <= last_final_;
}

bool BookSync::links(const DepthDiff& d) const noexcept {
  if (first_after_snapshot_) {
    const std::uint64_t id = venue_ == DepthVenue::kSpot ? last_final_ + 1 : last_final_;
    return d.first_id <= id && id <= d.final_id;
  }
  return venue_ == DepthVenue::kSpot ? d.first_id == last_final_ + 1 : d.prev_final_id == last_final_;
}

void BookSync::apply(const DepthDiff& d) noexcept {
  for (const PriceQty& l : d.bids) book_.set(Side::kBuy, l.price, l.qty);
  for (const PriceQty& l : d.asks) book_.set(Side::kSell, l.price, l.qty);
  last_final_ = d.final_id;
  first_after_snapshot_ = false;
  ++counters_.applied;
  if (book_.crossed()) ++counters_.crossed_updates;
}

void BookSync::buffer(const DepthDiff& d) noexcept {
  const std::size_t levels = d.bids.size() + d.asks.size();
  if (buffer_.size() == limits_.buffer_diffs || buffer_levels_.size() + levels > limits_.buffer_levels) {
    // Bounded: what was buffered is given up; a snapshot must now connect to what follows.
    buffer_.clear();
    buffer_levels_.clear();
    ++counters_.buffer_overflows;
    if (levels > limits_.buffer_levels || limits_.buffer_diffs == 0) return;
  }
  const auto offset = static_cast<std::uint32_t>(buffer_levels_.size());
  buffer_levels_.insert(buffer_levels_.end(), d.bids.begin(), d.bids.end());  // within capacity
  buffer_levels_.insert(buffer_levels_.end(), d.asks.begin(), d.asks.end());
  buffer_.push_back(Buffered{d.first_id, d.final_id, d.prev_final_id, offset,
                             static_cast<std::uint32_t>(d.bids.size()), static_cast<std::uint32_t>(d.asks.size())});
  ++counters_.buffered;
}

void BookSync::go_stale() noexcept {
  book_.clear();
  buffer_.clear();
  buffer_levels_.clear();
  was_stale_ = true;
  if (diff_only_) {
    diff_only_start_ = true;  // no snapshot will come: the book restarts from a diff
  } else {
    state_ = State::kAwaitingSnapshot;
  }
}

DiffOutcome BookSync::on_diff(const DepthDiff& d) noexcept {
  if (state_ == State::kAwaitingSnapshot) {
    buffer(d);
    return DiffOutcome::kBuffered;
  }
  if (diff_only_start_) {
    diff_only_start_ = false;
    apply(d);
    return DiffOutcome::kApplied;
  }
  if (older_than_book(d)) {
    ++counters_.dropped;
    return DiffOutcome::kDropped;
  }
  if (!links(d)) {
    ++counters_.gaps;
    go_stale();
    if (diff_only_) {
      diff_only_start_ = false;
      apply(d);  // the diff after the gap starts the rebuilt book
    } else {
      buffer(d);
    }
    return DiffOutcome::kGap;
  }
  apply(d);
  return DiffOutcome::kApplied;
}

SnapshotOutcome BookSync::on_snapshot(std::uint64_t last_update_id, std::span<const PriceQty> bids,
                                      std::span<const PriceQty> asks) noexcept {
  diff_only_ = false;
  diff_only_start_ = false;
  book_.clear();
  for (const PriceQty& l : bids) book_.set(Side::kBuy, l.price, l.qty);
  for (const PriceQty& l : asks) book_.set(Side::kSell, l.price, l.qty);
  last_final_ = last_update_id;
  first_after_snapshot_ = true;
  state_ = State::kLive;
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    const Buffered& b = buffer_[i];
    const std::span<const PriceQty> levels(buffer_levels_.data() + b.offset, b.bid_count + b.ask_count);
    const DepthDiff d{b.first_id, b.final_id, b.prev_final_id, levels.first(b.bid_count),
                      levels.subspan(b.bid_count)};
    if (older_than_book(d)) {
      ++counters_.dropped;
      continue;
    }
    if (!links(d)) {
      ++counters_.snapshots_refused;
      const bool too_old = first_after_snapshot_;
      book_.clear();
      state_ = State::kAwaitingSnapshot;
      if (too_old) return SnapshotOutcome::kTooOld;  // the buffer is kept: a newer snapshot may connect
      // The buffered diffs break between i-1 and i: only those from i on can follow a snapshot.
      drop_buffered_before(i);
      return SnapshotOutcome::kGap;
    }
    apply(d);
  }
  buffer_.clear();
  buffer_levels_.clear();
  if (was_stale_) {
    ++counters_.resyncs;
    was_stale_ = false;
  }
  return SnapshotOutcome::kSynced;
}

void BookSync::drop_buffered_before(std::size_t first_kept) noexcept {
  if (first_kept >= buffer_.size()) {
    buffer_.clear();
    buffer_levels_.clear();
    return;
  }
  const std::uint32_t shift = buffer_[first_kept].offset;
  buffer_levels_.erase(buffer_levels_.begin(), buffer_levels_.begin() + shift);
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(first_kept));
  for (Buffered& b : buffer_) b.offset -= shift;
}

}  // namespace keel::book
