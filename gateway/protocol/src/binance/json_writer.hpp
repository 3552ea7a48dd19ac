// Small JSON writers shared by the Binance encoders (protocol-private): each appends one token.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance::detail {

inline void put(std::string& out, std::string_view text) { out.append(text); }

template <class Int>
void put_int(std::string& out, Int value) {
  std::array<char, 24> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
}

// "<raw / 10^8 with `decimals` decimals>"
inline void put_decimal(std::string& out, std::int64_t raw, int decimals) {
  std::array<char, 32> buf{};
  const std::size_t n = format_fixed(raw, decimals, buf.data());
  out.push_back('"');
  out.append(buf.data(), n);
  out.push_back('"');
}

inline void put_bool(std::string& out, bool value) { out.append(value ? "true" : "false"); }

// ,"key":
inline void put_key(std::string& out, std::string_view key) {
  out.append(",\"");
  out.append(key);
  out.append("\":");
}

inline void put_symbol(std::string& out, const SymbolFormat& fmt) {
  out.push_back('"');
  out.append(fmt.name());
  out.push_back('"');
}

// [["p","q"],…]
inline void put_levels(std::string& out, const SymbolFormat& fmt, std::span<const Level> levels) {
  out.push_back('[');
  bool first = true;
  for (const Level& level : levels) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    put_decimal(out, level.price.raw(), fmt.price_decimals);
    out.push_back(',');
    put_decimal(out, level.qty.raw(), fmt.qty_decimals);
    out.push_back(']');
  }
  out.push_back(']');
}

// JSON string contents: quotes, backslashes and control characters escaped; other bytes as they are
// (the input was validated UTF-8 by simdjson, or is our own ASCII).
inline void put_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
}



}  // namespace keel::protocol::binance::detail
