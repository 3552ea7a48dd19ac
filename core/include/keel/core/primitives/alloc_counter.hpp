// Counts heap allocations made by the calling thread, to prove that a thread (the core thread)
// allocates nothing after warm-up. The counting hooks replace global operator new and, except in
// sanitizer builds, malloc/calloc/realloc/aligned_alloc/posix_memalign; they live in the
// keel::alloc_hooks object library, which the `keel` program and the tests link.
//
//   keel::AllocationScope scope;      // start counting on this thread
//   ... steady-state work ...
//   EXPECT_EQ(scope.allocations(), 0u);
#pragma once

#include <cstdint>

namespace keel {

struct AllocationCounts {
  std::uint64_t allocations = 0;  // calls that returned (or tried to return) new memory
  std::uint64_t bytes = 0;        // bytes requested by those calls
};

// Cumulative counts of the calling thread since it started. Never allocates.
AllocationCounts thread_allocation_counts() noexcept;

// True when the counting hooks are linked into this program (otherwise counts stay 0).
bool allocation_hooks_installed() noexcept;

// True when malloc itself is counted (false in sanitizer builds, where only operator new is).
bool malloc_hooks_installed() noexcept;

class AllocationScope {
 public:
  AllocationScope() noexcept : start_(thread_allocation_counts()) {}
  [[nodiscard]] std::uint64_t allocations() const noexcept {
    return thread_allocation_counts().allocations - start_.allocations;
  }
  [[nodiscard]] std::uint64_t bytes() const noexcept {
    return thread_allocation_counts().bytes - start_.bytes;
  }
  void restart() noexcept { start_ = thread_allocation_counts(); }

 private:
  AllocationCounts start_;
};

}  // namespace keel
