// Table-driven tests of MatchingEngine against VENUE.md's message sequences: each case runs its
// setup (reports ignored), then its action, and compares the exact report sequence of the action.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/core/containers/fixed_hash_map.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/matching_rules.hpp"
#include "recording_listener.hpp"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::RecordingListener;

namespace {

// One instrument: tick 1, lot 1, minimum notional 10 (prices ~100, quantities of a few units).
std::vector<VenueSymbol> symbols() {
  VenueSymbol s;
  s.instrument.id = 0;
  s.instrument.symbol = "TESTUSDT";
  s.instrument.tick_size = Price::from_units(1);
  s.instrument.lot_size = Qty::from_units(1);
  s.instrument.min_notional = Notional::from_units(10);
  s.base = 0;
  s.quote = 1;
  return {s};
}

Price px(const char* text) { return Price::parse(text).value(); }
Qty qty(const char* text) { return Qty::parse(text).value(); }

struct Op {
  enum Kind { kNew, kCancel, kReplace } kind = kNew;
  AccountId account = 1;
  std::string cl;
  std::string orig;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool post_only = false;
  const char* price = "0";
  const char* quantity = "0";
  InstrumentId instrument = 0;
};

Op limit(AccountId a, std::string cl, Side side, const char* p, const char* q,
         TimeInForce tif = TimeInForce::kGtc) {
  Op op;
  op.account = a;
  op.cl = std::move(cl);
  op.side = side;
  op.price = p;
  op.quantity = q;
  op.tif = tif;
  return op;
}
Op buy(AccountId a, std::string cl, const char* p, const char* q, TimeInForce tif = TimeInForce::kGtc) {
  return limit(a, std::move(cl), Side::kBuy, p, q, tif);
}
Op sell(AccountId a, std::string cl, const char* p, const char* q, TimeInForce tif = TimeInForce::kGtc) {
  return limit(a, std::move(cl), Side::kSell, p, q, tif);
}
Op market(AccountId a, std::string cl, Side side, const char* q, TimeInForce tif = TimeInForce::kIoc) {
  Op op = limit(a, std::move(cl), side, "0", q, tif);
  op.type = OrderType::kMarket;
  return op;
}
Op post_only(Op op) {
  op.post_only = true;
  return op;
}
Op cancel(AccountId a, std::string cl, std::string orig) {
  Op op;
  op.kind = Op::kCancel;
  op.account = a;
  op.cl = std::move(cl);
  op.orig = std::move(orig);
  return op;
}
Op replace(AccountId a, std::string cl, std::string orig, const char* p, const char* q) {
  Op op;
  op.kind = Op::kReplace;
  op.account = a;
  op.cl = std::move(cl);
  op.orig = std::move(orig);
  op.price = p;
  op.quantity = q;
  return op;
}

void apply(MatchingEngine& engine, const Op& op) {
  switch (op.kind) {
    case Op::kNew: {
      OrderRequest r;
      r.account = op.account;
      r.instrument = op.instrument;
      r.cl_ord_id = ClOrdId(op.cl);
      r.side = op.side;
      r.type = op.type;
      r.tif = op.tif;
      r.post_only = op.post_only;
      r.price = px(op.price);
      r.qty = qty(op.quantity);
      engine.submit(r);
      break;
    }
    case Op::kCancel: {
      CancelRequest r;
      r.account = op.account;
      r.instrument = op.instrument;
      r.cl_ord_id = ClOrdId(op.cl);
      r.orig_cl_ord_id = ClOrdId(op.orig);
      engine.cancel(r);
      break;
    }
    case Op::kReplace: {
      ReplaceRequest r;
      r.account = op.account;
      r.instrument = op.instrument;
      r.cl_ord_id = ClOrdId(op.cl);
      r.orig_cl_ord_id = ClOrdId(op.orig);
      r.price = px(op.price);
      r.qty = qty(op.quantity);
      engine.replace(r);
      break;
    }
  }
}

struct Case {
  const char* name;
  std::vector<Op> setup;
  std::vector<Op> action;
  std::vector<std::string> expected;
};

constexpr Side kBuy = Side::kBuy;
constexpr Side kSell = Side::kSell;
constexpr TimeInForce kIoc = TimeInForce::kIoc;
constexpr TimeInForce kFok = TimeInForce::kFok;

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"limit rests", {}, {buy(1, "b1", "100", "2")}, {"1:b1 NEW 39=0 cum=0 leaves=2"}},
      {"limit sweeps two levels at the resting prices then rests",
       {sell(2, "s1", "101", "1"), sell(2, "s2", "102", "1")},
       {buy(1, "b1", "102", "3")},
       {"1:b1 NEW 39=0 cum=0 leaves=3", "1:b1 TRADE 39=1 101x1 taker cum=1 leaves=2",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0", "1:b1 TRADE 39=1 102x1 taker cum=2 leaves=1",
        "2:s2 TRADE 39=2 102x1 maker cum=1 leaves=0"}},
      {"sell taker sweeps bids best first, each at the resting price",
       {buy(2, "b1", "99", "1"), buy(3, "b2", "100", "1"), buy(2, "b3", "100", "1")},
       {sell(1, "s1", "99", "4")},
       {"1:s1 NEW 39=0 cum=0 leaves=4", "1:s1 TRADE 39=1 100x1 taker cum=1 leaves=3",
        "3:b2 TRADE 39=2 100x1 maker cum=1 leaves=0", "1:s1 TRADE 39=1 100x1 taker cum=2 leaves=2",
        "2:b3 TRADE 39=2 100x1 maker cum=1 leaves=0", "1:s1 TRADE 39=1 99x1 taker cum=3 leaves=1",
        "2:b1 TRADE 39=2 99x1 maker cum=1 leaves=0"}},
      {"market sell stops when the bids run out",
       {buy(2, "b1", "99", "1")},
       {market(1, "m1", kSell, "2")},
       {"1:m1 NEW 39=0 cum=0 leaves=2", "1:m1 TRADE 39=1 99x1 taker cum=1 leaves=1",
        "2:b1 TRADE 39=2 99x1 maker cum=1 leaves=0", "1:m1 CXL 39=4 cum=1 leaves=0 cause=market"}},
      {"time priority within a level",
       {sell(2, "s1", "101", "1"), sell(3, "s2", "101", "1")},
       {buy(1, "b1", "101", "1")},
       {"1:b1 NEW 39=0 cum=0 leaves=1", "1:b1 TRADE 39=2 101x1 taker cum=1 leaves=0",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0"}},
      {"partial fill of the resting order",
       {sell(2, "s1", "101", "5")},
       {buy(1, "b1", "101", "2")},
       {"1:b1 NEW 39=0 cum=0 leaves=2", "1:b1 TRADE 39=2 101x2 taker cum=2 leaves=0",
        "2:s1 TRADE 39=1 101x2 maker cum=2 leaves=3"}},
      {"limit that does not cross rests without fills",
       {sell(2, "s1", "101", "1")},
       {buy(1, "b1", "100", "1")},
       {"1:b1 NEW 39=0 cum=0 leaves=1"}},
      {"market order remainder is canceled",
       {sell(2, "s1", "101", "1")},
       {market(1, "m1", kBuy, "3")},
       {"1:m1 NEW 39=0 cum=0 leaves=3", "1:m1 TRADE 39=1 101x1 taker cum=1 leaves=2",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0", "1:m1 CXL 39=4 cum=1 leaves=0 cause=market"}},
      {"market order into an empty book", {}, {market(1, "m1", kSell, "1")},
       {"1:m1 NEW 39=0 cum=0 leaves=1", "1:m1 CXL 39=4 cum=0 leaves=0 cause=market"}},
      {"market GTC is treated as IOC", {}, {market(1, "m1", kSell, "1", TimeInForce::kGtc)},
       {"1:m1 NEW 39=0 cum=0 leaves=1", "1:m1 CXL 39=4 cum=0 leaves=0 cause=market"}},
      {"IOC trades what crosses and cancels the rest",
       {sell(2, "s1", "101", "1"), sell(2, "s2", "103", "1")},
       {buy(1, "i1", "102", "2", kIoc)},
       {"1:i1 NEW 39=0 cum=0 leaves=2", "1:i1 TRADE 39=1 101x1 taker cum=1 leaves=1",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0", "1:i1 CXL 39=4 cum=1 leaves=0 cause=ioc"}},
      {"FOK that cannot fill: New then Canceled, no fills",
       {sell(2, "s1", "101", "1"), sell(2, "s2", "103", "1")},
       {buy(1, "f1", "102", "2", kFok)},
       {"1:f1 NEW 39=0 cum=0 leaves=2", "1:f1 CXL 39=4 cum=0 leaves=0 cause=fok"}},
      {"FOK that can fill fills completely",
       {sell(2, "s1", "101", "1"), sell(3, "s2", "102", "1")},
       {buy(1, "f1", "102", "2", kFok)},
       {"1:f1 NEW 39=0 cum=0 leaves=2", "1:f1 TRADE 39=1 101x1 taker cum=1 leaves=1",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0", "1:f1 TRADE 39=2 102x1 taker cum=2 leaves=0",
        "3:s2 TRADE 39=2 102x1 maker cum=1 leaves=0"}},
      {"FOK does not count its own account's orders",
       {sell(1, "own", "101", "1"), sell(2, "s1", "101", "1")},
       {buy(1, "f1", "101", "2", kFok)},
       {"1:f1 NEW 39=0 cum=0 leaves=2", "1:f1 CXL 39=4 cum=0 leaves=0 cause=fok"}},
      {"market FOK", {sell(2, "s1", "101", "1")}, {market(1, "f1", kBuy, "1", kFok)},
       {"1:f1 NEW 39=0 cum=0 leaves=1", "1:f1 TRADE 39=2 101x1 taker cum=1 leaves=0",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0"}},
      {"post-only that would cross is rejected", {sell(2, "s1", "101", "1")},
       {post_only(buy(1, "p1", "101", "1"))}, {"1:p1 REJ 39=8 why=post-only"}},
      {"post-only that would cross its own order is rejected too", {sell(1, "s1", "101", "1")},
       {post_only(buy(1, "p1", "101", "1"))}, {"1:p1 REJ 39=8 why=post-only"}},
      {"post-only that does not cross rests", {sell(2, "s1", "101", "1")},
       {post_only(buy(1, "p1", "100", "1"))}, {"1:p1 NEW 39=0 cum=0 leaves=1"}},
      {"self-trade prevention cancels the resting order and matching goes on",
       {sell(1, "own", "101", "1"), sell(2, "s1", "101", "1")},
       {buy(1, "b1", "101", "2", kIoc)},
       {"1:b1 NEW 39=0 cum=0 leaves=2", "1:own CXL 39=4 cum=0 leaves=0 cause=stp",
        "1:b1 TRADE 39=1 101x1 taker cum=1 leaves=1", "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0",
        "1:b1 CXL 39=4 cum=1 leaves=0 cause=ioc"}},
      {"self-trade prevention with a GTC taker that then rests",
       {sell(1, "own", "101", "1")},
       {buy(1, "b1", "101", "1")},
       {"1:b1 NEW 39=0 cum=0 leaves=1", "1:own CXL 39=4 cum=0 leaves=0 cause=stp"}},
      {"unknown symbol", {}, {[] { Op o = buy(1, "x", "100", "1"); o.instrument = 7; return o; }()},
       {"1:x REJ 39=8 why=unknown-symbol"}},
      {"unknown account", {}, {buy(99, "x", "100", "1")}, {"99:x REJ 39=8 why=unknown-account"}},
      {"price not positive", {}, {buy(1, "x", "0", "1")}, {"1:x REJ 39=8 why=price<=0"}},
      {"price off tick", {}, {buy(1, "x", "100.5", "1")}, {"1:x REJ 39=8 why=off-tick"}},
      {"quantity not positive", {}, {buy(1, "x", "100", "0")}, {"1:x REJ 39=8 why=qty<=0"}},
      {"quantity off lot", {}, {buy(1, "x", "100", "1.5")}, {"1:x REJ 39=8 why=off-lot"}},
      {"below minimum notional", {}, {buy(1, "x", "5", "1")}, {"1:x REJ 39=8 why=min-notional"}},
      {"post-only market order is invalid", {}, {post_only(market(1, "x", kBuy, "1"))},
       {"1:x REJ 39=8 why=invalid"}},
      {"duplicate ClOrdID of an open order", {buy(1, "b1", "100", "1")}, {buy(1, "b1", "99", "1")},
       {"1:b1 REJ 39=8 why=duplicate"}},
      {"a ClOrdID may be reused by another account", {buy(1, "b1", "100", "1")},
       {buy(2, "b1", "99", "1")}, {"2:b1 NEW 39=0 cum=0 leaves=1"}},
      {"cancel", {buy(1, "b1", "100", "2")}, {cancel(1, "c1", "b1")},
       {"1:c1<b1 CXL 39=4 cum=0 leaves=0 cause=client"}},
      {"cancel of a partially filled order",
       {buy(1, "b1", "100", "2"), sell(2, "s1", "100", "1")},
       {cancel(1, "c1", "b1")}, {"1:c1<b1 CXL 39=4 cum=1 leaves=0 cause=client"}},
      {"cancel of an unknown order", {}, {cancel(1, "c1", "nope")}, {"CXLREJ 1:c1<nope 434=1 102=1"}},
      {"cancel of a filled order", {buy(1, "b1", "100", "1"), sell(2, "s1", "100", "1")},
       {cancel(1, "c1", "b1")}, {"CXLREJ 1:c1<b1 434=1 102=1"}},
      {"cancel by another account", {buy(1, "b1", "100", "1")}, {cancel(2, "c1", "b1")},
       {"CXLREJ 2:c1<b1 434=1 102=1"}},
      {"cancel naming another symbol", {buy(1, "b1", "100", "1")},
       {[] { Op o = cancel(1, "c1", "b1"); o.instrument = 3; return o; }()},
       {"CXLREJ 1:c1<b1 434=1 102=1"}},
      {"cancel twice", {buy(1, "b1", "100", "1"), cancel(1, "c1", "b1")}, {cancel(1, "c2", "b1")},
       {"CXLREJ 1:c2<b1 434=1 102=1"}},
      {"replace lowering the quantity keeps priority",
       {sell(2, "s1", "101", "3"), sell(3, "s2", "101", "1")},
       {replace(2, "r1", "s1", "101", "2"), buy(1, "b1", "101", "1")},
       {"2:r1<s1 RPL 39=0 cum=0 leaves=2", "1:b1 NEW 39=0 cum=0 leaves=1",
        "1:b1 TRADE 39=2 101x1 taker cum=1 leaves=0", "2:r1 TRADE 39=1 101x1 maker cum=1 leaves=1"}},
      {"replace with the same price and quantity keeps priority (a rename)",
       {sell(2, "s1", "101", "1"), sell(3, "s2", "101", "1")},
       {replace(2, "r1", "s1", "101", "1"), buy(1, "b1", "101", "1")},
       {"2:r1<s1 RPL 39=0 cum=0 leaves=1", "1:b1 NEW 39=0 cum=0 leaves=1",
        "1:b1 TRADE 39=2 101x1 taker cum=1 leaves=0", "2:r1 TRADE 39=2 101x1 maker cum=1 leaves=0"}},
      {"replace raising the quantity loses priority",
       {sell(2, "s1", "101", "1"), sell(3, "s2", "101", "1")},
       {replace(2, "r1", "s1", "101", "2"), buy(1, "b1", "101", "1")},
       {"2:r1<s1 RPL 39=0 cum=0 leaves=2", "1:b1 NEW 39=0 cum=0 leaves=1",
        "1:b1 TRADE 39=2 101x1 taker cum=1 leaves=0", "3:s2 TRADE 39=2 101x1 maker cum=1 leaves=0"}},
      {"replace changing the price loses priority",
       {sell(2, "s1", "101", "1"), sell(3, "s2", "101", "1")},
       {replace(2, "r1", "s1", "102", "1"), replace(2, "r2", "r1", "101", "1"), buy(1, "b1", "101", "1")},
       {"2:r1<s1 RPL 39=0 cum=0 leaves=1", "2:r2<r1 RPL 39=0 cum=0 leaves=1",
        "1:b1 NEW 39=0 cum=0 leaves=1", "1:b1 TRADE 39=2 101x1 taker cum=1 leaves=0",
        "3:s2 TRADE 39=2 101x1 maker cum=1 leaves=0"}},
      {"replace of a partially filled order: LeavesQty = new qty - CumQty",
       {sell(2, "s1", "101", "3"), buy(1, "b1", "101", "1")},
       {replace(2, "r1", "s1", "101", "5")}, {"2:r1<s1 RPL 39=1 cum=1 leaves=4"}},
      {"replace to a crossing price trades like a new order and the rest rests",
       {buy(1, "b1", "99", "3"), sell(2, "s1", "101", "1")},
       {replace(1, "r1", "b1", "101", "3"), sell(3, "s2", "101", "2")},
       {"1:r1<b1 RPL 39=0 cum=0 leaves=3", "1:r1 TRADE 39=1 101x1 taker cum=1 leaves=2",
        "2:s1 TRADE 39=2 101x1 maker cum=1 leaves=0", "3:s2 NEW 39=0 cum=0 leaves=2",
        "3:s2 TRADE 39=2 101x2 taker cum=2 leaves=0", "1:r1 TRADE 39=2 101x2 maker cum=3 leaves=0"}},
      {"replace to at or below the filled quantity cancels the order",
       {sell(2, "s1", "101", "3"), buy(1, "b1", "101", "2")},
       {replace(2, "r1", "s1", "101", "2")},
       {"2:r1<s1 CXL 39=4 cum=2 leaves=0 cause=replaced-below-filled"}},
      {"replace of a post-only order to a crossing price is refused",
       {post_only(buy(1, "p1", "100", "1")), sell(2, "s1", "101", "1")},
       {replace(1, "r1", "p1", "101", "1")}, {"CXLREJ 1:r1<p1 434=2 102=2 why=post-only"}},
      {"replace of an unknown order", {}, {replace(1, "r1", "nope", "100", "1")},
       {"CXLREJ 1:r1<nope 434=2 102=1"}},
      {"replace to a ClOrdID that is open", {buy(1, "b1", "100", "1"), buy(1, "b2", "99", "1")},
       {replace(1, "b2", "b1", "98", "1")}, {"CXLREJ 1:b2<b1 434=2 102=6"}},
      {"replace off the tick is refused and the order is unchanged",
       {buy(1, "b1", "100", "1")},
       {replace(1, "r1", "b1", "100.5", "1"), cancel(1, "c1", "b1")},
       {"CXLREJ 1:r1<b1 434=2 102=2 why=off-tick", "1:c1<b1 CXL 39=4 cum=0 leaves=0 cause=client"}},
      {"replace below the minimum notional is refused", {buy(1, "b1", "100", "1")},
       {replace(1, "r1", "b1", "5", "1")}, {"CXLREJ 1:r1<b1 434=2 102=2 why=min-notional"}},
      {"self-trade prevention on a crossing replace",
       {sell(1, "own", "101", "1"), buy(1, "b1", "99", "1")},
       {replace(1, "r1", "b1", "101", "1")},
       {"1:r1<b1 RPL 39=0 cum=0 leaves=1", "1:own CXL 39=4 cum=0 leaves=0 cause=stp"}},
  };
  return all;
}

class MatchingCase : public ::testing::TestWithParam<std::size_t> {};

TEST_P(MatchingCase, ExactReportSequence) {
  const Case& c = cases()[GetParam()];
  SCOPED_TRACE(c.name);
  RecordingListener listener;
  EngineConfig config;
  config.orders_per_book = 64;
  const auto syms = symbols();
  MatchingEngine engine(syms, config, listener);
  for (const Op& op : c.setup) apply(engine, op);
  listener.clear();
  for (const Op& op : c.action) apply(engine, op);
  EXPECT_EQ(listener.lines, c.expected);
}

INSTANTIATE_TEST_SUITE_P(Table, MatchingCase, ::testing::Range<std::size_t>(0, cases().size()));

struct Fixture {
  RecordingListener listener;
  std::vector<VenueSymbol> syms = symbols();
  EngineConfig config;
  MatchingEngine engine;
  explicit Fixture(EngineConfig c) : config(c), engine(syms, config, listener) {}
};

EngineConfig small_config() {
  EngineConfig c;
  c.orders_per_book = 64;
  return c;
}

}  // namespace

TEST(MatchingEngine, FillsArePublishedAsTradesAndLevels) {
  Fixture f(small_config());
  apply(f.engine, sell(2, "s1", "101", "2"));
  apply(f.engine, buy(1, "b1", "101", "1"));
  ASSERT_EQ(f.listener.trades.size(), 1u);
  EXPECT_EQ(f.listener.trades[0].trade_id, 1u);
  EXPECT_EQ(f.listener.trades[0].aggressor, Side::kBuy);
  EXPECT_EQ(f.listener.trades[0].price, px("101"));
  EXPECT_EQ(f.listener.trades[0].qty, qty("1"));
  ASSERT_EQ(f.listener.levels.size(), 2u);  // s1 rests, then the level shrinks
  EXPECT_EQ(f.listener.levels[0].qty, qty("2"));
  EXPECT_EQ(f.listener.levels[1].qty, qty("1"));
  EXPECT_EQ(f.listener.levels[1].update_id, 2u);
  EXPECT_EQ(f.engine.book(0).level_qty(Side::kSell, px("101")), qty("1"));
}

TEST(MatchingEngine, BookSidesAreSortedWithTheBestLast) {
  Fixture f(small_config());
  apply(f.engine, buy(1, "b1", "98", "1"));
  apply(f.engine, buy(1, "b2", "99", "1"));
  apply(f.engine, buy(1, "b3", "97", "1"));
  apply(f.engine, sell(2, "s1", "103", "1"));
  apply(f.engine, sell(2, "s2", "102", "1"));
  const auto bids = f.engine.book(0).levels(Side::kBuy);
  const auto asks = f.engine.book(0).levels(Side::kSell);
  ASSERT_EQ(bids.size(), 3u);
  EXPECT_EQ(bids[0].price, px("97"));
  EXPECT_EQ(bids[2].price, px("99"));
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_EQ(asks[1].price, px("102"));
  EXPECT_EQ(f.engine.book(0).best(Side::kSell)->price, px("102"));
}

TEST(MatchingEngine, AveragePriceIsExact) {
  Fixture f(small_config());
  apply(f.engine, sell(2, "s1", "101", "1"));
  apply(f.engine, sell(2, "s2", "102", "2"));
  apply(f.engine, buy(1, "b1", "102", "3"));
  const Execution& last = f.listener.executions[f.listener.executions.size() - 2];  // taker's last fill
  EXPECT_EQ(last.cum_notional, Notional::from_units(305));
  EXPECT_EQ(average_price(last.cum_notional, last.cum_qty), Price::parse("101.66666667").value());
}

TEST(MatchingEngine, FeesAndBalancesSettleOnEveryFill) {
  EngineConfig c = small_config();
  c.maker_fee_millionths = 1000;  // 0.1 %
  c.taker_fee_millionths = 2000;  // 0.2 %
  Fixture f(c);
  f.engine.accounts().deposit(1, 1, Notional::from_units(1000).raw());
  f.engine.accounts().deposit(2, 0, Qty::from_units(5).raw());
  apply(f.engine, sell(2, "s1", "100", "2"));
  apply(f.engine, buy(1, "b1", "100", "2"));
  const Execution& taker = f.listener.executions[f.listener.executions.size() - 2];
  const Execution& maker = f.listener.executions.back();
  EXPECT_EQ(taker.fee, Notional::parse("0.4").value());
  EXPECT_EQ(maker.fee, Notional::parse("0.2").value());
  EXPECT_TRUE(maker.maker);
  EXPECT_FALSE(taker.maker);
  const Accounts& acc = f.engine.accounts();
  EXPECT_EQ(acc.balance(1, 1), Notional::parse("799.6").value().raw());
  EXPECT_EQ(acc.balance(1, 0), Qty::from_units(2).raw());
  EXPECT_EQ(acc.balance(2, 0), Qty::from_units(3).raw());
  EXPECT_EQ(acc.balance(2, 1), Notional::parse("199.8").value().raw());
}

TEST(MatchingEngine, ExecIdsAreUniqueAndIncreasing) {
  Fixture f(small_config());
  apply(f.engine, sell(2, "s1", "101", "1"));
  apply(f.engine, buy(1, "x", "0", "1"));
  apply(f.engine, buy(1, "b1", "101", "2", kIoc));
  ASSERT_EQ(f.listener.executions.size(), 6u);
  for (std::size_t i = 0; i < f.listener.executions.size(); ++i) {
    EXPECT_EQ(f.listener.executions[i].exec_id, i + 1);
  }
  EXPECT_EQ(f.listener.executions[1].order_id, 0u);  // a rejected order has no venue order id
  EXPECT_EQ(f.listener.executions[2].order_id, 2u);
}

TEST(MatchingEngine, ExhaustedPoolRejectsRestingOrdersAndCountsThem) {
  EngineConfig c = small_config();
  c.orders_per_book = 2;
  Fixture f(c);
  apply(f.engine, buy(1, "b1", "100", "1"));
  apply(f.engine, buy(1, "b2", "99", "1"));
  f.listener.clear();
  apply(f.engine, buy(1, "b3", "98", "1"));
  apply(f.engine, sell(2, "s1", "100", "1", kIoc));  // needs no slot
  apply(f.engine, buy(1, "b4", "98", "1"));          // b1's slot is free again
  EXPECT_EQ(f.listener.lines,
            (std::vector<std::string>{"1:b3 REJ 39=8 why=book-full", "2:s1 NEW 39=0 cum=0 leaves=1",
                                      "2:s1 TRADE 39=2 100x1 taker cum=1 leaves=0",
                                      "1:b1 TRADE 39=2 100x1 maker cum=1 leaves=0",
                                      "1:b4 NEW 39=0 cum=0 leaves=1"}));
  EXPECT_EQ(f.engine.book_full_rejects(), 1u);
}

TEST(MatchingEngine, SteadyStateDoesNotAllocate) {
  ASSERT_TRUE(allocation_hooks_installed());
  // Collect into a preallocated listener so that only the engine's allocations count.
  struct Counting : VenueListener {
    std::uint64_t n = 0;
    void on_execution(const Execution&) noexcept override { ++n; }
    void on_cancel_reject(const CancelReject&) noexcept override { ++n; }
  } sink;
  std::vector<VenueSymbol> syms = symbols();
  EngineConfig c = small_config();
  c.orders_per_book = 1024;
  MatchingEngine engine(syms, c, sink);
  OrderRequest o;
  o.instrument = 0;
  o.type = OrderType::kLimit;
  o.tif = TimeInForce::kGtc;
  CancelRequest cx;
  ReplaceRequest rp;
  AllocationScope scope;
  for (int i = 0; i < 20000; ++i) {
    o.account = static_cast<AccountId>(1 + i % 3);
    o.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
    o.price = Price::from_units(100 + (i % 7) - 3);
    o.qty = Qty::from_units(1 + i % 4);
    char id[16];
    const int len = std::snprintf(id, sizeof id, "o%d", i);
    o.cl_ord_id = ClOrdId(std::string_view(id, static_cast<std::size_t>(len)));
    o.tif = i % 5 == 0 ? TimeInForce::kIoc : TimeInForce::kGtc;
    engine.submit(o);
    if (i % 3 == 0) {
      cx.account = o.account;
      cx.instrument = 0;
      cx.orig_cl_ord_id = o.cl_ord_id;
      engine.cancel(cx);
    } else if (i % 3 == 1) {
      rp.account = o.account;
      rp.instrument = 0;
      rp.orig_cl_ord_id = o.cl_ord_id;
      rp.cl_ord_id = ClOrdId(std::string_view(id, static_cast<std::size_t>(len)).substr(1));
      rp.price = o.price;
      rp.qty = Qty::from_units(2);
      engine.replace(rp);
    }
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(sink.n, 20000u);
}

// Issue 8: the look-ahead hints (MatchingEngine::prefetch) change nothing observable: the same
// requests, hinted three requests ahead or not at all, give the same reports.
TEST(MatchingEngine, Issue8PrefetchHintsChangeNothing) {
  std::vector<VenueSymbol> syms = symbols();
  EngineConfig c = small_config();
  c.orders_per_book = 4096;
  RecordingListener plain_out;
  RecordingListener hinted_out;
  MatchingEngine plain(syms, c, plain_out);
  MatchingEngine hinted(syms, c, hinted_out);
  struct Request {
    int kind = 0;
    OrderRequest o;
    CancelRequest cx;
    ReplaceRequest rp;
  };
  std::vector<Request> requests;
  RngStream rng("issue8-prefetch-hints", 3);
  for (int i = 0; i < 5000; ++i) {
    Request q;
    const auto account = static_cast<AccountId>(1 + rng.next() % 3);
    const std::string id = "o" + std::to_string(i);
    const std::string target = "o" + std::to_string(i > 0 ? rng.next() % static_cast<std::uint64_t>(i) : 0);
    q.kind = static_cast<int>(rng.next() % 3);
    q.o.account = q.cx.account = q.rp.account = account;
    q.o.instrument = q.cx.instrument = q.rp.instrument = 0;
    q.o.cl_ord_id = q.cx.cl_ord_id = q.rp.cl_ord_id = ClOrdId(id);
    q.cx.orig_cl_ord_id = q.rp.orig_cl_ord_id = ClOrdId(target);
    q.o.side = rng.next() % 2 == 0 ? Side::kBuy : Side::kSell;
    q.o.type = OrderType::kLimit;
    q.o.tif = rng.next() % 5 == 0 ? TimeInForce::kIoc : TimeInForce::kGtc;
    q.o.price = q.rp.price = Price::from_units(100 + static_cast<std::int64_t>(rng.next() % 7) - 3);
    q.o.qty = q.rp.qty = Qty::from_units(1 + static_cast<std::int64_t>(rng.next() % 4));
    requests.push_back(q);
  }
  const auto apply_to = [](MatchingEngine& e, const Request& q) {
    if (q.kind == 0) e.submit(q.o);
    if (q.kind == 1) e.cancel(q.cx);
    if (q.kind == 2) e.replace(q.rp);
  };
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (i + 3 < requests.size()) {
      const Request& ahead = requests[i + 3];
      if (ahead.kind == 0) hinted.prefetch(ahead.o);
      if (ahead.kind == 1) hinted.prefetch(ahead.cx);
      if (ahead.kind == 2) hinted.prefetch(ahead.rp);
    }
    apply_to(hinted, requests[i]);
    apply_to(plain, requests[i]);
  }
  EXPECT_GT(plain_out.trades.size(), 100u);
  EXPECT_EQ(plain_out.lines, hinted_out.lines);
  EXPECT_EQ(plain_out.trades.size(), hinted_out.trades.size());
  EXPECT_EQ(plain_out.levels.size(), hinted_out.levels.size());
}

// Issue 8: submit/cancel/replace are noexcept and report through the VenueListener from the middle
// of a book mutation, so the listener's callbacks are noexcept by contract (an implementer that is
// not fails to compile as an override).
TEST(MatchingEngine, Issue8ListenerCallbacksAreNoexceptLikeTheEntryPoints) {
  VenueListener* l = nullptr;
  static_assert(noexcept(l->on_execution(std::declval<const Execution&>())));
  static_assert(noexcept(l->on_cancel_reject(std::declval<const CancelReject&>())));
  static_assert(noexcept(l->on_public_trade(std::declval<const PublicTrade&>())));
  static_assert(noexcept(l->on_book_level(std::declval<const BookLevelChange&>())));
  MatchingEngine* e = nullptr;
  static_assert(noexcept(e->submit(std::declval<const OrderRequest&>())));
  static_assert(noexcept(e->cancel(std::declval<const CancelRequest&>())));
  static_assert(noexcept(e->replace(std::declval<const ReplaceRequest&>())));
  (void)l;
  (void)e;
  SUCCEED();
}

// The venue's vocabulary in the core's terms (its FIX codes are tested in protocol_fix_mapping_tests).
TEST(VenueTypes, CoreVocabulary) {
  EXPECT_EQ(to_exec_type(VenueExecType::kTrade, Qty::from_raw(1)), ExecType::kPartialFill);
  EXPECT_EQ(to_exec_type(VenueExecType::kTrade, Qty{}), ExecType::kFill);
  EXPECT_EQ(to_exec_type(VenueExecType::kReplaced, Qty{}), ExecType::kReplaced);
  EXPECT_EQ(to_order_status(OrdStatus::kPartiallyFilled), OrderStatus::kPartiallyFilled);
  EXPECT_EQ(to_order_status(OrdStatus::kRejected), OrderStatus::kRejected);
  EXPECT_EQ(to_order_action(CxlRejResponseTo::kReplace), OrderAction::kReplace);
  EXPECT_EQ(to_reject_reason(CxlRejReason::kUnknownOrder, RejectReason::kUnknownOrder), RejectReason::kUnknownOrder);
  EXPECT_EQ(to_reject_reason(CxlRejReason::kTooLate, RejectReason::kNone), RejectReason::kTooLate);
  EXPECT_EQ(to_reject_reason(CxlRejReason::kOther, RejectReason::kPriceOffTick), RejectReason::kPriceOffTick);
  EXPECT_EQ(to_reject_reason(CxlRejReason::kOther, RejectReason::kNone), RejectReason::kInvalidOrder);
  for (int r = 1; r <= 13; ++r) EXPECT_FALSE(to_text(static_cast<RejectReason>(r)).empty());
  for (int c = 1; c <= 6; ++c) EXPECT_FALSE(to_text(static_cast<CancelCause>(c)).empty());
}

TEST(VenueTypes, ClOrdIdHoldsUpTo36Characters) {
  const std::string_view id36 = "123456789012345678901234567890123456";
  EXPECT_TRUE(ClOrdId::fits(id36));
  EXPECT_FALSE(ClOrdId::fits("1234567890123456789012345678901234567"));
  EXPECT_EQ(ClOrdId(id36).view(), id36);
  EXPECT_EQ(ClOrdId("1234567890123456789012345678901234567").view(), id36);
}

TEST(FixedHashMap, AgreesWithStdMapUnderCollisions) {
  struct BadHash {  // few buckets: long probe runs that wrap around the table
    std::size_t operator()(std::uint64_t x) const noexcept { return static_cast<std::size_t>(x % 5) * 3; }
  };
  FixedHashMap<std::uint64_t, std::uint64_t, BadHash> map(12);
  std::map<std::uint64_t, std::uint64_t> ref;
  RngStream rng("fixed-hash-map", 7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t key = rng.next() % 40;
    if (rng.next() % 2 == 0) {
      const bool fits = ref.size() < 12 && ref.count(key) == 0;
      ASSERT_EQ(map.insert(key, key * 3), fits);
      if (fits) ref[key] = key * 3;
    } else {
      ASSERT_EQ(map.erase(key), ref.erase(key) == 1);
    }
    ASSERT_EQ(map.size(), ref.size());
    for (std::uint64_t k = 0; k < 40; ++k) {
      const auto* v = map.find(k);
      const auto it = ref.find(k);
      ASSERT_EQ(v != nullptr, it != ref.end());
      if (v != nullptr) {
        ASSERT_EQ(*v, it->second);
      }
    }
  }
}

TEST(VenueTypes, FeeRoundsHalfToEven) {
  EXPECT_EQ(fee_for(Notional::from_raw(500), 1000), Notional::from_raw(0));    // 0.5 → 0
  EXPECT_EQ(fee_for(Notional::from_raw(1500), 1000), Notional::from_raw(2));   // 1.5 → 2
  EXPECT_EQ(fee_for(Notional::from_raw(2500), 1000), Notional::from_raw(2));   // 2.5 → 2
  EXPECT_EQ(fee_for(Notional::from_raw(1500), -1000), Notional::from_raw(-2)); // rebate
}

namespace keel::sim {
namespace {

TEST(Accounts, BalancesSaturateInsteadOfOverflowing) {
  Accounts a(2, 2);
  a.deposit(0, 0, INT64_MAX - 1);
  a.deposit(0, 0, 5);
  EXPECT_EQ(a.balance(0, 0), INT64_MAX);
  a.deposit(1, 1, INT64_MIN + 1);
  a.deposit(1, 1, -5);
  EXPECT_EQ(a.balance(1, 1), INT64_MIN);
  EXPECT_EQ(a.saturated(), 2u);
  a.deposit(0, 1, -7);
  EXPECT_EQ(a.balance(0, 1), -7);
  EXPECT_EQ(a.saturated(), 2u);
}

}  // namespace
}  // namespace keel::sim

// rules::notional takes a 64-bit fast path; it must give multiply()'s result (value, rounding half
// to even, overflow) for every sign and size, ties and the edge of the fast path included.
TEST(MatchingRules, NotionalEqualsMultiply) {
  RngStream rng("notional-vs-multiply", 3);
  const auto check = [](std::int64_t p, std::int64_t q) {
    const auto fast = rules::notional(Price::from_raw(p), Qty::from_raw(q));
    const auto slow = multiply(Price::from_raw(p), Qty::from_raw(q));
    ASSERT_EQ(fast.ok(), slow.ok()) << p << " * " << q;
    if (slow.ok()) {
      ASSERT_EQ(fast.value().raw(), slow.value().raw()) << p << " * " << q;
    }
  };
  constexpr std::int64_t kHalf = kScale / 2;
  const std::int64_t edges[] = {0, 1, 2, 3, kHalf - 1, kHalf, kHalf + 1, kScale - 1, kScale, kScale + 1,
                                3 * kHalf, 5 * kHalf, 4'294'967'295, 4'294'967'296, 4'294'967'297,
                                std::int64_t{1} << 62, INT64_MAX, -1, -kHalf, -3 * kHalf, INT64_MIN + 1};
  for (const std::int64_t p : edges) {
    for (const std::int64_t q : edges) check(p, q);
  }
  for (int i = 0; i < 200'000; ++i) {
    const int shift_p = static_cast<int>(rng.next() % 63);
    const int shift_q = static_cast<int>(rng.next() % 63);
    auto p = static_cast<std::int64_t>(rng.next() >> (1 + shift_p));
    auto q = static_cast<std::int64_t>(rng.next() >> (1 + shift_q));
    if (i % 4 == 1) q = q / kHalf * kHalf + (rng.next() % 2 == 0 ? kHalf : 0);  // ties
    if (i % 7 == 3) p = -p;
    check(p, q);
  }
}
