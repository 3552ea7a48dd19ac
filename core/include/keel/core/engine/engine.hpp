// The core's event loop and order path.
//
//   events ─► strategy ─► intents ─► sizer ─► pre-trade risk ─► OMS ─► OrderCommand ─► output ring
//      ▲                                                                                  │ venue
//      └──────────── ExecReport events ─► OMS ─► portfolio ─► strategy ◄──────────────────┘
//
// Market tracking: per-instrument last close, bar-time batches, missing bars, and an equal-weight
// index. Each completed bar time goes to the strategy. Marks (bar close, trade price, book mid) go
// to the portfolio and are risk's reference prices.
//
// The run digest covers, in event order: per bar time (i64 open time, u64 bars present, f64 index
// log return); every OrderCommand that entered the output ring (its 48 canonical bytes); every
// ExecReport consumed (its 64 bytes); and whatever the strategy adds (DOLPHIN: trades and equity).
//
// Bars from trades (EngineConfig::trade_bar_interval > 0, market/bar_builder.hpp): the bars an event
// closes are handled as Bar events before the event itself.
//
// Order books (EngineConfig::book_levels > 0): BookLevel and Control kBookState events rebuild one
// L2Book per instrument (book/book_replica.hpp); the strategy hears on_book() after every complete
// update or state change, and risk lets only reducing orders through for an instrument whose book
// is not usable (stale, not yet synced, crossed). FeedHealth events go to the strategy.
//
// Contract: on_event() never allocates, never blocks and never reads the wall clock (its time is
// the events' time). Bad input (unknown instrument, non-positive price, time going backwards, an
// invalid report) is counted and dropped, never fed to the strategy math.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "keel/core/engine/strategy.hpp"
#include "keel/core/market/bar_builder.hpp"
#include "keel/core/oms/order_manager.hpp"
#include "keel/core/portfolio/portfolio.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/core/risk/pre_trade_risk.hpp"

namespace keel {

struct EngineStats {
  std::uint64_t events = 0;
  std::uint64_t bar_events = 0;
  std::uint64_t bar_times = 0;       // distinct bar open times processed ("bars" in summaries)
  std::uint64_t missing_bars = 0;    // instruments without a bar at a processed bar time
  std::uint64_t rejected_events = 0; // dropped as bad input
  std::uint64_t ignored_events = 0;  // kinds nothing in the core uses
  std::uint64_t exec_reports = 0;
  std::uint64_t intents = 0;
  std::uint64_t commands = 0;        // OrderCommands written to the output ring
  std::uint64_t sizing_refused = 0;
  std::uint64_t oms_refused = 0;
  std::uint64_t ring_full = 0;
  // Execution quality: Σ notional of fills, and Σ (cost against the instrument's last bar close) ·
  // notional, cost positive when the fill was worse than the close (a buy above, a sell below).
  double filled_notional = 0.0;
  double slippage_notional = 0.0;
  Nanos first_bar_time = 0;
  Nanos last_bar_time = 0;
  double index_log_return = 0.0;     // cumulative equal-weight log return
};

struct EngineConfig {
  std::size_t instrument_count = 0;
  RiskLimits risk;
  std::size_t oms_capacity = 4096;
  Nanos ack_timeout = 5 * kNanosPerSecond;  // a request unanswered this long becomes Unknown
  std::size_t command_ring = 1024;
  std::size_t book_levels = 0;  // per side; 0 = no order books kept (BookLevel events are ignored)
  // > 0: bars are built from Trade events on event time (market/bar_builder.hpp) and processed as
  // Bar events (paper and live); 0 = bars come as Bar events only (backtests).
  Nanos trade_bar_interval = 0;
  Notional initial_cash;
};

class Engine final : public OrderEntry {
 public:
  // Allocates every table (warm-up).
  explicit Engine(const EngineConfig& config);
  // Market tracking only (no strategy orders expected): defaults for everything else.
  explicit Engine(std::size_t instrument_count);

  // The strategy and its sizer (not owned; the sizer may be null: ExplicitQtySizer). Call before the
  // first event.
  void set_strategy(Strategy* strategy, Sizer* sizer = nullptr) noexcept;
  [[nodiscard]] RunDigest& run_digest() noexcept { return digest_; }

  void on_event(const Event& event) noexcept;
  // Drains up to max_events from a ring; returns how many were processed.
  std::size_t poll(SpscRing<Event>& ring, std::size_t max_events) noexcept;
  // Closes an open bar-time batch and tells the strategy the input has ended.
  void finish() noexcept;

  // The commands for the venue (the engine produces, the venue side consumes).
  [[nodiscard]] SpscRing<OrderCommand>& commands() noexcept { return commands_; }

  // OrderEntry
  SubmitResult submit(const Intent& intent) noexcept override;
  [[nodiscard]] const OmsOrder* order(std::uint32_t order_id) const noexcept override { return oms_.find(order_id); }
  [[nodiscard]] const Portfolio& portfolio() const noexcept override { return portfolio_; }
  [[nodiscard]] Nanos now() const noexcept override { return clock_.now(); }

  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint64_t digest() const noexcept { return digest_.value(); }
  [[nodiscard]] const OrderManager& oms() const noexcept { return oms_; }
  [[nodiscard]] const PreTradeRisk& risk() const noexcept { return risk_; }
  // The order books (null when book_levels is 0).
  [[nodiscard]] const book::BookReplicas* books() const noexcept { return books_.get(); }

 private:
  void on_bar(const Bar& bar) noexcept;
  void close_bar_time() noexcept;
  void on_report(const ExecReport& report) noexcept;
  void on_control(const Control& control) noexcept;
  void on_book_event(const Event& event) noexcept;
  void on_built_bars(std::size_t count) noexcept;
  void on_market_price(InstrumentId instrument, Price price) noexcept;
  bool emit(const OrderCommand& command) noexcept;
  void send_status_queries() noexcept;
  [[nodiscard]] RiskExposure exposure(InstrumentId instrument) const noexcept;

  struct InstrumentState {
    Price last_close;       // zero until the first bar
    Price batch_close;      // close in the open batch (zero when absent)
    Price reference;        // risk's reference price: last trade, mid or close
  };
  std::vector<InstrumentState> instruments_;
  std::vector<InstrumentId> batch_members_;  // capacity reserved at construction
  std::vector<double> batch_closes_;         // per instrument, 0 = no bar at this bar time
  Strategy* strategy_ = nullptr;
  Sizer* sizer_ = nullptr;
  ExplicitQtySizer explicit_sizer_;
  PreTradeRisk risk_;
  OrderManager oms_;
  Portfolio portfolio_;
  SpscRing<OrderCommand> commands_;
  std::unique_ptr<book::BookReplicas> books_;
  std::unique_ptr<BarBuilder> bar_builder_;
  std::vector<Event> built_bars_;  // capacity instrument_count
  Nanos batch_close_time_ = 0;
  SimClock clock_;
  EngineStats stats_;
  RunDigest digest_;
  Nanos batch_time_ = 0;
  bool batch_open_ = false;
  bool finished_ = false;
};

}  // namespace keel
