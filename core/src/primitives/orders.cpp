#include "keel/core/primitives/orders.hpp"

namespace keel {

std::string_view to_string(Side v) noexcept {
  switch (v) {
    case Side::kBuy: return "BUY";
    case Side::kSell: return "SELL";
    case Side::kNone: break;
  }
  return "";
}

std::string_view to_string(ExecType v) noexcept {
  switch (v) {
    case ExecType::kNew: return "NEW";
    case ExecType::kPartialFill: return "PARTIAL_FILL";
    case ExecType::kFill: return "FILL";
    case ExecType::kCanceled: return "CANCELED";
    case ExecType::kReplaced: return "REPLACED";
    case ExecType::kRejected: return "REJECTED";
    case ExecType::kExpired: return "EXPIRED";
    case ExecType::kCancelRejected: return "CANCEL_REJECTED";
    case ExecType::kOrderStatus: return "ORDER_STATUS";
    case ExecType::kNone: break;
  }
  return "";
}

std::string_view to_string(OrderStatus v) noexcept {
  switch (v) {
    case OrderStatus::kPendingNew: return "PENDING_NEW";
    case OrderStatus::kNew: return "NEW";
    case OrderStatus::kPartiallyFilled: return "PARTIALLY_FILLED";
    case OrderStatus::kFilled: return "FILLED";
    case OrderStatus::kCanceled: return "CANCELED";
    case OrderStatus::kRejected: return "REJECTED";
    case OrderStatus::kExpired: return "EXPIRED";
    case OrderStatus::kPendingCancel: return "PENDING_CANCEL";
    case OrderStatus::kPendingReplace: return "PENDING_REPLACE";
    case OrderStatus::kUnknown: return "UNKNOWN";
    case OrderStatus::kNone: break;
  }
  return "";
}

std::string_view to_string(RejectReason v) noexcept {
  switch (v) {
    case RejectReason::kUnknownSymbol: return "unknown symbol";
    case RejectReason::kInvalidOrder: return "unsupported order type, side or time in force";
    case RejectReason::kPriceNotPositive: return "price must be positive";
    case RejectReason::kPriceOffTick: return "price is not a multiple of the tick size";
    case RejectReason::kQtyNotPositive: return "quantity must be positive";
    case RejectReason::kQtyOffLot: return "quantity is not a multiple of the lot size";
    case RejectReason::kBelowMinNotional: return "notional below the minimum";
    case RejectReason::kDuplicateClOrdId: return "duplicate ClOrdID";
    case RejectReason::kBookFull: return "order book capacity exhausted";
    case RejectReason::kPostOnlyWouldCross: return "post-only order would take liquidity";
    case RejectReason::kUnknownOrder: return "unknown order";
    case RejectReason::kInsufficientBalance: return "insufficient balance";
    case RejectReason::kUnknownAccount: return "unknown account";
    case RejectReason::kTooLate: return "order already done";
    case RejectReason::kWouldOverflow: return "order would overflow: quantity or notional too large";
    case RejectReason::kNotSent: return "not sent: no venue session";
    case RejectReason::kSessionRejected: return "refused by the venue's session layer";
    case RejectReason::kNone: break;
  }
  return "";
}

}  // namespace keel
