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

// A field of `o` in any order. Not simdjson's find_field_unordered: when its search wraps around
// it assumes the part of the object before its starting point is well formed, which hostile but
// bracket-balanced input breaks (undefined behaviour; fuzz_exchange_info found it, DECISIONS 103).
// Instead: forward from where the object's iterator stands (Binance's own order makes this the only
// step), then once more from the object's start — both walks check every separator.
simdjson::simdjson_result<od::value> find(od::object& o, std::string_view key) noexcept {
  auto forward = o.find_field(key);
  if (forward.error() != simdjson::NO_SUCH_FIELD) return forward;
  if (const error_code e = o.reset().error()) return e;
  return o.find_field(key);
}

// Helpers: each reads one field of `o` (found in any order) into `out`.
DecodeError i64(od::object& o, std::string_view key, std::int64_t& out) noexcept {
  return from(find(o, key).get_int64().get(out));
}
DecodeError u64(od::object& o, std::string_view key, std::uint64_t& out) noexcept {
  return from(find(o, key).get_uint64().get(out));
}
DecodeError boolean(od::object& o, std::string_view key, bool& out) noexcept {
  return from(find(o, key).get_bool().get(out));
}
// An optional integer: absent leaves `out` and `present` as they are.
DecodeError opt_i64(od::object& o, std::string_view key, std::int64_t& out, bool* present = nullptr) noexcept {
  auto field = find(o, key);
  if (field.error() == simdjson::NO_SUCH_FIELD) return DecodeError::kNone;
  if (present != nullptr) *present = true;
  return from(field.get_int64().get(out));
}
DecodeError opt_u64(od::object& o, std::string_view key, std::uint64_t& out, bool* present = nullptr) noexcept {
  auto field = find(o, key);
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
  if (const error_code e = find(o, key).get(v)) return from(e);
  return decimal_value(v, out);
}

// A symbol is 1..Symbol::kCapacity of [A-Za-z0-9_.-] (Binance's symbols are upper-case letters and
// digits; delivery futures add '_'). Anything else — an escape that decoded to a control character,
// a backslash, a quote — is refused, so a decoded symbol can always be written back into JSON as is
// (found by fuzz_binance_decode: an escaped "\f" made a symbol the encoder could not re-emit).
bool symbol_chars_ok(std::string_view text) noexcept {
  if (text.empty() || text.size() > Symbol::kCapacity) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

DecodeError symbol_field(od::object& o, Symbol& out) noexcept {
  std::string_view text;
  if (const error_code e = find(o, "s").get_string().get(text)) return from(e);
  if (!symbol_chars_ok(text)) return DecodeError::kBadSymbol;
  std::memcpy(out.chars, text.data(), text.size());
  out.length = static_cast<std::uint8_t>(text.size());
  return DecodeError::kNone;
}

// [["price","qty"],…] into `out` (capacity reserved; never grows past `max`). Extra elements in a
// level are ignored, as Binance may add some.
DecodeError levels(od::object& o, std::string_view key, std::vector<Level>& out, std::size_t max) noexcept {
  out.clear();
  od::array arr;
  if (const error_code e = find(o, key).get_array().get(arr)) return from(e);
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

// ---- The fast path: Binance's own bytes --------------------------------------------------------
//
// Binance writes bookTicker and depthUpdate frames (spot and futures, raw or combined) in one layout:
// fixed keys in a fixed order, no whitespace, no escapes. The fast path recognises exactly that text,
// byte by byte — every key, quote, comma and bracket, unsigned integers without leading zeros, strings
// of printable ASCII, decimals as parse_decimal reads them, and the end of the frame right after the
// last brace. A frame it takes is therefore valid JSON with unique keys, and its values are the ones
// the general path (simdjson) reads; it needs neither simdjson nor the structural pre-pass. Any other
// text — another order, an extra or missing field, whitespace, an escape, a value keel would refuse —
// makes it give up, and the general path decodes the frame from the start: every error still comes
// from the general path.

#if defined(__SSE4_1__)
// wire_decimal's shuffles: for k integer digits, lanes 0-7 take bytes 0..k-1 right-aligned, lanes
// 8-15 the bytes after the dot (k+1…); 0x80 gives zero.
constexpr auto make_digit_shuffles() noexcept {
  struct Table {
    alignas(16) signed char lanes[9][16];
  } t{};
  for (int k = 0; k <= 8; ++k) {
    for (int j = 0; j < 8; ++j) t.lanes[k][j] = static_cast<signed char>(j >= 8 - k ? j - (8 - k) : -128);
    for (int m = 0; m < 8; ++m) t.lanes[k][8 + m] = static_cast<signed char>(k + 1 + m < 16 ? k + 1 + m : -128);
  }
  return t;
}
constexpr auto make_decimal_keeps() noexcept {
  struct Table {
    alignas(16) signed char lanes[9][16];
  } t{};
  for (int f = 0; f <= 8; ++f)
    for (int j = 0; j < 16; ++j) t.lanes[f][j] = static_cast<signed char>(j < 8 || j < 8 + f ? -1 : 0);
  return t;
}
constexpr auto kDigitShuffleTable = make_digit_shuffles();
constexpr auto kDecimalKeepTable = make_decimal_keeps();
const __m128i* const kDigitShuffle = reinterpret_cast<const __m128i*>(kDigitShuffleTable.lanes);
const __m128i* const kDecimalKeep = reinterpret_cast<const __m128i*>(kDecimalKeepTable.lanes);
#endif

// wire_decimal for a string longer than 15 bytes or near the frame's end.
bool wire_decimal_tail(const char*& p, const char* end, std::int64_t& raw) noexcept {
  const auto* q = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
  if (q == nullptr || std::memchr(p, '\\', static_cast<std::size_t>(q - p)) != nullptr) return false;
  const auto parsed = parse_decimal(std::string_view(p, static_cast<std::size_t>(q - p)));
  if (!parsed.ok()) return false;
  raw = parsed.value().raw;
  p = q + 1;
  return true;
}

// parse_decimal's raw value for the string whose text starts at `p` (just after its opening quote;
// the frame ends at `end`); `p` moves past the closing quote. False when the fast path must give up
// (an escape, no closing quote, or a text parse_decimal refuses: the general path reports that). A
// text parse_decimal accepts is digits and one dot only, so it is also a valid JSON string.
[[gnu::always_inline]] inline bool wire_decimal(const char*& p, const char* end, std::int64_t& raw) noexcept {
#if defined(__SSE2__)
  // The loads below read at most 24 bytes from p (the decimals' word starts at most 14 bytes in).
  if (end - p < 24) return wire_decimal_tail(p, end, raw);
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
#if defined(__SSE4_1__)
        // Both parts at once: lanes 0-7 take the k integer digits right-aligned, lanes 8-15 the f
        // decimals left-aligned (zeros elsewhere), then neighbouring lanes are paired up:
        // 1-digit → 2-digit → 4-digit → 8-digit numbers (units in 32-bit lane 0, decimals in lane 1).
        const __m128i digits = _mm_and_si128(_mm_shuffle_epi8(d, kDigitShuffle[k]), kDecimalKeep[f]);
        const __m128i pairs = _mm_maddubs_epi16(digits, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
        const __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
        const __m128i eights = _mm_madd_epi16(_mm_packus_epi32(quads, quads), _mm_setr_epi16(10000, 1, 10000, 1, 0, 0, 0, 0));
        const auto units = static_cast<std::uint32_t>(_mm_cvtsi128_si32(eights));
        const auto frac = static_cast<std::uint32_t>(_mm_extract_epi32(eights, 1));
#else
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
#endif
        raw = static_cast<std::int64_t>(units) * kScale + static_cast<std::int64_t>(frac);
        p += len + 1;
        return true;
      }
    }
    if ((static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\')))) & in) != 0) return false;
    const auto parsed = parse_decimal(std::string_view(p, static_cast<std::size_t>(len)));
    if (!parsed.ok()) return false;
    raw = parsed.value().raw;
    p += len + 1;
    return true;
  }
#endif
  return wire_decimal_tail(p, end, raw);
}

// A cursor over the frame, which ends at `end`.
struct WireScan {
  const char* p;
  const char* end;

  // Takes `s` if the text continues with it.
  bool lit(std::string_view s) noexcept {
    if (static_cast<std::size_t>(end - p) < s.size() || std::memcmp(p, s.data(), s.size()) != 0) return false;
    p += s.size();
    return true;
  }
  // A JSON integer ≥ 0 of at most `max_digits` digits (so it fits), no leading zero.
  template <class T>
  bool integer(T& out, int max_digits) noexcept {
    const char* const begin = p;
    std::uint64_t v = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) v = v * 10 + static_cast<unsigned>(*p++ - '0');
    const auto n = p - begin;
    if (n == 0 || n > max_digits || (n > 1 && *begin == '0')) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool u64(std::uint64_t& out) noexcept { return integer(out, 19); }
  bool i64(std::int64_t& out) noexcept { return integer(out, 18); }
  // A string's text (after its opening quote; takes the closing one): printable ASCII, no escapes.
  bool text(std::string_view& out) noexcept {
    const char* const begin = p;
    for (; p < end && *p != '"'; ++p)
      if (*p < 0x20 || *p > 0x7E || *p == '\\') return false;
    if (p == end) return false;
    out = std::string_view(begin, static_cast<std::size_t>(p - begin));
    ++p;
    return true;
  }
  template <class T>
  bool decimal(T& out) noexcept {
    std::int64_t raw = 0;
    if (!wire_decimal(p, end, raw)) return false;
    out = T::from_raw(raw);
    return true;
  }
  bool symbol(Symbol& out) noexcept {
    std::string_view s;
    if (!text(s) || !symbol_chars_ok(s)) return false;
    std::memcpy(out.chars, s.data(), s.size());
    out.length = static_cast<std::uint8_t>(s.size());
    return true;
  }
  // [["price","qty"],…] (at most `max` levels).
  bool levels(std::vector<Level>& out, std::size_t max) noexcept {
    out.clear();
    if (!lit("[")) return false;
    if (lit("]")) return true;
    do {
      Level level;
      if (!lit("[\"") || !decimal(level.price) || !lit(",\"") || !decimal(level.qty) || !lit("]")) return false;
      if (out.size() == max) return false;
      out.push_back(level);
    } while (lit(","));
    return lit("]");
  }
};

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
    case StreamKind::kMarkPrice: return FrameKind::kMarkPrice;
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
  char last_stream_text[64] = {};
  std::size_t last_stream_size = sizeof last_stream_text + 1;  // none yet
  StreamName last_stream;

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
    if (const error_code e = find(d, "k").get_object().get(o)) return from(e);
    KEEL_TRY(i64(o, "t", k.open_time_ms));
    KEEL_TRY(i64(o, "T", k.close_time_ms));
    std::string_view interval;
    if (const error_code e = find(o, "i").get_string().get(interval)) return from(e);
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

  // markPriceUpdate: "r" is a signed decimal, or "" for a delivery contract (no funding).
  DecodeError mark_price(od::object& d, Frame& out) noexcept {
    MarkPriceMsg& m = out.mark_price;
    KEEL_TRY(i64(d, "E", m.event_time_ms));
    KEEL_TRY(symbol_field(d, out.symbol));
    KEEL_TRY(decimal(d, "p", m.mark_price));
    KEEL_TRY(decimal(d, "i", m.index_price));
    KEEL_TRY(decimal(d, "P", m.estimated_settle_price));
    std::string_view rate;
    if (const error_code e = find(d, "r").get_string().get(rate)) return from(e);
    if (!rate.empty()) {
      const auto parsed = parse_signed_decimal(rate);
      if (!parsed.ok()) return DecodeError::kBadDecimal;
      m.funding_rate.e8 = parsed.value().raw;
      m.has_funding_rate = true;
    }
    return i64(d, "T", m.next_funding_time_ms);
  }

  // The fast path (see WireScan): true when `out` holds the frame exactly as the general path would
  // decode it; false to hand the frame to the general path.
  bool fast(const char* begin, const char* end, Frame& out, FrameKinds wanted) noexcept {
    WireScan s{begin, end};
    StreamName stream;
    const bool combined = s.lit(R"({"stream":")");
    if (combined) {
      std::string_view name;
      if (!s.text(name)) return false;
      stream = stream_name(name);
      const FrameKind by_stream = kind_of(stream.kind);
      if ((by_stream == FrameKind::kBookTicker || by_stream == FrameKind::kKline ||
           by_stream == FrameKind::kPartialDepth) && (wanted & kinds_bit(by_stream)) == 0)
        return false;
      if (!s.lit(R"(,"data":)")) return false;
    }
    out.stream = stream;
    if (s.lit(R"({"u":)")) {  // spot bookTicker: no "e", no "lastUpdateId", has u, B, A
      if (!book_ticker_body(s, out, wanted)) return false;
    } else if (s.lit(R"({"e":"bookTicker","u":)")) {
      if (!book_ticker_body(s, out, wanted) || !s.lit(R"(,"T":)") || !s.i64(out.book_ticker.transaction_time_ms) ||
          !s.lit(R"(,"E":)") || !s.i64(out.book_ticker.event_time_ms))
        return false;
    } else if (s.lit(R"({"e":"depthUpdate","E":)")) {
      out.kind = kind_of(stream.kind) == FrameKind::kPartialDepth ? FrameKind::kPartialDepth : FrameKind::kDepthUpdate;
      if ((wanted & kinds_bit(out.kind)) == 0) return false;
      DepthFrame& x = out.depth;
      if (!s.i64(x.event_time_ms)) return false;
      if (s.lit(R"(,"T":)") && !s.i64(x.transaction_time_ms)) return false;
      if (!s.lit(R"(,"s":")") || !s.symbol(out.symbol) || !s.lit(R"(,"U":)") || !s.u64(x.first_update_id) ||
          !s.lit(R"(,"u":)") || !s.u64(x.final_update_id))
        return false;
      if (s.lit(R"(,"pu":)")) {
        if (!s.u64(x.prev_final_update_id)) return false;
        x.has_prev_final = true;
      }
      if (!s.lit(R"(,"b":)") || !s.levels(bids, max_levels) || !s.lit(R"(,"a":)") || !s.levels(asks, max_levels))
        return false;
      x.bids = bids;
      x.asks = asks;
    } else {
      return false;
    }
    return s.lit("}") && (!combined || s.lit("}")) && s.p == end;
  }

  // u (taken), s, b, B, a, A.
  static bool book_ticker_body(WireScan& s, Frame& out, FrameKinds wanted) noexcept {
    out.kind = FrameKind::kBookTicker;
    if ((wanted & kinds_bit(out.kind)) == 0) return false;
    BookTickerFrame& b = out.book_ticker;
    return s.u64(b.update_id) && s.lit(R"(,"s":")") && s.symbol(out.symbol) && s.lit(R"(,"b":")") &&
           s.decimal(b.bid_price) && s.lit(R"(,"B":")") && s.decimal(b.bid_qty) && s.lit(R"(,"a":")") &&
           s.decimal(b.ask_price) && s.lit(R"(,"A":")") && s.decimal(b.ask_qty);
  }

  // parse_stream_name, remembering the last name (a connection carries a few streams, each many times).
  StreamName stream_name(std::string_view text) noexcept {
    if (text.size() == last_stream_size && text.size() <= sizeof last_stream_text &&
        std::memcmp(text.data(), last_stream_text, text.size()) == 0)
      return last_stream;
    const auto name = parse_stream_name(text);
    const StreamName result = name.ok() ? name.value() : StreamName{};
    if (text.size() <= sizeof last_stream_text) {
      std::memcpy(last_stream_text, text.data(), text.size());
      last_stream_size = text.size();
      last_stream = result;
    }
    return result;
  }

  DecodeError decode(std::string_view frame, Frame& out, FrameKinds wanted) noexcept {
    out = Frame{};
    if (frame.size() > capacity) return DecodeError::kTooLarge;
    if (fast(frame.data(), frame.data() + frame.size(), out, wanted)) return DecodeError::kNone;
    out = Frame{};
    // On-demand reads only the fields keel uses; this one pass rejects a truncated or unbalanced
    // frame even when those fields came before the cut.
    if (!detail::balanced(frame)) return DecodeError::kJson;
    std::memcpy(input.get(), frame.data(), frame.size());
    std::memset(input.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (parser.iterate(input.get(), frame.size(), capacity + simdjson::SIMDJSON_PADDING).get(doc))
      return DecodeError::kJson;
    return general(doc, out, wanted);
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
      auto field = find(top, "stream");
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
      auto field = find(top, "data");
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
    auto e_field = find(d, "e");
    if (e_field.error() == simdjson::SUCCESS) {
      std::string_view event;
      if (const error_code e = e_field.get_string().get(event)) return from(e);
      if (event == "trade") kind = FrameKind::kTrade;
      else if (event == "aggTrade") kind = FrameKind::kAggTrade;
      else if (event == "bookTicker") kind = FrameKind::kBookTicker;
      else if (event == "depthUpdate") kind = by_stream == FrameKind::kPartialDepth ? FrameKind::kPartialDepth : FrameKind::kDepthUpdate;
      else if (event == "kline") kind = FrameKind::kKline;
      else if (event == "markPriceUpdate") kind = FrameKind::kMarkPrice;
      else return DecodeError::kUnknownKind;
    } else if (e_field.error() == simdjson::NO_SUCH_FIELD) {
      spot_shape = true;
      if (find(d, "lastUpdateId").error() == simdjson::SUCCESS) {
        kind = FrameKind::kPartialDepth;
      } else if (find(d, "u").error() == simdjson::SUCCESS &&
                 find(d, "B").error() == simdjson::SUCCESS &&
                 find(d, "A").error() == simdjson::SUCCESS) {
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
      case FrameKind::kMarkPrice: result = mark_price(d, out); break;
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
