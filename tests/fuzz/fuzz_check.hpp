// Shared by the libFuzzer targets: an invariant check that names the failed condition and then
// traps, so libFuzzer records the input as a crash (with the message in its log).
#pragma once

#include <cstdio>

#define KEEL_FUZZ_CHECK(cond)                                                                 \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::fflush(stderr);                                                                    \
      __builtin_trap();                                                                       \
    }                                                                                         \
  } while (false)
