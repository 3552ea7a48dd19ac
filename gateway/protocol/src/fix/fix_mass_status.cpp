#include "keel/protocol/fix/fix_mass_status.hpp"

#include <charconv>
#include <string>

#include "keel/protocol/fix/fix_codec.hpp"

namespace keel::protocol::fix {
namespace {

constexpr int kMsgType = 35;
constexpr int kMassStatusReqId = 584;
constexpr int kMassStatusReqType = 585;

DecodeError session_reject(int tag, int reason, std::string_view text) noexcept {
  return {DecodeError::Kind::kSessionReject, tag, reason, text};
}

}  // namespace

DecodeError decode(const FIX::Message& msg, std::string_view session, FixMassStatusRequest& out) {
  out = FixMassStatusRequest{};
  out.session.assign_truncated(session);
  if (!msg.isSetField(kMassStatusReqId))
    return session_reject(kMassStatusReqId, kRejectRequiredTagMissing, "Required tag missing");
  const std::string& id = msg.getField(kMassStatusReqId);
  if (id.empty() || !out.mass_status_req_id.assign(id))
    return session_reject(kMassStatusReqId, kRejectValueIncorrect, "Empty or too long value");
  if (!msg.isSetField(kMassStatusReqType))
    return session_reject(kMassStatusReqType, kRejectRequiredTagMissing, "Required tag missing");
  const std::string& type = msg.getField(kMassStatusReqType);
  int value = 0;
  const auto [end, ec] = std::from_chars(type.data(), type.data() + type.size(), value);
  if (type.empty() || ec != std::errc{} || end != type.data() + type.size() || type.front() == '-')
    return session_reject(kMassStatusReqType, kRejectIncorrectDataFormat, "MassStatusReqType is not an integer");
  out.req_type = value;
  if (value != kMassStatusReqTypeAllOrders) {
    return {DecodeError::Kind::kBusinessReject, 0, kBusinessRejectOther,
            "Unsupported MassStatusReqType (only 7, all orders)"};
  }
  return {};
}

FIX::Message encode(const FixMassStatusRequest& r) {
  FIX::Message m;
  m.getHeader().setField(kMsgType, "AF");
  m.setField(kMassStatusReqId, std::string(r.mass_status_req_id.view()));
  m.setField(kMassStatusReqType, std::to_string(r.req_type));
  return m;
}

}  // namespace keel::protocol::fix
