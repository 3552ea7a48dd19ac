// WsClient (the feed client) against keel's own market-data server on loopback, plus two tiny
// plain-socket servers written here for what the simulator never does (an upgrade that never comes,
// binary and fragmented frames). Real sockets, no mocks. Timing assertions are lower bounds only,
// or counts in the client's own statistics, so that a slow machine cannot fail them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../support/tls_cert.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/gateway/ws_client.hpp"
#include "keel/protocol/binance/control.hpp"
#include "keel/sim/market_data_server.hpp"

namespace keel::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Polls `pred` every 5 ms for up to `wait`.
bool wait_for(const std::function<bool()>& pred, milliseconds wait = milliseconds(10'000)) {
  const auto until = Clock::now() + wait;
  while (Clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

// Everything the client reports, kept under a mutex; events in arrival order.
class Recorder final : public FeedHandler {
 public:
  struct Frame {
    std::string text;
    std::uint32_t connection;
  };
  struct Reply {
    std::uint64_t id;
    bool ok;
    std::string error;
    Clock::time_point at;
  };
  struct Http {
    std::uint64_t id;
    int status;
    std::string body;
  };
  struct Event {
    char kind;  // 'f' frame, 'c' connected, 'd' disconnected
    std::uint32_t connection;
  };

  void on_frame(std::string_view text, std::int64_t receive_time_ns,
                std::uint32_t connection_id) noexcept override {
    const std::lock_guard lock(mutex_);
    if (receive_time_ns <= 0) bad_time_ = true;
    frames_.push_back({std::string(text), connection_id});
    events_.push_back({'f', connection_id});
  }
  void on_connected(std::uint32_t connection_id) noexcept override {
    const std::lock_guard lock(mutex_);
    connected_.push_back(connection_id);
    events_.push_back({'c', connection_id});
  }
  void on_disconnected(std::uint32_t connection_id, std::string_view reason) noexcept override {
    const std::lock_guard lock(mutex_);
    reasons_.emplace_back(reason);
    events_.push_back({'d', connection_id});
  }
  void on_control_reply(std::uint64_t id, bool ok, std::string_view error) noexcept override {
    const std::lock_guard lock(mutex_);
    replies_.push_back({id, ok, std::string(error), Clock::now()});
  }
  void on_http_response(std::uint64_t request_id, int status,
                        std::string_view body) noexcept override {
    const std::lock_guard lock(mutex_);
    http_.push_back({request_id, status, std::string(body)});
  }
  void on_tick(std::int64_t) noexcept override { ticks_.fetch_add(1); }

  std::vector<Frame> frames() {
    const std::lock_guard lock(mutex_);
    return frames_;
  }
  std::size_t frame_count() {
    const std::lock_guard lock(mutex_);
    return frames_.size();
  }
  std::vector<std::uint32_t> connected() {
    const std::lock_guard lock(mutex_);
    return connected_;
  }
  std::vector<std::string> reasons() {
    const std::lock_guard lock(mutex_);
    return reasons_;
  }
  std::vector<Reply> replies() {
    const std::lock_guard lock(mutex_);
    return replies_;
  }
  std::vector<Http> http() {
    const std::lock_guard lock(mutex_);
    return http_;
  }
  std::vector<Event> events() {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  bool has_reply(std::uint64_t id) {
    const std::lock_guard lock(mutex_);
    for (const Reply& r : replies_) {
      if (r.id == id) return true;
    }
    return false;
  }
  Reply reply(std::uint64_t id) {
    const std::lock_guard lock(mutex_);
    for (const Reply& r : replies_) {
      if (r.id == id) return r;
    }
    return {};
  }
  bool saw_frame(std::string_view text) {
    const std::lock_guard lock(mutex_);
    for (const Frame& f : frames_) {
      if (f.text == text) return true;
    }
    return false;
  }
  [[nodiscard]] bool bad_time() const { return bad_time_; }
  [[nodiscard]] std::uint64_t ticks() const { return ticks_.load(); }

 private:
  std::mutex mutex_;
  std::vector<Frame> frames_;
  std::vector<std::uint32_t> connected_;
  std::vector<std::string> reasons_;
  std::vector<Reply> replies_;
  std::vector<Http> http_;
  std::vector<Event> events_;
  bool bad_time_ = false;
  std::atomic<std::uint64_t> ticks_{0};
};

class FakeProvider final : public sim::DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) override {
    if (symbol != "BTCUSDT") return false;
    last_limit.store(limit);
    out.append(kSnapshot);
    return true;
  }
  static constexpr std::string_view kSnapshot =
      R"({"lastUpdateId":42,"bids":[["100.00000000","1.00000000"]],"asks":[["101.00000000","2.00000000"]]})";
  std::atomic<std::uint32_t> last_limit{0};
};

std::string trade(int n) {
  return R"({"e":"trade","s":"BTCUSDT","t":)" + std::to_string(n) + "}";
}
std::string wrapped(std::string_view stream, std::string_view payload) {
  return R"({"stream":")" + std::string(stream) + R"(","data":)" + std::string(payload) + "}";
}

class WsClientTest : public ::testing::Test {
 protected:
  void start_server(sim::MarketDataServerConfig config = {}) {
    server_.reset();
    server_ = std::make_unique<sim::MarketDataServer>(std::move(config), provider_);
    ASSERT_EQ(server_->start(), Errc::kOk);
    port_ = server_->port();
  }
  WsClientConfig client_config(bool combined, std::vector<std::string> streams) const {
    WsClientConfig c;
    c.url = "ws://127.0.0.1:" + std::to_string(port_);
    c.combined = combined;
    c.streams = std::move(streams);
    c.backoff_initial_ms = 20;
    c.backoff_max_ms = 200;
    return c;
  }
  // Publishes `payload` on `stream` every 20 ms until the client has seen `expect` (a subscription
  // becomes active a little after the reply or the upgrade the client sees).
  bool publish_until_seen(Recorder& rec, std::string_view stream, std::string_view payload,
                          std::string_view expect) {
    return wait_for([&] {
      EXPECT_TRUE(server_->publish(stream, payload));
      std::this_thread::sleep_for(milliseconds(20));
      return rec.saw_frame(expect);
    });
  }

  FakeProvider provider_;
  std::unique_ptr<sim::MarketDataServer> server_;
  std::uint16_t port_ = 0;
};

// ---------------------------------------------------------------------------------------------

TEST_F(WsClientTest, CombinedConnectsAndReceivesInOrder) {
  start_server();
  Recorder rec;
  WsClient client(client_config(true, {"btcusdt@trade", "btcusdt@bookTicker"}), rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(-1), wrapped("btcusdt@trade", trade(-1))));
  const std::size_t before = rec.frame_count();
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(server_->publish(i % 2 == 0 ? "btcusdt@trade" : "btcusdt@bookTicker", trade(i)));
  }
  ASSERT_TRUE(wait_for([&] { return rec.frame_count() >= before + 500; }));
  const auto frames = rec.frames();
  for (int i = 0; i < 500; ++i) {
    const char* stream = i % 2 == 0 ? "btcusdt@trade" : "btcusdt@bookTicker";
    ASSERT_EQ(frames[before + static_cast<std::size_t>(i)].text, wrapped(stream, trade(i))) << i;
  }
  const WsClientStats s = client.stats();
  EXPECT_EQ(s.connects, 1U);
  EXPECT_EQ(s.frames, frames.size());
  EXPECT_EQ(s.control_sent, 0U);  // combined: the streams are in the URL
  EXPECT_FALSE(rec.bad_time());
  EXPECT_GT(rec.ticks(), 0U);
  const auto t0 = Clock::now();
  EXPECT_TRUE(client.stop());  // joined, not abandoned
  EXPECT_TRUE(client.stop());  // idempotent
  EXPECT_LT(Clock::now() - t0, milliseconds(2500));
}

TEST_F(WsClientTest, RawConnectsToTheFirstStreamAndSubscribesTheRest) {
  start_server();
  Recorder rec;
  WsClient client(client_config(false, {"btcusdt@trade", "ethusdt@trade", "btcusdt@bookTicker"}),
                  rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  // The client's own SUBSCRIBE of the two other streams is answered.
  ASSERT_TRUE(wait_for([&] { return !rec.replies().empty(); }));
  EXPECT_TRUE(rec.replies().front().ok) << rec.replies().front().error;
  ASSERT_TRUE(publish_until_seen(rec, "btcusdt@bookTicker", trade(-1), trade(-1)));
  const std::size_t before = rec.frame_count();
  const char* streams[] = {"btcusdt@trade", "ethusdt@trade", "btcusdt@bookTicker"};
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(server_->publish(streams[i % 3], trade(i)));
  ASSERT_TRUE(wait_for([&] { return rec.frame_count() >= before + 300; }));
  const auto frames = rec.frames();
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(frames[before + static_cast<std::size_t>(i)].text, trade(i)) << i;
  EXPECT_EQ(client.stats().control_sent, 1U);
  EXPECT_EQ(client.stats().control_errors, 0U);
}

TEST_F(WsClientTest, SubscribeIsAnsweredAndAnErrorReplyIsReported) {
  start_server();
  Recorder rec;
  WsClient client(client_config(true, {"btcusdt@trade"}), rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));

  const std::vector<std::string> eth = {"ethusdt@trade"};
  const std::uint64_t id1 = client.subscribe(eth);
  ASSERT_NE(id1, 0U);
  ASSERT_TRUE(wait_for([&] { return rec.has_reply(id1); }));
  EXPECT_TRUE(rec.reply(id1).ok);
  ASSERT_TRUE(
      publish_until_seen(rec, "ethusdt@trade", trade(1), wrapped("ethusdt@trade", trade(1))));

  const std::vector<std::string> bad = {"BTCUSDT@nonsense"};
  const std::uint64_t id2 = client.subscribe(bad);
  EXPECT_GT(id2, id1);
  ASSERT_TRUE(wait_for([&] { return rec.has_reply(id2); }));
  const Recorder::Reply r = rec.reply(id2);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("BTCUSDT@nonsense"), std::string::npos) << r.error;
  EXPECT_EQ(client.stats().control_errors, 1U);

  const std::uint64_t id3 = client.unsubscribe(eth);
  EXPECT_GT(id3, id2);
  ASSERT_TRUE(wait_for([&] { return rec.has_reply(id3); }));
  EXPECT_TRUE(rec.reply(id3).ok);
  // The connection stays usable after the error, and the refused stream did not poison reconnects.
  client.request_reconnect();
  ASSERT_TRUE(wait_for([&] { return rec.connected().size() >= 2; }));
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(2), wrapped("btcusdt@trade", trade(2))));
  EXPECT_EQ(client.stats().control_sent, 3U);
}

TEST_F(WsClientTest, ControlMessagesArePacedPerMarket) {
  start_server();
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  config.market = Market::kFutures;  // 10 messages per second
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));
  const auto t0 = Clock::now();
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 12; ++i) {
    const std::vector<std::string> one = {"sym" + std::to_string(i) + "usdt@trade"};
    ids.push_back(client.subscribe(one));
  }
  ASSERT_TRUE(wait_for([&] { return rec.replies().size() == 12; }, milliseconds(20'000)));
  const auto replies = rec.replies();
  for (std::size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].id, ids[i]);  // sent and answered in order
    EXPECT_TRUE(replies[i].ok);
  }
  // 12 messages at most 10 per second, evenly spaced: the 12th leaves at least 1.1 s after the
  // first.
  EXPECT_GE(replies.back().at - t0, milliseconds(1000));
  EXPECT_EQ(client.stats().control_sent, 12U);
}

TEST_F(WsClientTest, ServerRestartReconnectsAndResubscribes) {
  start_server();
  Recorder rec;
  WsClient client(client_config(false, {"btcusdt@trade", "btcusdt@bookTicker"}), rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.replies().empty(); }));
  const std::vector<std::string> eth = {"ethusdt@trade"};
  const std::uint64_t id = client.subscribe(eth);
  ASSERT_TRUE(wait_for([&] { return rec.has_reply(id); }));
  ASSERT_TRUE(publish_until_seen(rec, "ethusdt@trade", trade(1), trade(1)));

  const std::uint16_t port = port_;
  server_->stop();
  ASSERT_TRUE(wait_for([&] { return client.stats().disconnects >= 1; }));
  std::this_thread::sleep_for(milliseconds(300));  // a few failed attempts while nothing listens
  sim::MarketDataServerConfig config;
  config.port = port;
  start_server(config);
  ASSERT_EQ(port_, port);
  ASSERT_TRUE(wait_for([&] { return rec.connected().size() >= 2; }));
  // Every stream of the set flows again: the first in the URL, the others (the runtime one
  // included) through the client's own SUBSCRIBE.
  ASSERT_TRUE(publish_until_seen(rec, "btcusdt@trade", trade(2), trade(2)));
  ASSERT_TRUE(publish_until_seen(rec, "btcusdt@bookTicker", trade(3), trade(3)));
  ASSERT_TRUE(publish_until_seen(rec, "ethusdt@trade", trade(4), trade(4)));
  const WsClientStats s = client.stats();
  EXPECT_GE(s.reconnects, 1U);
  EXPECT_GE(s.connects, 2U);
  EXPECT_GE(s.disconnects, 1U);
  EXPECT_GE(s.connect_failures, 1U);
  EXPECT_EQ(s.control_errors, 0U);
}

TEST_F(WsClientTest, PingsBothWays) {
  // The venue pings every 50 ms and drops a connection that leaves a ping unanswered for 1 s (not
  // less: a loaded CI machine may not run the feed thread for a few hundred ms); the client pings
  // every 50 ms (paced with its control messages: at most 5 per second in spot). Watched for 2.5 s:
  // a client that never answered would have been dropped twice.
  sim::MarketDataServerConfig server_config;
  server_config.ping_interval_ms = 50;
  server_config.pong_timeout_ms = 1000;
  start_server(server_config);
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  config.ping_interval_ms = 50;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_GE(client.stats().pings_sent, 3U);
  EXPECT_EQ(server_->stats().pong_timeouts, 0U);
  EXPECT_EQ(client.stats().disconnects, 0U);
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(1), wrapped("btcusdt@trade", trade(1))));
  EXPECT_EQ(client.stats().connects, 1U);
}

TEST_F(WsClientTest, StaleFeedIsReconnected) {
  start_server();
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  config.stale_after_ms = 300;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for(
      [&] { return client.stats().stale_reconnects >= 1 && client.stats().connects >= 2; }));
  const auto reasons = rec.reasons();
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons.front().find("stale"), std::string::npos) << reasons.front();
  // Data keeps a connection alive: no stale reconnect while frames flow.
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(0), wrapped("btcusdt@trade", trade(0))));
  const std::uint64_t stale_before = client.stats().stale_reconnects;
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(server_->publish("btcusdt@trade", trade(i)));
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(client.stats().stale_reconnects, stale_before);
}

// The TLS server runs in a child process. Under LeakSanitizer, the market-data server's TLS context
// (its SSL_CTX and the CA store libwebsockets loads into it) is reported leaked once a
// libwebsockets TLS client has connected to it in the same process — a server-side matter
// (reported), not the client's. In a child, which ends by a signal (no leak check), the client in
// this process stays fully checked. The child publishes one trade every 20 ms until it is killed.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keel_ws_client_tls_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::string key;
    ASSERT_TRUE(test::write_self_signed_cert(dir_, cert_, key));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      ::close(fds[0]);
      FakeProvider provider;
      sim::MarketDataServerConfig config;
      config.tls_cert_path = cert_;
      config.tls_key_path = key;
      sim::MarketDataServer server(config, provider);
      std::uint16_t port = server.start() == Errc::kOk ? server.port() : 0;
      if (::write(fds[1], &port, sizeof port) != sizeof port || port == 0) ::_exit(1);
      for (;;) {  // until killed
        (void)server.publish("btcusdt@trade", trade(1));
        ::usleep(20'000);
        if (::getppid() == 1) ::_exit(0);
      }
    }
    ::close(fds[1]);
    std::uint16_t port = 0;
    const ssize_t n = ::read(fds[0], &port, sizeof port);
    ::close(fds[0]);
    ASSERT_EQ(n, static_cast<ssize_t>(sizeof port));
    ASSERT_NE(port, 0);
    port_ = port;
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      int status = 0;
      ::waitpid(child_, &status, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  WsClientConfig tls_config() const {
    WsClientConfig c;
    c.url = "wss://127.0.0.1:" + std::to_string(port_);
    c.streams = {"btcusdt@trade"};
    c.backoff_initial_ms = 20;
    c.backoff_max_ms = 200;
    return c;
  }
  std::filesystem::path dir_;
  std::string cert_;
  pid_t child_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(TlsTest, WssAndHttpsAreAcceptedWithTheCaFile) {
  Recorder rec;
  WsClientConfig config = tls_config();
  config.ca_file = cert_;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return rec.saw_frame(wrapped("btcusdt@trade", trade(1))); }))
      << (rec.reasons().empty() ? "" : rec.reasons()[0]);
  // REST over https with the same trust.
  const std::uint64_t id = client.http_get("/api/v3/depth?symbol=BTCUSDT&limit=7", 1);
  ASSERT_TRUE(wait_for([&] { return !rec.http().empty(); }));
  EXPECT_EQ(rec.http().front().id, id);
  EXPECT_EQ(rec.http().front().status, 200);
  EXPECT_EQ(rec.http().front().body, FakeProvider::kSnapshot);
  EXPECT_EQ(client.stats().tls_failures, 0U);
  EXPECT_EQ(client.stats().connects, 1U);
}

TEST_F(TlsTest, WssAndHttpsAreRefusedWithoutTheCaFile) {
  Recorder rec;
  WsClient client(tls_config(), rec);  // verification on, the system's CAs only
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return client.stats().tls_failures >= 2; }));
  EXPECT_EQ(client.stats().connects, 0U);
  EXPECT_TRUE(rec.connected().empty());
  EXPECT_EQ(rec.frame_count(), 0U);
  const auto reasons = rec.reasons();
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons.front().find("wss://127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << reasons.front();
  EXPECT_NE(reasons.front().find("certificate verify failed: self-signed certificate"),
            std::string::npos)
      << reasons.front();
  // REST over https is refused the same way.
  client.http_get("/api/v3/depth?symbol=BTCUSDT&limit=7", 1);
  ASSERT_TRUE(wait_for([&] { return !rec.http().empty(); }));
  EXPECT_EQ(rec.http().front().status, 0);
  EXPECT_NE(rec.http().front().body.find("certificate verify failed"), std::string::npos)
      << rec.http().front().body;
}

TEST_F(WsClientTest, RestDepthSnapshotAndWeightBudget) {
  start_server();
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  config.rest_weight_per_minute = 10;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  const std::uint64_t a = client.http_get("/api/v3/depth?symbol=BTCUSDT&limit=5", 4);
  const std::uint64_t b = client.http_get("/api/v3/depth?symbol=NOPE&limit=5", 4);
  const std::uint64_t c =
      client.http_get("/api/v3/depth?symbol=BTCUSDT&limit=5", 4);  // over the budget
  const std::uint64_t d =
      client.http_get("/api/v3/depth?symbol=BTCUSDT&limit=5", 11);  // never fits
  ASSERT_TRUE(wait_for([&] { return rec.http().size() >= 3; }));
  std::this_thread::sleep_for(milliseconds(300));
  const auto http = rec.http();
  ASSERT_EQ(http.size(), 3U);  // c waits for the window (60 s): it is never sent over the budget
  for (const Recorder::Http& h : http) {
    if (h.id == a) {
      EXPECT_EQ(h.status, 200);
      EXPECT_EQ(h.body, FakeProvider::kSnapshot);
    } else if (h.id == b) {
      EXPECT_EQ(h.status, 400);
      EXPECT_EQ(h.body, R"({"code":-1121,"msg":"Invalid symbol."})");
    } else {
      EXPECT_EQ(h.id, d);
      EXPECT_EQ(h.status, 0);
    }
  }
  EXPECT_NE(c, 0U);
  EXPECT_EQ(provider_.last_limit.load(), 5U);
  const WsClientStats s = client.stats();
  EXPECT_EQ(s.http_requests, 2U);
  EXPECT_EQ(s.weight_waits, 1U);
  EXPECT_EQ(s.http_failures, 1U);
}

// A listening socket on 127.0.0.1 and a thread that serves each accepted connection with `serve`.
class PlainServer {
 public:
  explicit PlainServer(std::function<void(int fd, const std::atomic<bool>& stop)> serve)
      : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        ++accepted_;
        serve_(c, stop_);
        ::close(c);
      }
    });
  }
  ~PlainServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  PlainServer(const PlainServer&) = delete;
  PlainServer& operator=(const PlainServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] int accepted() const { return accepted_.load(); }

 private:
  std::function<void(int, const std::atomic<bool>&)> serve_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
};

// Reads until the end of the HTTP request head (or the peer goes); returns it.
std::string read_head(int fd, const std::atomic<bool>& stop) {
  std::string head;
  char buf[4096];
  while (!stop.load() && head.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return head;
}

// Holds the connection open, reading and discarding, until the peer closes it or the test ends.
void hold(int fd, const std::atomic<bool>& stop) {
  char buf[4096];
  while (!stop.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    if (::read(fd, buf, sizeof buf) <= 0) return;
  }
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The 101 answer to a client's upgrade request (RFC 6455 4.2.2).
std::string upgrade_answer(const std::string& head) {
  const std::string key_name = "Sec-WebSocket-Key: ";
  std::size_t at = head.find(key_name);
  if (at == std::string::npos) at = head.find("sec-websocket-key: ");
  if (at == std::string::npos) return {};
  const std::size_t from = at + key_name.size();
  const std::string key =
      head.substr(from, head.find("\r\n", from) - from) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(key.data(), key.size(), digest, &digest_len, EVP_sha1(), nullptr);
  unsigned char accept[64] = {};
  EVP_EncodeBlock(accept, digest, static_cast<int>(digest_len));
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
         "Upgrade\r\nSec-WebSocket-Accept: " +
         std::string(reinterpret_cast<const char*>(accept)) + "\r\n\r\n";
}

// One unmasked server frame.
std::string frame(bool fin, unsigned opcode, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80U : 0U) | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>((payload.size() >> 8U) & 0xffU));
    f.push_back(static_cast<char>(payload.size() & 0xffU));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      f.push_back(static_cast<char>(
          (static_cast<std::uint64_t>(payload.size()) >> static_cast<unsigned>(shift)) & 0xffU));
    }
  }
  f.append(payload);
  return f;
}

TEST(WsClientPlain, UpgradeThatNeverComesTimesOut) {
  PlainServer silent([](int fd, const std::atomic<bool>& stop) { hold(fd, stop); });
  ASSERT_NE(silent.port(), 0);
  Recorder rec;
  WsClientConfig config;
  config.url = "ws://127.0.0.1:" + std::to_string(silent.port());
  config.streams = {"btcusdt@trade"};
  config.connect_timeout_ms = 200;
  config.backoff_initial_ms = 20;
  config.backoff_max_ms = 50;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return client.stats().upgrade_timeouts >= 2; }));
  EXPECT_EQ(client.stats().connects, 0U);
  EXPECT_GE(client.stats().connect_failures, 1U);
  const auto reasons = rec.reasons();
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons.front().find("upgrade"), std::string::npos) << reasons.front();
  const auto t0 = Clock::now();
  EXPECT_TRUE(client.stop());  // joined even with an attempt hanging in the upgrade
  EXPECT_LT(Clock::now() - t0, milliseconds(2500));
}

TEST(WsClientPlain, BinaryAndFragmentedFrames) {
  PlainServer server([](int fd, const std::atomic<bool>& stop) {
    const std::string head = read_head(fd, stop);
    if (!send_all(fd, upgrade_answer(head))) return;
    std::string out;
    out += frame(true, 0x2, std::string(300, '\x01'));  // binary: counted, dropped
    out += frame(false, 0x1, R"({"part":)");            // a text message in three fragments
    out += frame(false, 0x0, std::string(70'000, ' '));
    out += frame(true, 0x0, "1}");
    out += frame(true, 0x1, R"({"whole":2})");
    if (!send_all(fd, out)) return;
    hold(fd, stop);
  });
  Recorder rec;
  WsClientConfig config;
  config.url = "ws://127.0.0.1:" + std::to_string(server.port());
  config.streams = {"btcusdt@trade"};
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return rec.frame_count() >= 2; }));
  const auto frames = rec.frames();
  ASSERT_EQ(frames.size(), 2U);
  EXPECT_EQ(frames[0].text, R"({"part":)" + std::string(70'000, ' ') + "1}");
  EXPECT_EQ(frames[1].text, R"({"whole":2})");
  EXPECT_EQ(client.stats().binary_frames, 1U);
  EXPECT_EQ(client.stats().connects, 1U);
}

TEST_F(WsClientTest, OversizeFrameClosesAndReconnects) {
  start_server();
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  WsClient client(config, rec);  // max_frame_bytes = 1 MiB
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(0), wrapped("btcusdt@trade", trade(0))));
  const std::string huge = "\"" + std::string((1U << 20) + 1000, 'x') + "\"";
  ASSERT_TRUE(server_->publish("btcusdt@trade", huge));
  ASSERT_TRUE(
      wait_for([&] { return client.stats().oversize_frames == 1 && rec.connected().size() >= 2; }));
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(1), wrapped("btcusdt@trade", trade(1))));
  for (const Recorder::Frame& f : rec.frames()) EXPECT_LT(f.text.size(), 1000U);
  EXPECT_GE(client.stats().reconnects, 1U);
}

TEST_F(WsClientTest, PlannedReconnectLosesNoMessage) {
  start_server();
  Recorder rec;
  WsClientConfig config = client_config(true, {"btcusdt@trade"});
  config.planned_reconnect_after_ms = 500;
  WsClient client(config, rec);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] { return !rec.connected().empty(); }));
  ASSERT_TRUE(
      publish_until_seen(rec, "btcusdt@trade", trade(-1), wrapped("btcusdt@trade", trade(-1))));

  // A steady, numbered stream across at least two handovers.
  constexpr int kCount = 800;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) {
      while (!server_->publish("btcusdt@trade", trade(i))) std::this_thread::yield();
      std::this_thread::sleep_for(milliseconds(2));
    }
  });
  producer.join();
  ASSERT_TRUE(wait_for([&] {
    std::set<std::string> seen;
    for (const auto& f : rec.frames()) seen.insert(f.text);
    return seen.size() >= kCount + 1;
  }));
  ASSERT_GE(client.stats().planned_reconnects, 1U);

  std::set<std::string> seen;
  std::size_t duplicates = 0;
  for (const auto& f : rec.frames()) {
    if (!seen.insert(f.text).second) ++duplicates;
  }
  for (int i = 0; i < kCount; ++i)
    ASSERT_TRUE(seen.count(wrapped("btcusdt@trade", trade(i))) == 1) << "missing " << i;
  std::printf("planned reconnects %llu, duplicates %zu\n",
              static_cast<unsigned long long>(client.stats().planned_reconnects), duplicates);

  // Every connection that was replaced closed only after its successor had delivered a frame.
  const auto events = rec.events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind != 'd') continue;
    const std::uint32_t next = events[i].connection + 1;
    bool successor_delivered = false;
    bool successor_exists = false;
    for (std::size_t j = 0; j < events.size(); ++j) {
      if (events[j].connection != next) continue;
      successor_exists = true;
      if (j < i && events[j].kind == 'f') successor_delivered = true;
    }
    if (successor_exists) {
      EXPECT_TRUE(successor_delivered) << "connection " << events[i].connection;
    }
  }
  EXPECT_EQ(client.stats().stale_reconnects, 0U);
}

// Counts the feed thread's heap allocations between two frames of a steady stream.
class CountingHandler final : public FeedHandler {
 public:
  static constexpr std::uint64_t kWarm = 50;
  static constexpr std::uint64_t kSteady = 1000;
  void on_frame(std::string_view text, std::int64_t, std::uint32_t) noexcept override {
    const std::uint64_t n = ++frames_;
    if (text.size() > 1000) large_.fetch_add(1);
    if (n == kWarm) at_warm_ = thread_allocation_counts().allocations;
    if (n == kWarm + kSteady) {
      steady_allocations_.store(thread_allocation_counts().allocations - at_warm_);
      done_.store(true);
    }
  }
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> large_{0};
  std::atomic<std::uint64_t> steady_allocations_{0};
  std::atomic<bool> done_{false};

 private:
  std::uint64_t at_warm_ = 0;  // feed thread only
};

TEST_F(WsClientTest, NoAllocationPerFrameAfterWarmUp) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  sim::MarketDataServerConfig config;
  config.connection_queue_bytes = 512u << 20;  // the burst below must not count as a slow client
  start_server(config);
  CountingHandler handler;
  WsClient client(client_config(true, {"btcusdt@trade"}), handler);
  ASSERT_EQ(client.start(), Errc::kOk) << client.error();
  ASSERT_TRUE(wait_for([&] {
    EXPECT_TRUE(server_->publish("btcusdt@trade", trade(0)));
    std::this_thread::sleep_for(milliseconds(20));
    return handler.frames_.load() > 0;
  }));
  // Small messages (handed over in place) and 100-KB ones (reassembled from libwebsockets' 64-KB
  // pieces into the connection's buffer), interleaved.
  const std::string large = "\"" + std::string(100'000, 'x') + "\"";
  const std::string small = trade(1);
  for (std::uint64_t i = 0; i < CountingHandler::kWarm + CountingHandler::kSteady + 10; ++i) {
    while (!server_->publish("btcusdt@trade",
                             i % 4 == 0 ? std::string_view(large) : std::string_view(small))) {
      std::this_thread::yield();
    }
  }
  ASSERT_TRUE(wait_for([&] { return handler.done_.load(); }, milliseconds(30'000)))
      << handler.frames_.load() << " frames, server slow disconnects "
      << server_->stats().slow_disconnects;
  EXPECT_GT(handler.large_.load(), 200U);
  EXPECT_EQ(handler.steady_allocations_.load(), 0U);
  EXPECT_EQ(client.stats().oversize_frames, 0U);
}

TEST(WsClientConfigTest, BadConfigurationIsRefusedWithItsName) {
  Recorder rec;
  {
    WsClientConfig c;
    c.url = "http://127.0.0.1:1";
    WsClient client(c, rec);
    EXPECT_EQ(client.start(), Errc::kInvalidArgument);
    EXPECT_NE(client.error().find("url"), std::string::npos) << client.error();
  }
  {
    WsClientConfig c;
    c.url = "ws://127.0.0.1:99999";
    WsClient client(c, rec);
    EXPECT_EQ(client.start(), Errc::kInvalidArgument);
  }
  {
    WsClientConfig c;
    c.url = "ws://127.0.0.1:9000";
    c.streams = {"BTCUSDT@trade"};
    WsClient client(c, rec);
    EXPECT_EQ(client.start(), Errc::kInvalidArgument);
    EXPECT_NE(client.error().find("BTCUSDT@trade"), std::string::npos) << client.error();
  }
  {
    WsClientConfig c;
    c.url = "wss://127.0.0.1:9000";
    c.ca_file = "/nonexistent/ca.pem";
    WsClient client(c, rec);
    EXPECT_EQ(client.start(), Errc::kInvalidArgument);
    EXPECT_NE(client.error().find("ca_file"), std::string::npos) << client.error();
  }
  {
    const auto bad = std::filesystem::temp_directory_path() /
                     ("keel_ws_client_bad_ca_" + std::to_string(::getpid()));
    {
      std::FILE* f = std::fopen(bad.c_str(), "w");
      ASSERT_NE(f, nullptr);
      std::fputs("not a certificate\n", f);
      std::fclose(f);
    }
    WsClientConfig c;
    c.url = "wss://127.0.0.1:9000";
    c.ca_file = bad.string();
    WsClient client(c, rec);
    EXPECT_EQ(client.start(), Errc::kInvalidArgument);
    EXPECT_NE(client.error().find("no PEM certificate"), std::string::npos) << client.error();
    std::filesystem::remove(bad);
  }
  {
    WsClientConfig c;
    c.url = "ws://127.0.0.1:9000";
    WsClient client(c, rec);
    EXPECT_EQ(client.subscribe({}), 0U);  // not running
    client.stop();                        // never started: nothing to do
  }
}

TEST(ControlReplyDecoderTest, DecodesTheThreeShapes) {
  protocol::binance::ControlReplyDecoder d;
  namespace kb = protocol::binance;
  auto r = d.decode(R"({"result":null,"id":7})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().kind, kb::ControlReplyKind::kResultNull);
  EXPECT_EQ(r.value().id, 7U);
  r = d.decode(R"({"result":["btcusdt@trade","ethusdt@depth@100ms"],"id":9})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().streams.size(), 2U);
  EXPECT_EQ(r.value().streams[1], "ethusdt@depth@100ms");
  r = d.decode(R"({"error":{"code":2,"msg":"Invalid request"},"id":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().kind, kb::ControlReplyKind::kError);
  EXPECT_FALSE(r.value().has_id);
  EXPECT_EQ(r.value().error_code, 2);
  EXPECT_EQ(r.value().error_msg, "Invalid request");
  EXPECT_FALSE(d.decode(R"({"result":null})").ok());
  EXPECT_FALSE(d.decode(R"({"result":null,"error":{"code":1,"msg":""},"id":1})").ok());
  EXPECT_FALSE(d.decode(R"({"result":5,"id":1})").ok());
  EXPECT_FALSE(d.decode(R"({"result":null,"id":-1})").ok());
  EXPECT_FALSE(d.decode("{").ok());
  EXPECT_TRUE(kb::looks_like_control_reply(R"( { "id":1,"result":null})"));
  EXPECT_FALSE(kb::looks_like_control_reply(R"({"stream":"a","data":{}})"));
  EXPECT_FALSE(kb::looks_like_control_reply(R"({"e":"trade"})"));
  std::string out;
  const std::vector<std::string> streams = {"btcusdt@trade", "a\"b"};
  kb::encode_control_request(out, kb::ControlMethod::kSubscribe, streams, 3);
  EXPECT_EQ(out, R"({"method":"SUBSCRIBE","params":["btcusdt@trade","a\"b"],"id":3})");
  // The server's parser reads what the client writes.
  kb::ControlParser parser;
  out.clear();
  const std::vector<std::string> good = {"btcusdt@trade", "ethusdt@depth@100ms"};
  kb::encode_control_request(out, kb::ControlMethod::kUnsubscribe, good, 11);
  const kb::ControlParse p = parser.parse(out);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.request.method, kb::ControlMethod::kUnsubscribe);
  EXPECT_EQ(p.request.id, 11U);
  EXPECT_EQ(p.request.streams.size(), 2U);
}

}  // namespace
}  // namespace keel::gateway
