// The control and metrics endpoint of keel paper / live: a small HTTP/1.1 server on its own thread
// (POSIX sockets + epoll, non-blocking), answering as ControlRouter says (routes, statuses and the
// token rules are documented there). docs/SECURITY.md "The control endpoint of keel paper / live".
//
// Threads: start(), stop(), port(), bound_address() and stats() are called from the owner's thread
// (stats() from any thread). Every handler in ControlHandlers runs on the server's own thread, one
// call at a time — the deliver handler is the producer side of the core's control ring.
//
// Bounded: at most max_connections at once (one more is accepted and closed at once, counted);
// at most max_request_bytes read per connection; a request not complete within read_timeout is
// answered 408 and closed; a response the client does not take within read_timeout is dropped. One
// request per connection. After a response the server reads and discards what the client still
// sends (at most 64 KiB, at most 1 s) before closing, so the response is not lost to a reset.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "keel/gateway/control/control_router.hpp"
#include "keel/gateway/control/secret.hpp"

namespace keel::gateway {

struct ControlServerConfig {
  std::string bind_address = "127.0.0.1";  // a numeric IPv4 or IPv6 address, bound exactly
  std::uint16_t port = 0;                  // 0 = any free port (port() reports it)
  Secret bearer_token;                     // empty = POST /control answers 403
  std::size_t max_connections = 16;        // 1 … 1024
  std::size_t max_request_bytes = 16 * 1024;  // head + body; 1 KiB … 1 MiB
  std::chrono::milliseconds read_timeout{5000};  // > 0
};

class ControlServer {
 public:
  // Throws std::invalid_argument for a config outside the ranges above (a host name as the
  // address included). Binds nothing yet.
  ControlServer(ControlServerConfig config, ControlHandlers handlers);
  ~ControlServer();  // stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds, listens and starts the thread. Throws std::runtime_error when the address cannot be
  // bound (the message names it and the OS's reason), std::logic_error when already started.
  void start();
  // Closes every connection and joins the thread; returns within about 100 ms plus the time of a
  // handler call in progress. Idempotent; the server cannot be started again. Not from a handler
  // (the server thread cannot join itself).
  void stop() noexcept;

  [[nodiscard]] std::uint16_t port() const noexcept;  // 0 before start() and after stop()
  [[nodiscard]] std::string bound_address() const;    // as bound, e.g. "127.0.0.1"
  [[nodiscard]] ControlStats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::gateway
