#include "keel/core/io/capture.hpp"

#include <limits>

#include <fmt/format.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/text_lines.hpp"

namespace keel {
namespace {

// "1633998512.0633569" → ns exactly; digits finer than a nanosecond must be zeros.
bool parse_seconds_ns(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty()) return false;
  std::int64_t secs = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    // Seconds up to 9,000,000,000 (year 2255) keep secs * 10^9 + frac inside int64.
    if (s[i] < '0' || s[i] > '9' || secs > 900'000'000) return false;
    secs = secs * 10 + (s[i] - '0');
  }
  if (i == 0) return false;
  std::int64_t frac = 0;
  int digits = 0;
  if (i < s.size()) {
    ++i;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        ++digits;
      } else if (s[i] != '0') {
        return false;  // finer than a nanosecond
      }
    }
  }
  while (digits < 9) {
    frac *= 10;
    ++digits;
  }
  out = secs * 1'000'000'000 + frac;
  return true;
}

bool parse_micros_ns(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty() || s.size() > 16) return false;  // 16 digits cannot overflow v itself
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > std::numeric_limits<std::int64_t>::max() / 1000) return false;  // v * 1000 must fit
  out = v * 1000;
  return true;
}

}  // namespace

Capture parse_capture(std::string_view text, std::string_view source) {
  Capture cap;
  for_each_line(text, [&](std::string_view line, std::size_t line_no, bool) {
    if (line.empty()) return;
    if (line_no == 1 && line.find(" <-> ") != std::string_view::npos && line.find("://") != std::string_view::npos) {
      cap.url = std::string(line.substr(0, line.find(" <-> ")));
      return;
    }
    CaptureRecord rec;
    const std::size_t colon = line.find(": ");
    const std::size_t space = line.find(' ');
    std::string_view frame;
    if (colon != std::string_view::npos && colon + 1 == space &&
        parse_seconds_ns(line.substr(0, colon), rec.receive_time_ns)) {
      frame = line.substr(colon + 2);
    } else if (space != std::string_view::npos && parse_micros_ns(line.substr(0, space), rec.receive_time_ns)) {
      frame = line.substr(space + 1);
    } else {
      throw DataError(std::string(source), line_no,
                      "expected \"<seconds>: <frame>\" or \"<microseconds> <frame>\"");
    }
    if (frame.empty()) throw DataError(std::string(source), line_no, "empty frame");
    rec.frame = std::string(frame);
    cap.records.push_back(std::move(rec));
  });
  if (cap.records.empty()) throw DataError(std::string(source), 0, "no frames in capture");
  return cap;
}

Capture load_capture_file(const std::string& path) { return parse_capture(read_text_file(path), path); }

}  // namespace keel
