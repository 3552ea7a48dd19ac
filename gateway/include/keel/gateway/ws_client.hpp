// The feed client: Binance-style market-data WebSocket streams and REST requests on one
// libwebsockets context served by one thread of its own, the feed thread.
//
// Threads: start() creates the context and the feed thread. Every FeedHandler callback runs on the
// feed thread, one at a time; callbacks must be cheap (decode, push to a ring) and must not block.
// subscribe(), unsubscribe(), http_get() and request_reconnect() may be called from any thread,
// including from inside a callback; they queue the request and wake the feed thread.
// stats() may be called from any thread. stop() from any thread except the feed thread.
//
// Frames: text frames are handed to on_frame() as a view into libwebsockets' receive buffer when a
// message arrives in one piece, otherwise into one reassembly buffer per connection allocated by
// start() (max_frame_bytes): no allocation per frame. Replies to control messages are consumed by
// the client (on_control_reply) and never reach on_frame(). Binary frames are counted and dropped.
//
// Connections: the client keeps one connection open (two during a planned handover), reconnects
// with exponential, jittered backoff after any loss, and restores the subscription set on every new
// connection (combined mode: in the URL; raw mode: /ws/<first stream> then one SUBSCRIBE). The
// subscription set is the configured streams plus every SUBSCRIBE the venue confirmed, minus every
// confirmed UNSUBSCRIBE: a stream the venue refuses never enters it.
//
// libwebsockets never appears in this header.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/primitives/result.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::gateway {

using protocol::binance::Market;  // kSpot or kFutures

struct WsClientConfig {
  // ws://host[:port][/base] or wss://…; the stream path (/ws/… or /stream?streams=…) is appended to
  // the base path.
  std::string url;
  bool combined = true;  // /stream?streams=a/b (frames wrapped as {"stream":…,"data":…}) or /ws/a
  // Canonical stream names ("btcusdt@depth@100ms"), checked by start().
  std::vector<std::string> streams;
  int cpu = -1;  // pin the feed thread to this CPU (−1: not pinned; a failure warns once and runs unpinned)
  // Control messages: at most 5 per second spot, 10 futures (per connection).
  Market market = Market::kSpot;
  // http(s)://host[:port][/base] for REST; empty: the host and port of `url` with http / https.
  std::string rest_url;
  std::string ca_file;     // PEM CA bundle for wss / https; empty: the system's default bundle
  bool verify_tls = true;  // false accepts any certificate (tests against self-signed servers only)
  int stale_after_ms = 10'000;    // no data frame on an open connection for this long: reconnect
  int ping_interval_ms = 30'000;  // our pings; the venue's pings are answered by libwebsockets
  int backoff_initial_ms = 100;
  int backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 1;
  // After this long on one connection, open a second one with the same subscriptions and close the
  // first only once the second delivers data (Binance closes connections after 24 h).
  std::int64_t planned_reconnect_after_ms = 23LL * 3600 * 1000;
  // A larger message closes the connection (counted).
  std::size_t max_frame_bytes = std::size_t{1} << 20;
  // TCP + TLS + upgrade (or a REST response) must finish within this.
  int connect_timeout_ms = 5'000;
  int http_timeout_ms = 10'000;        // a REST request must be answered within this once sent
  int rest_weight_per_minute = 6'000;  // spot 6000, futures 2400: never exceeded in any 60-s window
};

// Counters since start(); read with WsClient::stats().
struct WsClientStats {
  std::uint64_t frames = 0;       // text messages delivered to on_frame()
  std::uint64_t bytes = 0;        // their bytes
  std::uint64_t connects = 0;     // upgrades completed
  std::uint64_t disconnects = 0;  // open connections lost or closed (handover closes included)
  // Attempts that never opened (refused, TLS, upgrade timeout, …).
  std::uint64_t connect_failures = 0;
  std::uint64_t reconnects = 0;          // connection attempts after the first
  std::uint64_t stale_reconnects = 0;    // closed by the stale-feed watchdog
  std::uint64_t planned_reconnects = 0;  // handovers completed (old connection closed)
  std::uint64_t oversize_frames = 0;     // messages over max_frame_bytes (connection closed)
  std::uint64_t binary_frames = 0;       // binary messages (dropped)
  std::uint64_t tls_failures = 0;        // TLS handshakes or certificate checks that failed
  std::uint64_t upgrade_timeouts = 0;    // attempts closed by connect_timeout_ms
  std::uint64_t control_sent = 0;        // SUBSCRIBE / UNSUBSCRIBE messages written
  std::uint64_t control_errors = 0;      // error replies (and unreadable replies)
  std::uint64_t pings_sent = 0;
  std::uint64_t http_requests = 0;  // REST requests sent
  std::uint64_t http_failures = 0;  // REST requests answered with status 0 (transport failure)
  std::uint64_t weight_waits = 0;   // REST requests that had to wait for the weight budget
};

// Receives everything the client reports, on the feed thread. The views passed in are valid only
// during the call.
class FeedHandler {
 public:
  virtual ~FeedHandler() = default;
  // One complete text message. receive_time_ns: CLOCK_REALTIME when its first bytes were read.
  virtual void on_frame(std::string_view text, std::int64_t receive_time_ns,
                        std::uint32_t connection_id) noexcept = 0;
  // A connection finished its upgrade (its subscriptions are in its URL or being sent).
  virtual void on_connected(std::uint32_t connection_id) noexcept { (void)connection_id; }
  // A connection (open or still opening) is gone; `reason` says why ("wss://host:port: …").
  virtual void on_disconnected(std::uint32_t connection_id, std::string_view reason) noexcept {
    (void)connection_id;
    (void)reason;
  }
  // The venue's answer to a request id from subscribe() / unsubscribe(), or to the client's own
  // re-subscription of a raw connection. id 0: an error reply without an id.
  virtual void on_control_reply(std::uint64_t id, bool ok, std::string_view error) noexcept {
    (void)id;
    (void)ok;
    (void)error;
  }
  // The answer to http_get(). status 0 = transport failure (body says why); else the HTTP status.
  virtual void on_http_response(std::uint64_t request_id, int status,
                                std::string_view body) noexcept {
    (void)request_id;
    (void)status;
    (void)body;
  }
  // About every 10 ms (CLOCK_REALTIME ns), for the consumer's own timers.
  virtual void on_tick(std::int64_t now_ns) noexcept { (void)now_ns; }
};

class WsClient {
 public:
  // `handler` must outlive the client. Nothing is opened until start().
  WsClient(WsClientConfig config, FeedHandler& handler);
  ~WsClient();  // stop()
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Checks the configuration, creates the context (TLS included) and starts the feed thread, which
  // connects at once. kInvalidArgument for a bad configuration and kIo when libwebsockets refuses
  // to create the context (a CA file it cannot load, …), with error() naming the cause; kOk on
  // success. Call at most once. Allocates (the buffers the feed thread reuses).
  [[nodiscard]] Errc start();
  // Why start() failed ("url: bad URL `…`"); empty after a successful start().
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // Closes every connection and joins the feed thread, in at most about 2 s. Idempotent. Requests
  // still queued are dropped without a callback. Returns false when the thread did not stop in
  // time and was abandoned (still running, with everything it uses): the handler must then not be
  // destroyed or read — a caller in that state should end the process.
  bool stop();

  // Adds streams to the subscription set through a SUBSCRIBE on the current connection, paced by
  // the market's message rate; returns the request id (increasing, never 0). A request not answered
  // when the connection drops is sent again on the next one. 0 when the client is not running.
  std::uint64_t subscribe(std::span<const std::string> streams);
  std::uint64_t unsubscribe(std::span<const std::string> streams);
  // Queues GET <rest base><path_and_query> ("/api/v3/depth?symbol=BTCUSDT&limit=1000") of the given
  // weight; sent when the weight budget allows; answered by on_http_response(). A weight above the
  // whole budget is answered with status 0. Returns the request id (never 0); 0 when not running.
  std::uint64_t http_get(std::string path_and_query, int weight);
  // Drops the current connection; the client reconnects after the backoff delay.
  void request_reconnect();

  [[nodiscard]] WsClientStats stats() const noexcept;

  struct Impl;  // public only so that the libwebsockets callback can name it

 private:
  std::uint64_t control(int method, std::span<const std::string> streams);

  WsClientConfig config_;
  FeedHandler& handler_;
  std::string error_;
  std::unique_ptr<Impl> impl_;
  bool abandoned_ = false;
};

}  // namespace keel::gateway
