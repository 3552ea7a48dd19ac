// The one mapping between the core's order vocabulary (core/primitives/orders.hpp, events.hpp) and
// FIX 4.4: the wire codes of Side (54), OrdType (40), TimeInForce (59), ExecType (150), OrdStatus
// (39), OrdRejReason (103), CxlRejReason (102) and CxlRejResponseTo (434), and the conversions
// between the protocol's Fix* messages and the core's ExecReport / OrderCommand. The codec
// (fix_codec.hpp), the simulator's venue and the gateway's order router all go through here; no
// other file writes a FIX code for a core enum.
//
// Encoders return '\0' (or -1 for the integer codes) for a value FIX cannot carry; decoders return
// the enum's kNone for a code they do not know. Nothing here allocates or throws.
#pragma once

#include <cstdint>
#include <string_view>

#include "keel/core/oms/cl_ord_ids.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/orders.hpp"
#include "keel/core/primitives/result.hpp"
#include "keel/protocol/fix/fix_messages.hpp"

namespace keel::protocol::fix {

// Side (54): '1' buy, '2' sell.
[[nodiscard]] char fix_side(Side v) noexcept;
[[nodiscard]] Side decode_side(std::string_view wire) noexcept;

// OrdType (40): '1' market, '2' limit, '3' stop (kStopLoss), 'J' market if touched (kTakeProfit).
[[nodiscard]] char fix_ord_type(OrderType v) noexcept;
[[nodiscard]] OrderType decode_ord_type(std::string_view wire) noexcept;

// TimeInForce (59): '1' GTC, '3' IOC, '4' FOK.
[[nodiscard]] char fix_time_in_force(TimeInForce v) noexcept;
[[nodiscard]] TimeInForce decode_time_in_force(std::string_view wire) noexcept;

// ExecType (150): '0' new, 'F' trade (kPartialFill and kFill), '4' canceled, '5' replaced,
// '8' rejected, 'C' expired, 'I' order status. kCancelRejected has no 150 (it is MsgType 9): '\0'.
[[nodiscard]] char fix_exec_type(ExecType v) noexcept;
// 'F' becomes kFill when `leaves_zero` (LeavesQty 151 = 0), else kPartialFill.
[[nodiscard]] ExecType decode_exec_type(std::string_view wire, bool leaves_zero) noexcept;

// OrdStatus (39): 'A' pending new, '0' new, '1' partially filled, '2' filled, '4' canceled,
// '8' rejected, 'C' expired, '6' pending cancel, 'E' pending replace. kUnknown (OMS-only): '\0'.
[[nodiscard]] char fix_ord_status(OrderStatus v) noexcept;
[[nodiscard]] OrderStatus decode_ord_status(std::string_view wire) noexcept;

// OrdRejReason (103) of a rejected order: 0 broker option, 1 unknown symbol, 3 order exceeds limit,
// 5 unknown order, 6 duplicate order, 11 unsupported order characteristic, 13 incorrect quantity,
// 15 unknown account, 18 invalid price increment, 99 other. Several reasons share a code, so
// decoding first matches Text (58) against to_string(RejectReason) (what keel's venue writes), then
// falls back to the code's canonical reason; kNone only for an unknown code with unknown text.
[[nodiscard]] int fix_ord_rej_reason(RejectReason v) noexcept;
[[nodiscard]] RejectReason decode_ord_rej_reason(int code, std::string_view text) noexcept;

// CxlRejReason (102) of a refused cancel or replace: 0 too late, 1 unknown order, 6 duplicate
// ClOrdID, 2 broker/exchange option (VENUE.md: every validation failure of a replace: price, quantity, min notional, post-only
// crossing; Text 58 says which). -1 for kNone (102 is not written). Decoding as for 103.
[[nodiscard]] int fix_cxl_rej_reason(RejectReason v) noexcept;
[[nodiscard]] RejectReason decode_cxl_rej_reason(int code, std::string_view text) noexcept;

// CxlRejResponseTo (434): '1' cancel, '2' replace.
[[nodiscard]] char fix_cxl_rej_response_to(OrderAction v) noexcept;
[[nodiscard]] OrderAction decode_cxl_rej_response_to(std::string_view wire) noexcept;

// Where a decoded FIX report goes in the core: the caller resolves the symbol (55) to an instrument
// and stamps the times.
struct ReportContext {
  InstrumentId instrument = kNoInstrument;
  std::int64_t ts_exchange = 0;  // ns (TransactTime, or the receive time when the venue sends none)
  std::int64_t ts_local = 0;     // ns, receive time
};

// ExecutionReport → core ExecReport. client_order_id = ids.parse(ClOrdID 11) (the request the report
// answers); exec_id = ExecID (17): on a fill the number itself when it is one below 2^31, else a
// 32-bit hash of its text with the top bit set (any format is taken); otherwise the number or 0; detail = OrderStatus (39), or the RejectReason for
// kRejected; last price / qty only on a fill; fee 0 (FIX 4.4 reports carry no fee keel uses).
// Errors: kUnknownSymbol when ClOrdID is not one of this run's ids, kGarbage for an ExecType or
// OrdStatus the core has no value for, and for a fill without an ExecID.
[[nodiscard]] Result<ExecReport> to_exec_report(const FixExecReport& report, const ClOrdIdCodec& ids,
                                                const ReportContext& context) noexcept;
// OrderCancelReject → core ExecReport of kind kCancelRejected, detail = the RejectReason (kNone when
// 102 was absent). client_order_id = the refused request's ClOrdID (11); no fill fields.
// Errors: kUnknownSymbol when ClOrdID is not one of this run's ids.
[[nodiscard]] Result<ExecReport> to_exec_report(const FixCancelReject& reject, const ClOrdIdCodec& ids,
                                                const ReportContext& context) noexcept;

// Core OrderCommand → FIX request. ClOrdID (11) / OrigClOrdID (41) are ids.format(sequence);
// kStopLoss and kTakeProfit (exits the strategy has triggered: orders.hpp) go out as market orders.
// `symbol` is the instrument's venue symbol; session and account are left empty (the sender fills
// them). Errors: kInvalidArgument when the command's action does not match, a required enum is kNone
// or FIX cannot carry it, or the symbol is empty or longer than FixSymbol holds.
[[nodiscard]] Result<FixNewOrder> to_fix_new_order(const OrderCommand& command, const ClOrdIdCodec& ids,
                                                   std::string_view symbol, std::int64_t transact_time_ns) noexcept;
[[nodiscard]] Result<FixCancel> to_fix_cancel(const OrderCommand& command, const ClOrdIdCodec& ids,
                                              std::string_view symbol) noexcept;
[[nodiscard]] Result<FixReplace> to_fix_replace(const OrderCommand& command, const ClOrdIdCodec& ids,
                                                std::string_view symbol) noexcept;
// The OMS's status query (OrderAction::kStatus) → OrderStatusRequest (H). FIX H names the order, so
// ClOrdID (11) is the order's current id (command.orig_client_order_id); the venue's answer (150=I)
// names it too, and the OMS maps that id to the order it asked about.
[[nodiscard]] Result<FixStatusRequest> to_fix_status_request(const OrderCommand& command, const ClOrdIdCodec& ids,
                                                             std::string_view symbol) noexcept;

}  // namespace keel::protocol::fix
