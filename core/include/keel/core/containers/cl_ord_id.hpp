// A client order id (FIX 11/41) as an inline value: up to 36 characters, no allocation, compared by
// content. Used by the simulator's order tables, the core's OMS (which formats its deterministic ids
// into it) and the FIX codec.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace keel {

class ClOrdId {
 public:
  static constexpr std::size_t kCapacity = 36;
  constexpr ClOrdId() noexcept = default;
  // Truncates text longer than kCapacity (fits() tells whether it would); never allocates.
  explicit ClOrdId(std::string_view text) noexcept { assign(text); }
  [[nodiscard]] static constexpr bool fits(std::string_view text) noexcept { return text.size() <= kCapacity; }
  void assign(std::string_view text) noexcept {
    size_ = static_cast<std::uint8_t>(std::min(text.size(), kCapacity));
    std::memset(data_, 0, sizeof data_);
    std::memcpy(data_, text.data(), size_);
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  friend bool operator==(const ClOrdId& a, const ClOrdId& b) noexcept { return a.view() == b.view(); }

 private:
  char data_[kCapacity] = {};
  std::uint8_t size_ = 0;
};

}  // namespace keel
