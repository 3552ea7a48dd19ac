// The decoder's structural pre-pass (detail::balanced) written the plain way, for its tests
// (json_balanced_tests, and binance_decode_tests' check of the 64-byte block path).
#pragma once

#include <string>
#include <string_view>

namespace keel::protocol::binance {

// The reference: one byte at a time, a stack of open brackets, a string state with escapes.
inline bool reference_balanced(std::string_view text) {
  std::string stack;
  bool in_string = false, escaped = false, done = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      if (!in_string && stack.empty()) done = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (done) return false;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (stack.size() == 64) return false;
      stack.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (stack.empty() || stack.back() != c) return false;
      stack.pop_back();
      if (stack.empty()) done = true;
    } else if (stack.empty()) {
      done = true;
    }
  }
  return !in_string && stack.empty();
}

}  // namespace keel::protocol::binance
