// The Binance adapter: frames in, core events out. One MarketDataFeed decodes every frame of one
// market's connections (simdjson on-demand, decimals straight to fixed point), keeps each symbol's
// book in sync (core's BookSync: snapshot + diffs, continuity on every diff) and turns what it
// accepted into fixed-size core events for an EventSink (the SPSC ring to the core):
//
//   trade, aggTrade        → Trade     (seq = trade / aggregate id, aggressor from "m")
//   bookTicker             → BookTop   (seq = u)
//   kline, closed ("x")    → Bar       (ts_exchange = open time, detail = interval); open klines are counted only
//   depthUpdate            → BookLevel per applied level (book_replica.hpp has the contract),
//                            Control kBookState kStale on a gap, a snapshot batch + kLive on a (re)sync
//   markPriceUpdate        → ExternalFactor kFunding (value = "r" as a double, seq = E in ms), one per
//                            event time (@markPrice and @markPrice@1s overlap); "r":"" (a delivery
//                            contract) is counted as decoded and produces nothing
//   depth<N> (partial)     → a snapshot batch + kLive, for a symbol that has no diff stream;
//   {"lastUpdateId",…}       for a symbol whose diff-kept book waits for a snapshot, the same object
//                            (a REST snapshot recorded in a capture) seeds it by Binance's rules
//
// Every event carries ts_exchange (the frame's E, else T, else 0 — spot bookTicker has no time) and
// ts_local (the receive time). Malformed frames, unknown kinds and unknown symbols are counted per
// kind (FrameStats) and logged once with a sample; nothing malformed reaches the sink. Frames from
// overlapping connections (a planned reconnect) are deduplicated per symbol and kind by their ids:
// trades by id, bookTicker by u, klines by event time per interval, depth by BookSync's own "older than
// the book"; the filters forget everything when the connection is lost.
//
// Events of one frame are published together or not at all; when the sink is full the frame's
// events are dropped and counted, and a depth book that lost an update is invalidated (stale, resync)
// so the core never holds a book that silently missed a diff: if the core holds that book as live it
// is owed a kStale, and nothing else is published before every owed kStale has gone out.
//
// Single-threaded: the feed thread (or keel feed's loop). The constructor allocates every buffer;
// on_frame allocates nothing (except learning a new symbol and the first log line of a kind).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/book/book_replica.hpp"
#include "keel/core/book/book_sync.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/gateway/binance/frame_stats.hpp"
#include "keel/protocol/binance/decode.hpp"

namespace keel::gateway::binance {

// Where a feed's events go: publish all of `events` or none (false when there is no room).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool publish(std::span<const Event> events) noexcept = 0;
};

// Optional observer of what the feed does (record / feed tools, the feed thread's REST logic).
class FeedListener {
 public:
  virtual ~FeedListener() = default;
  // After every depth update applied to a book (a diff, or a snapshot sync with its buffered diffs).
  virtual void on_book_applied(std::size_t /*symbol*/, const book::L2Book& /*book*/, std::uint64_t /*u*/) {}
  // The symbol's book needs a REST snapshot (first diff seen, a gap, a refused snapshot).
  virtual void on_snapshot_needed(std::size_t /*symbol*/) {}
  // One line for the log (a first malformed frame of a kind, …).
  virtual void on_log(std::string_view /*line*/) {}
};

struct MarketDataFeedConfig {
  book::DepthVenue market = book::DepthVenue::kSpot;
  std::vector<std::string> symbols;  // upper case; symbol i is instrument i
  bool learn_symbols = false;        // symbols first seen in frames are added (up to max_symbols)
  std::size_t max_symbols = 256;
  bool diff_only = false;            // no snapshot will come: books start from the first diff…
  std::vector<std::string> snapshot_symbols;  // …except these, which wait for one (keel feed)
  std::size_t book_levels = 1000;    // per side: the feed's books and the core's replicas alike
  std::size_t buffer_diffs = 1024;   // diffs kept per symbol while waiting for a snapshot
  std::size_t max_frame_bytes = bn::Decoder::kDefaultMaxFrameBytes;
  std::size_t max_frame_levels = bn::Decoder::kDefaultMaxLevels;  // per side of one depth message
  bn::FrameKinds kinds = bn::kAllFrameKinds;  // others are counted as not wanted
};

class MarketDataFeed {
 public:
  // Throws std::invalid_argument for a bad symbol or too many, std::bad_alloc.
  MarketDataFeed(const MarketDataFeedConfig& config, EventSink& sink, FeedListener* listener = nullptr);
  ~MarketDataFeed();
  MarketDataFeed(const MarketDataFeed&) = delete;
  MarketDataFeed& operator=(const MarketDataFeed&) = delete;

  // One received WebSocket text frame (raw or combined).
  void on_frame(std::string_view frame, std::int64_t receive_time_ns) noexcept;
  // A REST depth snapshot's body for `symbol` (GET /api/v3/depth or /fapi/v1/depth), or a capture
  // line's {"lastUpdateId",…} frame. Returns the decoder's verdict; on kNone `outcome` says whether
  // the book synced (kTooOld / kGap: ask again later — on_snapshot_needed is called). A snapshot for
  // a book that is not waiting for one (a late answer) is ignored: outcome kSynced, nothing changes.
  bn::DecodeError on_snapshot(std::size_t symbol, std::string_view body, std::int64_t receive_time_ns,
                              book::SnapshotOutcome& outcome) noexcept;
  // Every book missed updates (the connection dropped): all go stale and need a snapshot, and the
  // duplicate filters forget what they saw (a new connection starts new streams).
  void on_connection_lost(std::int64_t now_ns) noexcept;

  [[nodiscard]] std::size_t symbol_count() const noexcept;
  [[nodiscard]] std::string_view symbol(std::size_t i) const noexcept;
  // Index of `symbol` (upper case), or symbol_count() when unknown.
  [[nodiscard]] std::size_t find_symbol(std::string_view symbol) const noexcept;
  [[nodiscard]] const book::BookSync& book_sync(std::size_t i) const noexcept;
  [[nodiscard]] bool synced(std::size_t i) const noexcept;
  [[nodiscard]] bool needs_snapshot(std::size_t i) const noexcept;
  [[nodiscard]] const FrameStats& stats() const noexcept;
  // Totals over the books.
  [[nodiscard]] book::SyncCounters book_totals() const noexcept;
  [[nodiscard]] std::uint32_t stale_books() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::gateway::binance
