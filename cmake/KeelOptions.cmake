# Compile options shared by every keel target: one -march for the whole project (Eigen's alignment
# depends on it, DEPENDENCIES.md), no fast-math and no FP contraction (results must be reproducible by
# independent implementations of the spec), warnings as errors for keel's own code.
add_library(keel_options INTERFACE)
add_library(keel::options ALIAS keel_options)

set(KEEL_ARCH_FLAGS "-march=x86-64-v2;-mpclmul" CACHE STRING "Target CPU flags used for every keel source")

target_compile_options(keel_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:${KEEL_ARCH_FLAGS}>
  $<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off>
  $<$<COMPILE_LANGUAGE:CXX>:-fno-fast-math>)

if(KEEL_DEVELOPER_MODE)
  target_compile_options(keel_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
      -Wdouble-promotion -Wimplicit-fallthrough -Werror>)
endif()

# KEEL_ASSERT (core/primitives/assert.hpp) is checked in developer and sanitizer builds.
if(KEEL_DEVELOPER_MODE OR KEEL_SANITIZE)
  target_compile_definitions(keel_options INTERFACE KEEL_ENABLE_ASSERTS=1)
endif()

if(KEEL_SANITIZE)
  target_compile_options(keel_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all>)
  target_link_options(keel_options INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(keel_options INTERFACE KEEL_SANITIZE=1)
endif()
