// Replay of recorded Binance market data (VENUE.md `[flow] kind = "captures"`): an OrderFlow that
// rebuilds the recorded books with the venue's house maker and prints the recorded trades with its
// house taker, so clients trade against the market as it was recorded.
//
// Input: parsed capture files (core/capture.hpp), combined-stream frames (`{"stream":…,"data":…}`)
// or raw payloads, spot or futures formats. Frames are replayed in receive-time order (several
// captures are merged; ties keep capture order, then file order); every action's ts is its frame's
// receive time. A frame is matched to an instrument by its "s" symbol (upper case, exact).
//
// Model, per frame:
//  * depthUpdate (`<s>@depth@100ms`): for each recorded level (side, price, qty) the maker's total
//    quantity at that price becomes qty (0 removes the maker's orders there). Clients' resting
//    orders are extra liquidity on top of the recorded book. Two passes over the frame's levels,
//    bids then asks in recorded order:
//      1. decreases and removals: the maker's orders at the level are reduced starting from the
//         newest (QueueModel::kBack) or the oldest (kFront). An order reduced completely is
//         cancelled; the last one touched is replaced to a lower quantity, which keeps its time
//         priority. kBack is the pessimistic queue model: quantity ahead of a client's order leaves
//         only by trades; with kFront cancellations come from the front of the queue and the client
//         moves up.
//      2. increases: first the maker's orders on the opposite side that the level would cross are
//         cancelled (stale levels: with no snapshot, a level the replay saw once may have moved
//         away in frames it never saw, or been traded through by the replay's own taker); then a
//         new GTC limit order for the difference is placed, so it queues BEHIND everything already
//         resting at that price, clients' orders included — this is the queue-position model.
//    Decreases go first so the maker never crosses itself inside a frame.
//  * aggTrade / trade: the taker sends an IOC limit order at the recorded price for the recorded
//    quantity on the aggressor's side ("m": true ⇒ the buyer was the maker ⇒ the taker sells). It
//    prints as a public trade and consumes the queue in price-time priority, so clients' orders at
//    (or better than) that price fill in their turn; like any IOC it takes better prices first, so
//    a stale maker level or a client's order better than the recorded price fills before it. The
//    trade's effect on the maker's quantity is not undone: the next depth diff of that level sets
//    the recorded quantity again (recorded diffs already include the trade, so a level can stay
//    short until it changes again when the diff arrived before the trade frame).
//  * A maker order that crosses a client's resting order trades with it (clients priced through the
//    recorded market are filled by it); the maker's stale orders never trade with each other.
//  * bookTicker, kline and partial-depth (`depth<N>`) frames are ignored (counted).
// There is no REST snapshot in a capture: the book starts empty and holds only levels seen in
// diffs.
//
// Prices and quantities: a price off the instrument's tick is skipped (counted: rounding would
// merge distinct recorded levels); a quantity off the lot is rounded down to the lot (counted); a
// trade whose quantity rounds to 0 or whose notional is below the minimum is skipped (counted). A
// new maker order below the minimum notional is folded into the maker's newest order at that level
// (a replace up, which moves that order to the back); a decrease that would leave an order below
// the minimum cancels that order, and the increase pass then tops the level up the same way. When
// no maker order is left to fold into, the level stays short of the recorded quantity
// (min_notional_shortfalls). The flow never sends an order the engine rejects unless a client
// changed the book between two of its actions (house_rejects counts rejected orders,
// house_cancel_rejects rejected cancels/replaces).
//
// Each level (and each trade) is planned from the engine's book when the flow reaches it, and its
// actions are then returned one per next() call. A frame counts in frames_applied() once all its
// actions have been returned (i.e. when next() moves past it).
// Malformed frames (bad JSON, wrong types, missing fields, prices ≤ 0, NaN, negative numbers, a
// level that is not [price, qty]) are skipped as a whole and counted; the replay goes on.
// Allocation: the constructor copies the frame order and sizes the JSON parser for the largest
// frame; next() allocates only while its buffers (the level and action lists)
// grow to the largest frame seen.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/order_flow.hpp"

namespace keel::sim {

// Where a recorded decrease takes quantity out of the maker's queue at a level.
enum class QueueModel : std::uint8_t {
  kNone = 0,
  kBack = 1,   // newest maker orders first: clients ahead move up only through trades (pessimistic)
  kFront = 2,  // oldest maker orders first: clients move up as the recorded level shrinks
};

struct CaptureReplayParams {
  QueueModel cancels_from = QueueModel::kBack;
};

class CaptureReplayFlow final : public OrderFlow {
 public:
  // `captures` are taken over (move them in); `symbols` are the venue's instruments (ids = indices,
  // as given to the MatchingEngine). Throws std::invalid_argument when cancels_from is kNone, the
  // maker and taker accounts are equal, or a symbol's id is not its index or its tick or lot is not
  // positive (start-up only).
  CaptureReplayFlow(std::vector<Capture> captures, std::span<const VenueSymbol> symbols,
                    const FlowAccounts& accounts, const CaptureReplayParams& params = {});
  ~CaptureReplayFlow() override;
  CaptureReplayFlow(const CaptureReplayFlow&) = delete;
  CaptureReplayFlow& operator=(const CaptureReplayFlow&) = delete;

  bool next(const MatchingEngine& engine, FlowAction& out) override;
  void on_execution(const Execution& execution) override;
  // A CancelReject of one of the house accounts (the venue forwards them; counted only).
  void on_cancel_reject(const CancelReject& reject) noexcept override;

  // ---- Counters ----
  [[nodiscard]] std::uint64_t frames_total() const noexcept {
    return frames_total_;
  }  // frames read
  // depth / trade frames of known symbols, all of whose actions have been returned
  [[nodiscard]] std::uint64_t frames_applied() const noexcept { return frames_applied_; }
  [[nodiscard]] std::uint64_t frames_ignored() const noexcept {
    return frames_ignored_;
  }  // bookTicker, kline, depth<N>
  [[nodiscard]] std::uint64_t frames_skipped_unknown_symbol() const noexcept {
    return frames_unknown_symbol_;
  }
  [[nodiscard]] std::uint64_t frames_malformed() const noexcept { return frames_malformed_; }
  [[nodiscard]] std::uint64_t levels_off_tick() const noexcept {
    return levels_off_tick_;
  }  // skipped
  [[nodiscard]] std::uint64_t trades_off_tick() const noexcept {
    return trades_off_tick_;
  }  // skipped
  [[nodiscard]] std::uint64_t quantities_rounded() const noexcept { return quantities_rounded_; }
  [[nodiscard]] std::uint64_t trades_skipped() const noexcept {
    return trades_skipped_;
  }  // 0 qty / min notional
  [[nodiscard]] std::uint64_t min_notional_shortfalls() const noexcept {
    return min_notional_shortfalls_;
  }
  [[nodiscard]] std::uint64_t stale_orders_cancelled() const noexcept {
    return stale_orders_cancelled_;
  }
  [[nodiscard]] std::uint64_t house_rejects() const noexcept { return house_rejects_; }
  [[nodiscard]] std::uint64_t house_cancel_rejects() const noexcept {
    return house_cancel_rejects_;
  }
  [[nodiscard]] std::uint64_t actions() const noexcept { return actions_; }  // actions returned
  // FNV-1a digest (core/digest.hpp) over every returned action's kind, ts and request fields.
  [[nodiscard]] std::uint64_t action_digest() const noexcept { return digest_.value(); }

 private:
  struct LevelOp {
    Side side = Side::kNone;
    Price price;
    Qty qty;
  };
  enum class Phase : std::uint8_t { kIdle = 0, kDecrease = 1, kIncrease = 2, kTrade = 3 };
  struct Parser;  // keel::protocol::binance::Decoder, private

  bool load_next_frame();
  void plan_step(const MatchingEngine& engine);
  void plan_decrease(const OrderBook& book, const Instrument& ins, const LevelOp& level);
  void plan_increase(const OrderBook& book, const Instrument& ins, const LevelOp& level);
  void plan_trade(const Instrument& ins);
  void push_place(Side side, TimeInForce tif, AccountId account, Price price, Qty qty);
  void push_cancel(const RestingOrder& order);
  void push_replace(const RestingOrder& order, Qty qty);
  ClOrdId next_id(char prefix);

  std::vector<Capture> captures_;
  std::vector<VenueSymbol> symbols_;
  std::map<std::string, InstrumentId, std::less<>> by_symbol_;
  FlowAccounts accounts_;
  CaptureReplayParams params_;
  std::unique_ptr<Parser> parser_;

  // Frames in replay order: (capture index, record index).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order_;
  std::size_t cursor_ = 0;

  // The frame being replayed.
  Phase phase_ = Phase::kIdle;
  std::int64_t ts_ = 0;
  InstrumentId instrument_ = kNoInstrument;
  std::vector<LevelOp> levels_;  // bids then asks, as recorded (on tick, rounded to lot)
  std::size_t level_pos_ = 0;
  LevelOp trade_;  // side = the taker's side
  std::vector<FlowAction> pending_;
  std::size_t pending_pos_ = 0;
  std::vector<Slot> scratch_;  // maker orders at a level

  std::uint64_t id_counter_ = 0;
  RunDigest digest_;
  std::uint64_t frames_total_ = 0;
  std::uint64_t frames_applied_ = 0;
  std::uint64_t frames_ignored_ = 0;
  std::uint64_t frames_unknown_symbol_ = 0;
  std::uint64_t frames_malformed_ = 0;
  std::uint64_t levels_off_tick_ = 0;
  std::uint64_t trades_off_tick_ = 0;
  std::uint64_t quantities_rounded_ = 0;
  std::uint64_t trades_skipped_ = 0;
  std::uint64_t min_notional_shortfalls_ = 0;
  std::uint64_t stale_orders_cancelled_ = 0;
  std::uint64_t house_rejects_ = 0;
  std::uint64_t house_cancel_rejects_ = 0;
  std::uint64_t actions_ = 0;
};

}  // namespace keel::sim
