// An independent reading of Binance JSON frames for tests: plain string scanning, no JSON library,
// so a test can check keel's simdjson decoder against something that shares none of its code.
// Only for the well-formed frames of the captures and of the tests themselves.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::test {

// The text of `"key":` in `obj`: a string's contents, or a number / literal up to ',' or '}'.
inline std::string_view field(std::string_view obj, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\":";
  const std::size_t at = obj.find(pattern);
  if (at == std::string_view::npos) return {};
  const std::size_t b = at + pattern.size();
  if (obj[b] == '"') return obj.substr(b + 1, obj.find('"', b + 1) - b - 1);
  std::size_t e = b;
  while (e < obj.size() && obj[e] != ',' && obj[e] != '}') ++e;
  return obj.substr(b, e - b);
}

// Decimal text → units of 1e-8 ("12.340" → 1234000000).
inline std::int64_t raw_of(std::string_view decimal) {
  std::int64_t units = 0, frac = 0;
  int digits = 0;
  bool point = false;
  for (const char c : decimal) {
    if (c == '.') point = true;
    else if (!point) units = units * 10 + (c - '0');
    else if (digits < 8) frac = frac * 10 + (c - '0'), ++digits;
  }
  for (; digits < 8; ++digits) frac *= 10;
  return units * 100'000'000 + frac;
}

// A combined frame's "data" object (the frame itself when raw).
inline std::string_view payload(std::string_view frame) {
  const std::size_t d = frame.find("\"data\":");
  return d == std::string_view::npos ? frame : frame.substr(d + 7);
}

// The depth levels of one side, [["p","q"],…], as (price, qty) in units of 1e-8.
using Levels = std::vector<std::pair<std::int64_t, std::int64_t>>;
inline Levels levels(std::string_view obj, std::string_view key) {
  Levels out;
  const std::string pattern = "\"" + std::string(key) + "\":[";
  std::size_t at = obj.find(pattern);
  if (at == std::string_view::npos) return out;
  at += pattern.size();
  while (obj[at] == '[') {
    const std::size_t p0 = at + 2, p1 = obj.find('"', p0);
    const std::size_t q0 = obj.find('"', p1 + 1) + 1, q1 = obj.find('"', q0);
    out.emplace_back(raw_of(obj.substr(p0, p1 - p0)), raw_of(obj.substr(q0, q1 - q0)));
    at = obj.find(']', q1) + 1;
    if (obj[at] == ',') ++at;
  }
  return out;
}

}  // namespace keel::test
