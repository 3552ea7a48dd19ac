// FIX 4.4 messages <-> fix_messages.hpp values, with QuickFIX's FIX::Message. The only protocol
// header that names QuickFIX types: include it only from .cpp files (sim's acceptor, the gateway's
// initiator), never from a public header of sim or gateway. Works without a data dictionary: every
// required field is checked here. Wire codes come from fix_mapping.hpp.
#pragma once

#include <cstdint>
#include <string_view>

#include "keel/protocol/fix/fix_messages.hpp"
#include "keel/protocol/fix/quickfix.hpp"

namespace keel::protocol::fix {

// Why an incoming message was not decoded, and how to answer it.
struct DecodeError {
  enum class Kind : std::uint8_t { kNone = 0, kSessionReject = 1, kBusinessReject = 2 };
  Kind kind = Kind::kNone;
  int ref_tag = 0;        // RefTagID (371) for a session Reject; 0 = none
  int reason = 0;         // SessionRejectReason (373) or BusinessRejectReason (380)
  std::string_view text;  // static text for Text (58)
  explicit operator bool() const noexcept { return kind != Kind::kNone; }
};

// SessionRejectReason (373) and BusinessRejectReason (380) codes used here.
inline constexpr int kRejectRequiredTagMissing = 1;
inline constexpr int kRejectValueIncorrect = 5;
inline constexpr int kRejectIncorrectDataFormat = 6;
inline constexpr int kBusinessRejectOther = 0;
inline constexpr int kBusinessRejectUnsupportedMsgType = 3;

// Each decoder fills `out` (with out.session = session) from the message body, or returns the error
// to answer with. Contract: msg is an application message of the matching MsgType. OrdType (40)
// accepts market and limit only (VENUE.md); other codes get a session Reject "Unknown OrdType".
DecodeError decode(const FIX::Message& msg, std::string_view session, FixNewOrder& out);
DecodeError decode(const FIX::Message& msg, std::string_view session, FixCancel& out);
DecodeError decode(const FIX::Message& msg, std::string_view session, FixReplace& out);
DecodeError decode(const FIX::Message& msg, std::string_view session, FixStatusRequest& out);

// Outgoing messages, header MsgType set; BeginString and CompIDs are added when sent.
FIX::Message encode(const FixExecReport& report);
FIX::Message encode(const FixCancelReject& reject);
// The answer to a message that failed to decode: Reject (3) or BusinessMessageReject (j), referring
// to `ref`'s MsgSeqNum and MsgType. Requires: error is set.
FIX::Message make_reject(const FIX::Message& ref, const DecodeError& error);

// ---- The initiator's side (the gateway's order router): requests out, reports in. ----

// Requests, header MsgType set (BeginString, CompIDs and MsgSeqNum are added by the session).
// NewOrderSingle: 11, 1 (when account is set), 55, 54, 38, 40, 44 (limit only), 59, 18=6 (post-only),
// 60. Cancel: 11, 41, 55, 54. Replace: 11, 41, 55, 54, 38, 40, 44 (limit only). Status: 11, 55, 54.
FIX::Message encode(const FixNewOrder& order);
FIX::Message encode(const FixCancel& cancel);
FIX::Message encode(const FixReplace& replace);
FIX::Message encode(const FixStatusRequest& request);

// Reports from a venue. ExecutionReport: 37, 17, 11, 55, 54, 150, 39, 14, 151 and 6 required; 31 and
// 32 required on a fill (150=F); 41, 103, 58 and 60 optional. OrderCancelReject: 11, 41, 39 and 434
// required; 37, 102 and 58 optional. `session` is the venue's CompID (kept in out.session). A
// message that fails is answered by make_reject(msg, error) like any other.
DecodeError decode(const FIX::Message& msg, std::string_view session, FixExecReport& out);
DecodeError decode(const FIX::Message& msg, std::string_view session, FixCancelReject& out);
// A session Reject (3) or BusinessMessageReject (j); never fails (absent fields stay absent), but
// returns a DecodeError for a value that is present and malformed (a non-numeric 45, …).
DecodeError decode(const FIX::Message& msg, FixRejectNotice& out);

}  // namespace keel::protocol::fix
