#include "keel/core/oms/cl_ord_ids.hpp"

#include <cstring>

namespace keel {

ClOrdIdCodec::ClOrdIdCodec(std::uint64_t run_id) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  prefix_[0] = 'K';
  const auto low = static_cast<std::uint32_t>(run_id ^ (run_id >> 32));
  for (int i = 0; i < 8; ++i) prefix_[1 + i] = kHex[(low >> (28 - 4 * i)) & 0xFu];
}

std::uint64_t ClOrdIdCodec::run_id(std::uint64_t config_hash, std::uint64_t seed) noexcept {
  // splitmix64 finaliser over the pair: a fixed, documented mixing step.
  std::uint64_t z = config_hash ^ (seed + 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

ClOrdId ClOrdIdCodec::format(std::uint32_t sequence) const noexcept {
  char buf[kPrefixLength + 10];
  std::memcpy(buf, prefix_, kPrefixLength);
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + sequence % 10);
    sequence /= 10;
  } while (sequence != 0);
  std::size_t len = kPrefixLength;
  while (n > 0) buf[len++] = digits[--n];
  return ClOrdId(std::string_view(buf, len));
}

std::optional<std::uint32_t> ClOrdIdCodec::parse(std::string_view text) const noexcept {
  if (text.size() <= kPrefixLength || text.size() > kPrefixLength + 10) return std::nullopt;
  if (text.substr(0, kPrefixLength) != prefix()) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : text.substr(kPrefixLength)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v == 0 || v > 0xFFFFFFFFULL || text[kPrefixLength] == '0') return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

}  // namespace keel
