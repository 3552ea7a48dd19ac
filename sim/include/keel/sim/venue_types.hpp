// The neutral venue API: what a client asks the simulated venue (OrderRequest, CancelRequest,
// ReplaceRequest) and what the venue answers (Execution, CancelReject, PublicTrade, BookLevelChange),
// independent of the wire protocol. The FIX acceptor and the market-data server translate these to
// and from FIX 4.4 and Binance JSON (../shared/spec/VENUE.md); the FIX code tables live here.
//
// Every record is trivially copyable and holds no pointers or std::string: identifiers are inline
// values (ClOrdId). Enums are uint8_t with 0 = none.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "keel/core/containers/cl_ord_id.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/instrument.hpp"

namespace keel::sim {

using AccountId = std::uint32_t;
using AssetId = std::uint32_t;
using OrderId = std::uint64_t;  // venue order id (FIX 37); 0 = none (a rejected order has none)
using ExecId = std::uint64_t;   // execution id (FIX 17), unique per venue, 1, 2, 3, …

using keel::ClOrdId;  // core/containers/cl_ord_id.hpp

// NewOrderSingle (D). Market orders ignore price; a market order's time in force is treated as IOC.
struct OrderRequest {
  std::int64_t ts = 0;  // the request's time (ns), echoed in its executions
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  ClOrdId cl_ord_id;
  Side side = Side::kNone;
  OrderType type = OrderType::kNone;
  TimeInForce tif = TimeInForce::kNone;
  bool post_only = false;  // FIX 18=6: rejected instead of taking liquidity
  Price price;
  Qty qty;
};

// OrderCancelRequest (F): cancels the account's open order whose current ClOrdID is orig_cl_ord_id.
struct CancelRequest {
  std::int64_t ts = 0;
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  ClOrdId cl_ord_id;       // the cancel request's own id
  ClOrdId orig_cl_ord_id;  // the order's current id
  Side side = Side::kNone; // informational (FIX requires it); not used to find the order
};

// OrderCancelReplaceRequest (G): new price and total quantity for an open limit order.
struct ReplaceRequest {
  std::int64_t ts = 0;
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  ClOrdId cl_ord_id;       // becomes the order's id when the replace is accepted
  ClOrdId orig_cl_ord_id;
  Side side = Side::kNone;
  Price price;
  Qty qty;                 // new total order quantity (including what has filled)
};

using keel::RejectReason;  // core/primitives/orders.hpp

// FIX Text (58) for a reject; never empty for a reason other than kNone.
std::string_view to_text(RejectReason reason) noexcept;

enum class VenueExecType : std::uint8_t {
  kNone = 0,
  kNew = 1,       // 150=0
  kTrade = 2,     // 150=F
  kCanceled = 3,  // 150=4
  kReplaced = 4,  // 150=5
  kRejected = 5,  // 150=8
};
enum class OrdStatus : std::uint8_t {
  kNone = 0,
  kNew = 1,              // 39=0
  kPartiallyFilled = 2,  // 39=1
  kFilled = 3,           // 39=2
  kCanceled = 4,         // 39=4
  kRejected = 5,         // 39=8
};
// Why an order ended with 150=4.
enum class CancelCause : std::uint8_t {
  kNone = 0,
  kClient = 1,              // OrderCancelRequest
  kIocRemainder = 2,        // IOC limit: what did not fill at once
  kFokUnfilled = 3,         // FOK that could not fill completely (no fills happened)
  kMarketRemainder = 4,     // market order: no more liquidity
  kSelfTrade = 5,           // self-trade prevention cancelled this resting order
  kReplacedBelowFilled = 6, // replace to a quantity at or below the filled quantity
  kWouldOverflow = 7,       // the next fill would overflow the order's Σ notional (fixed_point.hpp)
};

// The core's order vocabulary for the venue's (FIX codes: keel::protocol::fix, fix_mapping.hpp).
// A trade is kFill when nothing is left (leaves_qty = 0), else kPartialFill.
ExecType to_exec_type(VenueExecType type, Qty leaves_qty) noexcept;
OrderStatus to_order_status(OrdStatus status) noexcept;
std::string_view to_text(CancelCause cause) noexcept;  // FIX Text (58) on a 150=4

// One ExecutionReport (8) for one order's owner.
struct Execution {
  std::int64_t ts = 0;
  ExecId exec_id = 0;
  OrderId order_id = 0;
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  ClOrdId cl_ord_id;       // the order's (new) id; the cancel request's id on a client cancel
  ClOrdId orig_cl_ord_id;  // set on client cancel, replace and a replace-cancel
  VenueExecType exec_type = VenueExecType::kNone;
  OrdStatus ord_status = OrdStatus::kNone;
  Side side = Side::kNone;
  RejectReason reject_reason = RejectReason::kNone;
  CancelCause cancel_cause = CancelCause::kNone;
  bool maker = false;      // on a trade: this order was the resting side
  Price price;             // the order's limit price (0 for a market order)
  Qty order_qty;           // the order's total quantity
  Price last_px;           // on a trade: the resting order's price
  Qty last_qty;
  Qty cum_qty;
  Qty leaves_qty;
  Notional cum_notional;   // Σ last_px·last_qty (each product rounded once); AvgPx = average_price()
  Notional fee;            // on a trade: fee charged for this fill, in the quote asset
};

// Execution::cum_notional / cum_qty, rounded half-to-even to the price scale; 0 when cum_qty is 0.
Price average_price(Notional cum_notional, Qty cum_qty) noexcept;

enum class CxlRejResponseTo : std::uint8_t { kNone = 0, kCancel = 1, kReplace = 2 };  // FIX 434
// On the wire (fix_mapping.hpp, through to_reject_reason): 102=0 too late, 102=1 unknown order,
// 102=6 duplicate ClOrdID, 102=2 other.
enum class CxlRejReason : std::uint8_t {
  kNone = 0,
  kTooLate = 1,          // 102=0
  kUnknownOrder = 2,     // 102=1
  kDuplicateClOrdId = 3, // 102=6
  kOther = 4,            // 102=2 (VENUE.md): a replace that fails validation (detail says why)
};
OrderAction to_order_action(CxlRejResponseTo response_to) noexcept;
// The one reason the core and FIX carry: kOther becomes `detail` (a validation failure; kInvalidOrder
// when detail is kNone), the others their namesakes.
RejectReason to_reject_reason(CxlRejReason reason, RejectReason detail) noexcept;

// OrderCancelReject (9). The order, when found, is unchanged.
struct CancelReject {
  std::int64_t ts = 0;
  OrderId order_id = 0;  // 0 when the order is unknown
  AccountId account = 0;
  InstrumentId instrument = kNoInstrument;
  ClOrdId cl_ord_id;
  ClOrdId orig_cl_ord_id;
  OrdStatus ord_status = OrdStatus::kNone;  // the order's status; kRejected when unknown
  CxlRejResponseTo response_to = CxlRejResponseTo::kNone;
  CxlRejReason reason = CxlRejReason::kNone;
  RejectReason detail = RejectReason::kNone;  // the validation failure behind kOther / the reason text
};

// A public trade (market data @trade): one per fill.
struct PublicTrade {
  std::int64_t ts = 0;
  std::uint64_t trade_id = 0;  // per instrument, 1, 2, 3, …
  InstrumentId instrument = kNoInstrument;
  Side aggressor = Side::kNone;  // the taker's side
  Price price;
  Qty qty;
  OrderId maker_order_id = 0;
  OrderId taker_order_id = 0;
};

// The new total quantity at one price level (0 = the level is gone); one per change, in order.
struct BookLevelChange {
  std::int64_t ts = 0;
  std::uint64_t update_id = 0;  // per instrument, 1, 2, 3, … (Binance `u`)
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kNone;
  Price price;
  Qty qty;
};

static_assert(std::is_trivially_copyable_v<ClOrdId>);
static_assert(std::is_trivially_copyable_v<OrderRequest>);
static_assert(std::is_trivially_copyable_v<CancelRequest>);
static_assert(std::is_trivially_copyable_v<ReplaceRequest>);
static_assert(std::is_trivially_copyable_v<Execution>);
static_assert(std::is_trivially_copyable_v<CancelReject>);
static_assert(std::is_trivially_copyable_v<PublicTrade>);
static_assert(std::is_trivially_copyable_v<BookLevelChange>);

// The venue's output. Called synchronously from inside the engine's request handling, in the order
// the events happen; a callback must not call back into the engine. Per fill the order is: the taker's
// Execution, the maker's Execution, the PublicTrade, then the BookLevelChange.
// Contract: callbacks are noexcept. The engine's entry points are noexcept and report from the middle
// of a book mutation, where an exception could only leave the book half-updated; a listener that
// can fail records the failure (or hands it off) and returns. An exception escaping a callback ends
// the process (std::terminate).
class VenueListener {
 public:
  virtual ~VenueListener() = default;
  virtual void on_execution(const Execution& execution) noexcept = 0;
  virtual void on_cancel_reject(const CancelReject& reject) noexcept = 0;
  virtual void on_public_trade(const PublicTrade& /*trade*/) noexcept {}
  virtual void on_book_level(const BookLevelChange& /*change*/) noexcept {}
};

// A fee of `rate_millionths` / 10^6 of `notional`, rounded half-to-even (negative = rebate).
Notional fee_for(Notional notional, std::int64_t rate_millionths) noexcept;

}  // namespace keel::sim
