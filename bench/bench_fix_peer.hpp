// A minimal FIX 4.4 peer for the FIX gateway benchmarks: a raw TCP acceptor on loopback that answers
// the initiator's Logon with a Logon of correct sequence number and checksum, then reads the stream,
// splits it into messages and stamps (TSC) the return of the recv() that completed each one.
// Measurement only; no session logic beyond the Logon (the benchmarks use a HeartBtInt longer than a
// run, so no heartbeat or test request is due).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tsc.hpp"

namespace keel::bench {

inline std::string fix_utc_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1'000'000);
  return buf;
}

// 8=FIX.4.4|9=len|<body>10=sum| with the body length and checksum computed.
inline std::string fix_frame(const std::string& body) {
  std::string msg = "8=FIX.4.4\x01" "9=" + std::to_string(body.size()) + "\x01" + body;
  unsigned sum = 0;
  for (const char c : msg) sum += static_cast<unsigned char>(c);
  char trailer[16];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return msg + trailer;
}

// The value of `tag` in a framed message ("" when absent).
inline std::string_view fix_field(std::string_view msg, std::string_view tag) {
  std::string key = "\x01" + std::string(tag) + "=";
  const std::size_t p = msg.find(key);
  if (p == std::string_view::npos) return {};
  const std::size_t b = p + key.size();
  const std::size_t e = msg.find('\x01', b);
  return msg.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
}

// Length of the first complete message in `buf` (0: incomplete; npos: garbage).
inline std::size_t fix_message_length(std::string_view buf) {
  if (buf.size() < 16) return 0;
  if (buf.substr(0, 12) != "8=FIX.4.4\x01" "9=") return std::string_view::npos;
  std::size_t p = 12, len = 0;
  while (p < buf.size() && buf[p] >= '0' && buf[p] <= '9') len = len * 10 + static_cast<std::size_t>(buf[p++] - '0');
  if (p >= buf.size()) return 0;
  if (buf[p] != '\x01') return std::string_view::npos;
  const std::size_t total = p + 1 + len + 7;  // 10=xxx|
  return buf.size() >= total ? total : 0;
}

inline int listen_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0)
    throw std::runtime_error("bind/listen");
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  port = ntohs(a.sin_port);
  return fd;
}

inline int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline void nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

inline bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads one connection's byte stream. next() returns the next complete message and the TSC stamp
// taken when the recv() that completed it returned. `spin`: recv(MSG_DONTWAIT) in a loop (the
// tightest arrival stamp, costs a CPU); otherwise poll() then recv() (includes the reader's wake-up).
class FixStreamReader {
 public:
  // `spin` is read before every wait, so the owner may switch modes between measurements.
  FixStreamReader(int fd, const std::atomic<bool>* spin) : fd_(fd), spin_(spin) { buf_.reserve(1 << 20); }
  // false on EOF / error / garbage, or when *stop becomes true while waiting.
  bool next(std::string& msg, std::uint64_t& stamp, const std::atomic<bool>* stop = nullptr) {
    for (;;) {
      const std::size_t len = fix_message_length(std::string_view(buf_).substr(pos_));
      if (len == std::string_view::npos) return false;
      if (len > 0) {
        msg.assign(buf_, pos_, len);
        pos_ += len;
        stamp = stamp_;
        if (pos_ == buf_.size()) {
          buf_.clear();
          pos_ = 0;
        }
        return true;
      }
      if (pos_ > 0) {
        buf_.erase(0, pos_);
        pos_ = 0;
      }
      char tmp[65536];
      for (;;) {
        if (stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0) {
          stamp_ = tsc_now();
          buf_.append(tmp, static_cast<std::size_t>(n));
          break;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        if (spin_ != nullptr && spin_->load(std::memory_order_relaxed)) {
          _mm_pause();
          continue;
        }
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, 100);
      }
    }
  }

 private:
  int fd_;
  const std::atomic<bool>* spin_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::uint64_t stamp_ = 0;
};

}  // namespace keel::bench
