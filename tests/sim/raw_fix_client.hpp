// A raw-socket FIX 4.4 client for hostile tests: it writes exactly the bytes a test asks for (any
// field, any order, broken values) and reads whole messages back, without QuickFIX on the client
// side, so a test controls what reaches the venue byte by byte.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::test {

using FixFields = std::vector<std::pair<int, std::string>>;

// "YYYYMMDD-HH:MM:SS.mmm" for now (UTC).
inline std::string fix_utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// A whole message around `body` (everything between BodyLength and CheckSum): 8, 9 and 10 computed.
inline std::string fix_frame(std::string_view body) {
  std::string msg = "8=FIX.4.4\x01" "9=" + std::to_string(body.size()) + '\x01';
  msg.append(body);
  unsigned sum = 0;
  for (const char c : msg) sum += static_cast<unsigned char>(c);
  char trailer[16];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return msg + trailer;
}

// A whole message: 8 and 9 and 10 are computed; `fields` follow in the order given (header fields
// included: the caller writes 35, 49, 56, 34, 52 as it likes).
inline std::string fix_message(const FixFields& fields) {
  std::string body;
  for (const auto& [tag, value] : fields) body += std::to_string(tag) + "=" + value + '\x01';
  return fix_frame(body);
}

// The value of the first `tag` field of a raw message; "<absent>" when missing.
inline std::string fix_field(std::string_view msg, int tag) {
  const std::string key = std::to_string(tag) + "=";
  std::size_t pos = 0;
  while (pos < msg.size()) {
    const std::size_t end = msg.find('\x01', pos);
    const std::string_view f = msg.substr(pos, end == std::string_view::npos ? msg.npos : end - pos);
    if (f.substr(0, key.size()) == key) return std::string(f.substr(key.size()));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return "<absent>";
}

class RawFixClient {
 public:
  // Connects to address:port (numeric IPv4 or IPv6). rcvbuf > 0 shrinks the receive buffer before
  // connecting (a client that does not read fills up fast).
  explicit RawFixClient(std::uint16_t port, const std::string& address = "127.0.0.1", int rcvbuf = 0) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      len = sizeof *v6;
    } else {
      return;
    }
    fd_ = ::socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawFixClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawFixClient(const RawFixClient&) = delete;
  RawFixClient& operator=(const RawFixClient&) = delete;

  [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int connect_errno() const noexcept { return connect_errno_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

  // Writes all of `bytes` (blocking, with a bound); false when the peer is gone or it times out.
  bool send_raw(std::string_view bytes, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 50);
        continue;
      }
      return false;
    }
    return true;
  }

  // Sends one message with the standard header in front: 35, 49, 56, 34 (next_seq, then
  // incremented), 52 (now), then `fields`.
  bool send(const std::string& type, const std::string& sender, const FixFields& fields,
            const std::string& target = "KEELSIM") {
    FixFields all = {{35, type}, {49, sender}, {56, target}, {34, std::to_string(next_seq++)}, {52, fix_utc_now()}};
    all.insert(all.end(), fields.begin(), fields.end());
    return send_raw(fix_message(all));
  }

  // The next whole message, or nullopt after `limit` (or when the peer closed: see closed()).
  std::optional<std::string> read(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto m = take()) return m;
      if (closed_) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count() < 100 ? left.count() : 100)) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        closed_ = true;
      }
    }
  }
  // The next message of type `type`, skipping others (heartbeats, …).
  std::optional<std::string> read_type(const std::string& type,
                                       std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!m) return std::nullopt;
      if (fix_field(*m, 35) == type) return m;
    }
    return std::nullopt;
  }
  // True once the peer has closed the connection (reads and discards what is still buffered).
  bool wait_closed(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) in_.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) closed_ = true;
    }
    return closed_;
  }
  [[nodiscard]] const std::string& received() const noexcept { return in_; }

  int next_seq = 1;

 private:
  std::optional<std::string> take() {
    const std::size_t start = in_.find("8=");
    if (start == std::string::npos) return std::nullopt;
    const std::size_t trailer = in_.find("\x01" "10=", start);
    if (trailer == std::string::npos || in_.size() < trailer + 8) return std::nullopt;
    std::string m = in_.substr(start, trailer + 8 - start);
    in_.erase(0, trailer + 8);
    return m;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  bool closed_ = false;
  std::string in_;
};

}  // namespace keel::test
