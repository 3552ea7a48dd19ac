// The core's books (book/book_replica.hpp): the event contract — snapshot batch, kLive, diffs,
// kStale — and every way of breaking it counted and ignored; the engine keeps them, tells the
// strategy, and risk lets only reducing orders through while a book is not usable.
#include <gtest/gtest.h>

#include <vector>

#include "keel/core/book/book_replica.hpp"
#include "keel/core/engine/engine.hpp"

namespace keel::book {
namespace {

Event level(InstrumentId i, Side side, std::int64_t price, std::int64_t qty, std::uint8_t flags, std::uint64_t seq = 1) {
  BookLevel l;
  l.header.instrument = i;
  l.header.flags = flags;
  l.side = side;
  l.price = Price::from_units(price);
  l.qty = Qty::from_units(qty);
  l.seq = seq;
  return to_event(l);
}
Event state(InstrumentId i, BookState s, std::int64_t t = 0) {
  Control c;
  c.header.instrument = i;
  c.header.ts_local = t;
  c.header.subtype = static_cast<std::uint8_t>(ControlKind::kBookState);
  c.value = static_cast<std::int64_t>(s);
  return to_event(c);
}
constexpr std::uint8_t kSnap = kFlagSnapshot;
constexpr std::uint8_t kEnd = kFlagEndOfBatch;

TEST(BookReplicas, SnapshotLiveDiffStale) {
  BookReplicas r(2, 10);
  EXPECT_FALSE(r.usable(0));
  ASSERT_TRUE(r.on_event(level(0, Side::kBuy, 99, 5, kSnap)));
  EXPECT_FALSE(r.usable(0));  // mid-batch
  ASSERT_TRUE(r.on_event(level(0, Side::kSell, 101, 7, kSnap | kEnd, 42)));
  EXPECT_FALSE(r.usable(0));  // not live until kLive
  ASSERT_TRUE(r.on_event(state(0, BookState::kLive)));
  EXPECT_TRUE(r.usable(0));
  EXPECT_EQ(r.last_seq(0), 42u);
  EXPECT_EQ(r.book(0).level(Side::kBuy, 0).qty, Qty::from_units(5));
  // A diff of two levels: usable again only at its end.
  r.on_event(level(0, Side::kBuy, 100, 1, 0, 43));
  EXPECT_FALSE(r.usable(0));
  r.on_event(level(0, Side::kBuy, 99, 0, kEnd, 43));
  EXPECT_TRUE(r.usable(0));
  EXPECT_EQ(r.book(0).depth(Side::kBuy), 1u);
  EXPECT_EQ(r.book(0).level(Side::kBuy, 0).price, Price::from_units(100));
  // The other instrument is untouched.
  EXPECT_EQ(r.book(1).depth(Side::kBuy), 0u);
  // Stale: cleared, not usable, diffs refused until a new snapshot.
  r.on_event(state(0, BookState::kStale));
  EXPECT_FALSE(r.usable(0));
  EXPECT_EQ(r.book(0).depth(Side::kBuy), 0u);
  r.on_event(level(0, Side::kBuy, 98, 1, kEnd));
  EXPECT_EQ(r.counters().refused, 1u);
  EXPECT_EQ(r.book(0).depth(Side::kBuy), 0u);
  // An empty snapshot is one "no level" event.
  r.on_event(level(0, Side::kNone, 0, 0, kSnap | kEnd, 50));
  r.on_event(state(0, BookState::kLive));
  EXPECT_TRUE(r.live(0));
  EXPECT_EQ(r.book(0).depth(Side::kBuy) + r.book(0).depth(Side::kSell), 0u);
  EXPECT_EQ(r.counters().snapshots, 2u);
  EXPECT_EQ(r.counters().stale_events, 1u);
}

TEST(BookReplicas, ContractBreachesAreCountedAndIgnored) {
  BookReplicas r(1, 10);
  EXPECT_FALSE(r.on_event(Event{}));  // not a book event
  r.on_event(level(0, Side::kBuy, 1, 1, kEnd));    // a diff before any snapshot
  r.on_event(level(5, Side::kBuy, 1, 1, kSnap | kEnd));  // unknown instrument
  r.on_event(state(5, BookState::kLive));
  r.on_event(state(0, static_cast<BookState>(9)));  // unknown state
  r.on_event(level(0, Side::kBuy, 1, 1, kSnap));
  r.on_event(state(0, BookState::kLive));  // kLive in the middle of a snapshot batch
  EXPECT_FALSE(r.live(0));
  r.on_event(level(0, static_cast<Side>(7), 1, 1, kSnap));  // bad side
  r.on_event(level(0, Side::kSell, -1, 1, kSnap | kEnd));    // bad price
  EXPECT_EQ(r.counters().refused, 7u);
  r.on_event(state(0, BookState::kLive));
  EXPECT_TRUE(r.usable(0));
  EXPECT_EQ(r.book(0).depth(Side::kBuy), 1u);
  // Crossed after a diff: not usable until uncrossed.
  r.on_event(level(0, Side::kSell, 1, 1, kEnd));
  EXPECT_FALSE(r.usable(0));
  EXPECT_EQ(r.counters().crossed_batches, 1u);
  r.on_event(level(0, Side::kSell, 1, 0, 0));
  r.on_event(level(0, Side::kSell, 2, 1, kEnd));
  EXPECT_TRUE(r.usable(0));
}

class BookWatcher : public Strategy {
 public:
  void on_book(InstrumentId i, const BookReplicas& books) noexcept override {
    calls.push_back(i);
    usable.push_back(books.usable(i));
  }
  std::vector<InstrumentId> calls;
  std::vector<bool> usable;
};

TEST(BookReplicas, EngineKeepsBooksTellsTheStrategyAndRiskWaitsForAUsableBook) {
  EngineConfig cfg;
  cfg.instrument_count = 1;
  cfg.book_levels = 100;
  cfg.initial_cash = Notional::from_units(1'000'000);
  Engine e(cfg);
  BookWatcher watcher;
  e.set_strategy(&watcher);
  Trade t;
  t.header.instrument = 0;
  t.header.ts_local = 1;
  t.price = Price::from_units(100);
  t.qty = Qty::from_units(1);
  e.on_event(to_event(t));
  Intent buy;
  buy.kind = IntentKind::kOrder;
  buy.instrument = 0;
  buy.side = Side::kBuy;
  buy.type = OrderType::kMarket;
  buy.qty = Qty::from_units(1);
  // No book yet: an opening order waits for one.
  SubmitResult s = e.submit(buy);
  EXPECT_EQ(s.status, SubmitStatus::kRiskRejected);
  EXPECT_EQ(s.risk, RiskReject::kBookStale);
  e.on_event(level(0, Side::kBuy, 99, 5, kSnap));
  e.on_event(level(0, Side::kSell, 101, 5, kSnap | kEnd));
  e.on_event(state(0, BookState::kLive));
  ASSERT_NE(e.books(), nullptr);
  EXPECT_TRUE(e.books()->usable(0));
  EXPECT_EQ(watcher.calls.size(), 2u);  // the snapshot batch's end and the state change
  EXPECT_EQ(watcher.usable, (std::vector<bool>{false, true}));
  EXPECT_EQ(e.submit(buy).status, SubmitStatus::kSent);
  e.on_event(state(0, BookState::kStale));
  EXPECT_EQ(e.submit(buy).risk, RiskReject::kBookStale);
  EXPECT_EQ(e.risk().rejects(RiskReject::kBookStale), 2u);
  // Without books (book_levels 0) book events are ignored and risk does not look.
  EngineConfig plain = cfg;
  plain.book_levels = 0;
  Engine p(plain);
  p.on_event(to_event(t));
  p.on_event(state(0, BookState::kStale));
  EXPECT_EQ(p.books(), nullptr);
  EXPECT_EQ(p.submit(buy).status, SubmitStatus::kSent);
}

}  // namespace
}  // namespace keel::book
