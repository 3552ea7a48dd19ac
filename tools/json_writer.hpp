// Minimal JSON object writer for run summaries (keys in insertion order, strings escaped, doubles
// in shortest round-trip form, non-finite doubles written as null).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace keel::cli {

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value) { return raw(key, quote(value)); }
  JsonObject& add(std::string_view key, const char* value) { return raw(key, quote(value)); }
  JsonObject& add(std::string_view key, std::int64_t value) { return raw(key, fmt::format("{}", value)); }
  JsonObject& add(std::string_view key, std::uint64_t value) { return raw(key, fmt::format("{}", value)); }
  JsonObject& add(std::string_view key, int value) { return raw(key, fmt::format("{}", value)); }
  JsonObject& add(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  JsonObject& add(std::string_view key, double value) {
    return raw(key, std::isfinite(value) ? fmt::format("{}", value) : std::string("null"));
  }
  JsonObject& add(std::string_view key, const std::vector<std::string>& values) {
    std::string arr = "[";
    for (std::size_t i = 0; i < values.size(); ++i) arr += (i ? ", " : "") + quote(values[i]);
    return raw(key, arr + "]");
  }
  JsonObject& raw(std::string_view key, std::string_view json) {
    fields_.emplace_back(quote(key), std::string(json));
    return *this;
  }
  [[nodiscard]] std::string str() const {
    std::string out = "{\n";
    for (std::size_t i = 0; i < fields_.size(); ++i)
      out += fmt::format("  {}: {}{}\n", fields_[i].first, fields_[i].second, i + 1 < fields_.size() ? "," : "");
    return out + "}\n";
  }
  static std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
          else out += c;
      }
    }
    return out + "\"";
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace keel::cli
