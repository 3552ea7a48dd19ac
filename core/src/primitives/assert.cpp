#include "keel/core/primitives/assert.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace keel::detail {

void assert_failed(const char* condition, const char* file, int line) noexcept {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, "keel: invariant failed: %s (%s:%d)\n", condition, file, line);
  if (n > 0) (void)!::write(2, buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
  std::abort();
}

}  // namespace keel::detail
