// Fuzzes the client-side decoder of control-message replies (keel/protocol/binance/control.hpp:
// ControlReplyDecoder, looks_like_control_reply) and the request encoder.
//
// Invariants checked (trap on violation):
//  * decode() and looks_like_control_reply() never throw or crash on any input;
//  * a decoded reply has a kind; an error reply re-encoded with the server's encoder
//    (encode_error_reply) decodes back to the same code, message and id; a null result re-encoded
//    with encode_result_null decodes back to the same id;
//  * the strings of a list result, sent back as a SUBSCRIBE by encode_control_request, produce JSON
//    the server's ControlParser reads without crashing, with the same id when it accepts it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/protocol/binance/control.hpp"

namespace kb = keel::protocol::binance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static kb::ControlReplyDecoder decoder;
  static kb::ControlReplyDecoder checker;
  static kb::ControlParser parser;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)kb::looks_like_control_reply(text);
  const auto r = decoder.decode(text);
  if (!r.ok()) return 0;
  const kb::ControlReply& reply = r.value();
  KEEL_FUZZ_CHECK(reply.kind != kb::ControlReplyKind::kNone);
  std::string out;
  if (reply.kind == kb::ControlReplyKind::kError) {
    kb::encode_error_reply(
        out, kb::ControlError{reply.error_code, reply.error_msg, reply.has_id, reply.id});
    KEEL_FUZZ_CHECK(kb::looks_like_control_reply(out));
    const auto back = checker.decode(out);
    KEEL_FUZZ_CHECK(back.ok());
    KEEL_FUZZ_CHECK(back.value().kind == kb::ControlReplyKind::kError);
    KEEL_FUZZ_CHECK(back.value().error_code == reply.error_code);
    KEEL_FUZZ_CHECK(back.value().error_msg == reply.error_msg);
    KEEL_FUZZ_CHECK(back.value().has_id == reply.has_id && back.value().id == reply.id);
  } else if (reply.kind == kb::ControlReplyKind::kResultNull) {
    if (reply.has_id) {
      kb::encode_result_null(out, reply.id);
      const auto back = checker.decode(out);
      KEEL_FUZZ_CHECK(back.ok() && back.value().kind == kb::ControlReplyKind::kResultNull);
      KEEL_FUZZ_CHECK(back.value().has_id && back.value().id == reply.id);
    }
  } else {
    KEEL_FUZZ_CHECK(reply.kind == kb::ControlReplyKind::kResultList);
    std::vector<std::string> streams(reply.streams.begin(), reply.streams.end());
    kb::encode_control_request(out, kb::ControlMethod::kSubscribe, streams, reply.id);
    const kb::ControlParse p = parser.parse(out);
    if (p.ok) {
      KEEL_FUZZ_CHECK(p.request.method == kb::ControlMethod::kSubscribe);
      KEEL_FUZZ_CHECK(p.request.id == reply.id);
      KEEL_FUZZ_CHECK(p.request.streams.size() == streams.size());
    }
  }
  return 0;
}
