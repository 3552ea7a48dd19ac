// Global allocation hooks (see alloc_counter.hpp). Compiled as an object library so the
// replacements are always linked, never dropped by the archive scan.
#include <cstddef>
#include <cstdlib>
#include <new>

#include "keel/core/primitives/alloc_counter.hpp"

namespace {
// Plain thread_local PODs: in an executable they use the static TLS model, so reading them never
// allocates (which would recurse into malloc).
thread_local std::uint64_t t_allocations = 0;
thread_local std::uint64_t t_bytes = 0;

inline void count(std::size_t n) noexcept {
  ++t_allocations;
  t_bytes += n;
}
}  // namespace

namespace keel {
AllocationCounts thread_allocation_counts() noexcept { return {t_allocations, t_bytes}; }
bool allocation_hooks_installed() noexcept { return true; }
#if defined(KEEL_SANITIZE) || defined(__SANITIZE_ADDRESS__)
bool malloc_hooks_installed() noexcept { return false; }
#else
bool malloc_hooks_installed() noexcept { return true; }
#endif
}  // namespace keel

#if !defined(KEEL_SANITIZE) && !defined(__SANITIZE_ADDRESS__)
// glibc's internal entry points: the replacements forward to them.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  count(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  count(a * b);
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  count(n);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* aligned_alloc(std::size_t align, std::size_t n) {
  count(n);
  return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) {
  count(n);
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return 22;  // EINVAL
  count(n);
  void* p = __libc_memalign(align, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}
#define KEEL_RAW_ALLOC(n) __libc_malloc(n)
#define KEEL_RAW_ALIGNED_ALLOC(a, n) __libc_memalign(a, n)
#define KEEL_RAW_FREE(p) __libc_free(p)
#else
#define KEEL_RAW_ALLOC(n) std::malloc(n)
#define KEEL_RAW_ALIGNED_ALLOC(a, n) std::aligned_alloc(a, ((n) + (a)-1) / (a) * (a))
#define KEEL_RAW_FREE(p) std::free(p)
#endif

namespace {
void* counted_new(std::size_t n) {
  count(n);
  if (n == 0) n = 1;
  for (;;) {
    if (void* p = KEEL_RAW_ALLOC(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}
void* counted_new_aligned(std::size_t n, std::align_val_t al) {
  count(n);
  const auto align = static_cast<std::size_t>(al);
  if (n == 0) n = 1;
  for (;;) {
    if (void* p = KEEL_RAW_ALIGNED_ALLOC(align, n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted_new(n); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted_new(n); } catch (...) { return nullptr; }
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return counted_new_aligned(n, a); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return counted_new_aligned(n, a); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { KEEL_RAW_FREE(p); }
void operator delete[](void* p) noexcept { KEEL_RAW_FREE(p); }
void operator delete(void* p, std::size_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete[](void* p, std::size_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete(void* p, std::align_val_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete[](void* p, std::align_val_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { KEEL_RAW_FREE(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { KEEL_RAW_FREE(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { KEEL_RAW_FREE(p); }
