#include "keel/protocol/binance/decode.hpp"

#include <simdjson.h>

#include <cstring>
#if defined(__SSE2__)
#include <immintrin.h>
#endif
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

// ---- The fast path: Binance's own layouts, read in document order -------------------------------
//
// bookTicker and depthUpdate frames (spot and futures, raw or combined) are read field by field in
// the order Binance writes them, each key checked, no searching. Anything else — another order, an
// extra or missing field, an escape, a value keel would refuse — makes the fast path give up, and the
// general path above decodes the frame from the start: every result and every error still comes from
// the general path's rules, the fast path only takes frames whose result it computes identically.

// parse_decimal's raw value for the quoted string that starts at `p` (just after its opening quote,
// inside the padded input: 64 readable bytes past the frame's end). False when the fast path must
// give up (an escape, or a string parse_decimal refuses: the general path reports that).
[[gnu::always_inline]] inline bool wire_decimal(const char* p, const char* end, std::int64_t& raw) noexcept {
#if defined(__SSE2__)
  const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const auto quote = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('"'))));
  if (quote != 0) {
    const int len = __builtin_ctz(quote);
    const unsigned in = (1u << len) - 1;
    const __m128i d = _mm_sub_epi8(chunk, _mm_set1_epi8('0'));
    const auto digit = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d))) & in;
    const auto dot = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('.')))) & in;
    // digits[.digits], 1-8 integer digits, 1-8 decimals: the common shape, converted 8 digits at once.
    if (len > 0 && (digit | dot) == in && (dot & (dot - 1)) == 0) {
      const int k = dot != 0 ? __builtin_ctz(dot) : len;  // integer digits
      const int f = dot != 0 ? len - k - 1 : 0;           // decimals
      if (k >= 1 && k <= 8 && (dot == 0 || (f >= 1 && f <= 8))) {
        // Eight ASCII digits, the first in the lowest byte, to their value (each step pairs up
        // neighbours: 1-digit → 2-digit → 4-digit → 8-digit numbers).
        const auto eight = [](std::uint64_t v) noexcept {
          v = v * 10 + (v >> 8);
          return ((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
                  ((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
        };
        constexpr std::uint64_t kZeros = 0x3030303030303030ull;
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        // Subtracting '0' from each byte: a borrow only moves to higher bytes (later characters),
        // which the shift drops; the k digits end up as the low-order digits of an 8-digit number.
        const std::uint64_t units = eight((word - kZeros) << (8 * (8 - k)));
        std::uint64_t frac = 0;
        if (f != 0) {
          std::memcpy(&word, p + k + 1, 8);
          const std::uint64_t keep = f == 8 ? ~0ull : (1ull << (8 * f)) - 1;
          frac = eight((word - kZeros) & keep);  // the f decimals, then zeros: frac · 10^(8-f)
        }
        raw = static_cast<std::int64_t>(units) * kScale + static_cast<std::int64_t>(frac);
        return true;
      }
    }
    if ((static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\')))) & in) != 0) return false;
    const auto parsed = parse_decimal(std::string_view(p, static_cast<std::size_t>(len)));
    if (!parsed.ok()) return false;
    raw = parsed.value().raw;
    return true;
  }
#endif
  const auto* q = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
  if (q == nullptr || std::memchr(p, '\\', static_cast<std::size_t>(q - p)) != nullptr) return false;
  const auto parsed = parse_decimal(std::string_view(p, static_cast<std::size_t>(q - p)));
  if (!parsed.ok()) return false;
  raw = parsed.value().raw;
  return true;
}

// A cursor over one object's fields, taken in order.
class OrderedFields {
 public:
  explicit OrderedFields(od::object& o) noexcept {
    ok_ = o.begin().get(it_) == simdjson::SUCCESS && o.end().get(end_) == simdjson::SUCCESS;
  }
  // Moves to the next field; false at the end of the object or on an error.
  bool step() noexcept {
    if (!ok_) return false;
    if (started_) ++it_;
    started_ = true;
    if (!(it_ != end_)) {
      ended_ = true;
      return ok_ = false;
    }
    return ok_ = (*it_).get(field_) == simdjson::SUCCESS;
  }
  // Whether the current field is named `key` (a wire key without escapes). The raw key lies in the
  // padded input: equal bytes then the closing quote means equal keys.
  [[nodiscard]] bool is(std::string_view key) const noexcept {
    const char* k = field_.key().raw();
    return std::memcmp(k, key.data(), key.size()) == 0 && k[key.size()] == '"';
  }
  od::value value() noexcept { return std::move(field_).value(); }
  // The next field, which must be named `key`: its value.
  bool next(std::string_view key, od::value& v) noexcept {
    if (!step() || !is(key)) return ok_ = false;
    v = value();
    return true;
  }
  // True when the fields taken so far were all the object has.
  bool at_end() noexcept {
    if (ended_) return true;
    if (!ok_) return false;
    if (started_) ++it_;
    started_ = true;
    return !(it_ != end_);
  }

 private:
  od::object_iterator it_;
  od::object_iterator end_;
  od::field field_;
  bool ok_ = false;
  bool started_ = false;
  bool ended_ = false;  // step() found the end of the object (no error)
};

bool fast_u64(OrderedFields& o, std::string_view key, std::uint64_t& out) noexcept {
  od::value v;
  return o.next(key, v) && v.get_uint64().get(out) == simdjson::SUCCESS;
}
bool fast_i64(OrderedFields& o, std::string_view key, std::int64_t& out) noexcept {
  od::value v;
  return o.next(key, v) && v.get_int64().get(out) == simdjson::SUCCESS;
}
template <class T>
[[gnu::always_inline]] inline bool fast_decimal_value(od::value& v, const char* end, T& out) noexcept {
  od::raw_json_string text;
  if (v.get_raw_json_string().get(text) != simdjson::SUCCESS) return false;
  std::int64_t raw = 0;
  if (!wire_decimal(text.raw(), end, raw)) return false;
  out = T::from_raw(raw);
  return true;
}
template <class T>
bool fast_decimal(OrderedFields& o, std::string_view key, const char* end, T& out) noexcept {
  od::value v;
  return o.next(key, v) && fast_decimal_value(v, end, out);
}
bool fast_symbol(OrderedFields& o, Symbol& out) noexcept {
  od::value v;
  std::string_view text;
  if (!o.next("s", v) || v.get_string().get(text) != simdjson::SUCCESS) return false;
  if (text.empty() || text.size() > Symbol::kCapacity) return false;
  std::memcpy(out.chars, text.data(), text.size());
  out.length = static_cast<std::uint8_t>(text.size());
  return true;
}
// [["price","qty"],…], exactly two strings per level.
bool fast_levels(OrderedFields& o, std::string_view key, const char* end, std::vector<Level>& out,
                 std::size_t max) noexcept {
  out.clear();
  od::value v;
  od::array arr;
  if (!o.next(key, v) || v.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto item : arr) {
    od::array pair;
    if (item.get_array().get(pair) != simdjson::SUCCESS) return false;
    Level level;
    int n = 0;
    for (auto element : pair) {
      od::value e;
      if (element.get(e) != simdjson::SUCCESS) return false;
      if (n == 0 && !fast_decimal_value(e, end, level.price)) return false;
      if (n == 1 && !fast_decimal_value(e, end, level.qty)) return false;
      if (++n > 2) return false;
    }
    if (n != 2 || out.size() == max) return false;
    out.push_back(level);
  }
  return true;
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

namespace {

// The pre-pass, one byte at a time outside strings (strings skipped with memchr). It judges every
// input; the block version below hands it the frames it does not take (escapes, a first byte other
// than '{').
bool balanced_bytes(std::string_view text) noexcept {
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

bool only_whitespace(const char* p, const char* end) noexcept {
  for (; p < end; ++p)
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
  return true;
}

#if defined(__SSE2__)
// Bit i of each mask describes byte i of a 64-byte block.
struct BlockMasks {
  std::uint64_t quote, backslash, open, close;
};
inline std::uint64_t movemask64(__m128i a, __m128i b, __m128i c, __m128i d) noexcept {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(a))) |
         static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(b))) << 16 |
         static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(c))) << 32 |
         static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(d))) << 48;
}
inline BlockMasks block_masks(const char* p) noexcept {
  __m128i v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
  const auto eq = [&](char c, int i) { return _mm_cmpeq_epi8(v[i], _mm_set1_epi8(c)); };
  // '{' and '[' are 0x7B and 0x5B, '}' and ']' 0x7D and 0x5D: equal to 0x7B / 0x7D with bit 0x20 set.
  const auto lower = [&](int i) { return _mm_or_si128(v[i], _mm_set1_epi8(0x20)); };
  const auto eql = [&](char c, int i) { return _mm_cmpeq_epi8(lower(i), _mm_set1_epi8(c)); };
  return {movemask64(eq('"', 0), eq('"', 1), eq('"', 2), eq('"', 3)),
          movemask64(eq('\\', 0), eq('\\', 1), eq('\\', 2), eq('\\', 3)),
          movemask64(eql('{', 0), eql('{', 1), eql('{', 2), eql('{', 3)),
          movemask64(eql('}', 0), eql('}', 1), eql('}', 2), eql('}', 3))};
}
// Bit i set when an odd number of bits at or below i are set in x (inside a string, from its
// opening quote up to but not including its closing one).
inline std::uint64_t prefix_xor(std::uint64_t x) noexcept {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}
#endif

}  // namespace

// True when every string, object and array in `text` is closed, in order, and nothing but
// whitespace follows the first complete value.
//
// Frames that open with '{' and hold no backslash (every Binance frame) are judged 64 bytes at a
// time: a string mask from the quotes (no escapes, so every quote opens or closes a string), then
// only the brackets outside strings are visited, in order, against a stack of one bit per level.
// Until the first '{' closes the depth never drops to zero, so nothing else can end the value early;
// once it closes, only whitespace may follow. Anything else goes to balanced_bytes, which is equal to
// a byte-by-byte reference (json_balanced_tests); this path is tested equal to it on captures,
// their prefixes and random frames (binance_decode_tests).
bool detail::balanced(std::string_view text) noexcept {
#if defined(__SSE2__)
  const char* const begin = text.data();
  const std::size_t size = text.size();
  if (size == 0 || begin[0] != '{') return balanced_bytes(text);
  std::uint64_t in_string = 0;  // all ones when the previous block ended inside a string
  std::uint64_t kinds = 0;      // bit 0 = the innermost open bracket is '{'
  std::size_t depth = 0;
  alignas(16) char tail[64];
  for (std::size_t offset = 0; offset < size; offset += 64) {
    const char* block = begin + offset;
    if (size - offset < 64) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, block, size - offset);
      block = tail;
    }
    const BlockMasks m = block_masks(block);
    if (m.backslash != 0) return balanced_bytes(text);
    const std::uint64_t inside = prefix_xor(m.quote) ^ in_string;
    in_string = static_cast<std::uint64_t>(static_cast<std::int64_t>(inside) >> 63);
    for (std::uint64_t brackets = (m.open | m.close) & ~inside; brackets != 0; brackets &= brackets - 1) {
      const int i = __builtin_ctzll(brackets);
      const std::uint64_t curly = (static_cast<unsigned char>(block[i]) >> 5) & 1;  // '{' '}' have 0x20
      if ((m.open >> i) & 1) {
        if (depth == 64) return false;
        kinds = kinds << 1 | curly;
        ++depth;
      } else {
        if ((kinds & 1) != curly) return false;
        kinds >>= 1;
        if (--depth == 0) return only_whitespace(begin + offset + i + 1, begin + size);
      }
    }
  }
  return false;  // the first '{' never closed (or a string did not)
#else
  return balanced_bytes(text);
#endif
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
  std::size_t size = 0;  // the current frame's length in `input`

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

  // bookTicker: u,s,b,B,a,A (spot), after "e" and followed by T,E in futures.
  bool fast_book_ticker(OrderedFields& f, Frame& out, bool u_taken) noexcept {
    BookTickerFrame& b = out.book_ticker;
    const char* const end = input.get() + size;
    od::value v;
    if (u_taken) {
      v = f.value();
      if (v.get_uint64().get(b.update_id) != simdjson::SUCCESS) return false;
    } else if (!fast_u64(f, "u", b.update_id)) {
      return false;
    }
    if (!fast_symbol(f, out.symbol) || !fast_decimal(f, "b", end, b.bid_price) || !fast_decimal(f, "B", end, b.bid_qty) ||
        !fast_decimal(f, "a", end, b.ask_price) || !fast_decimal(f, "A", end, b.ask_qty))
      return false;
    if (!f.step()) return f.at_end();
    if (f.is("T")) {
      v = f.value();
      if (v.get_int64().get(b.transaction_time_ms) != simdjson::SUCCESS) return false;
      if (!f.step()) return f.at_end();
    }
    if (!f.is("E")) return false;
    v = f.value();
    if (v.get_int64().get(b.event_time_ms) != simdjson::SUCCESS) return false;
    return f.at_end();
  }

  // depthUpdate after "e": E,[T],s,U,u,[pu],b,a.
  bool fast_depth(OrderedFields& f, Frame& out) noexcept {
    DepthFrame& x = out.depth;
    const char* const end = input.get() + size;
    od::value v;
    if (!fast_i64(f, "E", x.event_time_ms) || !f.step()) return false;
    if (f.is("T")) {
      v = f.value();
      if (v.get_int64().get(x.transaction_time_ms) != simdjson::SUCCESS || !f.step()) return false;
    }
    if (!f.is("s")) return false;
    std::string_view text;
    v = f.value();
    if (v.get_string().get(text) != simdjson::SUCCESS || text.empty() || text.size() > Symbol::kCapacity) return false;
    std::memcpy(out.symbol.chars, text.data(), text.size());
    out.symbol.length = static_cast<std::uint8_t>(text.size());
    if (!fast_u64(f, "U", x.first_update_id) || !fast_u64(f, "u", x.final_update_id) || !f.step()) return false;
    if (f.is("pu")) {
      v = f.value();
      x.has_prev_final = true;
      if (v.get_uint64().get(x.prev_final_update_id) != simdjson::SUCCESS || !f.step()) return false;
    }
    if (!f.is("b")) return false;
    // "b" is the current field: read it through a cursor step that does not move.
    od::array arr;
    v = f.value();
    if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
    if (!levels_of(arr, end, bids) || !fast_levels(f, "a", end, asks, max_levels) || !f.at_end()) return false;
    x.bids = bids;
    x.asks = asks;
    return true;
  }

  bool levels_of(od::array& arr, const char* end, std::vector<Level>& out) noexcept {
    out.clear();
    for (auto item : arr) {
      od::array pair;
      if (item.get_array().get(pair) != simdjson::SUCCESS) return false;
      Level level;
      int n = 0;
      for (auto element : pair) {
        od::value e;
        if (element.get(e) != simdjson::SUCCESS) return false;
        if (n == 0 && !fast_decimal_value(e, end, level.price)) return false;
        if (n == 1 && !fast_decimal_value(e, end, level.qty)) return false;
        if (++n > 2) return false;
      }
      if (n != 2 || out.size() == max_levels) return false;
      out.push_back(level);
    }
    return true;
  }

  // The fast path (see above): true when `out` holds the frame exactly as the general path would
  // decode it; false to hand the frame to the general path.
  bool fast(od::document& doc, bool combined, Frame& out, FrameKinds wanted) noexcept {
    od::object top;
    if (doc.get_object().get(top) != simdjson::SUCCESS) return false;
    OrderedFields t(top);
    od::value v;
    od::object d;
    StreamName stream;
    if (combined) {
      std::string_view text;
      if (!t.next("stream", v) || v.get_string().get(text) != simdjson::SUCCESS) return false;
      const auto name = parse_stream_name(text);
      if (name.ok()) stream = name.value();
      const FrameKind by_stream = kind_of(stream.kind);
      if ((by_stream == FrameKind::kBookTicker || by_stream == FrameKind::kKline ||
           by_stream == FrameKind::kPartialDepth) && (wanted & kinds_bit(by_stream)) == 0)
        return false;
      if (!t.next("data", v) || v.get_object().get(d) != simdjson::SUCCESS) return false;
    } else {
      d = top;
    }
    out.stream = stream;
    OrderedFields f(d);
    if (!f.step()) return false;
    bool ok = false;
    if (f.is("u")) {  // spot bookTicker: no "e", no "lastUpdateId", has u, B, A
      out.kind = FrameKind::kBookTicker;
      if ((wanted & kinds_bit(out.kind)) == 0) return false;
      ok = fast_book_ticker(f, out, true);
    } else if (f.is("e")) {
      std::string_view event;
      v = f.value();
      if (v.get_string().get(event) != simdjson::SUCCESS) return false;
      if (event == "bookTicker") {
        out.kind = FrameKind::kBookTicker;
        if ((wanted & kinds_bit(out.kind)) == 0) return false;
        ok = fast_book_ticker(f, out, false);
      } else if (event == "depthUpdate") {
        out.kind = kind_of(stream.kind) == FrameKind::kPartialDepth ? FrameKind::kPartialDepth : FrameKind::kDepthUpdate;
        if ((wanted & kinds_bit(out.kind)) == 0) return false;
        ok = fast_depth(f, out);
      }
    }
    return ok && (!combined || t.at_end());
  }

  DecodeError decode(std::string_view frame, Frame& out, FrameKinds wanted) noexcept {
    out = Frame{};
    if (frame.size() > capacity) return DecodeError::kTooLarge;
    // On-demand reads only the fields keel uses; this one pass rejects a truncated or unbalanced
    // frame even when those fields came before the cut.
    if (!detail::balanced(frame)) return DecodeError::kJson;
    std::memcpy(input.get(), frame.data(), frame.size());
    std::memset(input.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
    size = frame.size();
    od::document doc;
    if (parser.iterate(input.get(), frame.size(), capacity + simdjson::SIMDJSON_PADDING).get(doc))
      return DecodeError::kJson;
    // A cheap look at the first bytes picks the frames the fast path is for; a miss there (or a
    // give-up inside it) costs one more simdjson stage 1 for the general path.
    bool combined = false;
    if (fast_candidate(frame, combined)) {
      if (fast(doc, combined, out, wanted)) return DecodeError::kNone;
      out = Frame{};
      if (parser.iterate(input.get(), frame.size(), capacity + simdjson::SIMDJSON_PADDING).get(doc))
        return DecodeError::kJson;
    }
    return general(doc, out, wanted);
  }

  // Binance's bookTicker and depthUpdate payloads, raw or after {"stream":"…","data": — byte checks only.
  static bool fast_candidate(std::string_view frame, bool& combined) noexcept {
    constexpr std::string_view kStream = R"({"stream":")";
    constexpr std::string_view kData = R"(","data":)";
    std::string_view payload = frame;
    combined = frame.starts_with(kStream);
    if (combined) {
      const std::size_t close = frame.find('"', kStream.size());
      if (close == std::string_view::npos || frame.substr(close).substr(0, kData.size()) != kData) return false;
      payload = frame.substr(close + kData.size());
    }
    return payload.starts_with(R"({"u":)") || payload.starts_with(R"({"e":"depthUpdate")") ||
           payload.starts_with(R"({"e":"bookTicker")");
  }

  // The general path: any field order, every error classified.
  DecodeError general(od::document& doc, Frame& out, FrameKinds wanted) noexcept {
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
