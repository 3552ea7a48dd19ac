#include "tcp_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keel::sim::net {
namespace {

// The socket address of a numeric literal and `port`; false for anything else.
bool parse_numeric_address(const std::string& text, std::uint16_t port, sockaddr_storage& out,
                           socklen_t& len) noexcept {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

bool is_numeric_address(const std::string& text) noexcept {
  sockaddr_storage addr{};
  socklen_t len = 0;
  return parse_numeric_address(text, 0, addr, len);
}

bool is_loopback_address(const std::string& text) noexcept {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!parse_numeric_address(text, 0, addr, len)) return false;
  if (addr.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr.s_addr) >> 24) == 127;
  }
  return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr);
}

TcpListener listen_tcp(const std::string& address, std::uint16_t port, int backlog) noexcept {
  TcpListener out;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!parse_numeric_address(address, port, addr, len)) {
    errno = EINVAL;
    return out;
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return out;
  const int one = 1;
  bool ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0;
  // "::" means every IPv6 address, not IPv4 as well: bind exactly what the config says.
  if (addr.ss_family == AF_INET6) ok = ok && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0;
  ok = ok && ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0 && ::listen(fd, backlog) == 0;
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ok = ok && ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0;
  char text[INET6_ADDRSTRLEN] = {};
  if (ok && bound.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&bound);
    ok = ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text) != nullptr;
    out.port = ntohs(v6->sin6_port);
  } else if (ok) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&bound);
    ok = ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text) != nullptr;
    out.port = ntohs(v4->sin_port);
  }
  if (!ok) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    out.port = 0;
    return out;
  }
  out.fd = fd;
  out.address = text;
  return out;
}

}  // namespace keel::sim::net
