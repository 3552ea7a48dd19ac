#include "keel/protocol/binance/depth_sync.hpp"

namespace keel::protocol::binance {

namespace {
void set_level(std::map<std::int64_t, std::int64_t>& side, const Level& level) {
  if (level.qty.is_zero()) {
    side.erase(level.price.raw());  // removing an unknown level is normal
  } else {
    side[level.price.raw()] = level.qty.raw();
  }
}
}  // namespace

void DepthSync::load_snapshot(std::uint64_t last_update_id, std::span<const Level> bids,
                              std::span<const Level> asks) {
  bids_.clear();
  asks_.clear();
  for (const Level& l : bids) set_level(bids_, l);
  for (const Level& l : asks) set_level(asks_, l);
  has_snapshot_ = true;
  applied_any_ = false;
  snapshot_id_ = last_update_id;
  last_final_ = 0;
}

void DepthSync::apply_levels(const DepthMsg& diff) {
  for (const Level& l : diff.bids) set_level(bids_, l);
  for (const Level& l : diff.asks) set_level(asks_, l);
  applied_any_ = true;
  last_final_ = diff.final_update_id;
}

DepthSync::Outcome DepthSync::apply(const DepthMsg& diff) {
  if (!has_snapshot_) return Outcome::kNoSnapshot;
  const std::uint64_t first = diff.first_update_id;
  const std::uint64_t final = diff.final_update_id;
  bool links = false;
  if (!applied_any_) {
    if (market_ == Market::kFutures) {
      if (final < snapshot_id_) return Outcome::kDropped;
      links = first <= snapshot_id_;  // U <= lastUpdateId <= u
    } else {
      if (final <= snapshot_id_) return Outcome::kDropped;
      links = first <= snapshot_id_ + 1;  // U <= lastUpdateId + 1 <= u
    }
  } else if (market_ == Market::kFutures) {
    links = diff.prev_final_update_id == last_final_;
  } else {
    links = first == last_final_ + 1;
  }
  if (!links) {
    has_snapshot_ = false;
    bids_.clear();
    asks_.clear();
    return Outcome::kGap;
  }
  apply_levels(diff);
  return Outcome::kApplied;
}
}  // namespace keel::protocol::binance
