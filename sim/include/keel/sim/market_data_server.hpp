// The simulator's market-data endpoint (VENUE.md "Endpoints" and "Market data"): one TCP port that
// serves Binance-style WebSocket streams (/ws/<stream>[/<stream>…] raw, /stream?streams=a/b/c
// combined) with SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS control messages, the REST depth
// snapshot (GET /api/v3/depth in spot mode, /fapi/v1/depth in futures mode) and the REST exchange
// information (GET /api/v3/exchangeInfo, /fapi/v1/exchangeInfo).
//
// Threads: start() binds the listening socket itself (exactly bind_address) and starts two threads:
// an acceptor, which accepts, refuses connections beyond max_connections and backs off when the
// process runs out of descriptors, and the libwebsockets service thread, which adopts the accepted
// sockets; every connection, callback and the DepthSnapshotProvider run on the service thread.
// publish() is called from one producer thread and hands messages over through a bounded queue and
// lws_cancel_service(). stop() (or the destructor) wakes both threads, closes every connection and
// returns within stop_timeout_ms whatever the clients do.
//
// start() sets libwebsockets' process-wide log level to errors only.
// libwebsockets never appears in this header.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "keel/core/primitives/result.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::sim {

// Answers the REST requests: the depth snapshot and the exchange information. Called on the
// server's service thread only.
class DepthSnapshotProvider {
 public:
  virtual ~DepthSnapshotProvider() = default;
  // Appends the snapshot JSON of `symbol` (upper case as the client sent it, e.g. "BTCUSDT") with at
  // most `limit` levels per side to `out` and returns true; returns false (leaving `out` as it was)
  // for a symbol the venue does not list.
  virtual bool depth_snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) = 0;
  // Appends the exchangeInfo response (protocol::binance::encode_exchange_info) to `out` and
  // returns true: every listed symbol when `symbol` is empty, else only that one. Returns false
  // (leaving `out` as it was) for a symbol the venue does not list; with an empty `symbol`, false
  // means this provider serves no exchange information (the default), answered 404.
  virtual bool exchange_info([[maybe_unused]] std::string_view symbol, [[maybe_unused]] std::string& out) {
    return false;
  }
};

struct MarketDataServerConfig {
  protocol::binance::Market market = protocol::binance::Market::kSpot;  // kSpot or kFutures
  // A numeric IPv4 or IPv6 address ("127.0.0.1", "::1"; "0.0.0.0" = every IPv4 interface, "::" = every IPv6 one, IPv6 only). Host
  // names are refused (kInvalidArgument).
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port (see MarketDataServer::port())
  // Both set ⇒ wss:// and https:// on the same port; both empty ⇒ plain ws/http.
  std::string tls_cert_path;
  std::string tls_key_path;
  // Messages published but not yet taken by the service thread; publish() refuses beyond this.
  std::size_t publish_queue_capacity = 65536;
  // Frames waiting for one connection; a connection that would exceed this is disconnected.
  std::size_t connection_queue_capacity = 65536;
  // Bytes of frames (headers included) waiting for one connection; a connection that would exceed
  // this is closed like a slow client (slow_disconnects), whatever its frame count.
  std::size_t connection_queue_bytes = 8 * 1024 * 1024;
  // WebSocket ping period and the silence (no pong) after which a connection is closed.
  std::uint32_t ping_interval_ms = 180'000;
  std::uint32_t pong_timeout_ms = 600'000;
  // Open TCP connections (HTTP and WebSocket, TLS or not); one more is accepted and closed at once.
  std::size_t max_connections = 512;
  // stop() waits this long for the service thread; past it the thread and its context are abandoned
  // (leaked, logged) so that shutdown never hangs.
  std::uint32_t stop_timeout_ms = 5'000;
};

struct MarketDataServerStats {
  std::uint64_t published = 0;        // accepted by publish()
  std::uint64_t publish_refused = 0;  // publish() returned false (queue full or not running)
  std::uint64_t slow_disconnects = 0;  // connections closed because their queue was full (frames or bytes)
  std::uint64_t pong_timeouts = 0;     // connections closed for not answering pings
  std::uint64_t connections = 0;       // WebSocket connections currently open
  std::uint64_t open_sockets = 0;      // TCP connections currently open (HTTP and WebSocket)
  std::uint64_t refused_connections = 0;  // closed at once: max_connections reached (or lws refused it)
  std::uint64_t accept_errors = 0;     // accept() failures for lack of descriptors or memory
  std::uint64_t rejected_upgrades = 0;  // WebSocket handshakes refused (bad path or stream name)
  std::uint64_t http_errors = 0;        // REST requests answered 4xx
  std::uint64_t oversized_messages = 0;  // control messages over 64 KiB (answered with an error)
  std::uint64_t control_errors = 0;      // control messages answered with an error (oversized included)
  std::uint64_t internal_errors = 0;    // connections closed because handling them threw
};

class MarketDataServer {
 public:
  // `provider` must outlive the server. Nothing is opened until start().
  MarketDataServer(MarketDataServerConfig config, DepthSnapshotProvider& provider);
  ~MarketDataServer();  // stop()
  MarketDataServer(const MarketDataServer&) = delete;
  MarketDataServer& operator=(const MarketDataServer&) = delete;

  // Binds and listens, then starts the threads. kInvalidArgument for a bad configuration (market
  // kNone, only one of cert/key, a bind_address that is not a numeric address, zero capacities or byte budget),
  // kIo when the address cannot be bound; Errc::kOk on success.
  // Call at most once.
  [[nodiscard]] Errc start();
  // Closes every connection and stops the threads, in at most about stop_timeout_ms. Idempotent;
  // not from a callback.
  void stop();

  // The port and numeric address actually bound (meaningful after a successful start()).
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] const std::string& bound_address() const noexcept { return bound_address_; }
  [[nodiscard]] bool tls() const noexcept;

  // Delivers `payload_json` (one stream payload object) to every connection subscribed to
  // `stream_name`, which must be canonical (as protocol::binance::append_stream_name writes it): raw
  // connections get the payload, combined ones {"stream":…,"data":…}. From one producer thread at a
  // time. Returns false (and counts it) when the hand-off queue is full or the server is not running;
  // never blocks on the network.
  bool publish(std::string_view stream_name, std::string_view payload_json);

  // A snapshot of the counters; from any thread.
  [[nodiscard]] MarketDataServerStats stats() const noexcept;

  struct Impl;  // public only so the libwebsockets callback can name it

 private:
  MarketDataServerConfig config_;
  DepthSnapshotProvider& provider_;
  std::uint16_t port_ = 0;
  std::string bound_address_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::sim
