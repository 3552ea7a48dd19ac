#include "keel/gateway/control/control_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace keel::gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kListenTag = ~std::uint64_t{0};
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0} - 1;
constexpr int kTickMs = 50;                 // deadline checks and the stop flag, at least this often
constexpr int kAcceptsPerWakeup = 64;       // a connect flood cannot keep the thread from the others
constexpr std::size_t kMaxDrainBytes = 64 * 1024;
constexpr auto kMaxDrainTime = std::chrono::seconds(1);

// A numeric IPv4 or IPv6 literal and `port` as a socket address; false for anything else. (The
// simulator has the same rule in sim/src/tcp_listener; the gateway may not include sim.)
bool numeric_address(const std::string& text, std::uint16_t port, sockaddr_storage& out, socklen_t& len) noexcept {
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

void validate(const ControlServerConfig& c) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!numeric_address(c.bind_address, c.port, addr, len)) {
    throw std::invalid_argument("control server: bind address \"" + c.bind_address.substr(0, 64) +
                                "\" is not a numeric IPv4 or IPv6 address");
  }
  if (c.max_connections < 1 || c.max_connections > 1024) {
    throw std::invalid_argument("control server: max_connections must be 1 to 1024");
  }
  if (c.max_request_bytes < 1024 || c.max_request_bytes > 1024 * 1024) {
    throw std::invalid_argument("control server: max_request_bytes must be 1 KiB to 1 MiB");
  }
  if (c.read_timeout.count() <= 0) throw std::invalid_argument("control server: read_timeout must be positive");
}

enum class Phase : std::uint8_t { kFree, kReading, kWriting, kDraining };

struct Connection {
  int fd = -1;
  Phase phase = Phase::kFree;
  std::string in;   // capacity max_request_bytes, reserved at start
  std::string out;  // the response
  std::size_t written = 0;
  std::size_t drained = 0;
  std::size_t ready_at = 0;  // the router's answer: the size `in` must reach (0: a line end)
  Clock::time_point deadline;
};

}  // namespace

struct ControlServer::Impl {
  Impl(ControlServerConfig c, ControlHandlers handlers)
      : config(std::move(c)),
        router(config.bearer_token, config.max_request_bytes, std::move(handlers), counters) {}
  ~Impl() { close_descriptors(); }

  ControlServerConfig config;
  ControlCounters counters;
  ControlRouter router;  // server thread only
  std::vector<Connection> slots;
  std::size_t open = 0;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::uint16_t port = 0;
  std::string bound_address;
  std::thread thread;
  std::atomic<bool> stopping{false};
  bool started = false;

  void close_descriptors() noexcept {
    for (Connection& c : slots) {
      if (c.fd >= 0) ::close(c.fd);
      c.fd = -1;
      c.phase = Phase::kFree;
    }
    open = 0;
    for (int* fd : {&listen_fd, &epoll_fd, &wake_fd}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  void open_listener() {
    sockaddr_storage addr{};
    socklen_t len = 0;
    const auto fail = [this](const char* what) {
      const std::string why = std::strerror(errno);
      close_descriptors();
      throw std::runtime_error(std::string("control server: ") + what + " " + config.bind_address + ":" +
                               std::to_string(config.port) + ": " + why);
    };
    if (!numeric_address(config.bind_address, config.port, addr, len)) {  // validated in the constructor
      errno = EINVAL;
      fail("invalid address");
    }
    listen_fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) fail("cannot create a socket for");
    const int one = 1;
    if (::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) fail("cannot set options on");
    // "::" means every IPv6 address, not IPv4 as well: bind exactly what the config says.
    if (addr.ss_family == AF_INET6 && ::setsockopt(listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
      fail("cannot set options on");
    }
    if (::bind(listen_fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) fail("cannot bind");
    if (::listen(listen_fd, 64) != 0) fail("cannot listen on");
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) fail("cannot read back");
    char text[INET6_ADDRSTRLEN] = {};
    if (bound.ss_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&bound);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    } else {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&bound);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    }
    bound_address = text;

    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) fail("epoll_create1 failed for");
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) fail("eventfd failed for");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenTag;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) fail("epoll_ctl failed for");
    ev.data.u64 = kWakeTag;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) fail("epoll_ctl failed for");

    slots.resize(config.max_connections);
    for (Connection& c : slots) {
      c.in.reserve(config.max_request_bytes);
      c.out.reserve(1024);
    }
  }

  // ---- server thread ----

  void close_connection(std::size_t index) noexcept {
    Connection& c = slots[index];
    if (c.fd >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
    }
    c.fd = -1;
    c.phase = Phase::kFree;
    c.in.clear();
    c.out.clear();
    --open;
  }

  void watch(std::size_t index, std::uint32_t events) noexcept {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = index;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, slots[index].fd, &ev);
  }

  void accept_all() {
    for (int i = 0; i < kAcceptsPerWakeup; ++i) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN; or out of descriptors: the next readiness (at most one tick) retries
      }
      std::size_t index = slots.size();
      for (std::size_t s = 0; s < slots.size(); ++s) {
        if (slots[s].phase == Phase::kFree) {
          index = s;
          break;
        }
      }
      if (index == slots.size()) {
        counters.refused_connections.fetch_add(1, std::memory_order_relaxed);  // before the peer can see the close
        ::close(fd);
        continue;
      }
      Connection& c = slots[index];
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = index;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        counters.refused_connections.fetch_add(1, std::memory_order_relaxed);
        ::close(fd);
        continue;
      }
      c.fd = fd;
      c.phase = Phase::kReading;
      c.in.clear();
      c.out.clear();
      c.written = 0;
      c.drained = 0;
      c.ready_at = 0;
      c.deadline = Clock::now() + config.read_timeout;
      ++open;
      counters.accepted.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void begin_response(std::size_t index) {
    Connection& c = slots[index];
    c.phase = Phase::kWriting;
    c.written = 0;
    c.deadline = Clock::now() + config.read_timeout;
    watch(index, EPOLLOUT);
    write_some(index);
  }

  // Sends what the socket takes; on the last byte, half-closes and starts draining.
  void write_some(std::size_t index) {
    Connection& c = slots[index];
    while (c.written < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      counters.io_errors.fetch_add(1, std::memory_order_relaxed);
      close_connection(index);
      return;
    }
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::kDraining;
    c.drained = 0;
    c.deadline = Clock::now() + std::min<Clock::duration>(config.read_timeout, kMaxDrainTime);
    watch(index, EPOLLIN | EPOLLRDHUP);
  }

  void read_some(std::size_t index) {
    Connection& c = slots[index];
    char chunk[4096];
    bool peer_done = false;  // the client half-closed: what it sent is all there will be
    bool line_end = false;   // a '\n' arrived: the head may be complete (or malformed) now
    for (;;) {
      const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0) {  // reset
        counters.io_errors.fetch_add(1, std::memory_order_relaxed);
        close_connection(index);
        return;
      }
      if (n == 0) {
        if (c.phase == Phase::kDraining) {
          close_connection(index);
          return;
        }
        peer_done = true;
        break;
      }
      if (c.phase == Phase::kDraining) {
        c.drained += static_cast<std::size_t>(n);
        if (c.drained > kMaxDrainBytes) {
          close_connection(index);
          return;
        }
        continue;
      }
      // Only the first max_request_bytes are kept: the router answers 413 once the limit is reached.
      const std::size_t room = config.max_request_bytes - c.in.size();
      const std::size_t take = std::min(room, static_cast<std::size_t>(n));
      line_end = line_end || std::memchr(chunk, '\n', take) != nullptr;
      c.in.append(chunk, take);
      if (c.in.size() == config.max_request_bytes) break;
    }
    if (c.phase != Phase::kReading) return;
    // The router is asked only when its answer can have changed (a line end in the head, the body
    // complete, the limit reached), so a client trickling bytes does not make it re-parse each time.
    const bool full = c.in.size() == config.max_request_bytes;
    const bool ask = full || (c.ready_at == 0 ? line_end : c.in.size() >= c.ready_at);
    if (ask && router.on_bytes(c.in, c.out, &c.ready_at) == ControlRouter::Step::kRespond) {
      begin_response(index);
    } else if (peer_done) {
      close_connection(index);  // an incomplete request that will never complete
    }
  }

  void check_deadlines(Clock::time_point now) {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      Connection& c = slots[i];
      if (c.phase == Phase::kFree || now < c.deadline) continue;
      if (c.phase == Phase::kReading) {
        router.timeout_response(c.out);
        begin_response(i);
      } else {
        if (c.phase == Phase::kWriting) counters.io_errors.fetch_add(1, std::memory_order_relaxed);
        close_connection(i);
      }
    }
  }

  void run() {
    std::array<epoll_event, 32> events{};
    while (!stopping.load(std::memory_order_acquire)) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), kTickMs);
      for (int i = 0; i < n; ++i) {
        const epoll_event& ev = events[static_cast<std::size_t>(i)];
        if (ev.data.u64 == kListenTag) {
          accept_all();
        } else if (ev.data.u64 == kWakeTag) {
          std::uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_fd, &count, sizeof count);
        } else {
          const std::size_t index = ev.data.u64;
          if (index >= slots.size() || slots[index].phase == Phase::kFree) continue;
          try {
            if (slots[index].phase == Phase::kWriting) {
              if ((ev.events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) write_some(index);
            } else {
              read_some(index);
            }
          } catch (...) {  // std::bad_alloc building a response: that connection only
            counters.internal_errors.fetch_add(1, std::memory_order_relaxed);
            if (slots[index].phase != Phase::kFree) close_connection(index);
          }
        }
      }
      try {
        check_deadlines(Clock::now());
      } catch (...) {
        counters.internal_errors.fetch_add(1, std::memory_order_relaxed);
      }
    }
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].phase != Phase::kFree) close_connection(i);
    }
  }
};

ControlServer::ControlServer(ControlServerConfig config, ControlHandlers handlers) {
  validate(config);
  impl_ = std::make_unique<Impl>(std::move(config), std::move(handlers));
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::start() {
  if (impl_->started) throw std::logic_error("control server: already started");
  impl_->open_listener();
  impl_->thread = std::thread([this] { impl_->run(); });
  impl_->started = true;
}

void ControlServer::stop() noexcept {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake_fd, &one, sizeof one);
  impl_->thread.join();
  impl_->close_descriptors();
  impl_->port = 0;
}

std::uint16_t ControlServer::port() const noexcept {
  return impl_->port;
}

std::string ControlServer::bound_address() const {
  return impl_->bound_address;
}

ControlStats ControlServer::stats() const noexcept {
  return impl_->counters.snapshot();
}

}  // namespace keel::gateway
