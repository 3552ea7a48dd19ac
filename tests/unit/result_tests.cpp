#include <gtest/gtest.h>

#include "keel/core/primitives/result.hpp"

using namespace keel;

namespace {
Result<int> half(int v) {
  if (v % 2 != 0) return Errc::kInvalidArgument;
  return v / 2;
}
}  // namespace

TEST(Result, CarriesAValueOrAnError) {
  const auto ok = half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), 4);
  EXPECT_EQ(ok.error(), Errc::kOk);
  const auto bad = half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Errc::kInvalidArgument);
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, EveryErrorHasAName) {
  for (int e = 0; e <= static_cast<int>(Errc::kUnsupported); ++e)
    EXPECT_NE(to_string(static_cast<Errc>(e)), "unknown error") << e;
  EXPECT_EQ(to_string(static_cast<Errc>(200)), "unknown error");
  static_assert(sizeof(Errc) == 1);
}
