// FIX UTCTimestamp parsing. No FIX library here.
#include "keel/protocol/fix/fix_messages.hpp"

namespace keel::protocol::fix {

namespace {

// Reads exactly `n` digits at text[pos]; -1 when any is not a digit.
int read_digits(std::string_view text, std::size_t pos, std::size_t n) noexcept {
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

bool is_leap(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

Result<std::int64_t> parse_fix_utc_timestamp(std::string_view text) noexcept {
  // YYYYMMDD-HH:MM:SS = 17 characters, then optionally '.' and 1..9 digits.
  if (text.size() < 17 || text[8] != '-' || text[11] != ':' || text[14] != ':')
    return Errc::kGarbage;
  const int year = read_digits(text, 0, 4);
  const int month = read_digits(text, 4, 2);
  const int day = read_digits(text, 6, 2);
  const int hour = read_digits(text, 9, 2);
  const int minute = read_digits(text, 12, 2);
  const int second = read_digits(text, 15, 2);
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return Errc::kGarbage;
  }
  static constexpr int kMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month_days = kMonthDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
  if (day > month_days) return Errc::kGarbage;
  std::int64_t nanos = 0;
  if (text.size() > 17) {
    const std::size_t digits = text.size() - 18;
    if (text[17] != '.' || digits < 1 || digits > 9) return Errc::kGarbage;
    const int fraction = read_digits(text, 18, digits);
    if (fraction < 0) return Errc::kGarbage;
    nanos = fraction;
    for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  const std::int64_t seconds =
      days_from_civil(year, month, day) * 86'400 + hour * 3'600 + minute * 60 + second;
  return seconds * 1'000'000'000 + nanos;
}

}  // namespace keel::protocol::fix
