// exchangeInfo (keel/protocol/binance/exchange_info.hpp) and the REST weight table
// (rest_weight.hpp): encode → decode round trips in both markets, hand-written responses in
// Binance's real shape (not copied from anywhere: values chosen for these tests), every malformed
// or truncated body an error naming the symbol and field, no allocation after construction.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/protocol/binance/exchange_info.hpp"
#include "keel/protocol/binance/rest_weight.hpp"

using namespace keel;
using namespace keel::protocol::binance;

namespace {

Price px(const char* s) {
  return Price::parse(s).value();
}
Qty qty(const char* s) {
  return Qty::parse(s).value();
}
Notional notional(const char* s) {
  return Notional::parse(s).value();
}

Symbol name(std::string_view s) {
  Symbol out;
  for (std::size_t i = 0; i < s.size(); ++i) out.chars[i] = s[i];
  out.length = static_cast<std::uint8_t>(s.size());
  return out;
}

SymbolRules rules(std::string_view sym, std::string_view base, std::string_view quote,
                  const char* tick, const char* step) {
  SymbolRules r;
  r.symbol = name(sym);
  r.base_asset = name(base);
  r.quote_asset = name(quote);
  r.status = SymbolStatus::kTrading;
  r.tick_size = px(tick);
  r.min_price = px(tick);
  r.max_price = px("1000000");
  r.step_size = qty(step);
  r.min_qty = qty(step);
  r.max_qty = qty("9000");
  r.min_notional = notional("5");
  return r;
}

std::vector<SymbolRules> sample_rules(Market market) {
  std::vector<SymbolRules> v;
  v.push_back(rules("BTCUSDT", "BTC", "USDT", "0.01", "0.00001"));
  v.push_back(rules("ETHBTC", "ETH", "BTC", "0.00001", "0.0001"));
  v.back().status = SymbolStatus::kBreak;
  v.back().max_price = Price{};  // no maximum
  v.push_back(rules("DOGEUSDT", "DOGE", "USDT", "0.00000001", "1"));
  v.back().min_notional = Notional{};
  if (market == Market::kFutures) {
    for (auto& r : v) {
      r.price_precision = 2;
      r.quantity_precision = 3;
    }
  }
  return v;
}

TEST(ExchangeInfo, RoundTripSpotAndFutures) {
  ExchangeInfoDecoder d;
  for (const Market market : {Market::kSpot, Market::kFutures}) {
    const auto want = sample_rules(market);
    ExchangeInfo info;
    info.server_time_ms = 1'764'806'400'123;
    info.symbols = want;
    std::string wire;
    encode_exchange_info(wire, market, info);
    ExchangeInfo got;
    const auto fault = d.decode(wire, got);
    ASSERT_TRUE(fault.ok()) << to_string(fault.error) << " " << fault.field << "\n" << wire;
    EXPECT_EQ(got.server_time_ms, info.server_time_ms);
    EXPECT_EQ(got.request_weight_per_minute, weight_budget_per_minute(market));
    ASSERT_EQ(got.symbols.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(got.symbols[i] == want[i]) << i;
    // Encoding what was decoded gives the same bytes.
    std::string again;
    ExchangeInfo copy = got;
    encode_exchange_info(again, market, copy);
    EXPECT_EQ(again, wire);
  }
}

TEST(ExchangeInfo, NamesAreEscapedAndRoundTrip) {
  std::vector<SymbolRules> v{rules("A\"B\\C", "A\"", "B\x01", "0.1", "1")};
  ExchangeInfo info;
  info.symbols = v;
  std::string wire;
  encode_exchange_info(wire, Market::kSpot, info);
  EXPECT_NE(wire.find(R"("symbol":"A\"B\\C")"), std::string::npos) << wire;
  EXPECT_NE(wire.find(R"("quoteAsset":"B\u0001")"), std::string::npos) << wire;
  ExchangeInfoDecoder d;
  ExchangeInfo got;
  ASSERT_TRUE(d.decode(wire, got).ok());
  ASSERT_EQ(got.symbols.size(), 1u);
  EXPECT_TRUE(got.symbols[0] == v[0]);
}

TEST(ExchangeInfo, SpotWritesEightDecimalsFuturesTheShortestForm) {
  const auto v = sample_rules(Market::kSpot);
  ExchangeInfo info;
  info.symbols = std::span<const SymbolRules>(v.data(), 1);
  std::string spot, futures;
  encode_exchange_info(spot, Market::kSpot, info);
  encode_exchange_info(futures, Market::kFutures, info);
  EXPECT_NE(spot.find(R"("tickSize":"0.01000000")"), std::string::npos) << spot;
  EXPECT_NE(
      spot.find(
          R"("rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000)"),
      std::string::npos);
  EXPECT_NE(futures.find(R"("tickSize":"0.01")"), std::string::npos) << futures;
  EXPECT_NE(futures.find(R"("contractType":"PERPETUAL")"), std::string::npos);
  EXPECT_NE(futures.find(R"("pricePrecision":2,"quantityPrecision":5)"), std::string::npos)
      << futures;
  EXPECT_NE(futures.find(R"("limit":2400)"), std::string::npos);
}

// A spot response in Binance's shape with the fields and filters keel skips (values invented).
constexpr std::string_view kSpotSample = R"({
  "timezone": "UTC",
  "serverTime": 1764806400000,
  "rateLimits": [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000}
  ],
  "exchangeFilters": [],
  "symbols": [
    {
      "symbol": "LTCBTC",
      "status": "TRADING",
      "baseAsset": "LTC",
      "baseAssetPrecision": 8,
      "quoteAsset": "BTC",
      "quotePrecision": 8,
      "quoteAssetPrecision": 8,
      "baseCommissionPrecision": 8,
      "quoteCommissionPrecision": 8,
      "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
      "icebergAllowed": true,
      "ocoAllowed": true,
      "otoAllowed": true,
      "quoteOrderQtyMarketAllowed": true,
      "allowTrailingStop": true,
      "cancelReplaceAllowed": true,
      "isSpotTradingAllowed": true,
      "isMarginTradingAllowed": false,
      "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.00000100", "maxPrice": "100000.00000000", "tickSize": "0.00000100"},
        {"filterType": "LOT_SIZE", "minQty": "0.00100000", "maxQty": "90000.00000000", "stepSize": "0.00100000"},
        {"filterType": "ICEBERG_PARTS", "limit": 10},
        {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000", "maxQty": "1234.56700000", "stepSize": "0.00000000"},
        {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000, "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
        {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5", "bidMultiplierDown": "0.2", "askMultiplierUp": "5", "askMultiplierDown": "0.2", "avgPriceMins": 5},
        {"filterType": "NOTIONAL", "minNotional": "0.00010000", "applyMinToMarket": true, "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5},
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5}
      ],
      "permissions": [],
      "permissionSets": [["SPOT", "MARGIN"]],
      "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
      "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"]
    },
    {
      "symbol": "XYZUSDT",
      "status": "HALT",
      "baseAsset": "XYZ",
      "quoteAsset": "USDT",
      "filters": [
        {"filterType": "LOT_SIZE", "stepSize": "1.00000000", "maxQty": "5000000.00000000", "minQty": "1.00000000"},
        {"filterType": "PRICE_FILTER", "tickSize": "0.00000000", "maxPrice": "0.00000000", "minPrice": "0.00000000"}
      ]
    }
  ]
})";

TEST(ExchangeInfo, DecodesASpotResponseInBinanceShape) {
  ExchangeInfoDecoder d;
  ExchangeInfo info;
  const auto fault = d.decode(kSpotSample, info);
  ASSERT_TRUE(fault.ok()) << to_string(fault.error) << " " << fault.field;
  EXPECT_EQ(info.server_time_ms, 1764806400000);
  EXPECT_EQ(info.request_weight_per_minute, 6000u);
  ASSERT_EQ(info.symbols.size(), 2u);
  const SymbolRules& a = info.symbols[0];
  EXPECT_EQ(a.symbol.view(), "LTCBTC");
  EXPECT_EQ(a.base_asset.view(), "LTC");
  EXPECT_EQ(a.quote_asset.view(), "BTC");
  EXPECT_EQ(a.status, SymbolStatus::kTrading);
  EXPECT_EQ(a.tick_size, px("0.000001"));
  EXPECT_EQ(a.min_price, px("0.000001"));
  EXPECT_EQ(a.max_price, px("100000"));
  EXPECT_EQ(a.step_size, qty("0.001"));
  EXPECT_EQ(a.min_qty, qty("0.001"));
  EXPECT_EQ(a.max_qty, qty("90000"));  // LOT_SIZE, not MARKET_LOT_SIZE
  EXPECT_EQ(a.min_notional, notional("0.0001"));
  EXPECT_EQ(a.price_precision, -1);
  EXPECT_EQ(a.quantity_precision, -1);
  const SymbolRules& b = info.symbols[1];
  EXPECT_EQ(b.symbol.view(), "XYZUSDT");
  EXPECT_EQ(b.status, SymbolStatus::kHalt);
  EXPECT_TRUE(b.tick_size.is_zero());  // PRICE_FILTER disabled: zero is "no rule"
  EXPECT_EQ(b.step_size, qty("1"));
  EXPECT_EQ(b.max_qty, qty("5000000"));
  EXPECT_TRUE(b.min_notional.is_zero());
}

// A USD-M futures response in Binance's shape (values invented).
constexpr std::string_view kFuturesSample =
    R"({"timezone":"UTC","serverTime":1764806400999,"futuresType":"U_MARGINED",
"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400},
{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200},
{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300}],
"exchangeFilters":[],
"assets":[{"asset":"USDT","marginAvailable":true,"autoAssetExchange":"-10000"},{"asset":"BNB","marginAvailable":true,"autoAssetExchange":"0"}],
"symbols":[{"symbol":"ETHUSDT","pair":"ETHUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,
"onboardDate":1569398400000,"status":"TRADING","maintMarginPercent":"2.5000","requiredMarginPercent":"5.0000",
"baseAsset":"ETH","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,"quantityPrecision":3,
"baseAssetPrecision":8,"quotePrecision":8,"underlyingType":"COIN","underlyingSubType":["Layer-1"],"settlePlan":0,
"triggerProtect":"0.0500","liquidationFee":"0.012500","marketTakeBound":"0.05","maxMoveOrderLimit":10000,
"filters":[{"minPrice":"39.86","maxPrice":"306177","filterType":"PRICE_FILTER","tickSize":"0.01"},
{"stepSize":"0.001","filterType":"LOT_SIZE","maxQty":"10000","minQty":"0.001"},
{"stepSize":"0.001","filterType":"MARKET_LOT_SIZE","maxQty":"2000","minQty":"0.001"},
{"limit":200,"filterType":"MAX_NUM_ORDERS"},{"limit":10,"filterType":"MAX_NUM_ALGO_ORDERS"},
{"notional":"20","filterType":"MIN_NOTIONAL"},
{"multiplierDown":"0.9500","multiplierUp":"1.0500","multiplierDecimal":"4","filterType":"PERCENT_PRICE"},
{"positionControlSide":"NONE","filterType":"POSITION_RISK_CONTROL"}],
"orderTypes":["LIMIT","MARKET","STOP","STOP_MARKET","TAKE_PROFIT","TAKE_PROFIT_MARKET","TRAILING_STOP_MARKET"],
"timeInForce":["GTC","IOC","FOK","GTX","GTD"],"permissionSets":["GRID","COPY"]},
{"symbol":"OLDUSDT","pair":"OLDUSDT","contractType":"PERPETUAL","status":"SETTLING","baseAsset":"OLD","quoteAsset":"USDT",
"pricePrecision":4,"quantityPrecision":0,
"filters":[{"filterType":"PRICE_FILTER","maxPrice":"200","minPrice":"0.0010","tickSize":"0.0010"},
{"filterType":"LOT_SIZE","maxQty":"8000000","minQty":"1","stepSize":"1"}]}]})";

TEST(ExchangeInfo, DecodesAFuturesResponseInBinanceShape) {
  ExchangeInfoDecoder d;
  ExchangeInfo info;
  const auto fault = d.decode(kFuturesSample, info);
  ASSERT_TRUE(fault.ok()) << to_string(fault.error) << " " << fault.field;
  EXPECT_EQ(info.server_time_ms, 1764806400999);
  EXPECT_EQ(info.request_weight_per_minute, 2400u);
  ASSERT_EQ(info.symbols.size(), 2u);
  const SymbolRules& a = info.symbols[0];
  EXPECT_EQ(a.symbol.view(), "ETHUSDT");
  EXPECT_EQ(a.status, SymbolStatus::kTrading);
  EXPECT_EQ(a.tick_size, px("0.01"));
  EXPECT_EQ(a.min_price, px("39.86"));
  EXPECT_EQ(a.max_price, px("306177"));
  EXPECT_EQ(a.step_size, qty("0.001"));
  EXPECT_EQ(a.max_qty, qty("10000"));
  EXPECT_EQ(a.min_notional, notional("20"));
  EXPECT_EQ(a.price_precision, 2);
  EXPECT_EQ(a.quantity_precision, 3);
  const SymbolRules& b = info.symbols[1];
  EXPECT_EQ(b.status, SymbolStatus::kSettling);
  EXPECT_EQ(b.tick_size, px("0.001"));
  EXPECT_EQ(b.quantity_precision, 0);
}

TEST(ExchangeInfo, UnknownStatusIsOtherNotAnError) {
  EXPECT_EQ(parse_symbol_status("TRADING"), SymbolStatus::kTrading);
  EXPECT_EQ(parse_symbol_status("SOMETHING_NEW"), SymbolStatus::kOther);
  EXPECT_EQ(parse_symbol_status("OTHER"), SymbolStatus::kOther);
  EXPECT_EQ(parse_symbol_status(""), SymbolStatus::kOther);
  for (int i = 1; i <= 14; ++i) {
    const auto s = static_cast<SymbolStatus>(i);
    EXPECT_EQ(parse_symbol_status(to_string(s)), s) << i;
  }
}

// A one-symbol spot body whose symbol object is `symbol_json`.
std::string with_symbol(std::string_view symbol_json) {
  std::string body = R"({"timezone":"UTC","serverTime":1,"rateLimits":[],"symbols":[)";
  body +=
      R"({"symbol":"AAAUSDT","status":"TRADING","baseAsset":"AAA","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":"0.01"},{"filterType":"LOT_SIZE","minQty":"1","maxQty":"10","stepSize":"1"}]},)";
  body += symbol_json;
  body += "]}";
  return body;
}

constexpr const char* kPrice =
    R"({"filterType":"PRICE_FILTER","minPrice":"0.1","maxPrice":"100","tickSize":"0.1"})";
constexpr const char* kLot =
    R"({"filterType":"LOT_SIZE","minQty":"1","maxQty":"10","stepSize":"1"})";

std::string symbol_json(std::string_view price_filter, std::string_view lot_filter,
                        std::string_view extra = "") {
  std::string s = R"({"symbol":"BADUSDT","status":"TRADING","baseAsset":"BAD","quoteAsset":"USDT")";
  s += extra;
  s += R"(,"filters":[)";
  s += price_filter;
  if (!price_filter.empty() && !lot_filter.empty()) s += ',';
  s += lot_filter;
  s += "]}";
  return s;
}

struct BadCase {
  std::string body;
  ExchangeInfoError error;
  std::string_view field;
};

TEST(ExchangeInfo, EachMalformedSymbolIsATypedErrorNamingSymbolAndField) {
  auto price = [](std::string_view min, std::string_view max, std::string_view tick) {
    return std::string(R"({"filterType":"PRICE_FILTER","minPrice":)") + std::string(min) +
           R"(,"maxPrice":)" + std::string(max) + R"(,"tickSize":)" + std::string(tick) + "}";
  };
  auto lot = [](std::string_view min, std::string_view max, std::string_view step) {
    return std::string(R"({"filterType":"LOT_SIZE","minQty":)") + std::string(min) +
           R"(,"maxQty":)" + std::string(max) + R"(,"stepSize":)" + std::string(step) + "}";
  };
  const std::vector<BadCase> cases = {
      {with_symbol(symbol_json(price(R"("0.1")", R"("100")", "0.1"), kLot)),
       ExchangeInfoError::kWrongType, "tickSize"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("100")", R"("NaN")"), kLot)),
       ExchangeInfoError::kBadDecimal, "tickSize"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("inf")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadDecimal, "maxPrice"},
      {with_symbol(symbol_json(price(R"("-0.1")", R"("100")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadDecimal, "minPrice"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("1e5")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadDecimal, "maxPrice"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("100")", R"("0.000000001")"), kLot)),
       ExchangeInfoError::kBadDecimal, "tickSize"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("99999999999999999999")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadDecimal, "maxPrice"},
      {with_symbol(symbol_json(price(R"("0.1")", R"("")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadDecimal, "maxPrice"},
      {with_symbol(symbol_json(price(R"("0.1")", "null", R"("0.1")"), kLot)),
       ExchangeInfoError::kWrongType, "maxPrice"},
      {with_symbol(symbol_json(kPrice, lot(R"("1")", R"("10")", R"("0")"))),
       ExchangeInfoError::kBadFilter, "stepSize"},
      {with_symbol(symbol_json(kPrice, lot(R"("11")", R"("10")", R"("1")"))),
       ExchangeInfoError::kBadFilter, "minQty"},
      {with_symbol(symbol_json(price(R"("200")", R"("100")", R"("0.1")"), kLot)),
       ExchangeInfoError::kBadFilter, "minPrice"},
      {with_symbol(symbol_json(kPrice, "")), ExchangeInfoError::kMissingFilter, "LOT_SIZE"},
      {with_symbol(symbol_json("", kLot)), ExchangeInfoError::kMissingFilter, "PRICE_FILTER"},
      {with_symbol(symbol_json(R"({"filterType":"LOT_SIZE","minQty":"1","stepSize":"1"})", kPrice)),
       ExchangeInfoError::kMissingField, "maxQty"},
      {with_symbol(symbol_json(R"({"minQty":"1"})", kPrice)), ExchangeInfoError::kMissingField,
       "filterType"},
      {with_symbol(symbol_json(R"("PRICE_FILTER")", kLot)), ExchangeInfoError::kNotObject,
       "filters"},
      {with_symbol(symbol_json(kPrice, kLot, R"(,"pricePrecision":9)")),
       ExchangeInfoError::kOutOfRange, "pricePrecision"},
      {with_symbol(symbol_json(kPrice, kLot, R"(,"quantityPrecision":"3")")),
       ExchangeInfoError::kWrongType, "quantityPrecision"},
      {with_symbol(symbol_json(
           kPrice, R"({"filterType":"MIN_NOTIONAL","notional":5},)" + std::string(kLot))),
       ExchangeInfoError::kWrongType, "notional"},
      {with_symbol(
           R"({"symbol":"BADUSDT","status":"TRADING","baseAsset":"BAD","quoteAsset":"USDT","filters":{}})"),
       ExchangeInfoError::kWrongType, "filters"},
      {with_symbol(R"({"symbol":"BADUSDT","baseAsset":"BAD","quoteAsset":"USDT","filters":[]})"),
       ExchangeInfoError::kMissingField, "status"},
      {with_symbol(
           R"({"symbol":"BADUSDT","status":"TRADING","baseAsset":"","quoteAsset":"USDT","filters":[]})"),
       ExchangeInfoError::kBadName, "baseAsset"},
      {with_symbol(
           R"({"symbol":"BADUSDT","status":"TRADING","baseAsset":"BAD","quoteAsset":7,"filters":[]})"),
       ExchangeInfoError::kWrongType, "quoteAsset"},
  };
  ExchangeInfoDecoder d;
  for (const BadCase& c : cases) {
    ExchangeInfo info;
    const ExchangeInfoFault fault = d.decode(c.body, info);
    EXPECT_EQ(fault.error, c.error) << to_string(fault.error) << " " << fault.field << "\n"
                                    << c.body;
    EXPECT_EQ(fault.field, c.field) << c.body;
    EXPECT_EQ(fault.symbol.view(), "BADUSDT") << c.body;
    EXPECT_EQ(fault.symbol_index, 1) << c.body;
  }
}

TEST(ExchangeInfo, TopLevelErrors) {
  const std::vector<BadCase> cases = {
      {"", ExchangeInfoError::kJson, ""},
      {"[]", ExchangeInfoError::kNotObject, ""},
      {"42", ExchangeInfoError::kNotObject, ""},
      {"{", ExchangeInfoError::kJson, ""},
      {R"({"serverTime":1,"rateLimits":[],"symbols":[]} x)", ExchangeInfoError::kJson, ""},
      {R"({"serverTime":NaN,"rateLimits":[],"symbols":[]})", ExchangeInfoError::kWrongType,
       "serverTime"},
      {R"({"rateLimits":[],"symbols":[]})", ExchangeInfoError::kMissingField, "serverTime"},
      {R"({"serverTime":"1","rateLimits":[],"symbols":[]})", ExchangeInfoError::kWrongType,
       "serverTime"},
      {R"({"serverTime":1.5,"rateLimits":[],"symbols":[]})", ExchangeInfoError::kWrongType,
       "serverTime"},
      {R"({"serverTime":99999999999999999999999,"rateLimits":[],"symbols":[]})",
       ExchangeInfoError::kWrongType, "serverTime"},
      {R"({"serverTime":1,"symbols":[]})", ExchangeInfoError::kMissingField, "rateLimits"},
      {R"({"serverTime":1,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":-5}],"symbols":[]})",
       ExchangeInfoError::kOutOfRange, "limit"},
      {R"({"serverTime":1,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":"1","limit":5}],"symbols":[]})",
       ExchangeInfoError::kWrongType, "intervalNum"},
      {R"({"serverTime":1,"rateLimits":[7],"symbols":[]})", ExchangeInfoError::kNotObject,
       "rateLimits"},
      {R"({"serverTime":1,"rateLimits":[]})", ExchangeInfoError::kMissingField, "symbols"},
      {R"({"serverTime":1,"rateLimits":[],"symbols":{}})", ExchangeInfoError::kWrongType,
       "symbols"},
      {R"({"serverTime":1,"rateLimits":[],"symbols":["BTCUSDT"]})", ExchangeInfoError::kNotObject,
       "symbols"},
      {R"({"serverTime":1,"rateLimits":[],"symbols":[{"symbol":"ABCDEFGHIJKLMNOPQRSTUVWXYZ","status":"TRADING"}]})",
       ExchangeInfoError::kBadName, "symbol"},
  };
  ExchangeInfoDecoder d;
  for (const BadCase& c : cases) {
    ExchangeInfo info;
    const ExchangeInfoFault fault = d.decode(c.body, info);
    EXPECT_EQ(fault.error, c.error) << to_string(fault.error) << " " << fault.field << "\n"
                                    << c.body;
    if (!c.field.empty()) {
      EXPECT_EQ(fault.field, c.field) << c.body;
    }
  }
}

// fuzz_exchange_info's finding (minimised): a value followed by an object where a ',' belongs,
// inside balanced brackets. The first decoder used find_field_unordered, whose wrap-around search
// in simdjson 3.0.1 assumes such an object is well formed (an ASSUME: undefined behaviour, caught
// by UBSan). The decoder now iterates objects in order, which reports the bad separator.
TEST(ExchangeInfo, RegressionMalformedObjectInsideBalancedBrackets) {
  constexpr std::string_view kInput =
      R"({"serverTime":7,"rateLimits":[{"rateLimitType":"","interval":"","intervalNum":5,"limit":6{\"{"\""}}]})";
  ExchangeInfoDecoder d;
  ExchangeInfo info;
  const ExchangeInfoFault fault = d.decode(kInput, info);
  EXPECT_EQ(fault.error, ExchangeInfoError::kJson) << to_string(fault.error) << " " << fault.field;
}

TEST(ExchangeInfo, EveryTruncationIsAnError) {
  ExchangeInfoDecoder d;
  for (const std::string_view sample : {kSpotSample, kFuturesSample}) {
    for (std::size_t n = 0; n < sample.size(); ++n) {
      // A cut that leaves only trailing whitespace off is still the whole document.
      const std::string_view cut = sample.substr(0, n);
      if (cut.find_last_not_of(" \n") == sample.find_last_not_of(" \n")) continue;
      ExchangeInfo info;
      EXPECT_FALSE(d.decode(cut, info).ok()) << n;
    }
  }
}

TEST(ExchangeInfo, LimitsOnSizeAndSymbols) {
  const auto v = sample_rules(Market::kSpot);
  ExchangeInfo info;
  info.symbols = v;
  std::string wire;
  encode_exchange_info(wire, Market::kSpot, info);
  {
    ExchangeInfoDecoder small(wire.size() - 1);
    ExchangeInfo out;
    EXPECT_EQ(small.decode(wire, out).error, ExchangeInfoError::kTooLarge);
  }
  {
    ExchangeInfoDecoder two(1 << 16, 2);
    ExchangeInfo out;
    const auto fault = two.decode(wire, out);
    EXPECT_EQ(fault.error, ExchangeInfoError::kTooManySymbols);
    EXPECT_EQ(fault.symbol_index, 2);
  }
}

TEST(ExchangeInfo, DecodeDoesNotAllocate) {
  ExchangeInfoDecoder d;
  ExchangeInfo info;
  ASSERT_TRUE(d.decode(kFuturesSample, info).ok());  // warm-up
  const AllocationScope scope;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(d.decode(kSpotSample, info).ok());
    ASSERT_TRUE(d.decode(kFuturesSample, info).ok());
    ASSERT_FALSE(d.decode(kSpotSample.substr(0, 500), info).ok());
  }
  if (allocation_hooks_installed()) {
    EXPECT_EQ(scope.allocations(), 0u);
  }
}

TEST(RestWeight, SpotDepthByLimit) {
  const auto w = [](std::uint32_t limit) {
    return rest_weight(Market::kSpot, RestEndpoint::kDepth, limit);
  };
  EXPECT_EQ(w(0), 5u);  // not sent: default 100
  EXPECT_EQ(w(1), 5u);
  EXPECT_EQ(w(100), 5u);
  EXPECT_EQ(w(101), 25u);
  EXPECT_EQ(w(500), 25u);
  EXPECT_EQ(w(501), 50u);
  EXPECT_EQ(w(1000), 50u);
  EXPECT_EQ(w(1001), 250u);
  EXPECT_EQ(w(5000), 250u);
  EXPECT_EQ(w(100000), 250u);  // Binance truncates to 5000
}

TEST(RestWeight, FuturesDepthByLimit) {
  const auto w = [](std::uint32_t limit) {
    return rest_weight(Market::kFutures, RestEndpoint::kDepth, limit);
  };
  EXPECT_EQ(w(0), 10u);  // not sent: default 500
  for (std::uint32_t l : {5u, 10u, 20u, 50u}) EXPECT_EQ(w(l), 2u) << l;
  EXPECT_EQ(w(100), 5u);
  EXPECT_EQ(w(500), 10u);
  EXPECT_EQ(w(1000), 20u);
  EXPECT_EQ(w(7), 2u);  // not a valid limit: charged as the next valid one
  EXPECT_EQ(w(101), 10u);
  EXPECT_EQ(w(5000), 20u);
}

TEST(RestWeight, ExchangeInfoAndBudgets) {
  EXPECT_EQ(rest_weight(Market::kSpot, RestEndpoint::kExchangeInfo, 0), 20u);
  EXPECT_EQ(rest_weight(Market::kFutures, RestEndpoint::kExchangeInfo, 0), 1u);
  EXPECT_EQ(rest_weight(Market::kNone, RestEndpoint::kDepth, 5), 0u);
  EXPECT_EQ(rest_weight(Market::kSpot, RestEndpoint::kNone, 5), 0u);
  static_assert(weight_budget_per_minute(Market::kSpot) == 6000);
  static_assert(weight_budget_per_minute(Market::kFutures) == 2400);
  static_assert(weight_budget_per_minute(Market::kNone) == 0);
}

}  // namespace
