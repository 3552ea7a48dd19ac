// Money and quantities: fixed-point strong types. This header is the one place the precision
// policy is written down.
//
//  * Price and Qty are int64 mantissas at the fixed scale 10^-8 (kDecimals = 8, the finest precision
//    Binance publishes). An instrument's tick and lot sizes (instrument.hpp) decide which of those
//    values are valid for it; they do not change the representation, so values of different
//    instruments compare and add without conversions.
//  * Notional (quote currency) is also scaled 10^-8. Price * Qty is computed exactly in 128 bits and
//    rounded to the notional scale half-to-even: the one rounding rule in keel's money arithmetic.
//  * Wire decimals are parsed straight into the mantissa (never through double). A decimal with more
//    than 8 significant decimals, a sign, an exponent, NaN/Inf or anything else is an error.
//  * There are no implicit conversions; to_double() exists for strategy mathematics only.
//
// The checked-arithmetic rule for money (one rule, written here; the simulator applies it):
//  * Every product price·qty is computed with multiply() (or a path proven to give the same value
//    or the same kOverflow); a bare operator* is for values already known to fit.
//  * Every running sum of money (a level's total, an order's CumQty and Σ notional, a taker's
//    Σ notional, balances, kline and aggTrade volumes) is summed with try_add(), checked_add() or,
//    for statistics only, saturating_add() — never with a bare += on values a client controls.
//  * What can be refused is refused before it is accepted, with RejectReason::kWouldOverflow:
//    an order whose notional price·qty exceeds kMaxOrderNotional (half the int64 range) and an
//    order that would make its price level's total overflow. Half the range is the margin that
//    makes later sums of an accepted order safe: a fill's notional, rounded half-to-even, is at most
//    twice its exact value, so all fills of an order at its own price (or better, for a buy) sum to
//    less than 2 · kMaxOrderNotional < 2^63.
//  * What depends on the book rather than on the order (a market or sell order sweeping many
//    resting orders) is checked fill by fill with try_add(): a fill that would overflow an order's
//    Σ notional is not made, and the order's remainder is cancelled with the reason "would overflow".
//  * Statistics that sum over many orders (kline volumes, balances of a long replay) cannot be
//    refused per order: they saturate at ±(2^63 − 1) instead of wrapping, and say so in their docs.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "keel/core/primitives/result.hpp"

namespace keel {

inline constexpr int kDecimals = 8;
inline constexpr std::int64_t kScale = 100'000'000;  // 10^kDecimals

// A parsed wire decimal: the mantissa at scale 10^-8 and the number of decimals as written
// ("0.010" → raw 1'000'000, decimals 3), so a value with at most 8 decimals can be formatted back
// exactly as it came (zeros written past the 8th decimal are not reproduced).
struct ParsedDecimal {
  std::int64_t raw = 0;
  int decimals = 0;
};

// Parses an unsigned plain decimal ("123", "0.00000001", "123456789.12345678", ".5" and "5." are
// rejected). Trailing zeros beyond 8 decimals are accepted; non-zero digits beyond are
// kTooManyDecimals. Never allocates, never throws.
[[nodiscard]] Result<ParsedDecimal> parse_decimal(std::string_view text) noexcept;

// Like parse_decimal but also accepts a leading '-' (for signed quantities such as PnL).
[[nodiscard]] Result<ParsedDecimal> parse_signed_decimal(std::string_view text) noexcept;

// Parses a JSON number (optional '-', digits, optional fraction, optional exponent such as 1e-05)
// exactly into the 10^-8 scale; kTooManyDecimals when the value is not a multiple of 10^-8.
[[nodiscard]] Result<std::int64_t> parse_json_number_fixed(std::string_view text) noexcept;

// Writes raw/10^8 with exactly `decimals` decimals (0..8) into buf, rounding is never needed when
// decimals came from parse_decimal; with fewer decimals the value is truncated toward zero.
// Returns the number of characters written (at most 32). buf must hold 32 characters.
std::size_t format_fixed(std::int64_t raw, int decimals, char* buf) noexcept;
// Shortest exact form: trailing zeros removed ("1.5", "100", "0.00000001").
std::string format_fixed_shortest(std::int64_t raw);

namespace detail {
template <class Tag>
class Fixed {
 public:
  constexpr Fixed() noexcept = default;
  [[nodiscard]] static constexpr Fixed from_raw(std::int64_t raw) noexcept { return Fixed(raw); }
  // Whole units; the caller guarantees |units| < 9.2e10.
  [[nodiscard]] static constexpr Fixed from_units(std::int64_t units) noexcept {
    return Fixed(units * kScale);
  }
  [[nodiscard]] static Result<Fixed> parse(std::string_view text) noexcept {
    const auto parsed = parse_decimal(text);
    if (!parsed.ok()) return parsed.error();
    return Fixed(parsed.value().raw);
  }
  [[nodiscard]] constexpr std::int64_t raw() const noexcept { return raw_; }
  [[nodiscard]] constexpr double to_double() const noexcept {
    // Both operands are exact doubles for |raw| < 2^53, so the quotient is correctly rounded.
    return static_cast<double>(raw_) / static_cast<double>(kScale);
  }
  [[nodiscard]] std::string to_string() const { return format_fixed_shortest(raw_); }

  constexpr auto operator<=>(const Fixed&) const noexcept = default;
  constexpr Fixed operator+(Fixed o) const noexcept { return Fixed(raw_ + o.raw_); }
  constexpr Fixed operator-(Fixed o) const noexcept { return Fixed(raw_ - o.raw_); }
  constexpr Fixed operator-() const noexcept { return Fixed(-raw_); }
  constexpr Fixed& operator+=(Fixed o) noexcept { raw_ += o.raw_; return *this; }
  constexpr Fixed& operator-=(Fixed o) noexcept { raw_ -= o.raw_; return *this; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
  [[nodiscard]] constexpr bool is_positive() const noexcept { return raw_ > 0; }

 private:
  constexpr explicit Fixed(std::int64_t raw) noexcept : raw_(raw) {}
  std::int64_t raw_ = 0;
};
struct PriceTag {};
struct QtyTag {};
struct NotionalTag {};
}  // namespace detail

using Price = detail::Fixed<detail::PriceTag>;
using Qty = detail::Fixed<detail::QtyTag>;
using Notional = detail::Fixed<detail::NotionalTag>;

// Exact product rounded half-to-even to the notional scale; kOverflow if it does not fit int64.
[[nodiscard]] Result<Notional> multiply(Price price, Qty qty) noexcept;

// Price * Qty → Notional for values known to be in range; aborts on overflow (a broken invariant,
// never a silently wrong notional). Use multiply() where the operands are not yet validated.
Notional operator*(Price price, Qty qty) noexcept;

// value · part / whole, rounded half-to-even to the notional scale (the same rule as multiply):
// the share of a position's cost that `part` of its `whole` quantity carries. kInvalidArgument when
// whole is zero, kOverflow when the result does not fit.
[[nodiscard]] Result<Notional> scale(Notional value, Qty part, Qty whole) noexcept;

// Checked sums for money: kOverflow instead of wrapping.
[[nodiscard]] Result<Notional> checked_add(Notional a, Notional b) noexcept;
[[nodiscard]] Result<Qty> checked_add(Qty a, Qty b) noexcept;

// The largest notional (raw 10^-8) one order may have: half the int64 range, about 4.6e10 quote
// units (see the rule at the top of this header).
inline constexpr std::int64_t kMaxOrderNotionalRaw = std::numeric_limits<std::int64_t>::max() / 2;

// The hot-path form of checked_add: acc += v and true, or acc unchanged and false when the sum does
// not fit int64. Never allocates, never throws.
template <class Tag>
[[nodiscard]] constexpr bool try_add(detail::Fixed<Tag>& acc, detail::Fixed<Tag> v) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(acc.raw(), v.raw(), &out)) return false;
  acc = detail::Fixed<Tag>::from_raw(out);
  return true;
}
// acc −= v and true, or acc unchanged and false when the difference does not fit int64.
template <class Tag>
[[nodiscard]] constexpr bool try_sub(detail::Fixed<Tag>& acc, detail::Fixed<Tag> v) noexcept {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(acc.raw(), v.raw(), &out)) return false;
  acc = detail::Fixed<Tag>::from_raw(out);
  return true;
}
// a + b clamped to [−(2^63 − 1), 2^63 − 1]: for statistics only (see the rule above).
template <class Tag>
[[nodiscard]] constexpr detail::Fixed<Tag> saturating_add(detail::Fixed<Tag> a, detail::Fixed<Tag> b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) {
    out = b.raw() > 0 ? std::numeric_limits<std::int64_t>::max() : -std::numeric_limits<std::int64_t>::max();
  }
  return detail::Fixed<Tag>::from_raw(out);
}
// Whether price·qty is a notional one order may have (fits and ≤ kMaxOrderNotionalRaw in magnitude).
[[nodiscard]] bool order_notional_fits(Price price, Qty qty) noexcept;

// Strategy mathematics (double) into fixed point — the only conversions in that direction.
// price_from_double: the nearest multiple of 10^-8, ties to even; kNotANumber for NaN/Inf,
// kOutOfRange for a value that is not positive or does not fit.
[[nodiscard]] Result<Price> price_from_double(double value) noexcept;
// notional_from_double: the same rule for a signed quote amount.
[[nodiscard]] Result<Notional> notional_from_double(double value) noexcept;
// The base quantity worth `notional` at `price`, rounded down to a multiple of `lot` (lot ≤ 0 is
// treated as 10^-8). kNotANumber for NaN/Inf, kOutOfRange for a notional ≤ 0 or a price ≤ 0,
// kOverflow when the quantity does not fit.
[[nodiscard]] Result<Qty> qty_for_notional(double notional, Price price, Qty lot) noexcept;

// 10^n for 0 <= n <= 18, 0 otherwise.
std::int64_t pow10_i64(int n) noexcept;

}  // namespace keel
