#include "keel/gateway/control/http_request.hpp"

namespace keel::gateway {
namespace {

bool tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

HttpHeadParse error(int status, std::string_view reason) noexcept {
  HttpHeadParse p;
  p.status = HttpHeadStatus::kError;
  p.error_status = status;
  p.reason = reason;
  return p;
}

// The request line; `p.head` filled. False with `p` set to the error otherwise.
bool request_line(std::string_view line, HttpHeadParse& p) noexcept {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > 16) {
    p = error(400, "malformed request line");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  for (const char c : method) {
    if (!tchar(c)) {
      p = error(400, "malformed request line");
      return false;
    }
  }
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    p = error(400, "malformed request line");
    return false;
  }
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target[0] != '/') {
    p = error(400, "request target must start with '/'");
    return false;
  }
  for (const char c : target) {
    if (c < 0x21 || c > 0x7e) {
      p = error(400, "malformed request target");
      return false;
    }
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    const bool looks_like_http = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                                 version[5] <= '9' && version[6] == '.' && version[7] >= '0' && version[7] <= '9';
    p = looks_like_http ? error(505, "HTTP version not supported") : error(400, "malformed request line");
    return false;
  }
  p.head.method_text = method;
  p.head.method = method == "GET" ? HttpMethod::kGet : method == "POST" ? HttpMethod::kPost : HttpMethod::kOther;
  p.head.path = target.substr(0, target.find('?'));
  return true;
}

}  // namespace

HttpHeadParse parse_http_head(std::string_view received, std::size_t max_request_bytes) noexcept {
  // Every LF must follow a CR and every CR precede an LF; checked on what has arrived so far, so a
  // client using bare line ends is answered at once rather than at the read timeout.
  const std::size_t scan = received.size() < max_request_bytes ? received.size() : max_request_bytes;
  // Lines are counted as they arrive too: a head that already has more lines than the request line
  // and kMaxHeaderFields fields is refused before its end, so a client cannot make the caller parse
  // an ever-growing head line by line.
  std::size_t end = std::string_view::npos;  // offset just past the empty line
  std::size_t lines = 0;
  for (std::size_t i = 0; i < scan; ++i) {
    const char c = received[i];
    if (c == '\n' && (i == 0 || received[i - 1] != '\r')) return error(400, "bare LF in the request head");
    if (c == '\r' && i + 1 < received.size() && received[i + 1] != '\n') return error(400, "bare CR in the request head");
    if (c != '\n') continue;
    if (i >= 3 && received[i - 2] == '\n') {
      end = i + 1;
      break;
    }
    if (++lines > kMaxHeaderFields + 1) return error(400, "too many header fields");
  }
  if (end == std::string_view::npos) {
    if (received.size() >= max_request_bytes) return error(413, "request head too large");
    return {};
  }

  HttpHeadParse p;
  const std::string_view head = received.substr(0, end - 2);  // lines, each ending in CRLF
  std::size_t pos = 0;
  bool first = true;
  std::size_t fields = 0;
  bool seen_authorization = false;
  bool seen_host = false;
  while (pos < head.size()) {
    const std::size_t eol = head.find("\r\n", pos);  // present: head ends in CRLF
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (first) {
      first = false;
      if (!request_line(line, p)) return p;
      continue;
    }
    if (++fields > kMaxHeaderFields) return error(400, "too many header fields");
    if (line.empty() || line[0] == ' ' || line[0] == '\t') return error(400, "obsolete line folding");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return error(400, "malformed header field");
    const std::string_view name = line.substr(0, colon);
    for (const char c : name) {
      if (!tchar(c)) return error(400, "malformed header field");
    }
    std::string_view value = line.substr(colon + 1);
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) return error(400, "control character in a header field");
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);

    if (iequals(name, "content-length")) {
      if (p.head.has_content_length) return error(400, "more than one Content-Length");
      if (value.empty() || value.size() > 18) return error(value.size() > 18 ? 413 : 400, "malformed Content-Length");
      std::size_t n = 0;
      for (const char c : value) {
        if (c < '0' || c > '9') return error(400, "malformed Content-Length");
        n = n * 10 + static_cast<std::size_t>(c - '0');  // ≤ 18 digits: no overflow
      }
      p.head.has_content_length = true;
      p.head.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
      return error(400, "Transfer-Encoding is not accepted");
    } else if (iequals(name, "authorization")) {
      if (seen_authorization) return error(400, "more than one Authorization");
      seen_authorization = true;
      p.head.authorization = value;
    } else if (iequals(name, "host")) {
      if (seen_host) return error(400, "more than one Host");
      seen_host = true;
    }
  }
  if (first) return error(400, "empty request");  // the head is only the empty line
  p.head.head_bytes = end;
  if (p.head.content_length > max_request_bytes || end + p.head.content_length > max_request_bytes) {
    return error(413, "request larger than the limit");
  }
  p.status = HttpHeadStatus::kComplete;
  return p;
}

}  // namespace keel::gateway
