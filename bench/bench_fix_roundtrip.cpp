// FIX order round trip on loopback: a raw-socket client sends a NewOrderSingle and waits for the
// ExecutionReport, one at a time. The venue side decodes the order with keel's FIX codec and answers
// with one report (no matching: this measures the FIX port, not the engine).
//
//   BM_FixRoundTrip/keel      keel's FixAcceptor: epoll network layer + QuickFIX sessions (issue 9)
//   BM_FixRoundTrip/quickfix  the peer: QuickFIX 1.15.1's own SocketAcceptor (select()), same
//                             sessions, store and application code
//
// Correctness first: every reply must be an ExecutionReport (35=8) for the ClOrdID just sent, or the
// benchmark fails. Reported: round-trip latency p50/p99/p99.9/max (ns) and round trips per second.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/quickfix.hpp"
#include "keel/sim/fix_acceptor.hpp"
#include "latency_histogram.hpp"

namespace {

using namespace keel::sim;
constexpr int kRoundTrips = 20'000;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string frame(const std::string& body) {
  std::string msg = "8=FIX.4.4\x01" "9=" + std::to_string(body.size()) + "\x01" + body;
  unsigned sum = 0;
  for (const char c : msg) sum += static_cast<unsigned char>(c);
  char trailer[16];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return msg + trailer;
}

FixExecReport report_for(const FixNewOrder& order, int id) {
  FixExecReport r;
  r.session = order.session;
  (void)r.order_id.assign("O" + std::to_string(id));
  (void)r.exec_id.assign("E" + std::to_string(id));
  r.cl_ord_id = order.cl_ord_id;
  r.symbol = order.symbol;
  r.side = order.side;
  r.exec_type = keel::ExecType::kNew;
  r.ord_status = keel::OrderStatus::kNew;
  r.leaves_qty = order.qty;
  return r;
}

// keel's acceptor: the handler answers through FixAcceptor::send_execution_report.
class KeelHandler final : public FixOrderHandler {
 public:
  FixAcceptor* acceptor = nullptr;
  void on_new_order(const FixNewOrder& o) override { acceptor->send_execution_report(report_for(o, ++id_)); }
  void on_cancel(const FixCancel&) override {}
  void on_replace(const FixReplace&) override {}
  void on_status_request(const FixStatusRequest&) override {}

 private:
  int id_ = 0;
};

// The peer: a QuickFIX Application doing the same decode and answer.
class QuickFixApp final : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    FixNewOrder order;
    if (keel::protocol::fix::decode(msg, id.getTargetCompID().getValue(), order)) return;
    FIX::Message reply = keel::protocol::fix::encode(report_for(order, ++id_));
    FIX::Session::sendToTarget(reply, id);
  }

 private:
  int id_ = 0;
};

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 100 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Client() { ::close(fd_); }
  void send(const std::string& m) const {
    std::string_view rest = m;
    while (!rest.empty()) {
      const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // The next whole message; empty when the peer closed.
  std::string read() {
    for (;;) {
      const std::size_t trailer = in_.find("\x01" "10=");
      if (trailer != std::string::npos && in_.size() >= trailer + 8) {
        std::string m = in_.substr(0, trailer + 8);
        in_.erase(0, trailer + 8);
        return m;
      }
      // Busy-polls, as a latency client does: a sleeping client adds its own wake-up (tens of µs
      // on a VM) to every round trip.
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return {};
      if (n > 0) in_.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string in_;
};

bool has(const std::string& m, std::string_view field) { return m.find(field) != std::string::npos; }

// Logs on as BOB, then times kRoundTrips orders.
void run_client(benchmark::State& state, std::uint16_t port) {
  Client c(port);
  const std::string now = utc_now();
  c.send(frame("35=A\x01" "49=BOB\x01" "56=KEELSIM\x01" "34=1\x01" "52=" + now +
               "\x01" "98=0\x01" "108=30\x01" "141=Y\x01"));
  if (!has(c.read(), "\x01" "35=A\x01")) {
    state.SkipWithError("no Logon answer");
    return;
  }
  keel::bench::LatencyHistogram hist;
  hist.reserve(kRoundTrips);
  int seq = 2;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRoundTrips; ++i) {
    const std::string id = "c" + std::to_string(i);
    const std::string order = frame("35=D\x01" "49=BOB\x01" "56=KEELSIM\x01" "34=" + std::to_string(seq++) +
                                    "\x01" "52=" + now + "\x01" "11=" + id +
                                    "\x01" "55=BTCUSDT\x01" "54=1\x01" "38=0.001\x01" "40=2\x01" "44=27000\x01"
                                    "59=1\x01" "60=" + now + "\x01");
    const auto start = std::chrono::steady_clock::now();
    c.send(order);
    const std::string reply = c.read();
    const auto end = std::chrono::steady_clock::now();
    if (!has(reply, "\x01" "35=8\x01") || !has(reply, "\x01" "11=" + id + "\x01")) {
      state.SkipWithError(("wrong reply to " + id + ": " + reply).c_str());
      return;
    }
    hist.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  keel::bench::report_latency(state, hist.summarize(), "rtt_ns_");
  state.counters["round_trips_per_s"] = benchmark::Counter(kRoundTrips / seconds);
}

std::filesystem::path store(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string("keel_bench_fix_") + name + "_" + std::to_string(::getpid()));
}

void BM_FixRoundTripKeel(benchmark::State& state) {
  for (auto _ : state) {
    const auto dir = store("keel");
    {
      KeelHandler handler;
      FixAcceptorConfig config;
      config.accounts = {{"BOB", ""}};
      config.store_dir = dir.string();
      FixAcceptor acceptor(config, handler);
      handler.acceptor = &acceptor;
      acceptor.start();
      run_client(state, acceptor.port());
    }
    std::filesystem::remove_all(dir);
  }
}

void BM_FixRoundTripQuickFix(benchmark::State& state) {
  for (auto _ : state) {
    const auto dir = store("quickfix");
    {
      QuickFixApp app;
      const std::uint16_t port = free_port();
      FIX::Dictionary d;
      d.setString("ConnectionType", "acceptor");
      d.setInt("SocketAcceptPort", port);
      d.setString("SocketNodelay", "Y");
      d.setString("FileStorePath", dir.string());
      d.setString("UseDataDictionary", "N");
      d.setString("StartTime", "00:00:00");
      d.setString("EndTime", "00:00:00");
      d.setString("TimestampPrecision", "6");
      FIX::SessionSettings settings;
      settings.set(d);
      settings.set(FIX::SessionID("FIX.4.4", "KEELSIM", "BOB"), FIX::Dictionary());
      FIX::FileStoreFactory store_factory(settings);
      FIX::SocketAcceptor acceptor(app, store_factory, settings);
      acceptor.start();
      run_client(state, port);
      acceptor.stop(true);
    }
    std::filesystem::remove_all(dir);
  }
}

}  // namespace

BENCHMARK(BM_FixRoundTripKeel)->Name("BM_FixRoundTrip/keel")->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixRoundTripQuickFix)->Name("BM_FixRoundTrip/quickfix")->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
