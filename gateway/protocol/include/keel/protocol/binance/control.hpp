// Binance market-data control messages (SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS): the parser
// a server uses and the replies it sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

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

  ControlParser();
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

}  // namespace keel::protocol::binance
