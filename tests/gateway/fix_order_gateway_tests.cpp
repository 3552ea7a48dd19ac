// The FIX order gateway against keel's simulator over a real FIX session on loopback: commands from
// the core's ring leave as FIX requests, the venue's answers come back as ExecReport events, the
// session's state reaches the core, nothing is sent without a session, and the password never
// reaches the message log.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "keel/gateway/fix/fix_order_gateway.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"
#include "../sim/fix_test_client.hpp"

using namespace keel;
using namespace keel::gateway;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 10s;
constexpr const char* kPassword = "s3cret-Planted-Pw";

sim::SimConfig venue_config(const std::string& store_dir) {
  sim::SimConfig c = sim::parse_sim_config(
      "[venue]\ncomp_id = \"KEELSIM\"\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"KEEL\"\npassword = \"s3cret-Planted-Pw\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n",
      "fix_order_gateway_test.toml");
  c.store_dir = store_dir;
  return c;
}

// The gateway with its rings, as the paper runtime wires it.
struct Rig {
  SpscRing<OrderCommand> commands{64};
  SpscRing<Event> session_events{1024};
  SpscRing<Event> router_events{4096};
  Doorbell router_bell;
  Doorbell core_bell;
  ClOrdIdCodec ids;
  std::unique_ptr<FixOrderGateway> gateway;

  Rig(std::uint16_t port, const std::string& dir, std::string password = kPassword, std::uint64_t seed = 11)
      : ids(ClOrdIdCodec::run_id(7, seed)) {
    FixSessionSettings s;
    s.port = port;
    s.sender_comp_id = "KEEL";
    s.target_comp_id = "KEELSIM";
    s.password = std::move(password);
    s.store_dir = dir + "/store";
    s.log_dir = dir + "/log";
    s.reset_seq_num = true;
    s.timer_period_ns = 20'000'000;
    gateway = std::make_unique<FixOrderGateway>(s, std::vector<std::string>{"BTCUSDT"}, ids, commands, router_bell,
                                                session_events, router_events, &core_bell);
    gateway->set_log([](std::string_view) {});
    gateway->start();
  }
  void send(const OrderCommand& c) {
    ASSERT_TRUE(commands.try_push(c));
    router_bell.ring();
  }
  // The next non-timer event from either ring (session first), within kWait.
  std::optional<Event> next() {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      Event e;
      if (session_events.try_pop(e)) return e;
      if (router_events.try_pop(e)) {
        if (e.header.kind == EventKind::kTimer) continue;
        return e;
      }
      std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
  }
};

OrderCommand new_order(std::uint32_t id, Side side, const char* price, const char* qty) {
  OrderCommand c;
  c.ts = 1;
  c.client_order_id = id;
  c.instrument = 0;
  c.action = OrderAction::kNew;
  c.side = side;
  c.type = OrderType::kLimit;
  c.tif = TimeInForce::kGtc;
  c.price = Price::parse(price).value();
  c.qty = Qty::parse(qty).value();
  return c;
}

void expect_session(Rig& rig, VenueSessionState state, double count = 0.0) {
  const auto e = rig.next();
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->header.kind, EventKind::kControl);
  EXPECT_EQ(static_cast<ControlKind>(e->header.subtype), ControlKind::kVenueSession);
  EXPECT_EQ(e->control.value, static_cast<std::int64_t>(state));
  EXPECT_EQ(e->control.real, count);
}

ExecReport expect_report(Rig& rig, ExecType type, std::uint32_t id) {
  const auto e = rig.next();
  EXPECT_TRUE(e.has_value());
  if (!e) return {};
  EXPECT_EQ(e->header.kind, EventKind::kExecReport);
  EXPECT_EQ(static_cast<ExecType>(e->header.subtype), type);
  EXPECT_EQ(e->exec.client_order_id, id);
  return e->exec;
}

std::string read_all(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

class FixOrderGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<sim::test::TempDir>("keel_fixgw_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    venue_ = std::make_unique<sim::Venue>(venue_config(dir_->sub("venue")));
    venue_->start();
  }
  std::unique_ptr<sim::test::TempDir> dir_;
  std::unique_ptr<sim::Venue> venue_;
};

}  // namespace

TEST_F(FixOrderGatewayTest, OrdersGoOutAndReportsComeBack) {
  Rig rig(venue_->fix_port(), dir_->sub("keel"));
  expect_session(rig, VenueSessionState::kLoggedOn);
  expect_session(rig, VenueSessionState::kVenueReconciled);

  rig.send(new_order(1, Side::kBuy, "100.00", "0.5"));
  const ExecReport ack = expect_report(rig, ExecType::kNew, 1);
  EXPECT_EQ(ack.header.instrument, 0u);
  EXPECT_GT(ack.header.ts_exchange, 0) << "the venue's TransactTime";
  EXPECT_GT(ack.header.ts_local, 0);

  // A crossing sell from the same account would self-trade; replace the bid's size instead.
  OrderCommand replace;
  replace.ts = 2;
  replace.client_order_id = 2;
  replace.orig_client_order_id = 1;
  replace.instrument = 0;
  replace.action = OrderAction::kReplace;
  replace.side = Side::kBuy;
  replace.type = OrderType::kLimit;
  replace.price = Price::parse("101.00").value();
  replace.qty = Qty::parse("0.25").value();
  rig.send(replace);
  expect_report(rig, ExecType::kReplaced, 2);

  OrderCommand status;
  status.client_order_id = 3;
  status.orig_client_order_id = 2;
  status.instrument = 0;
  status.action = OrderAction::kStatus;
  status.side = Side::kBuy;
  rig.send(status);
  const ExecReport answer = expect_report(rig, ExecType::kOrderStatus, 2);
  EXPECT_EQ(static_cast<OrderStatus>(answer.header.detail), OrderStatus::kNew);

  OrderCommand cancel;
  cancel.client_order_id = 4;
  cancel.orig_client_order_id = 2;
  cancel.instrument = 0;
  cancel.action = OrderAction::kCancel;
  cancel.side = Side::kBuy;
  rig.send(cancel);
  expect_report(rig, ExecType::kCanceled, 4);

  // A cancel of an order the venue no longer has: OrderCancelReject, as kCancelRejected.
  cancel.client_order_id = 5;
  rig.send(cancel);
  const ExecReport refused = expect_report(rig, ExecType::kCancelRejected, 5);
  EXPECT_EQ(static_cast<RejectReason>(refused.header.detail), RejectReason::kUnknownOrder);

  // Off the tick: the venue rejects it.
  rig.send(new_order(6, Side::kBuy, "100.001", "0.5"));
  const ExecReport rejected = expect_report(rig, ExecType::kRejected, 6);
  EXPECT_EQ(static_cast<RejectReason>(rejected.header.detail), RejectReason::kPriceOffTick);

  const auto& c = rig.gateway->counters();
  EXPECT_EQ(c.sent.load(), 6u);
  EXPECT_EQ(c.reports.load(), 6u);
  EXPECT_EQ(c.malformed.load(), 0u);
  const auto deadline = std::chrono::steady_clock::now() + kWait;  // one timer period is 20 ms
  while (c.timers.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GT(c.timers.load(), 0u);
}

TEST_F(FixOrderGatewayTest, NothingIsSentWithoutASessionAndTheCoreHearsOfEveryChange) {
  Rig rig(venue_->fix_port(), dir_->sub("keel"));
  expect_session(rig, VenueSessionState::kLoggedOn);
  expect_session(rig, VenueSessionState::kVenueReconciled);
  rig.send(new_order(1, Side::kBuy, "100.00", "0.5"));
  expect_report(rig, ExecType::kNew, 1);

  venue_->stop();
  expect_session(rig, VenueSessionState::kDown);
  rig.send(new_order(2, Side::kBuy, "100.00", "0.5"));
  const ExecReport refused = expect_report(rig, ExecType::kRejected, 2);
  EXPECT_EQ(static_cast<RejectReason>(refused.header.detail), RejectReason::kNotSent);
  OrderCommand cancel;
  cancel.client_order_id = 3;
  cancel.orig_client_order_id = 1;
  cancel.instrument = 0;
  cancel.action = OrderAction::kCancel;
  cancel.side = Side::kBuy;
  rig.send(cancel);
  const ExecReport cancel_refused = expect_report(rig, ExecType::kCancelRejected, 3);
  EXPECT_EQ(static_cast<RejectReason>(cancel_refused.header.detail), RejectReason::kNotSent);
  EXPECT_EQ(rig.gateway->counters().not_sent.load(), 2u);
  EXPECT_EQ(rig.gateway->counters().sent.load(), 1u);
}

TEST_F(FixOrderGatewayTest, ThePasswordNeverReachesTheMessageLog) {
  {
    Rig rig(venue_->fix_port(), dir_->sub("keel"));
    expect_session(rig, VenueSessionState::kLoggedOn);
    expect_session(rig, VenueSessionState::kVenueReconciled);
    rig.send(new_order(1, Side::kBuy, "100.00", "0.5"));
    expect_report(rig, ExecType::kNew, 1);
  }
  const std::string logs = read_all(dir_->sub("keel") + "/log");
  EXPECT_NE(logs.find("35=A"), std::string::npos) << "the Logon is logged";
  EXPECT_NE(logs.find("554=***"), std::string::npos);
  EXPECT_EQ(logs.find(kPassword), std::string::npos);
  EXPECT_EQ(read_all(dir_->sub("keel") + "/store").find(kPassword), std::string::npos)
      << "the store keeps sent application messages, never the Logon";
}

TEST_F(FixOrderGatewayTest, AWrongPasswordNeverLogsOn) {
  Rig rig(venue_->fix_port(), dir_->sub("keel"), "wrong");
  const auto deadline = std::chrono::steady_clock::now() + kWait;  // the venue has refused a Logon
  while (venue_->fix_stats().logon_refusals == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_GE(venue_->fix_stats().logon_refusals, 1u);
  std::this_thread::sleep_for(50ms);  // its Logout reached the gateway
  Event e;
  while (rig.session_events.try_pop(e)) EXPECT_NE(e.header.kind, EventKind::kControl) << "no logon, no logout";
  EXPECT_FALSE(rig.gateway->counters().logged_on.load());
  rig.send(new_order(1, Side::kBuy, "100.00", "0.5"));
  const ExecReport refused = expect_report(rig, ExecType::kRejected, 1);
  EXPECT_EQ(static_cast<RejectReason>(refused.header.detail), RejectReason::kNotSent);
}

TEST(FixOrderGatewaySettings, UnusableSettingsAreRefusedAtConstruction) {
  SpscRing<OrderCommand> commands{8};
  SpscRing<Event> a{8}, b{8};
  Doorbell bell;
  FixSessionSettings s;
  s.port = 1;
  s.sender_comp_id = "KEEL";
  s.target_comp_id = "KEEL/SIM";
  s.store_dir = "/tmp/keel_fixgw_never";
  EXPECT_THROW(FixOrderGateway(s, {}, ClOrdIdCodec(1), commands, bell, a, b, nullptr), std::invalid_argument);
  s.target_comp_id = "KEELSIM";
  s.store_dir.clear();
  EXPECT_THROW(FixOrderGateway(s, {}, ClOrdIdCodec(1), commands, bell, a, b, nullptr), std::invalid_argument);
}

TEST_F(FixOrderGatewayTest, ReconnectsAndLogsOnAgainAfterTheVenueRestarts) {
  Rig rig(venue_->fix_port(), dir_->sub("keel"));
  expect_session(rig, VenueSessionState::kLoggedOn);
  expect_session(rig, VenueSessionState::kVenueReconciled);
  const std::uint16_t port = venue_->fix_port();
  venue_.reset();
  expect_session(rig, VenueSessionState::kDown);
  sim::SimConfig again = venue_config(dir_->sub("venue"));
  again.fix_port = port;
  venue_ = std::make_unique<sim::Venue>(again);
  venue_->start();
  expect_session(rig, VenueSessionState::kLoggedOn);
  expect_session(rig, VenueSessionState::kVenueReconciled);
  rig.send(new_order(1, Side::kBuy, "100.00", "0.5"));
  expect_report(rig, ExecType::kNew, 1);
}

TEST_F(FixOrderGatewayTest, TheVenuesOrderListReportsOrdersThisRunDidNotSend) {
  {
    Rig earlier(venue_->fix_port(), dir_->sub("earlier"), kPassword, 1);  // another run's ClOrdIDs
    expect_session(earlier, VenueSessionState::kLoggedOn);
    expect_session(earlier, VenueSessionState::kVenueReconciled, 0.0);
    earlier.send(new_order(1, Side::kBuy, "100.00", "0.5"));
    expect_report(earlier, ExecType::kNew, 1);
    earlier.send(new_order(2, Side::kBuy, "99.00", "0.5"));
    expect_report(earlier, ExecType::kNew, 2);
  }  // logs out; both orders stay at the venue
  Rig rig(venue_->fix_port(), dir_->sub("keel"));
  expect_session(rig, VenueSessionState::kLoggedOn);
  expect_session(rig, VenueSessionState::kVenueReconciled, 2.0);  // OrderMassStatusRequest: two unknown
  EXPECT_EQ(rig.gateway->counters().unknown_orders.load(), 2u);
}
