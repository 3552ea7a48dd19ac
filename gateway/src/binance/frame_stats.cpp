#include "keel/gateway/binance/frame_stats.hpp"

namespace keel::gateway::binance {

std::string_view frame_kind_name(bn::FrameKind kind) noexcept {
  switch (kind) {
    case bn::FrameKind::kTrade: return "trade";
    case bn::FrameKind::kAggTrade: return "aggTrade";
    case bn::FrameKind::kBookTicker: return "bookTicker";
    case bn::FrameKind::kDepthUpdate: return "depthUpdate";
    case bn::FrameKind::kPartialDepth: return "partialDepth";
    case bn::FrameKind::kKline: return "kline";
    case bn::FrameKind::kMarkPrice: return "markPrice";
    case bn::FrameKind::kNone: break;
  }
  return "unclassified";
}

std::uint64_t FrameStats::malformed_total() const noexcept {
  std::uint64_t n = 0;
  for (const KindCounts& k : kinds) n += k.malformed;
  return n;
}

bool LogOnce::first(bn::FrameKind kind, std::uint8_t code, std::string_view what, std::uint64_t frame_number,
                    std::string_view frame, std::string& line) {
  const auto k = static_cast<std::size_t>(kind);
  if (k >= seen_.size() || code >= seen_[k].size() || seen_[k][code]) return false;
  seen_[k][code] = true;
  line.clear();
  line += "binance feed: ";
  line += frame_kind_name(kind);
  line += ": ";
  line += what;
  line += " (frame ";
  line += std::to_string(frame_number);
  line += ", logged once): ";
  const bool cut = frame.size() > kMaxSample;
  for (char c : frame.substr(0, kMaxSample)) {
    const auto u = static_cast<unsigned char>(c);
    line += (u < 0x20 || u >= 0x7F) ? '?' : c;  // a sample is printable, whatever arrived
  }
  if (cut) line += "…";
  return true;
}

}  // namespace keel::gateway::binance
