// What the Binance adapter saw, per frame kind: decoded, malformed (by decoder error), unknown
// symbols and duplicates (overlapping connections), and the first sample of each kind of trouble,
// kept for one log line — so a venue that starts sending something new is logged once, not per
// frame, and never silently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/protocol/binance/decode.hpp"

namespace keel::gateway::binance {

namespace bn = keel::protocol::binance;

inline constexpr std::size_t kFrameKindCount = 8;    // FrameKind 0..7 (0 = not classified)
inline constexpr std::size_t kDecodeErrorCount = 11;  // DecodeError 0..10

// Short name of a frame kind as the summary writes it ("trade", "depthUpdate", …; "unclassified").
[[nodiscard]] std::string_view frame_kind_name(bn::FrameKind kind) noexcept;

struct KindCounts {
  std::uint64_t decoded = 0;         // decoded and handled
  std::uint64_t malformed = 0;       // refused by the decoder
  std::uint64_t unknown_symbol = 0;  // a symbol this feed does not carry
  std::uint64_t duplicates = 0;      // already delivered (an id not after the last one)
  std::uint64_t not_wanted = 0;      // a kind this feed does not use (counted, not decoded)
};

struct FrameStats {
  std::array<KindCounts, kFrameKindCount> kinds{};
  std::array<std::uint64_t, kDecodeErrorCount> errors{};  // malformed frames by DecodeError
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unknown_kinds = 0;  // event types keel does not decode (DecodeError::kUnknownKind)
  std::uint64_t events = 0;         // core events produced
  std::uint64_t events_dropped = 0; // events the ring had no room for (each makes its book stale)
  std::uint64_t kline_updates = 0;  // klines not yet closed (decoded; no bar event)

  [[nodiscard]] std::uint64_t malformed_total() const noexcept;
};

// Keeps the first sample of each (kind, error) and hands it to a sink once. The sample is cut to
// kMaxSample bytes; the caller's sink decides where the line goes (stderr, a log).
class LogOnce {
 public:
  static constexpr std::size_t kMaxSample = 160;
  // True the first time (kind, code) is seen; `line` is then filled with a message naming what and
  // where (the frame number) and a cut sample of the frame. Allocates only on that first time.
  bool first(bn::FrameKind kind, std::uint8_t code, std::string_view what, std::uint64_t frame_number,
             std::string_view frame, std::string& line);

 private:
  std::array<std::array<bool, 32>, kFrameKindCount> seen_{};
};

}  // namespace keel::gateway::binance
