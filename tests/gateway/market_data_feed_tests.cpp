// The Binance adapter (gateway/binance/market_data_feed) over every frame of both shared captures:
// nothing malformed; every event's fields equal an independent decoding written here (a plain
// string scan, not simdjson); the core's replica (book_replica.hpp), fed only the feed's events,
// equals the feed's own book after every frame; one diff taken out is a gap at that symbol's next
// diff, seen by the core as kStale before anything else; a full ring makes the book stale instead of
// silently losing a diff; bad frames are counted per kind and logged once.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/book/book_replica.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"
#include "../support/binance_text_scan.hpp"
#include "../unit/test_support.hpp"

namespace keel::gateway::binance {
namespace {

// A sink that keeps every event and feeds a core replica, or refuses while `full` is set.
class RecordingSink : public EventSink {
 public:
  explicit RecordingSink(std::size_t instruments) : replicas(instruments, 1000) {}
  bool publish(std::span<const Event> batch) noexcept override {
    if (full) return false;
    for (const Event& e : batch) {
      events.push_back(e);
      (void)replicas.on_event(e);
    }
    return true;
  }
  bool full = false;
  std::vector<Event> events;
  book::BookReplicas replicas;
};

class Listener : public FeedListener {
 public:
  void on_log(std::string_view line) override { logs.emplace_back(line); }
  void on_snapshot_needed(std::size_t symbol) override { needed.push_back(symbol); }
  std::vector<std::string> logs;
  std::vector<std::size_t> needed;
};

// The independent decoding (string scanning, no JSON library): tests/support/binance_text_scan.hpp.
using test::field;
using test::levels;
using test::payload;
using test::raw_of;
std::int64_t int_of(std::string_view s) { return std::stoll(std::string(s)); }

bool same_book(const book::L2Book& a, const book::L2Book& b) {
  for (Side side : {Side::kBuy, Side::kSell}) {
    if (a.depth(side) != b.depth(side)) return false;
    for (std::size_t i = 0; i < a.depth(side); ++i)
      if (!(a.level(side, i) == b.level(side, i))) return false;
  }
  return true;
}

struct CaptureCase {
  const char* file;
  book::DepthVenue market;
};

class FeedOverCapture : public ::testing::TestWithParam<CaptureCase> {};

TEST_P(FeedOverCapture, EveryFrameDecodesAndTheReplicaFollowsTheBook) {
  const Capture cap = load_capture_file(test::shared_data(GetParam().file));
  MarketDataFeedConfig config;
  config.market = GetParam().market;
  config.learn_symbols = true;
  config.diff_only = true;  // the shared captures hold no snapshot
  RecordingSink sink(64);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);

  std::size_t trades = 0, tops = 0, bars = 0, levels_seen = 0;
  for (const CaptureRecord& r : cap.records) {
    const std::size_t before = sink.events.size();
    feed.on_frame(r.frame, r.receive_time_ns);
    const std::string_view data = payload(r.frame);
    const std::string_view e = field(data, "e");
    // Each event against the independent decoding of its frame.
    for (std::size_t i = before; i < sink.events.size(); ++i) {
      const Event& ev = sink.events[i];
      ASSERT_EQ(ev.header.ts_local, r.receive_time_ns);
      ASSERT_EQ(feed.symbol(ev.header.instrument), field(data, "s"));
      switch (ev.header.kind) {
        case EventKind::kTrade:
          ++trades;
          ASSERT_EQ(e, "aggTrade");
          EXPECT_EQ(ev.trade.seq, static_cast<std::uint64_t>(int_of(field(data, "a"))));
          EXPECT_EQ(ev.trade.price.raw(), raw_of(field(data, "p")));
          EXPECT_EQ(ev.trade.qty.raw(), raw_of(field(data, "q")));
          EXPECT_EQ(ev.trade.trade_time, int_of(field(data, "T")) * 1'000'000);
          EXPECT_EQ(ev.header.ts_exchange, int_of(field(data, "E")) * 1'000'000);
          EXPECT_EQ(ev.trade.aggressor, field(data, "m") == "true" ? Side::kSell : Side::kBuy);
          break;
        case EventKind::kBookTop:
          ++tops;
          EXPECT_EQ(ev.book_top.seq, static_cast<std::uint64_t>(int_of(field(data, "u"))));
          EXPECT_EQ(ev.book_top.bid_price.raw(), raw_of(field(data, "b")));
          EXPECT_EQ(ev.book_top.bid_qty.raw(), raw_of(field(data, "B")));
          EXPECT_EQ(ev.book_top.ask_price.raw(), raw_of(field(data, "a")));
          EXPECT_EQ(ev.book_top.ask_qty.raw(), raw_of(field(data, "A")));
          break;
        case EventKind::kBar: {
          ++bars;
          const std::string_view k = data.substr(data.find("\"k\":"));
          EXPECT_EQ(field(k, "x"), "true");
          EXPECT_EQ(ev.header.ts_exchange, int_of(field(k, "t")) * 1'000'000);
          EXPECT_EQ(ev.bar.open.raw(), raw_of(field(k, "o")));
          EXPECT_EQ(ev.bar.high.raw(), raw_of(field(k, "h")));
          EXPECT_EQ(ev.bar.low.raw(), raw_of(field(k, "l")));
          EXPECT_EQ(ev.bar.close.raw(), raw_of(field(k, "c")));
          EXPECT_EQ(ev.bar.volume.raw(), raw_of(field(k, "v")));
          break;
        }
        case EventKind::kBookLevel:
          ++levels_seen;
          if ((ev.header.flags & kFlagSnapshot) == 0) {  // a diff's level: exactly the frame's, in order
            EXPECT_EQ(ev.book_level.seq, static_cast<std::uint64_t>(int_of(field(data, "u"))));
            EXPECT_EQ(ev.book_level.first_seq, static_cast<std::uint64_t>(int_of(field(data, "U"))));
          }
          break;
        default:
          break;
      }
    }
    // A non-snapshot diff turns into exactly its levels, bids then asks.
    if (e == "depthUpdate" && sink.events.size() > before &&
        (sink.events[before].header.flags & kFlagSnapshot) == 0 && sink.events[before].header.kind == EventKind::kBookLevel) {
      const auto b = levels(data, "b"), a = levels(data, "a");
      ASSERT_EQ(sink.events.size() - before, b.size() + a.size());
      std::size_t i = before;
      for (const auto& [p, q] : b) {
        EXPECT_EQ(sink.events[i].book_level.side, Side::kBuy);
        EXPECT_EQ(sink.events[i].book_level.price.raw(), p);
        EXPECT_EQ(sink.events[i++].book_level.qty.raw(), q);
      }
      for (const auto& [p, q] : a) {
        EXPECT_EQ(sink.events[i].book_level.side, Side::kSell);
        EXPECT_EQ(sink.events[i].book_level.price.raw(), p);
        EXPECT_EQ(sink.events[i++].book_level.qty.raw(), q);
      }
      EXPECT_NE(sink.events.back().header.flags & kFlagEndOfBatch, 0);
    }
    // The core's replica equals the feed's book after every frame.
    for (std::size_t s = 0; s < feed.symbol_count(); ++s) {
      ASSERT_TRUE(same_book(sink.replicas.book(static_cast<InstrumentId>(s)), feed.book_sync(s).book()))
          << "symbol " << feed.symbol(s) << " after frame at " << r.receive_time_ns;
      ASSERT_EQ(sink.replicas.usable(static_cast<InstrumentId>(s)), feed.book_sync(s).usable());
    }
  }
  const FrameStats& st = feed.stats();
  EXPECT_EQ(st.malformed_total(), 0u);
  EXPECT_EQ(st.unknown_kinds, 0u);
  EXPECT_EQ(st.frames, cap.records.size());
  EXPECT_EQ(st.events_dropped, 0u);
  EXPECT_TRUE(listener.logs.empty()) << listener.logs.front();
  EXPECT_EQ(feed.book_totals().gaps, 0u);
  EXPECT_EQ(sink.replicas.counters().refused, 0u);
  EXPECT_GT(trades, 0u);
  EXPECT_GT(bars + st.kline_updates, 0u);  // the spot capture's klines are all open
  EXPECT_GT(levels_seen, 0u);
  std::uint64_t decoded = 0;
  for (const KindCounts& k : st.kinds) decoded += k.decoded;
  EXPECT_EQ(decoded, cap.records.size());
  if (GetParam().market == book::DepthVenue::kFutures) {
    EXPECT_GT(tops, 0u);
  }
  EXPECT_EQ(feed.symbol_count(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Shared, FeedOverCapture,
                         ::testing::Values(CaptureCase{"binance-ws/spot-capture.txt", book::DepthVenue::kSpot},
                                           CaptureCase{"binance-ws/usdm-futures-capture.txt", book::DepthVenue::kFutures}));

// One depth diff taken out: at that symbol's next diff the core hears kStale first, then (diff-only)
// the restarted book; the other symbols never notice.
TEST(MarketDataFeed, ARemovedDiffIsAGapAtThatSymbolsNextDiff) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/usdm-futures-capture.txt"));
  std::size_t removed = 0;
  int depth_seen = 0;
  for (std::size_t i = 0; i < cap.records.size() && removed == 0; ++i) {
    if (cap.records[i].frame.find("depthUpdate") != std::string::npos) {
      if (++depth_seen == 40) removed = i;
    }
  }
  ASSERT_GT(removed, 0u);
  const std::string sym(field(payload(cap.records[removed].frame), "s"));
  std::size_t next = 0;
  for (std::size_t i = removed + 1; i < cap.records.size(); ++i) {
    const std::string_view d = payload(cap.records[i].frame);
    if (field(d, "e") == "depthUpdate" && field(d, "s") == sym) {
      next = i;
      break;
    }
  }
  ASSERT_GT(next, 0u);

  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kFutures;
  config.learn_symbols = true;
  config.diff_only = true;
  RecordingSink sink(64);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);
  for (std::size_t i = 0; i < cap.records.size(); ++i) {
    if (i == removed) continue;
    const std::size_t before = sink.events.size();
    const std::uint64_t gaps_before = feed.book_totals().gaps;
    feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
    if (i == next) {
      EXPECT_EQ(feed.book_totals().gaps, gaps_before + 1);
      ASSERT_GT(sink.events.size(), before);
      const Event& first = sink.events[before];
      EXPECT_EQ(first.header.kind, EventKind::kControl);
      EXPECT_EQ(first.header.subtype, static_cast<std::uint8_t>(ControlKind::kBookState));
      EXPECT_EQ(first.control.value, static_cast<std::int64_t>(book::BookState::kStale));
      EXPECT_EQ(feed.symbol(first.header.instrument), sym);
      EXPECT_EQ(sink.events.back().control.value, static_cast<std::int64_t>(book::BookState::kLive));
    } else {
      EXPECT_EQ(feed.book_totals().gaps, gaps_before) << "frame " << i;
    }
    for (std::size_t s = 0; s < feed.symbol_count(); ++s)
      ASSERT_TRUE(same_book(sink.replicas.book(static_cast<InstrumentId>(s)), feed.book_sync(s).book()));
  }
  EXPECT_EQ(feed.book_totals().gaps, 1u);
  EXPECT_EQ(sink.replicas.counters().stale_events, 1u);
  ASSERT_EQ(listener.logs.size(), 1u);
  EXPECT_NE(listener.logs[0].find("gap"), std::string::npos);
}

// A snapshot path: the books built diff-only up to frame k become a REST body; a second feed that
// waits for snapshots buffers the diffs, syncs on that body, and from then on equals the first.
TEST(MarketDataFeed, SnapshotSyncsABookBuiltFromBufferedDiffs) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/spot-capture.txt"));
  MarketDataFeedConfig only;
  only.market = book::DepthVenue::kSpot;
  only.learn_symbols = true;
  only.diff_only = true;
  RecordingSink sink_a(64);
  MarketDataFeed a(only, sink_a);
  const std::size_t k = cap.records.size() / 3;
  for (std::size_t i = 0; i < k; ++i) a.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  ASSERT_GT(a.symbol_count(), 0u);
  const std::string sym(a.symbol(0));
  const book::L2Book& ab = a.book_sync(0).book();
  std::string body = "{\"lastUpdateId\":" + std::to_string(a.book_sync(0).last_update_id()) + ",\"bids\":[";
  for (std::size_t i = 0; i < ab.depth(Side::kBuy); ++i)
    body += (i ? "," : "") + std::string("[\"") + ab.level(Side::kBuy, i).price.to_string() + "\",\"" +
            ab.level(Side::kBuy, i).qty.to_string() + "\"]";
  body += "],\"asks\":[";
  for (std::size_t i = 0; i < ab.depth(Side::kSell); ++i)
    body += (i ? "," : "") + std::string("[\"") + ab.level(Side::kSell, i).price.to_string() + "\",\"" +
            ab.level(Side::kSell, i).qty.to_string() + "\"]";
  body += "]}";

  MarketDataFeedConfig live;
  live.market = book::DepthVenue::kSpot;
  live.symbols = {sym};
  RecordingSink sink_b(1);
  Listener listener;
  MarketDataFeed b(live, sink_b, &listener);
  for (std::size_t i = 0; i < k; ++i) b.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  EXPECT_EQ(listener.needed, std::vector<std::size_t>{0});  // asked once, on the first diff
  EXPECT_TRUE(b.needs_snapshot(0));
  EXPECT_FALSE(sink_b.replicas.usable(0));
  book::SnapshotOutcome outcome{};
  ASSERT_EQ(b.on_snapshot(0, body, 1, outcome), protocol::binance::DecodeError::kNone);
  ASSERT_EQ(outcome, book::SnapshotOutcome::kSynced);
  EXPECT_TRUE(b.synced(0));
  EXPECT_TRUE(sink_b.replicas.live(0));
  for (std::size_t i = k; i < cap.records.size(); ++i) {
    a.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
    b.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
    ASSERT_TRUE(same_book(a.book_sync(0).book(), b.book_sync(0).book())) << "frame " << i;
    ASSERT_TRUE(same_book(sink_b.replicas.book(0), b.book_sync(0).book())) << "frame " << i;
  }
  EXPECT_EQ(b.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kDepthUpdate)].unknown_symbol,
            a.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kDepthUpdate)].decoded -
                b.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kDepthUpdate)].decoded);
}

// The ring refuses a diff: the book goes stale on both sides (the core hears kStale as soon as there
// is room), a snapshot is asked for, and no diff is silently lost.
TEST(MarketDataFeed, AFullRingMakesTheBookStaleNotSilentlyWrong) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/spot-capture.txt"));
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kSpot;
  config.learn_symbols = true;
  config.diff_only = true;
  RecordingSink sink(64);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);
  std::size_t i = 0;
  for (; i < cap.records.size() / 2; ++i) feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  // Find the next diff of a live book, and refuse it.
  for (; i < cap.records.size(); ++i) {
    const std::string_view d = payload(cap.records[i].frame);
    if (field(d, "e") != "depthUpdate") continue;
    const std::size_t s = feed.find_symbol(field(d, "s"));
    if (s < feed.symbol_count() && sink.replicas.live(static_cast<InstrumentId>(s))) break;
  }
  ASSERT_LT(i, cap.records.size());
  const std::size_t sym = feed.find_symbol(field(payload(cap.records[i].frame), "s"));
  sink.full = true;
  feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  sink.full = false;
  EXPECT_GT(feed.stats().events_dropped, 0u);
  EXPECT_FALSE(feed.book_sync(sym).usable());  // invalidated: it restarts from the next diff
  EXPECT_TRUE(sink.replicas.live(static_cast<InstrumentId>(sym)));  // the core could not be told yet
  // The next frame of any kind delivers the owed kStale first.
  const std::size_t before = sink.events.size();
  ++i;
  feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  ASSERT_GT(sink.events.size(), before);
  EXPECT_EQ(sink.events[before].header.kind, EventKind::kControl);
  EXPECT_EQ(sink.events[before].control.value, static_cast<std::int64_t>(book::BookState::kStale));
  EXPECT_EQ(sink.events[before].header.instrument, sym);
  EXPECT_FALSE(sink.replicas.live(static_cast<InstrumentId>(sym)));
  for (++i; i < cap.records.size(); ++i) {
    feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
    for (std::size_t s = 0; s < feed.symbol_count(); ++s)
      ASSERT_TRUE(same_book(sink.replicas.book(static_cast<InstrumentId>(s)), feed.book_sync(s).book()));
  }
}

// Bad frames: counted per kind and by error, logged once each, nothing reaches the sink.
TEST(MarketDataFeed, BadFramesAreCountedLoggedOnceAndNeverPublished) {
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kSpot;
  config.symbols = {"BTCUSDT"};
  RecordingSink sink(1);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);
  const std::string trade_ok =
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"100.5","q":"2","T":1700000000000,"m":true,"M":true})";
  const std::vector<std::string> bad = {
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"NaN","q":"2","T":1700000000000,"m":true})",
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"1e400","q":"2","T":1700000000000,"m":true})",
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"99999999999999999999","q":"2","T":1700000000000,"m":true})",
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"100.5","q":"2","T":1700000000000,)",  // truncated
      R"({"e":"trade","E":99999999999999999,"s":"BTCUSDT","t":12,"p":"100.5","q":"2","T":1,"m":true})",  // E beyond ns
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":12,"p":"0","q":"2","T":1700000000000,"m":true})",
      R"({"e":"depthUpdate","E":1700000000000,"s":"BTCUSDT","U":1,"u":2,"b":[["0","1"]],"a":[]})",  // price 0 (found by fuzz_market_data_feed)
      R"([1,2,3])",
      R"(not json at all)",
      std::string("\x00\x01\x02\xff", 4),
  };
  for (int round = 0; round < 3; ++round)
    for (const std::string& f : bad) feed.on_frame(f, 1);
  feed.on_frame(R"({"e":"24hrTicker","E":1,"s":"BTCUSDT"})", 1);
  feed.on_frame(R"({"e":"24hrTicker","E":1,"s":"BTCUSDT"})", 1);
  feed.on_frame(R"({"e":"trade","E":1700000000000,"s":"ETHUSDT","t":1,"p":"1","q":"1","T":1700000000000,"m":true})", 1);
  feed.on_frame(std::string(2 << 20, ' '), 1);  // larger than max_frame_bytes
  EXPECT_TRUE(sink.events.empty());
  const FrameStats& st = feed.stats();
  EXPECT_EQ(st.unknown_kinds, 2u);
  EXPECT_EQ(st.kinds[1].unknown_symbol, 1u);
  EXPECT_EQ(st.malformed_total(), 3 * bad.size() + 1);
  EXPECT_EQ(st.errors[static_cast<std::size_t>(protocol::binance::DecodeError::kTooLarge)], 1u);
  // Each distinct (kind, error) logged exactly once, though each came three times.
  std::map<std::string, int> lines;
  for (const std::string& l : listener.logs) ++lines[l];
  for (const auto& [l, n] : lines) EXPECT_EQ(n, 1) << l;
  EXPECT_LT(listener.logs.size(), 3 * bad.size());
  for (const std::string& l : listener.logs) EXPECT_LE(l.size(), 400u);
  // The feed carries on.
  feed.on_frame(trade_ok, 5);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].trade.price.raw(), 10'050'000'000);
  feed.on_frame(trade_ok, 6);  // the same trade id again (an overlapping connection): a duplicate
  EXPECT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(st.kinds[1].duplicates, 1u);
}

// markPriceUpdate → one ExternalFactor kFunding per event time: value = "r" as a double, the
// symbol's instrument, ts_exchange = E, ts_local = the receive time; @markPrice and @markPrice@1s
// frames of the same second are one event; malformed ones are counted and publish nothing.
TEST(MarketDataFeed, MarkPriceBecomesAFundingFactor) {
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kFutures;
  config.symbols = {"ETHUSDT", "BTCUSDT"};
  RecordingSink sink(2);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);
  const auto mark = [](const char* stream, std::int64_t e_ms, const char* rate) {
    return std::string(R"({"stream":")") + stream + R"(","data":{"e":"markPriceUpdate","E":)" + std::to_string(e_ms) +
           R"(,"s":"BTCUSDT","p":"30000.05000000","i":"30000.05000000","P":"30000.05000000","r":")" + rate +
           R"(","T":1700006400000}})";
  };
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000001000, "0.00010000"), 111);
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000002000, "-0.00002500"), 222);
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000003000, "0.00000001"), 333);
  feed.on_frame(mark("btcusdt@markPrice", 1700000003000, "0.00000001"), 334);  // the same second: once
  ASSERT_EQ(sink.events.size(), 3u);
  const double want[] = {0.0001, -0.000025, 0.00000001};
  for (std::size_t i = 0; i < 3; ++i) {
    const ExternalFactor& e = sink.events[i].factor;
    EXPECT_EQ(e.header.kind, EventKind::kExternalFactor);
    EXPECT_EQ(e.header.subtype, static_cast<std::uint8_t>(FactorKind::kFunding));
    EXPECT_EQ(e.header.instrument, 1u);  // BTCUSDT is the feed's symbol 1
    EXPECT_EQ(e.header.ts_exchange, (1700000001000 + 1000 * static_cast<std::int64_t>(i)) * 1'000'000);
    EXPECT_EQ(e.value, want[i]);
    EXPECT_EQ(e.seq, static_cast<std::uint64_t>(1700000001000 + 1000 * static_cast<std::int64_t>(i)));
  }
  EXPECT_EQ(sink.events[0].factor.header.ts_local, 111);
  EXPECT_EQ(sink.events[2].factor.header.ts_local, 333);
  const auto k = static_cast<std::size_t>(protocol::binance::FrameKind::kMarkPrice);
  EXPECT_EQ(feed.stats().kinds[k].decoded, 3u);
  EXPECT_EQ(feed.stats().kinds[k].duplicates, 1u);
  // Malformed: counted under markPrice, never published.
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000004000, "0.000000001"), 1);  // 9 decimals
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000004000, "1e-4"), 1);
  feed.on_frame(mark("btcusdt@markPrice@1s", 99999999999999999, "0.0001"), 1);  // E beyond ns
  std::string zero = mark("btcusdt@markPrice@1s", 1700000004000, "0.0001");
  const std::string p = R"("p":"30000.05000000")";
  zero.replace(zero.find(p), p.size(), R"("p":"0")");
  feed.on_frame(zero, 1);
  EXPECT_EQ(sink.events.size(), 3u);
  EXPECT_EQ(feed.stats().kinds[k].malformed, 4u);
  // A delivery contract's "r":"" is decoded and produces nothing; another symbol is unknown.
  feed.on_frame(mark("btcusdt@markPrice@1s", 1700000005000, ""), 1);
  EXPECT_EQ(sink.events.size(), 3u);
  std::string other = mark("solusdt@markPrice@1s", 1700000005000, "0.0001");
  other.replace(other.find("BTCUSDT"), 7, "SOLUSDT");
  feed.on_frame(other, 1);
  EXPECT_EQ(feed.stats().kinds[k].unknown_symbol, 1u);
  // A new connection forgets the last time.
  feed.on_connection_lost(2);
  const std::size_t before = sink.events.size();
  feed.on_frame(mark("btcusdt@markPrice", 1700000003000, "0.0001"), 3);
  EXPECT_GT(sink.events.size(), before);
}

// Hand-made spot diffs for one symbol (U = u = id) and a REST body.
std::string diff(std::uint64_t id, const char* bid_qty) {
  return std::string(R"({"e":"depthUpdate","E":1700000000000,"s":"BTCUSDT","U":)") + std::to_string(id) + ",\"u\":" +
         std::to_string(id) + R"(,"b":[["100","1"],["99",")" + bid_qty + R"("]],"a":[["101","2"]]})";
}
constexpr const char* kSnapshot10 = R"({"lastUpdateId":10,"bids":[["98","5"]],"asks":[["102","5"]]})";

// A snapshot-kept book (keel feed --snapshot: diff-only config, this symbol waiting for snapshots)
// that meets a gap goes stale and waits for the next snapshot — it is never published as a live,
// empty book.
TEST(MarketDataFeed, AGapInASnapshotKeptBookWaitsForTheNextSnapshot) {
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kSpot;
  config.symbols = {"BTCUSDT"};
  config.diff_only = true;
  config.snapshot_symbols = {"BTCUSDT"};
  RecordingSink sink(1);
  Listener listener;
  MarketDataFeed feed(config, sink, &listener);
  book::SnapshotOutcome outcome{};
  ASSERT_EQ(feed.on_snapshot(0, kSnapshot10, 1, outcome), protocol::binance::DecodeError::kNone);
  ASSERT_EQ(outcome, book::SnapshotOutcome::kSynced);
  feed.on_frame(diff(11, "3"), 2);
  feed.on_frame(diff(12, "4"), 3);
  ASSERT_TRUE(sink.replicas.usable(0));
  const std::size_t before = sink.events.size();
  feed.on_frame(diff(14, "5"), 4);  // 13 is missing
  EXPECT_EQ(feed.book_totals().gaps, 1u);
  ASSERT_EQ(sink.events.size(), before + 1);  // kStale, and nothing else
  EXPECT_EQ(sink.events.back().control.value, static_cast<std::int64_t>(book::BookState::kStale));
  EXPECT_FALSE(sink.replicas.live(0));
  EXPECT_TRUE(feed.needs_snapshot(0));
  feed.on_frame(diff(15, "6"), 5);  // buffered
  EXPECT_FALSE(sink.replicas.live(0));
  // A fresh snapshot connects to the buffered diff 15 and the book is live again.
  ASSERT_EQ(feed.on_snapshot(0, R"({"lastUpdateId":14,"bids":[["97","1"]],"asks":[["103","1"]]})", 6, outcome),
            protocol::binance::DecodeError::kNone);
  EXPECT_EQ(outcome, book::SnapshotOutcome::kSynced);
  EXPECT_TRUE(sink.replicas.usable(0));
  EXPECT_TRUE(same_book(sink.replicas.book(0), feed.book_sync(0).book()));
  // A snapshot for a book that does not wait for one changes nothing.
  const std::size_t settled = sink.events.size();
  ASSERT_EQ(feed.on_snapshot(0, kSnapshot10, 7, outcome), protocol::binance::DecodeError::kNone);
  EXPECT_EQ(sink.events.size(), settled);
  EXPECT_EQ(feed.book_sync(0).last_update_id(), 15u);
}

// The ring is full at the gap and still full when the snapshot comes: the core must never keep the
// pre-gap book as live — it hears kStale before anything else once there is room.
TEST(MarketDataFeed, AStaleOwedAcrossAFailedSnapshotIsStillDelivered) {
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kSpot;
  config.symbols = {"BTCUSDT"};
  RecordingSink sink(1);
  MarketDataFeed feed(config, sink);
  book::SnapshotOutcome outcome{};
  feed.on_frame(diff(11, "3"), 1);
  ASSERT_EQ(feed.on_snapshot(0, kSnapshot10, 2, outcome), protocol::binance::DecodeError::kNone);
  ASSERT_TRUE(sink.replicas.usable(0));
  sink.full = true;
  feed.on_frame(diff(13, "5"), 3);  // gap; kStale cannot go
  ASSERT_EQ(feed.on_snapshot(0, R"({"lastUpdateId":13,"bids":[["97","1"]],"asks":[["103","1"]]})", 4, outcome),
            protocol::binance::DecodeError::kNone);  // the snapshot batch cannot go either
  EXPECT_TRUE(sink.replicas.usable(0));  // the core still holds the pre-gap book: it could not be told
  sink.full = false;
  const std::size_t before = sink.events.size();
  feed.on_frame(R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":1,"p":"100","q":"1","T":1700000000000,"m":true})", 5);
  ASSERT_GE(sink.events.size(), before + 2);
  EXPECT_EQ(sink.events[before].header.kind, EventKind::kControl);  // the kStale first
  EXPECT_EQ(sink.events[before].control.value, static_cast<std::int64_t>(book::BookState::kStale));
  EXPECT_EQ(sink.events[before + 1].header.kind, EventKind::kTrade);
  EXPECT_FALSE(sink.replicas.live(0));
  EXPECT_TRUE(feed.needs_snapshot(0));
}

// No allocation per frame once warm: the whole spot capture through a feed twice (second pass all
// duplicates and drops, so a third feed instance measures a real pass after a warm-up one).
TEST(MarketDataFeed, NoAllocationPerFrameAfterWarmUp) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/usdm-futures-capture.txt"));
  MarketDataFeedConfig config;
  config.market = book::DepthVenue::kFutures;
  config.learn_symbols = true;
  config.diff_only = true;
  class CountingSink : public EventSink {
   public:
    bool publish(std::span<const Event> batch) noexcept override {
      n += batch.size();
      return true;
    }
    std::size_t n = 0;
  } sink;
  MarketDataFeed feed(config, sink);
  const std::size_t warm = cap.records.size() / 4;
  for (std::size_t i = 0; i < warm; ++i) feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  ASSERT_EQ(feed.symbol_count(), 4u);
  ASSERT_TRUE(allocation_hooks_installed());
  AllocationScope scope;
  for (std::size_t i = warm; i < cap.records.size(); ++i) feed.on_frame(cap.records[i].frame, cap.records[i].receive_time_ns);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(sink.n, 0u);
}

}  // namespace
}  // namespace keel::gateway::binance
