// Instrument registry: symbol ↔ interned id, with tick size, lot size, minimum notional and the
// display precision of prices and quantities. Built at start-up (allocates); lookups by id are O(1)
// and allocation-free, lookups by symbol are O(log n) and allocation-free.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel {

// Interned instrument id: dense, 0-based, in registration order. kNoInstrument marks "none".
using InstrumentId = std::uint32_t;
inline constexpr InstrumentId kNoInstrument = 0xFFFF'FFFFu;

struct InstrumentSpec {
  std::string symbol;              // venue symbol, upper case ("BTCUSDT")
  Price tick_size = Price::from_raw(1);
  Qty lot_size = Qty::from_raw(1);
  Notional min_notional{};
};

struct Instrument {
  InstrumentId id = kNoInstrument;
  std::string symbol;
  Price tick_size;
  Qty lot_size;
  Notional min_notional;
  int price_decimals = kDecimals;  // decimals of tick_size: how prices are written for this symbol
  int qty_decimals = kDecimals;    // decimals of lot_size

  [[nodiscard]] bool price_on_tick(Price p) const noexcept { return p.raw() % tick_size.raw() == 0; }
  [[nodiscard]] bool qty_on_lot(Qty q) const noexcept { return q.raw() % lot_size.raw() == 0; }
};

class InstrumentRegistry {
 public:
  // Registers a symbol, or returns the existing id if the symbol is already known with the same
  // spec. Throws std::invalid_argument for an empty symbol, a non-positive tick/lot, or a second
  // registration with a different spec (start-up only).
  InstrumentId add(const InstrumentSpec& spec);

  [[nodiscard]] Result<InstrumentId> find(std::string_view symbol) const noexcept;
  // Requires id < size().
  [[nodiscard]] const Instrument& get(InstrumentId id) const noexcept { return instruments_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return instruments_.size(); }
  [[nodiscard]] const std::vector<Instrument>& all() const noexcept { return instruments_; }

 private:
  std::vector<Instrument> instruments_;
  std::map<std::string, InstrumentId, std::less<>> by_symbol_;
};

// Number of decimals needed to write `raw` exactly (1.0 → 0, 0.01 → 2, 0.00000001 → 8).
int decimals_of(std::int64_t raw) noexcept;

}  // namespace keel
