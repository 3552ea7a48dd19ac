#include "keel/protocol/binance/exchange_info.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "json_writer.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/protocol/binance/rest_weight.hpp"

namespace keel::protocol::binance {
namespace {

struct StatusName {
  SymbolStatus status;
  std::string_view name;
};
constexpr std::array<StatusName, 15> kStatuses{{
    {SymbolStatus::kTrading, "TRADING"},
    {SymbolStatus::kPreTrading, "PRE_TRADING"},
    {SymbolStatus::kPostTrading, "POST_TRADING"},
    {SymbolStatus::kEndOfDay, "END_OF_DAY"},
    {SymbolStatus::kHalt, "HALT"},
    {SymbolStatus::kAuctionMatch, "AUCTION_MATCH"},
    {SymbolStatus::kBreak, "BREAK"},
    {SymbolStatus::kPendingTrading, "PENDING_TRADING"},
    {SymbolStatus::kPreDelivering, "PRE_DELIVERING"},
    {SymbolStatus::kDelivering, "DELIVERING"},
    {SymbolStatus::kDelivered, "DELIVERED"},
    {SymbolStatus::kPreSettle, "PRE_SETTLE"},
    {SymbolStatus::kSettling, "SETTLING"},
    {SymbolStatus::kClose, "CLOSE"},
    {SymbolStatus::kOther, "OTHER"},
}};

}  // namespace

std::string_view to_string(SymbolStatus status) noexcept {
  for (const StatusName& s : kStatuses)
    if (s.status == status) return s.name;
  return {};
}

SymbolStatus parse_symbol_status(std::string_view text) noexcept {
  for (const StatusName& s : kStatuses)
    if (s.name == text && s.status != SymbolStatus::kOther) return s.status;
  return SymbolStatus::kOther;
}

bool operator==(const SymbolRules& a, const SymbolRules& b) noexcept {
  return a.symbol.view() == b.symbol.view() && a.base_asset.view() == b.base_asset.view() &&
         a.quote_asset.view() == b.quote_asset.view() && a.status == b.status &&
         a.tick_size == b.tick_size && a.min_price == b.min_price && a.max_price == b.max_price &&
         a.step_size == b.step_size && a.min_qty == b.min_qty && a.max_qty == b.max_qty &&
         a.min_notional == b.min_notional && a.price_precision == b.price_precision &&
         a.quantity_precision == b.quantity_precision;
}

// ---- Encoder ----

namespace {

using namespace detail;

// Names are escaped, so that whatever the decoder accepted (any valid UTF-8) round-trips.
void put_name(std::string& out, const Symbol& name) {
  out.push_back('"');
  put_escaped(out, name.view());
  out.push_back('"');
}

// Spot writes every filter value with 8 decimals ("0.01000000"); futures the shortest form ("0.1").
void put_value(std::string& out, Market market, std::int64_t raw) {
  put_decimal(out, raw, market == Market::kFutures ? decimals_of(raw) : kDecimals);
}

void put_rate_limit(std::string& out, bool first, std::string_view type, std::string_view interval,
                    int interval_num, std::uint32_t limit) {
  if (!first) out.push_back(',');
  put(out, "{\"rateLimitType\":\"");
  put(out, type);
  put(out, "\",\"interval\":\"");
  put(out, interval);
  put(out, "\",\"intervalNum\":");
  put_int(out, interval_num);
  put(out, ",\"limit\":");
  put_int(out, limit);
  out.push_back('}');
}

void put_symbol_rules(std::string& out, Market market, const SymbolRules& s) {
  const bool futures = market == Market::kFutures;
  put(out, "{\"symbol\":");
  put_name(out, s.symbol);
  if (futures) {
    put_key(out, "pair");
    put_name(out, s.symbol);
    put(out, ",\"contractType\":\"PERPETUAL\"");
  }
  put(out, ",\"status\":\"");
  put(out, to_string(s.status == SymbolStatus::kNone ? SymbolStatus::kTrading : s.status));
  out.push_back('"');
  put_key(out, "baseAsset");
  put_name(out, s.base_asset);
  if (!futures) put(out, ",\"baseAssetPrecision\":8");
  put_key(out, "quoteAsset");
  put_name(out, s.quote_asset);
  if (futures) {
    put_key(out, "marginAsset");
    put_name(out, s.quote_asset);
    put_key(out, "pricePrecision");
    put_int(out, s.price_precision >= 0 ? int{s.price_precision} : decimals_of(s.tick_size.raw()));
    put_key(out, "quantityPrecision");
    put_int(out,
            s.quantity_precision >= 0 ? int{s.quantity_precision} : decimals_of(s.step_size.raw()));
    put(out, ",\"baseAssetPrecision\":8,\"quotePrecision\":8");
  } else {
    put(out, ",\"quotePrecision\":8,\"quoteAssetPrecision\":8");
    put(out, ",\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\"]");
  }
  // Futures writes the filter fields in the order the real response does (maxPrice first).
  put(out, ",\"filters\":[{\"filterType\":\"PRICE_FILTER\"");
  if (futures) {
    put_key(out, "maxPrice");
    put_value(out, market, s.max_price.raw());
    put_key(out, "minPrice");
    put_value(out, market, s.min_price.raw());
  } else {
    put_key(out, "minPrice");
    put_value(out, market, s.min_price.raw());
    put_key(out, "maxPrice");
    put_value(out, market, s.max_price.raw());
  }
  put_key(out, "tickSize");
  put_value(out, market, s.tick_size.raw());
  put(out, "},{\"filterType\":\"LOT_SIZE\"");
  put_key(out, "minQty");
  put_value(out, market, s.min_qty.raw());
  put_key(out, "maxQty");
  put_value(out, market, s.max_qty.raw());
  put_key(out, "stepSize");
  put_value(out, market, s.step_size.raw());
  if (futures) {
    put(out, "},{\"filterType\":\"MIN_NOTIONAL\"");
    put_key(out, "notional");
  } else {
    put(out, "},{\"filterType\":\"NOTIONAL\"");
    put_key(out, "minNotional");
  }
  put_value(out, market, s.min_notional.raw());
  if (!futures) put(out, ",\"applyMinToMarket\":true");
  put(out, "}]");
  if (!futures) put(out, ",\"isSpotTradingAllowed\":true,\"permissions\":[]");
  out.push_back('}');
}

}  // namespace

void encode_exchange_info(std::string& out, Market market, const ExchangeInfo& info) {
  const bool futures = market == Market::kFutures;
  put(out, "{\"timezone\":\"UTC\",\"serverTime\":");
  put_int(out, info.server_time_ms);
  if (futures) put(out, ",\"futuresType\":\"U_MARGINED\"");
  put(out, ",\"rateLimits\":[");
  const std::uint32_t weight = info.request_weight_per_minute != 0
                                   ? info.request_weight_per_minute
                                   : weight_budget_per_minute(market);
  put_rate_limit(out, true, "REQUEST_WEIGHT", "MINUTE", 1, weight);
  if (futures) {
    put_rate_limit(out, false, "ORDERS", "MINUTE", 1, 1200);
    put_rate_limit(out, false, "ORDERS", "SECOND", 10, 300);
  } else {
    put_rate_limit(out, false, "ORDERS", "SECOND", 10, 100);
    put_rate_limit(out, false, "ORDERS", "DAY", 1, 200000);
    put_rate_limit(out, false, "RAW_REQUESTS", "MINUTE", 5, 61000);
  }
  put(out, "],\"exchangeFilters\":[],\"symbols\":[");
  bool first = true;
  for (const SymbolRules& s : info.symbols) {
    if (!first) out.push_back(',');
    first = false;
    put_symbol_rules(out, market, s);
  }
  put(out, "]}");
}

// ---- Decoder ----

std::string_view to_string(ExchangeInfoError e) noexcept {
  switch (e) {
    case ExchangeInfoError::kNone:
      return "ok";
    case ExchangeInfoError::kTooLarge:
      return "response too large";
    case ExchangeInfoError::kJson:
      return "invalid JSON";
    case ExchangeInfoError::kNotObject:
      return "not a JSON object";
    case ExchangeInfoError::kMissingField:
      return "missing field";
    case ExchangeInfoError::kWrongType:
      return "wrong field type";
    case ExchangeInfoError::kBadDecimal:
      return "bad decimal";
    case ExchangeInfoError::kBadName:
      return "bad symbol or asset name";
    case ExchangeInfoError::kTooManySymbols:
      return "too many symbols";
    case ExchangeInfoError::kMissingFilter:
      return "missing filter";
    case ExchangeInfoError::kBadFilter:
      return "inconsistent filter";
    case ExchangeInfoError::kOutOfRange:
      return "value out of range";
  }
  return "unknown error";
}

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using E = ExchangeInfoError;

E from(error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return E::kNone;
    case simdjson::NO_SUCH_FIELD:
      return E::kMissingField;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
      return E::kWrongType;
    case simdjson::NUMBER_OUT_OF_RANGE:
      return E::kOutOfRange;
    default:
      return E::kJson;
  }
}

// An object, from a value: kNotObject when it is another type.
E object_of(od::value& v, od::object& out) noexcept {
  const error_code e = v.get_object().get(out);
  if (e == simdjson::INCORRECT_TYPE) return E::kNotObject;
  return from(e);
}

E string_of(od::value& v, std::string_view& out) noexcept {
  return from(v.get_string().get(out));
}

E name_of(od::value& v, Symbol& out) noexcept {
  std::string_view text;
  if (const E e = string_of(v, text); e != E::kNone) return e;
  if (text.empty() || text.size() > Symbol::kCapacity) return E::kBadName;
  std::memcpy(out.chars, text.data(), text.size());
  out.length = static_cast<std::uint8_t>(text.size());
  return E::kNone;
}

template <class T>
E decimal_of(od::value& v, T& out) noexcept {
  std::string_view text;
  if (const E e = string_of(v, text); e != E::kNone) return e;
  const auto parsed = parse_decimal(text);
  if (!parsed.ok()) return E::kBadDecimal;
  out = T::from_raw(parsed.value().raw);
  return E::kNone;
}

E precision_of(od::value& v, std::int8_t& out) noexcept {
  std::int64_t value = 0;
  if (const E e = from(v.get_int64().get(value)); e != E::kNone) return e;
  if (value < 0 || value > kDecimals) return E::kOutOfRange;
  out = static_cast<std::int8_t>(value);
  return E::kNone;
}

// One field of an object being iterated: its unescaped key and its value.
struct Field {
  std::string_view key;
  od::value value;
};
E next_field(simdjson::simdjson_result<od::field> item, Field& out) noexcept {
  od::field f;
  if (std::move(item).get(f) != simdjson::SUCCESS) return E::kJson;
  if (f.unescaped_key().get(out.key) != simdjson::SUCCESS) return E::kJson;
  out.value = f.value();
  return E::kNone;
}

enum class FilterKind : std::uint8_t {
  kOther = 0,
  kPrice = 1,
  kLot = 2,
  kNotional = 3,
  kMinNotional = 4
};

FilterKind filter_kind(std::string_view type) noexcept {
  if (type == "PRICE_FILTER") return FilterKind::kPrice;
  if (type == "LOT_SIZE") return FilterKind::kLot;
  if (type == "NOTIONAL") return FilterKind::kNotional;
  if (type == "MIN_NOTIONAL") return FilterKind::kMinNotional;
  return FilterKind::kOther;
}

}  // namespace

// The decoder reads every object in document order (for (field : object)), never with
// find_field_unordered: simdjson's unordered search assumes, when it wraps around, that the part of
// the object before its starting point is well formed, and hostile input breaks that assumption
// (fuzz_exchange_info found it: an ASSUME in simdjson 3.0.1's find_field_unordered_raw). In-order
// iteration checks every separator and returns an error instead.
struct ExchangeInfoDecoder::Impl {
  od::parser parser;
  std::unique_ptr<char[]> input;
  std::size_t capacity;
  std::size_t max_symbols;
  std::vector<SymbolRules> symbols;
  ExchangeInfoFault fault;

  Impl(std::size_t max_bytes, std::size_t symbols_max)
      : parser(std::max<std::size_t>(max_bytes, 64)),
        input(new char[std::max<std::size_t>(max_bytes, 64) + simdjson::SIMDJSON_PADDING]),
        capacity(std::max<std::size_t>(max_bytes, 64)),
        max_symbols(symbols_max) {
    if (parser.allocate(capacity) != simdjson::SUCCESS) throw std::bad_alloc();
    symbols.reserve(max_symbols);
  }

  // Records `e` against `field` (a static string) and returns it.
  E fail(E e, std::string_view field) noexcept {
    fault.error = e;
    fault.field = field;
    return e;
  }

#define KEEL_EI_TRY(field, expr)                                                    \
  do {                                                                              \
    if (const E keel_e_ = (expr); keel_e_ != E::kNone) return fail(keel_e_, field); \
  } while (false)

  E rate_limit(od::value& v, ExchangeInfo& out) noexcept {
    od::object o;
    KEEL_EI_TRY("rateLimits", object_of(v, o));
    std::string_view type, interval;
    std::int64_t num = 0, limit = 0;
    bool have_type = false, have_interval = false, have_num = false, have_limit = false;
    for (auto item : o) {
      Field f;
      KEEL_EI_TRY("rateLimits", next_field(item, f));
      if (f.key == "rateLimitType") {
        KEEL_EI_TRY("rateLimitType", string_of(f.value, type));
        have_type = true;
      } else if (f.key == "interval") {
        KEEL_EI_TRY("interval", string_of(f.value, interval));
        have_interval = true;
      } else if (f.key == "intervalNum") {
        KEEL_EI_TRY("intervalNum", from(f.value.get_int64().get(num)));
        have_num = true;
      } else if (f.key == "limit") {
        KEEL_EI_TRY("limit", from(f.value.get_int64().get(limit)));
        have_limit = true;
      }
    }
    if (!have_type) return fail(E::kMissingField, "rateLimitType");
    if (!have_interval) return fail(E::kMissingField, "interval");
    if (!have_num) return fail(E::kMissingField, "intervalNum");
    if (!have_limit) return fail(E::kMissingField, "limit");
    if (num <= 0) return fail(E::kOutOfRange, "intervalNum");
    if (limit < 0 || limit > std::numeric_limits<std::uint32_t>::max())
      return fail(E::kOutOfRange, "limit");
    if (type == "REQUEST_WEIGHT" && interval == "MINUTE" && num == 1)
      out.request_weight_per_minute = static_cast<std::uint32_t>(limit);
    return E::kNone;
  }

  E rate_limits(od::value& v, ExchangeInfo& out) noexcept {
    od::array arr;
    KEEL_EI_TRY("rateLimits", from(v.get_array().get(arr)));
    for (auto item : arr) {
      od::value lv;
      KEEL_EI_TRY("rateLimits", from(item.get(lv)));
      if (const E e = rate_limit(lv, out); e != E::kNone) return e;
    }
    return E::kNone;
  }

  // One filter: a first pass finds "filterType" (it may come anywhere), a second reads the values
  // of the filter types keel keeps. Both are in-order iterations.
  E filter(od::value& v, SymbolRules& s, bool& have_price, bool& have_lot) noexcept {
    od::object o;
    KEEL_EI_TRY("filters", object_of(v, o));
    std::string_view type;
    bool have_type = false;
    for (auto item : o) {
      Field f;
      KEEL_EI_TRY("filters", next_field(item, f));
      if (f.key == "filterType") {
        KEEL_EI_TRY("filterType", string_of(f.value, type));
        have_type = true;
      }
    }
    if (!have_type) return fail(E::kMissingField, "filterType");
    const FilterKind kind = filter_kind(type);
    if (kind == FilterKind::kOther) return E::kNone;  // not keel's concern
    bool reset = false;
    KEEL_EI_TRY("filters", from(o.reset().get(reset)));
    unsigned seen = 0;  // bit per value below
    bool notional_seen = false;
    for (auto item : o) {
      Field f;
      KEEL_EI_TRY("filters", next_field(item, f));
      if (kind == FilterKind::kPrice) {
        if (f.key == "minPrice") {
          KEEL_EI_TRY("minPrice", decimal_of(f.value, s.min_price));
          seen |= 1u;
        } else if (f.key == "maxPrice") {
          KEEL_EI_TRY("maxPrice", decimal_of(f.value, s.max_price));
          seen |= 2u;
        } else if (f.key == "tickSize") {
          KEEL_EI_TRY("tickSize", decimal_of(f.value, s.tick_size));
          seen |= 4u;
        }
      } else if (kind == FilterKind::kLot) {
        if (f.key == "minQty") {
          KEEL_EI_TRY("minQty", decimal_of(f.value, s.min_qty));
          seen |= 1u;
        } else if (f.key == "maxQty") {
          KEEL_EI_TRY("maxQty", decimal_of(f.value, s.max_qty));
          seen |= 2u;
        } else if (f.key == "stepSize") {
          KEEL_EI_TRY("stepSize", decimal_of(f.value, s.step_size));
          seen |= 4u;
        }
      } else if (f.key == "minNotional") {  // spot NOTIONAL and spot's older MIN_NOTIONAL
        KEEL_EI_TRY("minNotional", decimal_of(f.value, s.min_notional));
        notional_seen = true;
      } else if (kind == FilterKind::kMinNotional && f.key == "notional") {  // futures MIN_NOTIONAL
        KEEL_EI_TRY("notional", decimal_of(f.value, s.min_notional));
        notional_seen = true;
      }
    }
    if (kind == FilterKind::kPrice) {
      if ((seen & 1u) == 0) return fail(E::kMissingField, "minPrice");
      if ((seen & 2u) == 0) return fail(E::kMissingField, "maxPrice");
      if ((seen & 4u) == 0) return fail(E::kMissingField, "tickSize");
      have_price = true;
    } else if (kind == FilterKind::kLot) {
      if ((seen & 1u) == 0) return fail(E::kMissingField, "minQty");
      if ((seen & 2u) == 0) return fail(E::kMissingField, "maxQty");
      if ((seen & 4u) == 0) return fail(E::kMissingField, "stepSize");
      have_lot = true;
    } else if (!notional_seen) {
      return fail(E::kMissingField, kind == FilterKind::kNotional ? "minNotional" : "notional");
    }
    return E::kNone;
  }

  E symbol(od::value& v, SymbolRules& s) noexcept {
    od::object o;
    KEEL_EI_TRY("symbols", object_of(v, o));
    bool have_symbol = false, have_status = false, have_base = false, have_quote = false;
    bool have_filters = false, have_price = false, have_lot = false;
    for (auto item : o) {
      Field f;
      KEEL_EI_TRY("symbols", next_field(item, f));
      if (f.key == "symbol") {
        KEEL_EI_TRY("symbol", name_of(f.value, s.symbol));
        fault.symbol = s.symbol;
        have_symbol = true;
      } else if (f.key == "status") {
        std::string_view status;
        KEEL_EI_TRY("status", string_of(f.value, status));
        s.status = parse_symbol_status(status);
        have_status = true;
      } else if (f.key == "baseAsset") {
        KEEL_EI_TRY("baseAsset", name_of(f.value, s.base_asset));
        have_base = true;
      } else if (f.key == "quoteAsset") {
        KEEL_EI_TRY("quoteAsset", name_of(f.value, s.quote_asset));
        have_quote = true;
      } else if (f.key == "pricePrecision") {
        KEEL_EI_TRY("pricePrecision", precision_of(f.value, s.price_precision));
      } else if (f.key == "quantityPrecision") {
        KEEL_EI_TRY("quantityPrecision", precision_of(f.value, s.quantity_precision));
      } else if (f.key == "filters") {
        od::array filters;
        KEEL_EI_TRY("filters", from(f.value.get_array().get(filters)));
        for (auto fi : filters) {
          od::value fv;
          KEEL_EI_TRY("filters", from(fi.get(fv)));
          if (const E e = filter(fv, s, have_price, have_lot); e != E::kNone) return e;
        }
        have_filters = true;
      }
    }
    if (!have_symbol) return fail(E::kMissingField, "symbol");
    if (!have_status) return fail(E::kMissingField, "status");
    if (!have_base) return fail(E::kMissingField, "baseAsset");
    if (!have_quote) return fail(E::kMissingField, "quoteAsset");
    if (!have_filters) return fail(E::kMissingField, "filters");
    if (!have_price) return fail(E::kMissingFilter, "PRICE_FILTER");
    if (!have_lot) return fail(E::kMissingFilter, "LOT_SIZE");
    if (s.step_size.is_zero()) return fail(E::kBadFilter, "stepSize");
    if (s.min_qty > s.max_qty) return fail(E::kBadFilter, "minQty");
    if (!s.max_price.is_zero() && s.min_price > s.max_price) return fail(E::kBadFilter, "minPrice");
    return E::kNone;
  }

  E symbol_list(od::value& v) noexcept {
    symbols.clear();  // a repeated "symbols" key: the last one counts
    od::array arr;
    KEEL_EI_TRY("symbols", from(v.get_array().get(arr)));
    std::int32_t index = 0;
    for (auto item : arr) {
      fault.symbol_index = index;
      fault.symbol = Symbol{};
      od::value sv;
      KEEL_EI_TRY("symbols", from(item.get(sv)));
      if (symbols.size() == max_symbols) return fail(E::kTooManySymbols, "symbols");
      SymbolRules s;
      if (const E e = symbol(sv, s); e != E::kNone) return e;
      symbols.push_back(s);  // within the reserved capacity: no allocation
      ++index;
    }
    fault.symbol_index = -1;
    fault.symbol = Symbol{};
    return E::kNone;
  }

  E top_level(od::object& top, ExchangeInfo& out) noexcept {
    bool have_time = false, have_limits = false, have_symbols = false;
    for (auto item : top) {
      Field f;
      KEEL_EI_TRY("", next_field(item, f));
      if (f.key == "serverTime") {
        KEEL_EI_TRY("serverTime", from(f.value.get_int64().get(out.server_time_ms)));
        have_time = true;
      } else if (f.key == "rateLimits") {
        out.request_weight_per_minute = 0;
        if (const E e = rate_limits(f.value, out); e != E::kNone) return e;
        have_limits = true;
      } else if (f.key == "symbols") {
        if (const E e = symbol_list(f.value); e != E::kNone) return e;
        have_symbols = true;
      }
    }
    if (!have_time) return fail(E::kMissingField, "serverTime");
    if (!have_limits) return fail(E::kMissingField, "rateLimits");
    if (!have_symbols) return fail(E::kMissingField, "symbols");
    return E::kNone;
  }
#undef KEEL_EI_TRY

  ExchangeInfoFault decode(std::string_view body, ExchangeInfo& out) noexcept {
    out = ExchangeInfo{};
    fault = ExchangeInfoFault{};
    symbols.clear();
    if (body.size() > capacity) {
      fail(E::kTooLarge, {});
      return fault;
    }
    // Only an object is an answer (simdjson calls a scalar document something else).
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] != '{') {
      fail(E::kNotObject, {});
      return fault;
    }
    // The structural pre-pass shared with the market-data decoder (balanced strings, objects and
    // arrays, nesting ≤ 64, nothing after the value); iteration then checks the grammar.
    if (!detail::balanced(body)) {
      fail(E::kJson, {});
      return fault;
    }
    std::memcpy(input.get(), body.data(), body.size());
    std::memset(input.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (parser.iterate(input.get(), body.size(), capacity + simdjson::SIMDJSON_PADDING).get(doc)) {
      fail(E::kJson, {});
      return fault;
    }
    od::object top;
    if (const error_code e = doc.get_object().get(top)) {
      fail(e == simdjson::INCORRECT_TYPE ? E::kNotObject : E::kJson, {});
      return fault;
    }
    if (top_level(top, out) != E::kNone) return fault;
    out.symbols = symbols;
    return fault;
  }
};

ExchangeInfoDecoder::ExchangeInfoDecoder(std::size_t max_bytes, std::size_t max_symbols)
    : impl_(std::make_unique<Impl>(max_bytes, max_symbols)) {}
ExchangeInfoDecoder::~ExchangeInfoDecoder() = default;

ExchangeInfoFault ExchangeInfoDecoder::decode(std::string_view body, ExchangeInfo& out) noexcept {
  return impl_->decode(body, out);
}

}  // namespace keel::protocol::binance
