#include "keel/sim/venue_types.hpp"

#include <cstdlib>

namespace keel::sim {

int fix_ord_rej_reason(RejectReason reason) noexcept {
  switch (reason) {
    case RejectReason::kNone: return 0;
    case RejectReason::kUnknownSymbol: return 1;
    case RejectReason::kInvalidOrder: return 11;       // unsupported order characteristic
    case RejectReason::kPriceNotPositive: return 99;
    case RejectReason::kPriceOffTick: return 18;       // invalid price increment
    case RejectReason::kQtyNotPositive: return 13;     // incorrect quantity
    case RejectReason::kQtyOffLot: return 13;
    case RejectReason::kBelowMinNotional: return 99;
    case RejectReason::kDuplicateClOrdId: return 6;    // duplicate order
    case RejectReason::kBookFull: return 0;            // broker / exchange option
    case RejectReason::kPostOnlyWouldCross: return 99;
    case RejectReason::kUnknownOrder: return 5;
    case RejectReason::kInsufficientBalance: return 3; // order exceeds limit
    case RejectReason::kUnknownAccount: return 15;
    case RejectReason::kTooLate: return 99;
    case RejectReason::kWouldOverflow: return 13;      // incorrect quantity
  }
  return 99;
}

std::string_view to_text(RejectReason reason) noexcept {
  const std::string_view text = to_string(reason);
  return reason == RejectReason::kNone || !text.empty() ? text : std::string_view("rejected");
}

char fix_exec_type(VenueExecType type) noexcept {
  switch (type) {
    case VenueExecType::kNone: return '\0';
    case VenueExecType::kNew: return '0';
    case VenueExecType::kTrade: return 'F';
    case VenueExecType::kCanceled: return '4';
    case VenueExecType::kReplaced: return '5';
    case VenueExecType::kRejected: return '8';
  }
  return '\0';
}

char fix_ord_status(OrdStatus status) noexcept {
  switch (status) {
    case OrdStatus::kNone: return '\0';
    case OrdStatus::kNew: return '0';
    case OrdStatus::kPartiallyFilled: return '1';
    case OrdStatus::kFilled: return '2';
    case OrdStatus::kCanceled: return '4';
    case OrdStatus::kRejected: return '8';
  }
  return '\0';
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
  }
  return "canceled";
}

int fix_cxl_rej_reason(CxlRejReason reason) noexcept {
  switch (reason) {
    case CxlRejReason::kNone: return 99;
    case CxlRejReason::kTooLate: return 0;
    case CxlRejReason::kUnknownOrder: return 1;
    case CxlRejReason::kDuplicateClOrdId: return 6;
    case CxlRejReason::kOther: return 99;
  }
  return 99;
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
