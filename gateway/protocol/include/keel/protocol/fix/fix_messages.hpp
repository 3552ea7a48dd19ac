// keel's FIX 4.4 order messages as neutral values (VENUE.md "Orders: FIX 4.4"), the same on both
// sides of a connection: the simulator's acceptor and the gateway's initiator. No QuickFIX type
// appears here: fix_codec.hpp turns FIX messages into these structs and back, and fix_mapping.hpp
// turns them into the core's ExecReport / from its OrderCommand. Every struct is trivially copyable; text fields are fixed-capacity inline strings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/orders.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel::protocol::fix {

// Fixed-capacity inline text (at most N bytes, not NUL-terminated). Trivially copyable.
template <std::size_t N>
struct FixText {
  static_assert(N > 0 && N < 256, "the length is stored in one byte");
  char chars[N] = {};
  std::uint8_t length = 0;

  // Replaces the text; returns false (and leaves the text unchanged) when s is longer than N.
  [[nodiscard]] bool assign(std::string_view s) noexcept {
    if (s.size() > N) return false;
    if (!s.empty()) std::memcpy(chars, s.data(), s.size());
    length = static_cast<std::uint8_t>(s.size());
    return true;
  }
  // Like assign, but keeps the first N bytes of a longer s (for free text such as Text 58).
  void assign_truncated(std::string_view s) noexcept {
    (void)assign(s.substr(0, std::min(s.size(), N)));
  }
  [[nodiscard]] std::string_view view() const noexcept { return {chars, length}; }
  [[nodiscard]] bool empty() const noexcept { return length == 0; }
};

inline constexpr std::size_t kMaxClOrdIdLength = 36;  // VENUE.md: ClOrdID up to 36 characters
using FixClOrdId = FixText<kMaxClOrdIdLength>;  // not ClOrdId: core/containers/cl_ord_id.hpp owns that name
using CompId = FixText<32>;
using FixSymbol = FixText<32>;
using FixAccountId = FixText<32>;  // Account (1)
using VenueId = FixText<36>;       // OrderID (37), ExecID (17)
using FixFreeText = FixText<160>;  // Text (58)

// Enumerated fields use the core's order vocabulary (core/primitives/orders.hpp): Side (54),
// OrderType (40), TimeInForce (59), ExecType (150), OrderStatus (39), RejectReason (103 / 102) and
// OrderAction (434). Their wire codes are written in one place, fix_mapping.hpp.

// Parses a FIX UTCTimestamp "YYYYMMDD-HH:MM:SS[.fraction]" (fraction 1..9 digits) into nanoseconds
// since the Unix epoch. Errc::kGarbage for anything else. Never allocates.
[[nodiscard]] Result<std::int64_t> parse_fix_utc_timestamp(std::string_view text) noexcept;

// NewOrderSingle (D). `session` is the client's SenderCompID (the account's FIX session).
struct FixNewOrder {
  CompId session;
  FixClOrdId cl_ord_id;
  FixAccountId account;  // empty when Account (1) is absent
  FixSymbol symbol;
  Side side = Side::kNone;
  Qty qty;  // OrderQty (38), parsed exactly; zero or off-lot values are left to the venue's checks
  OrderType ord_type = OrderType::kNone;
  Price price;                                          // Price (44); zero for a market order
  TimeInForce time_in_force = TimeInForce::kGtc;  // GTC when 59 is absent
  bool post_only = false;                               // ExecInst (18) contains '6'
  std::int64_t transact_time_ns = 0;                    // TransactTime (60), ns since the epoch
};

// OrderCancelRequest (F).
struct FixCancel {
  CompId session;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  Side side = Side::kNone;
};

// OrderCancelReplaceRequest (G).
struct FixReplace {
  CompId session;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  Side side = Side::kNone;
  Qty qty;
  OrderType ord_type = OrderType::kNone;
  Price price;  // zero for a market order
};

// OrderStatusRequest (H).
struct FixStatusRequest {
  CompId session;
  FixClOrdId cl_ord_id;
  FixSymbol symbol;
  Side side = Side::kNone;
};

// ExecutionReport (8), sent to `session`. LastPx/LastQty are written only for a fill (150=F),
// OrdRejReason only for ExecType rejected, OrigClOrdID and Text only when not empty.
struct FixExecReport {
  CompId session;
  VenueId order_id;
  VenueId exec_id;  // unique per venue
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  Side side = Side::kNone;
  ExecType exec_type = ExecType::kNone;  // kPartialFill and kFill are both 150=F
  OrderStatus ord_status = OrderStatus::kNone;
  Qty cum_qty;
  Qty leaves_qty;
  Price avg_px;
  Price last_px;
  Qty last_qty;
  RejectReason reject_reason = RejectReason::kNone;  // OrdRejReason (103), written on 150=8
  FixFreeText text;
  std::int64_t transact_time_ns = 0;  // TransactTime (60), venue time; 0 = absent (not written)
  // An answer to OrderMassStatusRequest (AF, fix_mass_status.hpp): MassStatusReqID (584),
  // TotNumReports (911) and LastRptRequested (912, Y on the last report) are written only when
  // mass_status_req_id is not empty.
  FixText<36> mass_status_req_id;
  int tot_num_reports = 0;
  bool last_rpt_requested = false;
};

// OrderCancelReject (9), sent to `session`. An empty order_id is sent as "NONE".
struct FixCancelReject {
  CompId session;
  VenueId order_id;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  OrderStatus ord_status = OrderStatus::kNone;
  OrderAction response_to = OrderAction::kNone;  // CxlRejResponseTo (434): kCancel or kReplace
  RejectReason reason = RejectReason::kNone;     // CxlRejReason (102); kNone: 102 is not written
  FixFreeText text;
};

// A venue's session Reject (3) or BusinessMessageReject (j) of one of our messages: the request
// it names (RefSeqNum 45, RefMsgType 372, BusinessRejectRefID 379) was not processed.
struct FixRejectNotice {
  bool business = false;             // j (true) or 3
  std::int64_t ref_seq_num = 0;      // 45; 0 = absent
  FixText<2> ref_msg_type;           // 372; empty = absent
  FixClOrdId ref_id;                 // 379 (j only); empty = absent
  int reason = -1;                   // 373 or 380; -1 = absent
  int ref_tag = 0;                   // 371 (3 only); 0 = absent
  FixFreeText text;                  // 58
};

static_assert(std::is_trivially_copyable_v<FixNewOrder>);
static_assert(std::is_trivially_copyable_v<FixCancel>);
static_assert(std::is_trivially_copyable_v<FixReplace>);
static_assert(std::is_trivially_copyable_v<FixStatusRequest>);
static_assert(std::is_trivially_copyable_v<FixExecReport>);
static_assert(std::is_trivially_copyable_v<FixCancelReject>);
static_assert(std::is_trivially_copyable_v<FixRejectNotice>);

}  // namespace keel::protocol::fix
