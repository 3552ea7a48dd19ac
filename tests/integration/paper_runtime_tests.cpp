// The paper-trading runtime end to end over real loopback sockets: keel's simulator in-process (a
// quiet venue, where only clients trade) with a counterparty FIX session, the gateway (WebSocket
// market data + FIX orders) and the core with a scripted strategy. The script's steps arrive as
// Control kStrategyUpdate events through the runtime's operator ring — journaled like every input.
//
//  * a place / partial fill / replace / cancel / reject sequence ends with keel's open orders,
//    position and cash equal to the simulator's account, order by order;
//  * flatten closes the position through risk with a reduce-only order;
//  * the simulator killed and restarted mid-run (same ports, same FIX store): keel reconnects both
//    connections, reconciles (the order the restart lost is settled by a status query, never
//    resent) and trades again; orders counted on both sides match, none duplicated;
//  * an order whose acknowledgement does not come in time: a status query, no second order;
//  * the kill switch through POST /control: open orders cancelled, new ones refused; without the
//    token the request is refused.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "keel/core/oms/cl_ord_ids.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"
#include "operator_endpoint.hpp"
#include "trading_runtime.hpp"
#include "../sim/fix_test_client.hpp"

namespace keel {
namespace {

using namespace std::chrono_literals;
using cli::TradingRuntime;
using cli::TradingRuntimeConfig;

constexpr auto kWait = 20s;  // generous: a slow machine must not fail the test

// Polls `done` until it holds or kWait passes.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

// The script: step n (Control kStrategyUpdate, value n) does one thing; order ids are kept for the
// test (written on the core thread, read by the test after the fact through atomics).
class ScriptStrategy final : public Strategy {
 public:
  enum Step : std::int64_t { kBuyA = 1, kSellB, kReplaceA, kCancelB, kOffTick, kCancelA, kBuyC, kBuyD };
  std::atomic<std::uint32_t> a{0}, b{0}, c{0}, d{0};
  std::atomic<int> refused{0};
  std::atomic<int> reports{0};
  std::atomic<int> book_tops{0};  // two-sided tops the core took (risk has a reference price after one)

  void on_control(const Control& control) noexcept override {
    if (static_cast<ControlKind>(control.header.subtype) != ControlKind::kStrategyUpdate) return;
    switch (control.value) {
      case kBuyA: a = order(Side::kBuy, "100.00", "1.000"); break;
      case kSellB: b = order(Side::kSell, "105.00", "0.500"); break;
      case kReplaceA: amend(IntentKind::kReplace, a, "100.50", "0.800"); break;
      case kCancelB: amend(IntentKind::kCancel, b, "0", "0"); break;
      case kOffTick: (void)order(Side::kBuy, "100.001", "0.100"); break;
      case kCancelA: amend(IntentKind::kCancel, a, "0", "0"); break;
      case kBuyC: c = order(Side::kBuy, "98.00", "0.200"); break;
      case kBuyD: d = order(Side::kBuy, "97.00", "0.200"); break;
      default: break;
    }
  }
  void on_exec_report(const ExecReport&, const OmsOrder&) noexcept override { ++reports; }
  void on_book_top(const BookTop&) noexcept override { ++book_tops; }

 private:
  std::uint32_t order(Side side, const char* price, const char* qty) {
    Intent i;
    i.kind = IntentKind::kOrder;
    i.instrument = 0;
    i.side = side;
    i.type = OrderType::kLimit;
    i.tif = TimeInForce::kGtc;
    i.limit_price = Price::parse(price).value();
    i.qty = Qty::parse(qty).value();
    i.lot = Qty::parse("0.001").value();
    const SubmitResult r = entry_->submit(i);
    if (!r.sent()) ++refused;
    return r.order_id;
  }
  void amend(IntentKind kind, std::uint32_t id, const char* price, const char* qty) {
    Intent i;
    i.kind = kind;
    i.instrument = 0;
    i.order_id = id;
    i.limit_price = Price::parse(price).value();
    i.qty = Qty::parse(qty).value();
    if (!entry_->submit(i).sent()) ++refused;
  }
};

sim::SimConfig venue_config(const std::string& store_dir, std::uint16_t http_port = 0, std::uint16_t fix_port = 0) {
  sim::SimConfig c = sim::parse_sim_config(
      "[venue]\ncomp_id = \"KEELSIM\"\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"KEEL\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n"
      "[[account]]\ncomp_id = \"CPTY\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n",
      "paper_runtime_test.toml");
  c.store_dir = store_dir;
  c.http_port = http_port;
  c.fix_port = fix_port;
  return c;
}

FIX::Message fix_order(const std::string& id, const char* side, const char* qty, const char* price, const char* tif) {
  FIX::Message m;
  m.getHeader().setField(35, "D");
  m.setField(11, id);
  m.setField(55, "BTCUSDT");
  m.setField(54, side);
  m.setField(38, qty);
  m.setField(40, "2");
  m.setField(44, price);
  m.setField(59, tif);
  m.setField(60, "20260101-00:00:00.000");
  return m;
}

class PaperRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<sim::test::TempDir>("keel_paper_rt_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    venue_ = std::make_unique<sim::Venue>(venue_config(dir_->sub("venue")));
    venue_->start();
    cpty_ = std::make_unique<sim::test::FixClient>("CPTY", venue_->fix_port(), dir_->sub("cpty"));
    ASSERT_TRUE(cpty_->app().wait_logon());
  }
  void TearDown() override {
    if (runtime_) (void)runtime_->stop(0, false);
    runtime_.reset();
    cpty_.reset();
    venue_.reset();
  }

  KeelConfig keel_config(double ack_timeout_s = 5.0) {
    KeelConfig c;
    c.run.mode = RunMode::kPaper;
    c.strategy.kind = StrategyKind::kNone;
    c.oms.ack_timeout_s = ack_timeout_s;
    c.live.sender_comp_id = "KEEL";
    c.live.target_comp_id = "KEELSIM";
    c.live.reset_seq_num = false;  // the FIX store carries the sequence numbers across a venue restart
    return c;
  }
  void start_runtime(const KeelConfig& config) {
    TradingRuntimeConfig rt;
    rt.config = config;
    rt.registry.add(InstrumentSpec{"BTCUSDT", Price::parse("0.01").value(), Qty::parse("0.001").value(),
                                   Notional::from_raw(5 * kScale)});
    rt.market_data.client.url = "ws://127.0.0.1:" + std::to_string(venue_->http_port());
    rt.market_data.client.streams = {"btcusdt@trade", "btcusdt@bookTicker"};
    rt.market_data.feed.symbols = {"BTCUSDT"};
    rt.fix.port = venue_->fix_port();
    rt.fix.sender_comp_id = "KEEL";
    rt.fix.target_comp_id = "KEELSIM";
    rt.fix.store_dir = dir_->sub("keel-fix");
    rt.fix.timer_period_ns = 20'000'000;
    if (const char* d = std::getenv("KEEL_TEST_FIX_LOG")) rt.fix.log_dir = d;
    rt.journal_path = dir_->sub("journal.bin");
    rt.strategy = &script_;
    rt.log = [](std::string_view line) { if (std::getenv("KEEL_TEST_LOG")) std::fprintf(stderr, "[keel] %.*s\n", static_cast<int>(line.size()), line.data()); };
    ids_ = std::make_unique<ClOrdIdCodec>(ClOrdIdCodec::run_id(config_hash(config), config.run.seed));
    runtime_ = std::make_unique<TradingRuntime>(rt);
    runtime_->start();
    ASSERT_TRUE(eventually([&] {
      return runtime_->snapshot().venue_gate.load() == 0 && runtime_->fix_counters().logged_on &&
             runtime_->feed_counters().open_connections.load() > 0;  // subscribed: the streams are in the URL
    }));
  }
  void step(std::int64_t n) {
    Control c{};
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kStrategyUpdate);
    c.value = n;
    ASSERT_TRUE(runtime_->submit(to_event(c)));
  }
  // The market keel sees: a CPTY bid and ask, so risk has a reference price. A quote published in
  // the instant between the feed's connection and the venue registering its streams is not seen;
  // the counterparty then improves its ask by a tick until the core has taken a two-sided top.
  void quote_market() {
    const int seen = script_.book_tops.load();
    ASSERT_TRUE(cpty_->send(fix_order("CPTY-BID" + std::to_string(++quotes_), "1", "1.000", "99.00", "1")));
    for (int attempt = 0; attempt < 20 && script_.book_tops.load() == seen; ++attempt) {
      const std::string ask = fmt::format("{:.2f}", 110.0 - 0.01 * attempt);
      ASSERT_TRUE(cpty_->send(fix_order("CPTY-ASK" + std::to_string(++quotes_), "2", "0.100", ask.c_str(), "1")));
      const auto deadline = std::chrono::steady_clock::now() + 1s;
      while (script_.book_tops.load() == seen && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
    }
    ASSERT_GT(script_.book_tops.load(), seen) << "no two-sided top reached the core";
  }
  std::size_t keel_open() { return venue_->open_orders("KEEL").size(); }

  std::unique_ptr<sim::test::TempDir> dir_;
  std::unique_ptr<sim::Venue> venue_;
  std::unique_ptr<sim::test::FixClient> cpty_;
  ScriptStrategy script_;
  std::unique_ptr<ClOrdIdCodec> ids_;
  std::unique_ptr<TradingRuntime> runtime_;
  int quotes_ = 0;
};

TEST_F(PaperRuntime, KeelsOrdersPositionAndCashEqualTheVenuesAccountOrderByOrder) {
  const KeelConfig config = keel_config();
  start_runtime(config);
  quote_market();
  step(ScriptStrategy::kBuyA);
  step(ScriptStrategy::kSellB);
  ASSERT_TRUE(eventually([&] { return keel_open() == 2; })) << "refused " << script_.refused.load();
  // The counterparty sells 0.4 into keel's bid at 100: a partial fill.
  ASSERT_TRUE(cpty_->send(fix_order("CPTY-HIT", "2", "0.400", "100.00", "3")));
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().fills.load() == 1; }));
  step(ScriptStrategy::kReplaceA);
  step(ScriptStrategy::kCancelB);
  step(ScriptStrategy::kOffTick);
  ASSERT_TRUE(eventually([&] { return venue_->order_counts("KEEL").rejected == 1 && keel_open() == 1; }));
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().open_orders.load() == 1; }));
  const std::vector<sim::VenueOpenOrder> venue_open = venue_->open_orders("KEEL");
  const sim::VenueOrderCounts counts = venue_->order_counts("KEEL");
  const std::int64_t btc = venue_->balance("KEEL", "BTC");
  const std::int64_t usdt = venue_->balance("KEEL", "USDT");

  (void)runtime_->stop(0, false);  // no cancel-all: compare the open orders as they stand
  const Engine& engine = *runtime_->core()->engine;
  EXPECT_EQ(script_.refused.load(), 0);
  // Open orders, one by one: ClOrdID, side, price, quantity, filled.
  ASSERT_EQ(venue_open.size(), 1u);
  std::vector<const OmsOrder*> live;
  engine.oms().for_each_live([&](const OmsOrder& o) { live.push_back(&o); });
  ASSERT_EQ(live.size(), 1u);
  const OmsOrder& a = *live[0];
  EXPECT_EQ(a.order_id, script_.a.load());
  EXPECT_EQ(venue_open[0].cl_ord_id, std::string(ids_->format(a.current_id).view()));
  EXPECT_EQ(venue_open[0].side, a.side);
  EXPECT_EQ(venue_open[0].price, a.price);
  EXPECT_EQ(venue_open[0].order_qty, a.qty);
  EXPECT_EQ(venue_open[0].cum_qty, a.cum);
  EXPECT_EQ(a.price, Price::parse("100.50").value());
  EXPECT_EQ(a.qty, Qty::parse("0.800").value());
  EXPECT_EQ(a.cum, Qty::parse("0.400").value());
  // Position and cash against the venue's balances (fees are 0 on this venue).
  const Position& p = engine.portfolio().position(0);
  EXPECT_EQ(p.qty.raw(), btc - 100 * kScale);
  EXPECT_EQ((engine.portfolio().cash() - engine.portfolio().initial_cash()).raw(), usdt - 1'000'000 * kScale);
  // Both sides counted the same requests.
  const OmsStats& o = engine.oms().stats();
  EXPECT_EQ(o.orders, counts.new_orders);
  EXPECT_EQ(o.rejected, counts.rejected);
  EXPECT_EQ(o.cancels, counts.cancels);
  EXPECT_EQ(o.replaces, counts.replaces);
  EXPECT_EQ(o.fills, counts.fills);
  EXPECT_EQ(counts.duplicate_cl_ord_ids, 0u);
}

TEST_F(PaperRuntime, FlattenClosesThePositionThroughRisk) {
  start_runtime(keel_config());
  quote_market();
  step(ScriptStrategy::kBuyA);
  ASSERT_TRUE(eventually([&] { return keel_open() == 1; }));
  ASSERT_TRUE(cpty_->send(fix_order("CPTY-HIT", "2", "0.400", "100.00", "3")));
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().positions.load() == 1; }));
  Control flatten{};
  flatten.header.subtype = static_cast<std::uint8_t>(ControlKind::kFlatten);
  ASSERT_TRUE(runtime_->submit(to_event(flatten)));
  // The open bid is cancelled, then 0.4 is sold into the counterparty's bid at 99.
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().positions.load() == 0 && keel_open() == 0; }));
  EXPECT_EQ(venue_->balance("KEEL", "BTC"), 100 * kScale);
  EXPECT_EQ(runtime_->snapshot().trading_state.load(), static_cast<int>(TradingState::kReducing));
  // Reducing: a new opening order is refused by risk, nothing reaches the venue.
  const std::uint64_t sent = venue_->order_counts("KEEL").new_orders;
  step(ScriptStrategy::kBuyC);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(venue_->order_counts("KEEL").new_orders, sent);
  EXPECT_GE(script_.refused.load(), 1);
}

TEST_F(PaperRuntime, AVenueRestartLosesNoOrderAndDuplicatesNone) {
  start_runtime(keel_config(1.0));
  quote_market();
  step(ScriptStrategy::kBuyA);
  ASSERT_TRUE(eventually([&] { return keel_open() == 1; }));
  const sim::VenueOrderCounts before = venue_->order_counts("KEEL");
  const std::uint16_t http = venue_->http_port();
  const std::uint16_t fix = venue_->fix_port();

  // Kill the venue (its books are lost: keel's open order with them), restart on the same ports
  // with the same FIX store.
  cpty_.reset();
  venue_.reset();
  // The core has taken the session's loss (not only the gateway): its gate is down.
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().venue_gate.load() == static_cast<int>(VenueGate::kDown); }));
  step(ScriptStrategy::kBuyC);  // while the venue is down: refused by risk (kVenueDown), never queued
  venue_ = std::make_unique<sim::Venue>(venue_config(dir_->sub("venue"), http, fix));
  venue_->start();
  cpty_ = std::make_unique<sim::test::FixClient>("CPTY", fix, dir_->sub("cpty"));
  ASSERT_TRUE(cpty_->app().wait_logon());
  // Reconnected and reconciled: the lost order is settled by a status query.
  ASSERT_TRUE(eventually([&] {
    return runtime_->fix_counters().logons.load() == 2 && runtime_->snapshot().venue_gate.load() == 0 &&
           runtime_->snapshot().lost_at_venue.load() == 1 && runtime_->feed_counters().open_connections.load() > 0;
  })) << "logons " << runtime_->fix_counters().logons.load() << " gate " << runtime_->snapshot().venue_gate.load()
      << " lost " << runtime_->snapshot().lost_at_venue.load() << " open " << runtime_->snapshot().open_orders.load();
  quote_market();
  step(ScriptStrategy::kBuyD);
  ASSERT_TRUE(eventually([&] { return keel_open() == 1; }));
  ASSERT_TRUE(eventually([&] { return runtime_->snapshot().open_orders.load() == 1; }));
  const sim::VenueOrderCounts after = venue_->order_counts("KEEL");
  (void)runtime_->stop(0, false);
  const Engine& engine = *runtime_->core()->engine;
  const OmsStats& o = engine.oms().stats();
  EXPECT_EQ(before.new_orders + after.new_orders, 2u) << "A before the restart, D after; C never left";
  EXPECT_EQ(o.orders, 2u);
  EXPECT_EQ(script_.refused.load(), 1) << "C: refused while the venue was down";
  EXPECT_EQ(runtime_->fix_counters().not_sent.load(), 0u);
  EXPECT_EQ(o.lost_at_venue, 1u);
  EXPECT_EQ(after.duplicate_cl_ord_ids, 0u);
  EXPECT_GE(after.status_requests, 1u);
  EXPECT_EQ(engine.stats().reconciliations_done, 2u);
}

TEST_F(PaperRuntime, AnUnansweredOrderIsQueriedNeverResent) {
  // The venue takes 3 s to process a request; keel's ack timeout is 0.3 s.
  (void)venue_->stop();
  cpty_.reset();
  sim::SimConfig slow = venue_config(dir_->sub("venue2"));
  slow.order_entry_delay_us = 3'000'000;
  venue_ = std::make_unique<sim::Venue>(slow);
  venue_->start();
  cpty_ = std::make_unique<sim::test::FixClient>("CPTY", venue_->fix_port(), dir_->sub("cpty2"));
  ASSERT_TRUE(cpty_->app().wait_logon());
  start_runtime(keel_config(0.3));
  quote_market();
  ASSERT_TRUE(eventually([&] { return venue_->open_orders("CPTY").size() >= 2; }));
  std::this_thread::sleep_for(200ms);
  step(ScriptStrategy::kBuyA);
  // Unknown after 0.3 s, queried; the venue's answers settle it once its 3 s are over.
  ASSERT_TRUE(eventually([&] { return keel_open() == 1 && runtime_->snapshot().open_orders.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return venue_->order_counts("KEEL").status_requests >= 1; }));
  std::this_thread::sleep_for(500ms);
  const sim::VenueOrderCounts counts = venue_->order_counts("KEEL");
  (void)runtime_->stop(0, false);
  const OmsStats& o = runtime_->core()->engine->oms().stats();
  EXPECT_EQ(counts.new_orders, 1u) << "never resent";
  EXPECT_EQ(counts.duplicate_cl_ord_ids, 0u);
  EXPECT_GE(o.timeouts, 1u);
  EXPECT_GE(o.status_queries, 1u);
  EXPECT_EQ(o.orders, 1u);
}

// POST /control over a real socket; returns the status code.
int post(std::uint16_t port, const std::string& body, const std::string& token) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = "POST /control HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  req += "\r\n" + body;
  (void)!::write(fd, req.data(), req.size());
  char buf[512] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n < 12) return -1;
  return std::atoi(buf + 9);
}

TEST_F(PaperRuntime, TheKillSwitchThroughControlCancelsEverythingAndStopsNewOrders) {
  ::setenv("KEEL_TEST_CONTROL_TOKEN", "tok-control-test", 1);
  KeelConfig config = keel_config();
  config.live.control_token = "env:KEEL_TEST_CONTROL_TOKEN";
  start_runtime(config);
  InstrumentRegistry registry;
  registry.add(InstrumentSpec{"BTCUSDT", Price::parse("0.01").value(), Qty::parse("0.001").value(), Notional{}});
  cli::OperatorEndpoint endpoint(*runtime_, config, registry, "paper", [](std::string_view) {});
  endpoint.start();
  ASSERT_NE(endpoint.port(), 0);
  quote_market();
  step(ScriptStrategy::kBuyA);
  step(ScriptStrategy::kSellB);
  ASSERT_TRUE(eventually([&] { return keel_open() == 2; }));

  const std::string kill = R"({"action":"kill_switch","engage":true})";
  EXPECT_EQ(post(endpoint.port(), kill, ""), 401);
  EXPECT_EQ(post(endpoint.port(), kill, "wrong-token-000"), 401);
  EXPECT_EQ(keel_open(), 2u) << "a refused request changes nothing";
  EXPECT_EQ(post(endpoint.port(), kill, "tok-control-test"), 200);
  ASSERT_TRUE(eventually([&] { return keel_open() == 0 && runtime_->snapshot().open_orders.load() == 0; }));
  const std::uint64_t sent = venue_->order_counts("KEEL").new_orders;
  step(ScriptStrategy::kBuyC);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(venue_->order_counts("KEEL").new_orders, sent) << "no new order while the kill switch is engaged";
  EXPECT_TRUE(runtime_->snapshot().kill_switch.load());
  endpoint.stop();
  ::unsetenv("KEEL_TEST_CONTROL_TOKEN");
}

}  // namespace
}  // namespace keel
