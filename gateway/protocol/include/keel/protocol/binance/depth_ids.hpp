// Depth-diff update ids on the venue side (U, u, pu): what a publisher assigns so that a client
// following Binance's synchronisation procedure (keel::book::BookSync, core/book/book_sync.hpp) can
// rebuild the book.
#pragma once

#include <cstdint>

#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

struct DepthIds {
  std::uint64_t first = 0;     // U
  std::uint64_t final = 0;     // u
  std::uint64_t previous = 0;  // pu: the u of the previous diff (first_id - 1 before any)
};

// Assigns update ids to one symbol's depth diffs. Every book change (one level's quantity set)
// consumes one id; a diff carrying n changes gets u = last + n and pu = last (the previous diff's u).
// A REST snapshot taken between two diffs reports lastUpdateId = last_update_id(), the u of the diff
// published last. Then:
//  * spot: U = last + 1 = previous u + 1. The client drops every diff up to the snapshot and the next
//    diff has U = lastUpdateId + 1 <= u.
//  * futures: U = last = previous u (the diff's own changes are U+1..u). The client drops diffs with
//    u < lastUpdateId; the first applied one is either the diff published last before the snapshot
//    (u = lastUpdateId, re-applied harmlessly because quantities are absolute) or, when the client
//    did not receive that one (it subscribed after it, e.g. on a quiet venue), the next diff, whose
//    U = lastUpdateId. With U = previous u + 1 that client could never synchronise.
class DepthStreamState {
 public:
  // `last_update_id` is the id before the first diff (the first diff's u is last_update_id + n).
  explicit DepthStreamState(Market market, std::uint64_t last_update_id = 0) noexcept
      : market_(market), last_(last_update_id) {}

  // Ids for a diff carrying `changes` book changes. Requires changes >= 1 (a diff without changes
  // is not published).
  [[nodiscard]] DepthIds next_diff(std::uint32_t changes) noexcept;
  // The snapshot's lastUpdateId: the u of the diff published last.
  [[nodiscard]] std::uint64_t last_update_id() const noexcept { return last_; }

 private:
  Market market_;
  std::uint64_t last_;
};
}  // namespace keel::protocol::binance
