// Fuzzes the wire decimal parsers and the formatter (fixed_point.hpp).
//
// Invariants checked (trap on violation):
//  * parse_decimal(s) ok ⇒ raw >= 0 and decimals == the number of fraction digits written (capped
//    at 127);
//  * parse_decimal(format_fixed(raw, k)) == raw truncated to k decimals, for every k in 0..8; in
//    particular parse(format(raw, 8)) == raw and parse(format(raw, min(decimals, 8))) == raw;
//    the same for format_fixed_shortest;
//  * format_fixed(raw, decimals) == s when s is canonical: decimals <= 8 and no redundant leading
//    zero ("0.5" and "10" are canonical, "00.5" and "010" are not);
//  * parse_signed_decimal agrees with parse_decimal (negated after a leading '-');
//  * parse_json_number_fixed agrees with parse_decimal where both succeed, and with
//    parse_signed_decimal on negative plain decimals.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/core/primitives/fixed_point.hpp"

namespace {

constexpr std::int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

std::string_view format(std::int64_t raw, int decimals, char* buf) {
  const std::size_t n = keel::format_fixed(raw, decimals, buf);
  KEEL_FUZZ_CHECK(n > 0 && n <= 32);
  return {buf, n};
}

// The digits after '.', or empty.
std::size_t fraction_digits(std::string_view s) {
  const std::size_t dot = s.find('.');
  return dot == std::string_view::npos ? 0 : s.size() - dot - 1;
}

// No redundant leading zero in the integer part.
bool canonical_integer_part(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view units = s.substr(0, dot);
  return units.size() == 1 || units.front() != '0';
}

void check_unsigned(std::string_view s) {
  const auto parsed = keel::parse_decimal(s);
  if (!parsed.ok()) return;
  const std::int64_t raw = parsed.value().raw;
  const int decimals = parsed.value().decimals;
  KEEL_FUZZ_CHECK(raw >= 0);
  const std::size_t written = fraction_digits(s);
  KEEL_FUZZ_CHECK(decimals == static_cast<int>(written < 127 ? written : 127));

  char buf[32];
  // Round trip at every precision: truncation toward zero to k decimals.
  for (int k = 0; k <= keel::kDecimals; ++k) {
    const std::string_view text = format(raw, k, buf);
    const auto back = keel::parse_decimal(text);
    KEEL_FUZZ_CHECK(back.ok());
    const std::int64_t unit = kPow10[keel::kDecimals - k];
    KEEL_FUZZ_CHECK(back.value().raw == raw - raw % unit);
    KEEL_FUZZ_CHECK(back.value().decimals == k);
    KEEL_FUZZ_CHECK(fraction_digits(text) == static_cast<std::size_t>(k));
    // The formatter never writes a redundant leading zero.
    KEEL_FUZZ_CHECK(canonical_integer_part(text));
  }
  const int exact = decimals < keel::kDecimals ? decimals : keel::kDecimals;
  const std::string_view same = format(raw, exact, buf);
  const auto same_back = keel::parse_decimal(same);
  KEEL_FUZZ_CHECK(same_back.ok() && same_back.value().raw == raw);
  if (decimals <= keel::kDecimals && canonical_integer_part(s)) KEEL_FUZZ_CHECK(same == s);

  const std::string shortest = keel::format_fixed_shortest(raw);
  const auto back = keel::parse_decimal(shortest);
  KEEL_FUZZ_CHECK(back.ok() && back.value().raw == raw);
  KEEL_FUZZ_CHECK(shortest.find('.') == std::string::npos || shortest.back() != '0');

  // A canonical plain decimal is also a JSON number with the same value.
  const auto json = keel::parse_json_number_fixed(s);
  if (json.ok()) KEEL_FUZZ_CHECK(json.value() == raw);
}

void check_signed(std::string_view s) {
  const auto sig = keel::parse_signed_decimal(s);
  if (!s.empty() && s.front() == '-') {
    const auto magnitude = keel::parse_decimal(s.substr(1));
    if (magnitude.ok()) {
      KEEL_FUZZ_CHECK(sig.ok());
      KEEL_FUZZ_CHECK(sig.value().raw == -magnitude.value().raw);
      KEEL_FUZZ_CHECK(sig.value().decimals == magnitude.value().decimals);
      char buf[32];
      const std::string_view text = format(sig.value().raw, keel::kDecimals, buf);
      const auto back = keel::parse_signed_decimal(text);
      KEEL_FUZZ_CHECK(back.ok() && back.value().raw == sig.value().raw);
      const auto json = keel::parse_json_number_fixed(s);
      if (json.ok()) KEEL_FUZZ_CHECK(json.value() == sig.value().raw);
    } else {
      KEEL_FUZZ_CHECK(!sig.ok());
    }
  } else {
    const auto plain = keel::parse_decimal(s);
    KEEL_FUZZ_CHECK(sig.ok() == plain.ok());
    if (plain.ok()) {
      KEEL_FUZZ_CHECK(sig.value().raw == plain.value().raw);
      KEEL_FUZZ_CHECK(sig.value().decimals == plain.value().decimals);
    } else {
      KEEL_FUZZ_CHECK(sig.error() == plain.error());
    }
  }
}

void check_json(std::string_view s) {
  const auto json = keel::parse_json_number_fixed(s);
  if (!json.ok()) return;
  // Any value the JSON parser accepts formats and re-parses exactly.
  char buf[32];
  const std::string_view text = format(json.value(), keel::kDecimals, buf);
  const auto back = keel::parse_signed_decimal(text);
  KEEL_FUZZ_CHECK(back.ok() && back.value().raw == json.value());
  const auto again = keel::parse_json_number_fixed(text);
  KEEL_FUZZ_CHECK(again.ok() && again.value() == json.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  check_unsigned(s);
  check_signed(s);
  check_json(s);
  // Raw bit patterns: formatting any int64 (INT64_MIN included) must stay in bounds and re-parse.
  if (size >= 8) {
    std::int64_t raw = 0;
    std::memcpy(&raw, data, sizeof raw);
    char buf[32];
    const std::string_view text = format(raw, static_cast<int>(data[0] % 12) - 1, buf);
    KEEL_FUZZ_CHECK(!text.empty());
    if (raw != INT64_MIN) {
      const std::string_view full = format(raw, keel::kDecimals, buf);
      const auto back = keel::parse_signed_decimal(full);
      KEEL_FUZZ_CHECK(back.ok() && back.value().raw == raw);
    }
  }
  return 0;
}
