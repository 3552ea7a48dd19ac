// Fuzzes the FIX 4.4 application-message decoders (keel/protocol/fix/fix_codec.hpp) on messages
// QuickFIX itself parsed from arbitrary bytes (no data dictionary, as the acceptor runs).
//
// Invariants checked (trap on violation):
//  * decode() never throws or crashes, whatever fields are present, repeated or malformed;
//  * an error is a session Reject with a RefTagID and reason 1, 5 or 6, or a business reject, with a
//    non-empty Text, and make_reject() builds an answer of type 3 or j;
//  * a decoded NewOrderSingle / replace has a side, an order type, a quantity and price that are not
//    negative (zero passes: the engine rejects it with 150=8, as VENUE.md wants, not the session),
//    and no price on a market order; every decoded request has a ClOrdID and a symbol;
//  * a decoded OrderMassStatusRequest (AF) has a MassStatusReqID and type 7, and encodes back to an AF
//    that decodes to the same values;
//  * the initiator's side (the gateway's order router): a decoded ExecutionReport (8) has ids, a
//    side, an ExecType and an OrdStatus, and encodes back to one that decodes to the same values; a
//    decoded OrderCancelReject (9) names what it refuses; a Reject (3) / BusinessMessageReject (j)
//    notice never fails on absent fields.
#include <cstddef>
#include <cstdint>
#include <string>

#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/fix_mass_status.hpp"
#include "fuzz_check.hpp"

namespace fd = keel::protocol::fix;

namespace {

void check_error(const FIX::Message& msg, const fd::DecodeError& e) {
  KEEL_FUZZ_CHECK(!e.text.empty());
  if (e.kind == fd::DecodeError::Kind::kSessionReject) {
    KEEL_FUZZ_CHECK(e.ref_tag > 0);
    KEEL_FUZZ_CHECK(e.reason == fd::kRejectRequiredTagMissing || e.reason == fd::kRejectValueIncorrect ||
                    e.reason == fd::kRejectIncorrectDataFormat);
  } else {
    KEEL_FUZZ_CHECK(e.kind == fd::DecodeError::Kind::kBusinessReject);
  }
  const FIX::Message reply = fd::make_reject(msg, e);
  const std::string type = reply.getHeader().getField(35);
  KEEL_FUZZ_CHECK(type == "3" || type == "j");
}

template <class T>
void check_order(const T& o) {
  KEEL_FUZZ_CHECK(!o.cl_ord_id.view().empty() && !o.symbol.view().empty());
  KEEL_FUZZ_CHECK(o.side != keel::Side::kNone);
  KEEL_FUZZ_CHECK(o.qty.raw() >= 0 && o.price.raw() >= 0);
  KEEL_FUZZ_CHECK(o.ord_type != keel::OrderType::kNone);
  KEEL_FUZZ_CHECK(o.ord_type == keel::OrderType::kLimit || o.price.raw() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  FIX::Message msg;
  try {
    msg = FIX::Message(text, false);
  } catch (const std::exception&) {
    return 0;  // QuickFIX refuses it before the venue would see it
  }
  std::string type;
  try {
    type = msg.getHeader().getField(35);
  } catch (const std::exception&) {
    return 0;
  }
  if (type == "D") {
    keel::protocol::fix::FixNewOrder o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) check_error(msg, e);
    else check_order(o);
  } else if (type == "G") {
    keel::protocol::fix::FixReplace o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) check_error(msg, e);
    else check_order(o);
  } else if (type == "F") {
    keel::protocol::fix::FixCancel o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) check_error(msg, e);
    else KEEL_FUZZ_CHECK(!o.cl_ord_id.view().empty() && !o.orig_cl_ord_id.view().empty() && o.side != keel::Side::kNone);
  } else if (type == "H") {
    keel::protocol::fix::FixStatusRequest o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) check_error(msg, e);
    else KEEL_FUZZ_CHECK(!o.cl_ord_id.view().empty() && o.side != keel::Side::kNone);
  } else if (type == "8") {
    fd::FixExecReport o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) {
      check_error(msg, e);
    } else {
      KEEL_FUZZ_CHECK(!o.order_id.empty() && !o.exec_id.empty() && !o.cl_ord_id.empty() && !o.symbol.empty());
      KEEL_FUZZ_CHECK(o.side != keel::Side::kNone && o.exec_type != keel::ExecType::kNone &&
                      o.ord_status != keel::OrderStatus::kNone);
      fd::FixExecReport back;
      KEEL_FUZZ_CHECK(!fd::decode(fd::encode(o), "FUZZ", back));
      KEEL_FUZZ_CHECK(back.exec_type == o.exec_type && back.ord_status == o.ord_status && back.side == o.side &&
                      back.cum_qty == o.cum_qty && back.leaves_qty == o.leaves_qty &&
                      back.cl_ord_id.view() == o.cl_ord_id.view() && back.exec_id.view() == o.exec_id.view());
    }
  } else if (type == "9") {
    fd::FixCancelReject o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) check_error(msg, e);
    else KEEL_FUZZ_CHECK(!o.cl_ord_id.empty() && !o.orig_cl_ord_id.empty() && o.response_to != keel::OrderAction::kNone);
  } else if (type == "3" || type == "j") {
    fd::FixRejectNotice o;
    const fd::DecodeError e = fd::decode(msg, o);
    if (e) check_error(msg, e);
    else KEEL_FUZZ_CHECK(o.business == (type == "j") && o.ref_seq_num >= 0);
  } else if (type == "AF") {
    fd::FixMassStatusRequest o;
    const fd::DecodeError e = fd::decode(msg, "FUZZ", o);
    if (e) {
      check_error(msg, e);
    } else {
      KEEL_FUZZ_CHECK(!o.mass_status_req_id.empty() && o.req_type == fd::kMassStatusReqTypeAllOrders);
      fd::FixMassStatusRequest back;
      KEEL_FUZZ_CHECK(!fd::decode(fd::encode(o), "FUZZ", back));
      KEEL_FUZZ_CHECK(back.mass_status_req_id.view() == o.mass_status_req_id.view() && back.req_type == o.req_type);
    }
  }
  return 0;
}
