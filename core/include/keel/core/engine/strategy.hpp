// The interfaces between the engine loop and what trades: a Strategy reacts to events and emits
// intents; a Sizer turns an intent into a quantity; the engine (OrderEntry) runs every sized intent
// through pre-trade risk and the OMS to the output ring. A strategy never fills itself and never
// sees a venue: fills reach it as ExecReports, after the OMS and the portfolio have applied them.
//
// All calls happen on the core thread; none may allocate, block or read the wall clock.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "keel/core/book/book_replica.hpp"
#include "keel/core/oms/order_manager.hpp"
#include "keel/core/portfolio/portfolio.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/risk/pre_trade_risk.hpp"

namespace keel {

// One completed bar time. closes[i] is instrument i's close (> 0) or 0 when it has no bar now.
struct BarTime {
  Nanos open_time = 0;   // ns since the epoch
  Nanos close_time = 0;  // when the bars became known (the events' ts_local)
  std::span<const double> closes;
};

// What a sizer may use besides the intent's own fields. Strategies fill what they have; a sizer
// documents what it reads (DOLPHIN's: strategy/dolphin/sizer.hpp).
struct SizingHints {
  double signal = std::numeric_limits<double>::quiet_NaN();      // the strategy's signal value
  double confidence = std::numeric_limits<double>::quiet_NaN();  // 0..1 where the strategy has one
  double multipliers[3] = {1.0, 1.0, 1.0};                       // context multipliers, sizer-defined
  std::uint8_t flags = 0;                                        // sizer-defined bits
};

enum class IntentKind : std::uint8_t {
  kNone = 0,
  kOrder = 1,    // a new order; qty 0 = the sizer decides
  kCancel = 2,   // cancel order_id
  kReplace = 3,  // replace order_id with limit_price / qty
};

struct Intent {
  IntentKind kind = IntentKind::kNone;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kNone;
  OrderType type = OrderType::kNone;
  TimeInForce tif = TimeInForce::kNone;
  bool post_only = false;
  Price limit_price;      // limit orders
  Price sizing_price;     // the price a notional is turned into a quantity at (0: limit_price)
  Qty lot;                // the instrument's lot: a sized quantity is rounded down to it (0: 10^-8)
  Qty qty;                // explicit quantity (0: ask the sizer)
  std::uint32_t order_id = 0;  // cancel / replace target
  std::uint32_t tag = 0;       // the strategy's label, echoed in OmsOrder::tag
  SizingHints hints;
};

struct SizingDecision {
  bool ok = false;          // false: nothing to trade (counted as a sizing refusal)
  Qty qty;
  double notional = 0.0;    // quote value the sizer aimed at
  double fraction = 0.0;    // sizer-defined: share of capital
  double leverage = 0.0;    // sizer-defined
  std::int32_t bucket = 0;  // sizer-defined label
};

class Sizer {
 public:
  virtual ~Sizer() = default;
  virtual SizingDecision size(const Intent& intent, const Portfolio& portfolio) noexcept = 0;
};

// The sizer when a strategy gives quantities itself: intent.qty, or nothing.
class ExplicitQtySizer final : public Sizer {
 public:
  SizingDecision size(const Intent& intent, const Portfolio& portfolio) noexcept override;
};

enum class SubmitStatus : std::uint8_t {
  kSent = 0,          // the command is in the output ring
  kRiskRejected = 1,  // see SubmitResult::risk
  kSizingRefused = 2,
  kOmsRefused = 3,    // order table full, or a cancel/replace of an order that cannot take one
  kRingFull = 4,
  kInvalid = 5,       // malformed intent
};

struct SubmitResult {
  SubmitStatus status = SubmitStatus::kInvalid;
  RiskReject risk = RiskReject::kNone;
  std::uint32_t order_id = 0;
  SizingDecision sizing;
  [[nodiscard]] bool sent() const noexcept { return status == SubmitStatus::kSent; }
};

// What a strategy can do and see: the engine implements it.
class OrderEntry {
 public:
  virtual ~OrderEntry() = default;
  virtual SubmitResult submit(const Intent& intent) noexcept = 0;
  [[nodiscard]] virtual const OmsOrder* order(std::uint32_t order_id) const noexcept = 0;
  [[nodiscard]] virtual const Portfolio& portfolio() const noexcept = 0;
  [[nodiscard]] virtual Nanos now() const noexcept = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Called once, before the first event.
  virtual void attach(OrderEntry& entry) noexcept { entry_ = &entry; }
  virtual void on_bar_time(const BarTime& /*bar*/) noexcept {}
  virtual void on_trade(const Trade& /*trade*/) noexcept {}
  virtual void on_book_top(const BookTop& /*top*/) noexcept {}
  virtual void on_timer(const Timer& /*timer*/) noexcept {}
  // The engine keeps order books: `instrument`'s book after a complete update, a (re)sync or a
  // state change (books.usable(instrument) says whether it may be used).
  virtual void on_book(InstrumentId /*instrument*/, const book::BookReplicas& /*books*/) noexcept {}
  // A market-data connection's health (FeedHealth events from the gateway).
  virtual void on_feed_health(const FeedHealth& /*health*/) noexcept {}
  // An external factor (funding, implied vol, fear & greed, taker ratio, …) as it arrives live.
  virtual void on_external_factor(const ExternalFactor& /*factor*/) noexcept {}
  // A report the OMS took in (applied, or applied out of order), with the order after it. Duplicate,
  // invalid and unknown-order reports are counted by the OMS and not passed on: a fill reaches the
  // strategy once.
  virtual void on_exec_report(const ExecReport& /*report*/, const OmsOrder& /*order*/) noexcept {}
  // Control events: posture, strategy updates, mode, …, and the engine's own — kill switch, trading
  // state, flatten, venue session — once the engine has acted on them (engine.hpp). Book states
  // and end of data are not passed on, nor a control the engine ignored as invalid.
  virtual void on_control(const Control& /*control*/) noexcept {}
  // The input has ended (or the run stops): last chance to record outputs.
  virtual void on_finish() noexcept {}

 protected:
  OrderEntry* entry_ = nullptr;
};

}  // namespace keel
