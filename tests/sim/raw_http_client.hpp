// A minimal blocking TCP / TLS client for the simulator's tests: a loopback Socket with a receive
// timeout, a buffered Reader, and http_get() (one GET, Content-Length body).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace keel::test {

// Connects to 127.0.0.1:port with a receive timeout; -1 on failure.
inline int connect_loopback(std::uint16_t port, int timeout_ms = 5000) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A connected socket, plain or (when a TLS context is given) TLS without certificate checks.
class Socket {
 public:
  Socket(std::uint16_t port, int timeout_ms, SSL_CTX* tls) : fd_(connect_loopback(port, timeout_ms)) {
    if (fd_ < 0 || tls == nullptr) return;
    ssl_ = SSL_new(tls);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Socket() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                     : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Some bytes, or <= 0 on timeout / close.
  long recv_some(char* buf, std::size_t cap) {
    return ssl_ != nullptr ? SSL_read(ssl_, buf, static_cast<int>(cap)) : ::recv(fd_, buf, cap, 0);
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
};

// Reads from a socket through a buffer (headers first, then frames or a body).
class Reader {
 public:
  explicit Reader(Socket& socket) : socket_(socket) {}
  // Reads until `n` bytes are buffered; false on timeout / close.
  bool fill(std::size_t n) {
    while (buf_.size() < n) {
      char tmp[65536];
      const long got = socket_.recv_some(tmp, sizeof tmp);
      if (got <= 0) return false;
      buf_.append(tmp, static_cast<std::size_t>(got));
    }
    return true;
  }
  // Everything up to and including "\r\n\r\n"; nullopt on timeout / close.
  std::optional<std::string> until_blank_line() {
    for (;;) {
      const std::size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) return take(end + 4);
      if (!fill(buf_.size() + 1)) return std::nullopt;
    }
  }
  std::string take(std::size_t n) {
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }
  [[nodiscard]] const std::string& buffered() const { return buf_; }

 private:
  Socket& socket_;
  std::string buf_;
};

struct WsFrame {
  int opcode = -1;  // -1: none (timeout or connection closed)
  std::string payload;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

inline HttpReply http_get(std::uint16_t port, const std::string& target, SSL_CTX* tls = nullptr) {
  HttpReply reply;
  Socket socket(port, 5000, tls);
  if (!socket.connected()) return reply;
  Reader reader(socket);
  if (socket.send_all("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
    if (const auto head = reader.until_blank_line(); head && head->size() > 12) {
      reply.status = std::stoi(head->substr(9, 3));
      std::string lower = *head;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const std::size_t cl = lower.find("content-length:");
      if (cl != std::string::npos) {
        const std::size_t n = std::stoul(lower.substr(cl + 15));
        if (reader.fill(n)) reply.body = reader.take(n);
      }
    }
  }
  return reply;
}

}  // namespace keel::test
