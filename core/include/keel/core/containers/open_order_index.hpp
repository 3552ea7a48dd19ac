// The venue's open orders by (account, ClOrdID), in a table small enough to stay in cache.
//
// Each entry is 8 bytes: 32 bits of the key's hash and a 32-bit reference to where the order rests
// (the caller's numbering, e.g. instrument · orders_per_book + slot). The key itself (account and a
// 36-byte ClOrdID) lives only with the order: a lookup compares hash bits first and asks the caller
// to confirm a candidate against the order, so a probe reads one cache line of the table and, on a
// hit, the order it will use anyway. The caller hashes a key once and reuses the hash for
// find/insert/erase. Linear probing, deletion by backward shift (no tombstones).
//
// Beside the entries, one control byte per bucket (0 = empty, else 0x80 | 7 more hash bits) is
// what a probe walks: a lookup of a key that is absent — the duplicate-ClOrdID check of every new
// order — reads only control bytes (an eighth of the entries' footprint, so they stay in L2 when the
// entries do not) and touches an entry only on a 1-in-128 fingerprint match. find() returns a Probe
// that remembers where the key would go, and insert(probe, …) puts it there without probing again
// unless the table changed in between: the duplicate check and the insert are one probe.
//
// The capacity is fixed at construction, which is the only member that allocates: two tables of the
// full size (2 · max_entries, a power of two), reserved but touched only as far as they are used. Only a power-of-two prefix of one of them is in use,
// kept at most half full: an insert that would pass that doubles the prefix, rehashing into the
// other table. So the probes of a venue with a few thousand open orders and room for millions stay
// in a few tens of KB instead of spreading over MBs (a growth costs O(size) once; it never shrinks).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace keel {

// A std::allocator for big tables that are probed at random (the open-order index, the order pool):
// an allocation of 2 MiB or more is 2 MiB-aligned and advised to the kernel as huge-page backed
// (MADV_HUGEPAGE; Linux, where transparent huge pages are in `madvise` mode or `always`). A random
// probe of a table of many MB then costs one cache miss instead of a cache miss plus a page walk
// (two-dimensional under a hypervisor). Smaller allocations, and other systems, use operator new.
// Allocates only when the container does (at start-up for the tables it is used for).
template <class T>
struct LargePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  LargePageAllocator() noexcept = default;
  template <class U>
  LargePageAllocator(const LargePageAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    void* p = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__)
    (void)::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without huge pages it still works
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }
  template <class U>
  friend bool operator==(const LargePageAllocator&, const LargePageAllocator<U>&) noexcept {
    return true;
  }
};

// LargePageAllocator whose containers leave a trivially copyable element uninitialized when they
// grow without a value (resize(n)): the pages of a big table are then touched only where it is
// written, so a table sized for the worst case costs address space, not memory, until it fills.
// The owner must write an element before reading it.
template <class T>
struct LazyPageAllocator : LargePageAllocator<T> {
  using value_type = T;
  LazyPageAllocator() noexcept = default;
  template <class U>
  LazyPageAllocator(const LazyPageAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding
  template <class U>
  void construct(U* /*p*/) noexcept {
    static_assert(std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U>);
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  friend bool operator==(const LazyPageAllocator&, const LazyPageAllocator<U>&) noexcept {
    return true;
  }
};

class OpenOrderIndex {
 public:
  using Ref = std::uint32_t;
  static constexpr Ref kNoRef = 0xFFFF'FFFFu;

  // What find() saw: the reference it found (or kNoRef) and, when absent, the bucket where the key
  // would be inserted as long as the table does not change.
  struct Probe {
    Ref ref = kNoRef;
    std::uint32_t bucket = 0;
    std::uint64_t version = 0;
    [[nodiscard]] bool found() const noexcept { return ref != kNoRef; }
  };

  // Holds up to max_entries entries; the table is the next power of two ≥ 2·max_entries. Throws
  // std::invalid_argument when that is more than 2^32 entries (start-up only).
  explicit OpenOrderIndex(std::size_t max_entries) : max_entries_(max_entries) {
    std::size_t n = 8;
    while (n < 2 * max_entries) n *= 2;
    if (n > (std::size_t{1} << 32)) throw std::invalid_argument("open order index too large");
    for (int t = 0; t < 2; ++t) {
      tables_[t].resize(n);
      control_[t].resize(n);
    }
    max_mask_ = static_cast<std::uint32_t>(n - 1);
    mask_ = std::min(max_mask_, kInitialSize - 1);
    // Only the prefix in use is initialized (grow() clears the next one): the rest of both tables
    // stays untouched address space until the index grows into it.
    std::fill(control_[active_].begin(), control_[active_].begin() + std::ptrdiff_t{mask_} + 1, std::uint8_t{0});
  }

  // Bytes an index of max_entries reserves (both tables and their control bytes): its memory once
  // it has grown to full size. Same rounding as the constructor.
  [[nodiscard]] static std::size_t reserved_bytes(std::size_t max_entries) noexcept {
    std::size_t n = 8;
    while (n < 2 * max_entries) n *= 2;
    return 2 * n * (sizeof(Entry) + 1);
  }

  // Touches every page of both tables now (start-up work, when the caller wants no page fault on
  // its hot path later). Changes nothing observable.
  void prefault() noexcept {
    for (int t = 0; t < 2; ++t) {
      // Only what is not in use: the buckets of the active prefix hold live entries.
      const std::size_t from = t == static_cast<int>(active_) ? std::size_t{mask_} + 1 : 0;
      std::fill(control_[t].begin() + static_cast<std::ptrdiff_t>(from), control_[t].end(), std::uint8_t{0});
      std::fill(tables_[t].begin() + static_cast<std::ptrdiff_t>(from), tables_[t].end(), Entry{});
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_entries_; }

  // The entry with `hash` that `is_key(ref)` confirms (ref, or kNoRef), and where it would go.
  template <class Confirm>
  [[nodiscard]] Probe probe(std::uint64_t hash, Confirm&& is_key) const noexcept {
    const std::uint32_t tag = tag_of(hash);
    const std::uint8_t fp = fingerprint(tag);
    const std::uint8_t* control = control_[active_].data();
    const Entry* entries = tables_[active_].data();
    for (std::uint32_t i = tag & mask_;; i = (i + 1) & mask_) {
      const std::uint8_t c = control[i];
      if (c == 0) return Probe{kNoRef, i, version_};
      if (c == fp && entries[i].tag == tag && is_key(entries[i].ref)) return Probe{entries[i].ref, i, version_};
    }
  }

  // The reference of the entry with `hash` that `is_key(ref)` confirms, or kNoRef.
  template <class Confirm>
  [[nodiscard]] Ref find(std::uint64_t hash, Confirm&& is_key) const noexcept {
    return probe(hash, std::forward<Confirm>(is_key)).ref;
  }

  // Adds `ref` under `hash` (the caller has checked that its key is absent). False when full.
  bool insert(std::uint64_t hash, Ref ref) noexcept { return insert(Probe{kNoRef, 0, version_ - 1}, hash, ref); }
  // The same, at the bucket `absent` (a probe of this hash that found nothing) saw, when the table
  // has not changed since.
  bool insert(const Probe& absent, std::uint64_t hash, Ref ref) noexcept {
    if (full()) return false;
    const Entry e{tag_of(hash), ref};
    if (2 * (size_ + 1) > std::size_t{mask_} + 1 && mask_ < max_mask_) {
      grow();
      place(active_, mask_, e);
    } else if (absent.version == version_) {
      tables_[active_][absent.bucket] = e;
      control_[active_][absent.bucket] = fingerprint(e.tag);
    } else {
      place(active_, mask_, e);
    }
    ++size_;
    ++version_;
    return true;
  }

  // Removes the entry `ref` inserted under `hash`; false when absent.
  bool erase(std::uint64_t hash, Ref ref) noexcept {
    Entry* entries = tables_[active_].data();
    std::uint8_t* control = control_[active_].data();
    const std::uint32_t tag = tag_of(hash);
    const std::uint8_t fp = fingerprint(tag);
    std::uint32_t i = tag & mask_;
    for (;; i = (i + 1) & mask_) {
      if (control[i] == 0) return false;
      if (control[i] == fp && entries[i].ref == ref) break;
    }
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    std::uint32_t hole = i;
    std::uint32_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (control[j] == 0) break;
      const std::uint32_t home = entries[j].tag & mask_;
      // Entry j may move to the hole iff its home is not cyclically within (hole, j].
      const bool home_in_range = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!home_in_range) {
        entries[hole] = entries[j];
        control[hole] = control[j];
        hole = j;
      }
    }
    entries[hole] = Entry{};
    control[hole] = 0;
    --size_;
    ++version_;
    return true;
  }

  // Starts loading the control bytes that a probe of `hash` reads first (a hint; changes nothing).
  void prefetch(std::uint64_t hash) const noexcept {
    __builtin_prefetch(control_[active_].data() + (tag_of(hash) & mask_));
  }
  // Starts loading the entry an erase of `hash` reads first (a hint; changes nothing).
  void prefetch_entry(std::uint64_t hash) const noexcept {
    __builtin_prefetch(tables_[active_].data() + (tag_of(hash) & mask_));
  }

  // Hashes an account and a ClOrdID's text, 8 bytes at a time.
  [[nodiscard]] static std::uint64_t hash(std::uint32_t account, std::string_view id) noexcept {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
    std::uint64_t h = (0xCBF29CE484222325ull ^ account) * kMul;
    const char* p = id.data();
    std::size_t n = id.size();
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    if (n > 0) {
      // The last 1–7 bytes, zero-extended, assembled in registers: a memcpy into a zeroed word would
      // be read back before its byte stores retire (a failed store-to-load forward, ~15 cycles).
      std::uint64_t w;
      if (id.size() >= 8) {
        std::memcpy(&w, p + n - 8, 8);  // ends at the string's end; drop the bytes before p
        w >>= (8 - n) * 8;
      } else if (n >= 4) {
        std::uint32_t lo;
        std::uint32_t hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);  // overlaps lo by 8 − n bytes, which agree
        w = lo | std::uint64_t{hi} << ((n - 4) * 8);
      } else {
        const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])} << (i * 8); };
        w = byte(0) | byte(n / 2) | byte(n - 1);
      }
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    h ^= id.size();
    // splitmix64 finaliser
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    return h ^ (h >> 31);
  }

 private:
  struct Entry {
    std::uint32_t tag = 0;
    Ref ref = kNoRef;
  };
  static constexpr std::uint32_t kInitialSize = 64;  // entries in use at first (a power of two)

  static std::uint32_t tag_of(std::uint64_t hash) noexcept { return static_cast<std::uint32_t>(hash >> 32); }
  // The tag's top 7 bits (the home bucket comes from its low bits) with the high bit set: never 0.
  static std::uint8_t fingerprint(std::uint32_t tag) noexcept { return static_cast<std::uint8_t>(0x80u | (tag >> 25)); }
  void place(std::uint32_t table, std::uint32_t mask, Entry e) noexcept {
    Entry* entries = tables_[table].data();
    std::uint8_t* control = control_[table].data();
    std::uint32_t i = e.tag & mask;
    while (control[i] != 0) i = (i + 1) & mask;
    entries[i] = e;
    control[i] = fingerprint(e.tag);
  }
  // Doubles the prefix in use, moving every entry into the other table.
  void grow() noexcept {
    const std::uint32_t mask = 2 * mask_ + 1;
    const std::uint32_t from = active_;
    const std::uint32_t to = active_ ^ 1;
    std::fill(control_[to].begin(), control_[to].begin() + std::ptrdiff_t{mask} + 1, std::uint8_t{0});
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (control_[from][i] != 0) place(to, mask, tables_[from][i]);
    }
    active_ = to;
    mask_ = mask;
    ++version_;
  }

  // Entries are read only where control_ says a bucket is used; both are written before read.
  std::vector<Entry, LazyPageAllocator<Entry>> tables_[2];
  std::vector<std::uint8_t, LazyPageAllocator<std::uint8_t>> control_[2];  // per bucket: 0 = empty, else fingerprint()
  std::uint32_t active_ = 0;  // the table in use
  std::uint32_t mask_ = 0;    // its size in use − 1
  std::uint32_t max_mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_entries_ = 0;
  std::uint64_t version_ = 1;  // bumped by every change (invalidates a Probe's bucket)
};

}  // namespace keel
