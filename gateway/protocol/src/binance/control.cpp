#include "keel/protocol/binance/control.hpp"

#include <simdjson.h>

#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "json_writer.hpp"

namespace keel::protocol::binance {

using namespace detail;

namespace {
constexpr std::string_view kMsgNotObject = "Invalid request: expected a JSON object";
constexpr std::string_view kMsgBadId = "Invalid request: request ID must be an unsigned integer";
constexpr std::string_view kMsgNoMethod = "Invalid request: missing field `method`";
constexpr std::string_view kMsgMethodType = "Invalid request: method must be a string";
constexpr std::string_view kMsgNoParams = "Invalid request: missing field `params`";
constexpr std::string_view kMsgParamsType = "Invalid request: params must be an array of strings";
constexpr std::string_view kMsgTooMany = "Invalid request: too many parameters";
constexpr std::string_view kMsgTooLarge = "Invalid JSON: message too large";
constexpr std::string_view kMsgEof = "Invalid JSON: EOF while parsing a value";
constexpr std::string_view kMsgUtf8 = "Invalid JSON: invalid UTF-8";
constexpr std::string_view kMsgSyntax = "Invalid JSON: expected value";
constexpr std::size_t kMaxEcho = 64;  // bytes of a client's text echoed in an error message

// True when `text` stops before its JSON value is complete: only whitespace, or an unclosed string,
// object or array (a truncated frame). Used only to word the error message.
bool ends_early(std::string_view text) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool any = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    any = true;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return !any || in_string || depth > 0;
}

// The longest prefix of `text` of at most kMaxEcho bytes that does not cut a UTF-8 sequence.
std::string_view echo_prefix(std::string_view text) noexcept {
  if (text.size() <= kMaxEcho) return text;
  std::size_t n = kMaxEcho;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) --n;
  return text.substr(0, n);
}
}  // namespace

struct ControlParser::Impl {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> input;  // kMaxMessageBytes + SIMDJSON_PADDING
  std::vector<StreamName> streams;
  std::string msg;  // error messages with an echoed part
  Market market;

  explicit Impl(Market m) : input(new char[kMaxMessageBytes + simdjson::SIMDJSON_PADDING]), market(m) {
    streams.reserve(kMaxStreams);
    msg.reserve(256);
    // Allocate the parser's buffers once; parse() never grows them.
    if (parser.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
    // simdjson sizes its document (tape and strings) on demand, to the longest input parsed so far;
    // parse one of the maximum length here so that no client message ever grows it.
    std::memset(input.get(), ' ', kMaxMessageBytes);
    input[0] = '{';
    input[1] = '}';
    std::memset(input.get() + kMaxMessageBytes, 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    if (parser.parse(input.get(), kMaxMessageBytes, false).get(root) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  ControlParse fail(int code, std::string_view text, bool has_id, std::uint64_t id) const noexcept {
    ControlParse r;
    r.error = ControlError{code, text, has_id, id};
    return r;
  }

  // Builds "<prefix>`<echo>`<suffix>" in msg (capacity reserved; echo is bounded).
  std::string_view echo(std::string_view prefix, std::string_view client_text, std::string_view suffix) {
    msg.clear();
    msg.append(prefix);
    msg.push_back('`');
    msg.append(echo_prefix(client_text));
    msg.push_back('`');
    msg.append(suffix);
    return msg;
  }

  ControlParse parse(std::string_view message) noexcept {
    if (message.size() > kMaxMessageBytes) return fail(kErrInvalidJson, kMsgTooLarge, false, 0);
    std::memcpy(input.get(), message.data(), message.size());
    std::memset(input.get() + message.size(), 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    const auto err = parser.parse(input.get(), message.size(), false).get(root);
    if (err == simdjson::NUMBER_ERROR) {
      // A number simdjson cannot hold (beyond uint64, 1e400): the only number a control message
      // carries is its id.
      return fail(kErrInvalidRequest, kMsgBadId, false, 0);
    }
    if (err != simdjson::SUCCESS) {
      const std::string_view text = err == simdjson::UTF8_ERROR ? kMsgUtf8
                                    : ends_early(message)       ? kMsgEof
                                                                : kMsgSyntax;
      return fail(kErrInvalidJson, text, false, 0);
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgNotObject, false, 0);

    std::uint64_t id = 0;
    if (obj["id"].get_uint64().get(id) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgBadId, false, 0);

    simdjson::dom::element method_el;
    if (obj["method"].get(method_el) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgNoMethod, true, id);
    std::string_view method_name;
    if (method_el.get_string().get(method_name) != simdjson::SUCCESS) {
      return fail(kErrInvalidRequest, kMsgMethodType, true, id);
    }
    ControlMethod method = ControlMethod::kNone;
    if (method_name == "SUBSCRIBE") {
      method = ControlMethod::kSubscribe;
    } else if (method_name == "UNSUBSCRIBE") {
      method = ControlMethod::kUnsubscribe;
    } else if (method_name == "LIST_SUBSCRIPTIONS") {
      method = ControlMethod::kListSubscriptions;
    } else {
      return fail(kErrInvalidRequest,
                  echo("Invalid request: unknown variant ", method_name,
                       ", expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`"),
                  true, id);
    }

    streams.clear();
    simdjson::dom::element params_el;
    const bool has_params = obj["params"].get(params_el) == simdjson::SUCCESS;
    if (method == ControlMethod::kListSubscriptions) {
      // Params are optional here; a non-empty list is refused.
      if (has_params) {
        simdjson::dom::array arr;
        if (params_el.get_array().get(arr) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
        if (arr.size() != 0) return fail(kErrInvalidRequest, kMsgTooMany, true, id);
      }
    } else {
      if (!has_params) return fail(kErrInvalidRequest, kMsgNoParams, true, id);
      simdjson::dom::array arr;
      if (params_el.get_array().get(arr) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
      for (simdjson::dom::element item : arr) {
        std::string_view text;
        if (item.get_string().get(text) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
        if (streams.size() == kMaxStreams) return fail(kErrInvalidRequest, kMsgTooMany, true, id);
        const auto name = parse_stream_name(text);
        if (!name.ok() || !stream_served(market, name.value())) return fail(kErrInvalidRequest, echo("Invalid request: invalid stream name ", text, ""), true, id);
        streams.push_back(name.value());
      }
    }
    ControlParse r;
    r.ok = true;
    r.request = ControlRequest{method, id, std::span<const StreamName>(streams)};
    return r;
  }
};

ControlParser::ControlParser(Market market) : impl_(std::make_unique<Impl>(market)) {}
ControlParser::~ControlParser() = default;

ControlParse ControlParser::parse(std::string_view message) noexcept { return impl_->parse(message); }

void encode_result_null(std::string& out, std::uint64_t id) {
  put(out, "{\"result\":null,\"id\":");
  put_int(out, id);
  out.push_back('}');
}

void encode_list_result(std::string& out, std::span<const StreamName> streams, std::uint64_t id) {
  put(out, "{\"result\":[");
  bool first = true;
  for (const StreamName& s : streams) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    append_stream_name(out, s);
    out.push_back('"');
  }
  put(out, "],\"id\":");
  put_int(out, id);
  out.push_back('}');
}

void encode_error_reply(std::string& out, const ControlError& error) {
  put(out, "{\"error\":{\"code\":");
  put_int(out, error.code);
  put(out, ",\"msg\":\"");
  put_escaped(out, error.msg);
  put(out, "\"},\"id\":");
  if (error.has_id) {
    put_int(out, error.id);
  } else {
    put(out, "null");
  }
  out.push_back('}');
}

}  // namespace keel::protocol::binance

// ---- The client side ----

namespace keel::protocol::binance {

void encode_control_request(std::string& out, ControlMethod method, std::span<const std::string> streams,
                            std::uint64_t id) {
  put(out, "{\"method\":\"");
  switch (method) {
    case ControlMethod::kSubscribe: put(out, "SUBSCRIBE"); break;
    case ControlMethod::kUnsubscribe: put(out, "UNSUBSCRIBE"); break;
    case ControlMethod::kListSubscriptions: put(out, "LIST_SUBSCRIPTIONS"); break;
    case ControlMethod::kNone: break;
  }
  out.push_back('"');
  if (method != ControlMethod::kListSubscriptions) {
    put(out, ",\"params\":[");
    bool first = true;
    for (const std::string& s : streams) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('"');
      put_escaped(out, s);
      out.push_back('"');
    }
    out.push_back(']');
  }
  put(out, ",\"id\":");
  put_int(out, id);
  out.push_back('}');
}

bool looks_like_control_reply(std::string_view frame) noexcept {
  std::size_t i = 0;
  const auto skip_ws = [&] {
    while (i < frame.size() && (frame[i] == ' ' || frame[i] == '\t' || frame[i] == '\n' || frame[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= frame.size() || frame[i] != '{') return false;
  ++i;
  skip_ws();
  const std::string_view rest = frame.substr(i);
  return rest.starts_with("\"result\"") || rest.starts_with("\"error\"") || rest.starts_with("\"id\"");
}

struct ControlReplyDecoder::Impl {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> input;  // kMaxMessageBytes + SIMDJSON_PADDING
  std::vector<std::string_view> streams;

  Impl() : input(new char[kMaxMessageBytes + simdjson::SIMDJSON_PADDING]) {
    streams.reserve(kMaxStreams);
    if (parser.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
    // As in ControlParser: grow the document once, to the largest input, so decode() never does.
    std::memset(input.get(), ' ', kMaxMessageBytes);
    input[0] = '{';
    input[1] = '}';
    std::memset(input.get() + kMaxMessageBytes, 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    if (parser.parse(input.get(), kMaxMessageBytes, false).get(root) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  Result<ControlReply> decode(std::string_view frame) noexcept {
    if (frame.size() > kMaxMessageBytes) return Errc::kOverflow;
    std::memcpy(input.get(), frame.data(), frame.size());
    std::memset(input.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    if (parser.parse(input.get(), frame.size(), false).get(root) != simdjson::SUCCESS) return Errc::kGarbage;
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) return Errc::kGarbage;

    ControlReply reply;
    simdjson::dom::element id_el;
    if (obj["id"].get(id_el) != simdjson::SUCCESS) return Errc::kGarbage;
    if (id_el.is_null()) {
      reply.has_id = false;
    } else if (id_el.get_uint64().get(reply.id) == simdjson::SUCCESS) {
      reply.has_id = true;
    } else {
      return Errc::kGarbage;
    }

    simdjson::dom::element result_el;
    simdjson::dom::element error_el;
    const bool has_result = obj["result"].get(result_el) == simdjson::SUCCESS;
    const bool has_error = obj["error"].get(error_el) == simdjson::SUCCESS;
    if (has_result == has_error) return Errc::kGarbage;

    if (has_error) {
      simdjson::dom::object err;
      if (error_el.get_object().get(err) != simdjson::SUCCESS) return Errc::kGarbage;
      std::int64_t code = 0;
      if (err["code"].get_int64().get(code) != simdjson::SUCCESS) return Errc::kGarbage;
      if (code < std::numeric_limits<int>::min() || code > std::numeric_limits<int>::max()) return Errc::kGarbage;
      if (err["msg"].get_string().get(reply.error_msg) != simdjson::SUCCESS) return Errc::kGarbage;
      reply.kind = ControlReplyKind::kError;
      reply.error_code = static_cast<int>(code);
      return reply;
    }
    if (result_el.is_null()) {
      reply.kind = ControlReplyKind::kResultNull;
      return reply;
    }
    simdjson::dom::array arr;
    if (result_el.get_array().get(arr) != simdjson::SUCCESS) return Errc::kGarbage;
    streams.clear();
    for (simdjson::dom::element item : arr) {
      std::string_view name;
      if (item.get_string().get(name) != simdjson::SUCCESS) return Errc::kGarbage;
      if (streams.size() == kMaxStreams) return Errc::kOverflow;
      streams.push_back(name);
    }
    reply.kind = ControlReplyKind::kResultList;
    reply.streams = std::span<const std::string_view>(streams);
    return reply;
  }
};

ControlReplyDecoder::ControlReplyDecoder() : impl_(std::make_unique<Impl>()) {}
ControlReplyDecoder::~ControlReplyDecoder() = default;

Result<ControlReply> ControlReplyDecoder::decode(std::string_view frame) noexcept { return impl_->decode(frame); }

}  // namespace keel::protocol::binance
