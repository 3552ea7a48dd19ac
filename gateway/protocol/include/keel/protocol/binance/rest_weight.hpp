// Binance's REST request weights for the endpoints keel calls, and the per-minute weight budget
// of one IP. A client charges rest_weight() before each request and waits when the minute's
// budget would be exceeded (the venue answers 429, then bans the IP with 418).
//
// Sources (checked December 2026):
//  * spot depth: "Weight: Adjusted based on the limit: 1–100 → 5, 101–500 → 25, 501–1000 → 50,
//    1001–5000 → 250" — developers.binance.com/docs/binance-spot-api-docs (market data requests;
//    the REST GET /api/v3/depth page lists the same table). Default limit 100, maximum 5000.
//  * spot exchangeInfo: weight 20 — the same docs, GET /api/v3/exchangeInfo.
//  * futures depth: "5, 10, 20, 50 → 2; 100 → 5; 500 → 10; 1000 → 20", default limit 500 —
//    developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book.
//  * futures exchangeInfo: weight 1 —
//  …/usds-margined-futures/market-data/rest-api/Exchange-Information.
//  * budgets: REQUEST_WEIGHT per MINUTE 6000 (spot) and 2400 (futures), as each market's
//    exchangeInfo "rateLimits" lists it (the response is the authority at run time).
#pragma once

#include <cstdint>

#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

enum class RestEndpoint : std::uint8_t { kNone = 0, kDepth = 1, kExchangeInfo = 2 };

inline constexpr std::uint32_t kSpotWeightPerMinute = 6000;
inline constexpr std::uint32_t kFuturesWeightPerMinute = 2400;

// The REQUEST_WEIGHT budget per minute of `market`; 0 for kNone.
[[nodiscard]] constexpr std::uint32_t weight_budget_per_minute(Market market) noexcept {
  switch (market) {
    case Market::kSpot:
      return kSpotWeightPerMinute;
    case Market::kFutures:
      return kFuturesWeightPerMinute;
    case Market::kNone:
      break;
  }
  return 0;
}

// The weight of one request. `limit` is the depth limit as sent; 0 means "not sent" (the market's
// default: spot 100, futures 500). Spot treats limits above 5000 as 5000. Futures accepts only
// 5, 10, 20, 50, 100, 500 and 1000; any other limit is charged as the next valid one above it
// (1000 beyond), so that a budget never under-counts. `limit` is ignored for exchangeInfo.
// Returns 0 for kNone market or endpoint.
[[nodiscard]] constexpr std::uint32_t rest_weight(Market market, RestEndpoint endpoint,
                                                  std::uint32_t limit) noexcept {
  if (market == Market::kNone) return 0;
  const bool spot = market == Market::kSpot;
  switch (endpoint) {
    case RestEndpoint::kExchangeInfo:
      return spot ? 20 : 1;
    case RestEndpoint::kDepth:
      if (spot) {
        if (limit == 0 || limit <= 100) return 5;
        if (limit <= 500) return 25;
        if (limit <= 1000) return 50;
        return 250;
      }
      if (limit == 0) return 10;  // default 500
      if (limit <= 50) return 2;
      if (limit <= 100) return 5;
      if (limit <= 500) return 10;
      return 20;
    case RestEndpoint::kNone:
      break;
  }
  return 0;
}

}  // namespace keel::protocol::binance
