#include "keel/protocol/binance/depth_ids.hpp"

namespace keel::protocol::binance {

DepthIds DepthStreamState::next_diff(std::uint32_t changes) noexcept {
  // Futures: U is the previous u, so a diff's range always contains the lastUpdateId of a snapshot
  // taken just before it (see the class comment).
  const std::uint64_t first = market_ == Market::kFutures ? last_ : last_ + 1;
  const DepthIds ids{first, last_ + changes, last_};
  last_ += changes;
  return ids;
}
}  // namespace keel::protocol::binance
