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
// Live controls (paper / live; a backtest sends none of these controls and nothing changes):
//  * Kill switch (Control kKillSwitch 1): risk's kill switch (only reducing orders pass) and every
//    live order is canceled — amendable ones at once; one whose new / replace / cancel is unanswered,
//    or Unknown, as soon as a report makes it amendable. The engine's own flatten orders (tag
//    kFlattenTag, IOC) are left to end by themselves. Release (0) stops both.
//  * Flatten (Control kFlatten): trading state reducing (from any state: the operator asked for it),
//    every live order canceled as for the kill switch, then every non-zero position closed by market
//    IOC orders (opposite side, at most |position| − the working orders on that side, split to
//    max_order_qty and max_order_notional at the reference, rounded down to the instrument's lot)
//    through pre-trade risk, on every later event until flat. A closing order that ends with nothing
//    filled (rejected, canceled, expired) or that risk refuses for good counts one failure for its
//    instrument; after flatten_max_failures the flatten leaves that position (counted). Transient
//    refusals (rate limit, open-order limit, no reference price, the venue session) wait for a later
//    event. The flatten is done when every position is flat (or left) and no order is open; the
//    state stays reducing until an operator sets it active. A kTradingState control other than
//    reducing ends a flatten (active: the operator resumed; halted: nothing may go out).
//  * Venue session (Control kVenueSession): kDown closes risk's venue gate (kVenueDown: nothing new
//    reaches the venue; requests time out to Unknown and are queried as ever); kLoggedOn starts a
//    reconciliation — a status query for every live order, nothing new (kReconciling) until every one
//    is settled by a status answer and kVenueReconciled has arrived (its `real` > 0: venue orders this
//    core did not know ⇒ trading state reducing). The reconciliation's duration in event time (logon
//    → done) is in EngineStats. Cancels still go out while reconciling (never while down).
//  * Capital ramp (EngineConfig::capital_ramp, risk/capital_ramp.hpp): risk's exposure limits scaled
//    by the ramp's fraction; kill-switch trips and flattens are its breaches.
// Every one of these controls reaches the strategy (on_control) after the engine acted on it (one
// the engine ignores — a bad value, a kVenueReconciled without a logon — is counted, not passed on).
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
#include "keel/core/risk/capital_ramp.hpp"
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
  // Live controls.
  std::uint64_t kill_switch_engaged = 0;   // Control kKillSwitch engagements
  std::uint64_t kill_switch_cancels = 0;   // cancels sent because of the kill switch
  std::uint64_t flattens = 0;              // Control kFlatten received
  std::uint64_t flattens_done = 0;         // flattens that ended flat (or with positions left, below)
  std::uint64_t flattens_stopped = 0;      // flattens ended by a kTradingState control
  std::uint64_t flatten_cancels = 0;       // cancels sent because of a flatten
  std::uint64_t flatten_orders = 0;        // reduce-only closing orders sent
  std::uint64_t flatten_failures = 0;      // closing orders that filled nothing, or risk refused for good
  std::uint64_t flatten_gave_up = 0;       // positions left open after flatten_max_failures failures
  std::uint64_t venue_downs = 0;           // kVenueSession kDown
  std::uint64_t reconciliations = 0;       // started (kVenueSession kLoggedOn)
  std::uint64_t reconciliations_done = 0;
  std::uint64_t venue_unknown_orders = 0;  // the last kVenueReconciled's count of orders the core did not know
  Nanos reconcile_last = 0;                // the last reconciliation's duration (event time, logon → done)
  Nanos reconcile_max = 0;
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
  // Paper / live: orders go to a venue session. true: the venue gate starts down — nothing is sent
  // before the gateway's first kVenueSession kLoggedOn and the reconciliation after it.
  bool venue_session = false;
  // Flatten: failed closing attempts per position before the flatten leaves it (at least 1).
  int flatten_max_failures = 5;
  // Per instrument lot size, for splitting flatten orders (missing or ≤ 0: 10^-8).
  std::vector<Qty> lot_sizes;
  CapitalRampConfig capital_ramp;  // disabled by default (fraction 1)
};

class Engine final : public OrderEntry {
 public:
  // The tag of the engine's own flatten orders (OmsOrder::tag); a strategy intent with it is invalid.
  static constexpr std::uint32_t kFlattenTag = 0xFFFF'FFFFu;

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
  // Live state, for /status and metrics (no allocation). Positions: portfolio().position(i) for
  // i < portfolio().instrument_count(); live orders: oms().for_each_live(f) or oms().slots().
  [[nodiscard]] TradingState trading_state() const noexcept { return risk_.state(); }
  [[nodiscard]] bool kill_switch() const noexcept { return risk_.kill_switch(); }
  [[nodiscard]] bool flattening() const noexcept { return flattening_; }
  [[nodiscard]] VenueGate venue_gate() const noexcept { return risk_.venue_gate(); }
  [[nodiscard]] bool reconciling() const noexcept { return risk_.venue_gate() == VenueGate::kReconciling; }
  [[nodiscard]] double capital_fraction() const noexcept { return ramp_.fraction(); }
  [[nodiscard]] const CapitalRamp& capital_ramp() const noexcept { return ramp_; }
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
  void after_event() noexcept;
  bool on_venue_session(const Control& control) noexcept;  // false: ignored
  void finish_reconcile_if_done() noexcept;
  [[nodiscard]] bool cancel_wanted() const noexcept {
    return (kill_cancel_ || flattening_) && risk_.venue_gate() != VenueGate::kDown;
  }
  // Cancels one order for the kill switch / a flatten if it is amendable now; false when the output
  // ring is full (a sweep is due again).
  bool control_cancel(const OmsOrder& order) noexcept;
  void sweep_cancels() noexcept;
  void start_flatten() noexcept;
  void flatten_step() noexcept;
  void flatten_failed(InstrumentId instrument) noexcept;
  [[nodiscard]] std::int64_t flatten_chunk(InstrumentId instrument) const noexcept;
  void breach() noexcept;
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
  // Live controls.
  struct FlattenPosition {
    int failures = 0;
    bool gave_up = false;
  };
  std::vector<FlattenPosition> flatten_;  // per instrument
  std::vector<std::int64_t> lots_;        // per instrument, raw Qty > 0
  CapitalRamp ramp_;
  std::uint64_t seen_kill_trips_ = 0;
  Nanos logon_at_ = 0;
  int flatten_max_failures_ = 5;
  int flatten_live_ = 0;       // the engine's flatten orders not yet terminal
  bool kill_cancel_ = false;   // Control kKillSwitch engaged: cancel every live order
  bool flattening_ = false;
  bool sweep_due_ = false;     // a pass over every live order is due (cancels)
  bool venue_reconciled_ = false;
};

}  // namespace keel
