// Binance market-data wire formats for the simulator (VENUE.md "Market data"): stream payload
// encoders, the depth-diff update-id bookkeeping, a client-side book synchroniser, stream-name and
// control-message (SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS) parsing and their replies.
//
// Encoders append to a caller-provided std::string; once its capacity has grown to the largest
// message they never allocate. Field order and number formatting follow the real captures in
// ../shared/data/binance-ws byte for byte: prices and quantities are quoted decimal strings with a
// per-symbol number of decimals (SymbolFormat), integers and booleans are bare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel::sim::binance {

enum class Market : std::uint8_t { kNone = 0, kSpot = 1, kFutures = 2 };

// How one symbol is written on the wire. Spot writes every price and quantity with 8 decimals;
// futures uses the instrument's tick and lot precision and writes quote volumes with the price
// precision (as the captures do).
struct SymbolFormat {
  static constexpr std::size_t kMaxSymbol = 23;
  char symbol[kMaxSymbol + 1] = {};  // upper case, NUL-terminated ("BTCUSDT")
  std::uint8_t symbol_len = 0;
  std::int8_t price_decimals = kDecimals;
  std::int8_t qty_decimals = kDecimals;
  std::int8_t quote_decimals = kDecimals;  // kline "q" / "Q"

  [[nodiscard]] std::string_view name() const noexcept { return {symbol, symbol_len}; }
};

// The wire format of `symbol` with explicit decimals (each clamped to 0..8). kInvalidArgument for an
// empty symbol or one longer than kMaxSymbol. Never allocates.
[[nodiscard]] Result<SymbolFormat> make_symbol_format(std::string_view symbol, int price_decimals,
                                                      int qty_decimals, int quote_decimals) noexcept;
// The market's convention for an instrument (see SymbolFormat). Same errors as above.
[[nodiscard]] Result<SymbolFormat> symbol_format_for(const Instrument& instrument, Market market) noexcept;

struct Level {
  Price price;
  Qty qty;  // absolute; zero removes the level
};

// ---- Stream payloads (the "data" object). Times are Unix milliseconds. ----

struct TradeMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  std::uint64_t trade_id = 0;
  Price price;
  Qty qty;
  bool buyer_is_maker = false;
};

struct AggTradeMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  std::uint64_t agg_id = 0;
  std::uint64_t first_trade_id = 0;
  std::uint64_t last_trade_id = 0;
  Price price;
  Qty qty;
  bool buyer_is_maker = false;
};

struct BookTickerMsg {
  std::int64_t event_time_ms = 0;        // futures only
  std::int64_t transaction_time_ms = 0;  // futures only
  std::uint64_t update_id = 0;
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// A depth diff (depth@100ms) or, in futures, a partial-book event (depth<N>@100ms).
struct DepthMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;  // futures only
  std::uint64_t first_update_id = 0;     // U
  std::uint64_t final_update_id = 0;     // u
  std::uint64_t prev_final_update_id = 0;  // pu, futures only
  std::span<const Level> bids;  // best first
  std::span<const Level> asks;  // best first
};

enum class KlineInterval : std::uint8_t {
  kNone = 0, k1s = 1, k1m = 2, k3m = 3, k5m = 4, k15m = 5, k30m = 6, k1h = 7, k2h = 8, k4h = 9,
  k6h = 10, k8h = 11, k12h = 12, k1d = 13, k3d = 14, k1w = 15, k1M = 16,
};
// "1m", "1h", … ; empty for kNone.
[[nodiscard]] std::string_view to_string(KlineInterval interval) noexcept;
// kGarbage for anything that is not one of the names above (case-sensitive: "1M" is a month).
[[nodiscard]] Result<KlineInterval> parse_kline_interval(std::string_view text) noexcept;

struct KlineMsg {
  std::int64_t event_time_ms = 0;
  std::int64_t open_time_ms = 0;
  std::int64_t close_time_ms = 0;
  KlineInterval interval = KlineInterval::kNone;
  std::int64_t first_trade_id = -1;  // -1 when the kline has no trade yet (as Binance writes it)
  std::int64_t last_trade_id = -1;
  Price open, close, high, low;
  Qty volume;
  std::int64_t trade_count = 0;
  bool closed = false;
  Notional quote_volume;
  Qty taker_buy_volume;
  Notional taker_buy_quote_volume;
};

// Each encoder appends one payload object to `out` (it does not clear it). Never throws except
// std::bad_alloc while `out` grows; no allocation once out.capacity() suffices.
void encode_trade(std::string& out, Market market, const SymbolFormat& fmt, const TradeMsg& msg);
void encode_agg_trade(std::string& out, Market market, const SymbolFormat& fmt, const AggTradeMsg& msg);
void encode_book_ticker(std::string& out, Market market, const SymbolFormat& fmt, const BookTickerMsg& msg);
void encode_depth_diff(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg);
// Spot: {"lastUpdateId":u,"bids":…,"asks":…} (only msg.final_update_id and the levels are used);
// futures: the depthUpdate event, as encode_depth_diff.
void encode_partial_depth(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg);
void encode_kline(std::string& out, const SymbolFormat& fmt, const KlineMsg& msg);

// REST depth snapshot; futures adds "E" (event_time_ms) and "T" (transaction_time_ms).
struct DepthSnapshot {
  std::uint64_t last_update_id = 0;
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;
  std::span<const Level> bids;
  std::span<const Level> asks;
};
void encode_depth_snapshot(std::string& out, Market market, const SymbolFormat& fmt, const DepthSnapshot& snap);

// Combined-stream wrapper {"stream":"<name>","data":<payload>}: append the prefix, then a payload
// encoder, then the suffix. `stream` must be a valid stream name (no escaping is done).
void begin_combined(std::string& out, std::string_view stream);
void end_combined(std::string& out);

// ---- Stream names ----

enum class StreamKind : std::uint8_t {
  kNone = 0, kTrade = 1, kAggTrade = 2, kBookTicker = 3, kDepthDiff = 4, kPartialDepth = 5, kKline = 6,
};

struct StreamName {
  static constexpr std::size_t kMaxSymbol = SymbolFormat::kMaxSymbol;
  char symbol[kMaxSymbol + 1] = {};  // lower case as in the name, NUL-terminated
  std::uint8_t symbol_len = 0;
  StreamKind kind = StreamKind::kNone;
  std::uint8_t depth_levels = 0;  // 5, 10 or 20 for kPartialDepth
  KlineInterval interval = KlineInterval::kNone;

  [[nodiscard]] std::string_view symbol_view() const noexcept { return {symbol, symbol_len}; }
  friend bool operator==(const StreamName& a, const StreamName& b) noexcept;
};

// Parses `<symbol>@trade|aggTrade|bookTicker|depth@100ms|depth<5|10|20>@100ms|kline_<interval>`,
// symbol = 1..23 of [a-z0-9]. kGarbage for anything else. Never allocates.
[[nodiscard]] Result<StreamName> parse_stream_name(std::string_view text) noexcept;
// Appends the canonical name (parse_stream_name(name) round-trips).
void append_stream_name(std::string& out, const StreamName& name);

// ---- Depth update ids (venue side) ----

struct DepthIds {
  std::uint64_t first = 0;     // U
  std::uint64_t final = 0;     // u
  std::uint64_t previous = 0;  // pu: the u of the previous diff (first_id - 1 before any)
};

// Assigns update ids to one symbol's depth diffs. Every book change (one level's quantity set)
// consumes one id; a diff carrying n changes gets u = last + n and pu = last (the previous diff's u).
// A REST snapshot taken between two diffs reports lastUpdateId = last_update_id(), the u of the diff
// published last. Then:
//  * spot: U = last + 1 = previous u + 1. The client drops every diff up to the snapshot and the next
//    diff has U = lastUpdateId + 1 <= u.
//  * futures: U = last = previous u (the diff's own changes are U+1..u). The client drops diffs with
//    u < lastUpdateId; the first applied one is either the diff published last before the snapshot
//    (u = lastUpdateId, re-applied harmlessly because quantities are absolute) or, when the client
//    did not receive that one (it subscribed after it, e.g. on a quiet venue), the next diff, whose
//    U = lastUpdateId. With U = previous u + 1 that client could never synchronise.
class DepthStreamState {
 public:
  // `last_update_id` is the id before the first diff (the first diff's u is last_update_id + n).
  explicit DepthStreamState(Market market, std::uint64_t last_update_id = 0) noexcept
      : market_(market), last_(last_update_id) {}

  // Ids for a diff carrying `changes` book changes. Requires changes >= 1 (a diff without changes
  // is not published).
  [[nodiscard]] DepthIds next_diff(std::uint32_t changes) noexcept;
  // The snapshot's lastUpdateId: the u of the diff published last.
  [[nodiscard]] std::uint64_t last_update_id() const noexcept { return last_; }

 private:
  Market market_;
  std::uint64_t last_;
};

// ---- Book synchronisation (client side: Binance's published procedure) ----

// Rebuilds a book from a snapshot and the diffs received (buffered ones first, in order). For tests
// and tools: it allocates (std::map).
class DepthSync {
 public:
  enum class Outcome : std::uint8_t {
    kNone = 0,
    kApplied = 1,      // the diff was applied
    kDropped = 2,      // older than the snapshot, ignored
    kGap = 3,          // the diff does not link to the previous one: resync needed (state reset)
    kNoSnapshot = 4,   // no snapshot loaded yet: buffer the diff and fetch a snapshot
  };
  explicit DepthSync(Market market) noexcept : market_(market) {}

  void load_snapshot(std::uint64_t last_update_id, std::span<const Level> bids, std::span<const Level> asks);
  Outcome apply(const DepthMsg& diff);

  [[nodiscard]] bool synced() const noexcept { return has_snapshot_; }
  // price raw → qty raw
  [[nodiscard]] const std::map<std::int64_t, std::int64_t>& bids() const noexcept { return bids_; }
  [[nodiscard]] const std::map<std::int64_t, std::int64_t>& asks() const noexcept { return asks_; }

 private:
  void apply_levels(const DepthMsg& diff);
  Market market_;
  bool has_snapshot_ = false;
  bool applied_any_ = false;
  std::uint64_t snapshot_id_ = 0;
  std::uint64_t last_final_ = 0;
  std::map<std::int64_t, std::int64_t> bids_;
  std::map<std::int64_t, std::int64_t> asks_;
};

// ---- Control messages ----

enum class ControlMethod : std::uint8_t { kNone = 0, kSubscribe = 1, kUnsubscribe = 2, kListSubscriptions = 3 };

// Binance error codes on a market-data connection.
inline constexpr int kErrInvalidRequest = 2;
inline constexpr int kErrInvalidJson = 3;

struct ControlRequest {
  ControlMethod method = ControlMethod::kNone;
  std::uint64_t id = 0;
  std::span<const StreamName> streams;  // SUBSCRIBE / UNSUBSCRIBE; valid until the next parse
};

struct ControlError {
  int code = 0;
  std::string_view msg;  // valid until the next parse
  bool has_id = false;   // false: the reply carries "id":null
  std::uint64_t id = 0;
};

struct ControlParse {
  bool ok = false;
  ControlRequest request;  // when ok
  ControlError error;      // when !ok
};

// Parses one control message. Owns its simdjson parser and buffers, sized in the constructor:
// messages up to kMaxMessageBytes and kMaxStreams params never allocate. Malformed JSON, wrong types,
// unknown methods and bad stream names are typed errors; it never throws on any input.
class ControlParser {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  static constexpr std::size_t kMaxStreams = 1024;  // Binance's per-connection stream limit

  ControlParser();
  ~ControlParser();
  ControlParser(const ControlParser&) = delete;
  ControlParser& operator=(const ControlParser&) = delete;

  [[nodiscard]] ControlParse parse(std::string_view message) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Replies: {"result":null,"id":n}, {"result":["a","b"],"id":n}, {"error":{"code":c,"msg":"…"},"id":n|null}.
// The error message is JSON-escaped.
void encode_result_null(std::string& out, std::uint64_t id);
void encode_list_result(std::string& out, std::span<const StreamName> streams, std::uint64_t id);
void encode_error_reply(std::string& out, const ControlError& error);

}  // namespace keel::sim::binance
