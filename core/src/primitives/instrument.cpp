#include "keel/core/primitives/instrument.hpp"

#include <stdexcept>

namespace keel {

int decimals_of(std::int64_t raw) noexcept {
  int decimals = kDecimals;
  while (decimals > 0 && raw % 10 == 0) {
    raw /= 10;
    --decimals;
  }
  return decimals;
}

InstrumentId InstrumentRegistry::add(const InstrumentSpec& spec) {
  if (spec.symbol.empty()) throw std::invalid_argument("instrument symbol is empty");
  if (!spec.tick_size.is_positive())
    throw std::invalid_argument("instrument " + spec.symbol + ": tick_size must be positive");
  if (!spec.lot_size.is_positive())
    throw std::invalid_argument("instrument " + spec.symbol + ": lot_size must be positive");
  if (spec.min_notional.raw() < 0)
    throw std::invalid_argument("instrument " + spec.symbol + ": min_notional must not be negative");
  if (auto it = by_symbol_.find(spec.symbol); it != by_symbol_.end()) {
    const Instrument& known = instruments_[it->second];
    if (known.tick_size != spec.tick_size || known.lot_size != spec.lot_size ||
        known.min_notional != spec.min_notional)
      throw std::invalid_argument("instrument " + spec.symbol + " registered twice with different specs");
    return it->second;
  }
  const auto id = static_cast<InstrumentId>(instruments_.size());
  if (id == kNoInstrument) throw std::length_error("instrument registry is full");
  instruments_.push_back(Instrument{id, spec.symbol, spec.tick_size, spec.lot_size, spec.min_notional,
                                    decimals_of(spec.tick_size.raw()), decimals_of(spec.lot_size.raw())});
  by_symbol_.emplace(spec.symbol, id);
  return id;
}

Result<InstrumentId> InstrumentRegistry::find(std::string_view symbol) const noexcept {
  const auto it = by_symbol_.find(symbol);
  if (it == by_symbol_.end()) return Errc::kUnknownSymbol;
  return it->second;
}

}  // namespace keel
