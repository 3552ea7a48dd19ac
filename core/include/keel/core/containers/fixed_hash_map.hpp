// An open-addressing hash map with a capacity fixed at construction: linear probing, deletion by
// backward shift (no tombstones, so lookups never degrade). Allocates only in its constructor;
// insert/find/erase never allocate. Used for the venue's id → slot tables.
//
// Of the two full-size tables allocated up front only a power-of-two prefix of one is in use, kept at
// most half full; an insert that would pass that doubles the prefix, rehashing into the other table
// (O(size), never shrinks). A map sized for far more entries than it holds thus stays as small, and
// as cache-resident, as its contents allow.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel {

template <class Key, class Value, class Hash>
class FixedHashMap {
 public:
  // Holds up to max_entries entries; each table is the next power of two ≥ 2·max_entries.
  explicit FixedHashMap(std::size_t max_entries) : max_entries_(max_entries) {
    std::size_t n = 8;
    while (n < 2 * max_entries) n *= 2;
    tables_[0].resize(n);
    tables_[1].resize(n);
    max_mask_ = n - 1;
    mask_ = std::min<std::size_t>(n, kInitialSize) - 1;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_entries_; }

  // Inserts key → value. Returns false (and changes nothing) when the key is present or the map is
  // full.
  bool insert(const Key& key, const Value& value) noexcept {
    if (full()) return false;
    const std::size_t hash = Hash{}(key);
    Slot* slots = tables_[active_].data();
    std::size_t i = hash & mask_;
    while (slots[i].used) {
      if (slots[i].key == key) return false;
      i = (i + 1) & mask_;
    }
    if (2 * (size_ + 1) > mask_ + 1 && mask_ < max_mask_) {
      grow();
      slots = tables_[active_].data();
      i = hash & mask_;
      while (slots[i].used) i = (i + 1) & mask_;
    }
    slots[i] = Slot{key, value, true};
    ++size_;
    return true;
  }

  // The value for key, or nullptr.
  [[nodiscard]] const Value* find(const Key& key) const noexcept {
    const Slot* slots = tables_[active_].data();
    std::size_t i = Hash{}(key) & mask_;
    while (slots[i].used) {
      if (slots[i].key == key) return &slots[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  // Removes key; false when absent.
  bool erase(const Key& key) noexcept {
    Slot* slots = tables_[active_].data();
    std::size_t i = Hash{}(key) & mask_;
    while (slots[i].used && !(slots[i].key == key)) i = (i + 1) & mask_;
    if (!slots[i].used) return false;
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    std::size_t hole = i;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (!slots[j].used) break;
      const std::size_t home = Hash{}(slots[j].key) & mask_;
      // Entry j may move to the hole iff its home is not cyclically within (hole, j].
      const bool home_in_range = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!home_in_range) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole].used = false;
    --size_;
    return true;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };
  static constexpr std::size_t kInitialSize = 64;  // slots in use at first (a power of two)

  // Doubles the prefix in use, moving every entry into the other table.
  void grow() noexcept {
    const std::size_t mask = 2 * mask_ + 1;
    const Slot* from = tables_[active_].data();
    Slot* to = tables_[active_ ^ 1].data();
    std::fill(to, to + mask + 1, Slot{});
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (!from[i].used) continue;
      std::size_t k = Hash{}(from[i].key) & mask;
      while (to[k].used) k = (k + 1) & mask;
      to[k] = from[i];
    }
    active_ ^= 1;
    mask_ = mask;
  }

  std::vector<Slot> tables_[2];
  std::size_t active_ = 0;  // the table in use
  std::size_t mask_ = 0;    // its size in use − 1
  std::size_t max_mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_entries_ = 0;
};

// Hashes a 64-bit integer (splitmix64 finaliser).
struct U64Hash {
  std::size_t operator()(std::uint64_t x) const noexcept {
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::size_t>(x ^ (x >> 31));
  }
};

}  // namespace keel
