// The venue's open orders by (account, ClOrdID), in a table small enough to stay in cache.
//
// Each entry is 8 bytes: 32 bits of the key's hash and a 32-bit reference to where the order rests
// (the caller's numbering, e.g. instrument · orders_per_book + slot). The key itself (account and a
// 36-byte ClOrdID) lives only with the order: a lookup compares hash bits first and asks the caller
// to confirm a candidate against the order, so a probe reads one cache line of the table and, on a
// hit, the order it will use anyway. The caller hashes a key once and reuses the hash for
// find/insert/erase. Linear probing, deletion by backward shift (no tombstones).
//
// The capacity is fixed at construction, which is the only member that allocates: two tables of the
// full size (2 · max_entries, a power of two). Only a power-of-two prefix of one of them is in use,
// kept at most half full: an insert that would pass that doubles the prefix, rehashing into the
// other table. So the probes of a venue with a few thousand open orders and room for millions stay
// in a few tens of KB instead of spreading over MBs (a growth costs O(size) once; it never shrinks).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace keel {

class OpenOrderIndex {
 public:
  using Ref = std::uint32_t;
  static constexpr Ref kNoRef = 0xFFFF'FFFFu;

  // Holds up to max_entries entries; the table is the next power of two ≥ 2·max_entries. Throws
  // std::invalid_argument when that is more than 2^32 entries (start-up only).
  explicit OpenOrderIndex(std::size_t max_entries) : max_entries_(max_entries) {
    std::size_t n = 8;
    while (n < 2 * max_entries) n *= 2;
    if (n > (std::size_t{1} << 32)) throw std::invalid_argument("open order index too large");
    tables_[0].resize(n);
    tables_[1].resize(n);
    max_mask_ = static_cast<std::uint32_t>(n - 1);
    mask_ = std::min(max_mask_, kInitialSize - 1);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_entries_; }

  // The reference of the entry with `hash` that `is_key(ref)` confirms, or kNoRef.
  template <class Confirm>
  [[nodiscard]] Ref find(std::uint64_t hash, Confirm&& is_key) const noexcept {
    const std::uint32_t tag = tag_of(hash);
    const Entry* entries = tables_[active_].data();
    for (std::uint32_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Entry e = entries[i];
      if (e.ref == kNoRef) return kNoRef;
      if (e.tag == tag && is_key(e.ref)) return e.ref;
    }
  }

  // Adds `ref` under `hash` (the caller has checked that its key is absent). False when full.
  bool insert(std::uint64_t hash, Ref ref) noexcept {
    if (full()) return false;
    if (2 * (size_ + 1) > std::size_t{mask_} + 1 && mask_ < max_mask_) grow();
    place(tables_[active_].data(), mask_, Entry{tag_of(hash), ref});
    ++size_;
    return true;
  }

  // Removes the entry `ref` inserted under `hash`; false when absent.
  bool erase(std::uint64_t hash, Ref ref) noexcept {
    Entry* entries = tables_[active_].data();
    const std::uint32_t tag = tag_of(hash);
    std::uint32_t i = tag & mask_;
    while (entries[i].ref != ref) {
      if (entries[i].ref == kNoRef) return false;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    std::uint32_t hole = i;
    std::uint32_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (entries[j].ref == kNoRef) break;
      const std::uint32_t home = entries[j].tag & mask_;
      // Entry j may move to the hole iff its home is not cyclically within (hole, j].
      const bool home_in_range = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!home_in_range) {
        entries[hole] = entries[j];
        hole = j;
      }
    }
    entries[hole] = Entry{};
    --size_;
    return true;
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
      std::uint64_t w = 0;
      std::memcpy(&w, p, n);
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
  static void place(Entry* entries, std::uint32_t mask, Entry e) noexcept {
    std::uint32_t i = e.tag & mask;
    while (entries[i].ref != kNoRef) i = (i + 1) & mask;
    entries[i] = e;
  }
  // Doubles the prefix in use, moving every entry into the other table.
  void grow() noexcept {
    const std::uint32_t mask = 2 * mask_ + 1;
    const Entry* from = tables_[active_].data();
    Entry* to = tables_[active_ ^ 1].data();
    std::fill(to, to + std::size_t{mask} + 1, Entry{});
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (from[i].ref != kNoRef) place(to, mask, from[i]);
    }
    active_ ^= 1;
    mask_ = mask;
  }

  std::vector<Entry> tables_[2];
  std::uint32_t active_ = 0;  // the table in use
  std::uint32_t mask_ = 0;    // its size in use − 1
  std::uint32_t max_mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_entries_ = 0;
};

}  // namespace keel
