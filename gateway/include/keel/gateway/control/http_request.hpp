// The head of one HTTP/1.1 request as the control endpoint reads it: request line and header
// fields, strictly (RFC 9112), from the bytes received so far. Pure function, no allocation.
//
// Accepted: "METHOD SP origin-form-target SP HTTP/1.1|HTTP/1.0 CRLF", then header fields
// "name: value CRLF" (name a token, value visible ASCII, spaces and tabs, optional whitespace
// trimmed), then CRLF. Refused with the status to answer:
//   400  a bare CR or LF, a malformed request line or field, obsolete line folding, a target that is
//        not origin-form, a second Content-Length, Authorization or Host, a Content-Length that is
//        not plain digits, any Transfer-Encoding (bodies are sized by Content-Length only), more
//        than kMaxHeaderFields fields
//   413  the head alone, or the head and the declared body, larger than the limit
//   505  an HTTP version other than 1.0 and 1.1
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keel::gateway {

inline constexpr std::size_t kMaxHeaderFields = 64;

enum class HttpMethod : std::uint8_t { kNone = 0, kGet = 1, kPost = 2, kOther = 3 };

struct HttpHead {
  HttpMethod method = HttpMethod::kNone;
  std::string_view method_text;     // as sent (a token of at most 16 characters)
  std::string_view path;            // the target up to '?'
  std::string_view authorization;   // the field's value, empty when absent
  bool has_content_length = false;
  std::size_t content_length = 0;
  std::size_t head_bytes = 0;       // request line + fields + the empty line
};

enum class HttpHeadStatus : std::uint8_t { kIncomplete = 0, kComplete = 1, kError = 2 };

struct HttpHeadParse {
  HttpHeadStatus status = HttpHeadStatus::kIncomplete;
  int error_status = 0;       // kError: 400, 413 or 505
  std::string_view reason;    // kError: a fixed text (no input bytes), for the response body
  HttpHead head;              // kComplete
};

// Parses `received` (everything read so far on the connection). kIncomplete while the empty line
// has not arrived and fewer than max_request_bytes were received. The views in the result point into
// `received`.
[[nodiscard]] HttpHeadParse parse_http_head(std::string_view received, std::size_t max_request_bytes) noexcept;

}  // namespace keel::gateway
