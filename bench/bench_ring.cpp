// SpscRing<Event> between two threads: throughput and round-trip latency.
//
//  * BM_RingThroughput: the benchmark thread (pinned to CPU 0) pushes 64-byte keel::Event trades
//    into one ring; a consumer thread (pinned to CPU 1) checks that sequence numbers arrive in order
//    and complete. One iteration = kBatch messages pushed and consumed. Reported as items_per_second.
//    Two consumer policies: busy polling (backoff_ns:0, what a latency-critical reader does) and a
//    1 µs pause whenever the ring is found empty (backoff_ns:1000), which lets the producer publish
//    a batch before the consumer's next poll pulls the ring's tail index back to its core. Two
//    producer policies: publish every push (publish_every:1) or stage 16 and publish them at once
//    (publish_every:16, SpscRing::try_stage/publish, as for the levels of one depth message).
//  * BM_RingRoundTrip: ping-pong over two rings; an echo thread (CPU 1) returns every event to the
//    benchmark thread (CPU 0), which timestamps each round trip with the TSC (calibrated against
//    steady_clock) and reports p50/p99/p99.9/max in ns as counters.
//  * BM_AtomicPingPong: the same round trip over two bare atomics, the hardware floor to compare with.
//
// Correctness first: the ring benchmarks run a verified warm-up before timing, keep checking while
// timing, and fail with SkipWithError when a message is lost, duplicated or reordered. When pinning
// fails (fewer than 2 CPUs, no permission) the threads run unpinned; the counter `pinned` is then 0
// and the label says why.
#include <pthread.h>
#include <sched.h>
#include <x86intrin.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/thread_affinity.hpp"
#include "latency_histogram.hpp"
#include "tsc.hpp"

namespace {

using keel::Event;
using keel::SpscRing;

constexpr int kProducerCpu = 0;
constexpr int kConsumerCpu = 1;

// Busy-wait step. A plain spin (a compiler barrier only): PAUSE (~16 ns on this machine, over 100
// cycles on some Intel cores) would be added to the measured latency; each thread owns a core, so
// nothing is starved.
inline void spin() noexcept { benchmark::ClobberMemory(); }

// A trade event whose sequence number is `seq`; every other field is fixed and realistic.
Event make_trade(std::uint64_t seq) noexcept {
  keel::Trade t{};
  t.header.ts_exchange = 1'606'780'800'000'000'000;
  t.header.ts_local = 1'606'780'800'000'000'000;
  t.header.instrument = 0;
  t.seq = seq;
  t.price = keel::Price::from_raw(1'969'587'000'000);  // 19695.87
  t.qty = keel::Qty::from_raw(1'000'000);               // 0.01
  t.aggressor = keel::Side::kBuy;
  return keel::to_event(t);
}

// The stop message: a Control event (never sent as data).
Event make_stop() noexcept {
  keel::Control c{};
  c.header.subtype = static_cast<std::uint8_t>(keel::ControlKind::kEndOfData);
  return keel::to_event(c);
}

bool is_stop(const Event& e) noexcept { return e.header.kind == keel::EventKind::kControl; }

// Pins the calling thread to `cpu` for the object's lifetime and restores the previous CPU mask
// afterwards, so one benchmark's pinning does not leak into the next.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) {
    have_saved_ = pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_) == 0;
    result_ = keel::gateway::pin_current_thread(cpu);
  }
  ~ScopedPin() {
    if (result_.pinned && have_saved_) (void)pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
  }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  [[nodiscard]] const keel::gateway::PinResult& result() const noexcept { return result_; }

 private:
  cpu_set_t saved_{};
  bool have_saved_ = false;
  keel::gateway::PinResult result_;
};

// Sets the `pinned` counter and, when a side runs unpinned, a label naming the reason.
void report_pinning(benchmark::State& state, const keel::gateway::PinResult& a,
                    const keel::gateway::PinResult& b) {
  const bool both = a.pinned && b.pinned;
  state.counters["pinned"] = benchmark::Counter(both ? 1.0 : 0.0);
  if (!both) state.SetLabel("UNPINNED: " + (a.pinned ? b.warning : a.warning));
}

// ---------------------------------------------------------------------------------------------------
// Time

using keel::bench::ns_per_tick;  // tsc.hpp: the fenced TSC read and its calibration
using keel::bench::tsc_now;

// ---------------------------------------------------------------------------------------------------
// Throughput

constexpr std::uint64_t kBatch = 1u << 20;   // messages per benchmark iteration
constexpr std::uint64_t kWarmup = 1u << 20;  // verified messages before timing

// Consumer side of the throughput test. Written by the consumer thread; read by the benchmark thread
// after the ring is seen empty (pop() releases, empty() acquires) or after join(). Aligned to two
// cache lines so the consumer's per-message writes share no line with the producer's stack.
struct alignas(2 * keel::kCacheLine) ConsumerState {
  keel::gateway::PinResult pin;
  std::atomic<bool> failed{false};
  std::uint64_t received = 0;      // data messages seen
  std::uint64_t bad_expected = 0;  // first mismatch: the sequence number expected …
  std::uint64_t bad_got = 0;       // … and the one that arrived
};

// Pops until the stop message, checking that data sequence numbers are 0, 1, 2, … without gaps.
// When the ring is empty the consumer polls again at once (backoff_ticks == 0: lowest latency) or
// first waits backoff_ticks TSC ticks, letting the producer publish a batch undisturbed.
void consume(SpscRing<Event>& ring, ConsumerState& out, std::uint64_t backoff_ticks) {
  out.pin = keel::gateway::pin_current_thread(kConsumerCpu);
  std::uint64_t expected = 0;
  for (;;) {
    const Event* e = ring.front();
    if (e == nullptr) {
      if (backoff_ticks == 0) {
        spin();
      } else {
        const std::uint64_t t0 = __rdtsc();
        while (__rdtsc() - t0 < backoff_ticks) _mm_pause();
      }
      continue;
    }
    if (is_stop(*e)) {
      ring.pop();
      break;
    }
    const std::uint64_t seq = e->trade.seq;
    if (seq != expected && !out.failed.load(std::memory_order_relaxed)) {
      out.bad_expected = expected;
      out.bad_got = seq;
      out.failed.store(true, std::memory_order_relaxed);
    }
    expected = seq + 1;
    ++out.received;
    ring.pop();
  }
}

// Producer: pushes messages first..first+n-1, spinning while the ring is full. With
// publish_every = k > 1 it stages k messages and publishes them with one tail store (as a gateway
// thread does with the events of one decoded frame); everything is published before it returns.
void produce(SpscRing<Event>& ring, std::uint64_t first, std::uint64_t n, std::uint64_t publish_every) noexcept {
  for (std::uint64_t seq = first; seq != first + n; ++seq) {
    const Event e = make_trade(seq);
    while (!ring.try_stage(e)) {
      ring.publish();  // full: what is staged must become visible for the consumer to make room
      spin();
    }
    if ((seq + 1) % publish_every == 0) ring.publish();
  }
  ring.publish();
}

void wait_drained(SpscRing<Event>& ring) noexcept {
  while (!ring.empty()) spin();
}

std::string describe_failure(const ConsumerState& c, std::uint64_t sent) {
  if (c.failed.load()) {
    return "consumer saw sequence " + std::to_string(c.bad_got) + ", expected " + std::to_string(c.bad_expected);
  }
  return "consumer received " + std::to_string(c.received) + " of " + std::to_string(sent) + " messages";
}

// Arguments: requested ring capacity; consumer backoff in ns when it finds the ring empty (0 = spin);
// how many messages the producer publishes at once (1 = every push).
void BM_RingThroughput(benchmark::State& state) {
  SpscRing<Event> ring(static_cast<std::size_t>(state.range(0)));
  const auto publish_every = static_cast<std::uint64_t>(state.range(2));
  const auto backoff_ticks = static_cast<std::uint64_t>(static_cast<double>(state.range(1)) / ns_per_tick());
  const ScopedPin pin(kProducerCpu);
  ConsumerState consumer;
  std::thread thread([&] { consume(ring, consumer, backoff_ticks); });
  auto stop = [&] {
    while (!ring.try_push(make_stop())) spin();
    thread.join();
  };

  // Verified warm-up: every message must arrive, in order, before anything is timed.
  produce(ring, 0, kWarmup, publish_every);
  wait_drained(ring);
  if (consumer.failed.load() || consumer.received != kWarmup) {
    stop();
    state.SkipWithError(("warm-up: " + describe_failure(consumer, kWarmup)).c_str());
    return;
  }

  std::uint64_t next = kWarmup;
  for (auto _ : state) {
    produce(ring, next, kBatch, publish_every);
    wait_drained(ring);  // an iteration ends when its last message has been consumed
    next += kBatch;
  }
  stop();

  if (consumer.failed.load() || consumer.received != next) {
    state.SkipWithError(describe_failure(consumer, next).c_str());
    return;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBatch * sizeof(Event)));
  state.counters["ring_slots"] = benchmark::Counter(static_cast<double>(ring.capacity() + 1));
  report_pinning(state, pin.result(), consumer.pin);
}
// Capacities are requested as 2^k - 1 so the ring holds exactly 2^k slots (one stays empty).
BENCHMARK(BM_RingThroughput)
    ->ArgNames({"capacity", "backoff_ns", "publish_every"})
    ->ArgsProduct({{1023, 65535}, {0, 1000}, {1, 16}})
    ->UseRealTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------------
// Round-trip latency

struct EchoState {
  keel::gateway::PinResult pin;
};

// Returns every message from `in` to `out` unchanged (the stop message too, then exits).
void echo(SpscRing<Event>& in, SpscRing<Event>& out, EchoState& state) {
  state.pin = keel::gateway::pin_current_thread(kConsumerCpu);
  for (;;) {
    const Event* e = in.front();
    if (e == nullptr) {
      spin();
      continue;
    }
    const Event copy = *e;
    in.pop();
    while (!out.try_push(copy)) spin();
    if (is_stop(copy)) return;
  }
}

// One round trip: sends `seq`, waits for the echo. Returns the echoed sequence number.
inline std::uint64_t round_trip(SpscRing<Event>& ping, SpscRing<Event>& pong, std::uint64_t seq) noexcept {
  const Event e = make_trade(seq);
  while (!ping.try_push(e)) spin();
  const Event* r = nullptr;
  while ((r = pong.front()) == nullptr) spin();
  const std::uint64_t got = r->trade.seq;
  pong.pop();
  return got;
}

constexpr std::uint64_t kRoundTripWarmup = 100'000;

void BM_RingRoundTrip(benchmark::State& state) {
  const double scale = ns_per_tick();
  SpscRing<Event> ping(64);
  SpscRing<Event> pong(64);
  const ScopedPin pin(kProducerCpu);
  EchoState echo_state;
  std::thread thread([&] { echo(ping, pong, echo_state); });
  auto stop = [&] {
    while (!ping.try_push(make_stop())) spin();
    const Event* r = nullptr;
    while ((r = pong.front()) == nullptr || !is_stop(*r)) {
      if (r != nullptr) pong.pop();
      spin();
    }
    pong.pop();
    thread.join();
  };

  std::uint64_t seq = 0;
  for (; seq < kRoundTripWarmup; ++seq) {
    if (const std::uint64_t got = round_trip(ping, pong, seq); got != seq) {
      stop();
      state.SkipWithError(("warm-up: echo returned " + std::to_string(got) + ", expected " + std::to_string(seq)).c_str());
      return;
    }
  }

  keel::bench::LatencyHistogram hist;
  hist.reserve(static_cast<std::size_t>(state.max_iterations));
  std::uint64_t mismatches = 0;
  for (auto _ : state) {
    const std::uint64_t t0 = tsc_now();
    const std::uint64_t got = round_trip(ping, pong, seq);
    const std::uint64_t t1 = tsc_now();
    hist.record(t1 - t0);
    mismatches += got != seq ? 1 : 0;
    ++seq;
  }
  stop();

  if (mismatches != 0) {
    state.SkipWithError((std::to_string(mismatches) + " round trips returned the wrong sequence number").c_str());
    return;
  }
  state.SetItemsProcessed(state.iterations());
  keel::bench::report_latency(state, hist.summarize(scale), "rtt_ns_");
  state.counters["tsc_ghz"] = benchmark::Counter(1.0 / scale);
  report_pinning(state, pin.result(), echo_state.pin);
}
// A fixed sample count keeps the tail percentiles comparable between runs.
BENCHMARK(BM_RingRoundTrip)->Iterations(2'000'000)->UseRealTime()->Unit(benchmark::kNanosecond);

// Reference: the machine's floor for a cross-core round trip. Two atomics on their own cache lines;
// the echo thread waits for `ping` to reach i and answers by storing i into `pong`. One cache-line
// transfer per direction, where the ring needs two (the tail index, then the slot), so the ring's
// round trip should be about twice this.
struct alignas(2 * keel::kCacheLine) PaddedCounter {
  std::atomic<std::uint64_t> value{0};
};

void BM_AtomicPingPong(benchmark::State& state) {
  const double scale = ns_per_tick();
  PaddedCounter ping;
  PaddedCounter pong;
  const ScopedPin pin(kProducerCpu);
  keel::gateway::PinResult echo_pin;
  std::thread thread([&] {
    echo_pin = keel::gateway::pin_current_thread(kConsumerCpu);
    for (std::uint64_t i = 1;; ++i) {
      std::uint64_t v = 0;
      while ((v = ping.value.load(std::memory_order_acquire)) < i) spin();
      pong.value.store(v, std::memory_order_release);
      if (v == UINT64_MAX) return;  // stop
      i = v;
    }
  });
  auto one = [&](std::uint64_t i) {
    ping.value.store(i, std::memory_order_release);
    while (pong.value.load(std::memory_order_acquire) != i) spin();
  };
  std::uint64_t i = 1;
  for (; i <= kRoundTripWarmup; ++i) one(i);
  keel::bench::LatencyHistogram hist;
  hist.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const std::uint64_t t0 = tsc_now();
    one(i++);
    const std::uint64_t t1 = tsc_now();
    hist.record(t1 - t0);
  }
  one(UINT64_MAX);
  thread.join();
  state.SetItemsProcessed(state.iterations());
  keel::bench::report_latency(state, hist.summarize(scale), "rtt_ns_");
  report_pinning(state, pin.result(), echo_pin);
}
BENCHMARK(BM_AtomicPingPong)->Iterations(2'000'000)->UseRealTime()->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
