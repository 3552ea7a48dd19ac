// `matching`: the simulator's MatchingEngine as an in-process execution venue for backtests
// (ARCHITECTURE.md "One execution interface"). The core's orders meet a background flow — the bar
// walk over the run's own bars or the synthetic market (bar_walk_flow.hpp) — in price-time priority:
// a resting order queues behind the house maker's quantity at its price, a market order sweeps the
// ladder, IOC remainders are cancelled. Deterministic: venue time is the core's event time.
//
// Time. For a market event at time T (its ts_local) the venue first applies every flow action and
// every delayed core request due before T, in time order (a flow action first on a tie), then the
// core sees the event. Commands arrive at the core's time plus `order_entry`, reports reach the core
// `report` later; with both 0 (the default) a command is matched at once, at time T, before the
// flow's actions at T. A flow that throws is stopped and counted (faults()): the venue goes quiet
// rather than taking the core down.
//
// Accounts: the core trades as account 0; the flow's maker and taker are 1 and 2. Stop-loss and
// take-profit commands are market orders here (the strategy decided the trigger). Status queries
// are answered from the venue's record of the core's latest 65,536 orders (an id it has no record
// of: Rejected).
// Allocation: the constructor sizes everything; no callback allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "keel/core/execution/execution_venue.hpp"
#include "keel/core/oms/cl_ord_ids.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/order_flow.hpp"

namespace keel::sim {

struct MatchingVenueParams {
  std::int64_t order_entry_ns = 0;
  std::int64_t report_ns = 0;
};

class MatchingVenue final : public ExecutionVenue, private VenueListener {
 public:
  static constexpr AccountId kClient = 0;
  static constexpr AccountId kMaker = 1;
  static constexpr AccountId kTaker = 2;
  static constexpr std::size_t kQueue = 4096;  // requests in flight and reports in flight, each

  // `flow` trades as kMaker / kTaker (may be null: a quiet venue). Throws std::invalid_argument for
  // symbols the engine refuses (start-up).
  MatchingVenue(std::span<const VenueSymbol> symbols, const EngineConfig& engine, const MatchingVenueParams& params,
                std::unique_ptr<OrderFlow> flow);

  void on_market_event(const Event& event, ReportSink& sink) noexcept override;
  void submit(const OrderCommand& command, ReportSink& sink) noexcept override;

  [[nodiscard]] const MatchingEngine& engine() const noexcept { return engine_; }
  [[nodiscard]] std::uint64_t flow_actions() const noexcept { return flow_actions_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }  // queue overflows (counted)
  [[nodiscard]] std::uint64_t faults() const noexcept override { return dropped_ + flow_errors_; }

 private:
  struct Due {
    std::int64_t at = 0;
    OrderCommand command;
  };
  struct Answer {
    std::int64_t at = 0;
    ExecReport report;
  };
  struct OrderRecord {  // direct-mapped by ClOrdID sequence: the latest kRecords ids
    std::uint32_t id = 0;
    OrderStatus status = OrderStatus::kNone;
    Qty cum;
  };
  static constexpr std::size_t kRecords = 1u << 16;

  void on_execution(const Execution& execution) noexcept override;
  void on_cancel_reject(const CancelReject& reject) noexcept override;
  void advance(std::int64_t until, bool inclusive, ReportSink& sink) noexcept;
  void apply(const OrderCommand& command, std::int64_t at) noexcept;
  void answer(const ExecReport& report) noexcept;
  void deliver(std::int64_t until, ReportSink& sink) noexcept;
  void remember(std::uint32_t id, OrderStatus status, Qty cum) noexcept;
  [[nodiscard]] std::uint32_t id_of(const ClOrdId& id) noexcept;

  MatchingEngine engine_;
  MatchingVenueParams params_;
  std::unique_ptr<OrderFlow> flow_;
  ClOrdIdCodec codec_;
  FlowAction pending_{};
  bool have_pending_ = false;
  bool flow_done_ = false;
  std::vector<Due> requests_;   // ring, in arrival (= due) order
  std::size_t req_head_ = 0, req_count_ = 0;
  std::vector<Answer> answers_;  // ring, in time order
  std::size_t ans_head_ = 0, ans_count_ = 0;
  std::vector<OrderRecord> orders_;  // the core's orders, for status queries
  std::int64_t now_ = 0;
  std::uint64_t flow_actions_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t flow_errors_ = 0;
};

}  // namespace keel::sim
