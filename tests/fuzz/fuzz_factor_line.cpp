// Fuzzes the factor file's line parser (keel/gateway/factor_file.hpp), each '\n'-separated line of
// the input in turn.
//
// Invariants checked (trap on violation):
//  * parse_factor_line never crashes, throws or reads outside the line;
//  * kMalformed carries a non-empty printable reason, the other statuses none;
//  * kValue: a named FactorKind, a finite value, a symbol of at most 32 of [A-Za-z0-9_.-] that
//    lies inside the line;
//  * a value written back canonically (`<name> <%.17g> [SYMBOL]`) parses to the same kind, the same
//    64-bit value and the same symbol.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/gateway/factor_file.hpp"

namespace kg = keel::gateway;

namespace {

void check_line(std::string_view line) {
  const kg::FactorLine l = kg::parse_factor_line(line);
  if (l.status == kg::FactorLineStatus::kMalformed) {
    KEEL_FUZZ_CHECK(!l.error.empty());
    for (const char c : l.error) KEEL_FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    return;
  }
  KEEL_FUZZ_CHECK(l.error.empty());
  if (l.status == kg::FactorLineStatus::kSkip) return;
  KEEL_FUZZ_CHECK(l.status == kg::FactorLineStatus::kValue);
  const std::string_view name = kg::factor_name(l.kind);
  KEEL_FUZZ_CHECK(!name.empty());
  KEEL_FUZZ_CHECK(std::isfinite(l.value));
  KEEL_FUZZ_CHECK(l.symbol.size() <= kg::kMaxFactorSymbolBytes);
  if (!l.symbol.empty()) {
    KEEL_FUZZ_CHECK(l.symbol.data() >= line.data() &&
                    l.symbol.data() + l.symbol.size() <= line.data() + line.size());
    for (const char c : l.symbol)
      KEEL_FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.');
  }
  char value[64];
  std::snprintf(value, sizeof value, "%.17g", l.value);
  std::string canonical = std::string(name) + " " + value;
  if (!l.symbol.empty()) canonical += " " + std::string(l.symbol);
  const kg::FactorLine again = kg::parse_factor_line(canonical);
  KEEL_FUZZ_CHECK(again.status == kg::FactorLineStatus::kValue);
  KEEL_FUZZ_CHECK(again.kind == l.kind);
  KEEL_FUZZ_CHECK(std::memcmp(&again.value, &l.value, sizeof(double)) == 0);
  KEEL_FUZZ_CHECK(again.symbol == l.symbol);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes, so that AddressSanitizer sees a read past a line's end.
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string_view rest(text);
  while (true) {
    const std::size_t nl = rest.find('\n');
    const std::string line(rest.substr(0, nl));  // its own allocation: overreads are caught
    check_line(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
