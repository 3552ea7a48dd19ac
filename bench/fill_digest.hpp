// The fills of a matching run reduced to a count and a digest that any matcher can produce: for each
// fill, in order, the maker's and the taker's order number (1, 2, 3, … in submission order), the
// price in ticks and the quantity in lots. Two matchers given the same commands agree on it exactly
// when they produce the same fills in the same order.
#pragma once

#include <cstdint>

namespace keel::bench {

struct FillDigest {
  std::uint64_t count = 0;
  std::uint64_t digest = 0xcbf29ce484222325ull;

  void add(std::uint64_t maker, std::uint64_t taker, std::int64_t price_ticks, std::int64_t qty_lots) noexcept {
    ++count;
    mix(maker);
    mix(taker);
    mix(static_cast<std::uint64_t>(price_ticks));
    mix(static_cast<std::uint64_t>(qty_lots));
  }
  friend bool operator==(const FillDigest&, const FillDigest&) = default;

 private:
  void mix(std::uint64_t v) noexcept { digest = (digest ^ v) * 0x100000001b3ull; }
};

}  // namespace keel::bench
