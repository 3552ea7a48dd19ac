// The Binance decoder (keel/protocol/binance/decode.hpp): every kind, raw and combined, spot and
// futures; every captured frame decodes (binance_format_tests re-encodes them byte for byte); every
// malformed frame is an error value, never a crash; no allocation after construction.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/protocol/binance.hpp"

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

}  // namespace
