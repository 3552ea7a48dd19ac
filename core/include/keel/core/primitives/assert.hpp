// KEEL_ASSERT: invariants of keel's own code (a broken invariant is a bug; bad input is data and is
// handled as a value, never asserted). Checked when KEEL_ENABLE_ASSERTS is defined — the dev, CI and
// sanitizer builds (KEEL_DEVELOPER_MODE or KEEL_SANITIZE) — and compiled out of release builds,
// where the condition is not evaluated. A failed check prints the condition, file and line to stderr
// and aborts. Allocation-free and usable in noexcept code.
#pragma once

namespace keel::detail {
[[noreturn]] void assert_failed(const char* condition, const char* file, int line) noexcept;
}  // namespace keel::detail

#if defined(KEEL_ENABLE_ASSERTS)
#define KEEL_ASSERT(condition) \
  ((condition) ? static_cast<void>(0) : ::keel::detail::assert_failed(#condition, __FILE__, __LINE__))
#else
#define KEEL_ASSERT(condition) static_cast<void>(sizeof(static_cast<bool>(condition)))
#endif
