#include "keel/core/primitives/fixed_point.hpp"

#include <cmath>

#include <cstdlib>
#include <cstring>
#include <limits>

namespace keel {
namespace {

constexpr std::int64_t kPow10Full[] = {1,
                                       10,
                                       100,
                                       1000,
                                       10000,
                                       100000,
                                       1000000,
                                       10000000,
                                       100000000,
                                       1000000000,
                                       10000000000,
                                       100000000000,
                                       1000000000000,
                                       10000000000000,
                                       100000000000000,
                                       1000000000000000,
                                       10000000000000000,
                                       100000000000000000,
                                       1000000000000000000};
constexpr const std::int64_t* kPow10 = kPow10Full;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Classifies the spelled-out non-numbers so the error names them (a CSV "NaN" is not "garbage").
bool spells_non_finite(std::string_view t) noexcept {
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) t.remove_prefix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  return iequals(t, "nan") || iequals(t, "inf") || iequals(t, "infinity");
}

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

__extension__ using Int128 = __int128;  // GCC/Clang extension; exact Price*Qty products

}  // namespace

Result<ParsedDecimal> parse_decimal(std::string_view text) noexcept {
  if (text.empty()) return Errc::kEmpty;
  const char* p = text.data();
  const char* const end = p + text.size();
  if (*p == '-') return spells_non_finite(text) ? Errc::kNotANumber : Errc::kNegative;
  if (!is_digit(*p)) return spells_non_finite(text) ? Errc::kNotANumber : Errc::kGarbage;

  // Integer part: at most 11 digits fit below 9.2e10 units; overflow is checked exactly below.
  std::int64_t units = 0;
  while (p != end && is_digit(*p)) {
    if (units > (kMax / kScale) / 10) return Errc::kOverflow;
    units = units * 10 + (*p - '0');
    ++p;
  }
  std::int64_t frac = 0;
  int decimals = 0;
  if (p != end) {
    if (*p != '.') return Errc::kGarbage;
    ++p;
    if (p == end) return Errc::kGarbage;  // "5." is not a wire decimal
    while (p != end) {
      const char c = *p++;
      if (!is_digit(c)) return Errc::kGarbage;
      if (decimals < kDecimals) {
        frac = frac * 10 + (c - '0');
      } else if (c != '0') {
        return Errc::kTooManyDecimals;
      }
      if (decimals < 127) ++decimals;
    }
  }
  const int used = decimals < kDecimals ? decimals : kDecimals;
  frac *= kPow10[kDecimals - used];
  if (units > (kMax - frac) / kScale) return Errc::kOverflow;
  return ParsedDecimal{units * kScale + frac, decimals};
}

Result<ParsedDecimal> parse_signed_decimal(std::string_view text) noexcept {
  if (!text.empty() && text.front() == '-') {
    if (spells_non_finite(text)) return Errc::kNotANumber;
    if (text.size() == 1 || !is_digit(text[1])) return Errc::kGarbage;  // "-", "--1", "-.5"
    auto r = parse_decimal(text.substr(1));
    if (!r.ok()) return r.error();
    return ParsedDecimal{-r.value().raw, r.value().decimals};
  }
  return parse_decimal(text);
}

Result<std::int64_t> parse_json_number_fixed(std::string_view text) noexcept {
  // JSON grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  if (text.empty()) return Errc::kEmpty;
  if (spells_non_finite(text)) return Errc::kNotANumber;
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (*p == '-') {
    negative = true;
    if (++p == end) return Errc::kGarbage;
  }
  if (!is_digit(*p)) return Errc::kGarbage;
  if (*p == '0' && p + 1 != end && is_digit(p[1])) return Errc::kGarbage;
  // value = m * 10^e, with m holding up to 34 significant digits exactly (128 bits). Digits past
  // that are dropped: integer ones scale e up, and a dropped non-zero digit means the value has more
  // significant digits than any int64 at scale 10^-8 can hold.
  constexpr Int128 kMantissaLimit = static_cast<Int128>(1'000'000'000'000'000'000) * 1'000'000'000'000'000'000 / 1000;
  Int128 m = 0;
  int digits = 0;  // significant digits kept in m
  int e = 0;
  bool dropped_nonzero = false;
  auto push_digit = [&](int d, bool fractional) {
    if (m < kMantissaLimit) {
      m = m * 10 + d;
      if (m != 0) ++digits;
      if (fractional) --e;
    } else {
      if (!fractional) ++e;
      if (d != 0) dropped_nonzero = true;
    }
  };
  while (p != end && is_digit(*p)) push_digit(*p++ - '0', false);
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) return Errc::kGarbage;
    while (p != end && is_digit(*p)) push_digit(*p++ - '0', true);
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) exp_negative = (*p++ == '-');
    if (p == end || !is_digit(*p)) return Errc::kGarbage;
    int exp = 0;
    while (p != end && is_digit(*p)) {
      if (exp < 100000) exp = exp * 10 + (*p - '0');
      ++p;
    }
    e += exp_negative ? -exp : exp;
  }
  if (p != end) return Errc::kGarbage;
  if (m == 0) return std::int64_t{0};
  // Decimal digits before the point: more than 11 cannot fit below 9.2e10.
  if (digits + e > 11) return Errc::kOverflow;
  if (dropped_nonzero) return Errc::kTooManyDecimals;
  // raw = m * 10^(e + 8)
  int shift = e + kDecimals;
  for (; shift < 0; ++shift) {
    if (m % 10 != 0) return Errc::kTooManyDecimals;
    m /= 10;
  }
  for (; shift > 0; --shift) {
    if (m > kMax / 10) return Errc::kOverflow;
    m *= 10;
  }
  if (m > kMax) return Errc::kOverflow;
  return negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m);
}

std::size_t format_fixed(std::int64_t raw, int decimals, char* buf) noexcept {
  if (decimals < 0) decimals = 0;
  if (decimals > kDecimals) decimals = kDecimals;
  char tmp[32];
  std::size_t n = 0;
  // Work on the magnitude as unsigned so INT64_MIN is representable.
  const bool negative = raw < 0;
  std::uint64_t mag = negative ? (~static_cast<std::uint64_t>(raw) + 1) : static_cast<std::uint64_t>(raw);
  std::uint64_t units = mag / static_cast<std::uint64_t>(kScale);
  std::uint64_t frac = mag % static_cast<std::uint64_t>(kScale);
  frac /= static_cast<std::uint64_t>(kPow10[kDecimals - decimals]);
  for (int i = 0; i < decimals; ++i) {
    tmp[n++] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  if (decimals > 0) tmp[n++] = '.';
  do {
    tmp[n++] = static_cast<char>('0' + units % 10);
    units /= 10;
  } while (units != 0);
  if (negative) tmp[n++] = '-';
  for (std::size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

std::string format_fixed_shortest(std::int64_t raw) {
  int decimals = kDecimals;
  std::int64_t frac = raw % kScale;
  while (decimals > 0 && frac % 10 == 0) {
    frac /= 10;
    --decimals;
  }
  char buf[32];
  return std::string(buf, format_fixed(raw, decimals, buf));
}

Result<Notional> multiply(Price price, Qty qty) noexcept {
  const Int128 product = static_cast<Int128>(price.raw()) * qty.raw();  // scale 10^-16
  const Int128 div = kScale;
  Int128 q = product / div;
  const Int128 r = product % div;
  // Round half to even (r has the sign of product).
  const Int128 twice = (r < 0 ? -r : r) * 2;
  if (twice > div || (twice == div && (q & 1) != 0)) q += (product < 0 ? -1 : 1);
  if (q > kMax || q < -kMax) return Errc::kOverflow;
  return Notional::from_raw(static_cast<std::int64_t>(q));
}

Notional operator*(Price price, Qty qty) noexcept {
  const auto n = multiply(price, qty);
  // A product out of range here is a broken invariant (callers validate sizes first), never a value
  // to trade on: stop rather than return a wrong notional.
  if (!n.ok()) std::abort();
  return n.value();
}

Result<Notional> scale(Notional value, Qty part, Qty whole) noexcept {
  if (whole.raw() == 0) return Errc::kInvalidArgument;
  const Int128 product = static_cast<Int128>(value.raw()) * part.raw();
  const Int128 div = whole.raw();
  Int128 q = product / div;
  const Int128 r = product % div;
  const Int128 abs_div = div < 0 ? -div : div;
  const Int128 twice = (r < 0 ? -r : r) * 2;
  const bool negative = (product < 0) != (div < 0);
  if (twice > abs_div || (twice == abs_div && (q & 1) != 0)) q += negative ? -1 : 1;
  if (q > kMax || q < -kMax) return Errc::kOverflow;
  return Notional::from_raw(static_cast<std::int64_t>(q));
}

Result<Notional> checked_add(Notional a, Notional b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) return Errc::kOverflow;
  return Notional::from_raw(out);
}

bool order_notional_fits(Price price, Qty qty) noexcept {
  const Result<Notional> n = multiply(price, qty);
  return n.ok() && n.value().raw() <= kMaxOrderNotionalRaw && n.value().raw() >= -kMaxOrderNotionalRaw;
}

Result<Qty> checked_add(Qty a, Qty b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) return Errc::kOverflow;
  return Qty::from_raw(out);
}

namespace {
// v·10^8 to the nearest integer, ties to even (nearbyint in the default rounding mode).
Result<std::int64_t> raw_from_double(double value) noexcept {
  if (!std::isfinite(value)) return Errc::kNotANumber;
  const double scaled = std::nearbyint(value * static_cast<double>(kScale));
  if (!(scaled < 9.2e18 && scaled > -9.2e18)) return Errc::kOverflow;
  return static_cast<std::int64_t>(scaled);
}
}  // namespace

Result<Price> price_from_double(double value) noexcept {
  const auto raw = raw_from_double(value);
  if (!raw.ok()) return raw.error();
  if (raw.value() <= 0) return Errc::kOutOfRange;
  return Price::from_raw(raw.value());
}

Result<Notional> notional_from_double(double value) noexcept {
  const auto raw = raw_from_double(value);
  if (!raw.ok()) return raw.error();
  return Notional::from_raw(raw.value());
}

Result<Qty> qty_for_notional(double notional, Price price, Qty lot) noexcept {
  if (!std::isfinite(notional)) return Errc::kNotANumber;
  if (!(notional > 0.0) || !price.is_positive()) return Errc::kOutOfRange;
  const double units = notional / price.to_double();
  const double raw = std::floor(units * static_cast<double>(kScale));
  if (!(raw < 9.2e18)) return Errc::kOverflow;
  const std::int64_t step = lot.raw() > 0 ? lot.raw() : 1;
  const auto r = static_cast<std::int64_t>(raw);
  return Qty::from_raw(r - r % step);
}

std::int64_t pow10_i64(int n) noexcept { return n >= 0 && n <= 18 ? kPow10Full[n] : 0; }

}  // namespace keel
