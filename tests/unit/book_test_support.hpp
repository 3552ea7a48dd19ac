// Checks on keel::book's L2Book shared by the tests that rebuild a book (the mirror's own tests, the
// Binance format tests, the venue's market data end to end).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ranges>

#include "keel/core/book/l2_book.hpp"

namespace keel::test {

// Every level of `book`'s `side`, best first, equals `want`: (raw price, raw qty) pairs, best first
// (a std::map of a naive book, reversed for bids kept in ascending order).
template <class Range>
::testing::AssertionResult same_side(const book::L2Book& book, Side side, const Range& want) {
  const auto size = static_cast<std::size_t>(std::ranges::distance(want));
  if (book.depth(side) != size) {
    return ::testing::AssertionFailure() << "depth " << book.depth(side) << " vs " << size;
  }
  std::size_t i = 0;
  for (const auto& [price, qty] : want) {
    const book::PriceQty l = book.level(side, i++);
    if (l.price.raw() != price || l.qty.raw() != qty) {
      return ::testing::AssertionFailure() << "level " << i - 1 << ": " << l.price.raw() << "x" << l.qty.raw()
                                           << " vs " << price << "x" << qty;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace keel::test
