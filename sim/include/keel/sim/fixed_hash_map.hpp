// An open-addressing hash map with a capacity fixed at construction: linear probing, deletion by
// backward shift (no tombstones, so lookups never degrade). Allocates only in its constructor;
// insert/find/erase never allocate. Used for the venue's id → slot tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::sim {

template <class Key, class Value, class Hash>
class FixedHashMap {
 public:
  // Holds up to max_entries entries; the table is the next power of two ≥ 2·max_entries.
  explicit FixedHashMap(std::size_t max_entries) : max_entries_(max_entries) {
    std::size_t n = 8;
    while (n < 2 * max_entries) n *= 2;
    slots_.resize(n);
    mask_ = n - 1;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_entries_; }

  // Inserts key → value. Returns false (and changes nothing) when the key is present or the map is
  // full.
  bool insert(const Key& key, const Value& value) noexcept {
    if (full()) return false;
    std::size_t i = Hash{}(key) & mask_;
    while (slots_[i].used) {
      if (slots_[i].key == key) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = Slot{key, value, true};
    ++size_;
    return true;
  }

  // The value for key, or nullptr.
  [[nodiscard]] const Value* find(const Key& key) const noexcept {
    std::size_t i = Hash{}(key) & mask_;
    while (slots_[i].used) {
      if (slots_[i].key == key) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  // Removes key; false when absent.
  bool erase(const Key& key) noexcept {
    std::size_t i = Hash{}(key) & mask_;
    while (slots_[i].used && !(slots_[i].key == key)) i = (i + 1) & mask_;
    if (!slots_[i].used) return false;
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    std::size_t hole = i;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (!slots_[j].used) break;
      const std::size_t home = Hash{}(slots_[j].key) & mask_;
      // Entry j may move to the hole iff its home is not cyclically within (hole, j].
      const bool home_in_range = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!home_in_range) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
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

}  // namespace keel::sim
