// OrderMassStatusRequest (AF, FIX 4.4): "tell me every open order of mine". keel's gateway sends it
// after each Logon to find orders the venue holds and the OMS does not know; the simulator answers
// with one ExecutionReport (8, 150=I) per open order of the session's account, each carrying
// MassStatusReqID (584), TotNumReports (911) and LastRptRequested (912) (FixExecReport's fields).
//
// Supported: MassStatusReqType (585) = 7, all orders. The codec answers other values itself: a value
// that is not an integer gets a session Reject (3, 373=6), an integer other than 7 a
// BusinessMessageReject (j, 380=0 "Other", 58 names the one supported type) — the request is well
// formed FIX that this venue chooses not to serve, which is what j is for (DECISIONS 243).
//
// Unlike fix_codec.hpp this header includes no QuickFIX header (FIX::Message and DecodeError are only
// declared), so public headers may name FixMassStatusRequest; call decode/encode from a .cpp file that
// includes fix_codec.hpp.
#pragma once

#include <string_view>
#include <type_traits>

#include "keel/protocol/fix/fix_messages.hpp"

namespace FIX {
class Message;
}

namespace keel::protocol::fix {

struct DecodeError;  // fix_codec.hpp

inline constexpr int kMassStatusReqTypeAllOrders = 7;  // 585=7

struct FixMassStatusRequest {
  CompId session;
  FixText<36> mass_status_req_id;  // 584, required, 1..36 characters
  int req_type = 0;                // 585; decode() accepts only kMassStatusReqTypeAllOrders
};
static_assert(std::is_trivially_copyable_v<FixMassStatusRequest>);

// Fills `out` (out.session = session) from an AF message, or returns the error to answer with (see
// above). Contract: msg's MsgType is AF. Allocates only inside QuickFIX's field lookups.
DecodeError decode(const FIX::Message& msg, std::string_view session, FixMassStatusRequest& out);
// The AF message (header MsgType set; BeginString and CompIDs are added when sent).
FIX::Message encode(const FixMassStatusRequest& request);

}  // namespace keel::protocol::fix
