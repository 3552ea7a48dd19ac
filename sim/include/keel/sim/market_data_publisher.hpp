// Turns the matching engine's public events (PublicTrade, BookLevelChange) into Binance market-data
// messages (VENUE.md "Market data") and keeps the published book that the REST depth snapshot serves.
//
// What it publishes, per symbol (stream names as protocol::binance::append_stream_name writes them):
//  * <sym>@trade       one per fill, at once;
//  * <sym>@aggTrade    fills of one taker order at one price, aggregated; emitted when the taker moves
//                      to another price or the request ends (end_of_request);
//  * <sym>@bookTicker  at the end of a request whose best bid or ask (price or quantity) changed;
//  * <sym>@depth@100ms every flush (the venue calls flush() every 100 ms of venue time) that saw book
//                      changes: each changed level once with its final quantity (0 = removed), bids
//                      best first, ids from protocol::binance::DepthStreamState (one id per level carried);
//  * <sym>@depth<5|10|20>@100ms  at the same flushes: the top of the published book;
//  * <sym>@kline_1m    at a flush after a trade (the open kline) and once closed (x=true) at the
//                      first flush at or after its close time; a minute without trades gets no kline.
//                      Its volumes saturate at 2^63 − 1 raw instead of wrapping (fixed_point.hpp).
//  * <sym>@markPrice@1s (futures only) at every whole second of venue time (publish_marks), and
//    <sym>@markPrice at every third (Unix time a multiple of 3 s): mark = the mid of the engine's book
//    (half-to-even at 10^-8), the last trade's price when only one side is quoted, nothing when the
//    book is empty or one-sided without a trade yet; index = estimated settle = mark; "r" = the
//    symbol's funding rate (set_funding_rate; 0 until set); "T" = the next 8-hour boundary (00:00,
//    08:00, 16:00 UTC) after the event time.
// Event times ("E", "T") are venue time in milliseconds.
//
// The published book is the book as of the last diff: the REST snapshot (snapshot()) is taken from
// it under a lock, so its lastUpdateId is always the u of the last diff published, and a snapshot
// plus the diffs after it rebuilds the engine's book exactly (a client following Binance's
// procedure). snapshot() may be called from any thread; everything else from the thread that owns
// the engine (the venue holds its engine lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/protocol/binance/depth_ids.hpp"
#include "keel/protocol/binance/messages.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "keel/protocol/binance/symbol_format.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim {

// Where the publisher's messages go (the venue's outbox). `stream` is canonical, `payload` one
// stream payload object; both valid only during the call.
class MarketDataSink {
 public:
  virtual ~MarketDataSink() = default;
  virtual void emit(std::string_view stream, std::string_view payload) = 0;
};

class MarketDataPublisher {
 public:
  static constexpr std::int64_t kDepthIntervalNs = 100'000'000;  // depth@100ms
  static constexpr std::int64_t kKlineIntervalMs = 60'000;        // kline_1m
  static constexpr std::int64_t kMarkIntervalNs = 1'000'000'000;  // markPrice@1s (markPrice: ×3)
  static constexpr std::int64_t kFundingIntervalMs = 8 * 3'600'000;  // funding every 8 hours

  // Throws std::invalid_argument for a symbol the wire format cannot carry (protocol::binance::symbol_format_for).
  MarketDataPublisher(protocol::binance::Market market, std::span<const VenueSymbol> symbols, MarketDataSink& sink);
  ~MarketDataPublisher();
  MarketDataPublisher(const MarketDataPublisher&) = delete;
  MarketDataPublisher& operator=(const MarketDataPublisher&) = delete;

  // From the engine's listener, in the engine's order.
  void on_public_trade(const PublicTrade& trade);
  void on_book_level(const BookLevelChange& change);
  // After each engine request (order, cancel, replace): pending aggTrades and changed bookTickers.
  void end_of_request(const MatchingEngine& engine, std::int64_t ts);
  // Every 100 ms of venue time: depth diffs, partial books, klines. `ts` = the flush time (ns).
  void flush(std::int64_t ts);
  // The funding rate the symbol's markPrice streams carry (futures).
  void set_funding_rate(InstrumentId instrument, protocol::binance::FundingRate rate) noexcept;
  // The mark-price cut at venue time `ts` (a whole second; see above). Spot: nothing.
  void publish_marks(const MatchingEngine& engine, std::int64_t ts);
  // True when a flush would publish something (book changes or a trade since the last kline).
  [[nodiscard]] bool has_pending() const noexcept;

  // The REST snapshot of `symbol` (upper case) with at most `limit` levels per side; false for a
  // symbol the venue does not list. Thread-safe.
  bool snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) const;
  // The published book of one instrument, best first (for tests and tools). Thread-safe.
  [[nodiscard]] std::vector<protocol::binance::Level> published_levels(InstrumentId instrument, Side side) const;

 private:
  struct SymbolState;
  void emit_agg_trade(SymbolState& s);
  void emit_kline(SymbolState& s, std::int64_t event_ms, bool closed);
  [[nodiscard]] static bool mark_of(const SymbolState& s, const OrderBook& book, Price& mark) noexcept;

  protocol::binance::Market market_;
  MarketDataSink& sink_;
  std::vector<std::unique_ptr<SymbolState>> states_;
  mutable std::mutex published_mutex_;  // every SymbolState's published book and depth ids
  std::string scratch_;
  std::vector<protocol::binance::Level> bid_scratch_;
  std::vector<protocol::binance::Level> ask_scratch_;
};

}  // namespace keel::sim
