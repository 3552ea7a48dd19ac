// The run digest: a 64-bit FNV-1a hash over the canonical serialisation of a run's outputs. Every
// value is fed as little-endian bytes of fixed width (doubles by their IEEE-754 bit pattern), in
// output order, so an independent implementation that emits the same outputs gets the same digest.
// Printed as 16 lower-case hex digits.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keel {

class RunDigest {
 public:
  void add_bytes(const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001B3ull;
    }
  }
  void add_u64(std::uint64_t v) noexcept {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    add_bytes(b, 8);
  }
  void add_i64(std::int64_t v) noexcept { add_u64(static_cast<std::uint64_t>(v)); }
  // -0.0 and 0.0 hash differently; NaNs never reach outputs (they are rejected at the edges).
  void add_double(double v) noexcept { add_u64(std::bit_cast<std::uint64_t>(v)); }
  // Length-prefixed so ("ab","c") and ("a","bc") differ.
  void add_string(std::string_view s) noexcept {
    add_u64(s.size());
    add_bytes(s.data(), s.size());
  }

  [[nodiscard]] std::uint64_t value() const noexcept { return h_; }
  [[nodiscard]] std::string hex() const;

 private:
  std::uint64_t h_ = 0xCBF29CE484222325ull;
};

std::string digest_hex(std::uint64_t digest);
// Parses 1–16 hex digits (an optional 0x prefix allowed) into `out`; false (out untouched) otherwise.
bool parse_digest_hex(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace keel
