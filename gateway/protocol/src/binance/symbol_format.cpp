#include "keel/protocol/binance/symbol_format.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace keel::protocol::binance {
namespace {

int clamp_decimals(int d) noexcept { return std::clamp(d, 0, kDecimals); }

struct IntervalName {
  KlineInterval interval;
  std::string_view name;
};
constexpr std::array<IntervalName, 16> kIntervals{{
    {KlineInterval::k1s, "1s"},   {KlineInterval::k1m, "1m"},   {KlineInterval::k3m, "3m"},
    {KlineInterval::k5m, "5m"},   {KlineInterval::k15m, "15m"}, {KlineInterval::k30m, "30m"},
    {KlineInterval::k1h, "1h"},   {KlineInterval::k2h, "2h"},   {KlineInterval::k4h, "4h"},
    {KlineInterval::k6h, "6h"},   {KlineInterval::k8h, "8h"},   {KlineInterval::k12h, "12h"},
    {KlineInterval::k1d, "1d"},   {KlineInterval::k3d, "3d"},   {KlineInterval::k1w, "1w"},
    {KlineInterval::k1M, "1M"},
}};

}  // namespace

// ---- Symbol formats ----

Result<SymbolFormat> make_symbol_format(std::string_view symbol, int price_decimals, int qty_decimals,
                                        int quote_decimals) noexcept {
  if (symbol.empty() || symbol.size() > SymbolFormat::kMaxSymbol) return Errc::kInvalidArgument;
  SymbolFormat fmt;
  std::memcpy(fmt.symbol, symbol.data(), symbol.size());
  fmt.symbol_len = static_cast<std::uint8_t>(symbol.size());
  fmt.price_decimals = static_cast<std::int8_t>(clamp_decimals(price_decimals));
  fmt.qty_decimals = static_cast<std::int8_t>(clamp_decimals(qty_decimals));
  fmt.quote_decimals = static_cast<std::int8_t>(clamp_decimals(quote_decimals));
  return fmt;
}

Result<SymbolFormat> symbol_format_for(const Instrument& instrument, Market market) noexcept {
  if (market == Market::kFutures) {
    return make_symbol_format(instrument.symbol, instrument.price_decimals, instrument.qty_decimals,
                              instrument.price_decimals);
  }
  return make_symbol_format(instrument.symbol, kDecimals, kDecimals, kDecimals);
}

// ---- Kline intervals ----

std::string_view to_string(KlineInterval interval) noexcept {
  for (const IntervalName& entry : kIntervals) {
    if (entry.interval == interval) return entry.name;
  }
  return {};
}

Result<KlineInterval> parse_kline_interval(std::string_view text) noexcept {
  for (const IntervalName& entry : kIntervals) {
    if (entry.name == text) return entry.interval;
  }
  return Errc::kGarbage;
}
}  // namespace keel::protocol::binance
