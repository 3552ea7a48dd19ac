// Book synchronisation on the client side: Binance's published procedure (snapshot, then diffs
// linked by U/u, or by pu in futures).
#pragma once

#include <cstdint>
#include <map>
#include <span>

#include "keel/protocol/binance/messages.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

// Rebuilds a book from a snapshot and the diffs received (buffered ones first, in order). For tests
// and tools: it allocates (std::map).
class DepthSync {
 public:
  enum class Outcome : std::uint8_t {
    kNone = 0,
    kApplied = 1,      // the diff was applied
    kDropped = 2,      // older than the snapshot, ignored
    kGap = 3,          // the diff does not link to the previous one: resync needed (state reset)
    kNoSnapshot = 4,   // no snapshot loaded yet: buffer the diff and fetch a snapshot
  };
  explicit DepthSync(Market market) noexcept : market_(market) {}

  void load_snapshot(std::uint64_t last_update_id, std::span<const Level> bids, std::span<const Level> asks);
  Outcome apply(const DepthMsg& diff);

  [[nodiscard]] bool synced() const noexcept { return has_snapshot_; }
  // price raw → qty raw
  [[nodiscard]] const std::map<std::int64_t, std::int64_t>& bids() const noexcept { return bids_; }
  [[nodiscard]] const std::map<std::int64_t, std::int64_t>& asks() const noexcept { return asks_; }

 private:
  void apply_levels(const DepthMsg& diff);
  Market market_;
  bool has_snapshot_ = false;
  bool applied_any_ = false;
  std::uint64_t snapshot_id_ = 0;
  std::uint64_t last_final_ = 0;
  std::map<std::int64_t, std::int64_t> bids_;
  std::map<std::int64_t, std::int64_t> asks_;
};
}  // namespace keel::protocol::binance
