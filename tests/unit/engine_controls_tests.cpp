// Issue 11: the core's side of live trading controls, driven through Engine::on_event with Control
// and ExecReport events and checked on the OrderCommands in engine.commands() and the OMS and
// portfolio state — the kill switch with orders in every state, flatten (long and short, partial
// fills, rejects, positions larger than max_order_qty, a venue that refuses forever), the venue
// session and its reconciliation, and the capital ramp.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "risk_test_support.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/risk/capital_ramp.hpp"

using namespace keel;

namespace {

using keel::test::no_limits;

constexpr Nanos kSecond = kNanosPerSecond;
constexpr Nanos kDay = 86'400 * kNanosPerSecond;
constexpr Nanos kT0 = 1'700'000'000LL * kNanosPerSecond;  // 2023-11-14 22:13:20 UTC

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }

EngineConfig config(std::size_t instruments = 2) {
  EngineConfig c;
  c.instrument_count = instruments;
  c.risk = no_limits();
  c.oms_capacity = 64;
  c.ack_timeout = kSecond;
  c.command_ring = 64;
  c.initial_cash = Notional::from_units(1'000'000);
  return c;
}

// Records every control the strategy hears, with the engine's state at that moment.
class Recorder final : public Strategy {
 public:
  struct Heard {
    ControlKind kind;
    std::int64_t value;
    bool reconciling;
    TradingState state;
  };
  void attach(OrderEntry& entry) noexcept override {
    Strategy::attach(entry);
    engine_ = static_cast<Engine*>(&entry);
  }
  void on_control(const Control& c) noexcept override {
    heard.push_back(Heard{static_cast<ControlKind>(c.header.subtype), c.value, engine_->reconciling(), engine_->trading_state()});
  }
  std::vector<Heard> heard;

 private:
  Engine* engine_ = nullptr;
};

class Rig {
 public:
  explicit Rig(const EngineConfig& c = config()) : e(c) {}

  void at(Nanos t) { now = t; }
  void trade(InstrumentId i, const char* price) {
    Trade t{};
    t.header.instrument = i;
    t.header.ts_exchange = t.header.ts_local = now;
    t.price = px(price);
    t.qty = qty("1");
    e.on_event(to_event(t));
  }
  void control(ControlKind kind, std::int64_t value, double real = 0.0) {
    Control c{};
    c.header.subtype = static_cast<std::uint8_t>(kind);
    c.header.ts_exchange = c.header.ts_local = now;
    c.value = value;
    c.real = real;
    e.on_event(to_event(c));
  }
  void session(VenueSessionState s, double real = 0.0) {
    control(ControlKind::kVenueSession, static_cast<std::int64_t>(s), real);
  }
  void report(ExecType type, std::uint32_t id, std::uint8_t detail = 0, const char* last_qty = nullptr,
              const char* last_price = "100", const char* cum = nullptr) {
    ExecReport r{};
    r.header.subtype = static_cast<std::uint8_t>(type);
    r.header.detail = detail;
    r.header.ts_exchange = r.header.ts_local = now;
    r.client_order_id = id;
    r.exec_id = ++exec_id;
    if (last_qty != nullptr) {
      r.last_qty = qty(last_qty);
      r.last_price = px(last_price);
    }
    if (cum != nullptr) r.cum_qty = qty(cum);
    else if (const OmsOrder* o = e.order(id); o != nullptr) r.cum_qty = o->cum + r.last_qty;
    e.on_event(to_event(r));
  }
  void ack(std::uint32_t id) { report(ExecType::kNew, id, static_cast<std::uint8_t>(OrderStatus::kNew)); }
  void fill(std::uint32_t id, const char* q, const char* price = "100") {
    const OmsOrder* o = e.order(id);
    const bool full = o != nullptr && o->cum + qty(q) >= o->qty;
    report(full ? ExecType::kFill : ExecType::kPartialFill, id,
           static_cast<std::uint8_t>(full ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled), q, price);
  }
  void status(std::uint32_t id, OrderStatus s) { report(ExecType::kOrderStatus, id, static_cast<std::uint8_t>(s)); }

  SubmitResult order(InstrumentId i, Side side, const char* q, const char* price = nullptr) {
    Intent in;
    in.kind = IntentKind::kOrder;
    in.instrument = i;
    in.side = side;
    in.type = price != nullptr ? OrderType::kLimit : OrderType::kMarket;
    in.tif = price != nullptr ? TimeInForce::kGtc : TimeInForce::kIoc;
    if (price != nullptr) in.limit_price = px(price);
    in.qty = qty(q);
    return e.submit(in);
  }
  // A buy or sell that the test fills at once (building a position).
  void position(InstrumentId i, Side side, const char* q) {
    const SubmitResult s = order(i, side, q);
    ASSERT_TRUE(s.sent());
    ack(s.order_id);
    fill(s.order_id, q);
    (void)drain();
  }
  std::vector<OrderCommand> drain() {
    std::vector<OrderCommand> out;
    while (const OrderCommand* c = e.commands().front()) {
      out.push_back(*c);
      e.commands().pop();
    }
    return out;
  }
  [[nodiscard]] const OmsOrder& o(std::uint32_t id) const { return *e.order(id); }
  [[nodiscard]] std::int64_t pos(InstrumentId i) const { return e.portfolio().position(i).qty.raw(); }

  Engine e;
  Nanos now = kT0;
  std::uint32_t exec_id = 0;
};

std::vector<std::uint32_t> cancels_of(const std::vector<OrderCommand>& cs) {
  std::vector<std::uint32_t> out;
  for (const OrderCommand& c : cs)
    if (c.action == OrderAction::kCancel) out.push_back(c.orig_client_order_id);
  return out;
}

std::vector<OrderCommand> news_of(const std::vector<OrderCommand>& cs) {
  std::vector<OrderCommand> out;
  for (const OrderCommand& c : cs)
    if (c.action == OrderAction::kNew) out.push_back(c);
  return out;
}

}  // namespace

// ---- kill switch ----

TEST(EngineControls, KillSwitchCancelsOrdersInEveryStateAsSoonAsTheyAreAmendable) {
  Rig r;
  Recorder rec;
  r.e.set_strategy(&rec);
  r.at(kT0);
  r.trade(0, "100");
  const std::uint32_t unknown = r.order(0, Side::kBuy, "1", "99").order_id;  // stays unanswered
  const std::uint32_t open = r.order(0, Side::kBuy, "1", "99").order_id;
  const std::uint32_t partial = r.order(0, Side::kBuy, "2", "99").order_id;
  const std::uint32_t replacing = r.order(0, Side::kBuy, "1", "98").order_id;
  const std::uint32_t canceling = r.order(0, Side::kBuy, "1", "97").order_id;
  (void)r.drain();
  r.at(kT0 + 1000);
  for (const std::uint32_t id : {open, partial, replacing, canceling}) r.ack(id);
  r.fill(partial, "1", "99");
  r.at(kT0 + kSecond / 2);
  r.trade(0, "100");
  const std::uint32_t pending_new = r.order(0, Side::kBuy, "1", "96").order_id;
  Intent rep;
  rep.kind = IntentKind::kReplace;
  rep.order_id = replacing;
  rep.limit_price = px("98.5");
  rep.qty = qty("1");
  ASSERT_TRUE(r.e.submit(rep).sent());
  Intent can;
  can.kind = IntentKind::kCancel;
  can.order_id = canceling;
  ASSERT_TRUE(r.e.submit(can).sent());
  (void)r.drain();
  r.at(kT0 + kSecond + 500);  // `unknown`'s new request times out: queried
  r.trade(0, "100");
  const std::vector<OrderCommand> q = r.drain();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].action, OrderAction::kStatus);
  ASSERT_EQ(r.o(unknown).status, OrderStatus::kUnknown);
  ASSERT_EQ(r.o(open).status, OrderStatus::kNew);
  ASSERT_EQ(r.o(partial).status, OrderStatus::kPartiallyFilled);
  ASSERT_EQ(r.o(pending_new).status, OrderStatus::kPendingNew);
  ASSERT_EQ(r.o(replacing).status, OrderStatus::kPendingReplace);
  ASSERT_EQ(r.o(canceling).status, OrderStatus::kPendingCancel);

  // Engage: the amendable ones at once.
  r.at(kT0 + kSecond + 600);
  r.control(ControlKind::kKillSwitch, 1);
  EXPECT_TRUE(r.e.kill_switch());
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{open, partial}));
  EXPECT_EQ(r.e.stats().kill_switch_engaged, 1u);
  EXPECT_EQ(r.e.stats().kill_switch_cancels, 2u);
  ASSERT_FALSE(rec.heard.empty());
  EXPECT_EQ(rec.heard.back().kind, ControlKind::kKillSwitch);  // heard after the engine acted
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kKillSwitch);
  // The rest as each becomes amendable: an ack, the replace's answer, a status answer.
  r.ack(pending_new);
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{pending_new}));
  r.report(ExecType::kReplaced, r.o(replacing).pending_id, static_cast<std::uint8_t>(OrderStatus::kNew));
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{r.o(replacing).current_id}));
  r.status(unknown, OrderStatus::kNew);
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{unknown}));
  // A cancel already pending is answered; nothing more is sent for it.
  r.report(ExecType::kCanceled, r.o(canceling).pending_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  EXPECT_TRUE(r.drain().empty());
  // A refused cancel (the order stays live at the venue) is tried again.
  r.report(ExecType::kCancelRejected, r.o(open).pending_id, static_cast<std::uint8_t>(RejectReason::kTooLate));
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{open}));
  EXPECT_EQ(r.e.stats().kill_switch_cancels, 6u);

  // Release: no more cancels; trading resumes.
  r.control(ControlKind::kKillSwitch, 0);
  EXPECT_FALSE(r.e.kill_switch());
  const SubmitResult s = r.order(0, Side::kBuy, "1", "99");
  ASSERT_TRUE(s.sent());
  (void)r.drain();
  r.ack(s.order_id);
  EXPECT_TRUE(r.drain().empty());
  EXPECT_EQ(r.o(s.order_id).status, OrderStatus::kNew);
}

// ---- flatten ----

TEST(EngineControls, FlattenClosesLongAndShortWithReduceOnlyMarketIocOrdersSplitToMaxOrderQty) {
  EngineConfig cfg = config();
  cfg.risk.max_order_qty = 2;
  Rig r(cfg);
  Recorder rec;
  r.e.set_strategy(&rec);
  r.trade(0, "100");
  r.trade(1, "50");
  r.position(0, Side::kBuy, "2");
  r.position(0, Side::kBuy, "2");
  r.position(0, Side::kBuy, "1");  // long 5
  r.position(1, Side::kSell, "2");
  r.position(1, Side::kSell, "1");  // short 3
  ASSERT_EQ(r.pos(0), qty("5").raw());
  ASSERT_EQ(r.pos(1), -qty("3").raw());
  // Resting strategy orders: a sell on instrument 0 (the closing side) and a buy on instrument 1.
  const std::uint32_t rest_sell = r.order(0, Side::kSell, "1", "120").order_id;
  const std::uint32_t rest_buy = r.order(1, Side::kBuy, "1", "40").order_id;
  (void)r.drain();
  r.ack(rest_sell);
  r.ack(rest_buy);

  r.at(r.now + 1000);
  r.control(ControlKind::kFlatten, 0);
  EXPECT_TRUE(r.e.flattening());
  EXPECT_EQ(r.e.trading_state(), TradingState::kReducing);
  EXPECT_EQ(rec.heard.back().kind, ControlKind::kFlatten);
  EXPECT_EQ(rec.heard.back().state, TradingState::kReducing);
  std::vector<OrderCommand> out = r.drain();
  EXPECT_EQ(cancels_of(out), (std::vector<std::uint32_t>{rest_sell, rest_buy}));
  // Closing orders never cover what working orders on their side already do: instrument 0 sells
  // 5 − 1 (the resting sell, pending cancel) = 4 as 2 + 2; instrument 1 buys 3 − 1 = 2.
  std::vector<OrderCommand> news = news_of(out);
  ASSERT_EQ(news.size(), 3u);
  for (const OrderCommand& c : news) {
    EXPECT_EQ(c.type, OrderType::kMarket);
    EXPECT_EQ(c.tif, TimeInForce::kIoc);
    EXPECT_EQ(r.o(c.client_order_id).tag, Engine::kFlattenTag);
  }
  EXPECT_EQ(news[0].instrument, 0u);
  EXPECT_EQ(news[0].side, Side::kSell);
  EXPECT_EQ(news[0].qty, qty("2"));
  EXPECT_EQ(news[1].instrument, 0u);
  EXPECT_EQ(news[1].qty, qty("2"));
  EXPECT_EQ(news[2].instrument, 1u);
  EXPECT_EQ(news[2].side, Side::kBuy);
  EXPECT_EQ(news[2].qty, qty("2"));
  // The strategy cannot reopen.
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "100").risk, RiskReject::kReducingOnly);

  // The resting sell is canceled: its quantity is sent now.
  r.report(ExecType::kCanceled, r.o(rest_sell).pending_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].side, Side::kSell);
  EXPECT_EQ(news[0].qty, qty("1"));
  const std::uint32_t s1 = news_of(out)[0].client_order_id, s2 = news_of(out)[1].client_order_id,
                      s3 = news[0].client_order_id, b1 = news_of(out)[2].client_order_id;
  // Instrument 0: s1 fills, s2 fills 1 and the IOC remainder is canceled, s3 is rejected.
  r.ack(s1);
  r.fill(s1, "2");
  r.ack(s2);
  r.fill(s2, "1");
  EXPECT_TRUE(news_of(r.drain()).empty());  // still covered: 5 − 3 = 2 ≤ s2's 1 left + s3's 1
  r.report(ExecType::kCanceled, s2, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);  // 2 left, s3 covers 1: one more of 1
  EXPECT_EQ(news[0].qty, qty("1"));
  const std::uint32_t s4 = news[0].client_order_id;
  r.report(ExecType::kRejected, s3, static_cast<std::uint8_t>(RejectReason::kBookFull));
  EXPECT_EQ(r.e.stats().flatten_failures, 1u);
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);  // the rejected one is tried again
  const std::uint32_t s5 = news[0].client_order_id;
  r.ack(s4);
  r.fill(s4, "1");
  r.ack(s5);
  r.fill(s5, "1");
  EXPECT_EQ(r.pos(0), 0);
  EXPECT_TRUE(news_of(r.drain()).empty());
  // Instrument 1: b1 fills 2; the resting buy's cancel is answered, 1 more is bought.
  r.ack(b1);
  r.fill(b1, "2", "50");
  EXPECT_TRUE(news_of(r.drain()).empty());  // the resting buy still covers the last 1
  r.report(ExecType::kCanceled, r.o(rest_buy).pending_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].side, Side::kBuy);
  EXPECT_EQ(news[0].qty, qty("1"));
  EXPECT_TRUE(r.e.flattening());
  r.ack(news[0].client_order_id);
  r.fill(news[0].client_order_id, "1", "50");
  EXPECT_EQ(r.pos(1), 0);
  EXPECT_FALSE(r.e.flattening());
  EXPECT_EQ(r.e.stats().flattens, 1u);
  EXPECT_EQ(r.e.stats().flattens_done, 1u);
  EXPECT_EQ(r.e.stats().flatten_orders, 7u);
  EXPECT_EQ(r.e.stats().flatten_cancels, 2u);
  EXPECT_EQ(r.e.stats().flatten_gave_up, 0u);
  EXPECT_EQ(r.e.oms().open_orders(), 0);
  // Flat and done: still reducing until the operator says otherwise.
  EXPECT_EQ(r.e.trading_state(), TradingState::kReducing);
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "100").risk, RiskReject::kReducingOnly);
  r.control(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kActive));
  EXPECT_TRUE(r.order(0, Side::kBuy, "1", "100").sent());
}

TEST(EngineControls, FlattenNeverFlipsAPositionThatMovesUnderIt) {
  Rig r;
  r.trade(0, "100");
  r.position(0, Side::kBuy, "3");
  // A strategy buy rests (it will fill after the flatten began: the position grows under it).
  const std::uint32_t buy = r.order(0, Side::kBuy, "2", "99").order_id;
  (void)r.drain();
  r.control(ControlKind::kFlatten, 0);
  std::vector<OrderCommand> out = r.drain();
  std::vector<OrderCommand> news = news_of(out);
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].qty, qty("3"));
  EXPECT_TRUE(cancels_of(out).empty());  // PendingNew: canceled at its ack
  r.ack(buy);
  EXPECT_EQ(cancels_of(r.drain()), (std::vector<std::uint32_t>{buy}));
  r.fill(buy, "2", "99");  // filled before the cancel arrived: long 5
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].side, Side::kSell);
  EXPECT_EQ(news[0].qty, qty("2"));  // 5 − the 3 already working
  EXPECT_EQ(r.e.oms().working(0, Side::kSell), qty("5"));  // all of them filling leaves it flat, no more
}

TEST(EngineControls, FlattenGivesUpAPositionTheVenueRefusesForeverAndCountsIt) {
  EngineConfig cfg = config();
  cfg.flatten_max_failures = 3;
  Rig r(cfg);
  r.trade(0, "100");
  r.trade(1, "10");
  r.position(0, Side::kSell, "4");  // short 4
  r.position(1, Side::kBuy, "1");   // long 1
  r.control(ControlKind::kFlatten, 0);
  std::vector<OrderCommand> news = news_of(r.drain());
  ASSERT_EQ(news.size(), 2u);
  std::uint32_t zero = news[0].client_order_id;  // instrument 0 is refused every time
  r.ack(news[1].client_order_id);
  r.fill(news[1].client_order_id, "1", "10");
  EXPECT_EQ(r.pos(1), 0);
  for (int i = 0; i < 3; ++i) {
    if (i % 2 == 0) {
      r.report(ExecType::kRejected, zero, static_cast<std::uint8_t>(RejectReason::kInsufficientBalance));
    } else {  // accepted, nothing filled, the IOC canceled
      r.ack(zero);
      r.report(ExecType::kCanceled, zero, static_cast<std::uint8_t>(OrderStatus::kCanceled));
    }
    news = news_of(r.drain());
    if (i < 2) {
      ASSERT_EQ(news.size(), 1u) << i;
      EXPECT_EQ(news[0].side, Side::kBuy);
      EXPECT_EQ(news[0].qty, qty("4"));
      zero = news[0].client_order_id;
    }
  }
  EXPECT_TRUE(news.empty());
  EXPECT_EQ(r.e.stats().flatten_failures, 3u);
  EXPECT_EQ(r.e.stats().flatten_gave_up, 1u);
  EXPECT_FALSE(r.e.flattening());  // done: flat where it could, the rest left (counted)
  EXPECT_EQ(r.e.stats().flattens_done, 1u);
  // Later events send nothing more.
  r.trade(0, "101");
  EXPECT_TRUE(r.drain().empty());
  EXPECT_EQ(r.pos(0), -qty("4").raw());
  EXPECT_EQ(r.e.trading_state(), TradingState::kReducing);
}

TEST(EngineControls, FlattenSplitsByNotionalOnTheLotAndWaitsOutTransientRefusals) {
  EngineConfig cfg = config(1);
  cfg.risk.max_order_notional = 250;  // at 100: 2.5 per order, on a lot of 0.1 → 2.5
  cfg.risk.orders_per_second = 1;
  cfg.risk.order_burst = 3;
  cfg.lot_sizes = {qty("0.1")};
  Rig r(cfg);
  r.trade(0, "100");
  r.position(0, Side::kBuy, "2");
  r.position(0, Side::kBuy, "2");
  r.position(0, Side::kBuy, "2");  // 3 tokens spent: the bucket is empty
  r.at(r.now + 2 * kSecond);       // two tokens back
  r.control(ControlKind::kFlatten, 0);
  std::vector<OrderCommand> news = news_of(r.drain());
  ASSERT_EQ(news.size(), 2u);  // the third waits for a token
  EXPECT_EQ(news[0].qty, qty("2.5"));
  EXPECT_EQ(news[1].qty, qty("2.5"));
  EXPECT_EQ(r.e.stats().flatten_failures, 0u);  // a rate limit is no failure
  r.at(r.now + kSecond);
  r.trade(0, "100");
  news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].qty, qty("1"));
}

TEST(EngineControls, FlattenCountsLimitsThatAllowNoOrderOncePerEventAndGivesUp) {
  EngineConfig cfg = config(1);
  cfg.risk.max_order_notional = 50;
  cfg.lot_sizes = {qty("1")};
  cfg.flatten_max_failures = 2;
  Rig r(cfg);
  r.trade(0, "40");
  r.position(0, Side::kBuy, "1");
  r.trade(0, "100");  // one lot is 100 now: more than one order may hold
  r.control(ControlKind::kFlatten, 0);
  EXPECT_TRUE(r.drain().empty());
  EXPECT_EQ(r.e.stats().flatten_failures, 1u);
  EXPECT_TRUE(r.e.flattening());
  r.trade(0, "100");
  EXPECT_EQ(r.e.stats().flatten_failures, 2u);
  EXPECT_EQ(r.e.stats().flatten_gave_up, 1u);
  EXPECT_FALSE(r.e.flattening());
  EXPECT_EQ(r.e.risk().total_rejects(), 0u);  // nothing was even put to risk
}

TEST(EngineControls, FlattenWaitsForTheVenueSessionAndAnOperatorCanStopIt) {
  EngineConfig cfg = config(1);
  Rig r(cfg);
  r.trade(0, "100");
  r.position(0, Side::kBuy, "1");
  r.session(VenueSessionState::kDown);
  r.control(ControlKind::kFlatten, 0);
  EXPECT_TRUE(r.drain().empty());  // nothing can reach the venue
  EXPECT_EQ(r.e.risk().rejects(RiskReject::kVenueDown), 0u);  // not even tried
  r.session(VenueSessionState::kLoggedOn);
  EXPECT_TRUE(r.drain().empty());  // no live order to ask about; reconciling: nothing new
  r.session(VenueSessionState::kVenueReconciled);
  std::vector<OrderCommand> news = news_of(r.drain());
  ASSERT_EQ(news.size(), 1u);
  r.control(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kActive));
  EXPECT_FALSE(r.e.flattening());
  EXPECT_EQ(r.e.stats().flattens_stopped, 1u);
  r.report(ExecType::kRejected, news[0].client_order_id, static_cast<std::uint8_t>(RejectReason::kBookFull));
  EXPECT_TRUE(r.drain().empty());  // stopped: no retry
}

// ---- venue session and reconciliation ----

TEST(EngineControls, ReconciliationQueriesEveryLiveOrderAndBlocksTradingUntilAllAnsweredAndTheVenueReconciled) {
  Rig r;
  Recorder rec;
  r.e.set_strategy(&rec);
  r.trade(0, "100");
  r.position(0, Side::kBuy, "1");
  const std::uint32_t open = r.order(0, Side::kBuy, "1", "99").order_id;
  const std::uint32_t canceling = r.order(0, Side::kBuy, "1", "98").order_id;
  const std::uint32_t unknown = r.order(0, Side::kBuy, "1", "97").order_id;
  (void)r.drain();
  r.ack(open);
  r.ack(canceling);
  r.at(r.now + kSecond / 2);
  r.trade(0, "100");
  const std::uint32_t pending_new = r.order(0, Side::kBuy, "1", "96").order_id;
  Intent can;
  can.kind = IntentKind::kCancel;
  can.order_id = canceling;
  ASSERT_TRUE(r.e.submit(can).sent());
  (void)r.drain();

  // The session drops: nothing new, reducing orders included; cancels still leave (and time out).
  r.at(r.now + 100);
  r.session(VenueSessionState::kDown);
  EXPECT_EQ(r.e.venue_gate(), VenueGate::kDown);
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kVenueDown);
  EXPECT_EQ(r.order(0, Side::kSell, "1", "101").risk, RiskReject::kVenueDown);  // would reduce
  r.at(r.now + kSecond / 2 + 100);
  r.trade(0, "100");  // `unknown` (never answered) times out to Unknown, queried as ever
  std::vector<OrderCommand> out = r.drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].action, OrderAction::kStatus);
  EXPECT_EQ(out[0].orig_client_order_id, unknown);
  ASSERT_EQ(r.o(unknown).status, OrderStatus::kUnknown);

  // Logon: a status query for every live order; nothing new until all are settled and the venue
  // has reconciled.
  r.at(r.now + 1000);
  const Nanos logon = r.now;
  r.session(VenueSessionState::kLoggedOn);
  EXPECT_TRUE(r.e.reconciling());
  EXPECT_EQ(rec.heard.back().kind, ControlKind::kVenueSession);
  EXPECT_TRUE(rec.heard.back().reconciling);  // heard after the engine acted
  out = r.drain();
  std::vector<std::uint32_t> asked;
  for (const OrderCommand& c : out) {
    EXPECT_EQ(c.action, OrderAction::kStatus);
    asked.push_back(c.orig_client_order_id);
  }
  EXPECT_EQ(asked, (std::vector<std::uint32_t>{open, canceling, unknown, pending_new}));
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kReconciling);
  EXPECT_EQ(r.e.stats().reconciliations, 1u);

  r.at(logon + 1000);
  r.status(open, OrderStatus::kNew);
  r.status(canceling, OrderStatus::kNew);  // the lost cancel is settled by the answer, never resent
  EXPECT_EQ(r.o(canceling).status, OrderStatus::kNew);
  r.status(pending_new, OrderStatus::kRejected);  // never reached the venue
  EXPECT_EQ(r.o(pending_new).status, OrderStatus::kRejected);
  r.at(logon + 2000);
  r.session(VenueSessionState::kVenueReconciled, 0.0);
  EXPECT_TRUE(r.e.reconciling());  // `unknown` is still unanswered
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kReconciling);
  EXPECT_TRUE(r.drain().empty());
  r.at(logon + 5000);
  // The venue says partly filled, fills the core never heard of: counted, none invented.
  r.report(ExecType::kOrderStatus, unknown, static_cast<std::uint8_t>(OrderStatus::kPartiallyFilled), nullptr, "100",
           "0.5");
  EXPECT_FALSE(r.e.reconciling());
  EXPECT_EQ(r.e.venue_gate(), VenueGate::kOpen);
  EXPECT_EQ(r.o(unknown).status, OrderStatus::kNew);
  EXPECT_EQ(r.e.oms().stats().cum_gaps, 1u);
  EXPECT_EQ(r.e.stats().reconciliations_done, 1u);
  EXPECT_EQ(r.e.stats().reconcile_last, 5000);
  EXPECT_EQ(r.e.stats().reconcile_max, 5000);
  EXPECT_EQ(r.e.trading_state(), TradingState::kActive);
  EXPECT_TRUE(r.order(0, Side::kBuy, "1", "99").sent());
  EXPECT_EQ(r.drain().size(), 1u);

  // A second logon where the venue holds orders this core did not know: reducing only.
  r.session(VenueSessionState::kDown);
  r.at(r.now + 1000);
  r.session(VenueSessionState::kLoggedOn);
  const std::size_t queries = r.drain().size();
  EXPECT_EQ(queries, static_cast<std::size_t>(r.e.oms().open_orders()));
  r.session(VenueSessionState::kVenueReconciled, 2.0);
  EXPECT_EQ(r.e.trading_state(), TradingState::kReducing);
  EXPECT_EQ(r.e.stats().venue_unknown_orders, 2u);
  r.at(r.now + 300);
  std::vector<std::uint32_t> live;
  r.e.oms().for_each_live([&](const OmsOrder& o) { live.push_back(o.current_id); });
  for (const std::uint32_t id : live) r.status(id, OrderStatus::kNew);
  EXPECT_FALSE(r.e.reconciling());
  EXPECT_EQ(r.e.stats().reconcile_last, 300);
  EXPECT_EQ(r.e.stats().reconcile_max, 5000);
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kReducingOnly);
  // Out of sequence: a kVenueReconciled with no logon is ignored (counted), and not passed on.
  const std::uint64_t rejected = r.e.stats().rejected_events;
  const std::size_t heard = rec.heard.size();
  r.session(VenueSessionState::kVenueReconciled, 0.0);
  EXPECT_EQ(r.e.stats().rejected_events, rejected + 1);
  EXPECT_EQ(rec.heard.size(), heard);
}

TEST(EngineControls, ASessionVenueStartsDownAndAnAcknowledgedOrderTheVenueLostIsCanceled) {
  EngineConfig cfg = config(1);
  cfg.venue_session = true;
  Rig r(cfg);
  r.trade(0, "100");
  EXPECT_EQ(r.order(0, Side::kBuy, "1", "99").risk, RiskReject::kVenueDown);
  r.session(VenueSessionState::kLoggedOn);
  r.session(VenueSessionState::kVenueReconciled);
  EXPECT_EQ(r.e.venue_gate(), VenueGate::kOpen);
  EXPECT_EQ(r.e.stats().reconcile_last, 0);
  const std::uint32_t id = r.order(0, Side::kBuy, "1", "99").order_id;
  (void)r.drain();
  r.ack(id);
  r.session(VenueSessionState::kDown);
  r.session(VenueSessionState::kLoggedOn);  // the venue restarted: it lost the order
  EXPECT_EQ(r.drain().size(), 1u);
  r.status(id, OrderStatus::kRejected);
  EXPECT_EQ(r.o(id).status, OrderStatus::kCanceled);
  EXPECT_EQ(r.e.oms().stats().lost_at_venue, 1u);
  EXPECT_EQ(r.e.oms().open_orders(), 0);
  r.session(VenueSessionState::kVenueReconciled);
  EXPECT_FALSE(r.e.reconciling());
}

TEST(EngineControls, KillSwitchWhileDownCancelsAtTheNextLogon) {
  Rig r(config(1));
  r.trade(0, "100");
  const std::uint32_t id = r.order(0, Side::kBuy, "1", "99").order_id;
  (void)r.drain();
  r.ack(id);
  r.session(VenueSessionState::kDown);
  r.control(ControlKind::kKillSwitch, 1);
  EXPECT_TRUE(r.drain().empty());  // nothing can reach the venue
  r.session(VenueSessionState::kLoggedOn);
  std::vector<OrderCommand> out = r.drain();
  ASSERT_EQ(out.size(), 2u);  // the status query, then the cancel (the answer cannot settle a later request)
  EXPECT_EQ(out[0].action, OrderAction::kStatus);
  EXPECT_EQ(out[1].action, OrderAction::kCancel);
  r.status(id, OrderStatus::kNew);
  EXPECT_EQ(r.o(id).status, OrderStatus::kPendingCancel);
  r.report(ExecType::kCanceled, out[1].client_order_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  EXPECT_EQ(r.o(id).status, OrderStatus::kCanceled);
}

// ---- capital ramp ----

TEST(CapitalRamp, GrowsPerCleanUtcDayStepsBackOnABreachAndCapsAtOne) {
  CapitalRamp ramp(CapitalRampConfig{.start_fraction = 0.25, .daily_step = 0.25, .clean_days = 0});
  EXPECT_TRUE(ramp.enabled());
  EXPECT_EQ(ramp.fraction(), 0.25);
  const Nanos day0 = 19'000 * kDay + 3600 * kSecond;  // 01:00 UTC
  EXPECT_FALSE(ramp.on_time(day0));
  EXPECT_FALSE(ramp.on_time(day0 + 20 * 3600 * kSecond));  // same day
  EXPECT_TRUE(ramp.on_time(day0 + kDay));                   // day 0 ended clean
  EXPECT_EQ(ramp.fraction(), 0.5);
  EXPECT_TRUE(ramp.on_breach(day0 + kDay + kSecond));  // one step back at once
  EXPECT_EQ(ramp.fraction(), 0.25);
  EXPECT_FALSE(ramp.on_breach(day0 + kDay + 2 * kSecond));  // once per day
  EXPECT_EQ(ramp.breaches(), 2u);
  EXPECT_EQ(ramp.breach_days(), 1u);
  EXPECT_FALSE(ramp.on_time(day0 + 2 * kDay));  // the breached day does not count
  EXPECT_EQ(ramp.fraction(), 0.25);
  EXPECT_TRUE(ramp.on_time(day0 + 5 * kDay));  // one step per boundary seen, however long the gap
  EXPECT_EQ(ramp.fraction(), 0.5);
  EXPECT_TRUE(ramp.on_time(day0 + 6 * kDay));
  EXPECT_TRUE(ramp.on_time(day0 + 7 * kDay));
  EXPECT_EQ(ramp.fraction(), 1.0);
  EXPECT_FALSE(ramp.on_time(day0 + 8 * kDay));  // capped
  EXPECT_EQ(ramp.fraction(), 1.0);
  EXPECT_EQ(ramp.clean_days(), 4);
  // No step below the start.
  CapitalRamp fresh(CapitalRampConfig{.start_fraction = 0.1, .daily_step = 0.1, .clean_days = 0});
  EXPECT_FALSE(fresh.on_breach(day0));
  EXPECT_EQ(fresh.fraction(), 0.1);
  // Resumed from an earlier run.
  CapitalRamp resumed(CapitalRampConfig{.start_fraction = 0.1, .daily_step = 0.2, .clean_days = 3});
  EXPECT_DOUBLE_EQ(resumed.fraction(), 0.7);
  // Disabled by default; bad inputs never tighten to zero.
  EXPECT_FALSE(CapitalRamp(CapitalRampConfig{}).enabled());
  EXPECT_EQ(CapitalRamp(CapitalRampConfig{}).fraction(), 1.0);
  EXPECT_EQ(CapitalRamp(CapitalRampConfig{.start_fraction = -1, .daily_step = 0, .clean_days = 0}).fraction(), 1.0);
}

TEST(CapitalRamp, WarmUpHistoryIsNotDaysOfLiveTrading) {
  // Seven days of warm-up bars before count_from, then live trading: only live days count.
  const Nanos live = 20'000 * kDay + 3600 * kSecond;
  CapitalRamp ramp(CapitalRampConfig{.start_fraction = 0.1, .daily_step = 0.1, .clean_days = 0, .count_from = live});
  for (int d = 7; d >= 1; --d) EXPECT_FALSE(ramp.on_time(live - d * kDay));
  EXPECT_FALSE(ramp.on_breach(live - kDay));  // a breach in history is not one either
  EXPECT_EQ(ramp.clean_days(), 0);
  EXPECT_FALSE(ramp.on_time(live));
  EXPECT_TRUE(ramp.on_time(live + kDay));
  EXPECT_EQ(ramp.clean_days(), 1);
}

TEST(EngineControls, AnOrderlyStopsKillSwitchIsNotABreach) {
  EngineConfig config;
  config.instrument_count = 1;
  config.initial_cash = Notional::from_raw(1'000'000 * kScale);
  Engine engine(config);
  Control kill{};
  kill.header.subtype = static_cast<std::uint8_t>(ControlKind::kKillSwitch);
  kill.header.ts_local = kSecond;
  kill.value = kKillSwitchShutdown;
  engine.on_event(to_event(kill));
  EXPECT_TRUE(engine.kill_switch());
  EXPECT_EQ(engine.risk().kill_switch_trips(), 0u);
  kill.value = 0;
  engine.on_event(to_event(kill));
  kill.value = 1;  // the operator's: a breach
  engine.on_event(to_event(kill));
  EXPECT_EQ(engine.risk().kill_switch_trips(), 1u);
}

TEST(EngineControls, CapitalRampScalesExposureLimitsAndABreachStepsItBack) {
  EngineConfig cfg = config(1);
  cfg.risk.max_gross_exposure = 1000;
  cfg.risk.max_position_notional = 1000;
  cfg.capital_ramp = CapitalRampConfig{.start_fraction = 0.5, .daily_step = 0.25, .clean_days = 0};
  Rig r(cfg);
  const Nanos day0 = 19'000 * kDay + 3600 * kSecond;
  r.at(day0);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 0.5);
  EXPECT_EQ(r.order(0, Side::kBuy, "5.00000001").risk, RiskReject::kMaxPosition);  // 500.000001 > 500
  ASSERT_TRUE(r.order(0, Side::kBuy, "5").sent());
  (void)r.drain();
  // Day 1: 0.75.
  r.at(day0 + kDay);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 0.75);
  EXPECT_EQ(r.order(0, Side::kBuy, "2.50000001").risk, RiskReject::kMaxPosition);  // 5 working + 2.5 = 750
  ASSERT_TRUE(r.order(0, Side::kBuy, "2.5").sent());
  (void)r.drain();
  // Day 2 with a kill-switch trip: one step back, and the day does not count.
  r.at(day0 + 2 * kDay);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 1.0);
  r.control(ControlKind::kKillSwitch, 1);
  EXPECT_EQ(r.e.capital_fraction(), 0.75);
  r.control(ControlKind::kKillSwitch, 0);
  r.at(day0 + 3 * kDay);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 0.75);
  EXPECT_EQ(r.e.risk().exposure_scale(), 0.75);
  // A flatten is a breach too.
  r.control(ControlKind::kFlatten, 0);
  EXPECT_EQ(r.e.capital_fraction(), 0.5);
  r.at(day0 + 4 * kDay);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 0.5);
  r.at(day0 + 5 * kDay);
  r.trade(0, "100");
  EXPECT_EQ(r.e.capital_fraction(), 0.75);
  EXPECT_EQ(r.e.capital_ramp().clean_days(), 1);
}

// ---- determinism and allocation ----

namespace {
std::uint64_t scripted_run() {
  EngineConfig cfg = config();
  cfg.risk.max_order_qty = 1;
  Rig r(cfg);
  r.trade(0, "100");
  r.trade(1, "20");
  for (int i = 0; i < 3; ++i) r.position(0, Side::kBuy, "1");
  for (int i = 0; i < 2; ++i) r.position(1, Side::kSell, "1");
  const std::uint32_t rest = r.order(0, Side::kBuy, "1", "90").order_id;
  (void)r.drain();
  r.ack(rest);
  r.control(ControlKind::kKillSwitch, 1);
  r.control(ControlKind::kFlatten, 0);
  for (int round = 0; round < 6; ++round) {
    const std::vector<OrderCommand> out = r.drain();
    for (const OrderCommand& c : out) {
      if (c.action == OrderAction::kNew) {
        r.ack(c.client_order_id);
        if (round % 2 == 0) r.fill(c.client_order_id, "1", c.instrument == 0 ? "100" : "20");
        else r.report(ExecType::kCanceled, c.client_order_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
      } else if (c.action == OrderAction::kCancel) {
        r.report(ExecType::kCanceled, c.client_order_id, static_cast<std::uint8_t>(OrderStatus::kCanceled));
      }
    }
    r.at(r.now + kSecond);
    r.session(round % 3 == 1 ? VenueSessionState::kDown : VenueSessionState::kLoggedOn);
    r.session(VenueSessionState::kVenueReconciled);
    r.e.oms().for_each_live([](const OmsOrder&) {});
  }
  return r.e.digest();
}
}  // namespace

TEST(EngineControls, SameInputsSameDigest) {
  const std::uint64_t a = scripted_run();
  EXPECT_EQ(a, scripted_run());
  EXPECT_NE(a, 0u);
}

TEST(EngineControls, NoAllocationInControlsAfterConstruction) {
  ASSERT_TRUE(allocation_hooks_installed());
  EngineConfig cfg = config();
  cfg.risk.max_order_qty = 1;
  cfg.capital_ramp = CapitalRampConfig{.start_fraction = 0.5, .daily_step = 0.1, .clean_days = 0};
  Rig r(cfg);
  r.trade(0, "100");
  r.trade(1, "20");
  for (int i = 0; i < 3; ++i) r.position(0, Side::kBuy, "1");
  const std::uint32_t rest = r.order(1, Side::kBuy, "1", "19").order_id;
  r.e.commands().pop();
  r.ack(rest);
  std::size_t commands = 0;
  {
    AllocationScope scope;
    r.control(ControlKind::kKillSwitch, 1);
    r.control(ControlKind::kFlatten, 0);
    r.session(VenueSessionState::kDown);
    r.session(VenueSessionState::kLoggedOn);
    r.session(VenueSessionState::kVenueReconciled, 1.0);
    while (r.e.commands().front() != nullptr) {
      ++commands;
      r.e.commands().pop();
    }
    r.now += kDay;
    r.trade(0, "100");
    std::size_t live = 0;
    r.e.oms().for_each_live([&](const OmsOrder&) { ++live; });
    EXPECT_GT(live, 0u);
    EXPECT_EQ(scope.allocations(), 0u);
  }
  EXPECT_GT(commands, 2u);
}
