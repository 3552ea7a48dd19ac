// Binance wire formats (keel::protocol::binance): every frame of the real captures re-encodes byte for
// byte, depth ids let a client following Binance's sync procedure (the engine's BookSync) rebuild the
// venue's book, control messages parse into requests or the exact error replies.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <ranges>
#include <span>
#include <string>
#include <vector>

#include "../unit/book_test_support.hpp"
#include "../unit/test_support.hpp"
#include "keel/core/book/book_sync.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/protocol/binance.hpp"

using namespace keel;
using namespace keel::protocol::binance;

namespace {

// The symbol formats of the captured symbols: spot writes 8 decimals; futures the tick/lot precision.
class Formats {
 public:
  explicit Formats(Market market) : market_(market) {
    add("SUSHIUSDT", "0.0001", "1");
    add("AKROUSDT", "0.00001", "1");
    add("KEEPUSDT", "0.0001", "1");
    add("CTKUSDT", "0.00001", "1");
    for (const char* s : {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"}) add(s, "0.00000001", "0.00000001");
  }
  SymbolFormat get(std::string_view symbol) const {
    const auto id = registry_.find(symbol);
    EXPECT_TRUE(id.ok()) << symbol;
    return symbol_format_for(registry_.get(id.value()), market_).value();
  }

 private:
  void add(const char* symbol, const char* tick, const char* lot) {
    registry_.add(InstrumentSpec{symbol, Price::parse(tick).value(), Qty::parse(lot).value(), Notional{}});
  }
  Market market_;
  InstrumentRegistry registry_;
};

// Decodes one captured frame with the protocol's decoder and encodes it again with its encoders.
std::string reencode(Decoder& decoder, Market market, const Formats& formats, const std::string& frame,
                     std::string* kind_out) {
  Frame f;
  const DecodeError err = decoder.decode(frame, f);
  EXPECT_EQ(err, DecodeError::kNone) << to_string(err) << " in " << frame;
  std::string out;
  std::string stream;
  append_stream_name(stream, f.stream);
  begin_combined(out, stream);
  const SymbolFormat fmt = formats.get(f.symbol.view());
  switch (f.kind) {
    case FrameKind::kAggTrade: {
      AggTradeMsg m;
      m.event_time_ms = f.trade.event_time_ms;
      m.agg_id = f.trade.id;
      m.price = f.trade.price;
      m.qty = f.trade.qty;
      m.first_trade_id = f.trade.first_trade_id;
      m.last_trade_id = f.trade.last_trade_id;
      m.trade_time_ms = f.trade.trade_time_ms;
      m.buyer_is_maker = f.trade.buyer_is_maker;
      encode_agg_trade(out, market, fmt, m);
      *kind_out = "aggTrade";
      break;
    }
    case FrameKind::kBookTicker: {
      BookTickerMsg m;
      m.update_id = f.book_ticker.update_id;
      m.bid_price = f.book_ticker.bid_price;
      m.bid_qty = f.book_ticker.bid_qty;
      m.ask_price = f.book_ticker.ask_price;
      m.ask_qty = f.book_ticker.ask_qty;
      m.transaction_time_ms = f.book_ticker.transaction_time_ms;
      m.event_time_ms = f.book_ticker.event_time_ms;
      encode_book_ticker(out, market, fmt, m);
      *kind_out = "bookTicker";
      break;
    }
    case FrameKind::kDepthUpdate: {
      DepthMsg m;
      m.event_time_ms = f.depth.event_time_ms;
      m.transaction_time_ms = f.depth.transaction_time_ms;
      m.first_update_id = f.depth.first_update_id;
      m.final_update_id = f.depth.final_update_id;
      m.prev_final_update_id = f.depth.prev_final_update_id;
      EXPECT_EQ(f.depth.has_prev_final, market == Market::kFutures);
      m.bids = f.depth.bids;
      m.asks = f.depth.asks;
      encode_depth_diff(out, market, fmt, m);
      *kind_out = "depth";
      break;
    }
    case FrameKind::kKline:
      encode_kline(out, fmt, f.kline);
      *kind_out = "kline";
      break;
    default:
      ADD_FAILURE() << "unexpected frame " << frame;
  }
  end_combined(out);
  return out;
}

void expect_all_frames_round_trip(const char* file, Market market) {
  const Capture cap = load_capture_file(test::shared_data(file));
  const Formats formats(market);
  std::map<std::string, int> seen;
  Decoder decoder;
  for (const CaptureRecord& r : cap.records) {
    std::string kind;
    ASSERT_EQ(reencode(decoder, market, formats, r.frame, &kind), r.frame);
    ++seen[kind];
  }
  for (const char* kind : {"aggTrade", "bookTicker", "depth", "kline"}) EXPECT_GT(seen[kind], 0) << kind;
}

}  // namespace

TEST(BinanceFormat, EverySpotCaptureFrameReencodesByteForByte) {
  expect_all_frames_round_trip("binance-ws/spot-capture.txt", Market::kSpot);
}

TEST(BinanceFormat, EveryFuturesCaptureFrameReencodesByteForByte) {
  expect_all_frames_round_trip("binance-ws/usdm-futures-capture.txt", Market::kFutures);
}

// Formats not in the captures follow Binance's documentation.
TEST(BinanceFormat, TradePartialDepthAndSnapshot) {
  const SymbolFormat spot = make_symbol_format("BTCUSDT", 8, 8, 8).value();
  const SymbolFormat fut = make_symbol_format("BTCUSDT", 1, 3, 1).value();
  TradeMsg t{1000, 999, 42, Price::parse("123.4").value(), Qty::parse("0.5").value(), true};
  std::string out;
  encode_trade(out, Market::kSpot, spot, t);
  EXPECT_EQ(out,
            R"({"e":"trade","E":1000,"s":"BTCUSDT","t":42,"p":"123.40000000","q":"0.50000000","T":999,"m":true,"M":true})");
  out.clear();
  encode_trade(out, Market::kFutures, fut, t);
  EXPECT_EQ(out, R"({"e":"trade","E":1000,"T":999,"s":"BTCUSDT","t":42,"p":"123.4","q":"0.500","X":"MARKET","m":true})");

  const std::vector<Level> bids{{Price::parse("100").value(), Qty::parse("1").value()}};
  const std::vector<Level> asks{{Price::parse("101.5").value(), Qty::parse("2.25").value()},
                                {Price::parse("102").value(), Qty::parse("0.001").value()}};
  DepthMsg m{5, 4, 10, 12, 9, bids, asks};
  out.clear();
  encode_partial_depth(out, Market::kSpot, spot, m);
  EXPECT_EQ(out,
            R"({"lastUpdateId":12,"bids":[["100.00000000","1.00000000"]],"asks":[["101.50000000","2.25000000"],["102.00000000","0.00100000"]]})");
  out.clear();
  encode_partial_depth(out, Market::kFutures, fut, m);
  EXPECT_EQ(out,
            R"({"e":"depthUpdate","E":5,"T":4,"s":"BTCUSDT","U":10,"u":12,"pu":9,"b":[["100.0","1.000"]],"a":[["101.5","2.250"],["102.0","0.001"]]})");
  out.clear();
  encode_depth_snapshot(out, Market::kSpot, spot, DepthSnapshot{77, 5, 4, bids, {}});
  EXPECT_EQ(out, R"({"lastUpdateId":77,"bids":[["100.00000000","1.00000000"]],"asks":[]})");
  out.clear();
  encode_depth_snapshot(out, Market::kFutures, fut, DepthSnapshot{77, 5, 4, {}, asks});
  EXPECT_EQ(out, R"({"lastUpdateId":77,"E":5,"T":4,"bids":[],"asks":[["101.5","2.250"],["102.0","0.001"]]})");
}

TEST(BinanceFormat, EncodersDoNotAllocateOnceTheBufferHasGrown) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  const SymbolFormat fmt = make_symbol_format("BTCUSDT", 8, 8, 8).value();
  const std::vector<Level> bids(50, Level{Price::parse("100").value(), Qty::parse("1").value()});
  const KlineMsg kline{};
  std::string out;
  const auto encode_all = [&] {
    out.clear();
    begin_combined(out, "btcusdt@depth@100ms");
    encode_depth_diff(out, Market::kFutures, fmt, DepthMsg{1, 2, 3, 4, 5, bids, bids});
    end_combined(out);
    encode_depth_snapshot(out, Market::kSpot, fmt, DepthSnapshot{1, 2, 3, bids, bids});
    encode_trade(out, Market::kSpot, fmt, TradeMsg{});
    encode_agg_trade(out, Market::kSpot, fmt, AggTradeMsg{});
    encode_book_ticker(out, Market::kFutures, fmt, BookTickerMsg{});
    encode_kline(out, fmt, kline);
  };
  encode_all();  // grows the buffer
  const AllocationScope scope;
  for (int i = 0; i < 100; ++i) encode_all();
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(BinanceFormat, StreamNames) {
  for (const char* good : {"btcusdt@trade", "btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@depth@100ms",
                           "btcusdt@depth5@100ms", "btcusdt@depth10@100ms", "btcusdt@depth20@100ms",
                           "btcusdt@kline_1m", "1000shibusdt@kline_1M", "btcusdt@kline_15m", "btcusdt@kline_1h"}) {
    const auto name = parse_stream_name(good);
    ASSERT_TRUE(name.ok()) << good;
    std::string back;
    append_stream_name(back, name.value());
    EXPECT_EQ(back, good);
  }
  EXPECT_EQ(parse_stream_name("btcusdt@depth10@100ms").value().depth_levels, 10);
  for (const char* bad : {"", "@trade", "BTCUSDT@trade", "btcusdt", "btcusdt@", "btcusdt@depth", "btcusdt@depth15@100ms",
                          "btcusdt@depth5", "btcusdt@kline_2m", "btcusdt@kline_", "btc-usdt@trade", "btcusdt@trade ",
                          "abcdefghijklmnopqrstuvwx@trade", "btcusdt@aggtrade"}) {
    EXPECT_FALSE(parse_stream_name(bad).ok()) << bad;
  }
}

TEST(BinanceFormat, MarkPriceStreamNamesAreFuturesOnly) {
  for (const char* good : {"btcusdt@markPrice", "btcusdt@markPrice@1s"}) {
    const auto name = parse_stream_name(good);
    ASSERT_TRUE(name.ok()) << good;
    EXPECT_EQ(name.value().kind, StreamKind::kMarkPrice);
    std::string back;
    append_stream_name(back, name.value());
    EXPECT_EQ(back, good);
    EXPECT_TRUE(stream_served(Market::kFutures, name.value()));
    EXPECT_FALSE(stream_served(Market::kSpot, name.value())) << good;
  }
  EXPECT_EQ(parse_stream_name("btcusdt@markPrice").value().period_s, 3);
  EXPECT_EQ(parse_stream_name("btcusdt@markPrice@1s").value().period_s, 1);
  EXPECT_FALSE(parse_stream_name("btcusdt@markPrice").value() == parse_stream_name("btcusdt@markPrice@1s").value());
  for (const char* bad : {"btcusdt@markprice", "btcusdt@markPrice@3s", "btcusdt@markPrice@1000ms", "btcusdt@markPrice@",
                          "btcusdt@markPrice1s", "!markPrice@arr"})
    EXPECT_FALSE(parse_stream_name(bad).ok()) << bad;
  EXPECT_TRUE(stream_served(Market::kSpot, parse_stream_name("btcusdt@trade").value()));
}

// Golden bytes: Binance's own example (USD-M "Mark Price Stream"), field for field.
TEST(BinanceFormat, MarkPriceEncodesAsBinanceWritesIt) {
  Instrument inst;
  inst.symbol = "BTCUSDT";
  inst.tick_size = Price::parse("0.1").value();
  inst.lot_size = Qty::parse("0.001").value();
  inst.price_decimals = 1;
  inst.qty_decimals = 3;
  const SymbolFormat fmt = symbol_format_for(inst, Market::kFutures).value();
  MarkPriceMsg m;
  m.event_time_ms = 1562305380000;
  m.mark_price = Price::parse("11794.15").value();
  m.index_price = Price::parse("11784.62659091").value();
  m.estimated_settle_price = Price::parse("11784.25641265").value();
  m.funding_rate = FundingRate{38167};
  m.has_funding_rate = true;
  m.next_funding_time_ms = 1562306400000;
  std::string out;
  encode_mark_price(out, fmt, m);
  const std::string golden =
      R"({"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091",)"
      R"("P":"11784.25641265","r":"0.00038167","T":1562306400000})";
  EXPECT_EQ(out, golden);
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(out, f), DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kMarkPrice);
  EXPECT_EQ(f.symbol.view(), "BTCUSDT");
  EXPECT_EQ(f.mark_price.event_time_ms, m.event_time_ms);
  EXPECT_EQ(f.mark_price.mark_price, m.mark_price);
  EXPECT_EQ(f.mark_price.index_price, m.index_price);
  EXPECT_EQ(f.mark_price.estimated_settle_price, m.estimated_settle_price);
  EXPECT_EQ(f.mark_price.funding_rate, m.funding_rate);
  EXPECT_TRUE(f.mark_price.has_funding_rate);
  EXPECT_EQ(f.mark_price.next_funding_time_ms, m.next_funding_time_ms);
  // A negative rate, and a delivery contract's "r":"" (no funding).
  out.clear();
  m.funding_rate = FundingRate{-2500};
  encode_mark_price(out, fmt, m);
  EXPECT_NE(out.find(R"("r":"-0.00002500")"), std::string::npos) << out;
  ASSERT_EQ(d.decode(out, f), DecodeError::kNone);
  EXPECT_EQ(f.mark_price.funding_rate.e8, -2500);
  out.clear();
  m.has_funding_rate = false;
  m.next_funding_time_ms = 0;
  encode_mark_price(out, fmt, m);
  EXPECT_NE(out.find(R"("r":"","T":0})"), std::string::npos) << out;
  ASSERT_EQ(d.decode(out, f), DecodeError::kNone);
  EXPECT_FALSE(f.mark_price.has_funding_rate);
}

// ---- Depth bookkeeping ----
//
// A client follows the venue side's depth ids (DepthStreamState) through our encoders and decoder with
// the engine's own BookSync, as the gateway's feed does, and must hold the venue's book exactly.

namespace {

using SideMap = std::map<std::int64_t, std::int64_t>;  // price raw → qty raw, ascending

struct Diff {
  DepthMsg msg;
  std::vector<Level> bids, asks;
};

// A venue book changed at random; every batch of changes becomes one diff.
struct Venue {
  explicit Venue(Market market) : ids(market, 1000) {}
  SideMap bids, asks;
  DepthStreamState ids;
  std::mt19937_64 rng{20260421};

  Diff next_batch() {
    std::uniform_int_distribution<int> n_dist(1, 6), price_dist(0, 19), qty_dist(0, 4), side_dist(0, 1);
    const int n = n_dist(rng);
    SideMap bid_changes, ask_changes;
    for (int i = 0; i < n; ++i) {
      const bool bid = side_dist(rng) == 0;
      const std::int64_t price = (bid ? 100 + price_dist(rng) : 120 + price_dist(rng)) * kScale;
      const std::int64_t qty = qty_dist(rng) * kScale / 2;  // 0 removes
      (bid ? bid_changes : ask_changes)[price] = qty;
      SideMap& side = bid ? bids : asks;
      if (qty == 0) side.erase(price); else side[price] = qty;
    }
    Diff d;
    for (auto it = bid_changes.rbegin(); it != bid_changes.rend(); ++it)
      d.bids.push_back({Price::from_raw(it->first), Qty::from_raw(it->second)});
    for (const auto& [p, q] : ask_changes) d.asks.push_back({Price::from_raw(p), Qty::from_raw(q)});
    const DepthIds id = ids.next_diff(static_cast<std::uint32_t>(n));
    d.msg = DepthMsg{0, 0, id.first, id.final, id.previous, {}, {}};
    return d;
  }
};

book::DepthVenue depth_venue(Market market) {
  return market == Market::kFutures ? book::DepthVenue::kFutures : book::DepthVenue::kSpot;
}

std::vector<Level> to_levels(const SideMap& side) {
  std::vector<Level> out;
  for (const auto& [p, q] : side) out.push_back({Price::from_raw(p), Qty::from_raw(q)});
  return out;
}

// Decoded levels as the book takes them (the gateway's feed copies them the same way).
std::vector<book::PriceQty> to_price_qty(std::span<const Level> levels) {
  std::vector<book::PriceQty> out;
  for (const Level& l : levels) out.push_back({l.price, l.qty});
  return out;
}

// The client's book equals the venue's, level by level, best first.
::testing::AssertionResult same_book(const book::L2Book& book, const Venue& venue) {
  if (auto r = test::same_side(book, keel::Side::kBuy, std::views::reverse(venue.bids)); !r) return r << " (bids)";
  if (auto r = test::same_side(book, keel::Side::kSell, venue.asks); !r) return r << " (asks)";
  return ::testing::AssertionSuccess();
}

// Diffs and snapshots travel as JSON: encoded with our encoders, decoded with our decoder, as a client would.
SymbolFormat book_format() { return make_symbol_format("BTCUSDT", 8, 8, 8).value(); }

book::DiffOutcome feed(Market market, book::BookSync& sync, Diff& d) {
  d.msg.bids = d.bids;
  d.msg.asks = d.asks;
  std::string wire;
  encode_depth_diff(wire, market, book_format(), d.msg);
  static Decoder decoder;
  Frame f;
  EXPECT_EQ(decoder.decode(wire, f), DecodeError::kNone) << wire;
  EXPECT_EQ(f.depth.first_update_id, d.msg.first_update_id) << wire;
  EXPECT_EQ(f.depth.final_update_id, d.msg.final_update_id) << wire;
  EXPECT_EQ(f.depth.has_prev_final, market == Market::kFutures) << wire;
  if (market == Market::kFutures) {
    EXPECT_EQ(f.depth.prev_final_update_id, d.msg.prev_final_update_id) << wire;
  }
  const std::uint64_t prev_final = market == Market::kFutures ? f.depth.prev_final_update_id : 0;
  const std::vector<book::PriceQty> bids = to_price_qty(f.depth.bids), asks = to_price_qty(f.depth.asks);
  return sync.on_diff(book::DepthDiff{f.depth.first_update_id, f.depth.final_update_id, prev_final, bids, asks});
}

book::SnapshotOutcome load_snapshot(Market market, book::BookSync& sync, std::uint64_t id, const SideMap& bid_side,
                                    const SideMap& ask_side) {
  std::vector<Level> best_bids_first;
  for (auto it = bid_side.rbegin(); it != bid_side.rend(); ++it)
    best_bids_first.push_back({Price::from_raw(it->first), Qty::from_raw(it->second)});
  const std::vector<Level> asks_in = to_levels(ask_side);
  std::string wire;
  encode_depth_snapshot(wire, market, book_format(), DepthSnapshot{id, 1, 2, best_bids_first, asks_in});
  // The REST snapshot decodes like spot's partial depth ({"lastUpdateId",…,"bids","asks"}).
  static Decoder decoder;
  Frame f;
  EXPECT_EQ(decoder.decode(wire, f), DecodeError::kNone) << wire;
  EXPECT_EQ(f.kind, FrameKind::kPartialDepth);
  EXPECT_EQ(f.depth.final_update_id, id) << wire;
  const std::vector<book::PriceQty> bids = to_price_qty(f.depth.bids), asks = to_price_qty(f.depth.asks);
  return sync.on_snapshot(f.depth.final_update_id, bids, asks);
}

// A client that subscribes before diff `subscribe_at` (its diffs go to BookSync's buffer), takes the
// REST snapshot before diff `snapshot_at` (≥ subscribe_at), then follows the stream up to diff `total`.
void rebuild(Market market, int subscribe_at, int snapshot_at, int total) {
  Venue venue(market);
  book::BookSync sync(depth_venue(market), {});
  std::vector<std::uint64_t> buffered_finals;  // u of every diff received before the snapshot
  std::uint64_t prev_final = venue.ids.last_update_id();
  for (int i = 0; i < total; ++i) {
    if (i == snapshot_at) {
      const std::uint64_t snapshot_id = venue.ids.last_update_id();
      ASSERT_EQ(load_snapshot(market, sync, snapshot_id, venue.bids, venue.asks), book::SnapshotOutcome::kSynced);
      // The buffered diffs older than the snapshot are dropped, the others applied on top of it
      // (spot: u <= lastUpdateId is old; futures: u < lastUpdateId).
      std::uint64_t old = 0;
      for (const std::uint64_t u : buffered_finals) old += (market == Market::kSpot ? u <= snapshot_id : u < snapshot_id);
      EXPECT_EQ(sync.counters().buffered, buffered_finals.size());
      EXPECT_EQ(sync.counters().dropped, old);
      EXPECT_EQ(sync.counters().applied, buffered_finals.size() - old);
      EXPECT_EQ(sync.last_update_id(), snapshot_id);
      ASSERT_TRUE(sync.usable());
      ASSERT_TRUE(same_book(sync.book(), venue)) << "after the snapshot, before diff " << i;
    }
    Diff d = venue.next_batch();
    // Every diff links to the previous one: spot U = previous u + 1, futures pu = previous u.
    EXPECT_EQ(d.msg.first_update_id, market == Market::kSpot ? prev_final + 1 : prev_final);
    EXPECT_EQ(d.msg.prev_final_update_id, prev_final);
    prev_final = d.msg.final_update_id;
    if (i < subscribe_at) continue;
    if (i < snapshot_at) {
      EXPECT_EQ(feed(market, sync, d), book::DiffOutcome::kBuffered) << i;
      EXPECT_TRUE(sync.needs_snapshot()) << i;
      EXPECT_FALSE(sync.usable()) << i;
      buffered_finals.push_back(d.msg.final_update_id);
      continue;
    }
    ASSERT_EQ(feed(market, sync, d), book::DiffOutcome::kApplied) << i;
    ASSERT_TRUE(sync.usable()) << i;
    EXPECT_EQ(sync.last_update_id(), d.msg.final_update_id) << i;
    ASSERT_TRUE(same_book(sync.book(), venue)) << "diff " << i;
  }
  const book::SyncCounters& c = sync.counters();
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.snapshots_refused, 0u);
  EXPECT_EQ(c.buffer_overflows, 0u);
  EXPECT_EQ(c.crossed_updates, 0u);
}

}  // namespace

TEST(DepthBookkeeping, SpotClientRebuildsTheBook) {
  rebuild(Market::kSpot, 0, 0, 50);
  rebuild(Market::kSpot, 3, 10, 200);
  rebuild(Market::kSpot, 20, 21, 200);
}

TEST(DepthBookkeeping, FuturesClientRebuildsTheBook) {
  rebuild(Market::kFutures, 0, 0, 50);  // nothing buffered: the first diff after the snapshot links
  rebuild(Market::kFutures, 3, 10, 200);
  rebuild(Market::kFutures, 20, 21, 200);
}

TEST(DepthBookkeeping, SnapshotIdIsTheLastPublishedFinalId) {
  for (const Market market : {Market::kSpot, Market::kFutures}) {
    const std::uint64_t overlap = market == Market::kFutures ? 1 : 0;
    DepthStreamState s(market, 41);
    EXPECT_EQ(s.last_update_id(), 41u);
    const DepthIds a = s.next_diff(3);
    EXPECT_EQ(a.first, 42u - overlap);
    EXPECT_EQ(a.final, 44u);
    EXPECT_EQ(a.previous, 41u);
    EXPECT_EQ(s.last_update_id(), 44u);
    const DepthIds b = s.next_diff(1);
    EXPECT_EQ(b.first, 45u - overlap);
    EXPECT_EQ(b.final, 45u);
    EXPECT_EQ(b.previous, 44u);
  }
}

// A lost diff is a gap at the next one (the book is cleared and stale), and a new snapshot brings the
// book back from the diff that was kept.
TEST(DepthBookkeeping, AMissingDiffIsAGap) {
  for (const Market market : {Market::kSpot, Market::kFutures}) {
    Venue venue(market);
    book::BookSync sync(depth_venue(market), {});
    ASSERT_EQ(load_snapshot(market, sync, venue.ids.last_update_id(), venue.bids, venue.asks),
              book::SnapshotOutcome::kSynced);
    Diff d1 = venue.next_batch();
    venue.next_batch();  // lost
    Diff d3 = venue.next_batch();
    EXPECT_EQ(feed(market, sync, d1), book::DiffOutcome::kApplied);
    EXPECT_EQ(feed(market, sync, d3), book::DiffOutcome::kGap);
    EXPECT_FALSE(sync.usable());
    EXPECT_TRUE(sync.needs_snapshot());
    EXPECT_TRUE(sync.book().empty(keel::Side::kBuy));
    EXPECT_TRUE(sync.book().empty(keel::Side::kSell));
    EXPECT_EQ(sync.counters().gaps, 1u);

    ASSERT_EQ(load_snapshot(market, sync, venue.ids.last_update_id(), venue.bids, venue.asks),
              book::SnapshotOutcome::kSynced);
    EXPECT_TRUE(sync.usable());
    EXPECT_EQ(sync.counters().resyncs, 1u);
    EXPECT_TRUE(same_book(sync.book(), venue));
    Diff d4 = venue.next_batch();
    EXPECT_EQ(feed(market, sync, d4), book::DiffOutcome::kApplied);
    EXPECT_TRUE(same_book(sync.book(), venue));
  }
}

// ---- Control messages ----

namespace {
std::string reply_to(ControlParser& parser, std::string_view message) {
  const ControlParse r = parser.parse(message);
  std::string out;
  if (!r.ok) {
    encode_error_reply(out, r.error);
  } else if (r.request.method == ControlMethod::kListSubscriptions) {
    encode_list_result(out, {}, r.request.id);
  } else {
    encode_result_null(out, r.request.id);
  }
  return out;
}
}  // namespace

TEST(ControlMessages, GoodRequests) {
  ControlParser parser;
  const ControlParse r = parser.parse(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@depth5@100ms"],"id":1})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.request.method, ControlMethod::kSubscribe);
  EXPECT_EQ(r.request.id, 1u);
  ASSERT_EQ(r.request.streams.size(), 2u);
  EXPECT_EQ(r.request.streams[0], parse_stream_name("btcusdt@trade").value());
  EXPECT_EQ(r.request.streams[1].depth_levels, 5);
  std::string out;
  encode_list_result(out, r.request.streams, 3);
  EXPECT_EQ(out, R"({"result":["btcusdt@trade","ethusdt@depth5@100ms"],"id":3})");

  const ControlParse u = parser.parse(R"( { "id" : 18446744073709551615, "method":"UNSUBSCRIBE","params":["btcusdt@kline_1m"]} )");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.request.method, ControlMethod::kUnsubscribe);
  EXPECT_EQ(u.request.id, 18446744073709551615u);

  EXPECT_EQ(reply_to(parser, R"({"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":7})"), R"({"result":null,"id":7})");
  EXPECT_EQ(reply_to(parser, R"({"method":"LIST_SUBSCRIPTIONS","id":3})"), R"({"result":[],"id":3})");
  EXPECT_EQ(reply_to(parser, R"({"method":"LIST_SUBSCRIPTIONS","params":[],"id":3})"), R"({"result":[],"id":3})");
  EXPECT_EQ(reply_to(parser, R"({"method":"SUBSCRIBE","params":[],"id":4,"extra":1})"), R"({"result":null,"id":4})");
}

TEST(ControlMessages, MarkPriceIsAFuturesStream) {
  ControlParser futures(Market::kFutures);
  EXPECT_EQ(reply_to(futures, R"({"method":"SUBSCRIBE","params":["btcusdt@markPrice","btcusdt@markPrice@1s"],"id":2})"),
            R"({"result":null,"id":2})");
  ControlParser spot(Market::kSpot);
  EXPECT_EQ(reply_to(spot, R"({"method":"SUBSCRIBE","params":["btcusdt@markPrice@1s"],"id":2})"),
            R"({"error":{"code":2,"msg":"Invalid request: invalid stream name `btcusdt@markPrice@1s`"},"id":2})");
  ControlParser plain;  // the default grammar is spot's
  EXPECT_EQ(reply_to(plain, R"({"method":"SUBSCRIBE","params":["btcusdt@markPrice"],"id":3})"),
            R"({"error":{"code":2,"msg":"Invalid request: invalid stream name `btcusdt@markPrice`"},"id":3})");
}

TEST(ControlMessages, BadRequestsGetTheExactErrorReplies) {
  ControlParser parser;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1)",
       R"({"error":{"code":3,"msg":"Invalid JSON: EOF while parsing a value"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@tr)",
       R"({"error":{"code":3,"msg":"Invalid JSON: EOF while parsing a value"},"id":null})"},
      {"", R"({"error":{"code":3,"msg":"Invalid JSON: EOF while parsing a value"},"id":null})"},
      {"{method}", R"({"error":{"code":3,"msg":"Invalid JSON: expected value"},"id":null})"},
      {"[1,2]", R"({"error":{"code":2,"msg":"Invalid request: expected a JSON object"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"]})",
       R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":-1})",
       R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":"1"})",
       R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1.5})",
       R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":18446744073709551616})",
       R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})"},
      {R"({"params":["btcusdt@trade"],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: missing field `method`"},"id":5})"},
      {R"({"method":7,"params":["btcusdt@trade"],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: method must be a string"},"id":5})"},
      {R"({"method":"SUBSCRIBEE","params":["btcusdt@trade"],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIBEE`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`"},"id":5})"},
      {R"({"method":"a\"b\\c\u0001","id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: unknown variant `a\"b\\c\u0001`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`"},"id":5})"},
      {R"({"method":"SUBSCRIBE","id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: missing field `params`"},"id":5})"},
      {R"({"method":"SUBSCRIBE","params":"btcusdt@trade","id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: params must be an array of strings"},"id":5})"},
      {R"({"method":"SUBSCRIBE","params":["btcusdt@trade",1],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: params must be an array of strings"},"id":5})"},
      {R"({"method":"UNSUBSCRIBE","params":[null],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: params must be an array of strings"},"id":5})"},
      {R"({"method":"SUBSCRIBE","params":["BTCUSDT@trade"],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: invalid stream name `BTCUSDT@trade`"},"id":5})"},
      {R"({"method":"LIST_SUBSCRIPTIONS","params":["btcusdt@trade"],"id":5})",
       R"({"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":5})"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(reply_to(parser, input), expected) << input;
}

TEST(ControlMessages, LongAndOversizedInputs) {
  ControlParser parser;
  // A long unknown method is echoed up to 64 bytes.
  const std::string method(200, 'X');
  EXPECT_EQ(reply_to(parser, R"({"method":")" + method + R"(","id":1})"),
            R"({"error":{"code":2,"msg":"Invalid request: unknown variant `)" + std::string(64, 'X') +
                R"(`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`"},"id":1})");
  EXPECT_EQ(reply_to(parser, std::string(ControlParser::kMaxMessageBytes + 1, ' ')),
            R"({"error":{"code":3,"msg":"Invalid JSON: message too large"},"id":null})");
  std::string many = R"({"method":"SUBSCRIBE","id":1,"params":[)";
  for (std::size_t i = 0; i <= ControlParser::kMaxStreams; ++i) many += (i ? ",\"" : "\"") + std::string("a@trade\"");
  many += "]}";
  EXPECT_EQ(reply_to(parser, many), R"({"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":1})");
  // The parser is reusable after errors.
  EXPECT_EQ(reply_to(parser, R"({"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":8})"), R"({"result":null,"id":8})");
}

TEST(ControlMessages, ParsingAndRepliesDoNotAllocate) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  ControlParser parser;
  std::string out;
  out.reserve(1024);
  std::vector<std::string> inputs = {
      R"({"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@depth5@100ms"],"id":1})",
      R"({"method":"SUBSCRIBEE","params":["btcusdt@trade"],"id":5})",
      R"({"method":"SUBSCRIBE","params":["BTCUSDT@trade"],"id":5})",
      R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1)",
  };
  // A long request (the parser's document grows to the longest input unless sized up front).
  std::string many = R"({"method":"SUBSCRIBE","id":1,"params":[)";
  for (std::size_t i = 0; i < ControlParser::kMaxStreams; ++i) many += (i ? ",\"" : "\"") + std::string("btcusdt@depth20@100ms\"");
  many += "]}";
  inputs.push_back(many);
  out.reserve(many.size());
  const AllocationScope scope;
  for (int i = 0; i < 10; ++i) {
    for (const std::string& input : inputs) {
      const ControlParse r = parser.parse(input);
      out.clear();
      if (r.ok) {
        encode_list_result(out, r.request.streams, r.request.id);
      } else {
        encode_error_reply(out, r.error);
      }
    }
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

// Boundary test: every strict prefix of a valid request is a truncated frame.
TEST(ControlMessages, EveryTruncationIsAnEofError) {
  ControlParser parser;
  const std::string full = R"({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@kline_1m"],"id":12})";
  ASSERT_TRUE(parser.parse(full).ok);
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(reply_to(parser, full.substr(0, n)),
              R"({"error":{"code":3,"msg":"Invalid JSON: EOF while parsing a value"},"id":null})")
        << full.substr(0, n);
  }
}
