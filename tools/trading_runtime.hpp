// The threads of paper and live trading (ARCHITECTURE.md "Threads in paper and live mode"):
//
//   venue WS ─► feed thread (MarketDataSession) ──SPSC──┐
//   venue FIX ◄► session thread (QuickFIX) ─────SPSC──┤
//               router thread (commands, timers) ─SPSC─┤──► core thread ──SPSC──► router thread
//   operator (control endpoint, shutdown) ────SPSC──┘         │
//                                                               └──SPSC──► journal thread
//
// The core thread (pinned to live.core_cpu, or the last CPU the process may use; one warning and
// unpinned where that is impossible) builds the engine and the strategy itself, after pinning, so
// their tables are first touched — and placed — on its NUMA node, and pre-faulted before any event.
// It polls its input rings in a fixed order (the venue's answers first, then the router's, the
// operator's and the market data), and for every event: the journal ring first, then the engine.
// It consumes nothing while the journal ring or the command ring lacks room, so nothing is ever
// dropped and a command ring that fills is never what decided the engine's path: `keel replay` of
// the journal reproduces the run's decisions and digest exactly. When there is no input it spins
// briefly, then sleeps on its doorbell, which every producer rings.
//
// The journal thread writes every event the core consumed, in the order consumed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core_runner.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/gateway/binance/market_data_session.hpp"
#include "keel/gateway/fix/fix_order_gateway.hpp"

namespace keel::cli {

// What the core thread publishes for the status line, /status and metrics (relaxed atomics, written
// by the core thread between events).
struct CoreSnapshot {
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> bar_times{0};
  std::atomic<std::uint64_t> orders{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> risk_rejects{0};
  std::atomic<std::int64_t> open_orders{0};
  std::atomic<std::int64_t> positions{0};      // instruments with a non-zero position
  std::atomic<double> equity{0.0};
  std::atomic<double> realized{0.0};
  std::atomic<double> equity_peak{0.0};
  std::atomic<double> day_start_equity{0.0};  // the first equity of the current UTC day (event time)
  std::atomic<double> gross_exposure{0.0};
  std::atomic<int> trading_state{0};          // TradingState
  std::atomic<int> venue_gate{0};             // VenueGate
  std::atomic<bool> kill_switch{false};
  std::atomic<bool> flattening{false};
  std::atomic<std::int64_t> reconcile_last_ns{0};
  std::atomic<std::uint64_t> reconciliations{0};
  std::atomic<std::uint64_t> lost_at_venue{0};
  std::atomic<std::uint64_t> rejected_events{0};
  std::atomic<double> capital_fraction{1.0};
  std::atomic<std::uint64_t> allocations_after_warmup{0};
  std::atomic<bool> warm{false};
  std::atomic<bool> finished{false};
};

struct TradingRuntimeConfig {
  KeelConfig config;                 // run.mode is paper or live
  InstrumentRegistry registry;       // instrument i = feed symbol i = FIX symbol i
  gateway::binance::MarketDataSessionConfig market_data;
  gateway::FixSessionSettings fix;
  std::string journal_path;          // "" = no journal
  // Mixed into the ClOrdID prefix (oms/cl_ord_ids.hpp) so that two sessions of one configuration
  // never send the same ids (the commands set it from the wall clock at start; 0 = none). Not part
  // of the core: a replay does not need it.
  std::uint64_t clordid_salt = 0;
  std::uint64_t expected_bar_times = 0;  // sizes the strategy's trade and equity records (beyond: counted, not kept)
  // Tests and benchmarks: a strategy of their own instead of the config's (not owned; it must
  // outlive the runtime; attached on the core thread before the first event). A replay of such a
  // run needs the same strategy.
  Strategy* strategy = nullptr;
  Sizer* sizer = nullptr;
  // Warm-up: events the core consumes (and journals) before any live input (--warmup-data bars).
  std::vector<Event> warmup;
  // The gateway's log lines (logons, rejects, unknown orders); default stderr. Any thread.
  std::function<void(std::string_view)> log;
  std::size_t feed_ring = 1 << 16;
  std::size_t journal_ring = 1 << 20;
};

struct TradingRuntimeResult {
  EngineStats stats;
  std::uint64_t digest = 0;
  std::uint64_t journal_records = 0;
  std::uint64_t allocations_after_warmup = 0;
  bool journal_ok = true;
  bool pinned = false;
  std::string pin_note;              // why not pinned
};

class TradingRuntime {
 public:
  // Throws ConfigError / std::invalid_argument for unusable settings, OutputError for a journal
  // that cannot be created.
  explicit TradingRuntime(TradingRuntimeConfig config);
  ~TradingRuntime();
  TradingRuntime(const TradingRuntime&) = delete;
  TradingRuntime& operator=(const TradingRuntime&) = delete;

  // Starts the journal and core threads (which build the core), then the FIX gateway and the feed.
  // Throws std::runtime_error when a part cannot start (the message names it).
  void start();
  // Delivers an operator's event (Control, ExternalFactor) to the core, stamped with the wall clock;
  // false when the operator ring is full. Any thread (serialised here: the control endpoint and
  // the factor file may both deliver).
  bool submit(const Event& event);
  // Orderly end: the kill switch (open orders cancelled, no new ones) and a wait of up to
  // `cancel_wait_ms` for the venue to confirm (skipped when !cancel_open_orders: tests that compare
  // open orders with the venue's); then the feed and the FIX session stop, the core finishes
  // (engine.finish()), the journal is flushed and closed. Idempotent.
  TradingRuntimeResult stop(int cancel_wait_ms = 5000, bool cancel_open_orders = true);

  [[nodiscard]] const CoreSnapshot& snapshot() const noexcept { return snapshot_; }
  // The gateway's counters (all zero before start()).
  [[nodiscard]] const gateway::FixGatewayCounters& fix_counters() const noexcept;
  [[nodiscard]] const gateway::binance::SessionCounters& feed_counters() const noexcept;
  // The session's ClOrdID prefix ("K" + 8 hex digits); empty before start().
  [[nodiscard]] std::string clordid_prefix() const;
  // The strategy and engine after stop() (for run files and the summary); null before.
  [[nodiscard]] const CoreSetup* core() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  CoreSnapshot snapshot_;
};

}  // namespace keel::cli
