#include "net/url.hpp"

#include <charconv>

namespace keel::gateway::net {

Result<Url> parse_url(std::string_view text) {
  Url url;
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Errc::kInvalidArgument;
  const std::string_view scheme = text.substr(0, sep);
  if (scheme == "ws") {
    url.websocket = true;
  } else if (scheme == "wss") {
    url.websocket = true;
    url.tls = true;
  } else if (scheme == "http") {
  } else if (scheme == "https") {
    url.tls = true;
  } else {
    return Errc::kInvalidArgument;
  }
  std::string_view rest = text.substr(sep + 3);
  for (const char c : rest) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '?' || c == '#' || c == '@' || c == 0x7f) {
      return Errc::kInvalidArgument;
    }
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  std::string_view host;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Errc::kInvalidArgument;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Errc::kInvalidArgument;
      port_text = after.substr(1);
      if (port_text.empty()) return Errc::kInvalidArgument;
    }
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return Errc::kInvalidArgument;
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Errc::kInvalidArgument;
    }
    for (const char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      if (!ok) return Errc::kInvalidArgument;
    }
  }
  if (host.empty()) return Errc::kInvalidArgument;
  std::uint32_t port = url.tls ? 443 : 80;
  if (!port_text.empty()) {
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return Errc::kInvalidArgument;
    }
  }
  url.host.assign(host);
  url.port = static_cast<std::uint16_t>(port);
  url.path.assign(path);
  return url;
}

std::string url_host(const Url& url) {
  if (url.host.find(':') != std::string::npos) return "[" + url.host + "]";
  return url.host;
}

}  // namespace keel::gateway::net
