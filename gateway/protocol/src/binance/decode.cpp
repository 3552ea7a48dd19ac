#include "keel/protocol/binance/decode.hpp"

#include <simdjson.h>

#include <cstring>
#include <new>
#include <vector>

namespace keel::protocol::binance {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

DecodeError from(error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS: return DecodeError::kNone;
    case simdjson::NO_SUCH_FIELD: return DecodeError::kMissingField;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return DecodeError::kWrongType;
    default: return DecodeError::kJson;
  }
}

// Helpers: each reads one field of `o` (found in any order) into `out`.
DecodeError i64(od::object& o, std::string_view key, std::int64_t& out) noexcept {
  return from(o.find_field_unordered(key).get_int64().get(out));
}
DecodeError u64(od::object& o, std::string_view key, std::uint64_t& out) noexcept {
  return from(o.find_field_unordered(key).get_uint64().get(out));
}
DecodeError boolean(od::object& o, std::string_view key, bool& out) noexcept {
  return from(o.find_field_unordered(key).get_bool().get(out));
}
// An optional integer: absent leaves `out` and `present` as they are.
DecodeError opt_i64(od::object& o, std::string_view key, std::int64_t& out, bool* present = nullptr) noexcept {
  auto field = o.find_field_unordered(key);
  if (field.error() == simdjson::NO_SUCH_FIELD) return DecodeError::kNone;
  if (present != nullptr) *present = true;
  return from(field.get_int64().get(out));
}
DecodeError opt_u64(od::object& o, std::string_view key, std::uint64_t& out, bool* present = nullptr) noexcept {
  auto field = o.find_field_unordered(key);
  if (field.error() == simdjson::NO_SUCH_FIELD) return DecodeError::kNone;
  if (present != nullptr) *present = true;
  return from(field.get_uint64().get(out));
}

// A quoted decimal straight into fixed point.
template <class T>
DecodeError decimal_value(od::value v, T& out) noexcept {
  std::string_view text;
  if (const error_code e = v.get_string().get(text)) return from(e);
  const auto parsed = parse_decimal(text);
  if (!parsed.ok()) return DecodeError::kBadDecimal;
  out = T::from_raw(parsed.value().raw);
  return DecodeError::kNone;
}
template <class T>
DecodeError decimal(od::object& o, std::string_view key, T& out) noexcept {
  od::value v;
  if (const error_code e = o.find_field_unordered(key).get(v)) return from(e);
  return decimal_value(v, out);
}

DecodeError symbol_field(od::object& o, Symbol& out) noexcept {
  std::string_view text;
  if (const error_code e = o.find_field_unordered("s").get_string().get(text)) return from(e);
  if (text.empty() || text.size() > Symbol::kCapacity) return DecodeError::kBadSymbol;
  std::memcpy(out.chars, text.data(), text.size());
  out.length = static_cast<std::uint8_t>(text.size());
  return DecodeError::kNone;
}

// [["price","qty"],…] into `out` (capacity reserved; never grows past `max`). Extra elements in a
// level are ignored, as Binance may add some.
DecodeError levels(od::object& o, std::string_view key, std::vector<Level>& out, std::size_t max) noexcept {
  out.clear();
  od::array arr;
  if (const error_code e = o.find_field_unordered(key).get_array().get(arr)) return from(e);
  for (auto item : arr) {
    od::array pair;
    if (const error_code e = item.get_array().get(pair)) return from(e);
    Level level;
    int n = 0;
    for (auto element : pair) {
      od::value v;
      if (const error_code e = element.get(v)) return from(e);
      DecodeError d = DecodeError::kNone;
      if (n == 0) d = decimal_value(v, level.price);
      if (n == 1) d = decimal_value(v, level.qty);
      if (d != DecodeError::kNone) return d;
      ++n;
    }
    if (n < 2) return DecodeError::kMissingField;
    if (out.size() == max) return DecodeError::kTooManyLevels;
    out.push_back(level);
  }
  return DecodeError::kNone;
}

#define KEEL_TRY(expr)                                         \
  do {                                                         \
    if (const DecodeError keel_e_ = (expr); keel_e_ != DecodeError::kNone) return keel_e_; \
  } while (false)

FrameKind kind_of(StreamKind k) noexcept {
  switch (k) {
    case StreamKind::kTrade: return FrameKind::kTrade;
    case StreamKind::kAggTrade: return FrameKind::kAggTrade;
    case StreamKind::kBookTicker: return FrameKind::kBookTicker;
    case StreamKind::kDepthDiff: return FrameKind::kDepthUpdate;
    case StreamKind::kPartialDepth: return FrameKind::kPartialDepth;
    case StreamKind::kKline: return FrameKind::kKline;
    case StreamKind::kNone: break;
  }
  return FrameKind::kNone;
}

}  // namespace

// True when every string, object and array in `text` is closed, in order, and nothing but
// whitespace follows the first complete value. Strings are skipped with memchr (most of a Binance
// frame's bytes are inside its decimal strings); everything else is judged byte by byte.
bool detail::balanced(std::string_view text) noexcept {
  constexpr std::size_t kMaxDepth = 64;
  char stack[kMaxDepth];
  std::size_t depth = 0;
  bool done = false;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char c = *p;
    if (c == '"') {
      if (done) return false;
      // The closing quote: the next '"' not escaped by an odd run of backslashes.
      const char* q = p + 1;
      for (;;) {
        q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
        if (q == nullptr) return false;  // unclosed string
        std::size_t backslashes = 0;
        for (const char* b = q; b > p + 1 && b[-1] == '\\'; --b) ++backslashes;
        if (backslashes % 2 == 0) break;
        ++q;
      }
      p = q + 1;
      if (depth == 0) done = true;
      continue;
    }
    ++p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (done) return false;
    if (c == '{' || c == '[') {
      if (depth == kMaxDepth) return false;
      stack[depth++] = c == '{' ? '}' : ']';
    } else if (c == '}' || c == ']') {
      if (depth == 0 || stack[depth - 1] != c) return false;
      if (--depth == 0) done = true;
    } else if (depth == 0) {
      done = true;  // a bare scalar; simdjson judges it
    }
  }
  return depth == 0;
}

std::string_view to_string(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::kNone: return "ok";
    case DecodeError::kTooLarge: return "frame too large";
    case DecodeError::kJson: return "invalid JSON";
    case DecodeError::kNotObject: return "not a JSON object";
    case DecodeError::kMissingField: return "missing field";
    case DecodeError::kWrongType: return "wrong field type";
    case DecodeError::kBadDecimal: return "bad decimal";
    case DecodeError::kBadSymbol: return "bad symbol";
    case DecodeError::kUnknownKind: return "unknown event kind";
    case DecodeError::kTooManyLevels: return "too many depth levels";
    case DecodeError::kBadInterval: return "unknown kline interval";
  }
  return "unknown error";
}

struct Decoder::Impl {
  od::parser parser;
  std::unique_ptr<char[]> input;
  std::size_t capacity;
  std::size_t max_levels;
  std::vector<Level> bids;
  std::vector<Level> asks;

  Impl(std::size_t max_frame, std::size_t levels_max)
      : parser(std::max<std::size_t>(max_frame, 64)),
        input(new char[std::max<std::size_t>(max_frame, 64) + simdjson::SIMDJSON_PADDING]),
        capacity(std::max<std::size_t>(max_frame, 64)),
        max_levels(levels_max) {
    if (parser.allocate(capacity) != simdjson::SUCCESS) throw std::bad_alloc();
    bids.reserve(max_levels);
    asks.reserve(max_levels);
  }

  DecodeError trade(od::object& d, Frame& out, bool agg) noexcept {
    TradeFrame& t = out.trade;
    KEEL_TRY(i64(d, "E", t.event_time_ms));
    KEEL_TRY(symbol_field(d, out.symbol));
    KEEL_TRY(u64(d, agg ? "a" : "t", t.id));
    KEEL_TRY(decimal(d, "p", t.price));
    KEEL_TRY(decimal(d, "q", t.qty));
    if (agg) {
      KEEL_TRY(u64(d, "f", t.first_trade_id));
      KEEL_TRY(u64(d, "l", t.last_trade_id));
    }
    KEEL_TRY(i64(d, "T", t.trade_time_ms));
    return boolean(d, "m", t.buyer_is_maker);
  }

  DecodeError book_ticker(od::object& d, Frame& out) noexcept {
    BookTickerFrame& b = out.book_ticker;
    KEEL_TRY(u64(d, "u", b.update_id));
    KEEL_TRY(symbol_field(d, out.symbol));
    KEEL_TRY(decimal(d, "b", b.bid_price));
    KEEL_TRY(decimal(d, "B", b.bid_qty));
    KEEL_TRY(decimal(d, "a", b.ask_price));
    KEEL_TRY(decimal(d, "A", b.ask_qty));
    KEEL_TRY(opt_i64(d, "T", b.transaction_time_ms));
    return opt_i64(d, "E", b.event_time_ms);
  }

  DecodeError depth_update(od::object& d, Frame& out) noexcept {
    DepthFrame& x = out.depth;
    KEEL_TRY(i64(d, "E", x.event_time_ms));
    KEEL_TRY(opt_i64(d, "T", x.transaction_time_ms));
    KEEL_TRY(symbol_field(d, out.symbol));
    KEEL_TRY(u64(d, "U", x.first_update_id));
    KEEL_TRY(u64(d, "u", x.final_update_id));
    KEEL_TRY(opt_u64(d, "pu", x.prev_final_update_id, &x.has_prev_final));
    KEEL_TRY(levels(d, "b", bids, max_levels));
    KEEL_TRY(levels(d, "a", asks, max_levels));
    x.bids = bids;
    x.asks = asks;
    return DecodeError::kNone;
  }

  // Spot partial depth: {"lastUpdateId":…,"bids":…,"asks":…}.
  DecodeError spot_partial(od::object& d, Frame& out) noexcept {
    DepthFrame& x = out.depth;
    KEEL_TRY(u64(d, "lastUpdateId", x.final_update_id));
    KEEL_TRY(levels(d, "bids", bids, max_levels));
    KEEL_TRY(levels(d, "asks", asks, max_levels));
    x.bids = bids;
    x.asks = asks;
    return DecodeError::kNone;
  }

  DecodeError kline(od::object& d, Frame& out) noexcept {
    KlineMsg& k = out.kline;
    KEEL_TRY(i64(d, "E", k.event_time_ms));
    KEEL_TRY(symbol_field(d, out.symbol));
    od::object o;
    if (const error_code e = d.find_field_unordered("k").get_object().get(o)) return from(e);
    KEEL_TRY(i64(o, "t", k.open_time_ms));
    KEEL_TRY(i64(o, "T", k.close_time_ms));
    std::string_view interval;
    if (const error_code e = o.find_field_unordered("i").get_string().get(interval)) return from(e);
    const auto parsed = parse_kline_interval(interval);
    if (!parsed.ok()) return DecodeError::kBadInterval;
    k.interval = parsed.value();
    KEEL_TRY(i64(o, "f", k.first_trade_id));
    KEEL_TRY(i64(o, "L", k.last_trade_id));
    KEEL_TRY(decimal(o, "o", k.open));
    KEEL_TRY(decimal(o, "c", k.close));
    KEEL_TRY(decimal(o, "h", k.high));
    KEEL_TRY(decimal(o, "l", k.low));
    KEEL_TRY(decimal(o, "v", k.volume));
    KEEL_TRY(i64(o, "n", k.trade_count));
    KEEL_TRY(boolean(o, "x", k.closed));
    KEEL_TRY(decimal(o, "q", k.quote_volume));
    KEEL_TRY(decimal(o, "V", k.taker_buy_volume));
    return decimal(o, "Q", k.taker_buy_quote_volume);
  }

  DecodeError decode(std::string_view frame, Frame& out, FrameKinds wanted) noexcept {
    out = Frame{};
    if (frame.size() > capacity) return DecodeError::kTooLarge;
    // On-demand reads only the fields keel uses; this one pass rejects a truncated or unbalanced
    // frame even when those fields came before the cut.
    if (!detail::balanced(frame)) return DecodeError::kJson;
    std::memcpy(input.get(), frame.data(), frame.size());
    std::memset(input.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (parser.iterate(input.get(), frame.size(), capacity + simdjson::SIMDJSON_PADDING).get(doc))
      return DecodeError::kJson;
    od::object top;
    if (const error_code e = doc.get_object().get(top))
      return e == simdjson::INCORRECT_TYPE ? DecodeError::kNotObject : DecodeError::kJson;

    // Combined stream: {"stream":"<name>","data":{…}}; otherwise the frame is the payload.
    StreamName stream;
    bool have_stream = false;
    {
      auto field = top.find_field_unordered("stream");
      if (field.error() == simdjson::SUCCESS) {
        std::string_view text;
        if (const error_code e = field.get_string().get(text)) return from(e);
        const auto name = parse_stream_name(text);
        if (name.ok()) stream = name.value();
        have_stream = true;
      } else if (field.error() != simdjson::NO_SUCH_FIELD) {
        return from(field.error());
      }
    }
    od::object d;
    {
      auto field = top.find_field_unordered("data");
      if (field.error() == simdjson::SUCCESS) {
        if (const error_code e = field.get_object().get(d))
          return e == simdjson::INCORRECT_TYPE ? DecodeError::kNotObject : from(e);
      } else if (field.error() == simdjson::NO_SUCH_FIELD && !have_stream) {
        if (doc.rewind(), doc.get_object().get(d)) return DecodeError::kJson;
      } else {
        return from(field.error());
      }
    }

    out.stream = stream;
    // The kind: the stream name says partial depth, bookTicker and kline up front (so unwanted
    // ones are skipped unread); otherwise the event type, or the shape of spot's payloads without one.
    const FrameKind by_stream = kind_of(stream.kind);
    if (by_stream == FrameKind::kBookTicker || by_stream == FrameKind::kKline ||
        by_stream == FrameKind::kPartialDepth) {
      out.kind = by_stream;
      if ((wanted & kinds_bit(by_stream)) == 0) return DecodeError::kNone;
    }
    bool spot_shape = false;
    FrameKind kind = FrameKind::kNone;
    auto e_field = d.find_field_unordered("e");
    if (e_field.error() == simdjson::SUCCESS) {
      std::string_view event;
      if (const error_code e = e_field.get_string().get(event)) return from(e);
      if (event == "trade") kind = FrameKind::kTrade;
      else if (event == "aggTrade") kind = FrameKind::kAggTrade;
      else if (event == "bookTicker") kind = FrameKind::kBookTicker;
      else if (event == "depthUpdate") kind = by_stream == FrameKind::kPartialDepth ? FrameKind::kPartialDepth : FrameKind::kDepthUpdate;
      else if (event == "kline") kind = FrameKind::kKline;
      else return DecodeError::kUnknownKind;
    } else if (e_field.error() == simdjson::NO_SUCH_FIELD) {
      spot_shape = true;
      if (d.find_field_unordered("lastUpdateId").error() == simdjson::SUCCESS) {
        kind = FrameKind::kPartialDepth;
      } else if (d.find_field_unordered("u").error() == simdjson::SUCCESS &&
                 d.find_field_unordered("B").error() == simdjson::SUCCESS &&
                 d.find_field_unordered("A").error() == simdjson::SUCCESS) {
        kind = FrameKind::kBookTicker;
      } else {
        return DecodeError::kMissingField;
      }
    } else {
      return from(e_field.error());
    }
    out.kind = kind;
    if ((wanted & kinds_bit(kind)) == 0) return DecodeError::kNone;

    DecodeError result = DecodeError::kNone;
    switch (kind) {
      case FrameKind::kTrade: result = trade(d, out, false); break;
      case FrameKind::kAggTrade: result = trade(d, out, true); break;
      case FrameKind::kBookTicker: result = book_ticker(d, out); break;
      case FrameKind::kDepthUpdate: result = depth_update(d, out); break;
      case FrameKind::kPartialDepth:
        if (spot_shape) {
          result = spot_partial(d, out);
          // The symbol is only in the stream name (lower case there).
          const std::string_view s = stream.symbol_view();
          for (std::size_t i = 0; i < s.size() && i < Symbol::kCapacity; ++i)
            out.symbol.chars[i] = static_cast<char>(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
          out.symbol.length = static_cast<std::uint8_t>(std::min(s.size(), Symbol::kCapacity));
        } else {
          result = depth_update(d, out);
        }
        break;
      case FrameKind::kKline: result = kline(d, out); break;
      case FrameKind::kNone: result = DecodeError::kUnknownKind; break;
    }
    if (result != DecodeError::kNone) return result;
    return DecodeError::kNone;
  }
};

Decoder::Decoder(std::size_t max_frame_bytes, std::size_t max_levels)
    : impl_(std::make_unique<Impl>(max_frame_bytes, max_levels)) {}
Decoder::~Decoder() = default;

DecodeError Decoder::decode(std::string_view frame, Frame& out, FrameKinds wanted) noexcept {
  return impl_->decode(frame, out, wanted);
}

}  // namespace keel::protocol::binance
