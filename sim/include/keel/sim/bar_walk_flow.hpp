// BarWalkFlow: seeded background order flow that keeps a realistic book around a price path through
// each bar's open, high, low and close (VENUE.md `[flow] kind = "bars" | "synthetic"`; DECISIONS.md).
//
// Input: an EventSource of Bar events in time order (BarMerger, SyntheticMarket); other event kinds
// are ignored. `venue_ids[bar.header.instrument]` is the venue InstrumentId of a bar's instrument
// (kNoInstrument, or an id past the end of venue_ids: the bar is skipped). Bars sharing an open time
// form a batch (read up to the first bar of the next open time); a second bar of the same venue
// instrument in a batch is ignored.
//
// Model, per batch (open time t0, interval I; I = params.bar_interval_ns, or when that is 0 the bar's
// ts_local − ts_exchange, or 5 minutes):
//  * Prices are put on the tick grid: hi = floor(high), lo = ceil(low) (a swapped high/low is
//    swapped back); when lo > hi (range inside one tick) both become the tick nearest the close.
//    open and close are rounded to the nearest tick and clamped to [lo, hi]; every price is at least
//    one tick. Bars with a non-positive price are skipped.
//  * Path of N = steps_per_bar (≥ 4) points: open → first extreme → second extreme → close, linear
//    between vertices, each of the three legs getting a share of the N−1 intervals proportional to
//    its length in ticks (at least one each). The first extreme is the one nearer the open; on a tie
//    the seeded coin decides (u < 0.5: high first).
//  * Step k (k = 0 … N−1) happens at t0 + k·I/N; within a step the batch's instruments are handled
//    in batch order, each completely before the next. For path price T the taker trades on the side
//    the path moves (up: buy, down: sell, flat: as the previous step; first step of a run: buy when
//    close ≥ open). The maker's ladder puts the taker's touch at T: a buy step quotes ask0 = T,
//    bid0 = T − spread; a sell step bid0 = T, ask0 = T + spread (a buy step whose bid0 would not be
//    positive becomes a sell step). Level j: bid0 − j ticks, ask0 + j ticks (positive prices only).
//  * Actions of one step, one per next(), each decided from the engine's book and the maker's open
//    orders as reported through on_execution:
//      1. maker cancels its own orders that would cross the new ladder (asks ≤ bid0, bids ≥ ask0);
//      2. taker IOC sweeps other accounts' orders that would cross it (asks ≤ bid0: buy at limit
//         bid0; bids ≥ ask0: sell at limit ask0) — trades at those clients' prices;
//      3. maker reconciles each side, touch outward: a level whose order is missing gets a maker order
//         moved there by replace (an order off the ladder, first in record order) or a new GTC limit;
//         an order whose leaves fell below half of what it was placed with is replaced (same price,
//         new quantity), and so is the level the taker will hit when its leaves are below the
//         slice plus the minimum quantity; then maker orders left off the ladder are cancelled;
//      4. taker IOC at limit T on the step's side for the slice qty (volume_fraction · volume / N).
//    So every flow trade of steps 3–4 is at a path price, inside [lo, hi], and a bar's last trade is
//    at its close (unless the bar's volume or volume_fraction is 0: then the taker does not trade).
//  * Depth is set in quote notional (so one setting suits BTC and a $0.10 coin): a maker level's base
//    quantity is level_notional · (1 + depth_jitter · (2u − 1)) / price, rounded down to lots; the
//    maker level the taker hits at T additionally carries the step's slice, so after the slice trade
//    the level keeps its normal depth. Every quantity is raised to at least one lot and to the
//    instrument's minimum notional at its price. The slice is volume_fraction · volume / N rounded
//    down to lots (at least one lot when the bar has volume). No house order exceeds a quote
//    notional of 10^9 (a sweep of larger client liquidity takes several steps).
//  * Without client orders the book after each step is exactly the maker's ladder: `levels` levels
//    per side (fewer bids only where prices would not be positive) and best ask − best bid =
//    spread_ticks. Client orders are never avoided by moving the ladder: those crossing it are
//    swept by the taker (step 2) — at the clients' prices, which may lie outside the bar.
//  * ClOrdIDs: "m<n>" (maker places, replaces and cancels) and "t<n>" (taker), n = 1, 2, … per kind.
//
// Seeded (RNG stream "flow", RNG.md), draw order: per bar handled (batch order), one uniform for the
// extreme-order coin (drawn even when not a tie); then one uniform per maker place or replace, at the
// moment the action is produced. The draws therefore follow the engine's reports (client fills change
// how many replaces happen), which the OrderFlow contract allows.
//
// Allocation: the constructor allocates the per-instrument state (2·levels + 16 maker order records
// per instrument); next() and on_execution() never allocate.
// Not thread-safe: the venue calls next() and on_execution() under its engine lock (order_flow.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/io/event_source.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/order_flow.hpp"

namespace keel::sim {

struct BarWalkParams {
  int levels = 10;              // maker price levels per side (≥ 1)
  int spread_ticks = 1;         // best ask − best bid of the maker's ladder, in ticks (≥ 1)
  double level_notional = 5000.0;  // mean quote notional of one maker level (> 0)
  double depth_jitter = 0.5;    // relative random variation of a level's notional, in [0, 1)
  int steps_per_bar = 20;       // path points per bar (≥ 4)
  double volume_fraction = 0.5; // share of the bar's base volume the taker trades, in [0, 1]
  std::int64_t bar_interval_ns = 0;  // 0: each bar's ts_local − ts_exchange (5 min if not positive)
};

class BarWalkFlow final : public OrderFlow {
 public:
  // `symbols` are the engine's instruments (index = venue InstrumentId). Throws std::invalid_argument
  // for params out of range, equal maker and taker accounts or a venue id out of range (start-up).
  // `bars` must outlive the flow.
  BarWalkFlow(EventSource& bars, std::vector<InstrumentId> venue_ids, std::span<const VenueSymbol> symbols,
              FlowAccounts accounts, std::uint64_t run_seed, const BarWalkParams& params = {});

  bool next(const MatchingEngine& engine, FlowAction& out) override;
  void on_execution(const Execution& execution) override;

  // Counters (diagnostics and tests): bars accepted into batches, Rejected executions of the house
  // accounts (0 unless clients' orders race the flow's), actions produced.
  [[nodiscard]] std::uint64_t bars_walked() const noexcept { return bars_walked_; }
  [[nodiscard]] std::uint64_t house_rejects() const noexcept { return house_rejects_; }
  [[nodiscard]] std::uint64_t actions() const noexcept { return actions_; }

 private:
  static constexpr int kPhaseCancelCrossers = 0;
  static constexpr int kPhaseSweep = 1;
  static constexpr int kPhaseLadder = 2;
  static constexpr int kPhaseTake = 3;
  static constexpr int kPhaseDone = 4;

  struct MakerOrder {
    OrderId id = 0;  // 0 = free record
    ClOrdId cl;
    Side side = Side::kNone;
    Price price;
    Qty qty;     // total
    Qty cum;
    Qty placed;  // leaves when placed or last resized
    std::uint64_t touched = 0;  // step serial of the last action on it
    [[nodiscard]] Qty leaves() const noexcept { return qty - cum; }
  };
  struct BarPlan {
    InstrumentId venue = kNoInstrument;
    std::int64_t tick = 1;   // raw price units per tick
    std::int64_t v[4] = {};  // open, first extreme, second extreme, close (ticks)
    int at[4] = {};          // their path indices (0, i1, i2, N−1)
    std::int64_t lo = 1, hi = 1;  // ticks
    Qty slice;               // taker qty per step before the minimum (0: no taker trades)
  };
  struct InstrumentState {
    std::vector<MakerOrder> orders;  // fixed capacity records
    Side last_side = Side::kNone;
    Price last_price;
  };

  bool load_batch();
  [[nodiscard]] Price path_price(const BarPlan& plan, int k) const noexcept;
  [[nodiscard]] bool on_ladder(const MakerOrder& o) const noexcept;
  [[nodiscard]] bool primary(const InstrumentState& st, const MakerOrder& o) const noexcept;
  void begin_instrument_step();
  bool step_action(const MatchingEngine& engine, FlowAction& out);
  [[nodiscard]] Qty level_qty(InstrumentId id, Price price) noexcept;  // draws one uniform
  [[nodiscard]] Qty min_qty(InstrumentId id, Price price) const noexcept;
  // `qty` limited to a quote notional of 10^9 at `price` (lots), then raised to min_qty.
  [[nodiscard]] Qty capped(InstrumentId id, Price price, Qty qty) const noexcept;
  [[nodiscard]] Price ladder_price(Side side, int j) const noexcept;
  MakerOrder* find_order(InstrumentId id, OrderId order) noexcept;
  void make_id(char prefix, std::uint64_t n, ClOrdId& out) noexcept;
  void emit_place(FlowAction& out, AccountId account, Side side, TimeInForce tif, Price price, Qty qty,
                  ClOrdId cl);
  void emit_replace(FlowAction& out, const MakerOrder& o, Price price, Qty qty);
  void emit_cancel(FlowAction& out, const MakerOrder& o);

  EventSource& bars_;
  std::vector<InstrumentId> venue_ids_;
  std::vector<VenueSymbol> symbols_;
  FlowAccounts accounts_;
  RngStream rng_;
  BarWalkParams params_;

  std::vector<InstrumentState> state_;
  std::vector<BarPlan> batch_;
  std::vector<char> in_batch_;  // per venue instrument
  Event pending_{};
  bool have_pending_ = false;
  bool source_done_ = false;
  std::int64_t batch_time_ = 0;
  std::int64_t interval_ns_ = 0;

  // Position in the current batch.
  int step_ = 0;
  std::size_t pos_ = 0;
  int phase_ = kPhaseDone;
  int sweeps_ = 0;
  std::int64_t step_ts_ = 0;
  std::int64_t last_ts_ = 0;
  std::uint64_t serial_ = 0;  // instrument-steps begun
  int ladder_actions_ = 0;
  Price target_;
  Side take_side_ = Side::kNone;
  Price bid0_, ask0_;
  bool batch_active_ = false;

  std::uint64_t maker_ids_ = 0;
  std::uint64_t taker_ids_ = 0;
  std::uint64_t bars_walked_ = 0;
  std::uint64_t house_rejects_ = 0;
  std::uint64_t actions_ = 0;
};

}  // namespace keel::sim
