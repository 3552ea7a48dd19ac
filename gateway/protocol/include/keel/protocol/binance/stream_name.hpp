// Binance stream names (`btcusdt@depth@100ms`): parsing and the canonical spelling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/core/primitives/result.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

enum class StreamKind : std::uint8_t {
  kNone = 0, kTrade = 1, kAggTrade = 2, kBookTicker = 3, kDepthDiff = 4, kPartialDepth = 5, kKline = 6,
  kMarkPrice = 7,  // futures only: @markPrice (every 3 s) and @markPrice@1s
};

struct StreamName {
  static constexpr std::size_t kMaxSymbol = SymbolFormat::kMaxSymbol;
  char symbol[kMaxSymbol + 1] = {};  // lower case as in the name, NUL-terminated
  std::uint8_t symbol_len = 0;
  StreamKind kind = StreamKind::kNone;
  std::uint8_t depth_levels = 0;  // 5, 10 or 20 for kPartialDepth
  KlineInterval interval = KlineInterval::kNone;
  std::uint8_t period_s = 0;  // kMarkPrice: 3 (`@markPrice`) or 1 (`@markPrice@1s`)

  [[nodiscard]] std::string_view symbol_view() const noexcept { return {symbol, symbol_len}; }
  friend bool operator==(const StreamName& a, const StreamName& b) noexcept;
};

// Parses `<symbol>@trade|aggTrade|bookTicker|depth@100ms|depth<5|10|20>@100ms|kline_<interval>|
// markPrice|markPrice@1s`, symbol = 1..23 of [a-z0-9]. kGarbage for anything else. Never allocates.
// The grammar is the union of both markets': whether a market serves a name is stream_served().
[[nodiscard]] Result<StreamName> parse_stream_name(std::string_view text) noexcept;
// Whether `market` publishes the stream: every kind in both markets except kMarkPrice, futures only
// (Binance spot has no mark price). A server refuses an unserved name like an unknown one.
[[nodiscard]] bool stream_served(Market market, const StreamName& name) noexcept;
// Appends the canonical name (parse_stream_name(name) round-trips).
void append_stream_name(std::string& out, const StreamName& name);
}  // namespace keel::protocol::binance
