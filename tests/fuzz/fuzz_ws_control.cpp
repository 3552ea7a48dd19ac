// Fuzzes the WebSocket control-message parser (keel/protocol/binance/control.hpp: ControlParser).
//
// Invariants checked (trap on violation):
//  * parse() never throws or crashes; an error has code 2 or 3 and a non-empty message; code 3
//    (invalid JSON) never carries an id;
//  * a request has a known method, and SUBSCRIBE/UNSUBSCRIBE streams re-encode to names that parse
//    back to the same stream;
//  * the reply encoders produce JSON that simdjson accepts, and an error reply's message survives the
//    escaping round trip.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/protocol/binance/control.hpp"

namespace kb = keel::protocol::binance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static kb::ControlParser parser;
  static simdjson::dom::parser checker;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const kb::ControlParse r = parser.parse(text);
  std::string reply;
  if (r.ok) {
    KEEL_FUZZ_CHECK(r.request.method != kb::ControlMethod::kNone);
    for (const kb::StreamName& s : r.request.streams) {
      std::string name;
      kb::append_stream_name(name, s);
      const auto back = kb::parse_stream_name(name);
      KEEL_FUZZ_CHECK(back.ok() && back.value() == s);
    }
    kb::encode_list_result(reply, r.request.streams, r.request.id);
  } else {
    KEEL_FUZZ_CHECK(r.error.code == kb::kErrInvalidRequest || r.error.code == kb::kErrInvalidJson);
    KEEL_FUZZ_CHECK(!r.error.msg.empty());
    KEEL_FUZZ_CHECK(r.error.code != kb::kErrInvalidJson || !r.error.has_id);
    kb::encode_error_reply(reply, r.error);
  }
  simdjson::dom::element root;
  KEEL_FUZZ_CHECK(checker.parse(reply).get(root) == simdjson::SUCCESS);
  if (!r.ok) {
    std::string_view msg;
    KEEL_FUZZ_CHECK(root["error"]["msg"].get_string().get(msg) == simdjson::SUCCESS);
    KEEL_FUZZ_CHECK(msg == r.error.msg);
  }
  return 0;
}
