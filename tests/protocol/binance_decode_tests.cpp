// The Binance decoder (keel/protocol/binance/decode.hpp): every kind, raw and combined, spot and
// futures; every captured frame decodes (binance_format_tests re-encodes them byte for byte); every
// malformed frame is an error value, never a crash; no allocation after construction.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "../unit/test_support.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/protocol/binance.hpp"
#include "json_balanced_reference.hpp"

using namespace keel;
using namespace keel::protocol::binance;

namespace {

Price px(const char* s) { return Price::parse(s).value(); }
Qty qty(const char* s) { return Qty::parse(s).value(); }

TEST(BinanceDecode, CombinedSpotAggTrade) {
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":10,"s":"BTCUSDT","a":7,"p":"30000.10","q":"0.5","f":1,"l":2,"T":9,"m":true,"M":true}})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kAggTrade);
  EXPECT_EQ(f.stream.kind, StreamKind::kAggTrade);
  EXPECT_EQ(f.symbol.view(), "BTCUSDT");
  EXPECT_EQ(f.trade.event_time_ms, 10);
  EXPECT_EQ(f.trade.trade_time_ms, 9);
  EXPECT_EQ(f.trade.id, 7u);
  EXPECT_EQ(f.trade.first_trade_id, 1u);
  EXPECT_EQ(f.trade.last_trade_id, 2u);
  EXPECT_EQ(f.trade.price, px("30000.1"));
  EXPECT_EQ(f.trade.qty, qty("0.5"));
  EXPECT_TRUE(f.trade.buyer_is_maker);
}

TEST(BinanceDecode, RawFuturesTradeAndBookTicker) {
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(R"({"e":"trade","E":1000,"T":999,"s":"ETHUSDT","t":42,"p":"123.4","q":"0.500","X":"MARKET","m":false})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kTrade);
  EXPECT_EQ(f.stream.kind, StreamKind::kNone);
  EXPECT_EQ(f.trade.id, 42u);
  EXPECT_FALSE(f.trade.buyer_is_maker);
  ASSERT_EQ(d.decode(R"({"e":"bookTicker","u":5,"s":"ETHUSDT","b":"1.5","B":"2","a":"1.6","A":"3","T":7,"E":8})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kBookTicker);
  EXPECT_EQ(f.book_ticker.update_id, 5u);
  EXPECT_EQ(f.book_ticker.ask_price, px("1.6"));
  EXPECT_EQ(f.book_ticker.transaction_time_ms, 7);
  EXPECT_EQ(f.book_ticker.event_time_ms, 8);
  // Spot bookTicker has no "e".
  ASSERT_EQ(d.decode(R"({"u":6,"s":"ETHUSDT","b":"1.5","B":"2","a":"1.6","A":"3"})", f), DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kBookTicker);
  EXPECT_EQ(f.book_ticker.update_id, 6u);
}

TEST(BinanceDecode, DepthUpdateSpotAndFutures) {
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(R"({"e":"depthUpdate","E":5,"s":"BTCUSDT","U":10,"u":12,"b":[["100.0","1"],["99","0"]],"a":[["101","2"]]})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kDepthUpdate);
  EXPECT_FALSE(f.depth.has_prev_final);
  ASSERT_EQ(f.depth.bids.size(), 2u);
  EXPECT_EQ(f.depth.bids[1].price, px("99"));
  EXPECT_TRUE(f.depth.bids[1].qty.is_zero());
  ASSERT_EQ(f.depth.asks.size(), 1u);
  ASSERT_EQ(d.decode(R"({"e":"depthUpdate","E":5,"T":4,"s":"BTCUSDT","U":10,"u":12,"pu":9,"b":[],"a":[]})", f),
            DecodeError::kNone);
  EXPECT_TRUE(f.depth.has_prev_final);
  EXPECT_EQ(f.depth.prev_final_update_id, 9u);
  EXPECT_EQ(f.depth.transaction_time_ms, 4);
}

TEST(BinanceDecode, PartialDepth) {
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(R"({"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":12,"bids":[["100.00000000","1.00000000"]],"asks":[]}})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kPartialDepth);
  EXPECT_EQ(f.symbol.view(), "BTCUSDT");  // from the stream name
  EXPECT_EQ(f.depth.final_update_id, 12u);
  EXPECT_EQ(f.depth.bids.size(), 1u);
  ASSERT_EQ(d.decode(R"({"stream":"btcusdt@depth20@100ms","data":{"e":"depthUpdate","E":5,"T":4,"s":"BTCUSDT","U":10,"u":12,"pu":9,"b":[],"a":[["1","1"]]}})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kPartialDepth);
  EXPECT_EQ(f.depth.asks.size(), 1u);
}

TEST(BinanceDecode, KlineRoundTripsThroughTheEncoder) {
  const SymbolFormat fmt = make_symbol_format("BTCUSDT", 2, 3, 2).value();
  KlineMsg k;
  k.event_time_ms = 1;
  k.open_time_ms = 60'000;
  k.close_time_ms = 119'999;
  k.interval = KlineInterval::k1m;
  k.first_trade_id = -1;
  k.last_trade_id = -1;
  k.open = px("10.5");
  k.close = px("11");
  k.high = px("12");
  k.low = px("10");
  k.volume = qty("3.25");
  k.trade_count = 4;
  k.closed = true;
  k.quote_volume = Notional::parse("34.12").value();
  std::string wire;
  encode_kline(wire, fmt, k);
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(wire, f), DecodeError::kNone) << wire;
  EXPECT_EQ(f.kind, FrameKind::kKline);
  std::string again;
  encode_kline(again, fmt, f.kline);
  EXPECT_EQ(again, wire);
}

// markPriceUpdate, golden values: Binance's documented example, combined, any field order.
TEST(BinanceDecode, MarkPriceUpdate) {
  Decoder d;
  Frame f;
  ASSERT_EQ(d.decode(R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT",)"
                     R"("p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}})",
                     f),
            DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kMarkPrice);
  EXPECT_EQ(f.stream.kind, StreamKind::kMarkPrice);
  EXPECT_EQ(f.stream.period_s, 1);
  EXPECT_EQ(f.symbol.view(), "BTCUSDT");
  EXPECT_EQ(f.mark_price.event_time_ms, 1562305380000);
  EXPECT_EQ(f.mark_price.mark_price, px("11794.15"));
  EXPECT_EQ(f.mark_price.index_price, px("11784.62659091"));
  EXPECT_EQ(f.mark_price.estimated_settle_price, px("11784.25641265"));
  EXPECT_EQ(f.mark_price.funding_rate.e8, 38167);
  EXPECT_DOUBLE_EQ(f.mark_price.funding_rate.as_double(), 0.00038167);
  EXPECT_TRUE(f.mark_price.has_funding_rate);
  EXPECT_EQ(f.mark_price.next_funding_time_ms, 1562306400000);
  ASSERT_EQ(d.decode(R"({"T":1,"r":"-0.0001","P":"1","i":"1","p":"2.5","s":"ETHUSDT","E":7,"e":"markPriceUpdate"})", f),
            DecodeError::kNone);
  EXPECT_EQ(f.mark_price.funding_rate.e8, -10'000);
  EXPECT_EQ(f.mark_price.mark_price, px("2.5"));
  // Delivery contracts: "r":"" and "T":0.
  ASSERT_EQ(d.decode(R"({"e":"markPriceUpdate","E":1,"s":"BTCUSD_201225","p":"1","i":"1","P":"1","r":"","T":0})", f),
            DecodeError::kNone);
  EXPECT_FALSE(f.mark_price.has_funding_rate);
  // Errors.
  const char* base = R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"1","P":"1","r":"0.0001","T":2})";
  EXPECT_EQ(d.decode(base, f, kinds_bit(FrameKind::kTrade)), DecodeError::kNone);  // unwanted: classified only
  EXPECT_EQ(f.kind, FrameKind::kMarkPrice);
  for (const auto& [from, to, want] : std::vector<std::tuple<std::string, std::string, DecodeError>>{
           {R"("r":"0.0001")", R"("r":"0.000000001")", DecodeError::kBadDecimal},
           {R"("r":"0.0001")", R"("r":"1e-4")", DecodeError::kBadDecimal},
           {R"("r":"0.0001")", R"("r":"--1")", DecodeError::kBadDecimal},
           {R"("r":"0.0001")", R"("r":0.0001)", DecodeError::kWrongType},
           {R"("r":"0.0001",)", "", DecodeError::kMissingField},
           {R"("p":"1")", R"("p":"-1")", DecodeError::kBadDecimal},
           {R"("T":2)", R"("T":"2")", DecodeError::kWrongType},
           {R"("s":"BTCUSDT")", R"("s":"BTC USDT")", DecodeError::kBadSymbol}}) {
    std::string frame = base;
    frame.replace(frame.find(from), from.size(), to);
    EXPECT_EQ(d.decode(frame, f), want) << frame;
  }
}

TEST(BinanceDecode, UnwantedKindsAreSkippedUnread) {
  Decoder d;
  Frame f;
  const FrameKinds trades = kinds_bit(FrameKind::kTrade) | kinds_bit(FrameKind::kAggTrade);
  // A kline stream with a body keel would refuse: skipped, not an error.
  ASSERT_EQ(d.decode(R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","k":"garbage"}})", f, trades), DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kKline);
  ASSERT_EQ(d.decode(R"({"e":"depthUpdate","b":7})", f, trades), DecodeError::kNone);
  EXPECT_EQ(f.kind, FrameKind::kDepthUpdate);
  EXPECT_EQ(d.decode(R"({"e":"depthUpdate","b":7})", f), DecodeError::kMissingField);
}

TEST(BinanceDecode, MalformedFramesAreErrorValues) {
  Decoder d(4096, 4);
  Frame f;
  const std::string depth = R"({"e":"depthUpdate","E":5,"s":"BTCUSDT","U":10,"u":12,)";
  struct Case {
    std::string frame;
    DecodeError want;
  };
  const std::vector<Case> cases = {
      {R"({"e":"depthUpdate","E":5,"s":"BTCUSDT","U":10,"u":12,"b":[["1","1"]],"a":[)", DecodeError::kJson},
      {R"({"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":true)", DecodeError::kJson},
      {R"({"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":true}})", DecodeError::kJson},
      {R"({"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":true} x)", DecodeError::kJson},
      {depth + R"("b":[["NaN","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["nan","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["Infinity","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["-1","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["1e2","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["1.000000001","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[["","1"]],"a":[]})", DecodeError::kBadDecimal},
      {depth + R"("b":[[100.0,"1"]],"a":[]})", DecodeError::kWrongType},
      {depth + R"("b":[["100"]],"a":[]})", DecodeError::kMissingField},
      {depth + R"("b":"x","a":[]})", DecodeError::kWrongType},
      {depth + R"("b":[]})", DecodeError::kMissingField},
      {depth + R"("b":[["1","1"],["2","1"],["3","1"],["4","1"],["5","1"]],"a":[]})", DecodeError::kTooManyLevels},
      {R"({"e":"depthUpdate","E":5,"s":7,"U":1,"u":1,"b":[],"a":[]})", DecodeError::kWrongType},
      {R"({"e":"depthUpdate","E":5,"s":"","U":1,"u":1,"b":[],"a":[]})", DecodeError::kBadSymbol},
      {R"({"e":"depthUpdate","E":5,"s":"ABCDEFGHIJKLMNOPQRSTUVWXYZ","U":1,"u":1,"b":[],"a":[]})", DecodeError::kBadSymbol},
      // Fields out of Binance's order around a bracket-balanced but malformed value: every lookup walks
      // the object forward (and once more from its start), checking separators — an error, never the
      // undefined behaviour of simdjson's unordered search (DECISIONS 103).
      {R"({"serverTime":7,"e":"trade","x":[{"a":"","c":5,"d":6{\"{"\""}}],"E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1,"m":true})", DecodeError::kJson},
      // Escapes that decode to characters no symbol has (found by fuzz_binance_decode).
      {R"({"e":"depthUpdate","E":5,"s":"KEE\f\\PUSDT","U":1,"u":1,"b":[],"a":[]})", DecodeError::kBadSymbol},
      {R"({"e":"trade","E":5,"s":"BTC\"USDT","t":1,"p":"1","q":"1","T":5,"m":true})", DecodeError::kBadSymbol},
      {R"({"e":"bookTicker","u":1,"s":"BTC USDT","b":"1","B":"1","a":"2","A":"1"})", DecodeError::kBadSymbol},
      {R"({"e":"depthUpdate","E":"5","s":"X","U":1,"u":1,"b":[],"a":[]})", DecodeError::kWrongType},
      {R"({"e":"depthUpdate","E":5,"s":"X","U":-1,"u":1,"b":[],"a":[]})", DecodeError::kWrongType},
      {R"({"e":"aggTrade","E":1,"s":"X","a":1,"p":100,"q":"1","f":1,"l":1,"T":1,"m":true})", DecodeError::kWrongType},
      {R"({"e":"aggTrade","E":1,"s":"X","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":"true"})", DecodeError::kWrongType},
      {R"({"e":"trade","E":1,"s":"X","t":1,"q":"1","T":1,"m":true})", DecodeError::kMissingField},
      {R"({"e":"kline","E":1,"s":"X","k":{"t":1,"T":2,"i":"7m"}})", DecodeError::kBadInterval},
      {R"({"e":"24hrTicker","E":1,"s":"X"})", DecodeError::kUnknownKind},
      {R"({"e":5})", DecodeError::kWrongType},
      {R"({"stream":"btcusdt@depth@100ms","data":[1,2]})", DecodeError::kNotObject},
      {R"({"stream":7,"data":{}})", DecodeError::kWrongType},
      {R"({"stream":"btcusdt@trade"})", DecodeError::kMissingField},
      {R"({})", DecodeError::kMissingField},
      {R"([1,2,3])", DecodeError::kNotObject},
      {R"("text")", DecodeError::kNotObject},
      {R"(not json at all)", DecodeError::kJson},
      {"", DecodeError::kJson},
      {std::string(5000, ' '), DecodeError::kTooLarge},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(d.decode(c.frame, f), c.want) << c.frame << " gave " << to_string(d.decode(c.frame, f));
  }
}

// Every prefix of a real frame is an error, never a crash and never a half-read success.
TEST(BinanceDecode, EveryTruncationOfACapturedFrameIsAnError) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/usdm-futures-capture.txt"));
  ASSERT_FALSE(cap.records.empty());
  Decoder d;
  Frame f;
  int checked = 0;
  for (const CaptureRecord& r : cap.records) {
    if (checked == 8) break;
    ++checked;
    ASSERT_EQ(d.decode(r.frame, f), DecodeError::kNone) << r.frame;
    for (std::size_t n = 0; n < r.frame.size(); ++n)
      EXPECT_NE(d.decode(std::string_view(r.frame).substr(0, n), f), DecodeError::kNone) << n;
  }
}

TEST(BinanceDecode, EveryCapturedFrameDecodesWithoutAllocating) {
  for (const char* file : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(file));
    Decoder d;
    Frame f;
    const AllocationScope scope;
    std::size_t ok = 0;
    for (const CaptureRecord& r : cap.records) ok += d.decode(r.frame, f) == DecodeError::kNone ? 1 : 0;
    EXPECT_EQ(ok, cap.records.size()) << file;
    if (allocation_hooks_installed()) {
      EXPECT_EQ(scope.allocations(), 0u) << file;
    }
  }
}

// ---- the fast path (Binance's own field order) against the general path ----

// The general path's result for `frame`: a leading space is valid JSON but not what the fast path's
// byte check takes.
std::string general_only(std::string_view frame) { return " " + std::string(frame); }

void expect_same(const Frame& a, const Frame& b, std::string_view frame) {
  ASSERT_EQ(a.kind, b.kind) << frame;
  EXPECT_EQ(a.stream.kind, b.stream.kind) << frame;
  EXPECT_EQ(a.stream.symbol_view(), b.stream.symbol_view()) << frame;
  EXPECT_EQ(a.symbol.view(), b.symbol.view()) << frame;
  const BookTickerFrame &x = a.book_ticker, &y = b.book_ticker;
  EXPECT_TRUE(x.event_time_ms == y.event_time_ms && x.transaction_time_ms == y.transaction_time_ms &&
              x.update_id == y.update_id && x.bid_price == y.bid_price && x.bid_qty == y.bid_qty &&
              x.ask_price == y.ask_price && x.ask_qty == y.ask_qty)
      << frame;
  const DepthFrame &p = a.depth, &q = b.depth;
  EXPECT_TRUE(p.event_time_ms == q.event_time_ms && p.transaction_time_ms == q.transaction_time_ms &&
              p.first_update_id == q.first_update_id && p.final_update_id == q.final_update_id &&
              p.prev_final_update_id == q.prev_final_update_id && p.has_prev_final == q.has_prev_final)
      << frame;
  ASSERT_EQ(p.bids.size(), q.bids.size()) << frame;
  ASSERT_EQ(p.asks.size(), q.asks.size()) << frame;
  for (std::size_t i = 0; i < p.bids.size(); ++i) EXPECT_TRUE(p.bids[i].price == q.bids[i].price && p.bids[i].qty == q.bids[i].qty) << frame;
  for (std::size_t i = 0; i < p.asks.size(); ++i) EXPECT_TRUE(p.asks[i].price == q.asks[i].price && p.asks[i].qty == q.asks[i].qty) << frame;
}

TEST(BinanceDecodeFastPath, EqualsTheGeneralPathOnEveryCapturedFrame) {
  Decoder fast, general;
  Frame a, b;
  std::size_t compared = 0;
  for (const char* file : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(file));
    for (const CaptureRecord& r : cap.records) {
      for (const FrameKinds wanted : {kAllFrameKinds, kinds_bit(FrameKind::kBookTicker), kinds_bit(FrameKind::kDepthUpdate)}) {
        const DecodeError ea = fast.decode(r.frame, a, wanted);
        const DecodeError eb = general.decode(general_only(r.frame), b, wanted);
        ASSERT_EQ(ea, eb) << r.frame;
        if (ea == DecodeError::kNone && wanted == kAllFrameKinds) expect_same(a, b, r.frame);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 3000u);
}

// Layouts that differ from Binance's (order, extra or missing fields, escapes, three-element
// levels) give the general path's answer.
TEST(BinanceDecodeFastPath, OtherLayoutsGiveTheGeneralPathsAnswer) {
  const std::vector<std::string> frames = {
      R"({"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3","x":1})",
      R"({"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6"})",
      R"({"u":7,"s":"BTCUSDT","B":"2","b":"1.5","a":"1.6","A":"3"})",
      R"({"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3","E":5,"T":6})",
      R"({"u":7,"s":"BTCUSDT","b":"\u0031.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7,"s":"BTC\u0055SDT","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3","u":8})",
      R"({"u":-7,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7,"s":"","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"e":"bookTicker","u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3","T":1,"E":2})",
      R"({"e":"bookTicker","u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3","E":2})",
      R"({"e":"bookTicker","u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3","T":"1","E":2})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"]],"a":[["3","4"]]})",
      R"({"e":"depthUpdate","E":5,"T":4,"s":"X","U":1,"u":2,"pu":0,"b":[["1","2"]],"a":[["3","4"]]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2","9"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"]],"a":[],"x":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"a":[],"b":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1.123456789","2"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1.12345670","2"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["12345678901.5","2"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["92233720368.54775807","1"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["92233720368.54775808","1"]],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"],["3","4"],["5","6"],["7","8"],["9","1"]],"a":[]})",
      R"({"stream":"btcusdt@depth5","data":{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[]}})",
      R"({"stream":"btcusdt@bookTicker","data":{"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"},"x":1})",
      R"({"stream":"btcusdt@bookTicker","data":{"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"}})",
      R"({"stream":"btcusdt@bookTi\u0063ker","data":{"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"}})",
      R"({"stream":"nonsense","data":{"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"}})",
      R"({"u":07,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":0,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7.0,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":1e3,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":9999999999999999999,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":18446744073709551615,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":18446744073709551616,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"})",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"} )",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3"}})",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3",})",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3","T":1,"E":2})",
      R"({"u":7,"s":"X	","b":"1.5","B":"2","a":"1.6","A":"3"})",
      "{\"u\":7,\"s\":\"\xC3\xA9T\",\"b\":\"1.5\",\"B\":\"2\",\"a\":\"1.6\",\"A\":\"3\"}",
      "{\"u\":7,\"s\":\"\xC3T\",\"b\":\"1.5\",\"B\":\"2\",\"a\":\"1.6\",\"A\":\"3\"}",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3.")",
      R"({"u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3)",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"],],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"]],"a":[["1","2"]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"]],"a":[["1","2"]]]})",
      R"({"e":"depthUpdate","E":-5,"s":"X","U":1,"u":2,"b":[],"a":[]})",
      R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"pu":-1,"b":[],"a":[]})",
      R"({"e":"depthUpdate","E":1234567890123456789,"s":"X","U":1,"u":2,"b":[],"a":[]})",
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[]}})",
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[]}} )",
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[]})",
      R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":7,"s":"X","b":"1.5","B":"2","a":"1.6","A":"3","T":1,"E":2}})",
  };
  Decoder fast(4096, 4), general(4096, 4);
  Frame a, b;
  for (const std::string& f : frames) {
    for (const FrameKinds wanted : {kAllFrameKinds, kinds_bit(FrameKind::kTrade), kinds_bit(FrameKind::kPartialDepth)}) {
      const DecodeError ea = fast.decode(f, a, wanted);
      ASSERT_EQ(ea, general.decode(general_only(f), b, wanted)) << f;
      if (ea == DecodeError::kNone) expect_same(a, b, f);
    }
  }
}

// The fast path's decimals against parse_decimal: every quoted string of both captures and random
// strings, in a bookTicker and in a depth level; an escaped decimal goes the general way.
TEST(BinanceDecodeFastPath, DecimalsEqualParseDecimal) {
  std::vector<std::string> texts;
  for (const char* file : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(file));
    for (const CaptureRecord& r : cap.records) {
      for (std::size_t i = r.frame.find('"'); i != std::string::npos;) {
        const std::size_t close = r.frame.find('"', i + 1);
        if (close == std::string::npos) break;
        texts.push_back(r.frame.substr(i + 1, close - i - 1));
        i = r.frame.find('"', close + 1);
      }
    }
  }
  ASSERT_GT(texts.size(), 10'000u);
  Xoshiro256StarStar rng(17);
  static constexpr char kAlphabet[] = "0123456789012345678901234567890123456789...-e+ xN";
  for (int n = 0; n < 100'000; ++n) {
    std::string s;
    const std::size_t len = rng.next() % 22;
    for (std::size_t i = 0; i < len; ++i) s.push_back(kAlphabet[rng.next() % (sizeof kAlphabet - 1)]);
    texts.push_back(s);
  }
  for (const char* s : {"0", "0.0", "00000000.00000001", "99999999.99999999", "12345678.9", "1.00000000", "1.000000000",
                        "1.000000001", "92233720368.54775807", "92233720368.54775808", "123456789012.5", "5.", ".5",
                        "1..2", "1.2.3", "0000000000000000001", "1.2345678", "7"})
    texts.push_back(s);
  Decoder d(4096, 8);
  Frame f;
  for (const std::string& t : texts) {
    const auto want = parse_decimal(t);
    const std::string ticker = R"({"u":1,"s":"X","b":")" + t + R"(","B":"1","a":"1","A":"1"})";
    const std::string depth = R"({"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[["1",")" + t + R"("]]})";
    const DecodeError e1 = d.decode(ticker, f);
    if (want.ok()) {
      ASSERT_EQ(e1, DecodeError::kNone) << t;
      EXPECT_EQ(f.book_ticker.bid_price.raw(), want.value().raw) << t;
    } else {
      EXPECT_EQ(e1, DecodeError::kBadDecimal) << t;
    }
    const DecodeError e2 = d.decode(depth, f);
    if (want.ok()) {
      ASSERT_EQ(e2, DecodeError::kNone) << t;
      ASSERT_EQ(f.depth.asks.size(), 1u);
      EXPECT_EQ(f.depth.asks[0].qty.raw(), want.value().raw) << t;
    } else {
      EXPECT_EQ(e2, DecodeError::kBadDecimal) << t;
    }
  }
  ASSERT_EQ(d.decode(R"({"u":1,"s":"X","b":"\u0031.5","B":"1","a":"1","A":"1"})", f), DecodeError::kNone);
  EXPECT_EQ(f.book_ticker.bid_price, px("1.5"));
}

// The pre-pass's 64-byte block path (frames that open with '{') against the byte-by-byte rule
// (json_balanced_reference.hpp): random frames up to 300 bytes, with and without escapes, and every
// capture frame with random bytes changed.
TEST(BinanceDecodeFastPath, BalancedBlocksEqualTheByteByByteRule) {
  Xoshiro256StarStar rng(23);
  static constexpr char kAlphabet[] = "{}[]{}[]\"\"\" :,a1\t{[";
  for (int n = 0; n < 200'000; ++n) {
    std::string s = "{";
    const std::size_t len = rng.next() % 300;
    for (std::size_t i = 0; i < len; ++i) s.push_back(kAlphabet[rng.next() % (sizeof kAlphabet - 1)]);
    if (n % 10 == 0 && !s.empty()) s[rng.next() % s.size()] = '\\';
    ASSERT_EQ(protocol::binance::detail::balanced(s), reference_balanced(s)) << s;
  }
  for (int depth : {63, 64, 65}) {
    const std::string s = std::string(static_cast<std::size_t>(depth), '{') + std::string(static_cast<std::size_t>(depth), '}');
    EXPECT_EQ(protocol::binance::detail::balanced(s), reference_balanced(s)) << depth;
    EXPECT_EQ(protocol::binance::detail::balanced(std::string(70, ' ') + s + "  \n"), reference_balanced(std::string(70, ' ') + s + "  \n"));
  }
  static constexpr char kEdits[] = "{}[]\" ,x\\";
  for (const char* file : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(file));
    for (const CaptureRecord& r : cap.records) {
      for (int m = 0; m < 8; ++m) {
        std::string s = r.frame;
        s[rng.next() % s.size()] = kEdits[rng.next() % (sizeof kEdits - 1)];
        if (m % 2 == 1) s += kEdits[rng.next() % (sizeof kEdits - 1)];
        ASSERT_EQ(protocol::binance::detail::balanced(s), reference_balanced(s)) << s;
      }
    }
  }
}

}  // namespace
