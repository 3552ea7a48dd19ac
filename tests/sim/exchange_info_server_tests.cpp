// exchangeInfo served by the simulator: the router's answers (paths, methods, the `symbol`
// argument, a provider that serves none), and a real Venue answering GET /api/v3/exchangeInfo and
// /fapi/v1/exchangeInfo over a loopback socket with its instruments' tick and lot, decoded by the
// gateway's protocol decoder.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "keel/protocol/binance/exchange_info.hpp"
#include "keel/sim/market_data_server.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"
#include "market_data_router.hpp"
#include "raw_http_client.hpp"

using namespace keel;
using namespace keel::sim;
namespace kb = keel::protocol::binance;

namespace {

Price px(const char* s) {
  return Price::parse(s).value();
}
Qty qty(const char* s) {
  return Qty::parse(s).value();
}

class ListingProvider final : public DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view, std::uint32_t, std::string&) override { return false; }
  bool exchange_info(std::string_view symbol, std::string& out) override {
    last_symbol = std::string(symbol);
    if (!symbol.empty() && symbol != "BTCUSDT") return false;
    out.append(R"({"serverTime":1})");
    return true;
  }
  std::string last_symbol = "unset";
};

class DepthOnlyProvider final : public DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view, std::uint32_t, std::string&) override { return false; }
};

TEST(ExchangeInfoRouter, SpotPathsMethodsAndSymbol) {
  ListingProvider provider;
  MarketDataRouter router(kb::Market::kSpot, provider);
  HttpAnswer a = router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.body, R"({"serverTime":1})");
  EXPECT_EQ(provider.last_symbol, "");
  a = router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "symbol=BTCUSDT");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(provider.last_symbol, "BTCUSDT");
  a = router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "symbol=NOPE");
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(a.body, R"({"code":-1121,"msg":"Invalid symbol."})");
  EXPECT_EQ(router.http(HttpMethod::kPost, "/api/v3/exchangeInfo", "").status, 405u);
  EXPECT_EQ(router.http(HttpMethod::kGet, "/fapi/v1/exchangeInfo", "").status, 404u);
  EXPECT_EQ(router.http(HttpMethod::kGet, "/api/v3/exchangeinfo", "").status, 404u);
}

TEST(ExchangeInfoRouter, FuturesTakesNoArguments) {
  ListingProvider provider;
  MarketDataRouter router(kb::Market::kFutures, provider);
  const HttpAnswer a = router.http(HttpMethod::kGet, "/fapi/v1/exchangeInfo", "symbol=NOPE");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(provider.last_symbol, "");
  EXPECT_EQ(router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "").status, 404u);
}

TEST(ExchangeInfoRouter, AProviderWithoutListingAnswers404) {
  DepthOnlyProvider provider;
  MarketDataRouter router(kb::Market::kSpot, provider);
  EXPECT_EQ(router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "").status, 404u);
  EXPECT_EQ(router.http(HttpMethod::kGet, "/api/v3/exchangeInfo", "symbol=BTCUSDT").status, 400u);
}

SimConfig config(bool futures) {
  std::string text = futures ? "[venue]\nmarket = \"futures\"\n" : "";
  text +=
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional "
      "= \"5\"\n"
      "[[symbol]]\nname = \"ETHBTC\"\ntick_size = \"0.000001\"\nlot_size = \"0.0001\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\n";
  return parse_sim_config(text, "exchange_info_test.toml");
}

kb::ExchangeInfo get_info(std::uint16_t port, const std::string& target,
                          kb::ExchangeInfoDecoder& decoder, std::string& body) {
  const test::HttpReply reply = test::http_get(port, target);
  EXPECT_EQ(reply.status, 200) << reply.body;
  body = reply.body;
  kb::ExchangeInfo info;
  const kb::ExchangeInfoFault fault = decoder.decode(body, info);
  EXPECT_TRUE(fault.ok()) << kb::to_string(fault.error) << " " << fault.field << "\n" << body;
  return info;
}

class VenueExchangeInfo : public ::testing::TestWithParam<bool> {};

TEST_P(VenueExchangeInfo, ServesItsInstrumentsOverLoopback) {
  const bool futures = GetParam();
  Venue venue(config(futures));
  venue.start();
  kb::ExchangeInfoDecoder decoder;
  std::string body;
  const std::string path = futures ? "/fapi/v1/exchangeInfo" : "/api/v3/exchangeInfo";
  const kb::ExchangeInfo info = get_info(venue.http_port(), path, decoder, body);
  EXPECT_EQ(info.request_weight_per_minute, futures ? 2400u : 6000u);
  EXPECT_GT(info.server_time_ms, 1'600'000'000'000);  // the venue clock: Unix ms
  ASSERT_EQ(info.symbols.size(), 2u);
  const kb::SymbolRules& btc = info.symbols[0];
  EXPECT_EQ(btc.symbol.view(), "BTCUSDT");
  EXPECT_EQ(btc.base_asset.view(), "BTC");
  EXPECT_EQ(btc.quote_asset.view(), "USDT");
  EXPECT_EQ(btc.status, kb::SymbolStatus::kTrading);
  EXPECT_EQ(btc.tick_size, px("0.01"));
  EXPECT_EQ(btc.min_price, px("0.01"));
  EXPECT_EQ(btc.step_size, qty("0.00001"));
  EXPECT_EQ(btc.min_qty, qty("0.00001"));
  EXPECT_EQ(btc.max_qty.raw() % btc.step_size.raw(), 0);
  EXPECT_EQ(btc.max_price.raw() % btc.tick_size.raw(), 0);
  EXPECT_EQ(btc.min_notional, Notional::parse("5").value());
  const kb::SymbolRules& eth = info.symbols[1];
  EXPECT_EQ(eth.symbol.view(), "ETHBTC");
  EXPECT_EQ(eth.base_asset.view(), "ETH");
  EXPECT_EQ(eth.quote_asset.view(), "BTC");
  EXPECT_EQ(eth.tick_size, px("0.000001"));
  EXPECT_EQ(eth.step_size, qty("0.0001"));
  if (futures) {
    EXPECT_NE(body.find(R"("contractType":"PERPETUAL")"), std::string::npos);
    EXPECT_EQ(btc.price_precision, 2);
    EXPECT_EQ(btc.quantity_precision, 5);
    EXPECT_EQ(eth.price_precision, 6);
    EXPECT_EQ(eth.quantity_precision, 4);
    // Futures has no symbol argument: the whole listing.
    EXPECT_EQ(get_info(venue.http_port(), path + "?symbol=ETHBTC", decoder, body).symbols.size(),
              2u);
    EXPECT_EQ(test::http_get(venue.http_port(), "/api/v3/exchangeInfo").status, 404);
  } else {
    EXPECT_EQ(btc.price_precision, -1);
    const kb::ExchangeInfo one =
        get_info(venue.http_port(), path + "?symbol=ETHBTC", decoder, body);
    ASSERT_EQ(one.symbols.size(), 1u);
    EXPECT_TRUE(one.symbols[0] == eth);
    const test::HttpReply unknown = test::http_get(venue.http_port(), path + "?symbol=NOPE");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.body, R"({"code":-1121,"msg":"Invalid symbol."})");
    EXPECT_EQ(test::http_get(venue.http_port(), "/fapi/v1/exchangeInfo").status, 404);
  }
  venue.stop();
}

INSTANTIATE_TEST_SUITE_P(SpotAndFutures, VenueExchangeInfo, ::testing::Values(false, true),
                         [](const auto& p) {
                           return p.param ? std::string("Futures") : std::string("Spot");
                         });

}  // namespace
