// The order vocabulary every layer shares: the core's OMS, the simulator's matching engine and the
// FIX codec (keel::protocol maps these enums to and from FIX codes, in one place). Enums are
// uint8_t with explicit, stable values and 0 = none; each has a checked decoder from a raw byte.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel {

enum class Side : std::uint8_t { kNone = 0, kBuy = 1, kSell = 2 };
// kStatus asks the venue for an order's state (FIX H): how the OMS settles a request left unanswered.
enum class OrderAction : std::uint8_t { kNone = 0, kNew = 1, kCancel = 2, kReplace = 3, kStatus = 4 };
// kStopLoss and kTakeProfit are Binance's triggered market orders (STOP_LOSS / TAKE_PROFIT): the
// strategy has decided the trigger was hit, the venue fills them as market orders and a fill model
// may treat them differently (slippage, maker eligibility).
enum class OrderType : std::uint8_t { kNone = 0, kMarket = 1, kLimit = 2, kStopLoss = 3, kTakeProfit = 4 };
enum class TimeInForce : std::uint8_t { kNone = 0, kGtc = 1, kIoc = 3, kFok = 4 };

// What an ExecReport says happened (FIX 150, plus the OrderCancelReject message).
enum class ExecType : std::uint8_t {
  kNone = 0,
  kNew = 1,            // 150=0
  kPartialFill = 2,    // 150=F with leaves > 0
  kFill = 3,           // 150=F with leaves = 0
  kCanceled = 4,       // 150=4
  kReplaced = 5,       // 150=5
  kRejected = 6,       // 150=8 (a new order or a replace the venue refused)
  kExpired = 7,        // 150=C
  kCancelRejected = 8, // 35=9 OrderCancelReject: the order is unchanged
  kOrderStatus = 9,    // 150=I: an answer to a status query
};
inline constexpr std::uint8_t kMaxExecType = 9;

// An order's state (FIX 39). The Pending states exist only in the OMS, between a request and its
// answer; kUnknown is an order whose request timed out without an answer (never resent: the OMS
// queries the venue, and the answer settles it).
enum class OrderStatus : std::uint8_t {
  kNone = 0,
  kPendingNew = 1,       // 39=A
  kNew = 2,              // 39=0
  kPartiallyFilled = 3,  // 39=1
  kFilled = 4,           // 39=2
  kCanceled = 5,         // 39=4
  kRejected = 6,         // 39=8
  kExpired = 7,          // 39=C
  kPendingCancel = 8,    // 39=6
  kPendingReplace = 9,   // 39=E
  kUnknown = 10,         // no FIX code: sent, unanswered, being queried
};
inline constexpr std::uint8_t kMaxOrderStatus = 10;

// True for Filled, Canceled, Rejected and Expired: nothing can happen to the order any more.
[[nodiscard]] constexpr bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

// Why a venue refused an order, a replace or a cancel. Stable values (journals and FIX mapping).
enum class RejectReason : std::uint8_t {
  kNone = 0,
  kUnknownSymbol = 1,
  kInvalidOrder = 2,          // unsupported side / type / time in force / combination
  kPriceNotPositive = 3,
  kPriceOffTick = 4,
  kQtyNotPositive = 5,
  kQtyOffLot = 6,
  kBelowMinNotional = 7,
  kDuplicateClOrdId = 8,
  kBookFull = 9,              // the instrument's order pool is exhausted (counted)
  kPostOnlyWouldCross = 10,
  kUnknownOrder = 11,
  kInsufficientBalance = 12,  // reserved: balances are not checked before trading (DECISIONS.md)
  kUnknownAccount = 13,
  kTooLate = 14,              // cancel / replace of an order that is already done
  kWouldOverflow = 15,        // quantity or notional beyond what fixed point holds
  kNotSent = 16,              // the gateway never sent it: no venue session (certain, not a guess)
  kSessionRejected = 17,      // the venue's session layer refused the message (Reject 3 / BMR j)
};
inline constexpr std::uint8_t kMaxRejectReason = 17;

std::string_view to_string(Side v) noexcept;
std::string_view to_string(ExecType v) noexcept;
std::string_view to_string(OrderStatus v) noexcept;
std::string_view to_string(RejectReason v) noexcept;  // FIX Text (58); never empty except for kNone

}  // namespace keel
