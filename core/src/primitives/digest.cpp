#include "keel/core/primitives/digest.hpp"

#include <fmt/format.h>

namespace keel {

std::string RunDigest::hex() const { return digest_hex(h_); }

std::string digest_hex(std::uint64_t digest) { return fmt::format("{:016x}", digest); }

bool parse_digest_hex(std::string_view text, std::uint64_t& out) noexcept {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.empty() || text.size() > 16) return false;
  std::uint64_t v = 0;
  for (const char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

}  // namespace keel
