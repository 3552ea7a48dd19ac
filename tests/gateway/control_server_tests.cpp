// ControlServer over real loopback sockets: every route, every refusal, the bounds (size, time,
// connections), the token rules, and that an authorised POST delivers exactly the expected Event.
// Waits poll with generous deadlines; nothing assumes how fast the machine is.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "keel/gateway/control/control_server.hpp"

namespace {

using namespace std::chrono_literals;
using keel::Control;
using keel::ControlKind;
using keel::Event;
using keel::gateway::ControlHandlers;
using keel::gateway::ControlServer;
using keel::gateway::ControlServerConfig;
using keel::gateway::Secret;

constexpr auto kDeadline = 20s;  // for anything the server should do "soon"
constexpr const char* kToken = "0123456789abcdef-token";

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

// A blocking client socket connected to 127.0.0.1:port.
int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Everything until the server closes (or the deadline passes: then `closed` is false).
struct ReadAll {
  std::string data;
  bool closed = false;
  bool reset = false;
};
ReadAll read_until_close(int fd, std::chrono::milliseconds limit = kDeadline) {
  ReadAll r;
  const auto until = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      r.data.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    r.closed = true;
    r.reset = n < 0;
    break;
  }
  return r;
}

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;
  [[nodiscard]] bool has_header(std::string_view line) const { return head.find(line) != std::string::npos; }
};

Reply parse_reply(const ReadAll& raw) {
  Reply r;
  r.closed = raw.closed;
  const std::size_t end = raw.data.find("\r\n\r\n");
  if (raw.data.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
  r.status = std::stoi(raw.data.substr(9, 3));
  r.head = raw.data.substr(0, end + 2);
  r.body = raw.data.substr(end + 4);
  const std::size_t cl = r.head.find("Content-Length: ");
  if (cl == std::string::npos || std::stoul(r.head.substr(cl + 16)) != r.body.size()) r.status = -1;  // framing broken
  return r;
}

Reply exchange(std::uint16_t port, std::string_view request) {
  const int fd = connect_to(port);
  EXPECT_TRUE(send_all(fd, request));
  const Reply r = parse_reply(read_until_close(fd));
  ::close(fd);
  return r;
}

std::string post(std::string_view body, std::string_view authorization = std::string_view{}) {
  std::string r = "POST /control HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!authorization.empty()) {
    r += "Authorization: ";
    r += authorization;
    r += "\r\n";
  }
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

std::string bearer(std::string_view token = kToken) {
  return "Bearer " + std::string(token);
}

// A server with recording handlers.
struct Fixture {
  explicit Fixture(ControlServerConfig config = with_token()) {
    ControlHandlers h;
    h.metrics = [](std::string& out) { out += "# HELP keel_up 1\n# TYPE keel_up gauge\nkeel_up 1\n"; };
    h.status = [](std::string& out) { out += R"({"mode":"paper","trading_state":"active"})"; };
    h.deliver = [this](const Event& e) {
      std::lock_guard lock(mutex);
      if (refuse_delivery) return false;
      events.push_back(e);
      return true;
    };
    h.resolve_symbol = [](std::string_view s) -> std::optional<keel::InstrumentId> {
      if (s == "BTCUSDT") return 3;
      return std::nullopt;
    };
    h.log = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      logs.emplace_back(line);
    };
    server = std::make_unique<ControlServer>(std::move(config), std::move(h));
    server->start();
  }
  static ControlServerConfig with_token() {
    ControlServerConfig c;
    c.bearer_token = Secret{std::string(kToken)};
    return c;
  }
  std::vector<Event> delivered() {
    std::lock_guard lock(mutex);
    return events;
  }
  std::vector<std::string> log_lines() {
    std::lock_guard lock(mutex);
    return logs;
  }
  void set_refuse(bool v) {
    std::lock_guard lock(mutex);
    refuse_delivery = v;
  }
  std::uint16_t port() const { return server->port(); }

  std::mutex mutex;
  std::vector<Event> events;
  std::vector<std::string> logs;
  bool refuse_delivery = false;
  std::unique_ptr<ControlServer> server;
};

TEST(ControlServer, BindsLoopbackByDefaultAndReportsThePort) {
  EXPECT_EQ(ControlServerConfig{}.bind_address, "127.0.0.1");
  Fixture f;
  EXPECT_EQ(f.server->bound_address(), "127.0.0.1");
  ASSERT_NE(f.port(), 0);
  const int fd = connect_to(f.port());
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  ASSERT_EQ(::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len), 0);
  EXPECT_EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
  EXPECT_EQ(ntohs(peer.sin_port), f.port());
  ::close(fd);
}

TEST(ControlServer, InvalidConfigIsRefused) {
  const auto make = [](auto change) {
    ControlServerConfig c;
    change(c);
    ControlServer s(std::move(c), {});
  };
  EXPECT_THROW(make([](ControlServerConfig& c) { c.bind_address = "localhost"; }), std::invalid_argument);
  EXPECT_THROW(make([](ControlServerConfig& c) { c.bind_address = "127.0.0.1:80"; }), std::invalid_argument);
  EXPECT_THROW(make([](ControlServerConfig& c) { c.bind_address = ""; }), std::invalid_argument);
  EXPECT_THROW(make([](ControlServerConfig& c) { c.max_connections = 0; }), std::invalid_argument);
  EXPECT_THROW(make([](ControlServerConfig& c) { c.max_request_bytes = 10; }), std::invalid_argument);
  EXPECT_THROW(make([](ControlServerConfig& c) { c.read_timeout = 0ms; }), std::invalid_argument);
  EXPECT_NO_THROW(make([](ControlServerConfig& c) { c.bind_address = "::1"; }));
}

TEST(ControlServer, PortInUseIsAClearError) {
  Fixture f;
  ControlServerConfig c;
  c.port = f.port();
  ControlServer second(std::move(c), {});
  try {
    second.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(f.port())), std::string::npos) << e.what();
  }
}

TEST(ControlServer, Metrics) {
  Fixture f;
  const Reply r = exchange(f.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n")) << r.head;
  EXPECT_TRUE(r.has_header("Connection: close\r\n"));
  EXPECT_EQ(r.body, "# HELP keel_up 1\n# TYPE keel_up gauge\nkeel_up 1\n");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(exchange(f.port(), "GET /metrics?name[]=x HTTP/1.0\r\n\r\n").status, 200);
  EXPECT_EQ(f.server->stats().metrics, 2u);
}

TEST(ControlServer, Status) {
  Fixture f;
  const Reply r = exchange(f.port(), "GET /status HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Content-Type: application/json\r\n"));
  EXPECT_EQ(r.body, R"({"mode":"paper","trading_state":"active"})");
}

TEST(ControlServer, AuthorisedPostDeliversExactlyTheExpectedEvent) {
  Fixture f;
  const Reply r = exchange(f.port(), post(R"({"action":"kill_switch","engage":true})", bearer()));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"ok":true,"seq":1})");
  Control expected{};
  expected.header.subtype = static_cast<std::uint8_t>(ControlKind::kKillSwitch);
  expected.seq = 1;
  expected.value = 1;
  const Event want = keel::to_event(expected);
  auto got = f.delivered();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::memcmp(got[0].bytes, want.bytes, sizeof want.bytes), 0);

  // The scheme is case-insensitive; seq goes on; a factor with a symbol resolves through the handler.
  const Reply r2 = exchange(f.port(), post(R"({"action":"factor","factor":"funding","value":-0.0002,"symbol":"BTCUSDT"})",
                                           std::string("bearer ") + kToken));
  EXPECT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(r2.body, R"({"ok":true,"seq":2})");
  got = f.delivered();
  ASSERT_EQ(got.size(), 2u);
  keel::ExternalFactor factor{};
  factor.header.subtype = static_cast<std::uint8_t>(keel::FactorKind::kFunding);
  factor.header.instrument = 3;
  factor.seq = 2;
  factor.value = -0.0002;
  const Event want2 = keel::to_event(factor);
  EXPECT_EQ(std::memcmp(got[1].bytes, want2.bytes, sizeof want2.bytes), 0);
  EXPECT_EQ(f.server->stats().controls_delivered, 2u);
}

TEST(ControlServer, MissingWrongAndOtherLengthTokensAllGet401WithOneBody) {
  Fixture f;
  const std::string body = R"({"action":"flatten"})";
  std::string same_length(kToken);
  same_length.back() = 'X';
  const std::string requests[] = {
      post(body),                                        // no header
      post(body, bearer(same_length)),                   // wrong, same length
      post(body, bearer("short")),                       // wrong, shorter
      post(body, bearer(std::string(kToken) + "extra")), // the right token plus more
      post(body, bearer(std::string(kToken).substr(0, 5))),  // a prefix
      post(body, "Basic " + std::string(kToken)),        // another scheme
      post(body, std::string(kToken)),                   // no scheme
      post(body, "Bearer"),                              // no credentials
  };
  std::string first_body;
  for (const std::string& request : requests) {
    const Reply r = exchange(f.port(), request);
    EXPECT_EQ(r.status, 401) << request;
    EXPECT_TRUE(r.has_header("WWW-Authenticate: Bearer\r\n"));
    if (first_body.empty()) first_body = r.body;
    EXPECT_EQ(r.body, first_body);
    EXPECT_EQ(r.head.find(kToken), std::string::npos);
    EXPECT_EQ(r.body.find("short"), std::string::npos);
  }
  EXPECT_TRUE(f.delivered().empty());
  EXPECT_EQ(f.server->stats().unauthorized, std::size(requests));
  for (const std::string& line : f.log_lines()) {
    EXPECT_EQ(line.find(kToken), std::string::npos) << line;
    EXPECT_EQ(line.find("short"), std::string::npos) << line;
    EXPECT_EQ(line.find("Authorization"), std::string::npos) << line;
  }
}

TEST(ControlServer, NoTokenConfiguredDisablesControl) {
  Fixture f{ControlServerConfig{}};
  const Reply r = exchange(f.port(), post(R"({"action":"flatten"})", bearer()));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"ok":false,"error":"control disabled: no token configured"})");
  EXPECT_TRUE(f.delivered().empty());
  EXPECT_EQ(f.server->stats().control_disabled, 1u);
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\r\n\r\n").status, 200);  // the rest still works
}

TEST(ControlServer, CoreFullIs503AndDoesNotUseUpTheSequence) {
  Fixture f;
  f.set_refuse(true);
  const Reply r = exchange(f.port(), post(R"({"action":"flatten"})", bearer()));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"ok":false,"error":"core input full, retry"})");
  f.set_refuse(false);
  const Reply ok = exchange(f.port(), post(R"({"action":"flatten"})", bearer()));
  EXPECT_EQ(ok.body, R"({"ok":true,"seq":1})");
  EXPECT_EQ(f.server->stats().core_full, 1u);
}

TEST(ControlServer, MalformedBodyIs400WithTheDecodersMessage) {
  Fixture f;
  const Reply r = exchange(f.port(), post(R"({"action":"kill_switch","engage":"yes"})", bearer()));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"ok":false,"error":"field \"engage\": expected true or false"})");
  EXPECT_EQ(exchange(f.port(), post("{\"action\":\"flatten\"} trailing", bearer())).status, 400);
  EXPECT_EQ(exchange(f.port(), post(R"({"action":"factor","factor":"funding","value":NaN})", bearer())).status, 400);
  EXPECT_EQ(exchange(f.port(), post(R"({"action":"factor","factor":"funding","value":1,"symbol":"XYZ"})", bearer())).status,
            400);
  EXPECT_TRUE(f.delivered().empty());
  EXPECT_EQ(f.server->stats().bad_requests, 4u);
}

TEST(ControlServer, UnknownPathAndMethod) {
  Fixture f;
  EXPECT_EQ(exchange(f.port(), "GET /admin HTTP/1.1\r\n\r\n").status, 404);
  EXPECT_EQ(exchange(f.port(), "GET / HTTP/1.1\r\n\r\n").status, 404);
  EXPECT_EQ(exchange(f.port(), "GET /metrics/ HTTP/1.1\r\n\r\n").status, 404);
  const Reply del = exchange(f.port(), "DELETE /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(del.status, 405);
  EXPECT_TRUE(del.has_header("Allow: GET\r\n"));
  EXPECT_EQ(exchange(f.port(), post("{}", bearer()).replace(0, 13, "PUT /status  ")).status, 400);  // two spaces
  const Reply get_control = exchange(f.port(), "GET /control HTTP/1.1\r\n\r\n");
  EXPECT_EQ(get_control.status, 405);
  EXPECT_TRUE(get_control.has_header("Allow: POST\r\n"));
  EXPECT_EQ(exchange(f.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status, 405);
  const auto s = f.server->stats();
  EXPECT_EQ(s.not_found, 3u);
  EXPECT_EQ(s.method_not_allowed, 3u);
}

TEST(ControlServer, MalformedHeads) {
  Fixture f;
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\n\n").status, 400);  // bare LF
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/2.0\r\n\r\n").status, 505);
  EXPECT_EQ(exchange(f.port(), "GET http://x/metrics HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\r\n folded\r\n\r\n").status, 400);
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\r\nNo-Colon\r\n\r\n").status, 400);
  const std::string te = "POST /control HTTP/1.1\r\nAuthorization: Bearer " + std::string(kToken) +
                         "\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n{\"action\":\"flatten\"}\r\n0\r\n\r\n";
  EXPECT_EQ(exchange(f.port(), te).status, 400);
  const std::string two_lengths = "POST /control HTTP/1.1\r\nAuthorization: Bearer " + std::string(kToken) +
                                  "\r\nContent-Length: 20\r\nContent-Length: 20\r\n\r\n{\"action\":\"flatten\"}";
  EXPECT_EQ(exchange(f.port(), two_lengths).status, 400);
  const std::string two_auth = "POST /control HTTP/1.1\r\nAuthorization: Bearer x\r\nAuthorization: Bearer " +
                               std::string(kToken) + "\r\nContent-Length: 20\r\n\r\n{\"action\":\"flatten\"}";
  EXPECT_EQ(exchange(f.port(), two_auth).status, 400);
  EXPECT_EQ(exchange(f.port(), "POST /control HTTP/1.1\r\nContent-Length: -1\r\n\r\n").status, 400);
  // More header lines than allowed: refused as they arrive, before the head ends (not at the timeout).
  std::string many = "GET /metrics HTTP/1.1\r\n";
  for (int i = 0; i < 70; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  const int fd = connect_to(f.port());
  ASSERT_TRUE(send_all(fd, many));
  const Reply r = parse_reply(read_until_close(fd));
  ::close(fd);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("too many header fields"), std::string::npos) << r.body;
  EXPECT_TRUE(f.delivered().empty());
}

TEST(ControlServer, LengthRequiredAndOversized) {
  Fixture f;
  const std::string auth = "Authorization: Bearer " + std::string(kToken) + "\r\n";
  EXPECT_EQ(exchange(f.port(), "POST /control HTTP/1.1\r\n" + auth + "\r\n").status, 411);
  // A body over 4 KiB: refused from the head alone.
  EXPECT_EQ(exchange(f.port(), "POST /control HTTP/1.1\r\n" + auth + "Content-Length: 4097\r\n\r\n").status, 413);
  // Sent in full anyway: still 413, and the response is not lost to a reset.
  std::string big_body(5000, ' ');
  const Reply big = exchange(f.port(), post(big_body, bearer()));
  EXPECT_EQ(big.status, 413);
  // Over the 16 KiB request limit: a huge Content-Length, and a head that never ends.
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n").status, 413);
  EXPECT_EQ(exchange(f.port(), "GET /metrics HTTP/1.1\r\nContent-Length: 1000000000000000000000\r\n\r\n").status, 413);
  const std::string endless = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(20'000, 'p') + "\r\n";
  const Reply r = exchange(f.port(), endless);
  EXPECT_EQ(r.status, 413);
  // Exactly 4 KiB of body is fine.
  std::string exact = R"({"action":"flatten"})";
  exact.insert(1, keel::gateway::kMaxControlBodyBytes - exact.size(), ' ');
  EXPECT_EQ(exchange(f.port(), post(exact, bearer())).status, 200);
  const auto s = f.server->stats();
  EXPECT_EQ(s.length_required, 1u);
  EXPECT_EQ(s.too_large, 5u);
}

TEST(ControlServer, UnauthorisedClientsAreAnsweredBeforeTheirBody) {
  Fixture f;
  const int fd = connect_to(f.port());
  ASSERT_TRUE(send_all(fd, "POST /control HTTP/1.1\r\nContent-Length: 4000\r\n\r\n{"));
  const Reply r = parse_reply(read_until_close(fd));
  EXPECT_EQ(r.status, 401);
  ::close(fd);
}

TEST(ControlServer, RequestInPiecesAndHalfClosedClient) {
  Fixture f;
  const std::string request = post(R"({"action":"trading_state","state":"halted"})", bearer());
  const int fd = connect_to(f.port());
  for (std::size_t i = 0; i < request.size(); i += 7) {
    ASSERT_TRUE(send_all(fd, std::string_view(request).substr(i, 7)));
  }
  const Reply r = parse_reply(read_until_close(fd));
  EXPECT_EQ(r.status, 200);
  ::close(fd);

  const int half = connect_to(f.port());
  ASSERT_TRUE(send_all(half, "GET /status HTTP/1.1\r\n\r\n"));
  ::shutdown(half, SHUT_WR);
  EXPECT_EQ(parse_reply(read_until_close(half)).status, 200);
  ::close(half);
}

TEST(ControlServer, SlowClientTimesOutWith408) {
  ControlServerConfig c = Fixture::with_token();
  c.read_timeout = 300ms;
  Fixture f{std::move(c)};
  const int fd = connect_to(f.port());
  ASSERT_TRUE(send_all(fd, "GET /metr"));
  // Trickling more bytes does not extend the deadline (it runs from the accept).
  const auto start = std::chrono::steady_clock::now();
  ReadAll raw;
  while (!raw.closed && std::chrono::steady_clock::now() - start < kDeadline) {
    if (!send_all(fd, "i")) {  // the server has closed: read what it answered
      raw.data += read_until_close(fd, 1s).data;
      raw.closed = true;
      break;
    }
    const ReadAll part = read_until_close(fd, 100ms);
    raw.data += part.data;
    raw.closed = part.closed;
  }
  const Reply r = parse_reply(raw);
  EXPECT_EQ(r.status, 408) << raw.data;
  EXPECT_TRUE(r.closed);
  ::close(fd);
  EXPECT_EQ(f.server->stats().timeouts, 1u);
  // A silent client too.
  const int silent = connect_to(f.port());
  EXPECT_EQ(parse_reply(read_until_close(silent)).status, 408);
  ::close(silent);
  EXPECT_EQ(f.server->stats().timeouts, 2u);
}

TEST(ControlServer, ConnectionCap) {
  ControlServerConfig c = Fixture::with_token();
  c.max_connections = 3;
  c.read_timeout = 60s;  // the idle ones stay until closed
  Fixture f{std::move(c)};
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(connect_to(f.port()));
  ASSERT_TRUE(eventually([&] { return f.server->stats().accepted == 3; }));
  const int extra = connect_to(f.port());
  const ReadAll refused = read_until_close(extra);
  EXPECT_TRUE(refused.closed);
  EXPECT_TRUE(refused.data.empty());
  ::close(extra);
  EXPECT_TRUE(eventually([&] { return f.server->stats().refused_connections == 1; }));
  for (const int fd : idle) ::close(fd);
  // The slots free up as the server sees the closes; then requests are served again.
  ASSERT_TRUE(eventually([&] {
    const int fd = connect_to(f.port());
    const bool ok = send_all(fd, "GET /metrics HTTP/1.1\r\n\r\n") && parse_reply(read_until_close(fd)).status == 200;
    ::close(fd);
    return ok;
  }));
}

TEST(ControlServer, AThrowingHandlerIs500) {
  ControlHandlers h;
  h.metrics = [](std::string&) { throw std::runtime_error("boom"); };
  ControlServer s(ControlServerConfig{}, std::move(h));
  s.start();
  EXPECT_EQ(exchange(s.port(), "GET /metrics HTTP/1.1\r\n\r\n").status, 500);
  EXPECT_EQ(exchange(s.port(), "GET /status HTTP/1.1\r\n\r\n").body, "{}");  // an empty handler
  EXPECT_EQ(s.stats().internal_errors, 1u);
}

TEST(ControlServer, LogLinesForControlsNeverHoldTheToken) {
  Fixture f;
  ASSERT_EQ(exchange(f.port(), post(R"({"action":"posture","posture":"turtle"})", bearer())).status, 200);
  ASSERT_EQ(exchange(f.port(), post(R"({"action":"posture","posture":"shark"})", bearer())).status, 400);
  ASSERT_EQ(exchange(f.port(), post(R"({"action":"flatten"})", bearer("nope"))).status, 401);
  const auto lines = f.log_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "control: posture delivered seq=1");
  EXPECT_NE(lines[1].find("refused 400"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "control: refused 401 (missing or wrong bearer token)");
  for (const auto& l : lines) EXPECT_EQ(l.find(kToken), std::string::npos);
}

TEST(ControlServer, StopIsBoundedIdempotentAndFinal) {
  auto f = std::make_unique<Fixture>();
  const int idle = connect_to(f->port());
  ASSERT_TRUE(eventually([&] { return f->server->stats().accepted == 1; }));
  const auto start = std::chrono::steady_clock::now();
  f->server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(f->server->port(), 0);
  f->server->stop();
  EXPECT_TRUE(read_until_close(idle).closed);
  ::close(idle);
  EXPECT_THROW(f->server->start(), std::logic_error);
  f.reset();  // the destructor after stop
  // And a destructor alone stops a running server.
  { Fixture g; }
}

TEST(ControlServer, EveryRefusalIsCounted) {
  Fixture f;
  EXPECT_EQ(exchange(f.port(), "GET /nope HTTP/1.1\r\n\r\n").status, 404);
  EXPECT_EQ(exchange(f.port(), post("{}", bearer("bad"))).status, 401);
  EXPECT_EQ(exchange(f.port(), "BREW /metrics HTTP/1.1\r\n\r\n").status, 405);
  const auto s = f.server->stats();
  EXPECT_EQ(s.refusals(), 3u);
  EXPECT_EQ(s.requests, 3u);
}

}  // namespace
