// Fuzzes the CSV bar loader (bar_data.hpp). keel::DataError is the expected outcome for bad input;
// any other exception, a sanitizer report or a broken invariant (bar_check.hpp) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "bar_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  keel_fuzz::fuzz_bar_loader(text, [](std::string_view t, std::string_view source, std::string symbol) {
    return keel::parse_bar_csv(t, source, std::move(symbol));
  });
  return 0;
}
