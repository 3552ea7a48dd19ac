// One market's live market data: the feed client (ws_client.hpp) and the Binance adapter
// (market_data_feed.hpp) on the feed thread, feeding an EventSink (the SPSC ring to the core).
//
// What it adds to the two:
//   * REST depth snapshots: a book that needs one (its first diff, a gap, a lost connection, a
//     snapshot that did not connect) gets GET /api/v3/depth (spot) or /fapi/v1/depth (futures) with
//     `snapshot_limit`, charged at Binance's weight; one request per symbol in flight; a failed or
//     refused one is asked again after `snapshot_retry_ms`.
//   * exchangeInfo once at start, for tick and lot sizes (rules()).
//   * Connection loss: when no connection is left open every book goes stale at once (it is missing
//     diffs) and resyncs once data flows again.
//   * Planned handover (two connections at once): only the primary (older) connection's frames go
//     to the feed as they come; the new one's wait, in order, in a bounded buffer, and go to the feed
//     when the primary closes — old then new, never interleaved (which could show the sync a diff
//     before the one it links to), the overlap dropped by the feed as duplicates.
//   * Health: a FeedHealth event every `health_interval_ms` and on every connect and disconnect.
//   * Counters readable from any thread (SessionCounters) for a status line.
//
// Threads: start() / stop() from the owner's thread; everything else runs on the feed thread. The
// feed (and its books) may be read by the owner only after stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/primitives/result.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"
#include "keel/gateway/ws_client.hpp"
#include "keel/protocol/binance/exchange_info.hpp"

namespace keel::gateway::binance {

// Sees every raw frame and REST snapshot body (keel record's capture.txt). Feed thread.
class RawFrameObserver {
 public:
  virtual ~RawFrameObserver() = default;
  virtual void on_raw_frame(std::string_view frame, std::int64_t receive_time_ns) = 0;
  // A REST depth snapshot for `symbol` (upper case) as received.
  virtual void on_snapshot_body(std::string_view symbol, std::string_view body, std::int64_t receive_time_ns) = 0;
};

struct MarketDataSessionConfig {
  WsClientConfig client;        // url, streams, market, TLS, timers
  MarketDataFeedConfig feed;    // symbols, depth rules, book levels
  std::uint32_t snapshot_limit = 1000;
  int snapshot_retry_ms = 1000;
  int health_interval_ms = 1000;
  bool fetch_exchange_info = true;
  std::uint8_t connection_id = 0;  // FeedHealth's subtype
  std::size_t handover_buffer_bytes = 8u << 20;  // a new connection's frames waiting for the handover
};

// Counters for a status line (relaxed atomics; any thread).
struct SessionCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> resyncs{0};
  std::atomic<std::uint64_t> snapshots_requested{0};
  std::atomic<std::uint64_t> snapshots_failed{0};
  std::atomic<std::uint64_t> handover_dropped{0};  // a new connection's frames beyond the handover buffer
  std::atomic<std::uint32_t> open_connections{0};
  std::atomic<std::uint32_t> stale_books{0};
  std::atomic<std::uint32_t> synced_books{0};
  std::atomic<bool> exchange_info_ok{false};
};

class MarketDataSession final : public FeedHandler, private FeedListener {
 public:
  // `sink`, `listener` (may be null: books lines, logs) and `raw` (may be null) must outlive the
  // session. Throws std::invalid_argument for a bad feed configuration.
  MarketDataSession(MarketDataSessionConfig config, EventSink& sink, FeedListener* listener = nullptr,
                    RawFrameObserver* raw = nullptr);
  ~MarketDataSession() override;
  MarketDataSession(const MarketDataSession&) = delete;
  MarketDataSession& operator=(const MarketDataSession&) = delete;

  // Starts the client (and the feed thread). kInvalidArgument / kIo with error() naming the cause.
  [[nodiscard]] Errc start();
  [[nodiscard]] const std::string& error() const noexcept { return client_.error(); }
  // False when the feed thread had to be abandoned (ws_client.hpp): the feed must not be read and
  // the session not destroyed; end the process.
  bool stop();
  void request_reconnect() { client_.request_reconnect(); }

  [[nodiscard]] const SessionCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] WsClientStats client_stats() const noexcept { return client_.stats(); }
  // After stop() only.
  [[nodiscard]] const MarketDataFeed& feed() const noexcept { return feed_; }
  // exchangeInfo's rules for the feed's symbols (after stop(); empty when it was not fetched).
  [[nodiscard]] const std::vector<protocol::binance::SymbolRules>& rules() const noexcept { return rules_; }

  // FeedHandler (feed thread)
  void on_frame(std::string_view text, std::int64_t receive_time_ns, std::uint32_t connection_id) noexcept override;
  void on_connected(std::uint32_t connection_id) noexcept override;
  void on_disconnected(std::uint32_t connection_id, std::string_view reason) noexcept override;
  void on_control_reply(std::uint64_t id, bool ok, std::string_view error) noexcept override;
  void on_http_response(std::uint64_t request_id, int status, std::string_view body) noexcept override;
  void on_tick(std::int64_t now_ns) noexcept override;

 private:
  // FeedListener (the feed's own callbacks, feed thread)
  void on_book_applied(std::size_t symbol, const book::L2Book& book, std::uint64_t u) override;
  void on_snapshot_needed(std::size_t symbol) override;
  void on_log(std::string_view line) override;

  void process(std::string_view text, std::int64_t receive_time_ns) noexcept;
  void promote(std::uint32_t next) noexcept;
  void publish_health(std::int64_t now_ns, bool up) noexcept;
  void update_counters() noexcept;
  void log(std::string_view line) noexcept;

  struct SnapshotState {
    bool wanted = false;
    std::uint64_t request = 0;    // in flight (0 = none)
    std::int64_t not_before = 0;  // ns
  };

  MarketDataSessionConfig config_;
  EventSink& sink_;
  FeedListener* listener_;
  RawFrameObserver* raw_;
  MarketDataFeed feed_;
  WsClient client_;
  std::vector<SnapshotState> snapshots_;
  std::vector<std::uint32_t> open_;  // open connection ids, oldest first
  std::uint32_t primary_ = 0;        // the connection whose frames go to the feed (0 = none yet)
  struct HandoverFrame {
    std::size_t offset, length;
    std::int64_t receive_time_ns;
  };
  std::vector<char> handover_bytes_;  // capacity reserved: never grows
  std::vector<HandoverFrame> handover_frames_;
  bool handover_overflow_ = false;
  std::uint64_t exchange_info_request_ = 0;
  bool exchange_info_asked_ = false;
  std::vector<protocol::binance::SymbolRules> rules_;
  std::int64_t last_message_ns_ = 0;
  std::int64_t next_health_ns_ = 0;
  std::uint64_t period_frames_ = 0;
  std::int64_t period_start_ns_ = 0;
  std::uint32_t last_rate_ = 0;
  std::string scratch_;
  SessionCounters counters_;
};

}  // namespace keel::gateway::binance
