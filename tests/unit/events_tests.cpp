#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <new>
#include <typeinfo>

#include "keel/core/primitives/events.hpp"

using namespace keel;

TEST(Events, EveryKindHasItsSizeAndStartsWithTheHeader) {
  for (std::uint8_t k = 1; k <= kMaxEventKind; ++k) {
    ASSERT_TRUE(is_valid_event_kind(k));
    EXPECT_GT(event_size(static_cast<EventKind>(k)), sizeof(EventHeader));
    EXPECT_LE(event_size(static_cast<EventKind>(k)), 64u);
  }
  EXPECT_FALSE(is_valid_event_kind(0));
  EXPECT_FALSE(is_valid_event_kind(kMaxEventKind + 1));
  EXPECT_EQ(event_size(EventKind::kNone), 0u);
  EXPECT_EQ(sizeof(Bar), 64u);
  EXPECT_EQ(sizeof(OrderCommand), 48u);  // 48 since c4a5b66 (two 32-bit ClOrdIDs, no hidden padding)
}

namespace {

// Every event struct, once. A kind added to EventKind without a struct here fails
// DefaultKindMatchesStruct (its kind is then never seen).
template <class F>
void for_each_event_struct(F&& f) {
  f(Trade{});
  f(BookTop{});
  f(BookLevel{});
  f(Bar{});
  f(ExternalFactor{});
  f(ExecReport{});
  f(Timer{});
  f(Control{});
  f(Signal{});
  f(Advice{});
  f(FeedHealth{});
}

}  // namespace

// Over all 256 byte values: each valid kind belongs to exactly one struct, whose default-constructed
// header carries that kind and whose size event_size reports; every other value is invalid and
// has size 0.
TEST(Events, DefaultKindMatchesStruct) {
  std::array<int, 256> structs_of_kind{};
  std::array<std::size_t, 256> size_of_kind{};
  for_each_event_struct([&](const auto& event) {
    const auto k = static_cast<std::uint8_t>(event.header.kind);
    ++structs_of_kind[k];
    size_of_kind[k] = sizeof(event);
  });
  for (int v = 0; v < 256; ++v) {
    const auto k = static_cast<std::uint8_t>(v);
    const auto kind = static_cast<EventKind>(k);
    EXPECT_EQ(is_valid_event_kind(k), structs_of_kind[k] == 1) << "kind " << v;
    EXPECT_LE(structs_of_kind[k], 1) << "kind " << v << " is the default of several structs";
    EXPECT_EQ(event_size(kind), size_of_kind[k]) << "kind " << v;
  }
  EXPECT_EQ(structs_of_kind[0], 0) << "a struct defaults to EventKind::kNone";
}

// to_event's slot is canonical: whatever memory held before, an Event made by to_event(x) holds x's
// bytes followed by zeros. (Only ExternalFactor, Timer, Control and Advice are shorter than 64 bytes;
// the others have no tail.) Checked for every kind, built in place over storage that held 0xAB bytes
// (as a reused ring slot or journal buffer does) and assigned over an Event that held 0xAB bytes.
TEST(Events, ToEventIsCanonical) {
  int with_tail = 0;
  for_each_event_struct([&](auto event) {
    event.header.instrument = 3;
    event.header.ts_exchange = 1'000;
    event.header.flags = kFlagEndOfBatch;
    const char* name = typeid(event).name();
    alignas(Event) unsigned char storage[sizeof(Event)];
    std::memset(storage, 0xAB, sizeof storage);
    const Event* built = ::new (static_cast<void*>(storage)) Event(to_event(event));
    Event assigned;
    std::memset(assigned.bytes, 0xAB, sizeof assigned.bytes);
    assigned = to_event(event);
    for (const Event* slot : {built, static_cast<const Event*>(&assigned)}) {
      EXPECT_EQ(std::memcmp(slot->bytes, &event, sizeof event), 0) << name;
      for (std::size_t i = sizeof event; i < sizeof slot->bytes; ++i)
        EXPECT_EQ(slot->bytes[i], 0) << name << " byte " << i;
      EXPECT_EQ(slot->header.kind, event.header.kind) << name;
      EXPECT_EQ(slot->header.instrument, 3u) << name;
    }
    with_tail += sizeof event < sizeof(Event) ? 1 : 0;
  });
  EXPECT_EQ(with_tail, 5);  // the test must exercise some tails (FeedHealth is one)
}
