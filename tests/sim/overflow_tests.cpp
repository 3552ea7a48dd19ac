// Hostile inputs against the matching engine's money sums (fixed_point.hpp's checked-arithmetic
// rule): quantities and notionals a logged-on client can send that used to wrap int64 — negative
// level totals in depth and bookTicker, negative AvgPx, negative kline quote volume — are refused
// with RejectReason::kWouldOverflow or stop the order with CancelCause::kWouldOverflow.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keel/core/primitives/orders.hpp"
#include "keel/sim/market_data_publisher.hpp"
#include "keel/sim/matching_engine.hpp"
#include "recording_listener.hpp"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::RecordingListener;

namespace {

// BTCUSDT at the finest steps: tick 10^-8, lot 1, no minimum notional (the hostile client picks
// any price and quantity the wire format carries).
std::vector<VenueSymbol> fine_symbols() {
  VenueSymbol s;
  s.instrument.id = 0;
  s.instrument.symbol = "BTCUSDT";
  s.instrument.tick_size = Price::from_raw(1);
  s.instrument.lot_size = Qty::from_raw(1);
  s.instrument.min_notional = Notional{};
  s.instrument.price_decimals = 8;
  s.instrument.qty_decimals = 8;
  s.base = 0;
  s.quote = 1;
  return {s};
}

Price px(const char* text) { return Price::parse(text).value(); }
Qty qty(const char* text) { return Qty::parse(text).value(); }

struct Engine {
  RecordingListener listener;
  std::vector<VenueSymbol> syms = fine_symbols();
  EngineConfig config = [] {
    EngineConfig c;
    c.orders_per_book = 64;
    return c;
  }();
  MatchingEngine engine{syms, config, listener};

  void order(AccountId account, const char* cl, Side side, OrderType type, TimeInForce tif, const char* price,
             const char* quantity) {
    OrderRequest r;
    r.account = account;
    r.instrument = 0;
    r.cl_ord_id = ClOrdId(cl);
    r.side = side;
    r.type = type;
    r.tif = tif;
    r.price = px(price);
    r.qty = qty(quantity);
    engine.submit(r);
  }
  void limit(AccountId a, const char* cl, Side side, const char* price, const char* quantity,
             TimeInForce tif = TimeInForce::kGtc) {
    order(a, cl, side, OrderType::kLimit, tif, price, quantity);
  }
  void replace(AccountId a, const char* cl, const char* orig, const char* price, const char* quantity) {
    ReplaceRequest r;
    r.account = a;
    r.instrument = 0;
    r.cl_ord_id = ClOrdId(cl);
    r.orig_cl_ord_id = ClOrdId(orig);
    r.price = px(price);
    r.qty = qty(quantity);
    engine.replace(r);
  }
};

void expect_no_negative_sums(const RecordingListener& l) {
  for (const BookLevelChange& c : l.levels) EXPECT_GE(c.qty.raw(), 0) << "level total wrapped";
  for (const Execution& e : l.executions) {
    EXPECT_GE(e.cum_notional.raw(), 0) << "cum notional wrapped";
    EXPECT_GE(average_price(e.cum_notional, e.cum_qty).raw(), 0) << "AvgPx wrapped";
  }
}

}  // namespace

// Two resting orders of 92233720368 at one price: their level total (REST depth, @depth,
// @bookTicker) was Σ > 2^63 − 1 and wrapped negative. The second is refused before it rests.
TEST(HostileOverflow, TwoHugeOrdersAtOneLevelAreRefusedNotWrapped) {
  Engine f;
  f.limit(1, "b1", Side::kBuy, "0.00000001", "92233720368");
  f.limit(2, "b2", Side::kBuy, "0.00000001", "92233720368");
  ASSERT_EQ(f.listener.lines.size(), 2u);
  EXPECT_EQ(f.listener.lines[0], "1:b1 NEW 39=0 cum=0 leaves=92233720368");
  EXPECT_EQ(f.listener.lines[1], "2:b2 REJ 39=8 why=overflow");
  const PriceLevel* best = f.engine.book(0).best(Side::kBuy);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->total, qty("92233720368"));
  expect_no_negative_sums(f.listener);
}

// The same through a replace: moving an order onto a level whose total it would overflow.
TEST(HostileOverflow, ReplaceOntoAFullLevelIsRefused) {
  Engine f;
  f.limit(1, "b1", Side::kBuy, "0.00000001", "92233720368");
  f.limit(2, "b2", Side::kBuy, "0.00000002", "1");
  f.listener.clear();
  f.replace(2, "r2", "b2", "0.00000001", "92233720368");
  ASSERT_EQ(f.listener.lines.size(), 1u);
  EXPECT_EQ(f.listener.lines[0], "CXLREJ 2:r2<b2 434=2 102=2 why=overflow");
  expect_no_negative_sums(f.listener);
}

// An order whose price·qty does not fit int64 was refused as "below the minimum notional".
TEST(HostileOverflow, NotionalOverflowIsRejectedAsOverflowNotBelowMinimum) {
  Engine f;
  f.limit(1, "b1", Side::kBuy, "1000000000", "1000000000");
  ASSERT_EQ(f.listener.lines.size(), 1u);
  EXPECT_EQ(f.listener.lines[0], "1:b1 REJ 39=8 why=overflow");
  EXPECT_EQ(f.listener.executions[0].reject_reason, RejectReason::kWouldOverflow);
  // The FIX Text (58) says so.
  EXPECT_NE(to_text(RejectReason::kWouldOverflow).find("overflow"), std::string_view::npos);
}

// A notional that fits int64 but exceeds half its range (kMaxOrderNotionalRaw) is refused too: its
// fills could sum past 2^63 − 1.
TEST(HostileOverflow, NotionalAboveTheOrderLimitIsRejected) {
  Engine f;
  f.limit(2, "s1", Side::kSell, "46116860185", "1");  // > kMaxOrderNotional (4.611686018427e10)
  f.limit(2, "s2", Side::kSell, "46116860184", "1");  // just inside
  ASSERT_EQ(f.listener.lines.size(), 2u);
  EXPECT_EQ(f.listener.lines[0], "2:s1 REJ 39=8 why=overflow");
  EXPECT_EQ(f.listener.lines[1], "2:s2 NEW 39=0 cum=0 leaves=1");
}

// A market buy sweeping resting orders whose notionals sum past 2^63 − 1: it reported a negative
// AvgPx (FIX 6). Now it stops before the fill that would overflow and its remainder is cancelled
// with a reason that says so.
TEST(HostileOverflow, MarketSweepStopsBeforeItsNotionalOverflows) {
  Engine f;
  for (const char* cl : {"s1", "s2", "s3"}) f.limit(2, cl, Side::kSell, "40000000000", "1");
  f.listener.clear();
  f.order(1, "m1", Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, "0", "3");
  ASSERT_FALSE(f.listener.executions.empty());
  const Execution& last = f.listener.executions.back();
  EXPECT_EQ(last.exec_type, VenueExecType::kCanceled);
  EXPECT_EQ(last.cancel_cause, CancelCause::kWouldOverflow);
  EXPECT_EQ(last.cum_qty, qty("2"));
  EXPECT_EQ(average_price(last.cum_notional, last.cum_qty), px("40000000000"));
  EXPECT_NE(to_text(CancelCause::kWouldOverflow).find("overflow"), std::string_view::npos);
  expect_no_negative_sums(f.listener);
  // The third maker is untouched.
  ASSERT_NE(f.engine.book(0).best(Side::kSell), nullptr);
  EXPECT_EQ(f.engine.book(0).best(Side::kSell)->total, qty("1"));
}

// A GTC limit sell taking bids at higher prices is bounded by the book, not by its own price: the
// same stop applies, and its remainder does not rest.
TEST(HostileOverflow, LimitSweepStopsAndDoesNotRest) {
  Engine f;
  for (const char* cl : {"b1", "b2", "b3"}) f.limit(2, cl, Side::kBuy, "40000000000", "1");
  f.listener.clear();
  f.limit(1, "s1", Side::kSell, "1", "3");
  const Execution& last = f.listener.executions.back();
  EXPECT_EQ(last.exec_type, VenueExecType::kCanceled);
  EXPECT_EQ(last.cancel_cause, CancelCause::kWouldOverflow);
  EXPECT_EQ(f.engine.book(0).best(Side::kSell), nullptr);
  expect_no_negative_sums(f.listener);
}

// A FOK that could fill only by overflowing its Σ notional is cancelled unfilled: never a partial
// FOK.
TEST(HostileOverflow, FokThatWouldOverflowDoesNotFill) {
  Engine f;
  for (const char* cl : {"s1", "s2", "s3"}) f.limit(2, cl, Side::kSell, "40000000000", "1");
  f.listener.clear();
  f.order(1, "f1", Side::kBuy, OrderType::kMarket, TimeInForce::kFok, "0", "3");
  ASSERT_EQ(f.listener.lines.size(), 2u);
  EXPECT_EQ(f.listener.lines[1], "1:f1 CXL 39=4 cum=0 leaves=0 cause=fok");
  EXPECT_TRUE(f.listener.trades.empty());
}

namespace {
struct Capture : MarketDataSink {
  std::vector<std::string> klines;
  void emit(std::string_view stream, std::string_view payload) override {
    if (stream.find("@kline") != std::string_view::npos) klines.emplace_back(payload);
  }
};
}  // namespace

// Kline quote volume over many orders of one minute wrapped negative; it saturates instead.
TEST(HostileOverflow, KlineQuoteVolumeSaturatesInsteadOfWrapping) {
  Capture sink;
  const auto syms = fine_symbols();
  MarketDataPublisher pub(protocol::binance::Market::kSpot, syms, sink);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    PublicTrade t{};
    t.ts = 1'000'000'000 + static_cast<std::int64_t>(id);
    t.trade_id = id;
    t.instrument = 0;
    t.aggressor = Side::kBuy;
    t.price = px("40000000000");
    t.qty = qty("1");
    t.maker_order_id = 10 + id;
    t.taker_order_id = 20 + id;
    pub.on_public_trade(t);
  }
  pub.flush(2'000'000'000);
  ASSERT_FALSE(sink.klines.empty());
  for (const std::string& k : sink.klines) EXPECT_EQ(k.find("\"-"), std::string::npos) << k;
}

// The checked sums themselves.
TEST(HostileOverflow, CheckedSumPrimitives) {
  Notional n = Notional::from_raw(INT64_MAX - 1);
  EXPECT_FALSE(try_add(n, Notional::from_raw(2)));
  EXPECT_EQ(n.raw(), INT64_MAX - 1);  // unchanged
  EXPECT_TRUE(try_add(n, Notional::from_raw(1)));
  EXPECT_EQ(saturating_add(n, Notional::from_raw(5)).raw(), INT64_MAX);
  EXPECT_EQ(saturating_add(Notional::from_raw(-INT64_MAX), Notional::from_raw(-5)).raw(), -INT64_MAX);
  Qty q = Qty::from_raw(INT64_MIN + 1);
  EXPECT_FALSE(try_sub(q, Qty::from_raw(2)));
  EXPECT_TRUE(order_notional_fits(Price::from_units(1), Qty::from_units(1)));
  EXPECT_FALSE(order_notional_fits(Price::from_units(1'000'000'000), Qty::from_units(1'000'000'000)));
}
