#include "keel/sim/binance_format.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <new>
#include <vector>

namespace keel::sim::binance {
namespace {

// ---- Small writers: each appends one JSON token. ----

void put(std::string& out, std::string_view text) { out.append(text); }

template <class Int>
void put_int(std::string& out, Int value) {
  std::array<char, 24> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
}

// "<raw / 10^8 with `decimals` decimals>"
void put_decimal(std::string& out, std::int64_t raw, int decimals) {
  std::array<char, 32> buf{};
  const std::size_t n = format_fixed(raw, decimals, buf.data());
  out.push_back('"');
  out.append(buf.data(), n);
  out.push_back('"');
}

void put_bool(std::string& out, bool value) { out.append(value ? "true" : "false"); }

// ,"key":
void put_key(std::string& out, std::string_view key) {
  out.append(",\"");
  out.append(key);
  out.append("\":");
}

void put_symbol(std::string& out, const SymbolFormat& fmt) {
  out.push_back('"');
  out.append(fmt.name());
  out.push_back('"');
}

// [["p","q"],…]
void put_levels(std::string& out, const SymbolFormat& fmt, std::span<const Level> levels) {
  out.push_back('[');
  bool first = true;
  for (const Level& level : levels) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    put_decimal(out, level.price.raw(), fmt.price_decimals);
    out.push_back(',');
    put_decimal(out, level.qty.raw(), fmt.qty_decimals);
    out.push_back(']');
  }
  out.push_back(']');
}

// JSON string contents: quotes, backslashes and control characters escaped; other bytes as they are
// (the input was validated UTF-8 by simdjson, or is our own ASCII).
void put_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
}

int clamp_decimals(int d) noexcept { return std::clamp(d, 0, kDecimals); }

struct IntervalName {
  KlineInterval interval;
  std::string_view name;
};
constexpr std::array<IntervalName, 16> kIntervals{{
    {KlineInterval::k1s, "1s"},   {KlineInterval::k1m, "1m"},   {KlineInterval::k3m, "3m"},
    {KlineInterval::k5m, "5m"},   {KlineInterval::k15m, "15m"}, {KlineInterval::k30m, "30m"},
    {KlineInterval::k1h, "1h"},   {KlineInterval::k2h, "2h"},   {KlineInterval::k4h, "4h"},
    {KlineInterval::k6h, "6h"},   {KlineInterval::k8h, "8h"},   {KlineInterval::k12h, "12h"},
    {KlineInterval::k1d, "1d"},   {KlineInterval::k3d, "3d"},   {KlineInterval::k1w, "1w"},
    {KlineInterval::k1M, "1M"},
}};

}  // namespace

// ---- Symbol formats ----

Result<SymbolFormat> make_symbol_format(std::string_view symbol, int price_decimals, int qty_decimals,
                                        int quote_decimals) noexcept {
  if (symbol.empty() || symbol.size() > SymbolFormat::kMaxSymbol) return Errc::kInvalidArgument;
  SymbolFormat fmt;
  std::memcpy(fmt.symbol, symbol.data(), symbol.size());
  fmt.symbol_len = static_cast<std::uint8_t>(symbol.size());
  fmt.price_decimals = static_cast<std::int8_t>(clamp_decimals(price_decimals));
  fmt.qty_decimals = static_cast<std::int8_t>(clamp_decimals(qty_decimals));
  fmt.quote_decimals = static_cast<std::int8_t>(clamp_decimals(quote_decimals));
  return fmt;
}

Result<SymbolFormat> symbol_format_for(const Instrument& instrument, Market market) noexcept {
  if (market == Market::kFutures) {
    return make_symbol_format(instrument.symbol, instrument.price_decimals, instrument.qty_decimals,
                              instrument.price_decimals);
  }
  return make_symbol_format(instrument.symbol, kDecimals, kDecimals, kDecimals);
}

// ---- Kline intervals ----

std::string_view to_string(KlineInterval interval) noexcept {
  for (const IntervalName& entry : kIntervals) {
    if (entry.interval == interval) return entry.name;
  }
  return {};
}

Result<KlineInterval> parse_kline_interval(std::string_view text) noexcept {
  for (const IntervalName& entry : kIntervals) {
    if (entry.name == text) return entry.interval;
  }
  return Errc::kGarbage;
}

// ---- Payload encoders ----

void encode_trade(std::string& out, Market market, const SymbolFormat& fmt, const TradeMsg& msg) {
  put(out, "{\"e\":\"trade\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.trade_time_ms);
  }
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "t");
  put_int(out, msg.trade_id);
  put_key(out, "p");
  put_decimal(out, msg.price.raw(), fmt.price_decimals);
  put_key(out, "q");
  put_decimal(out, msg.qty.raw(), fmt.qty_decimals);
  if (market == Market::kFutures) {
    put(out, ",\"X\":\"MARKET\"");
  } else {
    put_key(out, "T");
    put_int(out, msg.trade_time_ms);
  }
  put_key(out, "m");
  put_bool(out, msg.buyer_is_maker);
  if (market != Market::kFutures) put(out, ",\"M\":true");
  out.push_back('}');
}

void encode_agg_trade(std::string& out, Market market, const SymbolFormat& fmt, const AggTradeMsg& msg) {
  put(out, "{\"e\":\"aggTrade\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  // Spot writes the symbol before the aggregate id, futures after it (as captured).
  if (market == Market::kFutures) {
    put_key(out, "a");
    put_int(out, msg.agg_id);
    put_key(out, "s");
    put_symbol(out, fmt);
  } else {
    put_key(out, "s");
    put_symbol(out, fmt);
    put_key(out, "a");
    put_int(out, msg.agg_id);
  }
  put_key(out, "p");
  put_decimal(out, msg.price.raw(), fmt.price_decimals);
  put_key(out, "q");
  put_decimal(out, msg.qty.raw(), fmt.qty_decimals);
  put_key(out, "f");
  put_int(out, msg.first_trade_id);
  put_key(out, "l");
  put_int(out, msg.last_trade_id);
  put_key(out, "T");
  put_int(out, msg.trade_time_ms);
  put_key(out, "m");
  put_bool(out, msg.buyer_is_maker);
  if (market != Market::kFutures) put(out, ",\"M\":true");
  out.push_back('}');
}

void encode_book_ticker(std::string& out, Market market, const SymbolFormat& fmt, const BookTickerMsg& msg) {
  if (market == Market::kFutures) {
    put(out, "{\"e\":\"bookTicker\",\"u\":");
  } else {
    put(out, "{\"u\":");
  }
  put_int(out, msg.update_id);
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "b");
  put_decimal(out, msg.bid_price.raw(), fmt.price_decimals);
  put_key(out, "B");
  put_decimal(out, msg.bid_qty.raw(), fmt.qty_decimals);
  put_key(out, "a");
  put_decimal(out, msg.ask_price.raw(), fmt.price_decimals);
  put_key(out, "A");
  put_decimal(out, msg.ask_qty.raw(), fmt.qty_decimals);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.transaction_time_ms);
    put_key(out, "E");
    put_int(out, msg.event_time_ms);
  }
  out.push_back('}');
}

void encode_depth_diff(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg) {
  put(out, "{\"e\":\"depthUpdate\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.transaction_time_ms);
  }
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "U");
  put_int(out, msg.first_update_id);
  put_key(out, "u");
  put_int(out, msg.final_update_id);
  if (market == Market::kFutures) {
    put_key(out, "pu");
    put_int(out, msg.prev_final_update_id);
  }
  put_key(out, "b");
  put_levels(out, fmt, msg.bids);
  put_key(out, "a");
  put_levels(out, fmt, msg.asks);
  out.push_back('}');
}

void encode_partial_depth(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg) {
  if (market == Market::kFutures) {
    encode_depth_diff(out, market, fmt, msg);
    return;
  }
  put(out, "{\"lastUpdateId\":");
  put_int(out, msg.final_update_id);
  put_key(out, "bids");
  put_levels(out, fmt, msg.bids);
  put_key(out, "asks");
  put_levels(out, fmt, msg.asks);
  out.push_back('}');
}

void encode_kline(std::string& out, const SymbolFormat& fmt, const KlineMsg& msg) {
  put(out, "{\"e\":\"kline\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  put_key(out, "s");
  put_symbol(out, fmt);
  put(out, ",\"k\":{\"t\":");
  put_int(out, msg.open_time_ms);
  put_key(out, "T");
  put_int(out, msg.close_time_ms);
  put_key(out, "s");
  put_symbol(out, fmt);
  put(out, ",\"i\":\"");
  put(out, to_string(msg.interval));
  out.push_back('"');
  put_key(out, "f");
  put_int(out, msg.first_trade_id);
  put_key(out, "L");
  put_int(out, msg.last_trade_id);
  put_key(out, "o");
  put_decimal(out, msg.open.raw(), fmt.price_decimals);
  put_key(out, "c");
  put_decimal(out, msg.close.raw(), fmt.price_decimals);
  put_key(out, "h");
  put_decimal(out, msg.high.raw(), fmt.price_decimals);
  put_key(out, "l");
  put_decimal(out, msg.low.raw(), fmt.price_decimals);
  put_key(out, "v");
  put_decimal(out, msg.volume.raw(), fmt.qty_decimals);
  put_key(out, "n");
  put_int(out, msg.trade_count);
  put_key(out, "x");
  put_bool(out, msg.closed);
  put_key(out, "q");
  put_decimal(out, msg.quote_volume.raw(), fmt.quote_decimals);
  put_key(out, "V");
  put_decimal(out, msg.taker_buy_volume.raw(), fmt.qty_decimals);
  put_key(out, "Q");
  put_decimal(out, msg.taker_buy_quote_volume.raw(), fmt.quote_decimals);
  put(out, ",\"B\":\"0\"}}");
}

void encode_depth_snapshot(std::string& out, Market market, const SymbolFormat& fmt, const DepthSnapshot& snap) {
  put(out, "{\"lastUpdateId\":");
  put_int(out, snap.last_update_id);
  if (market == Market::kFutures) {
    put_key(out, "E");
    put_int(out, snap.event_time_ms);
    put_key(out, "T");
    put_int(out, snap.transaction_time_ms);
  }
  put_key(out, "bids");
  put_levels(out, fmt, snap.bids);
  put_key(out, "asks");
  put_levels(out, fmt, snap.asks);
  out.push_back('}');
}

void begin_combined(std::string& out, std::string_view stream) {
  put(out, "{\"stream\":\"");
  put(out, stream);
  put(out, "\",\"data\":");
}

void end_combined(std::string& out) { out.push_back('}'); }

// ---- Stream names ----

bool operator==(const StreamName& a, const StreamName& b) noexcept {
  return a.symbol_view() == b.symbol_view() && a.kind == b.kind && a.depth_levels == b.depth_levels &&
         a.interval == b.interval;
}

Result<StreamName> parse_stream_name(std::string_view text) noexcept {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at > StreamName::kMaxSymbol) return Errc::kGarbage;
  const std::string_view symbol = text.substr(0, at);
  for (const char c : symbol) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return Errc::kGarbage;
  }
  StreamName name;
  std::memcpy(name.symbol, symbol.data(), symbol.size());
  name.symbol_len = static_cast<std::uint8_t>(symbol.size());
  const std::string_view kind = text.substr(at + 1);
  if (kind == "trade") {
    name.kind = StreamKind::kTrade;
  } else if (kind == "aggTrade") {
    name.kind = StreamKind::kAggTrade;
  } else if (kind == "bookTicker") {
    name.kind = StreamKind::kBookTicker;
  } else if (kind == "depth@100ms") {
    name.kind = StreamKind::kDepthDiff;
  } else if (kind == "depth5@100ms" || kind == "depth10@100ms" || kind == "depth20@100ms") {
    name.kind = StreamKind::kPartialDepth;
    name.depth_levels = kind[6] == '@' ? std::uint8_t{5} : kind[5] == '1' ? std::uint8_t{10} : std::uint8_t{20};
  } else if (kind.starts_with("kline_")) {
    const auto interval = parse_kline_interval(kind.substr(6));
    if (!interval.ok()) return Errc::kGarbage;
    name.kind = StreamKind::kKline;
    name.interval = interval.value();
  } else {
    return Errc::kGarbage;
  }
  return name;
}

void append_stream_name(std::string& out, const StreamName& name) {
  out.append(name.symbol_view());
  switch (name.kind) {
    case StreamKind::kTrade: out.append("@trade"); break;
    case StreamKind::kAggTrade: out.append("@aggTrade"); break;
    case StreamKind::kBookTicker: out.append("@bookTicker"); break;
    case StreamKind::kDepthDiff: out.append("@depth@100ms"); break;
    case StreamKind::kPartialDepth:
      out.append("@depth");
      put_int(out, static_cast<unsigned>(name.depth_levels));
      out.append("@100ms");
      break;
    case StreamKind::kKline:
      out.append("@kline_");
      out.append(to_string(name.interval));
      break;
    case StreamKind::kNone: break;
  }
}

// ---- Depth ids ----

DepthIds DepthStreamState::next_diff(std::uint32_t changes) noexcept {
  // Futures: U is the previous u, so a diff's range always contains the lastUpdateId of a snapshot
  // taken just before it (see the class comment).
  const std::uint64_t first = market_ == Market::kFutures ? last_ : last_ + 1;
  const DepthIds ids{first, last_ + changes, last_};
  last_ += changes;
  return ids;
}

// ---- DepthSync ----

namespace {
void set_level(std::map<std::int64_t, std::int64_t>& side, const Level& level) {
  if (level.qty.is_zero()) {
    side.erase(level.price.raw());  // removing an unknown level is normal
  } else {
    side[level.price.raw()] = level.qty.raw();
  }
}
}  // namespace

void DepthSync::load_snapshot(std::uint64_t last_update_id, std::span<const Level> bids,
                              std::span<const Level> asks) {
  bids_.clear();
  asks_.clear();
  for (const Level& l : bids) set_level(bids_, l);
  for (const Level& l : asks) set_level(asks_, l);
  has_snapshot_ = true;
  applied_any_ = false;
  snapshot_id_ = last_update_id;
  last_final_ = 0;
}

void DepthSync::apply_levels(const DepthMsg& diff) {
  for (const Level& l : diff.bids) set_level(bids_, l);
  for (const Level& l : diff.asks) set_level(asks_, l);
  applied_any_ = true;
  last_final_ = diff.final_update_id;
}

DepthSync::Outcome DepthSync::apply(const DepthMsg& diff) {
  if (!has_snapshot_) return Outcome::kNoSnapshot;
  const std::uint64_t first = diff.first_update_id;
  const std::uint64_t final = diff.final_update_id;
  bool links = false;
  if (!applied_any_) {
    if (market_ == Market::kFutures) {
      if (final < snapshot_id_) return Outcome::kDropped;
      links = first <= snapshot_id_;  // U <= lastUpdateId <= u
    } else {
      if (final <= snapshot_id_) return Outcome::kDropped;
      links = first <= snapshot_id_ + 1;  // U <= lastUpdateId + 1 <= u
    }
  } else if (market_ == Market::kFutures) {
    links = diff.prev_final_update_id == last_final_;
  } else {
    links = first == last_final_ + 1;
  }
  if (!links) {
    has_snapshot_ = false;
    bids_.clear();
    asks_.clear();
    return Outcome::kGap;
  }
  apply_levels(diff);
  return Outcome::kApplied;
}

// ---- Control messages ----

namespace {
constexpr std::string_view kMsgNotObject = "Invalid request: expected a JSON object";
constexpr std::string_view kMsgBadId = "Invalid request: request ID must be an unsigned integer";
constexpr std::string_view kMsgNoMethod = "Invalid request: missing field `method`";
constexpr std::string_view kMsgMethodType = "Invalid request: method must be a string";
constexpr std::string_view kMsgNoParams = "Invalid request: missing field `params`";
constexpr std::string_view kMsgParamsType = "Invalid request: params must be an array of strings";
constexpr std::string_view kMsgTooMany = "Invalid request: too many parameters";
constexpr std::string_view kMsgTooLarge = "Invalid JSON: message too large";
constexpr std::string_view kMsgEof = "Invalid JSON: EOF while parsing a value";
constexpr std::string_view kMsgUtf8 = "Invalid JSON: invalid UTF-8";
constexpr std::string_view kMsgSyntax = "Invalid JSON: expected value";
constexpr std::size_t kMaxEcho = 64;  // bytes of a client's text echoed in an error message

// True when `text` stops before its JSON value is complete: only whitespace, or an unclosed string,
// object or array (a truncated frame). Used only to word the error message.
bool ends_early(std::string_view text) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool any = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    any = true;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return !any || in_string || depth > 0;
}

// The longest prefix of `text` of at most kMaxEcho bytes that does not cut a UTF-8 sequence.
std::string_view echo_prefix(std::string_view text) noexcept {
  if (text.size() <= kMaxEcho) return text;
  std::size_t n = kMaxEcho;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) --n;
  return text.substr(0, n);
}
}  // namespace

struct ControlParser::Impl {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> input;  // kMaxMessageBytes + SIMDJSON_PADDING
  std::vector<StreamName> streams;
  std::string msg;  // error messages with an echoed part

  Impl() : input(new char[kMaxMessageBytes + simdjson::SIMDJSON_PADDING]) {
    streams.reserve(kMaxStreams);
    msg.reserve(256);
    // Allocate the parser's buffers once; parse() never grows them.
    if (parser.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
    // simdjson sizes its document (tape and strings) on demand, to the longest input parsed so far;
    // parse one of the maximum length here so that no client message ever grows it.
    std::memset(input.get(), ' ', kMaxMessageBytes);
    input[0] = '{';
    input[1] = '}';
    std::memset(input.get() + kMaxMessageBytes, 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    if (parser.parse(input.get(), kMaxMessageBytes, false).get(root) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  ControlParse fail(int code, std::string_view text, bool has_id, std::uint64_t id) const noexcept {
    ControlParse r;
    r.error = ControlError{code, text, has_id, id};
    return r;
  }

  // Builds "<prefix>`<echo>`<suffix>" in msg (capacity reserved; echo is bounded).
  std::string_view echo(std::string_view prefix, std::string_view client_text, std::string_view suffix) {
    msg.clear();
    msg.append(prefix);
    msg.push_back('`');
    msg.append(echo_prefix(client_text));
    msg.push_back('`');
    msg.append(suffix);
    return msg;
  }

  ControlParse parse(std::string_view message) noexcept {
    if (message.size() > kMaxMessageBytes) return fail(kErrInvalidJson, kMsgTooLarge, false, 0);
    std::memcpy(input.get(), message.data(), message.size());
    std::memset(input.get() + message.size(), 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    const auto err = parser.parse(input.get(), message.size(), false).get(root);
    if (err == simdjson::NUMBER_ERROR) {
      // A number simdjson cannot hold (beyond uint64, 1e400): the only number a control message
      // carries is its id.
      return fail(kErrInvalidRequest, kMsgBadId, false, 0);
    }
    if (err != simdjson::SUCCESS) {
      const std::string_view text = err == simdjson::UTF8_ERROR ? kMsgUtf8
                                    : ends_early(message)       ? kMsgEof
                                                                : kMsgSyntax;
      return fail(kErrInvalidJson, text, false, 0);
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgNotObject, false, 0);

    std::uint64_t id = 0;
    if (obj["id"].get_uint64().get(id) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgBadId, false, 0);

    simdjson::dom::element method_el;
    if (obj["method"].get(method_el) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgNoMethod, true, id);
    std::string_view method_name;
    if (method_el.get_string().get(method_name) != simdjson::SUCCESS) {
      return fail(kErrInvalidRequest, kMsgMethodType, true, id);
    }
    ControlMethod method = ControlMethod::kNone;
    if (method_name == "SUBSCRIBE") {
      method = ControlMethod::kSubscribe;
    } else if (method_name == "UNSUBSCRIBE") {
      method = ControlMethod::kUnsubscribe;
    } else if (method_name == "LIST_SUBSCRIPTIONS") {
      method = ControlMethod::kListSubscriptions;
    } else {
      return fail(kErrInvalidRequest,
                  echo("Invalid request: unknown variant ", method_name,
                       ", expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`"),
                  true, id);
    }

    streams.clear();
    simdjson::dom::element params_el;
    const bool has_params = obj["params"].get(params_el) == simdjson::SUCCESS;
    if (method == ControlMethod::kListSubscriptions) {
      // Params are optional here; a non-empty list is refused.
      if (has_params) {
        simdjson::dom::array arr;
        if (params_el.get_array().get(arr) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
        if (arr.size() != 0) return fail(kErrInvalidRequest, kMsgTooMany, true, id);
      }
    } else {
      if (!has_params) return fail(kErrInvalidRequest, kMsgNoParams, true, id);
      simdjson::dom::array arr;
      if (params_el.get_array().get(arr) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
      for (simdjson::dom::element item : arr) {
        std::string_view text;
        if (item.get_string().get(text) != simdjson::SUCCESS) return fail(kErrInvalidRequest, kMsgParamsType, true, id);
        if (streams.size() == kMaxStreams) return fail(kErrInvalidRequest, kMsgTooMany, true, id);
        const auto name = parse_stream_name(text);
        if (!name.ok()) return fail(kErrInvalidRequest, echo("Invalid request: invalid stream name ", text, ""), true, id);
        streams.push_back(name.value());
      }
    }
    ControlParse r;
    r.ok = true;
    r.request = ControlRequest{method, id, std::span<const StreamName>(streams)};
    return r;
  }
};

ControlParser::ControlParser() : impl_(std::make_unique<Impl>()) {}
ControlParser::~ControlParser() = default;

ControlParse ControlParser::parse(std::string_view message) noexcept { return impl_->parse(message); }

void encode_result_null(std::string& out, std::uint64_t id) {
  put(out, "{\"result\":null,\"id\":");
  put_int(out, id);
  out.push_back('}');
}

void encode_list_result(std::string& out, std::span<const StreamName> streams, std::uint64_t id) {
  put(out, "{\"result\":[");
  bool first = true;
  for (const StreamName& s : streams) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    append_stream_name(out, s);
    out.push_back('"');
  }
  put(out, "],\"id\":");
  put_int(out, id);
  out.push_back('}');
}

void encode_error_reply(std::string& out, const ControlError& error) {
  put(out, "{\"error\":{\"code\":");
  put_int(out, error.code);
  put(out, ",\"msg\":\"");
  put_escaped(out, error.msg);
  put(out, "\"},\"id\":");
  if (error.has_id) {
    put_int(out, error.id);
  } else {
    put(out, "null");
  }
  out.push_back('}');
}

}  // namespace keel::sim::binance
