#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <thread>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"

using namespace keel;

TEST(SpscRing, FifoAndCapacity) {
  SpscRing<int> ring(3);
  EXPECT_EQ(ring.capacity(), 3u);
  EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(ring.try_push(1));
  EXPECT_TRUE(ring.try_push(2));
  EXPECT_TRUE(ring.try_push(3));
  EXPECT_FALSE(ring.try_push(4));  // full
  EXPECT_EQ(ring.size(), 3u);
  int v = 0;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 1);
  EXPECT_TRUE(ring.try_push(4));
  for (int expected : {2, 3, 4}) {
    ASSERT_NE(ring.front(), nullptr);
    EXPECT_EQ(*ring.front(), expected);
    ring.pop();
  }
  EXPECT_EQ(ring.front(), nullptr);
  EXPECT_FALSE(ring.try_pop(v));
}

TEST(SpscRing, RejectsZeroCapacity) { EXPECT_THROW(SpscRing<int>(0), std::invalid_argument); }

TEST(SpscRing, WrapsAroundManyTimes) {
  SpscRing<std::uint64_t> ring(5);
  std::uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    while (ring.try_push(next_in)) ++next_in;
    std::uint64_t v;
    for (int k = 0; k < 3 && ring.try_pop(v); ++k) ASSERT_EQ(v, next_out++);
  }
  std::uint64_t v;
  while (ring.try_pop(v)) ASSERT_EQ(v, next_out++);
  EXPECT_EQ(next_in, next_out);
}

// Issue 8: slots were not cache-line aligned, so a 64-byte Event could straddle two lines. Walk the
// consumer through every slot of rings of several sizes (twice round, so it wraps) and check each
// slot's address: on a 64-byte boundary, one line per Event, all slots distinct and contiguous.
TEST(SpscRing, EverySlotOfAnEventRingIsCacheLineAligned) {
  for (std::size_t capacity : {1u, 3u, 7u, 63u, 1023u}) {
    SpscRing<Event> ring(capacity);
    const std::size_t slots = ring.capacity() + 1;
    std::uintptr_t lowest = UINTPTR_MAX, highest = 0;
    for (std::size_t i = 0; i < 2 * slots; ++i) {
      ASSERT_TRUE(ring.try_push(Event{}));
      const Event* e = ring.front();
      ASSERT_NE(e, nullptr);
      const auto address = reinterpret_cast<std::uintptr_t>(e);
      EXPECT_EQ(address % kCacheLine, 0u) << "capacity " << capacity << ", slot " << i % slots;
      lowest = std::min(lowest, address);
      highest = std::max(highest, address);
      ring.pop();
    }
    EXPECT_EQ(highest - lowest, (slots - 1) * sizeof(Event)) << "capacity " << capacity;
  }
}

// Small elements share lines, but the storage still starts on a line boundary.
TEST(SpscRing, SmallElementStorageStartsOnACacheLine) {
  SpscRing<std::uint32_t> ring(15);
  ASSERT_TRUE(ring.try_push(1));
  ASSERT_NE(ring.front(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ring.front()) % kCacheLine, 0u);  // slot 0
}

TEST(SpscRing, PushAndPopDoNotAllocate) {
  SpscRing<Event> ring(64);
  Event e{};
  AllocationScope scope;
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(ring.try_push(e));
    ASSERT_TRUE(ring.try_pop(e));
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

// A producer and a consumer thread pass 2M sequence-numbered events through a small ring: every
// event arrives exactly once and in order, with its payload intact.
TEST(SpscRing, DeliversEverythingInOrderAcrossThreads) {
  constexpr std::uint64_t kCount = 2'000'000;
  SpscRing<Event> ring(1024);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) {
      Trade t{};
      t.seq = i;
      t.price = Price::from_raw(static_cast<std::int64_t>(i * 3));
      const Event e = to_event(t);
      while (!ring.try_push(e)) std::this_thread::yield();
    }
  });
  std::uint64_t expected = 0;
  std::uint64_t bad = 0;
  while (expected < kCount) {
    const Event* e = ring.front();
    if (e == nullptr) {
      std::this_thread::yield();
      continue;
    }
    if (e->trade.seq != expected || e->trade.price.raw() != static_cast<std::int64_t>(expected * 3)) ++bad;
    ring.pop();
    ++expected;
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, StagedElementsAreInvisibleUntilPublished) {
  SpscRing<int> ring(3);
  ASSERT_EQ(ring.capacity(), 3u);
  ASSERT_TRUE(ring.try_stage(1));
  ASSERT_TRUE(ring.try_stage(2));
  EXPECT_EQ(ring.front(), nullptr);  // staged, not yet visible
  ring.publish();
  int v = 0;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(ring.try_stage(3));
  ASSERT_TRUE(ring.try_stage(4));
  EXPECT_FALSE(ring.try_stage(5));  // staged elements count against the capacity
  EXPECT_FALSE(ring.try_push(5));
  ring.publish();
  for (int expected : {2, 3, 4}) {
    ASSERT_TRUE(ring.try_pop(v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_FALSE(ring.try_pop(v));
}

TEST(SpscRing, BatchedPublicationAcrossThreads) {
  constexpr std::uint64_t kCount = 1'000'000;
  SpscRing<std::uint64_t> ring(256);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) {
      while (!ring.try_stage(i)) {
        ring.publish();  // full: let the consumer see what is staged
        std::this_thread::yield();
      }
      if (i % 16 == 15) ring.publish();
    }
    ring.publish();
  });
  std::uint64_t expected = 0, bad = 0, v = 0;
  while (expected < kCount) {
    if (!ring.try_pop(v)) {
      std::this_thread::yield();
      continue;
    }
    if (v != expected) ++bad;
    ++expected;
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
}

// producer_free() is exact when the consumer is quiet, so a batch goes in whole or not at all.
TEST(SpscRing, ProducerFreeCountsStagedAndUnconsumed) {
  keel::SpscRing<int> ring(7);
  EXPECT_EQ(ring.producer_free(), 7u);
  ASSERT_TRUE(ring.try_stage(1));
  ASSERT_TRUE(ring.try_stage(2));
  EXPECT_EQ(ring.producer_free(), 5u);
  ring.publish();
  int v = 0;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(ring.producer_free(), 6u);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.producer_free(), 0u);
  EXPECT_FALSE(ring.try_stage(9));
}
