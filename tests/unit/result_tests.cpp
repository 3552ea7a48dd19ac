#include <gtest/gtest.h>

#include <set>
#include <string_view>

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

// Every Errc value has its own non-empty name: the known values form one run 0 .. kUnsupported (or
// beyond, when values are added), and every byte value past that run gets the fallback name.
TEST(Result, EveryErrorHasAName) {
  constexpr std::string_view kFallback = "unknown error";
  int known = 0;
  while (known < 256 && to_string(static_cast<Errc>(known)) != kFallback) ++known;
  EXPECT_GT(known, static_cast<int>(Errc::kUnsupported));
  std::set<std::string_view> names;
  for (int e = 0; e < known; ++e) {
    const std::string_view name = to_string(static_cast<Errc>(e));
    EXPECT_FALSE(name.empty()) << e;
    EXPECT_TRUE(names.insert(name).second) << e << " repeats the name '" << name << "'";
  }
  for (int e = known; e < 256; ++e) EXPECT_EQ(to_string(static_cast<Errc>(e)), kFallback) << e;
  static_assert(sizeof(Errc) == 1);
  static_assert(to_string(Errc::kOk) == "ok");
}
