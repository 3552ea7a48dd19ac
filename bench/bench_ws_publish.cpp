// MarketDataServer WebSocket publishing: throughput and publish→receive latency to one client on
// loopback.
//
// The workload (built once, before anything is timed, from RngStream("bench-ws-publish", 7)):
//  * kMessages spot payloads for BTCUSDT, encoded with the keel::protocol::binance encoders: three in four are
//    trades on btcusdt@trade (trade id = the message's sequence number), one in four depth diffs on
//    btcusdt@depth@100ms with 2–4 changed levels per side (U = u = the sequence number). Prices move
//    in a random walk around 30 000 with 8 decimals as spot writes them; payloads are ~160–330 bytes.
//  * One server (publish queue 65 536 as configured by default; the connection queue is sized to hold
//    a whole iteration, so a flood never makes the server drop the client as a slow consumer) and one
//    client: a libwebsockets client context serviced on its own thread, connected either to
//    /ws/btcusdt@trade/btcusdt@depth@100ms (raw) or to /stream?streams=… (combined, each frame
//    wrapped as {"stream":…,"data":…}).
//  * The producer (the benchmark thread) calls publish(stream, payload) for every message in order.
//    When publish() refuses (its hand-off queue is full) it counts the refusal, yields and retries the
//    same message. range(1) = 0: as fast as publish() accepts (max rate); otherwise an offered rate
//    in messages/s: message i is due at start + i/rate; the producer publishes every due message,
//    then sleeps until the next one is due (timer slack 1 ns).
//
// Reported per benchmark: items_per_second (messages/s from the first publish() to the client's
// receipt of the last message, manual time), bytes_per_second (frame payload bytes received),
// refused (publish() refusals per iteration), cpu_ns_per_msg_{producer,server,client} (CPU time
// each thread ran during the timed iterations, from /proc/self/task/*/schedstat, per message: the
// server's service thread is every thread that is neither the producer nor the client; the producer's
// includes the waiting between iterations and, at an offered rate, its sleeps' overhead), and the
// latency histogram lat_ns_* in ns: the client's
// receive time (the libwebsockets receive callback that completes the frame) minus the time the
// producer made the publish() call that was accepted (steady_clock, one process, so the same clock).
// At max rate the latency mostly measures the backlog the flood builds (queueing), not service time.
//
// The workload's digest (FNV-1a over each message's stream and payload) and payload size range are
// printed as the benchmark's label. Correctness first, on every message of every iteration: the client requires frame i to be
// byte-identical to message i as published (raw) or to its combined wrapper (length and memcmp of
// prefix, payload and suffix), so a lost, duplicated, reordered or altered frame fails; it also
// requires every frame to be a single complete text message. After each iteration the benchmark
// requires exactly kMessages frames received, the server's stats to show kMessages more accepted
// publishes, no slow-consumer disconnect and one open connection; anything else is SkipWithError.
#include <dirent.h>
#include <libwebsockets.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/primitives/rng.hpp"
#include "keel/protocol/binance/encode.hpp"
#include "keel/sim/market_data_server.hpp"
#include "latency_histogram.hpp"

namespace {

namespace binance = keel::protocol::binance;
using keel::Price;
using keel::Qty;
using keel::sim::DepthSnapshotProvider;
using keel::sim::MarketDataServer;
using keel::sim::MarketDataServerConfig;

constexpr std::size_t kMessages = 250'000;  // published per iteration
constexpr std::int64_t kScale = 100'000'000;
constexpr std::string_view kStreams[2] = {"btcusdt@trade", "btcusdt@depth@100ms"};

std::int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// CPU time each thread of this process has run, in ns (/proc/self/task/<tid>/schedstat), by tid.
std::vector<std::pair<pid_t, std::int64_t>> thread_cpu_ns() {
  std::vector<std::pair<pid_t, std::int64_t>> out;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/self/task/") + e->d_name + "/schedstat";
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      long long ns = 0;
      if (std::fscanf(f, "%lld", &ns) == 1) out.emplace_back(static_cast<pid_t>(std::atoi(e->d_name)), ns);
      std::fclose(f);
    }
  }
  closedir(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Workload

struct Workload {
  std::string bytes;                  // every payload, back to back
  std::vector<std::uint32_t> offset;  // payload i = bytes[offset[i], offset[i + 1])
  std::vector<std::uint8_t> stream;   // index into kStreams
  std::string prefix[2];              // combined wrapper before the payload, per stream
  std::string suffix;                 // … and after it
  std::size_t min_len = SIZE_MAX, max_len = 0;
  std::uint64_t digest = 0xcbf29ce484222325ull;  // FNV-1a over stream index and payload of each message

  [[nodiscard]] std::string_view payload(std::size_t i) const noexcept {
    return std::string_view(bytes).substr(offset[i], offset[i + 1] - offset[i]);
  }
};

std::unique_ptr<Workload> build_workload() {
  auto w = std::make_unique<Workload>();
  const binance::SymbolFormat fmt = binance::make_symbol_format("BTCUSDT", 8, 8, 8).value();
  keel::RngStream rng("bench-ws-publish", 7);
  auto below = [&](std::uint64_t n) { return rng.next() % n; };
  std::int64_t mid = 30'000 * 100;  // in 0.01 ticks
  std::int64_t time_ms = 1'700'000'000'000;
  std::string one;
  w->bytes.reserve(kMessages * 256);
  w->offset.reserve(kMessages + 1);
  w->stream.reserve(kMessages);
  for (std::size_t i = 0; i < kMessages; ++i) {
    time_ms += static_cast<std::int64_t>(below(3));
    mid += static_cast<std::int64_t>(below(5)) - 2;
    one.clear();
    const std::uint64_t seq = i + 1;
    if (i % 4 != 3) {
      binance::TradeMsg t;
      t.event_time_ms = time_ms;
      t.trade_time_ms = time_ms;
      t.trade_id = seq;
      t.price = Price::from_raw((mid + static_cast<std::int64_t>(below(3)) - 1) * (kScale / 100));
      t.qty = Qty::from_raw(static_cast<std::int64_t>(1 + below(200'000)) * 1000);
      t.buyer_is_maker = below(2) == 0;
      binance::encode_trade(one, binance::Market::kSpot, fmt, t);
      w->stream.push_back(0);
    } else {
      binance::Level bids[4], asks[4];
      const std::size_t nb = 2 + below(3), na = 2 + below(3);
      for (std::size_t k = 0; k < nb; ++k) {
        bids[k] = {Price::from_raw((mid - 1 - static_cast<std::int64_t>(k + below(3))) * (kScale / 100)),
                   Qty::from_raw(static_cast<std::int64_t>(below(5'000'000)) * 1000)};
      }
      for (std::size_t k = 0; k < na; ++k) {
        asks[k] = {Price::from_raw((mid + 1 + static_cast<std::int64_t>(k + below(3))) * (kScale / 100)),
                   Qty::from_raw(static_cast<std::int64_t>(below(5'000'000)) * 1000)};
      }
      binance::DepthMsg d;
      d.event_time_ms = time_ms;
      d.first_update_id = seq;
      d.final_update_id = seq;
      d.bids = std::span<const binance::Level>(bids, nb);
      d.asks = std::span<const binance::Level>(asks, na);
      binance::encode_depth_diff(one, binance::Market::kSpot, fmt, d);
      w->stream.push_back(1);
    }
    w->offset.push_back(static_cast<std::uint32_t>(w->bytes.size()));
    w->bytes.append(one);
    w->digest = (w->digest ^ w->stream.back()) * 0x100000001b3ull;
    for (const char ch : one) w->digest = (w->digest ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
    w->min_len = std::min(w->min_len, one.size());
    w->max_len = std::max(w->max_len, one.size());
  }
  w->offset.push_back(static_cast<std::uint32_t>(w->bytes.size()));
  for (int s = 0; s < 2; ++s) {
    std::string wrapped;
    binance::begin_combined(wrapped, kStreams[s]);
    w->prefix[s] = wrapped;
    binance::end_combined(wrapped);
    w->suffix = wrapped.substr(w->prefix[s].size());
  }
  return w;
}

const Workload& workload() {
  static const std::unique_ptr<Workload> w = build_workload();
  return *w;
}

// ---------------------------------------------------------------------------------------------------
// Client: a libwebsockets client context with one connection, serviced on its own thread. It checks
// every frame against the workload and timestamps it.

class BenchClient {
 public:
  BenchClient(std::uint16_t port, std::string path, bool combined, const std::atomic<std::int64_t>* sent_ns)
      : port_(port), path_(std::move(path)), combined_(combined), sent_ns_(sent_ns) {
    rx_.reserve(1 << 16);
    thread_ = std::thread([this] { run(); });
  }
  ~BenchClient() {
    stop_.store(true, std::memory_order_release);
    if (lws_context* ctx = context_.load(std::memory_order_acquire)) lws_cancel_service(ctx);
    thread_.join();
  }
  BenchClient(const BenchClient&) = delete;
  BenchClient& operator=(const BenchClient&) = delete;

  // Waits (up to 5 s) for the handshake; false if it failed.
  bool wait_established() {
    for (int i = 0; i < 5000 && state_.load() == kConnecting; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return state_.load() == kOpen;
  }
  // Starts a new iteration: the next frame must be message 0. Only while nothing is in flight.
  void reset(keel::bench::LatencyHistogram* hist) {
    hist_ = hist;
    bytes_ = 0;
    errors_.store(0);
    received_.store(0, std::memory_order_release);
  }
  [[nodiscard]] std::size_t received() const noexcept { return received_.load(std::memory_order_acquire); }
  [[nodiscard]] std::int64_t last_receive_ns() const noexcept { return last_ns_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }  // after received() == kMessages
  [[nodiscard]] std::uint64_t errors() const noexcept { return errors_.load(); }
  [[nodiscard]] const std::string& first_error() const noexcept { return first_error_; }
  [[nodiscard]] bool open() const noexcept { return state_.load() == kOpen; }
  [[nodiscard]] pid_t tid() const noexcept { return tid_.load(); }

  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
    lws_context* ctx = lws_get_context(wsi);
    auto* self = ctx == nullptr ? nullptr : static_cast<BenchClient*>(lws_context_user(ctx));
    if (self == nullptr) return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
      case LWS_CALLBACK_CLIENT_ESTABLISHED: self->state_.store(kOpen); return 0;
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: self->state_.store(kFailed); return 0;
      case LWS_CALLBACK_CLIENT_CLOSED: self->state_.store(kFailed); return 0;
      case LWS_CALLBACK_CLIENT_RECEIVE: self->on_receive(wsi, in, len); return 0;
      default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
  }

 private:
  enum State : int { kConnecting, kOpen, kFailed };

  void run() {
    tid_.store(gettid());
    const lws_protocols protocols[] = {
        {"keel-bench-client", &BenchClient::callback, 0, 1 << 16, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = this;
    info.gid = -1;
    info.uid = -1;
    info.pt_serv_buf_size = 1 << 18;  // socket reads of up to 256 KiB
    lws_context* ctx = lws_create_context(&info);
    if (ctx == nullptr) {
      state_.store(kFailed);
      return;
    }
    context_.store(ctx, std::memory_order_release);
    lws_client_connect_info cc;
    std::memset(&cc, 0, sizeof cc);
    cc.context = ctx;
    cc.address = "127.0.0.1";
    cc.port = port_;
    cc.path = path_.c_str();
    cc.host = "127.0.0.1";
    cc.origin = "127.0.0.1";
    cc.local_protocol_name = protocols[0].name;
    if (lws_client_connect_via_info(&cc) == nullptr) state_.store(kFailed);
    while (!stop_.load(std::memory_order_acquire)) {
      if (lws_service(ctx, 0) < 0) break;
    }
    context_.store(nullptr, std::memory_order_release);
    lws_context_destroy(ctx);
  }

  void fail(const char* what, std::size_t index) {
    if (errors_.fetch_add(1) == 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "client: %s at message %zu", what, index);
      first_error_ = buf;
    }
  }

  void on_receive(lws* wsi, const void* in, std::size_t len) {
    const bool complete = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0;
    std::string_view frame(static_cast<const char*>(in), len);
    if (!complete || !rx_.empty()) {  // a frame delivered in pieces (not expected): reassemble
      rx_.append(frame);
      if (!complete) return;
      frame = rx_;
    }
    const std::int64_t t = now_ns();
    const std::size_t i = received_.load(std::memory_order_relaxed);
    check(frame, i, lws_frame_is_binary(wsi) != 0);
    bytes_ += frame.size();
    if (hist_ != nullptr && i < kMessages) {
      const std::int64_t sent = sent_ns_[i].load(std::memory_order_relaxed);
      hist_->record(static_cast<std::uint64_t>(std::max<std::int64_t>(t - sent, 0)));
    }
    rx_.clear();
    last_ns_.store(t, std::memory_order_relaxed);
    received_.store(i + 1, std::memory_order_release);
  }

  void check(std::string_view frame, std::size_t i, bool binary) {
    const Workload& w = workload();
    if (i >= kMessages) return fail("frame beyond the last message", i);
    if (binary) return fail("binary frame", i);
    const std::string_view payload = w.payload(i);
    if (!combined_) {
      if (frame.size() != payload.size() || std::memcmp(frame.data(), payload.data(), payload.size()) != 0) {
        fail("raw frame differs from the payload published", i);
      }
      return;
    }
    const std::string& prefix = w.prefix[w.stream[i]];
    const std::string& suffix = w.suffix;
    if (frame.size() != prefix.size() + payload.size() + suffix.size() ||
        std::memcmp(frame.data(), prefix.data(), prefix.size()) != 0 ||
        std::memcmp(frame.data() + prefix.size(), payload.data(), payload.size()) != 0 ||
        std::memcmp(frame.data() + prefix.size() + payload.size(), suffix.data(), suffix.size()) != 0) {
      fail("combined frame differs from {\"stream\":…,\"data\":payload}", i);
    }
  }

  const std::uint16_t port_;
  const std::string path_;
  const bool combined_;
  const std::atomic<std::int64_t>* sent_ns_;
  std::thread thread_;
  std::atomic<lws_context*> context_{nullptr};
  std::atomic<bool> stop_{false};
  std::atomic<int> state_{kConnecting};
  std::atomic<pid_t> tid_{0};
  std::atomic<std::size_t> received_{0};
  std::atomic<std::int64_t> last_ns_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::string first_error_;
  std::string rx_;
  std::uint64_t bytes_ = 0;
  keel::bench::LatencyHistogram* hist_ = nullptr;
};

class NoSnapshots final : public DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view, std::uint32_t, std::string&) override { return false; }
};

// ---------------------------------------------------------------------------------------------------
// Benchmark: range(0) = 0 raw / 1 combined; range(1) = offered messages/s, 0 = max rate.

void BM_WsPublish(benchmark::State& state) {
  const Workload& w = workload();
  const bool combined = state.range(0) != 0;
  const std::int64_t rate = state.range(1);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  NoSnapshots provider;
  MarketDataServerConfig config;
  config.connection_queue_capacity = kMessages + 1024;
  config.connection_queue_bytes = kMessages * 1024;  // every frame is under 1 KiB: never a slow disconnect
  MarketDataServer server(config, provider);
  if (server.start() != keel::Errc::kOk) return state.SkipWithError("server start failed");

  auto sent_ns = std::make_unique<std::atomic<std::int64_t>[]>(kMessages);
  const std::string path = combined ? "/stream?streams=btcusdt@trade/btcusdt@depth@100ms"
                                    : "/ws/btcusdt@trade/btcusdt@depth@100ms";
  BenchClient client(server.port(), path, combined, sent_ns.get());
  if (!client.wait_established()) return state.SkipWithError("client handshake failed");
  for (int i = 0; i < 1000 && server.stats().connections == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  keel::bench::LatencyHistogram hist;
  hist.reserve(kMessages * 16);
  std::uint64_t refused_total = 0, bytes_total = 0, messages_total = 0;
  std::uint64_t published_before = server.stats().published;
  // CPU time per role: this thread (producer), the client's thread, and the rest (the server's
  // service thread: the only other thread of the process).
  const pid_t producer_tid = gettid();
  std::int64_t cpu_ns[3] = {};  // producer, server, client
  auto add_cpu = [&](int sign) {
    for (const auto& [tid, ns] : thread_cpu_ns()) {
      const int role = tid == producer_tid ? 0 : tid == client.tid() ? 2 : 1;
      cpu_ns[role] += sign * ns;
    }
  };
  add_cpu(-1);
  for (auto _ : state) {
    client.reset(&hist);
    std::uint64_t refused = 0;
    const std::int64_t start = now_ns();
    const double period_ns = rate > 0 ? 1e9 / static_cast<double>(rate) : 0.0;
    for (std::size_t i = 0; i < kMessages; ++i) {
      if (rate > 0) {
        const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * period_ns);
        if (now_ns() < due) {
          const timespec ts{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        }
      }
      const std::string_view stream = kStreams[w.stream[i]];
      const std::string_view payload = w.payload(i);
      for (;;) {
        const std::int64_t t = now_ns();
        sent_ns[i].store(t, std::memory_order_relaxed);
        if (server.publish(stream, payload)) break;
        ++refused;
        std::this_thread::yield();
      }
    }
    // Wait for the client to have everything (or to stop making progress for 5 s).
    std::size_t seen = 0;
    std::int64_t progress_at = now_ns();
    while (client.received() < kMessages && client.open()) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      const std::size_t r = client.received();
      if (r != seen) {
        seen = r;
        progress_at = now_ns();
      } else if (now_ns() - progress_at > 5'000'000'000LL) {
        break;
      }
    }
    const std::size_t got = client.received();
    const auto stats = server.stats();
    if (client.errors() != 0) return state.SkipWithError(client.first_error().c_str());
    if (got != kMessages) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "client received %zu of %zu messages", got, kMessages);
      return state.SkipWithError(buf);
    }
    if (stats.published - published_before != kMessages) return state.SkipWithError("server published count differs");
    if (stats.slow_disconnects != 0 || stats.connections != 1) return state.SkipWithError("client was disconnected");
    published_before = stats.published;
    state.SetIterationTime(static_cast<double>(client.last_receive_ns() - start) * 1e-9);
    refused_total += refused;
    bytes_total += client.bytes();
    messages_total += kMessages;
  }
  add_cpu(+1);
  const double msgs = static_cast<double>(std::max<std::uint64_t>(messages_total, 1));
  state.counters["cpu_ns_per_msg_producer"] = benchmark::Counter(static_cast<double>(cpu_ns[0]) / msgs);
  state.counters["cpu_ns_per_msg_server"] = benchmark::Counter(static_cast<double>(cpu_ns[1]) / msgs);
  state.counters["cpu_ns_per_msg_client"] = benchmark::Counter(static_cast<double>(cpu_ns[2]) / msgs);
  state.SetItemsProcessed(static_cast<std::int64_t>(messages_total));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes_total));
  const auto iters = static_cast<double>(std::max<std::int64_t>(state.iterations(), 1));
  state.counters["refused"] = benchmark::Counter(static_cast<double>(refused_total) / iters);
  state.counters["avg_frame_B"] = benchmark::Counter(static_cast<double>(bytes_total) / static_cast<double>(std::max<std::uint64_t>(messages_total, 1)));
  keel::bench::report_latency(state, hist.summarize(), "lat_ns_");
  char label[96];
  std::snprintf(label, sizeof label, "workload %016llx, payload %zu-%zu B",
                static_cast<unsigned long long>(w.digest), w.min_len, w.max_len);
  state.SetLabel(label);
  client.reset(nullptr);
}

BENCHMARK(BM_WsPublish)
    ->ArgNames({"combined", "rate"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 100'000})
    ->Args({1, 100'000})
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
