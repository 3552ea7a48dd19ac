// Fuzzes the Binance exchangeInfo decoder (keel/protocol/binance/exchange_info.hpp) on arbitrary
// bytes. Invariants:
//  * decode() returns a fault or a result; it never crashes, traps or reads past the input;
//  * a fault has an error and an in-range symbol index; a result's rules are consistent (names
//    1..23 bytes, stepSize > 0, minQty <= maxQty, precisions -1..8);
//  * a decoded result re-encodes, in both markets, to a body that decodes to the same rules (the
//    encoder escapes names; the encoder and decoder agree on everything keel keeps).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/protocol/binance/exchange_info.hpp"

namespace kb = keel::protocol::binance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static kb::ExchangeInfoDecoder decoder(1 << 16, 64);
  static kb::ExchangeInfoDecoder checker(1 << 20, 64);
  static std::vector<kb::SymbolRules> copy;
  static std::string wire;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kb::ExchangeInfo info;
  const kb::ExchangeInfoFault fault = decoder.decode(text, info);
  if (!fault.ok()) {
    KEEL_FUZZ_CHECK(fault.symbol_index >= -1 && fault.symbol_index <= 64);
    KEEL_FUZZ_CHECK(fault.symbol.length <= kb::Symbol::kCapacity);
    return 0;
  }
  KEEL_FUZZ_CHECK(info.symbols.size() <= 64);
  for (const kb::SymbolRules& s : info.symbols) {
    KEEL_FUZZ_CHECK(s.symbol.length >= 1 && s.symbol.length <= kb::Symbol::kCapacity);
    KEEL_FUZZ_CHECK(s.base_asset.length >= 1 && s.quote_asset.length >= 1);
    KEEL_FUZZ_CHECK(s.step_size.is_positive());
    KEEL_FUZZ_CHECK(s.min_qty <= s.max_qty);
    KEEL_FUZZ_CHECK(s.max_price.is_zero() || s.min_price <= s.max_price);
    KEEL_FUZZ_CHECK(s.price_precision >= -1 && s.price_precision <= 8);
    KEEL_FUZZ_CHECK(s.quantity_precision >= -1 && s.quantity_precision <= 8);
    KEEL_FUZZ_CHECK(s.status != kb::SymbolStatus::kNone);
  }
  copy.assign(info.symbols.begin(), info.symbols.end());
  for (const kb::Market market : {kb::Market::kSpot, kb::Market::kFutures}) {
    kb::ExchangeInfo in = info;
    in.symbols = copy;
    wire.clear();
    kb::encode_exchange_info(wire, market, in);
    kb::ExchangeInfo out;
    const kb::ExchangeInfoFault again = checker.decode(wire, out);
    KEEL_FUZZ_CHECK(again.ok());
    KEEL_FUZZ_CHECK(out.server_time_ms == info.server_time_ms);
    if (info.request_weight_per_minute != 0)
      KEEL_FUZZ_CHECK(out.request_weight_per_minute == info.request_weight_per_minute);
    KEEL_FUZZ_CHECK(out.symbols.size() == copy.size());
    for (std::size_t i = 0; i < copy.size(); ++i) {
      kb::SymbolRules want = copy[i];
      // Spot has no precisions on the wire; futures writes them (the decimals of tick / step when
      // the input had none).
      if (market == kb::Market::kSpot) {
        want.price_precision = -1;
        want.quantity_precision = -1;
      } else {
        if (want.price_precision < 0)
          want.price_precision = static_cast<std::int8_t>(keel::decimals_of(want.tick_size.raw()));
        if (want.quantity_precision < 0)
          want.quantity_precision =
              static_cast<std::int8_t>(keel::decimals_of(want.step_size.raw()));
      }
      KEEL_FUZZ_CHECK(out.symbols[i] == want);
    }
  }
  return 0;
}
