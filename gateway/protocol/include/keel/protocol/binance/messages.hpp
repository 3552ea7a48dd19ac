// Binance market-data stream payloads (the "data" object) as keel values: what the encoders write
// (encode.hpp). Times are Unix milliseconds. Trivially copyable except for DepthMsg and
// DepthSnapshot, whose levels are spans into the caller's storage.
#pragma once

#include <cstdint>
#include <span>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

struct TradeMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  std::uint64_t trade_id = 0;
  Price price;
  Qty qty;
  bool buyer_is_maker = false;
};

struct AggTradeMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  std::uint64_t agg_id = 0;
  std::uint64_t first_trade_id = 0;
  std::uint64_t last_trade_id = 0;
  Price price;
  Qty qty;
  bool buyer_is_maker = false;
};

struct BookTickerMsg {
  std::int64_t event_time_ms = 0;        // futures only
  std::int64_t transaction_time_ms = 0;  // futures only
  std::uint64_t update_id = 0;
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// A depth diff (depth@100ms) or, in futures, a partial-book event (depth<N>@100ms).
struct DepthMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;  // futures only
  std::uint64_t first_update_id = 0;     // U
  std::uint64_t final_update_id = 0;     // u
  std::uint64_t prev_final_update_id = 0;  // pu, futures only
  std::span<const Level> bids;  // best first
  std::span<const Level> asks;  // best first
};

struct KlineMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t open_time_ms = 0;
  std::int64_t close_time_ms = 0;
  KlineInterval interval = KlineInterval::kNone;
  std::int64_t first_trade_id = -1;  // -1 when the kline has no trade yet (as Binance writes it)
  std::int64_t last_trade_id = -1;
  Price open, close, high, low;
  Qty volume;
  std::int64_t trade_count = 0;
  bool closed = false;
  Notional quote_volume;
  Qty taker_buy_volume;
  Notional taker_buy_quote_volume;
};

// A funding rate as the venue writes it ("r"), exactly: signed, in units of 10^-8 (fixed_point's
// scale, parsed with parse_signed_decimal, never through double): "0.00010000" → 10'000,
// "-0.00002500" → -2'500. Binance writes 8 decimals; a rate with a non-zero 9th decimal is refused.
// A rate is a ratio, not money: it stays an integer on the wire side and becomes a double only where
// the core's strategy mathematics takes it (ExternalFactor::value = e8 / 10^8).
struct FundingRate {
  std::int64_t e8 = 0;
  [[nodiscard]] double as_double() const noexcept { return static_cast<double>(e8) / 1e8; }
  friend bool operator==(FundingRate, FundingRate) noexcept = default;
};

// USD-M futures `<symbol>@markPrice` / `@markPrice@1s`: {"e":"markPriceUpdate","E","s","p","i","P",
// "r","T"}. Delivery contracts write "r":"" and "T":0 (no funding): has_funding_rate false.
struct MarkPriceMsg {
  std::int64_t event_time_ms = 0;         // E
  Price mark_price;                       // p
  Price index_price;                      // i
  Price estimated_settle_price;           // P
  FundingRate funding_rate;               // r
  bool has_funding_rate = false;          // false: "r" was "" (written as "" too)
  std::int64_t next_funding_time_ms = 0;  // T
};

// Each encoder appends one payload object to `out` (it does not clear it). Never throws except
// REST depth snapshot; futures adds "E" (event_time_ms) and "T" (transaction_time_ms).
struct DepthSnapshot {
  std::uint64_t last_update_id = 0;
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;
  std::span<const Level> bids;
  std::span<const Level> asks;
};
}  // namespace keel::protocol::binance
