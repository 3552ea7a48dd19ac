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
E object_of(od::value v, od::object& out) noexcept {
  const error_code e = v.get_object().get(out);
  if (e == simdjson::INCORRECT_TYPE) return E::kNotObject;
  return from(e);
}

E string_field(od::object& o, std::string_view key, std::string_view& out) noexcept {
  return from(o.find_field_unordered(key).get_string().get(out));
}

E name_field(od::object& o, std::string_view key, Symbol& out) noexcept {
  std::string_view text;
  if (const E e = string_field(o, key, text); e != E::kNone) return e;
  if (text.empty() || text.size() > Symbol::kCapacity) return E::kBadName;
  std::memcpy(out.chars, text.data(), text.size());
  out.length = static_cast<std::uint8_t>(text.size());
  return E::kNone;
}

template <class T>
E decimal_field(od::object& o, std::string_view key, T& out) noexcept {
  std::string_view text;
  if (const E e = string_field(o, key, text); e != E::kNone) return e;
  const auto parsed = parse_decimal(text);
  if (!parsed.ok()) return E::kBadDecimal;
  out = T::from_raw(parsed.value().raw);
  return E::kNone;
}

// An optional precision (0..8): absent leaves `out` as it is.
E precision_field(od::object& o, std::string_view key, std::int8_t& out) noexcept {
  auto field = o.find_field_unordered(key);
  if (field.error() == simdjson::NO_SUCH_FIELD) return E::kNone;
  std::int64_t value = 0;
  if (const error_code e = field.get_int64().get(value)) return from(e);
  if (value < 0 || value > kDecimals) return E::kOutOfRange;
  out = static_cast<std::int8_t>(value);
  return E::kNone;
}

}  // namespace

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

  E rate_limits(od::object& top, ExchangeInfo& out) noexcept {
    od::array arr;
    KEEL_EI_TRY("rateLimits", from(top.find_field_unordered("rateLimits").get_array().get(arr)));
    for (auto item : arr) {
      od::value v;
      KEEL_EI_TRY("rateLimits", from(item.get(v)));
      od::object o;
      KEEL_EI_TRY("rateLimits", object_of(v, o));
      std::string_view type, interval;
      std::int64_t num = 0, limit = 0;
      KEEL_EI_TRY("rateLimitType", string_field(o, "rateLimitType", type));
      KEEL_EI_TRY("interval", string_field(o, "interval", interval));
      KEEL_EI_TRY("intervalNum", from(o.find_field_unordered("intervalNum").get_int64().get(num)));
      KEEL_EI_TRY("limit", from(o.find_field_unordered("limit").get_int64().get(limit)));
      if (num <= 0) return fail(E::kOutOfRange, "intervalNum");
      if (limit < 0 || limit > std::numeric_limits<std::uint32_t>::max())
        return fail(E::kOutOfRange, "limit");
      if (type == "REQUEST_WEIGHT" && interval == "MINUTE" && num == 1)
        out.request_weight_per_minute = static_cast<std::uint32_t>(limit);
    }
    return E::kNone;
  }

  E filter(od::object& f, SymbolRules& s, bool& have_price, bool& have_lot) noexcept {
    std::string_view type;
    KEEL_EI_TRY("filterType", string_field(f, "filterType", type));
    if (type == "PRICE_FILTER") {
      KEEL_EI_TRY("minPrice", decimal_field(f, "minPrice", s.min_price));
      KEEL_EI_TRY("maxPrice", decimal_field(f, "maxPrice", s.max_price));
      KEEL_EI_TRY("tickSize", decimal_field(f, "tickSize", s.tick_size));
      have_price = true;
    } else if (type == "LOT_SIZE") {
      KEEL_EI_TRY("minQty", decimal_field(f, "minQty", s.min_qty));
      KEEL_EI_TRY("maxQty", decimal_field(f, "maxQty", s.max_qty));
      KEEL_EI_TRY("stepSize", decimal_field(f, "stepSize", s.step_size));
      have_lot = true;
    } else if (type == "NOTIONAL") {
      KEEL_EI_TRY("minNotional", decimal_field(f, "minNotional", s.min_notional));
    } else if (type == "MIN_NOTIONAL") {
      // Futures: "notional"; spot's older filter of the same name: "minNotional".
      auto field = f.find_field_unordered("notional");
      if (field.error() == simdjson::NO_SUCH_FIELD) {
        KEEL_EI_TRY("minNotional", decimal_field(f, "minNotional", s.min_notional));
      } else {
        std::string_view text;
        KEEL_EI_TRY("notional", from(field.get_string().get(text)));
        const auto parsed = parse_decimal(text);
        if (!parsed.ok()) return fail(E::kBadDecimal, "notional");
        s.min_notional = Notional::from_raw(parsed.value().raw);
      }
    }
    return E::kNone;  // any other filter is not keel's concern
  }

  E symbol(od::value v, SymbolRules& s) noexcept {
    od::object o;
    KEEL_EI_TRY("symbols", object_of(v, o));
    KEEL_EI_TRY("symbol", name_field(o, "symbol", s.symbol));
    fault.symbol = s.symbol;
    std::string_view status;
    KEEL_EI_TRY("status", string_field(o, "status", status));
    s.status = parse_symbol_status(status);
    KEEL_EI_TRY("baseAsset", name_field(o, "baseAsset", s.base_asset));
    KEEL_EI_TRY("quoteAsset", name_field(o, "quoteAsset", s.quote_asset));
    KEEL_EI_TRY("pricePrecision", precision_field(o, "pricePrecision", s.price_precision));
    KEEL_EI_TRY("quantityPrecision", precision_field(o, "quantityPrecision", s.quantity_precision));
    od::array filters;
    KEEL_EI_TRY("filters", from(o.find_field_unordered("filters").get_array().get(filters)));
    bool have_price = false;
    bool have_lot = false;
    for (auto item : filters) {
      od::value fv;
      KEEL_EI_TRY("filters", from(item.get(fv)));
      od::object f;
      KEEL_EI_TRY("filters", object_of(fv, f));
      if (const E e = filter(f, s, have_price, have_lot); e != E::kNone) return e;
    }
    if (!have_price) return fail(E::kMissingFilter, "PRICE_FILTER");
    if (!have_lot) return fail(E::kMissingFilter, "LOT_SIZE");
    if (s.step_size.is_zero()) return fail(E::kBadFilter, "stepSize");
    if (s.min_qty > s.max_qty) return fail(E::kBadFilter, "minQty");
    if (!s.max_price.is_zero() && s.min_price > s.max_price) return fail(E::kBadFilter, "minPrice");
    return E::kNone;
  }

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
    // The structural pre-pass shared with the market-data decoder: on-demand reads only what it
    // is asked for, so a body cut after the last field keel reads would otherwise pass.
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

  E top_level(od::object& top, ExchangeInfo& out) noexcept {
    KEEL_EI_TRY("serverTime",
                from(top.find_field_unordered("serverTime").get_int64().get(out.server_time_ms)));
    if (const E e = rate_limits(top, out); e != E::kNone) return e;
    od::array arr;
    KEEL_EI_TRY("symbols", from(top.find_field_unordered("symbols").get_array().get(arr)));
    std::int32_t index = 0;
    for (auto item : arr) {
      fault.symbol_index = index;
      fault.symbol = Symbol{};
      od::value v;
      KEEL_EI_TRY("symbols", from(item.get(v)));
      if (symbols.size() == max_symbols) return fail(E::kTooManySymbols, "symbols");
      SymbolRules s;
      if (const E e = symbol(v, s); e != E::kNone) return e;
      symbols.push_back(s);  // within the reserved capacity: no allocation
      ++index;
    }
    fault.symbol_index = -1;
    fault.symbol = Symbol{};
    return E::kNone;
  }
#undef KEEL_EI_TRY
};

ExchangeInfoDecoder::ExchangeInfoDecoder(std::size_t max_bytes, std::size_t max_symbols)
    : impl_(std::make_unique<Impl>(max_bytes, max_symbols)) {}
ExchangeInfoDecoder::~ExchangeInfoDecoder() = default;

ExchangeInfoFault ExchangeInfoDecoder::decode(std::string_view body, ExchangeInfo& out) noexcept {
  return impl_->decode(body, out);
}

}  // namespace keel::protocol::binance
