// The live market-data path on loopback: a frame received by the feed thread → its event in the
// core's SPSC ring, beside the floors measured in the same run (issue target: receive → ring p50 ≤ 5 µs).
//
//   BM_Live/kind:K/interval_us:I/pinned:P
//                                  MarketDataServer (keel sim) → loopback WebSocket (combined stream)
//                                  → MarketDataSession (WsClient + MarketDataFeed, feed thread) →
//                                  RingSink → SpscRing<Event> → a busy-polling consumer thread (the
//                                  core's side). The benchmark thread publishes one frame every I µs
//                                  (clock_nanosleep to an absolute due time, timer slack 1 ns);
//                                  I = 0 publishes as fast as publish() accepts (throughput; the
//                                  latency then measures the backlog, not the path).
//   BM_FeedAlone/kind:K            MarketDataFeed::on_frame into a RingSink, no sockets, no threads
//                                  (the same frame bytes as the live client receives them); the ring
//                                  is drained after each frame, outside the timed region.
//   BM_Simdjson/kind:K             plain simdjson on-demand reading the same frames' fields (the floor
//                                  any on-demand JSON reader pays, as bench_book_feed).
//   BM_ClockRead                   one clock_gettime(CLOCK_REALTIME): every live sample holds one.
//
// Kinds: 0 = trade (btcusdt@trade, "t" = message index + 1, price a random walk), 1 = bookTicker
// (u = index + 1), 2 = 20-level depthUpdate (20 bids + 20 asks at fixed prices, every quantity changed,
// U = u = index + 1 so every diff links; the server's DepthSnapshotProvider answers
// {"lastUpdateId":0,"bids":[],"asks":[]} and the producer waits for the book to go live after message
// 0 before it publishes message 1). Each live run publishes kWarmup + kMeasured messages; only the last
// kMeasured are recorded.
//
// Live latencies, ns, all CLOCK_REALTIME of one process (the clock the client stamps frames with):
//   recv_ring_*  t_pop − Event.header.ts_local: ts_local is read by WsClient when libwebsockets hands
//                it the frame's first bytes (the receive callback); t_pop is read by the consumer right
//                after front() returns the frame's event (depth: its last event, kFlagEndOfBatch: the
//                whole diff is in the core; first_ring_* for its first event).
//   pub_ring_*   t_pop − the producer's clock read just before the accepted publish() (the server's
//                hand-off queue and thread, the kernel's loopback, lws's read and parse, then the above).
//   pub_recv_*   ts_local − that publish time.
//   recv_handoff_*, handoff_ring_*  recv_ring split at the feed thread's hand-off: the sink (RingSink
//                behind a thin EventSink) reads the clock once just before the batch's release store;
//                recv_handoff = feed-thread work (decode, feed, staging), handoff_ring = the ring's
//                store becoming visible plus however long the consumer was not running.
// Every sample contains one clock_gettime (the second read's cost; clock_ns says what one costs here);
// recv_ring also contains the hand-off clock read on the feed thread (one more, ~clock_ns).
// consumer_preempted: involuntary context switches of the spinning consumer during the run
// (getrusage RUSAGE_THREAD). pinned:0 pins nothing; pinned:1 pins the benchmark thread to CPU 0
// before the server and the session start (their threads, the feed thread included, inherit CPU 0)
// and the consumer to CPU 1 (keel::gateway::pin_current_thread), so the core's side never shares a
// CPU with the path's own threads.
//
// Correctness before any figure is reported: the consumer checks every event against the workload
// (trades: kind, trade id = next expected, price; bookTicker: u, bid and ask; depth: 40 levels per
// diff, side, price and quantity of each, seq = u, the last one flagged kFlagEndOfBatch), so a lost,
// duplicated, reordered or altered frame fails. A snapshot batch or a book state event is allowed only
// during the warm-up (the depth book's first sync); FeedHealth events are skipped. After the run the
// benchmark requires every message to have arrived exactly once, the server to have accepted every
// publish with no slow-consumer disconnect, and the feed to have counted no malformed frame, gap or
// dropped event; anything else is SkipWithError. The floors run the same check on every frame of an
// untimed pass first.
#include <simdjson.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"
#include "keel/gateway/binance/market_data_session.hpp"
#include "keel/gateway/ring_sink.hpp"
#include "keel/gateway/thread_affinity.hpp"
#include "keel/protocol/binance/encode.hpp"
#include "keel/sim/market_data_server.hpp"
#include "latency_histogram.hpp"
#include "tsc.hpp"

namespace {

namespace bn = keel::protocol::binance;
namespace gw = keel::gateway;
using keel::Event;
using keel::EventKind;
using keel::Price;
using keel::Qty;
using keel::Side;

constexpr std::size_t kWarmup = 10'000;
constexpr std::size_t kMeasured = 100'000;
constexpr std::size_t kTotal = kWarmup + kMeasured;
constexpr int kDepthLevels = 20;  // per side
constexpr std::int64_t kScale = 100'000'000;
constexpr std::int64_t kTick = kScale / 100;       // 0.01
constexpr std::int64_t kMid = 30'000 * kScale;     // depth: fixed prices around 30 000
constexpr const char* kStream[3] = {"btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms"};
constexpr const char* kKindName[3] = {"trade", "bookTicker", "depth20"};

std::int64_t real_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}
std::int64_t mono_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// The median cost of one clock_gettime(CLOCK_REALTIME), from 10 001 back-to-back pairs.
double clock_read_ns() {
  std::vector<std::int64_t> v(10'001);
  for (auto& x : v) {
    const std::int64_t a = real_ns();
    x = real_ns() - a;
  }
  std::nth_element(v.begin(), v.begin() + 5000, v.end());
  return static_cast<double>(v[5000]);
}

// Depth quantity of level l (0 = best) of message i: never zero, different from message i − 1's.
std::int64_t depth_qty(std::size_t i, int l) noexcept {
  return static_cast<std::int64_t>(1 + (i + static_cast<std::size_t>(l)) % 9) * 10'000'000;
}
std::int64_t depth_price(Side side, int l) noexcept {
  return side == Side::kBuy ? kMid - (l + 1) * kTick : kMid + (l + 1) * kTick;
}

// ---------------------------------------------------------------------------------------------------
// Workload: kTotal payloads of one kind (as published) and the same frames combined (as received).

struct Workload {
  int kind = 0;
  std::vector<std::string> payload;           // what publish() gets
  std::vector<simdjson::padded_string> frame;  // {"stream":…,"data":payload}: what the client receives
  std::vector<std::int64_t> price;            // trade price / bookTicker bid, raw
  std::vector<std::int64_t> ask;              // bookTicker ask, raw
  std::size_t min_len = SIZE_MAX, max_len = 0;
};

std::unique_ptr<Workload> build_workload(int kind) {
  auto w = std::make_unique<Workload>();
  w->kind = kind;
  const bn::SymbolFormat fmt = bn::make_symbol_format("BTCUSDT", 8, 8, 8).value();
  keel::RngStream rng("bench-feed-latency", static_cast<std::uint64_t>(kind));
  auto below = [&](std::uint64_t n) { return rng.next() % n; };
  std::int64_t mid = kMid;
  std::int64_t time_ms = 1'700'000'000'000;
  std::string one, wrapped;
  w->payload.reserve(kTotal);
  w->frame.reserve(kTotal);
  w->price.reserve(kTotal);
  w->ask.reserve(kTotal);
  bn::Level bids[kDepthLevels], asks[kDepthLevels];
  for (std::size_t i = 0; i < kTotal; ++i) {
    time_ms += static_cast<std::int64_t>(below(3));
    mid += (static_cast<std::int64_t>(below(5)) - 2) * kTick;
    one.clear();
    const std::uint64_t seq = i + 1;
    std::int64_t p = 0, a = 0;
    if (kind == 0) {
      bn::TradeMsg t;
      t.event_time_ms = time_ms;
      t.trade_time_ms = time_ms;
      t.trade_id = seq;
      p = mid + (static_cast<std::int64_t>(below(3)) - 1) * kTick;
      t.price = Price::from_raw(p);
      t.qty = Qty::from_raw(static_cast<std::int64_t>(1 + below(200'000)) * 1000);
      t.buyer_is_maker = below(2) == 0;
      bn::encode_trade(one, bn::Market::kSpot, fmt, t);
    } else if (kind == 1) {
      bn::BookTickerMsg b;
      b.update_id = seq;
      p = mid - kTick * static_cast<std::int64_t>(below(2));
      a = mid + kTick * static_cast<std::int64_t>(1 + below(2));
      b.bid_price = Price::from_raw(p);
      b.ask_price = Price::from_raw(a);
      b.bid_qty = Qty::from_raw(static_cast<std::int64_t>(1 + below(5'000'000)) * 1000);
      b.ask_qty = Qty::from_raw(static_cast<std::int64_t>(1 + below(5'000'000)) * 1000);
      bn::encode_book_ticker(one, bn::Market::kSpot, fmt, b);
    } else {
      for (int l = 0; l < kDepthLevels; ++l) {
        bids[l] = {Price::from_raw(depth_price(Side::kBuy, l)), Qty::from_raw(depth_qty(i, l))};
        asks[l] = {Price::from_raw(depth_price(Side::kSell, l)), Qty::from_raw(depth_qty(i, l))};
      }
      bn::DepthMsg d;
      d.event_time_ms = time_ms;
      d.first_update_id = seq;
      d.final_update_id = seq;
      d.bids = std::span<const bn::Level>(bids, kDepthLevels);
      d.asks = std::span<const bn::Level>(asks, kDepthLevels);
      bn::encode_depth_diff(one, bn::Market::kSpot, fmt, d);
    }
    wrapped.clear();
    bn::begin_combined(wrapped, kStream[kind]);
    wrapped += one;
    bn::end_combined(wrapped);
    w->min_len = std::min(w->min_len, wrapped.size());
    w->max_len = std::max(w->max_len, wrapped.size());
    w->payload.push_back(one);
    w->frame.emplace_back(wrapped);
    w->price.push_back(p);
    w->ask.push_back(a);
  }
  return w;
}

const Workload& workload(int kind) {
  static std::unique_ptr<Workload> w[3];
  if (!w[kind]) w[kind] = build_workload(kind);
  return *w[kind];
}

// ---------------------------------------------------------------------------------------------------
// Checks the event stream of one kind against the workload, event by event (one consumer thread).

class Verifier {
 public:
  explicit Verifier(const Workload& w) : w_(w) {}

  // Messages whose events all arrived (in order): the next expected is message next().
  [[nodiscard]] std::size_t next() const noexcept { return next_; }
  // Whether the next event is one the consumer times (single-event frames; depth: first and last).
  [[nodiscard]] bool timed_next() const noexcept { return w_.kind != 2 || level_ == 0 || level_ == 2 * kDepthLevels - 1; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::size_t sync_events() const noexcept { return batches_; }

  // One event. Returns 1 when it completed message next() − 1, 0 otherwise, −1 on an error.
  int on_event(const Event& e, bool warmup_allowed) {
    const EventKind kind = e.header.kind;
    if (kind == EventKind::kFeedHealth) return 0;
    if (kind == EventKind::kControl || (kind == EventKind::kBookLevel && (e.header.flags & keel::kFlagSnapshot) != 0)) {
      // The depth book's (re)sync: a snapshot batch, then kLive with seq = the book's update id.
      if (w_.kind != 2 || !warmup_allowed || level_ != 0) return fail("a book state / snapshot event outside the warm-up");
      ++batches_;
      if (kind == EventKind::kControl) {
        if (e.header.subtype != static_cast<std::uint8_t>(keel::ControlKind::kBookState) || e.control.value != 1)
          return fail(e.control.value == 0 ? "a book state kStale" : "a control event other than kLive");
        if (e.control.seq < next_) return fail("the book went live behind what was delivered");
        next_ = e.control.seq;  // messages 0 .. seq − 1 are in the snapshot batch
      }
      return 0;
    }
    const std::size_t i = next_;
    if (i >= kTotal) return fail("an event beyond the last message");
    switch (w_.kind) {
      case 0:
        if (kind != EventKind::kTrade) return fail("not a trade event");
        if (e.trade.seq != i + 1) return fail("trade id out of sequence (lost, duplicated or reordered)");
        if (e.trade.price.raw() != w_.price[i]) return fail("trade price differs");
        ++next_;
        return 1;
      case 1:
        if (kind != EventKind::kBookTop) return fail("not a book top event");
        if (e.book_top.seq != i + 1) return fail("bookTicker u out of sequence (lost, duplicated or reordered)");
        if (e.book_top.bid_price.raw() != w_.price[i] || e.book_top.ask_price.raw() != w_.ask[i])
          return fail("bookTicker prices differ");
        ++next_;
        return 1;
      default: {
        if (kind != EventKind::kBookLevel) return fail("not a book level event");
        if (e.book_level.seq != i + 1 || e.book_level.first_seq != i + 1) return fail("depth seq out of sequence");
        const int l = level_ % kDepthLevels;
        const Side side = level_ < kDepthLevels ? Side::kBuy : Side::kSell;
        if (e.book_level.side != side || e.book_level.price.raw() != depth_price(side, l) ||
            e.book_level.qty.raw() != depth_qty(i, l))
          return fail("depth level differs");
        const bool last = level_ == 2 * kDepthLevels - 1;
        if (last != ((e.header.flags & keel::kFlagEndOfBatch) != 0)) return fail("end of batch flag misplaced");
        if (!last) {
          ++level_;
          return 0;
        }
        level_ = 0;
        ++next_;
        return 1;
      }
    }
  }

 private:
  int fail(const char* what) {
    if (error_.empty()) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s at message %zu (level %d)", what, next_, level_);
      error_ = buf;
    }
    return -1;
  }

  const Workload& w_;
  std::size_t next_ = 0;
  int level_ = 0;
  std::size_t batches_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------------
// Live: server → loopback → session → ring → consumer.

class ZeroSnapshot final : public keel::sim::DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view, std::uint32_t, std::string& out) override {
    out += R"({"lastUpdateId":0,"bids":[],"asks":[]})";
    return true;
  }
};

// The feed thread's sink: RingSink, with one clock read just before the batch is published, stored
// per message so the consumer (which reads it after the ring's release/acquire) can split a sample
// into feed-thread time (receive → hand-off) and ring time (hand-off → pop).
class TimingSink final : public gw::binance::EventSink {
 public:
  TimingSink(keel::SpscRing<Event>& ring, std::atomic<std::int64_t>* handoff_ns) : inner_(ring), handoff_ns_(handoff_ns) {}
  bool publish(std::span<const Event> events) noexcept override {
    if (!events.empty()) {
      const Event& e = events.back();
      std::uint64_t seq = 0;
      if (e.header.kind == EventKind::kTrade) seq = e.trade.seq;
      else if (e.header.kind == EventKind::kBookTop) seq = e.book_top.seq;
      else if (e.header.kind == EventKind::kBookLevel && (e.header.flags & keel::kFlagSnapshot) == 0) seq = e.book_level.seq;
      if (seq >= 1 && seq <= kTotal) handoff_ns_[seq - 1].store(real_ns(), std::memory_order_relaxed);
    }
    return inner_.publish(events);
  }

 private:
  gw::RingSink inner_;
  std::atomic<std::int64_t>* handoff_ns_;
};

// The core's side: spins on front(), reads the clock as soon as a timed event is there, checks it.
class Consumer {
 public:
  Consumer(keel::SpscRing<Event>& ring, const Workload& w, const std::atomic<std::int64_t>* sent_ns,
           const std::atomic<std::int64_t>* handoff_ns, int cpu)
      : ring_(ring), verifier_(w), sent_ns_(sent_ns), handoff_ns_(handoff_ns), cpu_(cpu) {
    recv_handoff_.reserve(kMeasured);
    handoff_ring_.reserve(kMeasured);
    recv_ring_.reserve(kMeasured);
    first_ring_.reserve(kMeasured);
    pub_ring_.reserve(kMeasured);
    pub_recv_.reserve(kMeasured);
    thread_ = std::thread([this] { run(); });
  }
  ~Consumer() { join(); }
  void join() {
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::size_t done() const noexcept { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  [[nodiscard]] std::int64_t last_pop_ns() const noexcept { return last_pop_.load(std::memory_order_acquire); }
  // After join() only.
  Verifier& verifier() noexcept { return verifier_; }
  // Times the scheduler took the spinning consumer off its CPU during the run.
  std::uint64_t involuntary_switches_ = 0;
  bool pinned_ = false;
  keel::bench::LatencyHistogram recv_ring_, first_ring_, pub_ring_, pub_recv_, recv_handoff_, handoff_ring_;

 private:
  void run() {
    if (cpu_ >= 0) pinned_ = gw::pin_current_thread(cpu_).pinned;
    rusage ru0{};
    getrusage(RUSAGE_THREAD, &ru0);
    std::int64_t t_first = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const Event* e = ring_.front();
      if (e == nullptr) continue;
      const std::int64_t t = verifier_.timed_next() ? real_ns() : 0;  // right after front() != nullptr
      if (t_first == 0) t_first = t;
      const int r = verifier_.on_event(*e, done_.load(std::memory_order_relaxed) < kWarmup);
      const std::int64_t ts_local = e->header.ts_local;
      const bool in_diff = e->header.kind == EventKind::kBookLevel && (e->header.flags & keel::kFlagSnapshot) == 0;
      ring_.pop();  // the slot is the producer's again: nothing of *e is read after this
      if (r < 0) {
        failed_.store(true, std::memory_order_release);
        break;
      }
      if (r == 0) {
        // Inside a depth diff keep the first level's time; anything else (health, sync) starts over.
        if (!in_diff) t_first = 0;
        if (verifier_.next() != done_.load(std::memory_order_relaxed))  // kLive moved past message 0
          done_.store(verifier_.next(), std::memory_order_release);
        continue;
      }
      const std::size_t i = verifier_.next() - 1;
      if (i >= kWarmup) {
        const std::int64_t sent = sent_ns_[i].load(std::memory_order_relaxed);
        const std::int64_t handoff = handoff_ns_[i].load(std::memory_order_relaxed);  // before the ring's release store
        recv_handoff_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(handoff - ts_local, 0)));
        handoff_ring_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(t - handoff, 0)));
        recv_ring_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(t - ts_local, 0)));
        first_ring_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(t_first - ts_local, 0)));
        pub_ring_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(t - sent, 0)));
        pub_recv_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(ts_local - sent, 0)));
      }
      t_first = 0;
      last_pop_.store(t, std::memory_order_relaxed);
      done_.store(verifier_.next(), std::memory_order_release);
    }
    rusage ru1{};
    getrusage(RUSAGE_THREAD, &ru1);
    involuntary_switches_ = static_cast<std::uint64_t>(ru1.ru_nivcsw - ru0.ru_nivcsw);
  }

  keel::SpscRing<Event>& ring_;
  Verifier verifier_;
  const std::atomic<std::int64_t>* sent_ns_;
  const std::atomic<std::int64_t>* handoff_ns_;
  const int cpu_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::size_t> done_{0};
  std::atomic<std::int64_t> last_pop_{0};
  std::thread thread_;
};

void BM_Live(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const std::int64_t interval_ns = state.range(1) * 1000;
  // pinned: this thread on CPU 0 before the server and the session start (their threads inherit
  // it), the consumer on CPU 1 (thread_affinity.hpp); the benchmark thread's mask is restored after.
  const bool pin = state.range(2) != 0;
  const Workload& w = workload(kind);
  cpu_set_t saved_mask;
  CPU_ZERO(&saved_mask);
  sched_getaffinity(0, sizeof saved_mask, &saved_mask);
  struct RestoreMask {
    cpu_set_t* mask;
    ~RestoreMask() { sched_setaffinity(0, sizeof *mask, mask); }
  } restore{&saved_mask};
  if (pin && (gw::available_cpus() < 2 || !gw::pin_current_thread(0).pinned))
    return state.SkipWithError("pinning unavailable");
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const double clock_ns = clock_read_ns();

  for (auto _ : state) {
    ZeroSnapshot snapshots;
    keel::sim::MarketDataServerConfig mc;
    mc.connection_queue_capacity = kTotal + 1024;
    mc.connection_queue_bytes = kTotal * 2048;  // every frame is under 2 KiB: never a slow disconnect
    keel::sim::MarketDataServer server(mc, snapshots);
    if (server.start() != keel::Errc::kOk) return state.SkipWithError("server start failed");

    auto sent_ns = std::make_unique<std::atomic<std::int64_t>[]>(kTotal);
    auto handoff_ns = std::make_unique<std::atomic<std::int64_t>[]>(kTotal);
    // 2^18 events: 330 ms of depth frames at 40 events per 50 µs, so a consumer stall on a busy box
    // does not fill it (a full ring drops the frame and the book goes stale: a failed run).
    keel::SpscRing<Event> ring(1 << 18);
    TimingSink sink(ring, handoff_ns.get());
    Consumer consumer(ring, w, sent_ns.get(), handoff_ns.get(), pin ? 1 : -1);

    gw::binance::MarketDataSessionConfig sc;
    sc.client.url = "ws://127.0.0.1:" + std::to_string(server.port());
    sc.client.market = bn::Market::kSpot;
    sc.client.streams = {kStream[kind]};
    sc.fetch_exchange_info = false;
    sc.feed.market = keel::book::DepthVenue::kSpot;
    sc.feed.symbols = {"BTCUSDT"};
    gw::binance::MarketDataSession session(sc, sink);
    if (session.start() != keel::Errc::kOk) return state.SkipWithError(("session start: " + session.error()).c_str());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (session.counters().open_connections.load() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (session.counters().open_connections.load() != 1) return state.SkipWithError("the session did not connect");
    for (int i = 0; i < 1000 && server.stats().connections == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // subscriptions are in the URL; let them register

    std::uint64_t refused = 0;
    std::int64_t start = mono_ns();
    std::int64_t first_measured_pub = 0;
    for (std::size_t i = 0; i < kTotal; ++i) {
      if (interval_ns > 0) {
        const std::int64_t due = start + static_cast<std::int64_t>(i) * interval_ns;
        if (mono_ns() < due) {
          const timespec ts{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        }
      }
      for (;;) {
        const std::int64_t t = real_ns();
        sent_ns[i].store(t, std::memory_order_relaxed);
        if (i == kWarmup) first_measured_pub = t;
        if (server.publish(kStream[kind], w.payload[i])) break;
        ++refused;
        std::this_thread::yield();
      }
      if (kind == 2 && i == 0) {  // the first diff asks for the REST snapshot: wait for the book to be live
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (consumer.done() == 0 && !consumer.failed() && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (consumer.done() == 0) return state.SkipWithError("the depth book did not go live after the first diff");
        start = mono_ns() - interval_ns;
      }
      if (consumer.failed()) break;
    }
    // Wait for every message (or no progress for 5 s).
    std::size_t seen = 0;
    std::int64_t progress_at = mono_ns();
    while (consumer.done() < kTotal && !consumer.failed()) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      const std::size_t d = consumer.done();
      if (d != seen) {
        seen = d;
        progress_at = mono_ns();
      } else if (mono_ns() - progress_at > 5'000'000'000LL) {
        break;
      }
    }
    const std::int64_t last_pop = consumer.last_pop_ns();
    consumer.join();
    const gw::WsClientStats client_stats = session.client_stats();
    session.stop();
    const auto stats = server.stats();
    server.stop();
    if (!consumer.verifier().error().empty()) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "; feed: %llu events dropped (ring full), %llu gaps, %llu disconnects",
                    static_cast<unsigned long long>(session.feed().stats().events_dropped),
                    static_cast<unsigned long long>(session.feed().book_totals().gaps),
                    static_cast<unsigned long long>(client_stats.disconnects));
      return state.SkipWithError((consumer.verifier().error() + buf).c_str());
    }
    if (consumer.done() != kTotal) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "the core received %zu of %zu messages", consumer.done(), kTotal);
      return state.SkipWithError(buf);
    }
    if (stats.published != kTotal) return state.SkipWithError("the server's published count differs");
    if (stats.slow_disconnects != 0) return state.SkipWithError("the client was disconnected as slow");
    const auto& fs = session.feed().stats();
    if (fs.malformed_total() != 0 || fs.unknown_kinds != 0) return state.SkipWithError("the feed counted malformed frames");
    if (session.feed().book_totals().gaps != 0) return state.SkipWithError("the feed saw a gap");
    if (fs.events_dropped != 0) return state.SkipWithError("the ring refused events");
    if (client_stats.disconnects != 0 || client_stats.connects != 1) return state.SkipWithError("the connection dropped during the run");
    if (pin && !consumer.pinned_) return state.SkipWithError("the consumer could not be pinned");
    if (consumer.recv_ring_.count() != kMeasured) return state.SkipWithError("sample count differs");

    state.SetIterationTime(static_cast<double>(last_pop - first_measured_pub) * 1e-9);
    keel::bench::report_latency(state, consumer.recv_ring_.summarize(), "recv_ring_ns_");
    keel::bench::report_latency(state, consumer.pub_ring_.summarize(), "pub_ring_ns_");
    keel::bench::report_latency(state, consumer.pub_recv_.summarize(), "pub_recv_ns_");
    keel::bench::report_latency(state, consumer.recv_handoff_.summarize(), "recv_handoff_ns_");
    keel::bench::report_latency(state, consumer.handoff_ring_.summarize(), "handoff_ring_ns_");
    if (kind == 2) keel::bench::report_latency(state, consumer.first_ring_.summarize(), "first_ring_ns_");
    state.counters["refused"] = benchmark::Counter(static_cast<double>(refused));
    state.counters["consumer_preempted"] = benchmark::Counter(static_cast<double>(consumer.involuntary_switches_));
    state.counters["sync_events"] = benchmark::Counter(static_cast<double>(consumer.verifier().sync_events()));
  }
  state.counters["clock_ns"] = benchmark::Counter(clock_ns);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kMeasured));
  char label[96];
  std::snprintf(label, sizeof label, "%s, frames %zu-%zu B", kKindName[kind], w.min_len, w.max_len);
  state.SetLabel(label);
}

// ---------------------------------------------------------------------------------------------------
// Floor 1: MarketDataFeed::on_frame into a RingSink, no sockets.

struct FeedRig {
  keel::SpscRing<Event> ring{1 << 16};
  gw::RingSink sink{ring};
  std::unique_ptr<gw::binance::MarketDataFeed> feed;

  // A fresh feed; depth: message 0, then the empty snapshot (the book goes live at u = 1).
  bool reset(const Workload& w) {
    gw::binance::MarketDataFeedConfig fc;
    fc.market = keel::book::DepthVenue::kSpot;
    fc.symbols = {"BTCUSDT"};
    feed = std::make_unique<gw::binance::MarketDataFeed>(fc, sink);
    if (w.kind != 2) return true;
    feed->on_frame(w.frame[0], 1);
    keel::book::SnapshotOutcome outcome{};
    if (feed->on_snapshot(0, R"({"lastUpdateId":0,"bids":[],"asks":[]})", 1, outcome) != bn::DecodeError::kNone)
      return false;
    return feed->synced(0);
  }
  std::size_t first_index(const Workload& w) const noexcept { return w.kind == 2 ? 1 : 0; }
};

void BM_FeedAlone(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const Workload& w = workload(kind);
  FeedRig rig;
  {  // correctness first: every frame, every event checked
    if (!rig.reset(w)) return state.SkipWithError("the depth book did not sync from the snapshot");
    Verifier v(w);
    for (std::size_t i = 0; i < kTotal; ++i) {
      if (i >= rig.first_index(w)) rig.feed->on_frame(w.frame[i], 1);
      while (const Event* e = rig.ring.front()) {
        const int r = v.on_event(*e, i < kWarmup);
        rig.ring.pop();
        if (r < 0) return state.SkipWithError(v.error().c_str());
      }
      if (v.next() != i + 1) return state.SkipWithError("a frame produced no complete event");
    }
    if (rig.feed->stats().malformed_total() != 0) return state.SkipWithError("malformed frames counted");
  }
  keel::bench::LatencyHistogram hist;
  hist.reserve(std::size_t{1} << 23);
  const double ns_tick = keel::bench::ns_per_tick();
  const std::uint64_t overhead = keel::bench::tsc_overhead();
  std::size_t i = kTotal;
  std::size_t events = 0;
  for (auto _ : state) {
    if (i == kTotal) {  // ids must keep increasing (the feed drops duplicates): a fresh feed per pass
      state.PauseTiming();
      if (!rig.reset(w)) return state.SkipWithError("resync failed");
      while (rig.ring.front() != nullptr) rig.ring.pop();
      i = rig.first_index(w);
      state.ResumeTiming();
    }
    const std::uint64_t t0 = keel::bench::tsc_now();
    rig.feed->on_frame(w.frame[i], 1);
    const std::uint64_t t1 = keel::bench::tsc_now();
    hist.record(t1 - t0 > overhead ? t1 - t0 - overhead : 0);
    while (rig.ring.front() != nullptr) {
      rig.ring.pop();
      ++events;
    }
    ++i;
  }
  keel::bench::report_latency(state, hist.summarize(ns_tick), "frame_ns_");
  state.counters["events_per_frame"] = benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kKindName[kind]);
}

// ---------------------------------------------------------------------------------------------------
// Floor 2: simdjson on-demand reading the same frames' fields (strings left as text).

void BM_Simdjson(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const Workload& w = workload(kind);
  simdjson::ondemand::parser parser;
  auto parse = [&](const simdjson::padded_string& f) -> std::uint64_t {
    auto doc = parser.iterate(f);
    auto data = doc["data"];
    std::uint64_t sum = 0;
    if (kind == 0) {
      sum += data["E"].get_uint64().value();
      sum += data["s"].get_string().value().size();
      sum += data["t"].get_uint64().value();
      sum += data["p"].get_string().value().size();
      sum += data["q"].get_string().value().size();
      sum += data["T"].get_uint64().value();
      sum += data["m"].get_bool().value() ? 1 : 0;
    } else if (kind == 1) {
      sum += data["u"].get_uint64().value();
      sum += data["s"].get_string().value().size();
      for (const char* k : {"b", "B", "a", "A"}) sum += data[k].get_string().value().size();
    } else {
      sum += data["E"].get_uint64().value();
      sum += data["s"].get_string().value().size();
      sum += data["U"].get_uint64().value();
      sum += data["u"].get_uint64().value();
      for (const char* side : {"b", "a"}) {
        for (auto level : data[side].get_array()) {
          auto it = level.get_array().begin();
          sum += (*it).get_string().value().size();
          ++it;
          sum += (*it).get_string().value().size();
        }
      }
    }
    return sum;
  };
  try {  // correctness first: every frame parses and carries the message's id
    for (std::size_t i = 0; i < kTotal; ++i) {
      auto doc = parser.iterate(w.frame[i]);
      const std::uint64_t id = doc["data"][kind == 0 ? "t" : "u"].get_uint64().value();
      if (id != i + 1) return state.SkipWithError("simdjson read a different id");
      (void)parse(w.frame[i]);
    }
  } catch (const simdjson::simdjson_error& e) {
    return state.SkipWithError(e.what());
  }
  keel::bench::LatencyHistogram hist;
  hist.reserve(std::size_t{1} << 23);
  const double ns_tick = keel::bench::ns_per_tick();
  const std::uint64_t overhead = keel::bench::tsc_overhead();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::uint64_t t0 = keel::bench::tsc_now();
    benchmark::DoNotOptimize(parse(w.frame[i]));
    const std::uint64_t t1 = keel::bench::tsc_now();
    hist.record(t1 - t0 > overhead ? t1 - t0 - overhead : 0);
    if (++i == kTotal) i = 0;
  }
  keel::bench::report_latency(state, hist.summarize(ns_tick), "frame_ns_");
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kKindName[kind]);
}

void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(real_ns());
  state.counters["median_pair_ns"] = benchmark::Counter(clock_read_ns());
}

}  // namespace

BENCHMARK(BM_ClockRead);
BENCHMARK(BM_Simdjson)->ArgName("kind")->DenseRange(0, 2);
BENCHMARK(BM_FeedAlone)->ArgName("kind")->DenseRange(0, 2);
BENCHMARK(BM_Live)
    ->ArgNames({"kind", "interval_us", "pinned"})
    ->Args({0, 50, 0})
    ->Args({0, 20, 0})
    ->Args({1, 50, 0})
    ->Args({2, 50, 0})
    ->Args({0, 0, 0})
    ->Args({0, 50, 1})
    ->Args({1, 50, 1})
    ->Args({2, 50, 1})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
