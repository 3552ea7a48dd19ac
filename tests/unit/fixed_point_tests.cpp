#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/fixed_point.hpp"
#include "test_support.hpp"

using namespace keel;

namespace {
std::int64_t raw_of(std::string_view s) {
  const auto r = parse_decimal(s);
  EXPECT_TRUE(r.ok()) << s << ": " << to_string(r.error());
  return r.value().raw;
}
Errc error_of(std::string_view s) { return parse_decimal(s).error(); }
std::string fmt_fixed(std::int64_t raw, int decimals) {
  char buf[32];
  return std::string(buf, format_fixed(raw, decimals, buf));
}
}  // namespace

TEST(Decimal, ParsesStraightIntoTheMantissa) {
  EXPECT_EQ(raw_of("0.00000001"), 1);
  EXPECT_EQ(raw_of("123456789.12345678"), 12345678912345678);
  EXPECT_EQ(raw_of("19695.87"), 1969587000000);
  EXPECT_EQ(raw_of("0"), 0);
  EXPECT_EQ(raw_of("7"), 700000000);
  EXPECT_EQ(raw_of("0.10000000000"), 10000000);  // zeros past 8 decimals are exact
  EXPECT_EQ(parse_decimal("0.010").value().decimals, 3);
}

TEST(Decimal, LargestValueFitsAndOneMoreOverflows) {
  EXPECT_EQ(raw_of("92233720368.54775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(error_of("92233720368.54775808"), Errc::kOverflow);
  EXPECT_EQ(error_of("92233720369"), Errc::kOverflow);
  EXPECT_EQ(error_of("99999999999999999999999999"), Errc::kOverflow);
}

TEST(Decimal, RejectsGarbageWithTheRightReason) {
  EXPECT_EQ(error_of(""), Errc::kEmpty);
  EXPECT_EQ(error_of("abc"), Errc::kGarbage);
  EXPECT_EQ(error_of("1.2.3"), Errc::kGarbage);
  EXPECT_EQ(error_of("1,5"), Errc::kGarbage);
  EXPECT_EQ(error_of(" 1"), Errc::kGarbage);
  EXPECT_EQ(error_of("1 "), Errc::kGarbage);
  EXPECT_EQ(error_of(".5"), Errc::kGarbage);
  EXPECT_EQ(error_of("5."), Errc::kGarbage);
  EXPECT_EQ(error_of("+5"), Errc::kGarbage);
  EXPECT_EQ(error_of("1e5"), Errc::kGarbage);
  EXPECT_EQ(error_of("-1"), Errc::kNegative);
  EXPECT_EQ(error_of("NaN"), Errc::kNotANumber);
  EXPECT_EQ(error_of("nan"), Errc::kNotANumber);
  EXPECT_EQ(error_of("inf"), Errc::kNotANumber);
  EXPECT_EQ(error_of("-Infinity"), Errc::kNotANumber);
  EXPECT_EQ(error_of("0.000000001"), Errc::kTooManyDecimals);
  EXPECT_EQ(error_of("1.123456789"), Errc::kTooManyDecimals);
}

TEST(Decimal, SignedParsing) {
  EXPECT_EQ(parse_signed_decimal("-1.5").value().raw, -150000000);
  EXPECT_EQ(parse_signed_decimal("2").value().raw, 200000000);
  EXPECT_EQ(parse_signed_decimal("-nan").error(), Errc::kNotANumber);
  EXPECT_EQ(parse_signed_decimal("--1").error(), Errc::kGarbage);
  EXPECT_EQ(parse_signed_decimal("-").error(), Errc::kGarbage);
  EXPECT_EQ(parse_signed_decimal("-.5").error(), Errc::kGarbage);
  EXPECT_EQ(parse_signed_decimal("").error(), Errc::kEmpty);
}

TEST(Decimal, JsonNumbers) {
  EXPECT_EQ(parse_json_number_fixed("1.5e-05").value(), 1500);
  EXPECT_EQ(parse_json_number_fixed("1E2").value(), 10000000000);
  EXPECT_EQ(parse_json_number_fixed("-0.25").value(), -25000000);
  EXPECT_EQ(parse_json_number_fixed("19695.87").value(), 1969587000000);
  EXPECT_EQ(parse_json_number_fixed("0").value(), 0);
  EXPECT_EQ(parse_json_number_fixed("1e-9").error(), Errc::kTooManyDecimals);
  EXPECT_EQ(parse_json_number_fixed("1e300").error(), Errc::kOverflow);
  EXPECT_EQ(parse_json_number_fixed("01").error(), Errc::kGarbage);
  EXPECT_EQ(parse_json_number_fixed("1.").error(), Errc::kGarbage);
  EXPECT_EQ(parse_json_number_fixed("NaN").error(), Errc::kNotANumber);
  EXPECT_EQ(parse_json_number_fixed("\"1\"").error(), Errc::kGarbage);
}

// Regression (fuzz_bar_csv, issue 2): the JSON parser dropped the 19th significant digit, so the top
// of the range was "too many decimals" in JSON while the same text parsed as a CSV decimal.
TEST(Decimal, JsonAgreesWithPlainDecimalsAtTheTopOfTheRange) {
  for (const char* s : {"92233720368.54775807", "92233720368.54775801", "12345678901.12345678", "0.00000001"}) {
    const auto plain = parse_decimal(s);
    const auto json = parse_json_number_fixed(s);
    ASSERT_TRUE(plain.ok()) << s;
    ASSERT_TRUE(json.ok()) << s << ": " << to_string(json.error());
    EXPECT_EQ(json.value(), plain.value().raw) << s;
  }
  EXPECT_EQ(parse_json_number_fixed("-92233720368.54775807").value(), -std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_json_number_fixed("92233720368.54775808").error(), Errc::kOverflow);
  EXPECT_EQ(parse_json_number_fixed("99999999999999999999").error(), Errc::kOverflow);
  EXPECT_EQ(parse_json_number_fixed("1234567890123456789012345678901234567890").error(), Errc::kOverflow);
  EXPECT_EQ(parse_json_number_fixed("0.1234567890123456789012345678901234567891").error(), Errc::kTooManyDecimals);
  // 10^39 · 10^-30 = 10^9 units = raw 10^17
  EXPECT_EQ(parse_json_number_fixed("1000000000000000000000000000000000000000e-30").value(), 100000000000000000);
  EXPECT_EQ(parse_json_number_fixed("5e-100000").error(), Errc::kTooManyDecimals);
  EXPECT_EQ(parse_json_number_fixed("0e100000").value(), 0);
}

TEST(Decimal, FormatsBackExactly) {
  EXPECT_EQ(fmt_fixed(1, 8), "0.00000001");
  EXPECT_EQ(fmt_fixed(12345678912345678, 8), "123456789.12345678");
  EXPECT_EQ(fmt_fixed(1969587000000, 2), "19695.87");
  EXPECT_EQ(fmt_fixed(-150000000, 1), "-1.5");
  EXPECT_EQ(fmt_fixed(std::numeric_limits<std::int64_t>::min(), 8), "-92233720368.54775808");
  EXPECT_EQ(Price::from_raw(150000000).to_string(), "1.5");
  EXPECT_EQ(Price::from_raw(10000000000).to_string(), "100");
  EXPECT_EQ(Qty::from_raw(1).to_string(), "0.00000001");
}

TEST(Decimal, NotionalIsExactAndRoundsHalfToEven) {
  const Price p = Price::parse("19695.87").value();
  const Qty q = Qty::parse("0.5").value();
  EXPECT_EQ((p * q).raw(), 984793500000);
  // 0.00000001 * 0.5 = 0.000000005 → half: rounds to even (0).
  EXPECT_EQ(multiply(Price::from_raw(1), Qty::from_raw(50000000)).value().raw(), 0);
  // 0.00000003 * 0.5 = 0.000000015 → 0.00000002 (even).
  EXPECT_EQ(multiply(Price::from_raw(3), Qty::from_raw(50000000)).value().raw(), 2);
  EXPECT_EQ(multiply(Price::from_raw(-3), Qty::from_raw(50000000)).value().raw(), -2);
  EXPECT_EQ(multiply(Price::from_units(90'000'000'000), Qty::from_units(2)).error(), Errc::kOverflow);
}

TEST(Decimal, StrongTypesOrderAndAdd) {
  const Price a = Price::from_raw(5), b = Price::from_raw(7);
  EXPECT_LT(a, b);
  EXPECT_EQ((a + b).raw(), 12);
  EXPECT_EQ((b - a).raw(), 2);
  EXPECT_DOUBLE_EQ(Price::parse("0.1").value().to_double(), 0.1);  // correctly rounded
  static_assert(!std::is_convertible_v<Price, Qty>);
  static_assert(!std::is_convertible_v<std::int64_t, Price>);
  static_assert(!std::is_convertible_v<Price, double>);
}

// Every decimal string in the shared WebSocket captures parses and formats back to the same text.
TEST(Decimal, RoundTripsEveryPriceStringInTheCaptures) {
  std::size_t checked = 0;
  std::set<std::string> distinct;
  for (const char* name : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(name));
    for (const auto& rec : cap.records) {
      const std::string& f = rec.frame;
      // Every quoted token made of digits and at most one dot is a Binance decimal (prices and
      // quantities, "0.35130000" as well as the futures feed's "297").
      for (std::size_t i = f.find('"'); i != std::string::npos; i = f.find('"', i + 1)) {
        const std::size_t end = f.find('"', i + 1);
        if (end == std::string::npos) break;
        const std::string_view tok(f.data() + i + 1, end - i - 1);
        i = end;
        if (tok.empty() || tok.find_first_not_of("0123456789.") != std::string_view::npos) continue;
        if (std::count(tok.begin(), tok.end(), '.') > 1) continue;
        const auto parsed = parse_decimal(tok);
        ASSERT_TRUE(parsed.ok()) << tok << ": " << to_string(parsed.error());
        ASSERT_EQ(fmt_fixed(parsed.value().raw, parsed.value().decimals), tok);
        distinct.emplace(tok);
        ++checked;
      }
    }
  }
  // Locked counts: a scan that silently skipped tokens would change them.
  EXPECT_EQ(checked, 17033u);  // grep -oE '"[0-9]+(\.[0-9]+)?"' agrees
  EXPECT_EQ(distinct.size(), 5218u);
}
