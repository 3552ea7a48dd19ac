// The one Binance market-data JSON decoder (simdjson on-demand): trade, aggTrade, bookTicker,
// depthUpdate (spot, and futures with `pu` / `T`), partial depth (depth<N>: spot's
// {"lastUpdateId",…}, futures' depthUpdate on a depth<N> stream) and kline, raw or combined
// ({"stream":…,"data":…}) and futures markPriceUpdate. Decimals go straight into keel's fixed point (parse_decimal), never
// through double.
//
// Contract: decode() never throws and never allocates once the Decoder is constructed (buffers are
// sized in the constructor: frames up to max_frame_bytes, depth messages up to max_levels levels per
// side). Every malformed input is an error value (truncated JSON, wrong types, NaN-like or signed
// decimals, missing fields, unknown event kinds, too many levels); nothing crashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/protocol/binance/messages.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {

enum class FrameKind : std::uint8_t {
  kNone = 0, kTrade = 1, kAggTrade = 2, kBookTicker = 3, kDepthUpdate = 4, kPartialDepth = 5, kKline = 6,
  kMarkPrice = 7,  // futures markPriceUpdate (general path only: three frames a second at most)
};
// A set of FrameKinds (bit 1 << kind).
using FrameKinds = std::uint8_t;
[[nodiscard]] constexpr FrameKinds kinds_bit(FrameKind k) noexcept {
  return static_cast<FrameKinds>(1u << static_cast<unsigned>(k));
}
inline constexpr FrameKinds kAllFrameKinds = 0xFE;

enum class DecodeError : std::uint8_t {
  kNone = 0,
  kTooLarge = 1,       // the frame is longer than the decoder's max_frame_bytes
  kJson = 2,           // not valid JSON (truncated, bad syntax, bad UTF-8)
  kNotObject = 3,      // the frame or its "data" is not an object
  kMissingField = 4,   // a field the kind requires is absent
  kWrongType = 5,      // a field has the wrong JSON type (e.g. a number where Binance writes a string)
  kBadDecimal = 6,     // a decimal string parse_decimal refuses (sign, NaN, exponent, > 8 decimals, …)
  kBadSymbol = 7,      // the symbol is empty, longer than Symbol holds, or not all [A-Za-z0-9_.-]
  kUnknownKind = 8,    // an event type keel does not decode ("24hrTicker", …)
  kTooManyLevels = 9,  // more depth levels than max_levels on one side
  kBadInterval = 10,   // a kline interval keel does not know
};
[[nodiscard]] std::string_view to_string(DecodeError e) noexcept;

// A symbol as an inline string (upper case as Binance writes it in "s").
struct Symbol {
  static constexpr std::size_t kCapacity = 23;
  char chars[kCapacity] = {};
  std::uint8_t length = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {chars, length}; }
};

// trade (id = "t") and aggTrade (id = "a", first/last trade ids "f"/"l").
struct TradeFrame {
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  std::uint64_t id = 0;
  std::uint64_t first_trade_id = 0;  // aggTrade only
  std::uint64_t last_trade_id = 0;   // aggTrade only
  Price price;
  Qty qty;
  bool buyer_is_maker = false;
};

struct BookTickerFrame {
  std::int64_t event_time_ms = 0;        // futures only (0 in spot)
  std::int64_t transaction_time_ms = 0;  // futures only
  std::uint64_t update_id = 0;
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// depthUpdate and partial depth. Spot partial depth carries only final_update_id (lastUpdateId)
// and the levels; its symbol comes from the stream name (empty for a raw frame).
struct DepthFrame {
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;    // futures only
  std::uint64_t first_update_id = 0;       // U
  std::uint64_t final_update_id = 0;       // u
  std::uint64_t prev_final_update_id = 0;  // pu, futures only
  bool has_prev_final = false;             // the frame carried pu (futures)
  std::span<const Level> bids;  // into the decoder's storage: valid until the next decode()
  std::span<const Level> asks;
};

// One decoded frame. Exactly the member named by `kind` is meaningful.
struct Frame {
  FrameKind kind = FrameKind::kNone;
  StreamName stream;  // a combined frame's stream; kind kNone for a raw frame or an unknown name
  Symbol symbol;
  TradeFrame trade;
  BookTickerFrame book_ticker;
  DepthFrame depth;
  KlineMsg kline;
  MarkPriceMsg mark_price;
};
static_assert(std::is_trivially_copyable_v<Frame>);

namespace detail {
// The decoder's structural pre-pass (exposed for its tests): every string, object and array
// closed, in order, and nothing but whitespace after the first complete value.
[[nodiscard]] bool balanced(std::string_view text) noexcept;
}  // namespace detail

class Decoder {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = 1 << 20;
  static constexpr std::size_t kDefaultMaxLevels = 5000;  // Binance's REST depth limit

  // Allocates every buffer decode() uses. Throws std::bad_alloc.
  explicit Decoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes, std::size_t max_levels = kDefaultMaxLevels);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one frame into `out`. Kinds outside `wanted` are classified (out.kind set) but their
  // fields are not read or checked, and kNone is returned: a cheap skip. On error `out` is
  // unspecified. Never throws, never allocates.
  [[nodiscard]] DecodeError decode(std::string_view frame, Frame& out, FrameKinds wanted = kAllFrameKinds) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::protocol::binance
