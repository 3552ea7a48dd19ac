// Positions, cash, fees and PnL from fills, in fixed point, marked at event prices.
//
// Model: every instrument is quoted in one quote asset (the run's cash, e.g. USDT); a position is a
// signed base quantity (negative = short, as on a margin or futures account). Per instrument the
// portfolio keeps the position, its cost (Σ signed price·qty of the open part, so the average entry
// price is cost / position), realised PnL, fees and the last mark. A fill:
//   cash     −= side · price·qty + fee
//   position += side · qty
//   the part that reduces the position realises (price − average entry) · reduced qty · sign; the
//   cost removed is cost · reduced / |position| (fixed_point scale(): the one rounding rule);
//   a fill that crosses zero closes the old position and opens the new one with the remainder.
// Equity = cash + Σ position · mark; unrealised = Σ (position · mark − cost).
// Every product is multiply() (exact, rounded half-to-even once) and every sum checked: a fill whose
// arithmetic would overflow is refused (apply_fill returns false and counts it), never wrapped.
// Allocates per instrument at construction only.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/fixed_point.hpp"

namespace keel {

struct Position {
  Qty qty;             // signed base quantity
  Notional cost;       // signed cost of the open quantity
  Notional realized;   // realised PnL (before fees)
  Notional fees;       // fees paid (negative: rebates received)
  Price mark;          // last mark (0 until the first price)
  std::uint64_t fills = 0;
};

class Portfolio {
 public:
  Portfolio(std::size_t instrument_count, Notional initial_cash);

  // A fill of `qty` (> 0) at `price` (> 0) on `side`, with its fee. False (nothing changed, counted)
  // when the instrument is unknown, a value is not positive or the arithmetic would overflow.
  bool apply_fill(InstrumentId instrument, Side side, Price price, Qty qty, Notional fee) noexcept;
  // Sets the mark of an instrument (ignored for unknown instruments and prices ≤ 0).
  void mark(InstrumentId instrument, Price price) noexcept;

  [[nodiscard]] const Position& position(InstrumentId instrument) const noexcept { return positions_[instrument]; }
  [[nodiscard]] std::size_t instrument_count() const noexcept { return positions_.size(); }
  [[nodiscard]] Notional cash() const noexcept { return cash_; }
  [[nodiscard]] Notional initial_cash() const noexcept { return initial_cash_; }
  [[nodiscard]] Notional realized() const noexcept;
  [[nodiscard]] Notional fees() const noexcept;
  // Unrealised PnL and equity at the current marks (positions without a mark count at cost).
  [[nodiscard]] Notional unrealized() const noexcept;
  [[nodiscard]] Notional equity() const noexcept;
  // Σ |position| · mark (quote).
  [[nodiscard]] double gross_exposure() const noexcept;
  [[nodiscard]] std::uint64_t refused_fills() const noexcept { return refused_; }

 private:
  [[nodiscard]] Notional market_value(const Position& p) const noexcept;
  std::vector<Position> positions_;
  Notional cash_;
  Notional initial_cash_;
  std::uint64_t refused_ = 0;
};

}  // namespace keel
