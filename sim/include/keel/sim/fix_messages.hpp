// The simulator's FIX 4.4 order messages as neutral keel values (VENUE.md "Orders: FIX 4.4").
// No QuickFIX type appears here: the FIX layer (fix_acceptor.hpp) decodes incoming messages into
// these structs and encodes outgoing ones from them, so the matching engine never sees the FIX
// library. Every struct is trivially copyable; text fields are fixed-capacity inline strings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel::sim {

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
using FixClOrdId = FixText<kMaxClOrdIdLength>;  // not ClOrdId: venue_types.hpp owns that name
using CompId = FixText<32>;
using FixSymbol = FixText<32>;
using FixAccountId = FixText<32>;  // Account (1)
using VenueId = FixText<36>;       // OrderID (37), ExecID (17)
using FixFreeText = FixText<160>;  // Text (58)

// Side (54): wire '1' buy, '2' sell.
enum class FixSide : std::uint8_t { kNone = 0, kBuy = 1, kSell = 2 };
// OrdType (40): wire '1' market, '2' limit.
enum class FixOrdType : std::uint8_t { kNone = 0, kMarket = 1, kLimit = 2 };
// TimeInForce (59): wire '1' GTC, '3' IOC, '4' FOK (enum values equal the wire digits).
enum class FixTimeInForce : std::uint8_t { kNone = 0, kGtc = 1, kIoc = 3, kFok = 4 };
// ExecType (150): 0 new, F trade, 4 canceled, 5 replaced, 8 rejected, I order status, C expired.
enum class FixExecType : std::uint8_t {
  kNone = 0,
  kNew = 1,
  kTrade = 2,
  kCanceled = 3,
  kReplaced = 4,
  kRejected = 5,
  kOrderStatus = 6,
  kExpired = 7,
};
// OrdStatus (39): 0 new, 1 partially filled, 2 filled, 4 canceled, 8 rejected.
enum class FixOrdStatus : std::uint8_t {
  kNone = 0,
  kNew = 1,
  kPartiallyFilled = 2,
  kFilled = 3,
  kCanceled = 4,
  kRejected = 5,
};
// CxlRejResponseTo (434): 1 cancel, 2 replace.
enum class FixCxlRejResponseTo : std::uint8_t { kNone = 0, kCancel = 1, kReplace = 2 };
// CxlRejReason (102): wire 0 too late, 1 unknown order, 2 broker/exchange option (a replace that
// fails validation; Text says why), 6 duplicate ClOrdID.
enum class FixCxlRejReason : std::uint8_t {
  kNone = 0,
  kTooLate = 1,
  kUnknownOrder = 2,
  kBrokerOption = 3,
  kDuplicateClOrdId = 4,
};

// Checked decoders from the wire character; kNone for anything else.
[[nodiscard]] FixSide decode_fix_side(std::string_view wire) noexcept;
[[nodiscard]] FixOrdType decode_fix_ord_type(std::string_view wire) noexcept;
[[nodiscard]] FixTimeInForce decode_fix_time_in_force(std::string_view wire) noexcept;
// Encoders to the wire character; '\0' for kNone.
[[nodiscard]] char encode(FixSide v) noexcept;
[[nodiscard]] char encode(FixExecType v) noexcept;
[[nodiscard]] char encode(FixOrdStatus v) noexcept;
[[nodiscard]] char encode(FixCxlRejResponseTo v) noexcept;
[[nodiscard]] char encode(FixCxlRejReason v) noexcept;

// Parses a FIX UTCTimestamp "YYYYMMDD-HH:MM:SS[.fraction]" (fraction 1..9 digits) into nanoseconds
// since the Unix epoch. Errc::kGarbage for anything else. Never allocates.
[[nodiscard]] Result<std::int64_t> parse_fix_utc_timestamp(std::string_view text) noexcept;

// NewOrderSingle (D). `session` is the client's SenderCompID (the account's FIX session).
struct FixNewOrder {
  CompId session;
  FixClOrdId cl_ord_id;
  FixAccountId account;  // empty when Account (1) is absent
  FixSymbol symbol;
  FixSide side = FixSide::kNone;
  Qty qty;  // OrderQty (38), parsed exactly; zero or off-lot values are left to the venue's checks
  FixOrdType ord_type = FixOrdType::kNone;
  Price price;                                          // Price (44); zero for a market order
  FixTimeInForce time_in_force = FixTimeInForce::kGtc;  // GTC when 59 is absent
  bool post_only = false;                               // ExecInst (18) contains '6'
  std::int64_t transact_time_ns = 0;                    // TransactTime (60), ns since the epoch
};

// OrderCancelRequest (F).
struct FixCancel {
  CompId session;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  FixSide side = FixSide::kNone;
};

// OrderCancelReplaceRequest (G).
struct FixReplace {
  CompId session;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  FixSide side = FixSide::kNone;
  Qty qty;
  FixOrdType ord_type = FixOrdType::kNone;
  Price price;  // zero for a market order
};

// OrderStatusRequest (H).
struct FixStatusRequest {
  CompId session;
  FixClOrdId cl_ord_id;
  FixSymbol symbol;
  FixSide side = FixSide::kNone;
};

// ExecutionReport (8), sent to `session`. LastPx/LastQty are written only for ExecType trade,
// OrdRejReason only for ExecType rejected, OrigClOrdID and Text only when not empty.
struct FixExecReport {
  CompId session;
  VenueId order_id;
  VenueId exec_id;  // unique per venue
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixSymbol symbol;
  FixSide side = FixSide::kNone;
  FixExecType exec_type = FixExecType::kNone;
  FixOrdStatus ord_status = FixOrdStatus::kNone;
  Qty cum_qty;
  Qty leaves_qty;
  Price avg_px;
  Price last_px;
  Qty last_qty;
  std::uint16_t ord_rej_reason = 0;  // FIX OrdRejReason (103) code
  FixFreeText text;
};

// OrderCancelReject (9), sent to `session`. An empty order_id is sent as "NONE".
struct FixCancelReject {
  CompId session;
  VenueId order_id;
  FixClOrdId cl_ord_id;
  FixClOrdId orig_cl_ord_id;
  FixOrdStatus ord_status = FixOrdStatus::kNone;
  FixCxlRejResponseTo response_to = FixCxlRejResponseTo::kNone;
  FixCxlRejReason reason = FixCxlRejReason::kNone;
  FixFreeText text;
};

static_assert(std::is_trivially_copyable_v<FixNewOrder>);
static_assert(std::is_trivially_copyable_v<FixCancel>);
static_assert(std::is_trivially_copyable_v<FixReplace>);
static_assert(std::is_trivially_copyable_v<FixStatusRequest>);
static_assert(std::is_trivially_copyable_v<FixExecReport>);
static_assert(std::is_trivially_copyable_v<FixCancelReject>);

}  // namespace keel::sim
