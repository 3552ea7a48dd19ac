#include "keel/sim/venue_types.hpp"

#include <cstdlib>

namespace keel::sim {

std::string_view to_text(RejectReason reason) noexcept {
  const std::string_view text = to_string(reason);
  return reason == RejectReason::kNone || !text.empty() ? text : std::string_view("rejected");
}

ExecType to_exec_type(VenueExecType type, Qty leaves_qty) noexcept {
  switch (type) {
    case VenueExecType::kNone: return ExecType::kNone;
    case VenueExecType::kNew: return ExecType::kNew;
    case VenueExecType::kTrade: return leaves_qty.raw() == 0 ? ExecType::kFill : ExecType::kPartialFill;
    case VenueExecType::kCanceled: return ExecType::kCanceled;
    case VenueExecType::kReplaced: return ExecType::kReplaced;
    case VenueExecType::kRejected: return ExecType::kRejected;
  }
  return ExecType::kNone;
}

OrderStatus to_order_status(OrdStatus status) noexcept {
  switch (status) {
    case OrdStatus::kNone: return OrderStatus::kNone;
    case OrdStatus::kNew: return OrderStatus::kNew;
    case OrdStatus::kPartiallyFilled: return OrderStatus::kPartiallyFilled;
    case OrdStatus::kFilled: return OrderStatus::kFilled;
    case OrdStatus::kCanceled: return OrderStatus::kCanceled;
    case OrdStatus::kRejected: return OrderStatus::kRejected;
  }
  return OrderStatus::kNone;
}

std::string_view to_text(CancelCause cause) noexcept {
  switch (cause) {
    case CancelCause::kNone: return "";
    case CancelCause::kClient: return "canceled by client";
    case CancelCause::kIocRemainder: return "IOC remainder canceled";
    case CancelCause::kFokUnfilled: return "FOK could not fill completely";
    case CancelCause::kMarketRemainder: return "market order remainder canceled: no liquidity";
    case CancelCause::kSelfTrade: return "canceled by self-trade prevention";
    case CancelCause::kReplacedBelowFilled: return "replaced to a quantity at or below the filled quantity";
    case CancelCause::kWouldOverflow: return "remainder canceled: the order would overflow its notional";
  }
  return "canceled";
}

OrderAction to_order_action(CxlRejResponseTo response_to) noexcept {
  switch (response_to) {
    case CxlRejResponseTo::kNone: return OrderAction::kNone;
    case CxlRejResponseTo::kCancel: return OrderAction::kCancel;
    case CxlRejResponseTo::kReplace: return OrderAction::kReplace;
  }
  return OrderAction::kNone;
}

RejectReason to_reject_reason(CxlRejReason reason, RejectReason detail) noexcept {
  switch (reason) {
    case CxlRejReason::kNone: return RejectReason::kNone;
    case CxlRejReason::kTooLate: return RejectReason::kTooLate;
    case CxlRejReason::kUnknownOrder: return RejectReason::kUnknownOrder;
    case CxlRejReason::kDuplicateClOrdId: return RejectReason::kDuplicateClOrdId;
    case CxlRejReason::kOther: break;
  }
  // kOther: the validation failure. Never one of the three reasons above (they have their own
  // CxlRejReason), so the wire code is 102=2.
  if (detail == RejectReason::kNone || detail == RejectReason::kTooLate || detail == RejectReason::kUnknownOrder ||
      detail == RejectReason::kDuplicateClOrdId)
    return RejectReason::kInvalidOrder;
  return detail;
}

namespace {
__extension__ using Int128 = __int128;  // GCC/Clang extension

// n / d rounded half-to-even; d > 0.
Int128 divide_half_even(Int128 n, Int128 d) noexcept {
  Int128 q = n / d;
  Int128 r = n % d;
  if (r < 0) {  // floor division
    q -= 1;
    r += d;
  }
  const Int128 twice = 2 * r;
  if (twice > d || (twice == d && (q % 2 != 0))) q += 1;
  return q;
}
}  // namespace

Price average_price(Notional cum_notional, Qty cum_qty) noexcept {
  if (cum_qty.raw() <= 0) return Price{};
  const Int128 n = static_cast<Int128>(cum_notional.raw()) * kScale;
  return Price::from_raw(static_cast<std::int64_t>(divide_half_even(n, cum_qty.raw())));
}

Notional fee_for(Notional notional, std::int64_t rate_millionths) noexcept {
  const Int128 n = static_cast<Int128>(notional.raw()) * rate_millionths;
  return Notional::from_raw(static_cast<std::int64_t>(divide_half_even(n, 1'000'000)));
}

}  // namespace keel::sim
