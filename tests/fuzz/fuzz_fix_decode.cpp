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
//    that decodes to the same values.
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
