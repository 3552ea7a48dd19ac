// ws://, wss://, http:// and https:// URLs as the feed client needs them (gateway-private).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keel/core/primitives/result.hpp"

namespace keel::gateway::net {

struct Url {
  bool tls = false;        // wss or https
  bool websocket = false;  // ws / wss
  std::string host;        // without brackets for IPv6 ("::1")
  std::uint16_t port = 0;  // the scheme's default (80 / 443) when absent
  std::string path;        // the base path without a trailing '/', may be empty ("/base")
};

// Parses `<scheme>://<host>[:<port>][/<base path>]`, scheme one of ws, wss, http, https (lower
// case); host a name, an IPv4 address or a bracketed IPv6 address. No user info, query or fragment.
// kInvalidArgument for anything else (an empty host, a port of 0 or above 65535, spaces, …).
[[nodiscard]] Result<Url> parse_url(std::string_view text);

// `host` as it goes into a URL or Host header: IPv6 in brackets.
[[nodiscard]] std::string url_host(const Url& url);

}  // namespace keel::gateway::net
