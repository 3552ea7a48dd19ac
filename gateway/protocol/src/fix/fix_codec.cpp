#include "keel/protocol/fix/fix_codec.hpp"

#include <charconv>
#include <cstdio>
#include <string>

#include "keel/core/primitives/clock.hpp"
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
constexpr int kBusinessRejectRefId = 379;
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
constexpr int kMassStatusReqId = 584;
constexpr int kTotNumReports = 911;
constexpr int kLastRptRequested = 912;

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

// "YYYYMMDD-HH:MM:SS.uuuuuu" (UTCTimestamp with microseconds) of ns since the epoch.
std::string utc_timestamp(std::int64_t ns) {
  const std::int64_t day = utc_day_number(ns);
  const std::int64_t in_day = ns - day * kNanosPerDay;
  const CivilDate d = civil_from_days(day);
  const std::int64_t seconds = in_day / kNanosPerSecond;
  const std::int64_t micros = (in_day % kNanosPerSecond) / 1000;
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d%02u%02u-%02d:%02d:%02d.%06d", d.year, d.month, d.day,
                              static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                              static_cast<int>(seconds % 60), static_cast<int>(micros));
  return std::string(buf, static_cast<std::size_t>(n));
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
  if (r.transact_time_ns != 0) m.setField(kTransactTime, utc_timestamp(r.transact_time_ns));
  if (!r.mass_status_req_id.empty()) {  // an answer to AF (fix_mass_status.hpp)
    m.setField(kMassStatusReqId, std::string(r.mass_status_req_id.view()));
    m.setField(kTotNumReports, std::to_string(r.tot_num_reports));
    m.setField(kLastRptRequested, r.last_rpt_requested ? "Y" : "N");
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

// ---- The initiator's side ----

namespace {

// A plain non-negative integer (digits only, at most 18): false for anything else.
bool plain_int(std::string_view text, std::int64_t& out) noexcept {
  if (text.empty() || text.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

DecodeError read_plain_int(const FIX::FieldMap& m, int tag, bool required, std::int64_t& out) {
  const std::string* s = find(m, tag);
  if (s == nullptr) {
    return required ? session_reject(tag, kRejectRequiredTagMissing, "Required tag missing") : DecodeError{};
  }
  if (!plain_int(*s, out)) return session_reject(tag, kRejectIncorrectDataFormat, "Bad integer");
  return {};
}

// A one-character code field decoded by `decode_fn`; kNone-valued results are refused.
template <class E, class F>
DecodeError read_code(const FIX::FieldMap& m, int tag, F decode_fn, E& out, std::string_view unknown) {
  const std::string* s = find(m, tag);
  if (s == nullptr) return session_reject(tag, kRejectRequiredTagMissing, "Required tag missing");
  out = decode_fn(*s);
  if (out == E::kNone) return session_reject(tag, kRejectValueIncorrect, unknown);
  return {};
}

void put_common(FIX::Message& m, const FixClOrdId& id, const FixSymbol& symbol, Side side) {
  m.setField(kClOrdId, std::string(id.view()));
  m.setField(kSymbol, std::string(symbol.view()));
  m.setField(kSide, one_char(fix_side(side)));
}

void put_order_terms(FIX::Message& m, Qty qty, OrderType type, Price price) {
  m.setField(kOrderQty, decimal(qty.raw()));
  m.setField(kOrdType, one_char(fix_ord_type(type)));
  if (type == OrderType::kLimit) m.setField(kPrice, decimal(price.raw()));
}

}  // namespace

FIX::Message encode(const FixNewOrder& o) {
  FIX::Message m = with_type("D");
  put_common(m, o.cl_ord_id, o.symbol, o.side);
  if (!o.account.empty()) m.setField(kAccount, std::string(o.account.view()));
  put_order_terms(m, o.qty, o.ord_type, o.price);
  m.setField(kTimeInForce, one_char(fix_time_in_force(o.time_in_force)));
  if (o.post_only) m.setField(kExecInst, "6");
  m.setField(kTransactTime, utc_timestamp(o.transact_time_ns));
  return m;
}

FIX::Message encode(const FixCancel& c) {
  FIX::Message m = with_type("F");
  put_common(m, c.cl_ord_id, c.symbol, c.side);
  m.setField(kOrigClOrdId, std::string(c.orig_cl_ord_id.view()));
  return m;
}

FIX::Message encode(const FixReplace& r) {
  FIX::Message m = with_type("G");
  put_common(m, r.cl_ord_id, r.symbol, r.side);
  m.setField(kOrigClOrdId, std::string(r.orig_cl_ord_id.view()));
  put_order_terms(m, r.qty, r.ord_type, r.price);
  return m;
}

FIX::Message encode(const FixStatusRequest& h) {
  FIX::Message m = with_type("H");
  put_common(m, h.cl_ord_id, h.symbol, h.side);
  return m;
}

DecodeError decode(const FIX::Message& msg, std::string_view session, FixExecReport& out) {
  out = FixExecReport{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kOrderId, true, out.order_id)) return e;
  if (auto e = read_text(msg, kExecId, true, out.exec_id)) return e;
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kOrigClOrdId, false, out.orig_cl_ord_id)) return e;
  if (auto e = read_text(msg, kSymbol, true, out.symbol)) return e;
  if (auto e = read_side(msg, out.side)) return e;
  if (auto e = read_decimal(msg, kLeavesQty, true, out.leaves_qty)) return e;
  const std::string* type = find(msg, kExecType);
  if (type == nullptr) return session_reject(kExecType, kRejectRequiredTagMissing, "Required tag missing");
  out.exec_type = decode_exec_type(*type, out.leaves_qty.raw() == 0);
  if (out.exec_type == ExecType::kNone) return session_reject(kExecType, kRejectValueIncorrect, "Unknown ExecType");
  if (auto e = read_code(msg, kOrdStatus, decode_ord_status, out.ord_status, "Unknown OrdStatus")) return e;
  if (auto e = read_decimal(msg, kCumQty, true, out.cum_qty)) return e;
  if (auto e = read_decimal(msg, kAvgPx, true, out.avg_px)) return e;
  if (out.exec_type == ExecType::kPartialFill || out.exec_type == ExecType::kFill) {
    if (auto e = read_decimal(msg, kLastPx, true, out.last_px)) return e;
    if (auto e = read_decimal(msg, kLastQty, true, out.last_qty)) return e;
  }
  if (out.exec_type == ExecType::kRejected) {
    std::int64_t code = -1;
    if (auto e = read_plain_int(msg, kOrdRejReason, false, code)) return e;
    const std::string* text = find(msg, kText);
    out.reject_reason = decode_ord_rej_reason(static_cast<int>(code < 0 || code > 1000 ? -1 : code),
                                              text != nullptr ? std::string_view(*text) : std::string_view());
  }
  if (const std::string* text = find(msg, kText)) out.text.assign_truncated(*text);
  if (const std::string* t = find(msg, kTransactTime)) {
    const auto parsed = parse_fix_utc_timestamp(*t);
    if (!parsed.ok()) return session_reject(kTransactTime, kRejectIncorrectDataFormat, "Bad UTCTimestamp");
    out.transact_time_ns = parsed.value();
  }
  // An answer to OrderMassStatusRequest: 584, with 911 and 912.
  if (auto e = read_text(msg, kMassStatusReqId, false, out.mass_status_req_id)) return e;
  if (!out.mass_status_req_id.empty()) {
    std::int64_t total = 0;
    if (auto e = read_plain_int(msg, kTotNumReports, true, total)) return e;
    if (total > 1'000'000) return session_reject(kTotNumReports, kRejectValueIncorrect, "TotNumReports out of range");
    out.tot_num_reports = static_cast<int>(total);
    const std::string* last = find(msg, kLastRptRequested);
    if (last == nullptr) return session_reject(kLastRptRequested, kRejectRequiredTagMissing, "Required tag missing");
    if (*last != "Y" && *last != "N") return session_reject(kLastRptRequested, kRejectValueIncorrect, "Expected Y or N");
    out.last_rpt_requested = *last == "Y";
  }
  return {};
}

DecodeError decode(const FIX::Message& msg, std::string_view session, FixCancelReject& out) {
  out = FixCancelReject{};
  set_session(session, out.session);
  if (auto e = read_text(msg, kOrderId, false, out.order_id)) return e;
  if (auto e = read_text(msg, kClOrdId, true, out.cl_ord_id)) return e;
  if (auto e = read_text(msg, kOrigClOrdId, true, out.orig_cl_ord_id)) return e;
  if (auto e = read_code(msg, kOrdStatus, decode_ord_status, out.ord_status, "Unknown OrdStatus")) return e;
  if (auto e = read_code(msg, kCxlRejResponseTo, decode_cxl_rej_response_to, out.response_to,
                         "Unknown CxlRejResponseTo"))
    return e;
  std::int64_t code = -1;
  if (auto e = read_plain_int(msg, kCxlRejReason, false, code)) return e;
  const std::string* text = find(msg, kText);
  if (code >= 0 || text != nullptr)
    out.reason = decode_cxl_rej_reason(static_cast<int>(code > 1000 ? -1 : code),
                                       text != nullptr ? std::string_view(*text) : std::string_view());
  if (text != nullptr) out.text.assign_truncated(*text);
  return {};
}

DecodeError decode(const FIX::Message& msg, FixRejectNotice& out) {
  out = FixRejectNotice{};
  const FIX::FieldMap& header = msg.getHeader();
  out.business = header.isSetField(kMsgType) && header.getField(kMsgType) == "j";
  if (auto e = read_plain_int(msg, kRefSeqNum, false, out.ref_seq_num)) return e;
  if (const std::string* t = find(msg, kRefMsgType)) out.ref_msg_type.assign_truncated(*t);
  if (out.business) {
    if (const std::string* id = find(msg, kBusinessRejectRefId)) out.ref_id.assign_truncated(*id);
  }
  std::int64_t v = -1;
  if (auto e = read_plain_int(msg, out.business ? kBusinessRejectReason : kSessionRejectReason, false, v)) return e;
  out.reason = v > 1'000'000 ? -1 : static_cast<int>(v);
  v = 0;
  if (!out.business) {
    if (auto e = read_plain_int(msg, kRefTagId, false, v)) return e;
    out.ref_tag = v > 1'000'000 ? 0 : static_cast<int>(v);
  }
  if (const std::string* text = find(msg, kText)) out.text.assign_truncated(*text);
  return {};
}

}  // namespace keel::protocol::fix
