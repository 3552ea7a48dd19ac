// The fixed-capacity hash tables (core/containers) across their growth: FixedHashMap and OpenOrderIndex start
// on a small prefix of their preallocated tables and double it as they fill; every state must agree
// with std::map.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keel/core/primitives/rng.hpp"
#include "keel/core/containers/fixed_hash_map.hpp"
#include "keel/core/containers/open_order_index.hpp"

using namespace keel;

namespace {

struct FewBuckets {  // long probe runs that wrap around the table, at every size
  std::size_t operator()(std::uint64_t x) const noexcept { return static_cast<std::size_t>(x % 97) * 131; }
};

// Fills to `max_entries` and back down twice (growing through every prefix size), checking a sample
// of keys against std::map after each step.
template <class Hash>
void check_map_through_growth(std::size_t max_entries, std::uint64_t key_space) {
  FixedHashMap<std::uint64_t, std::uint64_t, Hash> map(max_entries);
  std::map<std::uint64_t, std::uint64_t> ref;
  RngStream rng("fixed-hash-map-growth", 11);
  for (int phase = 0; phase < 4; ++phase) {
    const bool filling = phase % 2 == 0;
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t key = rng.next() % key_space;
      if (rng.next() % 4 != 0 ? filling : !filling) {
        const bool fits = ref.size() < max_entries && ref.count(key) == 0;
        ASSERT_EQ(map.insert(key, key * 3), fits);
        if (fits) ref[key] = key * 3;
      } else {
        ASSERT_EQ(map.erase(key), ref.erase(key) == 1);
      }
      ASSERT_EQ(map.size(), ref.size());
      for (int s = 0; s < 8; ++s) {
        const std::uint64_t k = rng.next() % key_space;
        const auto* v = map.find(k);
        const auto it = ref.find(k);
        ASSERT_EQ(v != nullptr, it != ref.end());
        if (v != nullptr) {
          ASSERT_EQ(*v, it->second);
        }
      }
    }
    for (const auto& [k, v] : ref) {
      const auto* found = map.find(k);
      ASSERT_NE(found, nullptr);
      ASSERT_EQ(*found, v);
    }
  }
}

}  // namespace

TEST(FixedHashMap, AgreesWithStdMapWhileGrowing) {
  check_map_through_growth<U64Hash>(3000, 6000);
  check_map_through_growth<FewBuckets>(1000, 2000);
}

TEST(OpenOrderIndex, AgreesWithStdMapWhileGrowing) {
  // Keys are strings; refs index `keys`, which plays the resting orders the caller confirms against.
  constexpr std::size_t kMax = 2500;
  std::vector<std::string> keys(kMax);  // ref → key of the entry holding it ("" = free)
  std::vector<OpenOrderIndex::Ref> free_refs;  // refs not in use
  for (std::size_t i = kMax; i-- > 0;) free_refs.push_back(static_cast<OpenOrderIndex::Ref>(i));
  std::map<std::string, OpenOrderIndex::Ref> ref_of;
  OpenOrderIndex index(kMax);
  RngStream rng("open-order-index-growth", 5);
  const auto lookup = [&](const std::string& key) {
    return index.find(OpenOrderIndex::hash(7, key),
                      [&](OpenOrderIndex::Ref r) { return keys[r] == key; });
  };
  for (int phase = 0; phase < 4; ++phase) {
    const bool filling = phase % 2 == 0;
    for (int i = 0; i < 20000; ++i) {
      const std::string key = "ORD-" + std::to_string(rng.next() % 5000);
      const auto it = ref_of.find(key);
      ASSERT_EQ(lookup(key), it == ref_of.end() ? OpenOrderIndex::kNoRef : it->second);
      if (rng.next() % 4 != 0 ? filling : !filling) {
        if (it != ref_of.end() || free_refs.empty()) continue;
        const OpenOrderIndex::Ref r = free_refs.back();
        free_refs.pop_back();
        keys[r] = key;
        const std::uint64_t h = OpenOrderIndex::hash(7, key);
        const OpenOrderIndex::Probe absent = index.probe(h, [&](OpenOrderIndex::Ref c) { return keys[c] == key; });
        ASSERT_FALSE(absent.found());
        // A third of the inserts go through a probe made stale by an erase in between (the engine
        // matches between its duplicate check and the insert); the index must notice and re-probe.
        if (i % 3 == 0 && !ref_of.empty()) {
          const auto victim = ref_of.begin();
          ASSERT_TRUE(index.erase(OpenOrderIndex::hash(7, victim->first), victim->second));
          keys[victim->second].clear();
          free_refs.push_back(victim->second);
          ref_of.erase(victim);
        }
        ASSERT_TRUE(i % 3 == 1 ? index.insert(h, r) : index.insert(absent, h, r));
        ref_of[key] = r;
      } else if (it != ref_of.end()) {
        ASSERT_TRUE(index.erase(OpenOrderIndex::hash(7, key), it->second));
        keys[it->second].clear();
        free_refs.push_back(it->second);
        ref_of.erase(it);
      }
      ASSERT_EQ(index.size(), ref_of.size());
    }
    for (const auto& [k, r] : ref_of) ASSERT_EQ(lookup(k), r);
  }
}

TEST(OpenOrderIndex, HashDependsOnAccountAndEveryCharacter) {
  EXPECT_NE(OpenOrderIndex::hash(1, "A1-1"), OpenOrderIndex::hash(2, "A1-1"));
  EXPECT_NE(OpenOrderIndex::hash(1, "A1-1"), OpenOrderIndex::hash(1, "A1-2"));
  EXPECT_NE(OpenOrderIndex::hash(1, "12345678A"), OpenOrderIndex::hash(1, "12345678B"));
  EXPECT_NE(OpenOrderIndex::hash(1, std::string_view("A\0", 2)), OpenOrderIndex::hash(1, "A"));
  EXPECT_EQ(OpenOrderIndex::hash(3, "123456789012345678901234567890123456"),
            OpenOrderIndex::hash(3, "123456789012345678901234567890123456"));
}
