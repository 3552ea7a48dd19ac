// Binance's REST exchangeInfo response (spot GET /api/v3/exchangeInfo, USD-M futures
// GET /fapi/v1/exchangeInfo): the trading rules of each symbol, as keel needs them.
//
// The wire shape (both markets):
//   {"timezone":"UTC","serverTime":<ms>,"rateLimits":[{"rateLimitType":…,"interval":…,
//    "intervalNum":…,"limit":…},…],"symbols":[{"symbol":…,"status":…,"baseAsset":…,
//    "quoteAsset":…,"filters":[{"filterType":"PRICE_FILTER","minPrice":…,"maxPrice":…,
//    "tickSize":…},{"filterType":"LOT_SIZE","minQty":…,"maxQty":…,"stepSize":…},…],…},…]}
// Futures symbols also carry "pricePrecision", "quantityPrecision" and "contractType"; every
// decimal is a quoted string (spot writes 8 decimals, futures the shortest form).
//
// What keel keeps per symbol (SymbolRules): status, tick size and price range (PRICE_FILTER), lot
// step and quantity range (LOT_SIZE), the minimum notional (spot NOTIONAL / MIN_NOTIONAL, futures
// MIN_NOTIONAL) and, in futures, the two precisions. Every other field and filter is skipped.
//
// Zero means "no rule", as Binance documents for PRICE_FILTER (a zero minPrice, maxPrice or
// tickSize disables that check). docs/decisions-exchange-info.md records the choices made here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/protocol/binance/decode.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

// A symbol's trading status. Spot: PRE_TRADING, TRADING, POST_TRADING, END_OF_DAY, HALT,
// AUCTION_MATCH, BREAK; futures: PENDING_TRADING, TRADING, PRE_DELIVERING, DELIVERING, DELIVERED,
// PRE_SETTLE, SETTLING, CLOSE. A status keel does not know decodes as kOther (Binance adds
// statuses; only kTrading means "orders accepted").
enum class SymbolStatus : std::uint8_t {
  kNone = 0,
  kTrading = 1,
  kPreTrading = 2,
  kPostTrading = 3,
  kEndOfDay = 4,
  kHalt = 5,
  kAuctionMatch = 6,
  kBreak = 7,
  kPendingTrading = 8,
  kPreDelivering = 9,
  kDelivering = 10,
  kDelivered = 11,
  kPreSettle = 12,
  kSettling = 13,
  kClose = 14,
  kOther = 15,
};
// The wire name ("TRADING", …); "OTHER" for kOther, empty for kNone.
[[nodiscard]] std::string_view to_string(SymbolStatus status) noexcept;
// kOther for any name not listed above (never an error).
[[nodiscard]] SymbolStatus parse_symbol_status(std::string_view text) noexcept;

// An asset name ("BTC", "USDT") as an inline string.
using AssetName = Symbol;

// One symbol's rules. Trivially copyable, no pointers.
struct SymbolRules {
  Symbol symbol;
  AssetName base_asset;
  AssetName quote_asset;
  SymbolStatus status = SymbolStatus::kNone;
  Price tick_size;        // PRICE_FILTER.tickSize (zero: no tick rule)
  Price min_price;        // PRICE_FILTER.minPrice (zero: no minimum)
  Price max_price;        // PRICE_FILTER.maxPrice (zero: no maximum)
  Qty step_size;          // LOT_SIZE.stepSize (> 0)
  Qty min_qty;            // LOT_SIZE.minQty
  Qty max_qty;            // LOT_SIZE.maxQty (>= min_qty)
  Notional min_notional;  // NOTIONAL.minNotional / MIN_NOTIONAL (zero when the symbol has neither)
  // Futures only ("pricePrecision", "quantityPrecision"; Binance: "do not use as tickSize"); -1 in
  // spot. The encoder writes the decimals of tick_size / step_size when these are -1.
  std::int8_t price_precision = -1;
  std::int8_t quantity_precision = -1;
};
// Every field equal (names by their text).
[[nodiscard]] bool operator==(const SymbolRules& a, const SymbolRules& b) noexcept;
static_assert(std::is_trivially_copyable_v<SymbolRules>);

// The encoder's input and the decoder's result.
struct ExchangeInfo {
  std::int64_t server_time_ms = 0;
  // rateLimits' REQUEST_WEIGHT per one MINUTE (0 when the response lists none).
  std::uint32_t request_weight_per_minute = 0;
  std::span<const SymbolRules>
      symbols;  // decoded: into the decoder's storage, valid until its next decode()
};

// Appends the exchangeInfo response for `market` (kSpot or kFutures) to `out`: "timezone":"UTC",
// the market's rate limits (REQUEST_WEIGHT = weight_budget_per_minute(market), see rest_weight.hpp,
// unless info.request_weight_per_minute is non-zero) and one entry per symbol with PRICE_FILTER,
// LOT_SIZE and the minimum-notional filter (spot "NOTIONAL", futures "MIN_NOTIONAL"). Futures adds
// "pair", "contractType":"PERPETUAL", "marginAsset" and the precisions. Symbols and asset names are
// JSON-escaped; non-empty valid UTF-8 names decode back exactly (encode → decode gives `info`'s
// symbols). Never throws except std::bad_alloc while `out` grows.
void encode_exchange_info(std::string& out, Market market, const ExchangeInfo& info);

enum class ExchangeInfoError : std::uint8_t {
  kNone = 0,
  kTooLarge = 1,      // the body is longer than the decoder's max_bytes
  kJson = 2,          // not valid JSON (truncated, bad syntax, nesting deeper than 64)
  kNotObject = 3,     // the body, a symbol, a filter or a rate limit is not an object
  kMissingField = 4,  // a required field is absent (`field` names it)
  kWrongType = 5,  // a field has the wrong JSON type (e.g. a number where Binance writes a string)
  kBadDecimal =
      6,  // a decimal string parse_decimal refuses (sign, NaN, exponent, > 8 decimals, too big)
  kBadName = 7,         // a symbol or asset name that is empty or longer than Symbol holds
  kTooManySymbols = 8,  // more symbols than the decoder's max_symbols
  kMissingFilter = 9,   // a symbol without PRICE_FILTER or LOT_SIZE (`field` names the filter)
  kBadFilter = 10,   // inconsistent values: stepSize zero, min above max (`field` names the value)
  kOutOfRange = 11,  // an integer outside its domain (a precision outside 0..8, a negative limit)
};
[[nodiscard]] std::string_view to_string(ExchangeInfoError e) noexcept;

// What went wrong and where: the symbol being decoded (empty at the top level or before its
// "symbol" field was read), its index in "symbols" (-1 at the top level) and the JSON field
// ("tickSize", "status", "PRICE_FILTER", …; a static string, empty when no single field is to
// blame).
struct ExchangeInfoFault {
  ExchangeInfoError error = ExchangeInfoError::kNone;
  Symbol symbol;
  std::int32_t symbol_index = -1;
  std::string_view field;

  [[nodiscard]] bool ok() const noexcept { return error == ExchangeInfoError::kNone; }
};
static_assert(std::is_trivially_copyable_v<ExchangeInfoFault>);

class ExchangeInfoDecoder {
 public:
  // The real spot response lists about 3,000 symbols in about 10 MB.
  static constexpr std::size_t kDefaultMaxBytes = 32u << 20;
  static constexpr std::size_t kDefaultMaxSymbols = 8192;

  // Allocates every buffer decode() uses. Throws std::bad_alloc.
  explicit ExchangeInfoDecoder(std::size_t max_bytes = kDefaultMaxBytes,
                               std::size_t max_symbols = kDefaultMaxSymbols);
  ~ExchangeInfoDecoder();
  ExchangeInfoDecoder(const ExchangeInfoDecoder&) = delete;
  ExchangeInfoDecoder& operator=(const ExchangeInfoDecoder&) = delete;

  // Decodes one response body into `out` (its symbols point into this decoder's storage until the
  // next decode()). Both markets' shapes are accepted. On error `out` is unspecified and the fault
  // says why. Never throws, never allocates, never reads past `body`.
  [[nodiscard]] ExchangeInfoFault decode(std::string_view body, ExchangeInfo& out) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::protocol::binance
