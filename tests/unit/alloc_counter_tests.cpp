#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"

using namespace keel;

TEST(AllocationCounter, HooksAreLinked) { EXPECT_TRUE(allocation_hooks_installed()); }

TEST(AllocationCounter, CountsOperatorNew) {
  AllocationScope scope;
  auto p = std::make_unique<std::vector<int>>(100);
  EXPECT_GE(scope.allocations(), 2u);  // the vector object and its buffer
  EXPECT_GE(scope.bytes(), 400u);
}

TEST(AllocationCounter, CountsMalloc) {
  if (!malloc_hooks_installed()) GTEST_SKIP() << "sanitizer build: malloc belongs to the sanitizer";
  AllocationScope scope;
  void* volatile p = std::malloc(64);
  std::free(p);
  EXPECT_EQ(scope.allocations(), 1u);
}

TEST(AllocationCounter, ZeroWhenNothingIsAllocated) {
  AllocationScope scope;
  volatile int x = 0;
  for (int i = 0; i < 1000; ++i) x = x + i;
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(AllocationCounter, CountsOnlyTheCallingThread) {
  AllocationScope scope;
  std::thread other([] {
    std::vector<std::unique_ptr<int>> v;
    for (int i = 0; i < 100; ++i) v.push_back(std::make_unique<int>(i));
  });
  const auto after_spawn = scope.allocations();  // std::thread itself allocates its state here
  other.join();
  EXPECT_EQ(scope.allocations(), after_spawn);
  EXPECT_LT(after_spawn, 10u);
}
