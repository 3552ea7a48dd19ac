// What the control endpoint answers, without the sockets: the bytes one connection has received in,
// a complete HTTP response out (ControlServer does the I/O; the fuzz target drives this directly).
//
//   GET  /metrics  200 text/plain; version=0.0.4 — the body from handlers.metrics
//   GET  /status   200 application/json — the body from handlers.status
//   POST /control  needs "Authorization: Bearer <token>" (compared in constant time):
//                  no token configured 403 "control disabled: no token configured";
//                  no or wrong credentials 401 (one body for both, WWW-Authenticate: Bearer);
//                  no Content-Length 411; a body over kMaxControlBodyBytes 413;
//                  a body decode_control_request refuses 400 with its message;
//                  handlers.deliver false 503 "core input full, retry";
//                  delivered 200 {"ok":true,"seq":n}.
//   other paths 404; another method on a known path 405 (with Allow); a malformed head 400, too
//   large 413, another HTTP version 505; a handler that throws 500.
//
// Every response carries "Connection: close" (one request per connection) and "Cache-Control:
// no-store"; error bodies are {"ok":false,"error":"…"} in JSON. Neither the token nor the
// Authorization field is ever written into a response or a log line.
//
// Control sequence numbers: the first delivered control is seq 1, each delivered one the next; a
// refused delivery (503) does not use up its number, so the core sees 1, 2, 3, … without holes.
// The number is written into the event's seq (Control::seq, ExternalFactor::seq).
//
// Not thread-safe: one router per server thread. The handlers run on the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "keel/core/primitives/events.hpp"
#include "keel/gateway/control/control_request.hpp"
#include "keel/gateway/control/secret.hpp"

namespace keel::gateway {

// The runtime's side of the endpoint. Every handler runs on the server's thread, one call at a
// time; a handler that throws is answered 500 and counted (internal_errors).
struct ControlHandlers {
  std::function<void(std::string& body)> metrics;  // append the Prometheus text (empty handler: empty body)
  std::function<void(std::string& body)> status;   // append one JSON document (empty handler: "{}")
  std::function<bool(const Event& event)> deliver; // hand to the core; false = its input is full
  SymbolResolver resolve_symbol;                   // a factor's symbol → instrument
  std::function<void(std::string_view line)> log;  // one line per /control outcome; may be empty
};

// A copy of ControlCounters at one moment.
struct ControlStats {
  std::uint64_t accepted = 0, refused_connections = 0, requests = 0, metrics = 0, status = 0,
                controls_delivered = 0, unauthorized = 0, control_disabled = 0, bad_requests = 0, not_found = 0,
                method_not_allowed = 0, length_required = 0, too_large = 0, timeouts = 0, core_full = 0,
                internal_errors = 0, io_errors = 0;
  // Every refusal: 4xx, 5xx and connections over the cap.
  [[nodiscard]] std::uint64_t refusals() const noexcept {
    return refused_connections + unauthorized + control_disabled + bad_requests + not_found + method_not_allowed +
           length_required + too_large + timeouts + core_full + internal_errors;
  }
};

// Totals since the server started; written by the server thread, readable from any thread.
struct ControlCounters {
  std::atomic<std::uint64_t> accepted{0};             // connections taken
  std::atomic<std::uint64_t> refused_connections{0};  // over max_connections: closed at once
  std::atomic<std::uint64_t> requests{0};             // complete requests answered (any status)
  std::atomic<std::uint64_t> metrics{0};              // 200 on /metrics
  std::atomic<std::uint64_t> status{0};               // 200 on /status
  std::atomic<std::uint64_t> controls_delivered{0};   // 200 on /control
  std::atomic<std::uint64_t> unauthorized{0};         // 401
  std::atomic<std::uint64_t> control_disabled{0};     // 403
  std::atomic<std::uint64_t> bad_requests{0};         // 400 (head or body) and 505
  std::atomic<std::uint64_t> not_found{0};            // 404
  std::atomic<std::uint64_t> method_not_allowed{0};   // 405
  std::atomic<std::uint64_t> length_required{0};      // 411
  std::atomic<std::uint64_t> too_large{0};            // 413
  std::atomic<std::uint64_t> timeouts{0};             // 408: no complete request within read_timeout
  std::atomic<std::uint64_t> core_full{0};            // 503
  std::atomic<std::uint64_t> internal_errors{0};      // 500
  std::atomic<std::uint64_t> io_errors{0};            // a connection reset or a response not taken in time

  [[nodiscard]] ControlStats snapshot() const noexcept;  // relaxed loads, one by one
};

class ControlRouter {
 public:
  // `token` empty = control disabled (403). `counters` must outlive the router.
  ControlRouter(Secret token, std::size_t max_request_bytes, ControlHandlers handlers, ControlCounters& counters);

  enum class Step : std::uint8_t { kNeedMore = 0, kRespond = 1 };

  // `received` = every byte the connection sent so far (at most max_request_bytes are looked at).
  // kRespond: `response` (cleared first) holds the whole HTTP response; the connection then closes.
  // kNeedMore: `ready_at` (when given) is the size `received` must reach before another call can
  // answer — the end of the body once the head is complete — or 0 while the head is incomplete (a
  // call can answer once a line end or the limit arrives). Calls in between are harmless but parse
  // the head again.
  Step on_bytes(std::string_view received, std::string& response, std::size_t* ready_at = nullptr);
  // The 408 answer for a connection whose request did not complete in time (counted).
  void timeout_response(std::string& response);

  // The seq the next delivered control will get.
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }

 private:
  Step route(std::string_view received, std::string& response, std::size_t& ready_at);
  void control(std::string_view body, std::string& response);
  void log(std::string_view line) const;

  Secret token_;
  std::size_t max_request_bytes_;
  ControlHandlers handlers_;
  ControlCounters& counters_;
  std::uint64_t next_seq_ = 1;
  std::string body_;  // reused for the metrics and status bodies
};

}  // namespace keel::gateway
