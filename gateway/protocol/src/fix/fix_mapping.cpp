#include "keel/protocol/fix/fix_mapping.hpp"

#include <charconv>
#include <limits>

namespace keel::protocol::fix {
namespace {

// The single character of a one-character wire value; '\0' for anything else.
char one(std::string_view wire) noexcept { return wire.size() == 1 ? wire[0] : '\0'; }

// The reason whose to_string() is `text`; kNone when none is.
RejectReason reason_from_text(std::string_view text) noexcept {
  if (text.empty()) return RejectReason::kNone;
  for (std::uint8_t v = 1; v <= kMaxRejectReason; ++v) {
    const auto reason = static_cast<RejectReason>(v);
    if (to_string(reason) == text) return reason;
  }
  return RejectReason::kNone;
}

bool is_fill(ExecType t) noexcept { return t == ExecType::kPartialFill || t == ExecType::kFill; }

}  // namespace

char fix_side(Side v) noexcept {
  switch (v) {
    case Side::kBuy: return '1';
    case Side::kSell: return '2';
    case Side::kNone: break;
  }
  return '\0';
}

Side decode_side(std::string_view wire) noexcept {
  switch (one(wire)) {
    case '1': return Side::kBuy;
    case '2': return Side::kSell;
    default: return Side::kNone;
  }
}

char fix_ord_type(OrderType v) noexcept {
  switch (v) {
    case OrderType::kMarket: return '1';
    case OrderType::kLimit: return '2';
    case OrderType::kStopLoss: return '3';
    case OrderType::kTakeProfit: return 'J';
    case OrderType::kNone: break;
  }
  return '\0';
}

OrderType decode_ord_type(std::string_view wire) noexcept {
  switch (one(wire)) {
    case '1': return OrderType::kMarket;
    case '2': return OrderType::kLimit;
    case '3': return OrderType::kStopLoss;
    case 'J': return OrderType::kTakeProfit;
    default: return OrderType::kNone;
  }
}

char fix_time_in_force(TimeInForce v) noexcept {
  switch (v) {
    case TimeInForce::kGtc: return '1';
    case TimeInForce::kIoc: return '3';
    case TimeInForce::kFok: return '4';
    case TimeInForce::kNone: break;
  }
  return '\0';
}

TimeInForce decode_time_in_force(std::string_view wire) noexcept {
  switch (one(wire)) {
    case '1': return TimeInForce::kGtc;
    case '3': return TimeInForce::kIoc;
    case '4': return TimeInForce::kFok;
    default: return TimeInForce::kNone;
  }
}

char fix_exec_type(ExecType v) noexcept {
  switch (v) {
    case ExecType::kNew: return '0';
    case ExecType::kPartialFill:
    case ExecType::kFill: return 'F';
    case ExecType::kCanceled: return '4';
    case ExecType::kReplaced: return '5';
    case ExecType::kRejected: return '8';
    case ExecType::kExpired: return 'C';
    case ExecType::kOrderStatus: return 'I';
    case ExecType::kCancelRejected:
    case ExecType::kNone: break;
  }
  return '\0';
}

ExecType decode_exec_type(std::string_view wire, bool leaves_zero) noexcept {
  switch (one(wire)) {
    case '0': return ExecType::kNew;
    case 'F': return leaves_zero ? ExecType::kFill : ExecType::kPartialFill;
    case '4': return ExecType::kCanceled;
    case '5': return ExecType::kReplaced;
    case '8': return ExecType::kRejected;
    case 'C': return ExecType::kExpired;
    case 'I': return ExecType::kOrderStatus;
    default: return ExecType::kNone;
  }
}

char fix_ord_status(OrderStatus v) noexcept {
  switch (v) {
    case OrderStatus::kPendingNew: return 'A';
    case OrderStatus::kNew: return '0';
    case OrderStatus::kPartiallyFilled: return '1';
    case OrderStatus::kFilled: return '2';
    case OrderStatus::kCanceled: return '4';
    case OrderStatus::kRejected: return '8';
    case OrderStatus::kExpired: return 'C';
    case OrderStatus::kPendingCancel: return '6';
    case OrderStatus::kPendingReplace: return 'E';
    case OrderStatus::kUnknown:
    case OrderStatus::kNone: break;
  }
  return '\0';
}

OrderStatus decode_ord_status(std::string_view wire) noexcept {
  switch (one(wire)) {
    case 'A': return OrderStatus::kPendingNew;
    case '0': return OrderStatus::kNew;
    case '1': return OrderStatus::kPartiallyFilled;
    case '2': return OrderStatus::kFilled;
    case '4': return OrderStatus::kCanceled;
    case '8': return OrderStatus::kRejected;
    case 'C': return OrderStatus::kExpired;
    case '6': return OrderStatus::kPendingCancel;
    case 'E': return OrderStatus::kPendingReplace;
    default: return OrderStatus::kNone;
  }
}

int fix_ord_rej_reason(RejectReason v) noexcept {
  switch (v) {
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
    case RejectReason::kNotSent:                        // gateway-side reasons: never on the wire
    case RejectReason::kSessionRejected: return 99;
  }
  return 99;
}

RejectReason decode_ord_rej_reason(int code, std::string_view text) noexcept {
  if (const RejectReason r = reason_from_text(text); r != RejectReason::kNone) return r;
  switch (code) {
    case 0: return RejectReason::kBookFull;
    case 1: return RejectReason::kUnknownSymbol;
    case 3: return RejectReason::kInsufficientBalance;
    case 5: return RejectReason::kUnknownOrder;
    case 6: return RejectReason::kDuplicateClOrdId;
    case 11: return RejectReason::kInvalidOrder;
    case 13: return RejectReason::kQtyOffLot;
    case 15: return RejectReason::kUnknownAccount;
    case 18: return RejectReason::kPriceOffTick;
    case 99: return RejectReason::kInvalidOrder;
    default: return RejectReason::kNone;
  }
}

int fix_cxl_rej_reason(RejectReason v) noexcept {
  switch (v) {
    case RejectReason::kNone: return -1;
    case RejectReason::kTooLate: return 0;
    case RejectReason::kUnknownOrder: return 1;
    case RejectReason::kDuplicateClOrdId: return 6;
    default: return 2;  // broker / exchange option: a replace the venue cannot honour (VENUE.md); 58 says why
  }
}

RejectReason decode_cxl_rej_reason(int code, std::string_view text) noexcept {
  if (const RejectReason r = reason_from_text(text); r != RejectReason::kNone) return r;
  switch (code) {
    case 0: return RejectReason::kTooLate;
    case 1: return RejectReason::kUnknownOrder;
    case 6: return RejectReason::kDuplicateClOrdId;
    case 2:   // broker / exchange option
    case 99: return RejectReason::kInvalidOrder;
    default: return RejectReason::kNone;
  }
}

char fix_cxl_rej_response_to(OrderAction v) noexcept {
  switch (v) {
    case OrderAction::kCancel: return '1';
    case OrderAction::kReplace: return '2';
    case OrderAction::kNew:
    case OrderAction::kStatus:
    case OrderAction::kNone: break;
  }
  return '\0';
}

OrderAction decode_cxl_rej_response_to(std::string_view wire) noexcept {
  switch (one(wire)) {
    case '1': return OrderAction::kCancel;
    case '2': return OrderAction::kReplace;
    default: return OrderAction::kNone;
  }
}

namespace {

// ExecID (17) as a number in 1..2^32−1; 0 for anything else.
std::uint32_t numeric_exec_id(std::string_view text) noexcept {
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return 0;
  return v;
}

// A fill's ExecID as the OMS's duplicate key: the number itself when it is one in 1..2^31−1, else
// a 32-bit FNV-1a hash of the text with the top bit set (never 0). Venues number fills as they
// like (alphanumeric, 64-bit trade ids); a fill is never refused for its ExecID's format. The key
// only has to tell one order's fills apart: a collision needs two fills of one order whose texts
// hash alike.
std::uint32_t fill_exec_key(std::string_view text) noexcept {
  const std::uint32_t n = numeric_exec_id(text);
  if (n != 0 && n < 0x80000000u) return n;
  std::uint32_t h = 2166136261u;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h | 0x80000000u;
}

ExecReport report_header(ExecType type, const ReportContext& context) noexcept {
  ExecReport x{};
  x.header.ts_exchange = context.ts_exchange;
  x.header.ts_local = context.ts_local;
  x.header.instrument = context.instrument;
  x.header.subtype = static_cast<std::uint8_t>(type);
  return x;
}

template <class Fix>
Errc set_common(Fix& out, const ClOrdIdCodec& ids, std::uint32_t sequence, std::string_view symbol,
                Side side) noexcept {
  if (symbol.empty() || !out.symbol.assign(symbol)) return Errc::kInvalidArgument;
  if (sequence == 0 || fix_side(side) == '\0') return Errc::kInvalidArgument;
  if (!out.cl_ord_id.assign(ids.format(sequence).view())) return Errc::kInvalidArgument;
  out.side = side;
  return Errc::kOk;
}

}  // namespace

Result<ExecReport> to_exec_report(const FixExecReport& report, const ClOrdIdCodec& ids,
                                  const ReportContext& context) noexcept {
  const auto sequence = ids.parse(report.cl_ord_id.view());
  if (!sequence) return Errc::kUnknownSymbol;
  const ExecType type = report.exec_type;
  if (type == ExecType::kNone || type == ExecType::kCancelRejected || type > static_cast<ExecType>(kMaxExecType))
    return Errc::kGarbage;
  ExecReport x = report_header(type, context);
  x.client_order_id = *sequence;
  x.exec_id = numeric_exec_id(report.exec_id.view());
  if (type == ExecType::kRejected) {
    x.header.detail = static_cast<std::uint8_t>(report.reject_reason);
  } else {
    if (report.ord_status == OrderStatus::kNone || report.ord_status == OrderStatus::kUnknown ||
        report.ord_status > static_cast<OrderStatus>(kMaxOrderStatus))
      return Errc::kGarbage;
    x.header.detail = static_cast<std::uint8_t>(report.ord_status);
  }
  if (is_fill(type)) {
    if (report.exec_id.empty()) return Errc::kGarbage;
    x.exec_id = fill_exec_key(report.exec_id.view());
    x.last_price = report.last_px;
    x.last_qty = report.last_qty;
  }
  x.cum_qty = report.cum_qty;
  return x;
}

Result<ExecReport> to_exec_report(const FixCancelReject& reject, const ClOrdIdCodec& ids,
                                  const ReportContext& context) noexcept {
  const auto sequence = ids.parse(reject.cl_ord_id.view());
  if (!sequence) return Errc::kUnknownSymbol;
  ExecReport x = report_header(ExecType::kCancelRejected, context);
  x.client_order_id = *sequence;
  x.header.detail = static_cast<std::uint8_t>(reject.reason);
  return x;
}

// kStopLoss / kTakeProfit commands are exits the strategy has already triggered (orders.hpp): the
// venue is to fill them at market now. On the wire that is a market order (40=1); FIX's stop (40=3)
// would rest at the venue until a StopPx the command does not have.
namespace {
OrderType wire_order_type(OrderType type) noexcept {
  return type == OrderType::kStopLoss || type == OrderType::kTakeProfit ? OrderType::kMarket : type;
}
}  // namespace

Result<FixNewOrder> to_fix_new_order(const OrderCommand& command, const ClOrdIdCodec& ids,
                                     std::string_view symbol, std::int64_t transact_time_ns) noexcept {
  if (command.action != OrderAction::kNew || fix_ord_type(command.type) == '\0' ||
      fix_time_in_force(command.tif) == '\0')
    return Errc::kInvalidArgument;
  FixNewOrder out;
  if (const Errc e = set_common(out, ids, command.client_order_id, symbol, command.side); e != Errc::kOk)
    return e;
  out.qty = command.qty;
  out.ord_type = wire_order_type(command.type);
  out.price = command.type == OrderType::kLimit ? command.price : Price{};
  out.time_in_force = command.tif;
  out.post_only = command.post_only != 0;
  out.transact_time_ns = transact_time_ns;
  return out;
}

Result<FixCancel> to_fix_cancel(const OrderCommand& command, const ClOrdIdCodec& ids,
                                std::string_view symbol) noexcept {
  if (command.action != OrderAction::kCancel || command.orig_client_order_id == 0) return Errc::kInvalidArgument;
  FixCancel out;
  if (const Errc e = set_common(out, ids, command.client_order_id, symbol, command.side); e != Errc::kOk)
    return e;
  if (!out.orig_cl_ord_id.assign(ids.format(command.orig_client_order_id).view())) return Errc::kInvalidArgument;
  return out;
}

Result<FixReplace> to_fix_replace(const OrderCommand& command, const ClOrdIdCodec& ids,
                                  std::string_view symbol) noexcept {
  if (command.action != OrderAction::kReplace || command.orig_client_order_id == 0 ||
      fix_ord_type(command.type) == '\0')
    return Errc::kInvalidArgument;
  FixReplace out;
  if (const Errc e = set_common(out, ids, command.client_order_id, symbol, command.side); e != Errc::kOk)
    return e;
  if (!out.orig_cl_ord_id.assign(ids.format(command.orig_client_order_id).view())) return Errc::kInvalidArgument;
  out.qty = command.qty;
  out.ord_type = wire_order_type(command.type);
  out.price = command.type == OrderType::kLimit ? command.price : Price{};
  return out;
}

Result<FixStatusRequest> to_fix_status_request(const OrderCommand& command, const ClOrdIdCodec& ids,
                                              std::string_view symbol) noexcept {
  if (command.action != OrderAction::kStatus || command.orig_client_order_id == 0) return Errc::kInvalidArgument;
  FixStatusRequest out;
  if (const Errc e = set_common(out, ids, command.orig_client_order_id, symbol, command.side); e != Errc::kOk)
    return e;
  return out;
}

}  // namespace keel::protocol::fix
