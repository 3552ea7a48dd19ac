# Every Debian dependency of the design is found here, at configure time, even where only a later
# component uses it, so a missing package fails the configure step with one clear message.
# See ../shared/spec/DEPENDENCIES.md for the quirks handled below.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(Eigen3 3.4 CONFIG REQUIRED)
find_package(simdjson CONFIG REQUIRED)
find_package(libwebsockets CONFIG REQUIRED)

# libnuma ships no CMake config.
pkg_check_modules(NUMA REQUIRED IMPORTED_TARGET numa)

# toml++: Debian builds it as a shared library (toml++/toml.h, TOML_HEADER_ONLY=0); its pkg-config
# file carries the matching defines.
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
add_library(keel::tomlplusplus ALIAS PkgConfig::TOMLPP)

# QuickFIX 1.15.1: no CMake config and a stale quickfix.pc. Its headers use dynamic exception
# specifications (ill-formed in C++17/20), so they are only ever included through a wrapper header
# that defines the specifications away (gateway/protocol/include/keel/protocol/fix/quickfix.hpp), behind a narrow FIX interface. Never define HAVE_STD_UNIQUE_PTR (the library was built with auto_ptr).
find_path(KEEL_QUICKFIX_INCLUDE_DIR quickfix/Application.h REQUIRED)
find_library(KEEL_QUICKFIX_LIBRARY quickfix REQUIRED)
add_library(keel_quickfix UNKNOWN IMPORTED)
set_target_properties(keel_quickfix PROPERTIES
  IMPORTED_LOCATION "${KEEL_QUICKFIX_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${KEEL_QUICKFIX_INCLUDE_DIR}")
add_library(keel::quickfix ALIAS keel_quickfix)

if(TARGET websockets_shared)
  add_library(keel::websockets ALIAS websockets_shared)
else()
  add_library(keel::websockets ALIAS websockets)
endif()

if(KEEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(KEEL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
