// The FIX order gateway's two hops on loopback, against a minimal raw-TCP FIX peer of the benchmark's
// own (bench_fix_peer.hpp: answers the Logon, then stamps the recv() that completes each message):
//
//   BM_OrderToWire/spin/gap_us     OrderCommand pushed into the core's command ring (TSC before
//                                  try_push) → its NewOrderSingle's bytes received by the peer (TSC
//                                  when recv() returns). One order outstanding. spin=1: the peer
//                                  busy-polls recv (tightest stamp); spin=0: poll() + recv (adds the
//                                  peer's wake-up). gap_us: pause after each arrival (0: the router
//                                  is still in its 50 µs spin; 1000: it sleeps on its doorbell).
//   BM_QuickFixSendToWire/spin     baseline, the plain library: the same QuickFIX session's
//                                  Session::send of an already-built NewOrderSingle, called from the
//                                  benchmark thread (no ring, no router, no mapping) → peer recv.
//   BM_TcpWriteToWire/spin         floor: write() of the pre-framed bytes on a plain loopback TCP
//                                  connection → peer recv.
//   BM_MapAndEncode                the router's CPU work per order without the session:
//                                  to_fix_new_order + encode (TSC per call).
//   BM_OrderThroughput             pipelined: 20 k commands pushed as fast as the ring takes them →
//                                  all 20 k received; orders/s; beside BM_QuickFixSendThroughput.
//   BM_ReportToRing/gap_us         a pre-encoded ExecutionReport (35=8, correct MsgSeqNum, fresh
//                                  SendingTime) written by the peer (TSC before write) → its
//                                  ExecReport event at the front of the gateway's session_events ring
//                                  (the benchmark thread spins on front(), as the core does).
//   BM_ReportDecode                floor: FIX::Message parse + keel decode + to_exec_report on one
//                                  thread (what the session thread must do at least).
//
// Correctness before timing: every message the peer receives must be a NewOrderSingle with the
// ClOrdID, symbol, side, price and quantity of the command just pushed (or sent); every event popped
// must be the ExecReport of the report just written (kind, ExecType, client order id); the gateway
// must stay logged on with no failed sends, no malformed reports and no refusals. Any deviation is
// SkipWithError. Allocations of the benchmark thread (which plays the core: push commands, pop
// reports) are counted with AllocationScope over each timed loop (`core_allocs`, must be 0).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_fix_peer.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/gateway/fix/fix_order_gateway.hpp"
#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/fix_mapping.hpp"
#include "keel/protocol/fix/quickfix.hpp"
#include "latency_histogram.hpp"
#include "tsc.hpp"

namespace {

using namespace keel;
using namespace keel::bench;
namespace pf = keel::protocol::fix;

constexpr int kWarmup = 2'000;
constexpr int kSamples = 20'000;
constexpr int kPipelined = 20'000;
constexpr std::size_t kMaxOrders = 1 << 20;
constexpr const char* kPrice = "20000.00";  // far below any market: the order would rest
constexpr const char* kQty = "0.00100";

std::int64_t wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

OrderCommand new_order(std::uint32_t id) {
  OrderCommand c;
  c.ts = 1;
  c.client_order_id = id;
  c.instrument = 0;
  c.action = OrderAction::kNew;
  c.side = Side::kBuy;
  c.type = OrderType::kLimit;
  c.tif = TimeInForce::kGtc;
  c.price = Price::parse(kPrice).value();
  c.qty = Qty::parse(kQty).value();
  return c;
}

// Reads one connection on its own thread; checks every 35=D against the expected ClOrdID (orders
// are numbered 1, 2, … over the whole program) and records its arrival stamp by order number.
class Peer {
 public:
  Peer(const ClOrdIdCodec& ids, bool fix_session) : ids_(ids), fix_session_(fix_session), arrival_(kMaxOrders + 1, 0) {}
  ~Peer() { close_all(); }

  void start_accepting(int listen_fd) {
    thread_ = std::thread([this, listen_fd] {
      fd_ = ::accept(listen_fd, nullptr, nullptr);
      if (fd_ < 0) return fail("accept failed");
      nodelay(fd_);
      run();
    });
  }
  void start_on(int fd) {
    fd_ = fd;
    thread_ = std::thread([this] { run(); });
  }
  void close_all() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::atomic<bool> spin{false};
  std::atomic<bool> logged_on{false};
  std::atomic<std::uint32_t> arrived{0};  // orders received (the highest order number)
  gateway::Doorbell bell;                 // rung after every arrival
  std::string error;                      // set once, by the peer thread, before `failed`
  std::atomic<bool> failed{false};
  int fd() const noexcept { return fd_; }
  std::uint64_t arrival(std::uint32_t order) const noexcept { return arrival_[order]; }
  int next_out_seq() noexcept { return ++out_seq_; }  // the writer's (benchmark thread's) side

  // Waits (futex, 1 ms slices) until order `n` arrived; false on failure or after 5 s.
  bool wait_for(std::uint32_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      const std::uint32_t t = bell.ticket();
      if (arrived.load(std::memory_order_acquire) >= n) return true;
      if (failed.load(std::memory_order_acquire)) return false;
      if (std::chrono::steady_clock::now() > deadline) return false;
      bell.wait(t, 1'000'000);
    }
  }

 private:
  void fail(std::string why) {
    if (!failed.load()) {
      error = std::move(why);
      failed.store(true, std::memory_order_release);
      bell.ring();
    }
  }

  void run() {
    FixStreamReader reader(fd_, &spin);
    std::string msg;
    std::uint64_t stamp = 0;
    if (fix_session_) {
      if (!reader.next(msg, stamp, &stop_)) return fail("no Logon");
      if (fix_field(msg, "35") != "A") return fail("first message is not a Logon");
      std::string body = "35=A\x01" "49=KEELSIM\x01" "56=KEEL\x01" "34=1\x01" "52=" + fix_utc_now() +
                         "\x01" "98=0\x01" "108=" + std::string(fix_field(msg, "108")) + "\x01";
      if (fix_field(msg, "141") == "Y") body += "141=Y\x01";
      if (!write_all(fd_, fix_frame(body))) return fail("Logon answer not written");
      logged_on.store(true, std::memory_order_release);
    }
    while (reader.next(msg, stamp, &stop_)) {
      const std::string_view type = fix_field(msg, "35");
      if (type == "D") {
        const std::uint32_t n = arrived.load(std::memory_order_relaxed) + 1;
        if (n > kMaxOrders) return fail("too many orders");
        const ClOrdId expect = ids_.format(n);
        if (fix_field(msg, "11") != expect.view()) return fail("ClOrdID " + std::string(fix_field(msg, "11")) + " != " + std::string(expect.view()));
        if (fix_field(msg, "55") != "BTCUSDT" || fix_field(msg, "54") != "1" || fix_field(msg, "40") != "2" ||
            fix_field(msg, "44") != "20000" || fix_field(msg, "38") != "0.001")
          return fail("NewOrderSingle fields differ: " + msg);
        arrival_[n] = stamp;
        arrived.store(n, std::memory_order_release);
        bell.ring();
      } else if (type == "5") {
        const std::string body = "35=5\x01" "49=KEELSIM\x01" "56=KEEL\x01" "34=" + std::to_string(next_out_seq()) +
                                 "\x01" "52=" + fix_utc_now() + "\x01";
        (void)write_all(fd_, fix_frame(body));
        return;
      } else if (type == "AF") {
        // The gateway's OrderMassStatusRequest after its logon: no open orders (911=0, 912=Y).
        const std::string body = "35=8\x01" "49=KEELSIM\x01" "56=KEEL\x01" "34=" + std::to_string(next_out_seq()) +
                                 "\x01" "52=" + fix_utc_now() + "\x01" "37=NONE\x01" "17=MS0\x01" "11=NONE\x01"
                                 "55=NONE\x01" "54=1\x01" "150=I\x01" "39=8\x01" "14=0\x01" "151=0\x01" "6=0\x01"
                                 "584=" + std::string(fix_field(msg, "584")) + "\x01" "911=0\x01" "912=Y\x01";
        (void)write_all(fd_, fix_frame(body));
      } else if (type != "0") {
        return fail("unexpected message: " + msg);
      }
    }
  }

  ClOrdIdCodec ids_;
  bool fix_session_;
  std::vector<std::uint64_t> arrival_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int fd_ = -1;
  int out_seq_ = 1;  // the Logon answer was 1
};

// The gateway wired as the paper runtime wires it, connected to a Peer.
struct Rig {
  SpscRing<OrderCommand> commands{4096};
  SpscRing<Event> session_events{1 << 14};
  SpscRing<Event> router_events{1 << 14};
  gateway::Doorbell router_bell;
  gateway::Doorbell core_bell;
  ClOrdIdCodec ids{ClOrdIdCodec::run_id(7, 11)};
  std::string dir;
  int listen_fd = -1;
  std::uint16_t port = 0;
  Peer peer{ids, true};
  std::unique_ptr<gateway::FixOrderGateway> gw;
  std::uint32_t orders = 0;  // orders pushed or sent so far (the last order number)
  std::string error;

  Rig() {
    char tmpl[] = "/tmp/keel_bench_fix_XXXXXX";
    dir = ::mkdtemp(tmpl);
    listen_fd = listen_loopback(port);
    peer.start_accepting(listen_fd);
    gateway::FixSessionSettings s;
    s.port = port;
    s.sender_comp_id = "KEEL";
    s.target_comp_id = "KEELSIM";
    s.heartbeat_s = 600;  // no heartbeat or test request is due within a run
    s.store_dir = dir + "/store";
    s.reset_seq_num = true;
    // Experiments: the router's spin before it sleeps (default 50 µs, FixSessionSettings::spin_ns).
    if (const char* spin = std::getenv("KEEL_BENCH_ROUTER_SPIN_NS")) s.spin_ns = std::atoll(spin);
    if (std::getenv("KEEL_BENCH_FIX_LOG") != nullptr) s.log_dir = dir + "/log";  // debugging only
    gw = std::make_unique<gateway::FixOrderGateway>(s, std::vector<std::string>{"BTCUSDT"}, ids, commands, router_bell,
                                                    session_events, router_events, &core_bell);
    gw->set_log([](std::string_view line) {
      if (std::getenv("KEEL_BENCH_FIX_LOG") != nullptr) std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    });
    gw->start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!gw->counters().logged_on.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!gw->counters().logged_on.load()) error = "the gateway did not log on";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Event e;
    while (session_events.try_pop(e)) {}  // the session-state Controls
  }
  ~Rig() {
    gw->stop();
    peer.close_all();
    ::close(listen_fd);
    if (std::getenv("KEEL_BENCH_FIX_LOG") == nullptr) std::filesystem::remove_all(dir);
  }
  // Anything the gateway counted that a clean run never has.
  std::string health() const {
    const auto& c = gw->counters();
    if (peer.failed.load()) return "peer: " + peer.error;
    if (!c.logged_on.load()) return "the session dropped";
    if (c.send_failed.load() || c.not_sent.load() || c.unmappable.load() || c.malformed.load() ||
        c.unknown_orders.load() || c.session_rejects.load() || c.business_rejects.load())
      return "the gateway counted failures";
    return {};
  }
  void drain_router_events() {
    Event e;
    while (router_events.try_pop(e)) {}  // timers (every 100 ms)
  }
};

Rig* g_rig = nullptr;
Rig& rig() {
  if (g_rig == nullptr) g_rig = new Rig();
  return *g_rig;
}

void publish(benchmark::State& state, LatencyHistogram& h, const char* prefix) {
  report_latency(state, h.summarize(ns_per_tick() / 1000.0), prefix);  // µs
}

// ---- 1. OrderCommand in the ring → FIX bytes on the socket ----

void BM_OrderToWire(benchmark::State& state) {
  Rig& r = rig();
  if (!r.error.empty()) return state.SkipWithError(r.error.c_str());
  r.peer.spin.store(state.range(0) != 0);
  const auto gap = std::chrono::microseconds(state.range(1));
  LatencyHistogram h;
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    h.reserve(kSamples);
    AllocationScope scope;
    for (int i = 0; i < kWarmup + kSamples; ++i) {
      if (i == kWarmup) scope.restart();
      const std::uint32_t n = ++r.orders;
      const OrderCommand c = new_order(n);
      const std::uint64_t t0 = tsc_now();
      if (!r.commands.try_push(c)) return state.SkipWithError("command ring full");
      r.router_bell.ring();
      if (!r.peer.wait_for(n)) return state.SkipWithError(("order did not arrive: " + r.peer.error).c_str());
      if (i >= kWarmup) h.record(r.peer.arrival(n) - t0);
      if (gap.count() > 0) std::this_thread::sleep_for(gap);
      if ((i & 1023) == 0) r.drain_router_events();
    }
    allocs = scope.allocations();
  }
  r.drain_router_events();
  if (const std::string e = r.health(); !e.empty()) return state.SkipWithError(e.c_str());
  publish(state, h, "us_");
  state.counters["core_allocs"] = benchmark::Counter(static_cast<double>(allocs));
}
BENCHMARK(BM_OrderToWire)->ArgNames({"spin", "gap_us"})->Args({1, 0})->Args({0, 0})->Args({1, 1000})->Args({0, 1000})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

FIX::Message built_order(Rig& r, std::uint32_t n) {
  auto o = pf::to_fix_new_order(new_order(n), r.ids, "BTCUSDT", wall_ns());
  return pf::encode(o.value());
}

void BM_QuickFixSendToWire(benchmark::State& state) {
  Rig& r = rig();
  if (!r.error.empty()) return state.SkipWithError(r.error.c_str());
  r.peer.spin.store(state.range(0) != 0);
  FIX::Session* session = FIX::Session::lookupSession(FIX::SessionID("FIX.4.4", "KEEL", "KEELSIM"));
  if (session == nullptr) return state.SkipWithError("no session");
  LatencyHistogram h;
  for (auto _ : state) {
    h.reserve(kSamples);
    for (int i = 0; i < kWarmup + kSamples; ++i) {
      const std::uint32_t n = ++r.orders;
      FIX::Message m = built_order(r, n);
      const std::uint64_t t0 = tsc_now();
      if (!session->send(m)) return state.SkipWithError("Session::send failed");
      if (!r.peer.wait_for(n)) return state.SkipWithError(("order did not arrive: " + r.peer.error).c_str());
      if (i >= kWarmup) h.record(r.peer.arrival(n) - t0);
      if ((i & 1023) == 0) r.drain_router_events();
    }
  }
  if (const std::string e = r.health(); !e.empty()) return state.SkipWithError(e.c_str());
  publish(state, h, "us_");
}
BENCHMARK(BM_QuickFixSendToWire)->ArgNames({"spin"})->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_TcpWriteToWire(benchmark::State& state) {
  const ClOrdIdCodec ids{ClOrdIdCodec::run_id(7, 11)};
  std::uint16_t port = 0;
  const int lfd = listen_loopback(port);
  const int cfd = connect_loopback(port);
  const int afd = ::accept(lfd, nullptr, nullptr);
  nodelay(afd);
  Peer peer(ids, false);
  peer.spin.store(state.range(0) != 0);
  peer.start_on(afd);
  LatencyHistogram h;
  for (auto _ : state) {
    h.reserve(kSamples);
    for (std::uint32_t n = 1; n <= static_cast<std::uint32_t>(kWarmup + kSamples); ++n) {
      const std::string bytes = fix_frame("35=D\x01" "49=KEEL\x01" "56=KEELSIM\x01" "34=" + std::to_string(n + 1) +
                                          "\x01" "52=" + fix_utc_now() + "\x01" "11=" + std::string(ids.format(n).view()) +
                                          "\x01" "55=BTCUSDT\x01" "54=1\x01" "40=2\x01" "44=20000\x01" "38=0.001\x01"
                                          "59=1\x01" "60=" + fix_utc_now() + "\x01");
      const std::uint64_t t0 = tsc_now();
      if (!write_all(cfd, bytes)) return state.SkipWithError("write failed");
      if (!peer.wait_for(n)) return state.SkipWithError(("bytes did not arrive: " + peer.error).c_str());
      if (n > static_cast<std::uint32_t>(kWarmup)) h.record(peer.arrival(n) - t0);
    }
  }
  ::shutdown(cfd, SHUT_RDWR);
  peer.close_all();
  ::close(cfd);
  ::close(lfd);
  publish(state, h, "us_");
}
BENCHMARK(BM_TcpWriteToWire)->ArgNames({"spin"})->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_MapAndEncode(benchmark::State& state) {
  const ClOrdIdCodec ids{ClOrdIdCodec::run_id(7, 11)};
  // Correctness: the encoded message carries the command's fields.
  {
    FIX::Message m = pf::encode(pf::to_fix_new_order(new_order(42), ids, "BTCUSDT", wall_ns()).value());
    if (m.getField(11) != std::string(ids.format(42).view()) || m.getField(44) != "20000" || m.getField(38) != "0.001")
      return state.SkipWithError("encoded NewOrderSingle differs");
  }
  LatencyHistogram h;
  h.reserve(1'000'000);
  const std::uint64_t overhead = tsc_overhead();
  std::uint32_t n = 0;
  for (auto _ : state) {
    const std::uint64_t t0 = tsc_now();
    auto o = pf::to_fix_new_order(new_order(++n), ids, "BTCUSDT", wall_ns());
    FIX::Message m = pf::encode(o.value());
    benchmark::DoNotOptimize(m);
    const std::uint64_t t1 = tsc_now();
    h.record(t1 - t0 > overhead ? t1 - t0 - overhead : 0);
  }
  publish(state, h, "us_");
}
BENCHMARK(BM_MapAndEncode)->Unit(benchmark::kNanosecond);

void BM_OrderThroughput(benchmark::State& state) {
  Rig& r = rig();
  if (!r.error.empty()) return state.SkipWithError(r.error.c_str());
  r.peer.spin.store(false);
  const bool via_gateway = state.range(0) != 0;
  FIX::Session* session = FIX::Session::lookupSession(FIX::SessionID("FIX.4.4", "KEEL", "KEELSIM"));
  double rate = 0;
  for (auto _ : state) {
    const std::uint32_t first = r.orders + 1;
    const std::uint64_t t0 = tsc_now();
    for (int i = 0; i < kPipelined; ++i) {
      const std::uint32_t n = ++r.orders;
      if (via_gateway) {
        const OrderCommand c = new_order(n);
        while (!r.commands.try_push(c)) std::this_thread::yield();
        r.router_bell.ring();
      } else {
        FIX::Message m = built_order(r, n);
        if (!session->send(m)) return state.SkipWithError("Session::send failed");
      }
    }
    if (!r.peer.wait_for(r.orders)) return state.SkipWithError(("orders did not arrive: " + r.peer.error).c_str());
    const double s = static_cast<double>(r.peer.arrival(r.orders) - t0) * ns_per_tick() * 1e-9;
    rate = static_cast<double>(r.orders - first + 1) / s;
  }
  r.drain_router_events();
  if (const std::string e = r.health(); !e.empty()) return state.SkipWithError(e.c_str());
  state.counters["orders_per_s"] = benchmark::Counter(rate);
}
BENCHMARK(BM_OrderThroughput)->ArgNames({"gateway"})->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

// ---- 2. ExecutionReport on the socket → ExecReport in the core's ring ----

std::string report_bytes(Rig& r, std::uint32_t order, int seq) {
  pf::FixExecReport x;
  (void)x.order_id.assign("O" + std::to_string(order));
  (void)x.exec_id.assign("E" + std::to_string(order));
  (void)x.cl_ord_id.assign(r.ids.format(order).view());
  (void)x.symbol.assign("BTCUSDT");
  x.side = Side::kBuy;
  x.exec_type = ExecType::kNew;
  x.ord_status = OrderStatus::kNew;
  x.leaves_qty = Qty::parse(kQty).value();
  FIX::Message m = pf::encode(x);
  FIX::Header& h = m.getHeader();
  h.setField(8, "FIX.4.4");
  h.setField(49, "KEELSIM");
  h.setField(56, "KEEL");
  h.setField(34, std::to_string(seq));
  h.setField(52, fix_utc_now());
  return m.toString();
}

void BM_ReportToRing(benchmark::State& state) {
  Rig& r = rig();
  if (!r.error.empty()) return state.SkipWithError(r.error.c_str());
  r.peer.spin.store(false);
  const auto gap = std::chrono::microseconds(state.range(0));
  LatencyHistogram h;
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    h.reserve(kSamples);
    // Pre-encoded, with fresh SendingTimes (QuickFIX checks them against its clock).
    std::vector<std::string> wire;
    wire.reserve(kWarmup + kSamples);
    for (int i = 0; i < kWarmup + kSamples; ++i)
      wire.push_back(report_bytes(r, static_cast<std::uint32_t>(i + 1), r.peer.next_out_seq()));
    AllocationScope scope;
    for (int i = 0; i < kWarmup + kSamples; ++i) {
      if (i == kWarmup) scope.restart();
      const std::uint64_t t0 = tsc_now();
      if (!write_all(r.peer.fd(), wire[static_cast<std::size_t>(i)])) return state.SkipWithError("write failed");
      const Event* e = nullptr;
      std::uint64_t spins = 0;
      while ((e = r.session_events.front()) == nullptr) {
        if ((++spins & 0xFFFFF) == 0 && tsc_now() - t0 > static_cast<std::uint64_t>(5e9 / ns_per_tick()))
          return state.SkipWithError(("no ExecReport within 5 s; peer: " + r.peer.error + "; sent: " + wire[static_cast<std::size_t>(i)]).c_str());
      }
      const std::uint64_t t1 = tsc_now();
      if (e->header.kind != EventKind::kExecReport || static_cast<ExecType>(e->header.subtype) != ExecType::kNew ||
          e->exec.client_order_id != static_cast<std::uint32_t>(i + 1))
        return state.SkipWithError("the event is not the report just written");
      r.session_events.pop();
      if (i >= kWarmup) h.record(t1 - t0);
      if (gap.count() > 0) std::this_thread::sleep_for(gap);
    }
    allocs = scope.allocations();
  }
  r.drain_router_events();
  if (const std::string e = r.health(); !e.empty()) return state.SkipWithError(e.c_str());
  publish(state, h, "us_");
  state.counters["core_allocs"] = benchmark::Counter(static_cast<double>(allocs));
}
BENCHMARK(BM_ReportToRing)->ArgNames({"gap_us"})->Arg(0)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_ReportDecode(benchmark::State& state) {
  Rig& r = rig();
  const std::string bytes = report_bytes(r, 7, 2);
  LatencyHistogram h;
  h.reserve(1'000'000);
  const std::uint64_t overhead = tsc_overhead();
  {
    FIX::Message m(bytes, false);
    pf::FixExecReport x;
    if (pf::decode(m, "KEELSIM", x)) return state.SkipWithError("decode failed");
    const auto rep = pf::to_exec_report(x, r.ids, {0, 0, 1});
    if (!rep.ok() || rep.value().client_order_id != 7) return state.SkipWithError("mapping failed");
  }
  for (auto _ : state) {
    const std::uint64_t t0 = tsc_now();
    FIX::Message m(bytes, false);
    pf::FixExecReport x;
    const pf::DecodeError err = pf::decode(m, "KEELSIM", x);
    const auto rep = pf::to_exec_report(x, r.ids, {0, 0, 1});
    benchmark::DoNotOptimize(rep);
    const std::uint64_t t1 = tsc_now();
    if (err) return state.SkipWithError("decode failed");
    h.record(t1 - t0 > overhead ? t1 - t0 - overhead : 0);
  }
  publish(state, h, "us_");
}
BENCHMARK(BM_ReportDecode)->Unit(benchmark::kNanosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::fprintf(stderr, "ns_per_tick=%.4f tsc_overhead=%llu allocation_hooks=%d\n", ns_per_tick(),
               static_cast<unsigned long long>(tsc_overhead()), static_cast<int>(allocation_hooks_installed()));
  benchmark::RunSpecifiedBenchmarks();
  delete g_rig;
  benchmark::Shutdown();
  return 0;
}
