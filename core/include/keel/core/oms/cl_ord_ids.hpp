// Deterministic client order ids. Inside the core an order request is named by a 32-bit sequence
// (1, 2, 3, … in the order the OMS issues requests); on the wire (FIX 11/41, the simulator's order
// tables) it is "<prefix><sequence>", the prefix naming the run: 'K' and 8 hex digits of the run id
// (a hash of the config hash and the seed), e.g. "K1f2e3d4c17". Same run ⇒ same ids; nothing here
// reads a clock. parse() accepts only ids of this run, so reports for another run's orders are
// recognised as unknown rather than misread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "keel/core/containers/cl_ord_id.hpp"

namespace keel {

class ClOrdIdCodec {
 public:
  static constexpr std::size_t kPrefixLength = 9;  // 'K' + 8 hex digits
  explicit ClOrdIdCodec(std::uint64_t run_id) noexcept;

  // The run id for a config hash and seed (the prefix's source).
  [[nodiscard]] static std::uint64_t run_id(std::uint64_t config_hash, std::uint64_t seed) noexcept;

  [[nodiscard]] ClOrdId format(std::uint32_t sequence) const noexcept;
  // The sequence of an id of this run; nullopt for anything else (another prefix, no digits, a
  // sequence of 0 or beyond 2^32 − 1, trailing characters).
  [[nodiscard]] std::optional<std::uint32_t> parse(std::string_view text) const noexcept;
  [[nodiscard]] std::string_view prefix() const noexcept { return {prefix_, kPrefixLength}; }

 private:
  char prefix_[kPrefixLength] = {};
};

}  // namespace keel
