// `matching`: the simulator's MatchingEngine as an in-process execution venue for backtests
// (ARCHITECTURE.md "One execution interface"). The core's orders meet a background flow — the bar
// walk over the run's own bars or the synthetic market (bar_walk_flow.hpp) — in price-time priority:
// a resting order queues behind the house maker's quantity at its price, a market order sweeps the
// ladder, IOC remainders are cancelled. Deterministic: venue time is the core's event time.
//
// Time. For a market event at time T (its ts_local) the venue first applies every flow action before
// T and every core request due by T, in time order (a flow action first on a tie); commands arrive at
// the core's time plus `order_entry`, reports reach the core `report` later (both 0 by default: a
// command is matched at once, at the core's time, before the flow's next action).
//
// Accounts: the core trades as account 0; the flow's maker and taker are 1 and 2. Stop-loss and
// take-profit commands are market orders here (the strategy decided the trigger). Status queries
// are answered from the venue's record of the core's orders.
// Allocation: the constructor sizes everything; no callback allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "keel/core/containers/fixed_hash_map.hpp"
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

 private:
  struct Due {
    std::int64_t at = 0;
    OrderCommand command;
  };
  struct Answer {
    std::int64_t at = 0;
    ExecReport report;
  };
  struct OrderRecord {
    OrderStatus status = OrderStatus::kNone;
    Qty cum;
  };
  struct IdHash {
    std::size_t operator()(std::uint32_t v) const noexcept { return static_cast<std::size_t>(v) * 0x9E3779B1u; }
  };

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
  FixedHashMap<std::uint32_t, OrderRecord, IdHash> orders_;  // the core's orders by ClOrdID sequence
  std::int64_t now_ = 0;
  std::uint32_t next_status_exec_ = 0;
  std::uint64_t flow_actions_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace keel::sim
