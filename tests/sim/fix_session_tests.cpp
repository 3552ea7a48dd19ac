// FIX 4.4 acceptor end to end on loopback: a QuickFIX initiator in the same process logs on, sends
// orders (good and malformed) and reads what the acceptor answers (VENUE.md "Orders: FIX 4.4").
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "keel/protocol/fix/quickfix.hpp"
#include "fix_test_client.hpp"
#include "keel/sim/fix_acceptor.hpp"

namespace keel::sim {
namespace {

using test::ClientApp;
using protocol::fix::CompId;
using protocol::fix::FixClOrdId;
using protocol::fix::FixSymbol;

// Scratch directories of this program.
struct TempDir : test::TempDir {
  explicit TempDir(const std::string& name) : test::TempDir("keel_fix_", name) {}
};

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kWait = test::kFixWait;
constexpr const char* kVenue = "KEELSIM";

// The venue side: a handler that answers each order with a New execution and each cancel with an
// OrderCancelReject (unknown order).
class EchoHandler final : public FixOrderHandler {
 public:
  FixAcceptor* acceptor = nullptr;

  void on_new_order(const FixNewOrder& order) override {
    {
      std::lock_guard lock(mutex_);
      orders_.push_back(order);
    }
    FixExecReport r;
    r.session = order.session;
    const int id = ++next_id_;
    (void)r.order_id.assign("O" + std::to_string(id));
    (void)r.exec_id.assign("E" + std::to_string(id));
    r.cl_ord_id = order.cl_ord_id;
    r.symbol = order.symbol;
    r.side = order.side;
    r.exec_type = keel::ExecType::kNew;
    r.ord_status = keel::OrderStatus::kNew;
    r.leaves_qty = order.qty;
    EXPECT_TRUE(acceptor->send_execution_report(r));
  }
  void on_cancel(const FixCancel& cancel) override {
    FixCancelReject r;
    r.session = cancel.session;
    r.cl_ord_id = cancel.cl_ord_id;
    r.orig_cl_ord_id = cancel.orig_cl_ord_id;
    r.ord_status = keel::OrderStatus::kRejected;
    r.response_to = keel::OrderAction::kCancel;
    r.reason = keel::RejectReason::kUnknownOrder;
    r.text.assign_truncated("Unknown order");
    EXPECT_TRUE(acceptor->send_cancel_reject(r));
  }
  // Replaces and status requests are only recorded; each answers with an OrderStatus report so the
  // client knows the acceptor has handled it.
  void on_replace(const FixReplace& replace) override {
    {
      std::lock_guard lock(mutex_);
      replaces_.push_back(replace);
    }
    status_report(replace.session, replace.cl_ord_id, replace.symbol, replace.side);
  }
  void on_status_request(const FixStatusRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      status_requests_.push_back(request);
    }
    status_report(request.session, request.cl_ord_id, request.symbol, request.side);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    orders_.clear();
    replaces_.clear();
    status_requests_.clear();
    next_id_ = 0;
  }
  std::vector<FixNewOrder> orders() {
    std::lock_guard lock(mutex_);
    return orders_;
  }
  std::vector<FixReplace> replaces() {
    std::lock_guard lock(mutex_);
    return replaces_;
  }
  std::vector<FixStatusRequest> status_requests() {
    std::lock_guard lock(mutex_);
    return status_requests_;
  }

 private:
  std::mutex mutex_;
  void status_report(const CompId& session, const FixClOrdId& cl_ord_id, const FixSymbol& symbol,
                     Side side) {
    FixExecReport r;
    r.session = session;
    (void)r.order_id.assign("NONE");
    (void)r.exec_id.assign("S" + std::to_string(++next_id_));
    r.cl_ord_id = cl_ord_id;
    r.symbol = symbol;
    r.side = side;
    r.exec_type = keel::ExecType::kOrderStatus;
    r.ord_status = keel::OrderStatus::kRejected;
    EXPECT_TRUE(acceptor->send_execution_report(r));
  }

  std::vector<FixNewOrder> orders_;
  std::vector<FixReplace> replaces_;
  std::vector<FixStatusRequest> status_requests_;
  std::atomic<int> next_id_{0};
};

FIX::SessionSettings client_settings(const std::string& comp_id, std::uint16_t port,
                                     const std::string& store_dir, bool reset_on_logon) {
  FIX::Dictionary d;
  d.setString("ConnectionType", "initiator");
  d.setString("SocketConnectHost", "127.0.0.1");
  d.setInt("SocketConnectPort", port);
  d.setInt("HeartBtInt", 30);
  d.setInt("ReconnectInterval", 60);  // one attempt within a test
  d.setString("SocketNodelay", "Y");
  d.setString("FileStorePath", store_dir);
  d.setString("UseDataDictionary", "N");
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("ResetOnLogon", reset_on_logon ? "Y" : "N");  // Logon with ResetSeqNumFlag=Y
  FIX::SessionSettings s;
  s.set(FIX::SessionID("FIX.4.4", comp_id, kVenue), d);
  return s;
}

class Client {
 public:
  // reset_on_logon: log on with ResetSeqNumFlag=Y (both sides restart at 1), so clients with fresh
  // stores can follow one another on the shared acceptor.
  Client(const std::string& comp_id, const std::string& password, std::uint16_t port,
         const std::string& store_dir, bool reset_on_logon = true)
      : id_("FIX.4.4", comp_id, kVenue),
        app_(password),
        settings_(client_settings(comp_id, port, store_dir, reset_on_logon)),
        store_(settings_),
        initiator_(app_, store_, settings_) {
    initiator_.start();
  }
  // Forced: no Logout round trip (QuickFIX waits in whole seconds); stop() logs out properly.
  ~Client() { initiator_.stop(true); }

  ClientApp& app() { return app_; }
  void send(FIX::Message m) { ASSERT_TRUE(FIX::Session::sendToTarget(m, id_)); }
  void stop() { initiator_.stop(); }

 private:
  FIX::SessionID id_;
  ClientApp app_;
  FIX::SessionSettings settings_;
  FIX::FileStoreFactory store_;
  FIX::SocketInitiator initiator_;
};

// A valid limit NewOrderSingle; tests erase or overwrite fields to break it.
FIX::Message new_order(const std::string& cl_ord_id) {
  FIX::Message m;
  m.getHeader().setField(35, "D");
  m.setField(11, cl_ord_id);
  m.setField(1, "main");
  m.setField(55, "BTCUSDT");
  m.setField(54, "1");
  m.setField(38, "0.00150000");
  m.setField(40, "2");
  m.setField(44, "27123.45");
  m.setField(59, "1");
  m.setField(18, "6");
  m.setField(60, "20240102-03:04:05.678");
  return m;
}

// Polls pred until it holds or kWait passes; returns its last value. For state that another thread
// updates just after the event the test waited for.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string field(const FIX::Message& m, int tag) {
  return m.isSetField(tag) ? m.getField(tag) : "<absent>";
}
std::string type_of(const FIX::Message& m) {
  return m.getHeader().getField(35);
}

std::unique_ptr<FixAcceptor> make_acceptor(const std::string& store_dir, EchoHandler& handler) {
  FixAcceptorConfig config;
  config.comp_id = kVenue;
  config.accounts = {{"ALICE", "secret"}, {"BOB", ""}};
  config.store_dir = store_dir;
  auto acceptor = std::make_unique<FixAcceptor>(config, handler);
  handler.acceptor = acceptor.get();
  acceptor->start();
  return acceptor;
}

std::string test_name() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// One acceptor for the whole suite (QuickFIX's stop and thread join cost about a second each);
// every test's client logs on with ResetSeqNumFlag=Y and its own store.
class FixSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("suite");
    handler_ = new EchoHandler;
    acceptor_ = make_acceptor(dir_->sub("venue"), *handler_).release();
  }
  static void TearDownTestSuite() {
    delete acceptor_;
    delete handler_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(acceptor_->port(), 0);
    handler_->clear();
    // The previous test's client may still be disconnecting on the venue's side.
    ASSERT_TRUE(eventually(
        [] { return !acceptor_->is_logged_on("ALICE") && !acceptor_->is_logged_on("BOB"); }));
    client_dir_ = dir_->sub(test_name());
  }

  static inline TempDir* dir_ = nullptr;
  static inline EchoHandler* handler_ = nullptr;
  static inline FixAcceptor* acceptor_ = nullptr;
  std::string client_dir_;
};

TEST_F(FixSessionTest, KnownCompIdLogsOnAndOrderGetsExecutionReport) {
  Client client("ALICE", "secret", acceptor_->port(), client_dir_);
  ASSERT_TRUE(client.app().wait_logon());
  EXPECT_TRUE(eventually([&] { return acceptor_->is_logged_on("ALICE"); }));

  client.send(new_order("ord-1"));
  const auto er = client.app().next();
  ASSERT_TRUE(er.has_value());
  EXPECT_EQ(type_of(*er), "8");
  EXPECT_EQ(field(*er, 37), "O1");
  EXPECT_EQ(field(*er, 17), "E1");
  EXPECT_EQ(field(*er, 11), "ord-1");
  EXPECT_EQ(field(*er, 55), "BTCUSDT");
  EXPECT_EQ(field(*er, 54), "1");
  EXPECT_EQ(field(*er, 150), "0");
  EXPECT_EQ(field(*er, 39), "0");
  EXPECT_EQ(field(*er, 14), "0");
  EXPECT_EQ(field(*er, 151), "0.0015");
  EXPECT_EQ(field(*er, 6), "0");
  EXPECT_EQ(field(*er, 41), "<absent>");
  EXPECT_EQ(field(*er, 31), "<absent>");

  const auto orders = handler_->orders();
  ASSERT_EQ(orders.size(), 1u);
  const FixNewOrder& o = orders[0];
  EXPECT_EQ(o.session.view(), "ALICE");
  EXPECT_EQ(o.cl_ord_id.view(), "ord-1");
  EXPECT_EQ(o.account.view(), "main");
  EXPECT_EQ(o.symbol.view(), "BTCUSDT");
  EXPECT_EQ(o.side, keel::Side::kBuy);
  EXPECT_EQ(o.qty, Qty::from_raw(150'000));
  EXPECT_EQ(o.ord_type, keel::OrderType::kLimit);
  EXPECT_EQ(o.price, Price::from_raw(2'712'345'000'000));
  EXPECT_EQ(o.time_in_force, keel::TimeInForce::kGtc);
  EXPECT_TRUE(o.post_only);
  EXPECT_EQ(o.transact_time_ns, 1'704'164'645'678'000'000);

  FIX::Message cancel;
  cancel.getHeader().setField(35, "F");
  cancel.setField(11, "cxl-1");
  cancel.setField(41, "nope");
  cancel.setField(55, "BTCUSDT");
  cancel.setField(54, "2");
  client.send(cancel);
  const auto rej = client.app().next();
  ASSERT_TRUE(rej.has_value());
  EXPECT_EQ(type_of(*rej), "9");
  EXPECT_EQ(field(*rej, 37), "NONE");
  EXPECT_EQ(field(*rej, 11), "cxl-1");
  EXPECT_EQ(field(*rej, 41), "nope");
  EXPECT_EQ(field(*rej, 39), "8");
  EXPECT_EQ(field(*rej, 434), "1");
  EXPECT_EQ(field(*rej, 102), "1");
  EXPECT_EQ(field(*rej, 58), "Unknown order");
}

TEST_F(FixSessionTest, AccountWithoutPasswordLogsOn) {
  Client client("BOB", "", acceptor_->port(), client_dir_);
  EXPECT_TRUE(client.app().wait_logon());
}

TEST_F(FixSessionTest, UnknownCompIdIsRefused) {
  Client client("MALLORY", "secret", acceptor_->port(), client_dir_);
  EXPECT_FALSE(client.app().wait_logon());
  EXPECT_FALSE(client.app().logged_on());
}

TEST_F(FixSessionTest, WrongPasswordIsRefused) {
  Client client("ALICE", "guess", acceptor_->port(), client_dir_);
  EXPECT_FALSE(client.app().wait_logon());
  EXPECT_FALSE(acceptor_->is_logged_on("ALICE"));
}

TEST_F(FixSessionTest, MissingPasswordIsRefused) {
  Client client("ALICE", "", acceptor_->port(), client_dir_);
  EXPECT_FALSE(client.app().wait_logon());
}

// Each malformed order gets a session Reject naming the tag; the session stays up.
TEST_F(FixSessionTest, MalformedOrdersAreRejectedAndSessionStaysUp) {
  Client client("ALICE", "secret", acceptor_->port(), client_dir_);
  ASSERT_TRUE(client.app().wait_logon());

  struct Case {
    int tag;
    const char* value;  // nullptr = remove the tag
    const char* reason;
  };
  const Case cases[] = {
      {38, nullptr, "1"},
      {54, "7", "5"},
      {44, "abc", "6"},
      {40, "9", "5"},
      {59, "0", "5"},
      {38, "1e3", "6"},
      {11, nullptr, "1"},
      {60, "yesterday", "6"},
      {11, "0123456789012345678901234567890123456", "5"},  // 37 characters
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("tag " + std::to_string(c.tag));
    FIX::Message m = new_order("bad");
    if (c.value == nullptr) {
      m.removeField(c.tag);
    } else {
      m.setField(c.tag, c.value);
    }
    client.send(m);
    const auto r = client.app().next();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(type_of(*r), "3");
    EXPECT_EQ(field(*r, 373), c.reason);
    EXPECT_EQ(field(*r, 371), std::to_string(c.tag));
    EXPECT_EQ(field(*r, 372), "D");
    EXPECT_NE(field(*r, 45), "<absent>");
  }

  FIX::Message unsupported;
  unsupported.getHeader().setField(35, "V");  // MarketDataRequest: not served on the order port
  unsupported.setField(262, "md-1");
  client.send(unsupported);
  const auto j = client.app().next();
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(type_of(*j), "j");
  EXPECT_EQ(field(*j, 372), "V");
  EXPECT_EQ(field(*j, 380), "3");

  EXPECT_TRUE(client.app().logged_on());
  EXPECT_TRUE(handler_->orders().empty());
  client.send(new_order("good"));
  const auto er = client.app().next();
  ASSERT_TRUE(er.has_value());
  EXPECT_EQ(type_of(*er), "8");
  EXPECT_EQ(field(*er, 11), "good");
  EXPECT_TRUE(client.app().logged_on());
}

TEST_F(FixSessionTest, ReplaceAndStatusRequestAreDecoded) {
  Client client("ALICE", "secret", acceptor_->port(), client_dir_);
  ASSERT_TRUE(client.app().wait_logon());

  FIX::Message replace;
  replace.getHeader().setField(35, "G");
  replace.setField(11, "ord-2");
  replace.setField(41, "ord-1");
  replace.setField(55, "BTCUSDT");
  replace.setField(54, "2");
  replace.setField(38, "2");
  replace.setField(40, "1");  // market: no Price needed
  client.send(replace);
  auto r = client.app().next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(type_of(*r), "8");
  EXPECT_EQ(field(*r, 150), "I");

  replace.removeField(41);  // OrigClOrdID is required
  client.send(replace);
  r = client.app().next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(type_of(*r), "3");
  EXPECT_EQ(field(*r, 371), "41");

  FIX::Message status;
  status.getHeader().setField(35, "H");
  status.setField(11, "ord-2");
  status.setField(55, "ETHUSDT");
  status.setField(54, "1");
  client.send(status);
  r = client.app().next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(type_of(*r), "8");

  const auto replaces = handler_->replaces();
  ASSERT_EQ(replaces.size(), 1u);
  EXPECT_EQ(replaces[0].session.view(), "ALICE");
  EXPECT_EQ(replaces[0].cl_ord_id.view(), "ord-2");
  EXPECT_EQ(replaces[0].orig_cl_ord_id.view(), "ord-1");
  EXPECT_EQ(replaces[0].side, keel::Side::kSell);
  EXPECT_EQ(replaces[0].qty, Qty::from_units(2));
  EXPECT_EQ(replaces[0].ord_type, keel::OrderType::kMarket);
  EXPECT_EQ(replaces[0].price, Price{});
  const auto requests = handler_->status_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].cl_ord_id.view(), "ord-2");
  EXPECT_EQ(requests[0].symbol.view(), "ETHUSDT");
  EXPECT_EQ(requests[0].side, keel::Side::kBuy);
}

// send_execution_report from several threads at once: every report arrives, in one gap-free
// sequence.
TEST_F(FixSessionTest, ReportsFromManyThreadsAllArrive) {
  Client client("ALICE", "secret", acceptor_->port(), client_dir_);
  ASSERT_TRUE(client.app().wait_logon());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) {
        FixExecReport r;
        (void)r.session.assign("ALICE");
        // append, not "T" + std::string: GCC 12 at -O3 reports a bogus -Wrestrict there (bug 105329)
        const std::string order_id = std::string("T").append(std::to_string(t));
        (void)r.order_id.assign(order_id);
        (void)r.exec_id.assign(std::string(order_id).append("-").append(std::to_string(i)));
        (void)r.cl_ord_id.assign("c");
        (void)r.symbol.assign("BTCUSDT");
        r.side = keel::Side::kBuy;
        r.exec_type = keel::ExecType::kOrderStatus;
        r.ord_status = keel::OrderStatus::kNew;
        EXPECT_TRUE(acceptor_->send_execution_report(r));
      }
    });
  }
  for (auto& th : threads) th.join();
  int previous_seq = 0;
  for (int n = 0; n < kThreads * kPerThread; ++n) {
    const auto r = client.app().next();
    ASSERT_TRUE(r.has_value()) << "after " << n << " reports";
    const int seq = std::stoi(r->getHeader().getField(34));
    if (previous_seq != 0) {
      EXPECT_EQ(seq, previous_seq + 1);
    }
    previous_seq = seq;
  }
  FixExecReport unknown;
  (void)unknown.session.assign("NOBODY");
  EXPECT_FALSE(acceptor_->send_execution_report(unknown));
}

// Its own acceptor, restarted on the same store directory; clients do not reset sequence numbers.
class FixRestartTest : public ::testing::Test {
 protected:
  TempDir dir_{test_name()};
  EchoHandler handler_;
  std::unique_ptr<FixAcceptor> acceptor_ = make_acceptor(dir_.sub("venue"), handler_);
};

// A restarted acceptor on the same store directory resumes both sequence numbers.
TEST_F(FixRestartTest, SequenceNumbersResumeAfterRestart) {
  {
    Client client("ALICE", "secret", acceptor_->port(), dir_.sub("client"), false);
    ASSERT_TRUE(client.app().wait_logon());
    client.send(new_order("ord-1"));
    ASSERT_TRUE(client.app().next().has_value());
    client.stop();
  }
  // The venue's side disconnects after answering the Logout: its numbers are final then.
  ASSERT_TRUE(eventually([&] { return !acceptor_->is_logged_on("ALICE"); }));
  const auto before = acceptor_->sequence_numbers("ALICE");
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(before->next_sender, 4);  // Logon, ExecutionReport, Logout
  EXPECT_GE(before->next_target, 4);  // Logon, NewOrderSingle, Logout

  acceptor_.reset();
  acceptor_ = make_acceptor(dir_.sub("venue"), handler_);
  const auto after = acceptor_->sequence_numbers("ALICE");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->next_sender, before->next_sender);
  EXPECT_EQ(after->next_target, before->next_target);

  Client client("ALICE", "secret", acceptor_->port(), dir_.sub("client"), false);
  ASSERT_TRUE(client.app().wait_logon());
  client.send(new_order("ord-2"));
  const auto er = client.app().next();
  ASSERT_TRUE(er.has_value());
  // The Logon answer took before->next_sender, so the report carries the number after it.
  EXPECT_EQ(er->getHeader().getField(34), std::to_string(before->next_sender + 1));
}

TEST(FixAcceptorConfigTest, InvalidConfigurationThrows) {
  EchoHandler handler;
  FixAcceptorConfig config;
  EXPECT_THROW(FixAcceptor(config, handler), std::invalid_argument);  // no store_dir
  config.store_dir = "/tmp/unused";
  config.accounts = {{"A", ""}, {"A", "x"}};
  EXPECT_THROW(FixAcceptor(config, handler), std::invalid_argument);
}

}  // namespace
}  // namespace keel::sim
