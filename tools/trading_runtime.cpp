#include "trading_runtime.hpp"

#include <time.h>

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "keel/gateway/wall_clock.hpp"
#include "keel/core/io/run_journal.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/gateway/doorbell.hpp"
#include "keel/gateway/ring_sink.hpp"
#include "keel/gateway/thread_affinity.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t kBatch = 256;           // events taken from one ring before looking at the next
// An event may make the engine write up to this many commands (a logon's status query and a kill
// switch's cancel for every order the OMS holds, plus a flatten's orders per instrument): the core
// takes an event only with this much room, so a full command ring never decides its path.
std::size_t command_headroom(const KeelConfig& c, std::size_t instruments) {
  return 2 * static_cast<std::size_t>(c.oms.capacity) + 4 * instruments + 16;
}
constexpr std::int64_t kCoreSpinNs = 20'000;  // then sleep on the doorbell

}  // namespace

struct TradingRuntime::Impl {
  explicit Impl(TradingRuntimeConfig c, CoreSnapshot& snap)
      : cfg(std::move(c)),
        snapshot(snap),
        feed_ring(cfg.feed_ring),
        session_ring(1 << 14),
        router_ring(1 << 14),
        operator_ring(1 << 10),
        runtime_ring(64),
        journal_ring(cfg.journal_ring),
        feed_sink(feed_ring, &core_bell) {}

  TradingRuntimeConfig cfg;
  CoreSnapshot& snapshot;
  gateway::Doorbell core_bell;
  gateway::Doorbell router_bell;
  SpscRing<Event> feed_ring;
  SpscRing<Event> session_ring;   // the FIX session thread's reports and session state
  SpscRing<Event> router_ring;    // the router thread's refusals and timers
  SpscRing<Event> operator_ring;  // the control endpoint's commands
  SpscRing<Event> runtime_ring;   // this object's own (shutdown)
  SpscRing<Event> journal_ring;
  gateway::RingSink feed_sink;
  std::mutex submit_mutex;  // operator_ring's producers take turns

  std::unique_ptr<RunJournalWriter> journal;
  std::unique_ptr<CoreSetup> core;
  std::unique_ptr<gateway::FixOrderGateway> fix;
  std::unique_ptr<gateway::binance::MarketDataSession> feed;
  std::thread core_thread;
  std::thread journal_thread;
  std::atomic<bool> core_drain{false};     // stop taking new input once every ring is empty
  std::atomic<bool> journal_stop{false};
  std::promise<void> core_ready;
  TradingRuntimeResult result;
  std::size_t headroom = 0;
  bool started = false;
  bool stopped = false;
  std::string prefix;
  gateway::FixGatewayCounters no_fix;                  // before start()
  gateway::binance::SessionCounters no_feed;

  void publish_snapshot(const Engine& engine) noexcept {
    const EngineStats& s = engine.stats();
    snapshot.events.store(s.events, std::memory_order_relaxed);
    snapshot.bar_times.store(s.bar_times, std::memory_order_relaxed);
    snapshot.orders.store(engine.oms().stats().orders, std::memory_order_relaxed);
    snapshot.fills.store(engine.oms().stats().fills, std::memory_order_relaxed);
    snapshot.risk_rejects.store(engine.risk().total_rejects(), std::memory_order_relaxed);
    snapshot.open_orders.store(engine.oms().open_orders(), std::memory_order_relaxed);
    std::int64_t positions = 0;
    const Portfolio& p = engine.portfolio();
    for (std::size_t i = 0; i < p.instrument_count(); ++i)
      if (p.position(static_cast<InstrumentId>(i)).qty.raw() != 0) ++positions;
    snapshot.positions.store(positions, std::memory_order_relaxed);
    const double equity = p.equity().to_double();
    snapshot.equity.store(equity, std::memory_order_relaxed);
    snapshot.realized.store(p.realized().to_double(), std::memory_order_relaxed);
    if (equity > snapshot.equity_peak.load(std::memory_order_relaxed)) snapshot.equity_peak.store(equity, std::memory_order_relaxed);
    const std::int64_t day = utc_day_number(engine.now());
    if (day != snapshot_day) {
      snapshot_day = day;
      snapshot.day_start_equity.store(equity, std::memory_order_relaxed);
    }
    snapshot.gross_exposure.store(p.gross_exposure(), std::memory_order_relaxed);
    snapshot.trading_state.store(static_cast<int>(engine.trading_state()), std::memory_order_relaxed);
    snapshot.venue_gate.store(static_cast<int>(engine.venue_gate()), std::memory_order_relaxed);
    snapshot.kill_switch.store(engine.kill_switch(), std::memory_order_relaxed);
    snapshot.flattening.store(engine.flattening(), std::memory_order_relaxed);
    snapshot.reconcile_last_ns.store(s.reconcile_last, std::memory_order_relaxed);
    snapshot.reconciliations.store(s.reconciliations_done, std::memory_order_relaxed);
    snapshot.lost_at_venue.store(engine.oms().stats().lost_at_venue, std::memory_order_relaxed);
    snapshot.rejected_events.store(s.rejected_events, std::memory_order_relaxed);
    snapshot.capital_fraction.store(engine.capital_fraction(), std::memory_order_relaxed);
  }
  std::int64_t snapshot_day = -1;

  // Takes up to kBatch events from `ring`; false when it had to stop for lack of room downstream.
  bool consume(SpscRing<Event>& ring, Engine& engine, std::size_t& taken) noexcept {
    SpscRing<OrderCommand>& commands = engine.commands();
    for (std::size_t k = 0; k < kBatch; ++k) {
      if (journal && journal_ring.producer_free() == 0) return false;
      if (commands.producer_free() < headroom) return false;
      const Event* e = ring.front();
      if (e == nullptr) return true;
      if (journal) (void)journal_ring.try_push(*e);  // room was checked
      const std::uint64_t before = engine.stats().commands;
      engine.on_event(*e);
      ring.pop();
      ++taken;
      if (engine.stats().commands != before) router_bell.ring();
    }
    return true;
  }

  void core_main() {
    const int cpu = cfg.config.live.core_cpu >= 0 ? cfg.config.live.core_cpu : gateway::available_cpus() - 1;
    const gateway::PinResult pin = gateway::pin_current_thread(cpu);
    result.pinned = pin.pinned;
    result.pin_note = pin.warning;
    try {
      // Built here, after pinning: the engine's and the strategy's tables are first touched (placed
      // and pre-faulted: every table is value-initialised) on this CPU's NUMA node.
      core = build_core(cfg.config, cfg.registry, cfg.expected_bar_times, nullptr);
      if (cfg.strategy != nullptr) core->engine->set_strategy(cfg.strategy, cfg.sizer);
    } catch (...) {
      core_ready.set_exception(std::current_exception());
      return;
    }
    Engine& engine = *core->engine;
    // Warm-up, before any live input and journaled like every input. Nothing can leave: the engine
    // waits for the venue's logon (venue_session) and trading starts after the warm-up's last bar.
    for (const Event& e : cfg.warmup) {
      if (journal) {
        while (journal_ring.producer_free() == 0) std::this_thread::yield();
        (void)journal_ring.try_push(e);
      }
      engine.on_event(e);
    }
    core_ready.set_value();
    SpscRing<Event>* inputs[] = {&session_ring, &router_ring, &runtime_ring, &operator_ring, &feed_ring};
    AllocationScope scope;
    bool warm = false;
    std::int64_t idle_since = -1;
    std::uint64_t since_snapshot = 0;
    for (;;) {
      const std::uint32_t ticket = core_bell.ticket();
      std::size_t taken = 0;
      bool room = true;
      for (SpscRing<Event>* ring : inputs) {
        if (!consume(*ring, engine, taken)) {
          room = false;
          break;
        }
      }
      if (!warm && engine.stats().bar_times > 0) {  // warm-up ends with the first completed bar time
        warm = true;
        scope.restart();
        snapshot.warm.store(true, std::memory_order_relaxed);
      }
      since_snapshot += taken;
      if (taken == 0 || since_snapshot >= 4096) {
        publish_snapshot(engine);
        if (warm) snapshot.allocations_after_warmup.store(scope.allocations(), std::memory_order_relaxed);
        since_snapshot = 0;
      }
      if (taken > 0 || !room) {
        idle_since = -1;
        if (!room) std::this_thread::yield();  // the journal or the router catches up
        continue;
      }
      if (core_drain.load(std::memory_order_acquire)) break;  // every ring was empty
      const std::int64_t now = gateway::wall_clock_ns();
      if (idle_since < 0) idle_since = now;
      if (now - idle_since < kCoreSpinNs) continue;
      core_bell.wait(ticket, 1'000'000);
    }
    // The input's end, as a backtest ends (backtest_loop.hpp), journaled so a replay ends the same
    // way. Exchange time 0: a bar still being built from trades is not cut short.
    Control end{};
    end.header.subtype = static_cast<std::uint8_t>(ControlKind::kEndOfData);
    end.header.ts_local = engine.now();
    if (journal) {
      while (journal_ring.producer_free() == 0) std::this_thread::yield();
      (void)journal_ring.try_push(to_event(end));
    }
    engine.on_event(to_event(end));
    engine.finish();
    publish_snapshot(engine);
    result.stats = engine.stats();
    result.digest = engine.digest();
    result.allocations_after_warmup = warm ? scope.allocations() : 0;
    snapshot.allocations_after_warmup.store(result.allocations_after_warmup, std::memory_order_relaxed);
    snapshot.finished.store(true, std::memory_order_release);
  }

  void journal_main() {
    for (;;) {
      bool wrote = false;
      while (const Event* e = journal_ring.front()) {
        if (journal->append(*e) != Errc::kOk) result.journal_ok = false;
        journal_ring.pop();
        wrote = true;
      }
      if (wrote) continue;
      if (journal_stop.load(std::memory_order_acquire) && journal_ring.front() == nullptr) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (journal->close() != Errc::kOk) result.journal_ok = false;
    result.journal_records = journal->records_written();
  }
};

TradingRuntime::TradingRuntime(TradingRuntimeConfig config) {
  if (config.config.run.mode == RunMode::kBacktest)
    throw std::invalid_argument("trading runtime: run.mode must be paper or live");
  if (config.registry.size() == 0) throw std::invalid_argument("trading runtime: no instruments");
  impl_ = std::make_unique<Impl>(std::move(config), snapshot_);
  impl_->headroom = command_headroom(impl_->cfg.config, impl_->cfg.registry.size());
  if (!impl_->cfg.journal_path.empty())
    impl_->journal = std::make_unique<RunJournalWriter>(impl_->cfg.journal_path, impl_->cfg.config, impl_->cfg.registry);
}

TradingRuntime::~TradingRuntime() {
  if (impl_ && impl_->started && !impl_->stopped) (void)stop(0);
}

void TradingRuntime::start() {
  Impl& m = *impl_;
  if (m.started) return;
  if (m.journal) m.journal_thread = std::thread([&m] { m.journal_main(); });
  std::future<void> ready = m.core_ready.get_future();
  m.core_thread = std::thread([&m] { m.core_main(); });
  m.started = true;
  try {
    ready.get();  // the core is built (or its error is rethrown here)
  } catch (...) {
    m.core_drain.store(true);
    m.core_thread.join();
    m.journal_stop.store(true);
    if (m.journal_thread.joinable()) m.journal_thread.join();
    m.stopped = true;
    throw;
  }
  std::vector<std::string> symbols;
  for (const Instrument& ins : m.cfg.registry.all()) symbols.push_back(ins.symbol);
  const ClOrdIdCodec ids(ClOrdIdCodec::run_id(config_hash(m.cfg.config) ^ m.cfg.clordid_salt, m.cfg.config.run.seed));
  m.prefix = std::string(ids.prefix());
  m.fix = std::make_unique<gateway::FixOrderGateway>(m.cfg.fix, symbols, ids, m.core->engine->commands(), m.router_bell,
                                                     m.session_ring, m.router_ring, &m.core_bell);
  if (m.cfg.log) m.fix->set_log(m.cfg.log);
  m.fix->start();
  m.feed = std::make_unique<gateway::binance::MarketDataSession>(m.cfg.market_data, m.feed_sink);
  if (m.feed->start() != Errc::kOk) throw std::runtime_error("market data: " + m.feed->error());
}

bool TradingRuntime::submit(const Event& event) {
  Event e = event;
  std::lock_guard lock(impl_->submit_mutex);
  e.header.ts_local = gateway::wall_clock_ns();
  if (!impl_->operator_ring.try_push(e)) return false;
  impl_->core_bell.ring();
  return true;
}

TradingRuntimeResult TradingRuntime::stop(int cancel_wait_ms, bool cancel_open_orders) {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return m.result;
  m.stopped = true;
  if (m.fix && m.core && cancel_open_orders) {
    // Open orders cancelled and no new ones: the kill switch, through the journal like any input.
    Control kill{};
    kill.header.subtype = static_cast<std::uint8_t>(ControlKind::kKillSwitch);
    kill.header.ts_local = gateway::wall_clock_ns();
    kill.value = kKillSwitchShutdown;  // cancel everything; not a risk breach
    if (m.runtime_ring.try_push(to_event(kill))) m.core_bell.ring();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cancel_wait_ms);
    while (std::chrono::steady_clock::now() < deadline && !m.snapshot.kill_switch.load(std::memory_order_acquire))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the core has taken it (and published after)
    while (std::chrono::steady_clock::now() < deadline && m.snapshot.open_orders.load(std::memory_order_relaxed) > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (m.feed) (void)m.feed->stop();
  if (m.fix) m.fix->stop();
  m.core_drain.store(true, std::memory_order_release);
  m.core_bell.ring();
  if (m.core_thread.joinable()) m.core_thread.join();
  m.journal_stop.store(true, std::memory_order_release);
  if (m.journal_thread.joinable()) m.journal_thread.join();
  return m.result;
}

const gateway::FixGatewayCounters& TradingRuntime::fix_counters() const noexcept {
  return impl_->fix ? impl_->fix->counters() : impl_->no_fix;
}
const gateway::binance::SessionCounters& TradingRuntime::feed_counters() const noexcept {
  return impl_->feed ? impl_->feed->counters() : impl_->no_feed;
}
std::string TradingRuntime::clordid_prefix() const { return impl_->prefix; }
const CoreSetup* TradingRuntime::core() const noexcept { return impl_->stopped ? impl_->core.get() : nullptr; }

}  // namespace keel::cli
