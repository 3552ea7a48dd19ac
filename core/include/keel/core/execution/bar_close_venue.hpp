// `bar-close`: the in-process venue of the bar-close fill model (bar_close_model.hpp). It sees the
// bars the core sees and fills the core's orders at the latest close, with the model's slippage,
// fees, maker draws and price improvement, from RNG stream `fills` (RNG.md).
//
// Reports per new order: New, then a Fill at once when marketable (a non-marketable GTC limit rests:
// Fill at a later close, Canceled on request; a non-marketable IOC/FOK: Canceled at once; a
// marketable post-only: Rejected kPostOnlyWouldCross; a fill whose value does not fit: Canceled). Cancels of resting orders: Canceled; of anything
// else: CancelRejected (kUnknownOrder / kTooLate). Replaces: CancelRejected (kInvalidOrder: the
// model has no amend). Status queries: OrderStatus from the venue's record of the last 65,536 order
// ids (New while resting, then Filled / Canceled / Rejected; an id it has no record of: Rejected,
// kUnknownOrder). Orders on an instrument without a close yet, or
// with a zero quantity: Rejected. Fixed capacity (kMaxResting resting orders); nothing allocates
// after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/execution/bar_close_model.hpp"
#include "keel/core/execution/execution_venue.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/rng.hpp"

namespace keel {

class BarCloseVenue final : public ExecutionVenue {
 public:
  static constexpr std::size_t kMaxResting = 256;
  BarCloseVenue(const BarCloseModel& model, std::size_t instrument_count, std::uint64_t run_seed);

  void on_market_event(const Event& event, ReportSink& sink) noexcept override;
  void submit(const OrderCommand& command, ReportSink& sink) noexcept override;

  [[nodiscard]] std::uint64_t fills() const noexcept { return fills_; }
  [[nodiscard]] std::uint64_t rejects() const noexcept { return rejects_; }

 private:
  struct Resting {
    std::uint32_t id = 0;  // 0 = free
    InstrumentId instrument = kNoInstrument;
    Side side = Side::kNone;
    OrderType type = OrderType::kNone;
    Price price;
    Qty qty;
  };
  void fill(const Resting& order, double model_price, ReportSink& sink) noexcept;
  void report(ReportSink& sink, ExecType type, std::uint32_t id, InstrumentId instrument, std::uint8_t detail) noexcept;
  void remember(std::uint32_t id, OrderStatus status, Qty cum) noexcept;

  struct Record {  // direct-mapped by id: the latest 65,536 ids
    std::uint32_t id = 0;
    OrderStatus status = OrderStatus::kNone;
    Qty cum;
  };
  static constexpr std::size_t kRecords = 1u << 16;

  BarCloseModel model_;
  RngStream rng_;
  std::vector<Price> closes_;
  std::vector<Qty> positions_;        // the venue's view of the client's net position per instrument
  std::vector<double> entry_price_;   // average entry of that position (for the improvement's size)
  std::vector<Resting> resting_;
  std::vector<Record> records_;
  Nanos now_ = 0;
  std::uint32_t next_exec_id_ = 1;
  std::uint64_t fills_ = 0;
  std::uint64_t rejects_ = 0;
};

}  // namespace keel
