// Binance market-data control messages (SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS): the parser
// a server uses and the replies it sends; the requests a client sends and the decoder of the replies
// it gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/protocol/binance/stream_name.hpp"

namespace keel::protocol::binance {

enum class ControlMethod : std::uint8_t { kNone = 0, kSubscribe = 1, kUnsubscribe = 2, kListSubscriptions = 3 };

// Binance error codes on a market-data connection.
inline constexpr int kErrInvalidRequest = 2;
inline constexpr int kErrInvalidJson = 3;

struct ControlRequest {
  ControlMethod method = ControlMethod::kNone;
  std::uint64_t id = 0;
  std::span<const StreamName> streams;  // SUBSCRIBE / UNSUBSCRIBE; valid until the next parse
};

struct ControlError {
  int code = 0;
  std::string_view msg;  // valid until the next parse
  bool has_id = false;   // false: the reply carries "id":null
  std::uint64_t id = 0;
};

struct ControlParse {
  bool ok = false;
  ControlRequest request;  // when ok
  ControlError error;      // when !ok
};

// Parses one control message. Owns its simdjson parser and buffers, sized in the constructor:
// messages up to kMaxMessageBytes and kMaxStreams params never allocate. Malformed JSON, wrong types,
// unknown methods and bad stream names are typed errors; it never throws on any input.
class ControlParser {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  static constexpr std::size_t kMaxStreams = 1024;  // Binance's per-connection stream limit

  // `market`: names the market does not serve (stream_served) are refused as invalid stream names;
  // the default, spot, is the narrower grammar.
  explicit ControlParser(Market market = Market::kSpot);
  ~ControlParser();
  ControlParser(const ControlParser&) = delete;
  ControlParser& operator=(const ControlParser&) = delete;

  [[nodiscard]] ControlParse parse(std::string_view message) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Replies: {"result":null,"id":n}, {"result":["a","b"],"id":n}, {"error":{"code":c,"msg":"…"},"id":n|null}.
// The error message is JSON-escaped.
void encode_result_null(std::string& out, std::uint64_t id);
void encode_list_result(std::string& out, std::span<const StreamName> streams, std::uint64_t id);
void encode_error_reply(std::string& out, const ControlError& error);

// ---- The client side ----

// Appends {"method":"SUBSCRIBE"|"UNSUBSCRIBE","params":["a","b"],"id":n} (or LIST_SUBSCRIPTIONS
// without params). Stream names are written as given, JSON-escaped: the venue judges them.
void encode_control_request(std::string& out, ControlMethod method, std::span<const std::string> streams,
                            std::uint64_t id);

enum class ControlReplyKind : std::uint8_t { kNone = 0, kResultNull = 1, kResultList = 2, kError = 3 };

struct ControlReply {
  ControlReplyKind kind = ControlReplyKind::kNone;
  bool has_id = false;  // false: "id":null (the venue could not read the request's id)
  std::uint64_t id = 0;
  int error_code = 0;                          // kError
  std::string_view error_msg;                  // kError; valid until the next decode
  std::span<const std::string_view> streams;   // kResultList; valid until the next decode
};

// True when `frame` is shaped like a reply to a control message rather than market data: a JSON
// object whose first key is "result", "error" or "id". Market-data frames (raw payloads and combined
// {"stream":…} wrappers) never start with these keys. Cheap: looks at the first key only.
[[nodiscard]] bool looks_like_control_reply(std::string_view frame) noexcept;

// Decodes the venue's reply to a control message: {"result":null,"id":n}, {"result":["a",…],"id":n},
// {"error":{"code":c,"msg":"…"},"id":n|null}, keys in any order. kGarbage for anything else (bad
// JSON, missing or mistyped fields, an id that is not an unsigned integer or null, both or neither of
// result and error), kOverflow for a reply over kMaxMessageBytes or a list over kMaxStreams entries.
// Owns its simdjson parser, sized in the constructor: decode() never allocates and never throws.
class ControlReplyDecoder {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  static constexpr std::size_t kMaxStreams = ControlParser::kMaxStreams;

  ControlReplyDecoder();
  ~ControlReplyDecoder();
  ControlReplyDecoder(const ControlReplyDecoder&) = delete;
  ControlReplyDecoder& operator=(const ControlReplyDecoder&) = delete;

  [[nodiscard]] Result<ControlReply> decode(std::string_view frame) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::protocol::binance
