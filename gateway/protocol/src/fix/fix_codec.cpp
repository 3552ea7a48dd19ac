#include "keel/protocol/fix/fix_codec.hpp"

#include <string>

#include "keel/protocol/fix/fix_mapping.hpp"

namespace keel::protocol::fix {
namespace {

// FIX tag numbers used by the venue (VENUE.md).
constexpr int kAccount = 1;
constexpr int kAvgPx = 6;
constexpr int kClOrdId = 11;
constexpr int kCumQty = 14;
constexpr int kExecId = 17;
constexpr int kExecInst = 18;
constexpr int kLastPx = 31;
constexpr int kLastQty = 32;
constexpr int kMsgSeqNum = 34;
constexpr int kMsgType = 35;
constexpr int kOrderId = 37;
constexpr int kOrderQty = 38;
constexpr int kOrdStatus = 39;
constexpr int kOrdType = 40;
constexpr int kOrigClOrdId = 41;
constexpr int kPrice = 44;
constexpr int kRefSeqNum = 45;
constexpr int kSide = 54;
constexpr int kSymbol = 55;
constexpr int kText = 58;
constexpr int kTimeInForce = 59;
constexpr int kTransactTime = 60;
constexpr int kCxlRejReason = 102;
constexpr int kOrdRejReason = 103;
constexpr int kExecType = 150;
constexpr int kLeavesQty = 151;
constexpr int kRefTagId = 371;
constexpr int kRefMsgType = 372;
constexpr int kSessionRejectReason = 373;
constexpr int kBusinessRejectReason = 380;
constexpr int kCxlRejResponseTo = 434;

DecodeError session_reject(int tag, int reason, std::string_view text) noexcept {
  return {DecodeError::Kind::kSessionReject, tag, reason, text};
}

// The field's text, or nullptr when the tag is absent.
const std::string* find(const FIX::FieldMap& m, int tag) {
  return m.isSetField(tag) ? &m.getField(tag) : nullptr;
}

template <std::size_t N>
DecodeError read_text(const FIX::FieldMap& m, int tag, bool required, FixText<N>& out) {
  const std::string* s = find(m, tag);
  if (s == nullptr) {
    return required ? session_reject(tag, kRejectRequiredTagMissing, "Required tag missing")
                    : DecodeError{};
  }
  if (s->empty() || !out.assign(*s))
    return session_reject(tag, kRejectValueIncorrect, "Empty or too long value");
  return {};
}

DecodeError read_side(const FIX::FieldMap& m, Side& out) {
  const std::string* s = find(m, kSide);
  if (s == nullptr) return session_reject(kSide, kRejectRequiredTagMissing, "Required tag missing");
  out = decode_side(*s);
  if (out == Side::kNone) return session_reject(kSide, kRejectValueIncorrect, "Unknown Side");
  return {};
}

// Market and limit only (the others are initiator-side vocabulary until a venue accepts them).
DecodeError read_ord_type(const FIX::FieldMap& m, OrderType& out) {
  const std::string* s = find(m, kOrdType);
  if (s == nullptr)
    return session_reject(kOrdType, kRejectRequiredTagMissing, "Required tag missing");
  out = decode_ord_type(*s);
  if (out != OrderType::kMarket && out != OrderType::kLimit)
    return session_reject(kOrdType, kRejectValueIncorrect, "Unknown OrdType");
  return {};
}

// Absent → GTC.
DecodeError read_time_in_force(const FIX::FieldMap& m, TimeInForce& out) {
  const std::string* s = find(m, kTimeInForce);
  if (s == nullptr) {
    out = TimeInForce::kGtc;
    return {};
  }
  out = decode_time_in_force(*s);
  if (out == TimeInForce::kNone) {
    return session_reject(kTimeInForce, kRejectValueIncorrect, "Unknown TimeInForce");
  }
  return {};
}

// An unsigned wire decimal parsed straight into the fixed-point mantissa (keel::parse_decimal).
template <class T>
DecodeError read_decimal(const FIX::FieldMap& m, int tag, bool required, T& out) {
  const std::string* s = find(m, tag);
  if (s == nullptr) {
    return required ? session_reject(tag, kRejectRequiredTagMissing, "Required tag missing")
                    : DecodeError{};
  }
  const auto parsed = T::parse(*s);
  if (!parsed.ok()) return session_reject(tag, kRejectIncorrectDataFormat, "Bad decimal");
  out = parsed.value();
  return {};
}

// Price is required for a limit order; for a market order it is checked when present, then ignored.
DecodeError read_price(const FIX::FieldMap& m, OrderType type, Price& out) {
  if (auto e = read_decimal(m, kPrice, type == OrderType::kLimit, out)) return e;
  if (type == OrderType::kMarket) out = Price{};
  return {};
}

DecodeError read_transact_time(const FIX::FieldMap& m, std::int64_t& out) {
  const std::string* s = find(m, kTransactTime);
  if (s == nullptr)
    return session_reject(kTransactTime, kRejectRequiredTagMissing, "Required tag missing");
  const auto parsed = parse_fix_utc_timestamp(*s);
  if (!parsed.ok())
    return session_reject(kTransactTime, kRejectIncorrectDataFormat, "Bad UTCTimestamp");
  out = parsed.value();
  return {};
}

// ExecInst is a space-separated list of values; '6' (participate, don't initiate) = post-only.
bool read_post_only(const FIX::FieldMap& m) {
  const std::string* s = find(m, kExecInst);
  if (s == nullptr) return false;
  std::string_view rest = *s;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    if (rest.substr(0, space) == "6") return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
}

void set_session(std::string_view session, CompId& out) {
  out.assign_truncated(session);
}

std::string decimal(std::int64_t raw) {
  return format_fixed_shortest(raw);
}
std::string one_char(char c) {
  return std::string(1, c);
}

FIX::Message with_type(const char* msg_type) {
  FIX::Message m;
  m.getHeader().setField(kMsgType, msg_type);
  return m;
}

}  // namespace

DecodeError decode(const FIX::Message& msg, std::string_view session, FixNewOrder& out) {
  out = FixNewOrder{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kAccount, false, out.account)) return e;
  if (auto e = read_text(msg, kSymbol, true, out.symbol)) return e;
  if (auto e = read_side(msg, out.side)) return e;
  if (auto e = read_decimal(msg, kOrderQty, true, out.qty)) return e;
  if (auto e = read_ord_type(msg, out.ord_type)) return e;
  if (auto e = read_price(msg, out.ord_type, out.price)) return e;
  if (auto e = read_time_in_force(msg, out.time_in_force)) return e;
  if (auto e = read_transact_time(msg, out.transact_time_ns)) return e;
  out.post_only = read_post_only(msg);
  return {};
}

DecodeError decode(const FIX::Message& msg, std::string_view session, FixCancel& out) {
  out = FixCancel{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kOrigClOrdId, true, out.orig_cl_ord_id)) return e;
  if (auto e = read_text(msg, kSymbol, true, out.symbol)) return e;
  return read_side(msg, out.side);
}

DecodeError decode(const FIX::Message& msg, std::string_view session, FixReplace& out) {
  out = FixReplace{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kOrigClOrdId, true, out.orig_cl_ord_id)) return e;
  if (auto e = read_text(msg, kSymbol, true, out.symbol)) return e;
  if (auto e = read_side(msg, out.side)) return e;
  if (auto e = read_decimal(msg, kOrderQty, true, out.qty)) return e;
  if (auto e = read_ord_type(msg, out.ord_type)) return e;
  return read_price(msg, out.ord_type, out.price);
}

DecodeError decode(const FIX::Message& msg, std::string_view session, FixStatusRequest& out) {
  out = FixStatusRequest{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kSymbol, true, out.symbol)) return e;
  return read_side(msg, out.side);
}

FIX::Message encode(const FixExecReport& r) {
  FIX::Message m = with_type("8");
  m.setField(kOrderId, std::string(r.order_id.view()));
  m.setField(kExecId, std::string(r.exec_id.view()));
  m.setField(kClOrdId, std::string(r.cl_ord_id.view()));
  if (!r.orig_cl_ord_id.empty()) m.setField(kOrigClOrdId, std::string(r.orig_cl_ord_id.view()));
  m.setField(kSymbol, std::string(r.symbol.view()));
  m.setField(kSide, one_char(fix_side(r.side)));
  m.setField(kExecType, one_char(fix_exec_type(r.exec_type)));
  m.setField(kOrdStatus, one_char(fix_ord_status(r.ord_status)));
  m.setField(kCumQty, decimal(r.cum_qty.raw()));
  m.setField(kLeavesQty, decimal(r.leaves_qty.raw()));
  m.setField(kAvgPx, decimal(r.avg_px.raw()));
  if (r.exec_type == ExecType::kPartialFill || r.exec_type == ExecType::kFill) {
    m.setField(kLastPx, decimal(r.last_px.raw()));
    m.setField(kLastQty, decimal(r.last_qty.raw()));
  }
  if (r.exec_type == ExecType::kRejected)
    m.setField(kOrdRejReason, std::to_string(fix_ord_rej_reason(r.reject_reason)));
  if (!r.text.empty()) m.setField(kText, std::string(r.text.view()));
  if (!r.mass_status_req_id.empty()) {  // an answer to AF (fix_mass_status.hpp)
    constexpr int kMassStatusReqId = 584;
    constexpr int kTotNumReports = 911;
    constexpr int kLastRptRequested = 912;
    m.setField(kMassStatusReqId, std::string(r.mass_status_req_id.view()));
    m.setField(kTotNumReports, std::to_string(r.tot_num_reports));
    m.setField(kLastRptRequested, r.last_rpt_requested ? "Y" : "N");
    // The one report that says "no open orders" (911=0) names no order: Side 7, "Undisclosed".
    if (r.side == Side::kNone) m.setField(kSide, "7");
  }
  return m;
}

FIX::Message encode(const FixCancelReject& r) {
  FIX::Message m = with_type("9");
  m.setField(kOrderId, r.order_id.empty() ? std::string("NONE") : std::string(r.order_id.view()));
  m.setField(kClOrdId, std::string(r.cl_ord_id.view()));
  m.setField(kOrigClOrdId, std::string(r.orig_cl_ord_id.view()));
  m.setField(kOrdStatus, one_char(fix_ord_status(r.ord_status)));
  m.setField(kCxlRejResponseTo, one_char(fix_cxl_rej_response_to(r.response_to)));
  if (const int reason = fix_cxl_rej_reason(r.reason); reason >= 0)
    m.setField(kCxlRejReason, std::to_string(reason));
  if (!r.text.empty()) m.setField(kText, std::string(r.text.view()));
  return m;
}

FIX::Message make_reject(const FIX::Message& ref, const DecodeError& error) {
  const bool session = error.kind == DecodeError::Kind::kSessionReject;
  FIX::Message m = with_type(session ? "3" : "j");
  const FIX::FieldMap& header = ref.getHeader();
  if (header.isSetField(kMsgSeqNum)) m.setField(kRefSeqNum, header.getField(kMsgSeqNum));
  if (header.isSetField(kMsgType)) m.setField(kRefMsgType, header.getField(kMsgType));
  if (session) {
    if (error.ref_tag != 0) m.setField(kRefTagId, std::to_string(error.ref_tag));
    m.setField(kSessionRejectReason, std::to_string(error.reason));
  } else {
    m.setField(kBusinessRejectReason, std::to_string(error.reason));
  }
  if (!error.text.empty()) m.setField(kText, std::string(error.text));
  return m;
}

}  // namespace keel::protocol::fix
