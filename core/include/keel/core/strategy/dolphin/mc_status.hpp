// The MC-Forewarner's daily verdict (bible §12, DOLPHIN.md §5), shared by the forewarner, which
// produces it, and the survival stack, whose Cat2 sensor reads it.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel::dolphin {

enum class McStatus : std::uint8_t { kOk = 0, kOrange = 1, kRed = 2 };

constexpr std::string_view to_string(McStatus s) noexcept {
  switch (s) {
    case McStatus::kOk:
      return "OK";
    case McStatus::kOrange:
      return "ORANGE";
    case McStatus::kRed:
      return "RED";
  }
  return "?";
}

}  // namespace keel::dolphin
