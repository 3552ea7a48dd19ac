#include "keel/core/primitives/rng.hpp"

#include <cmath>
#include <numbers>

namespace keel {

double standard_normal(Xoshiro256StarStar& rng) noexcept {
  // 1 - u is in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - rng.uniform();
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace keel
