// How Binance writes one symbol's numbers (market, decimals) and the kline interval names: the
// vocabulary shared by the encoders (encode.hpp), the decoder (decode.hpp) and stream names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel::protocol::binance {

enum class Market : std::uint8_t { kNone = 0, kSpot = 1, kFutures = 2 };

// How one symbol is written on the wire. Spot writes every price and quantity with 8 decimals;
// futures uses the instrument's tick and lot precision and writes quote volumes with the price
// precision (as the captures do).
struct SymbolFormat {
  static constexpr std::size_t kMaxSymbol = 23;
  char symbol[kMaxSymbol + 1] = {};  // upper case, NUL-terminated ("BTCUSDT")
  std::uint8_t symbol_len = 0;
  std::int8_t price_decimals = kDecimals;
  std::int8_t qty_decimals = kDecimals;
  std::int8_t quote_decimals = kDecimals;  // kline "q" / "Q"

  [[nodiscard]] std::string_view name() const noexcept { return {symbol, symbol_len}; }
};

// The wire format of `symbol` with explicit decimals (each clamped to 0..8). kInvalidArgument for an
// empty symbol or one longer than kMaxSymbol. Never allocates.
[[nodiscard]] Result<SymbolFormat> make_symbol_format(std::string_view symbol, int price_decimals,
                                                      int qty_decimals, int quote_decimals) noexcept;
// The market's convention for an instrument (see SymbolFormat). Same errors as above.
[[nodiscard]] Result<SymbolFormat> symbol_format_for(const Instrument& instrument, Market market) noexcept;

struct Level {
  Price price;
  Qty qty;  // absolute; zero removes the level
};

enum class KlineInterval : std::uint8_t {
  kNone = 0, k1s = 1, k1m = 2, k3m = 3, k5m = 4, k15m = 5, k30m = 6, k1h = 7, k2h = 8, k4h = 9,
  k6h = 10, k8h = 11, k12h = 12, k1d = 13, k3d = 14, k1w = 15, k1M = 16,
};
// "1m", "1h", … ; empty for kNone.
[[nodiscard]] std::string_view to_string(KlineInterval interval) noexcept;
// kGarbage for anything that is not one of the names above (case-sensitive: "1M" is a month).
[[nodiscard]] Result<KlineInterval> parse_kline_interval(std::string_view text) noexcept;

}  // namespace keel::protocol::binance
