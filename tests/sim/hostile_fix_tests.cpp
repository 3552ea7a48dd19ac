// The FIX port under attack (issue 9): raw-socket clients on loopback send what a hostile or broken
// client would, and each test checks that the venue neither crashes nor stalls nor lets one client
// touch another account's session — and that every refusal is counted. Every loop is bounded in
// count and time; connection counts are scaled down through the acceptor's limits.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fix_test_client.hpp"
#include "keel/sim/fix_acceptor.hpp"
#include "keel/sim/venue.hpp"
#include "raw_fix_client.hpp"

namespace keel::sim {
namespace {

using namespace std::chrono_literals;
using ::keel::test::FixFields;
using ::keel::test::RawFixClient;
using ::keel::test::fix_field;
using ::keel::test::fix_message;
using ::keel::test::fix_utc_now;

constexpr auto kWait = 10s;  // generous: a slow or sanitizer build must not fail a test

struct TempDir : test::TempDir {
  explicit TempDir(const std::string& name) : test::TempDir("keel_hostile_fix_", name) {}
};

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Answers every NewOrderSingle with `reports_per_order` New execution reports (padded with Text).
class ReportingHandler final : public FixOrderHandler {
 public:
  FixAcceptor* acceptor = nullptr;
  int reports_per_order = 1;
  std::atomic<int> orders{0};

  void on_new_order(const FixNewOrder& order) override {
    ++orders;
    for (int i = 0; i < reports_per_order; ++i) {
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
      r.text.assign_truncated("padding padding padding padding padding padding");
      acceptor->send_execution_report(r);
    }
  }
  void on_cancel(const FixCancel&) override {}
  void on_replace(const FixReplace&) override {}
  void on_status_request(const FixStatusRequest&) override {}

 private:
  std::atomic<int> next_id_{0};
};

FixFields order_fields(const std::string& id) {
  return {{11, id}, {55, "BTCUSDT"}, {54, "1"}, {38, "0.001"}, {40, "2"}, {44, "27000"}, {59, "1"},
          {60, fix_utc_now()}};
}

class HostileFixTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = std::make_unique<TempDir>(test_name()); }
  void TearDown() override {
    acceptor_.reset();
    dir_.reset();
  }

  FixAcceptor& start(FixAcceptorLimits limits = {}, std::string bind = "127.0.0.1") {
    FixAcceptorConfig config;
    config.comp_id = "KEELSIM";
    config.bind_address = std::move(bind);
    config.accounts = {{"ALICE", "secret"}, {"BOB", ""}};
    config.store_dir = dir_->sub("venue");
    config.limits = limits;
    acceptor_ = std::make_unique<FixAcceptor>(config, handler_);
    handler_.acceptor = acceptor_.get();
    acceptor_->start();
    return *acceptor_;
  }

  // Logs on; true when the venue answered with a Logon.
  static bool logon(RawFixClient& c, const std::string& comp_id, const std::string& password = "",
                    bool reset = true, const std::string& heartbeat = "30") {
    FixFields f = {{98, "0"}, {108, heartbeat}};
    if (reset) f.emplace_back(141, "Y");
    if (!password.empty()) f.emplace_back(554, password);
    if (!c.send("A", comp_id, f)) return false;
    return c.read_type("A").has_value();
  }

  // One order round trip on a logged-on client: true when its ExecutionReport arrives.
  static bool round_trip(RawFixClient& c, const std::string& comp_id, const std::string& id) {
    if (!c.send("D", comp_id, order_fields(id))) return false;
    const auto report = c.read_type("8");
    return report && fix_field(*report, 11) == id;
  }

  ReportingHandler handler_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<FixAcceptor> acceptor_;
};

// Item 1: QuickFIX's select() aborted the process once a descriptor reached FD_SETSIZE (1024). The
// test pushes the venue's descriptors past 1024 with cheap /dev/null handles, then opens more
// connections than the cap: the excess is refused and counted, the logged-on session keeps trading.
TEST_F(HostileFixTest, ConnectionsBeyondTheCapAreRefusedAndDescriptorsAbove1024Work) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 1300 && limit.rlim_max >= 1300) {
    limit.rlim_cur = 1300;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  if (limit.rlim_cur < 1300) GTEST_SKIP() << "needs 1,300 descriptors; the hard limit is " << limit.rlim_max;
  std::vector<int> ballast;
  for (int i = 0; i < 1100; ++i) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    ballast.push_back(fd);
  }
  ASSERT_GE(ballast.size(), 1100u);
  FixAcceptorLimits limits;
  limits.max_connections = 8;
  FixAcceptor& acceptor = start(limits);

  RawFixClient alice(acceptor.port());
  ASSERT_TRUE(alice.connected());
  ASSERT_TRUE(logon(alice, "ALICE", "secret"));
  std::vector<std::unique_ptr<RawFixClient>> idle;
  for (int i = 0; i < 30; ++i) idle.push_back(std::make_unique<RawFixClient>(acceptor.port()));
  // Silent connections make room for newer ones; the logged-on session is never the one to go.
  const auto turned_away = [&] {
    const FixAcceptorStats s = acceptor.stats();
    return s.refused_connections + s.evicted_before_logon;
  };
  EXPECT_TRUE(eventually([&] { return turned_away() >= 23; })) << turned_away();
  EXPECT_LE(acceptor.stats().open_connections, 8u);
  EXPECT_TRUE(round_trip(alice, "ALICE", "after-flood"));
  // And an account can still log on while the cap is full of silent sockets.
  RawFixClient bob(acceptor.port());
  EXPECT_TRUE(logon(bob, "BOB"));
  EXPECT_TRUE(round_trip(bob, "BOB", "bob-after-flood"));
  for (const int fd : ballast) ::close(fd);
}

// Item 1: out of descriptors, accept() fails with EMFILE; the venue must refuse (and count) the
// connection instead of spinning on a listener that stays readable, and keep serving its sessions.
TEST_F(HostileFixTest, DescriptorExhaustionIsRefusedWithoutSpinning) {
  FixAcceptor& acceptor = start();
  RawFixClient alice(acceptor.port());
  ASSERT_TRUE(logon(alice, "ALICE", "secret"));

  // The client sockets exist before the limit drops; then every free descriptor below the limit is
  // taken, so the venue's accept() can only fail with EMFILE (its spare descriptor aside).
  constexpr int kClients = 20;
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> ballast;
  for (int i = 0; i < 256; ++i) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    ballast.push_back(fd);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(acceptor.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const int fd : clients) ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const bool refused = eventually([&] { return acceptor.stats().refused_connections >= kClients; });

  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(1s);
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  const auto cpu_us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
  };
  for (const int fd : ballast) ::close(fd);
  for (const int fd : clients) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);

  EXPECT_TRUE(refused) << "refused " << acceptor.stats().refused_connections;
  // A spinning network thread burns a whole core: ≥ 1 s of CPU in that second. Idle is ~0.
  EXPECT_LT(cpu_us(after) - cpu_us(before), 600'000L);
  EXPECT_TRUE(round_trip(alice, "ALICE", "after-exhaustion"));
}

// Item 2: a HeartBtInt QuickFIX cannot parse ended in an uncaught exception (process abort).
TEST_F(HostileFixTest, HeartBtIntThatIsNotAPlainPositiveIntegerIsRefused) {
  FixAcceptor& acceptor = start();
  const std::vector<std::string> bad = {"abc", " 30", "+30", "30.5", "1e3", "0", "-5", "", "99999999999999999999"};
  for (const std::string& value : bad) {
    SCOPED_TRACE("HeartBtInt '" + value + "'");
    RawFixClient c(acceptor.port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send("A", "BOB", {{98, "0"}, {108, value}, {141, "Y"}}));
    const auto logout = c.read_type("5");
    ASSERT_TRUE(logout.has_value());
    EXPECT_NE(fix_field(*logout, 58).find("HeartBtInt"), std::string::npos) << *logout;
    EXPECT_TRUE(c.wait_closed());
  }
  EXPECT_EQ(acceptor.stats().logon_refusals, bad.size());
  RawFixClient good(acceptor.port());
  EXPECT_TRUE(logon(good, "BOB"));
  EXPECT_TRUE(round_trip(good, "BOB", "ok"));
}

// Item 3: QuickFIX reset the store on 141=Y before checking the password, wiping the account's
// sequence numbers and the reports stored for it while it was offline.
TEST_F(HostileFixTest, FailedLogonWithResetFlagChangesNothing) {
  FixAcceptor& acceptor = start();
  {
    RawFixClient alice(acceptor.port());
    ASSERT_TRUE(logon(alice, "ALICE", "secret"));
    ASSERT_TRUE(round_trip(alice, "ALICE", "first"));
    ASSERT_TRUE(alice.send("5", "ALICE", {}));
    EXPECT_TRUE(alice.read_type("5").has_value());
    EXPECT_TRUE(alice.wait_closed());
  }
  ASSERT_TRUE(eventually([&] { return !acceptor.is_logged_on("ALICE"); }));
  // A report for the offline account: stored, to be resent.
  FixExecReport stored;
  (void)stored.session.assign("ALICE");
  (void)stored.order_id.assign("O-offline");
  (void)stored.exec_id.assign("E-offline");
  (void)stored.cl_ord_id.assign("first");
  (void)stored.symbol.assign("BTCUSDT");
  stored.side = Side::kBuy;
  stored.exec_type = keel::ExecType::kFill;
  stored.ord_status = keel::OrderStatus::kFilled;
  EXPECT_TRUE(acceptor.send_execution_report(stored));  // not delivered now: stored for a resend
  const auto before = acceptor.sequence_numbers("ALICE");
  ASSERT_TRUE(before.has_value());

  for (const std::string& password : {std::string("wrong"), std::string()}) {
    RawFixClient thief(acceptor.port());
    FixFields f = {{98, "0"}, {108, "30"}, {141, "Y"}};
    if (!password.empty()) f.emplace_back(554, password);
    ASSERT_TRUE(thief.send("A", "ALICE", f));
    const auto logout = thief.read_type("5");
    ASSERT_TRUE(logout.has_value());
    EXPECT_EQ(fix_field(*logout, 58), "unknown account or wrong password") << *logout;
    EXPECT_EQ(fix_field(*logout, 34), "1") << "a stranger learns nothing of the session";
    EXPECT_TRUE(thief.wait_closed());
  }
  const auto after = acceptor.sequence_numbers("ALICE");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->next_sender, before->next_sender);
  EXPECT_EQ(after->next_target, before->next_target);

  // The real ALICE resumes without a reset and gets the stored report on resend.
  RawFixClient alice(acceptor.port());
  alice.next_seq = before->next_target;
  ASSERT_TRUE(logon(alice, "ALICE", "secret", /*reset=*/false));
  ASSERT_TRUE(alice.send("2", "ALICE", {{7, std::to_string(before->next_sender - 1)}, {16, "0"}}));
  const auto resent = alice.read_type("8");
  ASSERT_TRUE(resent.has_value());
  EXPECT_EQ(fix_field(*resent, 37), "O-offline");
  EXPECT_EQ(fix_field(*resent, 43), "Y");
}

// Item 4: the port listened on every interface whatever venue.bind said.
TEST_F(HostileFixTest, BindsExactlyTheConfiguredAddress) {
  FixAcceptor& acceptor = start();
  EXPECT_EQ(acceptor.bound_address(), "127.0.0.1");
  RawFixClient same(acceptor.port(), "127.0.0.1");
  EXPECT_TRUE(same.connected());
  // 127.0.0.2 is this machine too (all of 127/8 is loopback), but not the bound address.
  RawFixClient other(acceptor.port(), "127.0.0.2");
  EXPECT_FALSE(other.connected());
  EXPECT_EQ(other.connect_errno(), ECONNREFUSED);
}

TEST_F(HostileFixTest, BindsIpv6LoopbackOnly) {
  const int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool have_v6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (probe >= 0) ::close(probe);
  if (!have_v6) GTEST_SKIP() << "no IPv6 loopback on this machine";
  FixAcceptor& acceptor = start({}, "::1");
  EXPECT_EQ(acceptor.bound_address(), "::1");
  RawFixClient v6(acceptor.port(), "::1");
  ASSERT_TRUE(v6.connected());
  EXPECT_TRUE(logon(v6, "BOB"));
  RawFixClient v4(acceptor.port(), "127.0.0.1");
  EXPECT_FALSE(v4.connected());
}

TEST_F(HostileFixTest, BindAddressMustBeNumeric) {
  FixAcceptorConfig config;
  config.accounts = {{"BOB", ""}};
  config.store_dir = dir_->sub("venue");
  for (const char* bad : {"localhost", "", "127.0.0.1:9000", "0.0.0.0 "}) {
    config.bind_address = bad;
    EXPECT_THROW(FixAcceptor(config, handler_), std::invalid_argument) << bad;
  }
}

// Item 5: bytes without "8=" were buffered without limit before Logon, and rescanning them stalled
// every session (a logged-on round trip went from 0.3 ms to 19 s).
TEST_F(HostileFixTest, GarbageBeforeLogonIsCappedAndDoesNotStallOtherSessions) {
  FixAcceptor& acceptor = start();
  RawFixClient bob(acceptor.port());
  ASSERT_TRUE(logon(bob, "BOB"));

  RawFixClient junk(acceptor.port());
  const std::string chunk(64 * 1024, 'x');
  int sent = 0;
  for (; sent < 64; ++sent) {  // up to 4 MiB; the venue closes long before
    if (!junk.send_raw(chunk, 2s)) break;
  }
  EXPECT_TRUE(junk.wait_closed());
  EXPECT_LT(sent, 64);
  EXPECT_GE(acceptor.stats().prelogon_overflows, 1u);
  EXPECT_TRUE(round_trip(bob, "BOB", "after-junk"));

  // A header that claims a huge body is not waited for either.
  RawFixClient huge(acceptor.port());
  ASSERT_TRUE(huge.send_raw("8=FIX.4.4\x01" "9=99999999\x01" "35=A\x01"));
  ASSERT_TRUE(huge.send_raw(std::string(8 * 1024, 'y')));
  EXPECT_TRUE(huge.wait_closed());
  EXPECT_GE(acceptor.stats().prelogon_overflows, 2u);
}

TEST_F(HostileFixTest, SilentConnectionIsClosedAtTheLogonDeadline) {
  FixAcceptorLimits limits;
  limits.logon_timeout_s = 1;
  FixAcceptor& acceptor = start(limits);
  RawFixClient silent(acceptor.port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.wait_closed(5s));
  EXPECT_EQ(acceptor.stats().logon_timeouts, 1u);
}

TEST_F(HostileFixTest, FirstMessageMustBeALogonAndUnknownCompIdsAreRefused) {
  FixAcceptor& acceptor = start();
  {
    RawFixClient c(acceptor.port());
    ASSERT_TRUE(c.send("D", "BOB", order_fields("early")));
    EXPECT_TRUE(c.wait_closed());
  }
  {
    RawFixClient c(acceptor.port());
    ASSERT_TRUE(c.send("A", "MALLORY", {{98, "0"}, {108, "30"}}));
    const auto logout = c.read_type("5");
    ASSERT_TRUE(logout.has_value());
    EXPECT_EQ(fix_field(*logout, 56), "MALLORY");
    EXPECT_TRUE(c.wait_closed());
  }
  {
    // A second connection for a logged-on account does not take its session over.
    RawFixClient bob(acceptor.port());
    ASSERT_TRUE(logon(bob, "BOB"));
    RawFixClient twin(acceptor.port());
    ASSERT_TRUE(twin.send("A", "BOB", {{98, "0"}, {108, "30"}, {141, "Y"}}));
    const auto logout = twin.read_type("5");
    ASSERT_TRUE(logout.has_value());
    EXPECT_NE(fix_field(*logout, 58).find("already"), std::string::npos);
    EXPECT_TRUE(round_trip(bob, "BOB", "still-mine"));
  }
  EXPECT_EQ(handler_.orders.load(), 1);
}

// Item 8: a client that sends and never reads grew the venue's memory without bound.
TEST_F(HostileFixTest, ClientThatNeverReadsIsDisconnectedAtTheOutboundBound) {
  FixAcceptorLimits limits;
  limits.max_outbound_bytes = 256 * 1024;
  FixAcceptor& acceptor = start(limits);
  handler_.reports_per_order = 8;
  RawFixClient hog(acceptor.port(), "127.0.0.1", /*rcvbuf=*/4096);
  ASSERT_TRUE(logon(hog, "BOB"));
  // Each order brings ~2.5 KB of reports; the kernel's socket buffers take a few MB, then the
  // venue's own buffer fills. Bounded: at most 20,000 orders or 60 s.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  int sent = 0;
  while (sent < 20'000 && acceptor.stats().outbound_overflows == 0 && std::chrono::steady_clock::now() < deadline) {
    if (!hog.send("D", "BOB", order_fields("hog" + std::to_string(sent)))) break;
    ++sent;
  }
  EXPECT_TRUE(eventually([&] { return acceptor.stats().outbound_overflows >= 1; }))
      << "sent " << sent << " orders";
  EXPECT_TRUE(eventually([&] { return !acceptor.is_logged_on("BOB"); }));
  // The account can come back: orders counted on both sides match what was sent before the cut.
  RawFixClient again(acceptor.port());
  ASSERT_TRUE(logon(again, "BOB"));
  EXPECT_TRUE(round_trip(again, "BOB", "back"));
  EXPECT_LE(handler_.orders.load(), sent + 1);
}

// Item 12: a ResendRequest with BeginSeqNo -1 was answered with MsgSeqNum -1.
TEST_F(HostileFixTest, ResendRequestWithBadRangeIsRejected) {
  FixAcceptor& acceptor = start();
  RawFixClient bob(acceptor.port());
  ASSERT_TRUE(logon(bob, "BOB"));
  const struct {
    const char* begin;
    const char* end;
    const char* ref_tag;
  } cases[] = {{"-1", "0", "7"}, {"abc", "0", "7"}, {"0", "0", "7"},     {"2", "1", "16"},
               {"1", "-3", "16"}, {"999", "0", "7"}, {"2147483647", "0", "7"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string("7=") + c.begin + " 16=" + c.end);
    ASSERT_TRUE(bob.send("2", "BOB", {{7, c.begin}, {16, c.end}}));
    const auto reject = bob.read_type("3");
    ASSERT_TRUE(reject.has_value());
    EXPECT_EQ(fix_field(*reject, 371), c.ref_tag) << *reject;
    EXPECT_EQ(fix_field(*reject, 373), "5") << *reject;
  }
  EXPECT_EQ(bob.received().find("\x01" "34=-"), std::string::npos);
  EXPECT_TRUE(round_trip(bob, "BOB", "after-resends"));
}

TEST_F(HostileFixTest, GarbledMessagesAfterLogonAreDroppedAndTheSessionGoesOn) {
  FixAcceptor& acceptor = start();
  RawFixClient bob(acceptor.port());
  ASSERT_TRUE(logon(bob, "BOB"));
  std::string bad = fix_message({{35, "D"}, {49, "BOB"}, {56, "KEELSIM"}, {34, "2"}, {52, fix_utc_now()}});
  bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';  // wrong checksum
  ASSERT_TRUE(bob.send_raw(bad));
  ASSERT_TRUE(bob.send_raw("8=FIX.4.4\x01" "9=99999999\x01" "garbage-without-a-message"));
  EXPECT_TRUE(eventually([&] { return acceptor.stats().garbled_messages >= 2; }));
  EXPECT_TRUE(round_trip(bob, "BOB", "after-garbled"));
}

TEST_F(HostileFixTest, StopCompletesInBoundedTimeWhateverTheClientsDo) {
  FixAcceptor& acceptor = start();
  RawFixClient bob(acceptor.port(), "127.0.0.1", 4096);
  ASSERT_TRUE(logon(bob, "BOB"));
  RawFixClient silent(acceptor.port());
  RawFixClient half(acceptor.port());
  ASSERT_TRUE(half.send_raw("8=FIX.4.4\x01" "9=50\x01" "35=A"));
  const auto t0 = std::chrono::steady_clock::now();
  acceptor.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(bob.read_type("5").has_value());  // told why
  EXPECT_TRUE(bob.wait_closed());
}

// ---- the Venue around the acceptor ----

SimConfig venue_config(const std::string& bind, bool with_password) {
  std::string toml =
      "[venue]\ncomp_id = \"KEELSIM\"\nbind = \"" + bind +
      "\"\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\n" +
      std::string(with_password ? "password = \"pw\"\n" : "") + "balances = { USDT = \"1000\" }\n";
  return parse_sim_config(toml, "hostile.toml");
}

// Item 1 through the venue: [venue] max_fix_connections caps the FIX port.
TEST(HostileVenueTest, FixConnectionCapComesFromTheConfig) {
  SimConfig config = venue_config("127.0.0.1", true);
  config.max_fix_connections = 2;
  Venue venue(config);
  venue.start();
  std::vector<std::unique_ptr<RawFixClient>> clients;
  for (int i = 0; i < 6; ++i) clients.push_back(std::make_unique<RawFixClient>(venue.fix_port()));
  // Six silent connections through a cap of two: four make room for newer ones.
  EXPECT_TRUE(eventually([&] { return venue.fix_stats().evicted_before_logon >= 4; }))
      << venue.fix_stats().evicted_before_logon;
  EXPECT_LE(venue.fix_stats().open_connections, 2u);
}

// Item 10: every run left /tmp/keel_sim_fix_<pid>_<n> behind.
TEST(HostileVenueTest, TemporaryFixStoreIsRemovedWithTheVenue) {
  namespace fs = std::filesystem;
  const std::string prefix = "keel_sim_fix_" + std::to_string(::getpid()) + "_";
  const auto leftovers = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path())) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
    }
    return n;
  };
  const int before = leftovers();
  {
    Venue venue(venue_config("127.0.0.1", true));
    venue.start();
    EXPECT_EQ(leftovers(), before + 1);
  }
  EXPECT_EQ(leftovers(), before);
}

// Item 4: the ready line names what was bound, and an account without a password reachable from
// outside loopback is warned about.
TEST(HostileVenueTest, ReadyLineNamesTheBoundAddressesAndExposureIsWarned) {
  {
    Venue venue(venue_config("127.0.0.1", false));
    venue.start();
    EXPECT_EQ(venue.ready_line(), "ready http=http://127.0.0.1:" + std::to_string(venue.http_port()) +
                                      " fix=127.0.0.1:" + std::to_string(venue.fix_port()));
    EXPECT_TRUE(Venue::security_warnings(venue_config("127.0.0.1", false)).empty());
  }
  const auto open = Venue::security_warnings(venue_config("0.0.0.0", false));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_NE(open[0].find("ALICE"), std::string::npos) << open[0];
  EXPECT_NE(open[0].find("0.0.0.0"), std::string::npos) << open[0];
  EXPECT_TRUE(Venue::security_warnings(venue_config("0.0.0.0", true)).empty());
  EXPECT_FALSE(Venue::security_warnings(venue_config("::", false)).empty());
  EXPECT_TRUE(Venue::security_warnings(venue_config("::1", false)).empty());
}

}  // namespace
}  // namespace keel::sim
