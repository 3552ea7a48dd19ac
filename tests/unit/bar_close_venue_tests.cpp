// BarCloseVenue: the bar-close model's reports per order type (fill prices, slippage against the
// order, fees and the maker rebate, price improvement on closing fills only), resting limits,
// cancels, replaces, status queries and rejects, and its draws from RNG stream "fills" in the
// documented order.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "keel/core/execution/bar_close_venue.hpp"
#include "keel/core/primitives/rng.hpp"

using namespace keel;

namespace {

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }
Notional usd(const char* t) { return Notional::parse(t).value(); }

struct Sink final : ReportSink {
  std::vector<ExecReport> reports;
  void on_report(const ExecReport& r) noexcept override { reports.push_back(r); }
  std::vector<ExecReport> take() {
    std::vector<ExecReport> out;
    out.swap(reports);
    return out;
  }
};

ExecType type_of(const ExecReport& r) { return static_cast<ExecType>(r.header.subtype); }

class Venue {
 public:
  explicit Venue(const BarCloseModel& m, std::uint64_t seed = 42) : v(m, 2, seed) {}
  BarCloseVenue v;
  Sink sink;
  Nanos t = 1'000'000'000;
  std::uint32_t next_id = 1;

  std::vector<ExecReport> bar(InstrumentId i, const char* close) {
    Bar b{};
    b.header.instrument = i;
    t += 300'000'000'000;
    b.header.ts_exchange = t - 300'000'000'000;
    b.header.ts_local = t;
    b.open = b.high = b.low = b.close = px(close);
    v.on_market_event(to_event(b), sink);
    return sink.take();
  }
  std::vector<ExecReport> order(Side side, OrderType type, const char* q, const char* price = "0", InstrumentId i = 0) {
    OrderCommand c;
    c.ts = t;
    c.client_order_id = next_id++;
    c.instrument = i;
    c.action = OrderAction::kNew;
    c.side = side;
    c.type = type;
    c.qty = qty(q);
    c.price = px(price);
    v.submit(c, sink);
    return sink.take();
  }
  std::vector<ExecReport> request(OrderAction action, std::uint32_t orig, InstrumentId i = 0) {
    OrderCommand c;
    c.ts = t;
    c.client_order_id = next_id++;
    c.orig_client_order_id = orig;
    c.instrument = i;
    c.action = action;
    c.side = Side::kBuy;
    c.type = OrderType::kLimit;
    c.qty = qty("1");
    c.price = px("1");
    v.submit(c, sink);
    return sink.take();
  }
};

BarCloseModel fees_only() {
  BarCloseModel m;
  m.entry_fee_rate = 0.001;
  m.exit_fee_rate = 0.002;
  m.stop_exit_fee_rate = 0.003;
  return m;
}

void expect_fill(const ExecReport& r, std::uint32_t id, const char* price, const char* q, const char* fee,
                 std::uint8_t flags = 0) {
  EXPECT_EQ(type_of(r), ExecType::kFill);
  EXPECT_EQ(r.header.detail, static_cast<std::uint8_t>(OrderStatus::kFilled));
  EXPECT_EQ(r.client_order_id, id);
  EXPECT_EQ(r.last_price, px(price));
  EXPECT_EQ(r.last_qty, qty(q));
  EXPECT_EQ(r.cum_qty, qty(q));
  EXPECT_EQ(r.fee, usd(fee));
  EXPECT_EQ(r.header.flags, flags);
}

}  // namespace

TEST(BarCloseVenue, MarketableLimitFillsAtTheClose) {
  Venue v(fees_only());
  EXPECT_TRUE(v.bar(0, "100").empty());
  const auto r = v.order(Side::kBuy, OrderType::kLimit, "2", "101");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(type_of(r[0]), ExecType::kNew);
  EXPECT_EQ(r[0].client_order_id, 1u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kNew));
  EXPECT_EQ(r[0].header.ts_local, v.t);
  expect_fill(r[1], 1, "100", "2", "0.2");  // entry fee 0.1 % of 200
  EXPECT_EQ(r[0].exec_id, 1u);
  EXPECT_EQ(r[1].exec_id, 2u);
  EXPECT_EQ(r[1].header.instrument, 0u);
  // A limit exactly at the close is marketable too.
  const auto s = v.order(Side::kSell, OrderType::kLimit, "2", "100");
  ASSERT_EQ(s.size(), 2u);
  expect_fill(s[1], 2, "100", "2", "0.4");  // closing: exit fee 0.2 % of 200
  EXPECT_EQ(v.v.fills(), 2u);
}

TEST(BarCloseVenue, NonMarketableLimitRestsThenFillsAtItsLimit) {
  Venue v(fees_only());
  v.bar(0, "100");
  v.bar(1, "10");
  auto r = v.order(Side::kBuy, OrderType::kLimit, "1", "95");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kNew);
  EXPECT_TRUE(v.bar(0, "97").empty());   // not reached
  EXPECT_TRUE(v.bar(1, "1").empty());    // another instrument
  r = v.bar(0, "94");                    // reached: fills at its limit, not at the close
  ASSERT_EQ(r.size(), 1u);
  expect_fill(r[0], 1, "95", "1", "0.095");
  EXPECT_EQ(r[0].header.ts_local, v.t);  // at the bar's time
  // A resting sell that closes the long fills at a later close at or above it.
  r = v.order(Side::kSell, OrderType::kLimit, "1", "105");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(v.bar(0, "104.99999999").empty());
  r = v.bar(0, "105");
  ASSERT_EQ(r.size(), 1u);
  expect_fill(r[0], 2, "105", "1", "0.21");
  EXPECT_TRUE(v.bar(0, "200").empty());  // filled once only
}

TEST(BarCloseVenue, MarketStopLossTakeProfitSlipAgainstTheOrder) {
  BarCloseModel m = fees_only();
  m.slip_market = 0.001;
  m.slip_stop_loss = 0.002;
  m.slip_take_profit = 0.0005;
  m.maker_exit_rate = 1.0;  // would make every closing fill a maker fill, except stop-loss
  m.maker_rebate = 0.0;
  m.edge_draw = false;
  Venue v(m);
  v.bar(0, "100");
  auto r = v.order(Side::kBuy, OrderType::kMarket, "1");
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 1, "100.1", "1", "0.1001");
  r = v.order(Side::kSell, OrderType::kMarket, "1");  // closing
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 2, "99.9", "1", "0.1998", kFlagMaker);
  r = v.order(Side::kBuy, OrderType::kMarket, "1");
  r = v.order(Side::kSell, OrderType::kStopLoss, "1");  // closing stop-loss: always taker, stop fee
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 4, "99.8", "1", "0.2994");
  r = v.order(Side::kSell, OrderType::kTakeProfit, "2");  // opening a short
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 5, "99.95", "2", "0.1999");
  r = v.order(Side::kBuy, OrderType::kTakeProfit, "2");  // closing it: a buy pays above the close
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 6, "100.05", "2", "0.4002", kFlagMaker);
  // A limit order has no slippage.
  r = v.order(Side::kBuy, OrderType::kLimit, "1", "150");
  expect_fill(r[1], 7, "100", "1", "0.1");
}

TEST(BarCloseVenue, MakerRebate) {
  BarCloseModel m = fees_only();
  m.maker_entry_rate = 1.0;
  m.maker_rebate = 0.0005;
  Venue v(m);
  v.bar(0, "50");
  const auto r = v.order(Side::kBuy, OrderType::kMarket, "2");
  ASSERT_EQ(r.size(), 2u);
  expect_fill(r[1], 1, "50", "2", "0.05", kFlagMaker);  // 0.1 fee − 0.05 rebate
  m.entry_fee_rate = 0.0;
  Venue w(m);
  w.bar(0, "50");
  const auto s = w.order(Side::kBuy, OrderType::kMarket, "2");
  EXPECT_EQ(s[1].fee, -usd("0.05"));  // a net rebate is a negative fee
}

TEST(BarCloseVenue, PriceImprovementOnlyOnClosingFills) {
  BarCloseModel m;
  m.edge_rate = 1.0;
  m.edge = 0.01;
  Venue v(m);
  v.bar(0, "100");
  auto r = v.order(Side::kBuy, OrderType::kMarket, "1");
  expect_fill(r[1], 1, "100", "1", "0");  // opening: no improvement
  v.bar(0, "110");
  r = v.order(Side::kSell, OrderType::kMarket, "1");  // closing: + edge · entry (100) per unit
  expect_fill(r[1], 2, "111", "1", "0", kFlagPriceImproved);
  r = v.order(Side::kSell, OrderType::kMarket, "1");  // opens a short at 110
  expect_fill(r[1], 3, "110", "1", "0");
  r = v.order(Side::kBuy, OrderType::kMarket, "1");  // closes it: a buy improves downwards
  expect_fill(r[1], 4, "108.9", "1", "0", kFlagPriceImproved);
  // edge_draw off: never improved.
  m.edge_draw = false;
  Venue w(m);
  w.bar(0, "100");
  w.order(Side::kBuy, OrderType::kMarket, "1");
  r = w.order(Side::kSell, OrderType::kMarket, "1");
  expect_fill(r[1], 2, "100", "1", "0");
}

TEST(BarCloseVenue, CancelReplaceAndStatus) {
  Venue v(fees_only());
  v.bar(0, "100");
  ASSERT_EQ(v.order(Side::kBuy, OrderType::kLimit, "1", "90").size(), 1u);  // id 1 rests
  auto r = v.request(OrderAction::kStatus, 1);                               // id 2
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kOrderStatus);
  EXPECT_EQ(r[0].client_order_id, 2u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kNew));
  r = v.request(OrderAction::kReplace, 1);  // id 3: the model has no amend
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kCancelRejected);
  EXPECT_EQ(r[0].client_order_id, 3u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kInvalidOrder));
  r = v.request(OrderAction::kCancel, 1);  // id 4
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kCanceled);
  EXPECT_EQ(r[0].client_order_id, 4u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  EXPECT_TRUE(v.bar(0, "80").empty());  // cancelled: no fill any more
  r = v.request(OrderAction::kCancel, 1);  // id 5: no longer resting
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kCancelRejected);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kTooLate));
  // A filled order: cancel too late, status Filled.
  ASSERT_EQ(v.order(Side::kBuy, OrderType::kMarket, "1").size(), 2u);  // id 6
  r = v.request(OrderAction::kCancel, 6);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kCancelRejected);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kTooLate));
  r = v.request(OrderAction::kStatus, 6);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kFilled));
  EXPECT_EQ(v.v.rejects(), 0u);
}

TEST(BarCloseVenue, Rejects) {
  Venue v(fees_only());
  v.bar(0, "100");
  auto r = v.order(Side::kBuy, OrderType::kMarket, "1", "0", 5);  // unknown instrument
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kRejected);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kUnknownSymbol));
  EXPECT_EQ(r[0].header.instrument, kNoInstrument);
  r = v.order(Side::kBuy, OrderType::kMarket, "1", "0", 1);  // no close yet
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kRejected);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kUnknownSymbol));
  r = v.order(Side::kBuy, OrderType::kMarket, "0");  // zero quantity
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kRejected);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kQtyNotPositive));
  r = v.order(Side::kBuy, OrderType::kLimit, "1", "0");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kPriceNotPositive));
  r = v.order(Side::kNone, OrderType::kMarket, "1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].header.detail, static_cast<std::uint8_t>(RejectReason::kInvalidOrder));
  EXPECT_EQ(v.v.rejects(), 5u);
  EXPECT_EQ(v.v.fills(), 0u);
}

// The venue's maker / improvement flags equal a replay of stream "fills" in the documented order:
// one draw per opening fill; per closing fill the maker draw (not for stop-loss) then the edge draw.
TEST(BarCloseVenue, DrawsFollowStreamFillsInTheDocumentedOrder) {
  BarCloseModel m;
  m.maker_entry_rate = 0.5;
  m.maker_exit_rate = 0.5;
  m.edge_rate = 0.5;
  m.edge = 0.001;
  constexpr std::uint64_t kSeed = 99;
  Venue v(m, kSeed);
  RngStream rng("fills", kSeed);
  v.bar(0, "100");
  int makers = 0, improved = 0, fills = 0;
  auto check = [&](const std::vector<ExecReport>& r, bool closing, bool stop) {
    ASSERT_EQ(r.size(), 2u);
    bool maker = false, edge = false;
    if (!closing) {
      maker = rng.uniform() < m.maker_entry_rate;
    } else {
      if (!stop) maker = rng.uniform() < m.maker_exit_rate;
      edge = rng.uniform() < m.edge_rate;
    }
    const std::uint8_t expect = static_cast<std::uint8_t>((maker ? kFlagMaker : 0) | (edge ? kFlagPriceImproved : 0));
    EXPECT_EQ(r[1].header.flags, expect) << "fill " << fills;
    makers += maker;
    improved += edge;
    ++fills;
  };
  for (int round = 0; round < 25; ++round) {
    check(v.order(Side::kBuy, OrderType::kMarket, "1"), false, false);
    check(v.order(Side::kBuy, OrderType::kLimit, "1", "100"), false, false);  // adds to the long
    check(v.order(Side::kSell, OrderType::kMarket, "1"), true, false);
    check(v.order(Side::kSell, OrderType::kStopLoss, "1"), true, true);
    check(v.order(Side::kSell, OrderType::kTakeProfit, "1"), false, false);  // opens a short
    check(v.order(Side::kBuy, OrderType::kLimit, "1", "100"), true, false);
  }
  // Both outcomes of each draw happened, so the comparison says something.
  EXPECT_GT(makers, 10);
  EXPECT_LT(makers, fills - 10);
  EXPECT_GT(improved, 5);
  // Another seed gives another sequence.
  Venue w(m, kSeed + 1);
  w.bar(0, "100");
  Venue u(m, kSeed);
  u.bar(0, "100");
  int differ = 0;
  for (int i = 0; i < 40; ++i) {
    const auto a = w.order(Side::kBuy, OrderType::kMarket, "1");
    const auto b = u.order(Side::kBuy, OrderType::kMarket, "1");
    differ += a[1].header.flags != b[1].header.flags;
  }
  EXPECT_GT(differ, 0);
}

// Review of issue 8: time in force and post-only are honoured — a non-marketable IOC does not rest,
// a marketable post-only is refused instead of taking liquidity.
TEST(BarCloseVenue, NonMarketableIocIsCanceledAndMarketablePostOnlyIsRejected) {
  BarCloseModel m;
  Venue v(m);
  (void)v.bar(0, "100");
  OrderCommand ioc;
  ioc.ts = v.t;
  ioc.client_order_id = v.next_id++;
  ioc.instrument = 0;
  ioc.action = OrderAction::kNew;
  ioc.side = Side::kBuy;
  ioc.type = OrderType::kLimit;
  ioc.tif = TimeInForce::kIoc;
  ioc.price = px("99");
  ioc.qty = qty("1");
  v.v.submit(ioc, v.sink);
  auto r = v.sink.take();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(type_of(r[0]), ExecType::kNew);
  EXPECT_EQ(type_of(r[1]), ExecType::kCanceled);
  EXPECT_TRUE(v.bar(0, "98").empty());  // nothing rests: a later close reaching 99 fills nothing
  OrderCommand post = ioc;
  post.client_order_id = v.next_id++;
  post.tif = TimeInForce::kGtc;
  post.post_only = 1;
  post.price = px("99");  // at or above the close of 98: it would take liquidity
  v.v.submit(post, v.sink);
  r = v.sink.take();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(type_of(r[0]), ExecType::kRejected);
  EXPECT_EQ(static_cast<RejectReason>(r[0].header.detail), RejectReason::kPostOnlyWouldCross);
}
