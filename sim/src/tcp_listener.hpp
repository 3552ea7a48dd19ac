// The simulator's listening sockets (FIX port and market-data port alike): a numeric IPv4/IPv6
// address bound exactly as written ("::" is IPv6 only; docs/SECURITY.md), and what it takes to
// judge such an address. Private to sim/.
#pragma once

#include <cstdint>
#include <string>

namespace keel::sim::net {

// A numeric IPv4 or IPv6 literal (not a host name, not empty, not "addr:port").
[[nodiscard]] bool is_numeric_address(const std::string& text) noexcept;
// 127.0.0.0/8 and ::1; anything else (0.0.0.0, ::, an interface address) is not.
[[nodiscard]] bool is_loopback_address(const std::string& text) noexcept;

struct TcpListener {
  int fd = -1;           // non-blocking, close-on-exec, listening; the caller closes it
  std::string address;   // the numeric address actually bound
  std::uint16_t port = 0;  // the port actually bound (port 0 asks the kernel for one)
};

// Binds and listens on exactly `address`:`port` (SO_REUSEADDR; IPV6_V6ONLY for IPv6). fd = -1 with
// errno set when the address is not numeric (EINVAL) or the socket cannot be bound.
[[nodiscard]] TcpListener listen_tcp(const std::string& address, std::uint16_t port, int backlog) noexcept;

}  // namespace keel::sim::net
