// config/sim.toml loading: the shipped file, defaults, and each kind of error (file:line: key: reason).
#include <gtest/gtest.h>

#include <string>

#include "keel/sim/sim_config.hpp"

namespace keel::sim {
namespace {

// Expects parse_sim_config(text) to throw ConfigError whose message starts with `prefix` and
// contains `reason`.
void expect_error(const std::string& text, const std::string& prefix, const std::string& reason) {
  try {
    (void)parse_sim_config(text, "sim.toml");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
    EXPECT_NE(msg.find(reason), std::string::npos) << msg;
  }
}

constexpr const char* kSymbol = "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n";

TEST(SimConfig, ShippedFileLoads) {
  const SimConfig c = load_sim_config(KEEL_SOURCE_DIR "/config/sim.toml");
  EXPECT_EQ(c.market, MarketKind::kSpot);
  EXPECT_EQ(c.comp_id, "KEELSIM");
  EXPECT_EQ(c.http_port, 0);
  EXPECT_EQ(c.fix_port, 0);
  EXPECT_EQ(c.bind, "127.0.0.1");
  EXPECT_EQ(c.flow, FlowKind::kNone);
  ASSERT_EQ(c.symbols.size(), 1u);
  EXPECT_EQ(c.symbols[0].name, "BTCUSDT");
  EXPECT_EQ(c.symbols[0].tick_size.raw(), 1'000'000);
  EXPECT_EQ(c.symbols[0].lot_size.raw(), 1'000);
  EXPECT_EQ(c.symbols[0].min_notional.raw(), 500'000'000);
  EXPECT_EQ(c.symbols[0].price_decimals, 2);
  EXPECT_EQ(c.symbols[0].qty_decimals, 5);
  ASSERT_EQ(c.accounts.size(), 2u);
  EXPECT_EQ(c.accounts[0].comp_id, "ALICE");
  EXPECT_EQ(c.accounts[1].comp_id, "BOB");
  ASSERT_EQ(c.accounts[0].balances.size(), 2u);
  EXPECT_EQ(c.accounts[0].balances[0].first, "BTC");  // sorted by asset
  EXPECT_EQ(c.accounts[0].balances[0].second, 100 * kScale);
  EXPECT_EQ(c.accounts[0].balances[1].first, "USDT");
  EXPECT_EQ(c.accounts[0].balances[1].second, 1'000'000 * kScale);
}

TEST(SimConfig, AllKeys) {
  const SimConfig c = parse_sim_config(
      "[venue]\nmarket = \"futures\"\ncomp_id = \"V\"\nhttp_port = 8080\nfix_port = 9878\n"
      "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\nbind = \"0.0.0.0\"\nstore_dir = \"/tmp/x\"\n"
      "maker_fee = \"-0.0001\"\ntaker_fee = \"0.0004\"\n[flow]\nkind = \"synthetic\"\n" + std::string(kSymbol),
      "sim.toml");
  EXPECT_EQ(c.market, MarketKind::kFutures);
  EXPECT_EQ(c.comp_id, "V");
  EXPECT_EQ(c.http_port, 8080);
  EXPECT_EQ(c.fix_port, 9878);
  EXPECT_EQ(c.tls_cert, "c.pem");
  EXPECT_EQ(c.tls_key, "k.pem");
  EXPECT_EQ(c.bind, "0.0.0.0");
  EXPECT_EQ(c.store_dir, "/tmp/x");
  EXPECT_EQ(c.maker_fee_millionths, -100);
  EXPECT_EQ(c.taker_fee_millionths, 400);
  EXPECT_EQ(c.flow, FlowKind::kSynthetic);
  EXPECT_EQ(c.symbols.size(), 1u);
  EXPECT_TRUE(c.accounts.empty());
}

// Issue 11: the futures funding rate (venue-wide and per symbol) and the finished-order memory.
TEST(SimConfig, FundingRateAndFinishedOrderMemory) {
  const SimConfig d = parse_sim_config(kSymbol, "sim.toml");
  EXPECT_EQ(d.funding_rate_e8, 10'000);  // "0.0001"
  EXPECT_EQ(d.finished_order_memory, 65536);
  EXPECT_FALSE(d.symbols[0].has_funding_rate);
  const SimConfig c = parse_sim_config(
      "[venue]\nmarket = \"futures\"\nfunding_rate = \"-0.00012345\"\nfinished_order_memory = 10\n" +
          std::string(kSymbol) + "funding_rate = \"0.0003\"\n",
      "sim.toml");
  EXPECT_EQ(c.funding_rate_e8, -12'345);
  EXPECT_EQ(c.finished_order_memory, 10);
  EXPECT_TRUE(c.symbols[0].has_funding_rate);
  EXPECT_EQ(c.symbols[0].funding_rate_e8, 30'000);
  EXPECT_EQ(parse_sim_config("[venue]\nfinished_order_memory = 0\n", "sim.toml").finished_order_memory, 0);
  expect_error("[venue]\nfunding_rate = \"0.000000001\"\n", "sim.toml:2: venue.funding_rate:", "not a valid decimal");
  expect_error("[venue]\nfunding_rate = \"1\"\n", "sim.toml:2: venue.funding_rate:", "must be a fraction in (-1, 1)");
  expect_error("[venue]\nfunding_rate = 0.0001\n", "sim.toml:2: venue.funding_rate:", "expected a decimal string");
  expect_error(std::string(kSymbol) + "funding_rate = \"-1.5\"\n", "sim.toml:6: symbol[0].funding_rate:",
               "must be a fraction in (-1, 1)");
  expect_error("[venue]\nfinished_order_memory = -1\n", "sim.toml:2: venue.finished_order_memory:", "outside");
}

TEST(SimConfig, UnknownKeys) {
  expect_error("[venue]\nmarket = \"spot\"\nport = 1\n", "sim.toml:3: venue.port:", "unknown key");
  expect_error("[flow]\nkind = \"none\"\nrate = 3\n", "sim.toml:3: flow.rate:", "unknown key");
  expect_error(std::string(kSymbol) + "step = \"1\"\n", "sim.toml:6: symbol[0].step:", "unknown key");
  expect_error("[[account]]\ncomp_id = \"A\"\nkey = \"x\"\n", "sim.toml:3: account[0].key:", "unknown key");
  expect_error("[venues]\n", "sim.toml:1: venues:", "unknown key");
}

TEST(SimConfig, WrongTypes) {
  expect_error("[venue]\nhttp_port = \"80\"\n", "sim.toml:2: venue.http_port:", "expected an integer, got a string");
  expect_error("[venue]\nfix_port = 70000\n", "sim.toml:2: venue.fix_port:", "outside [0, 65535]");
  expect_error("[venue]\nmarket = \"margin\"\n", "sim.toml:2: venue.market:", "not one of \"spot\", \"futures\"");
  expect_error("[venue]\nmarket = 1\n", "sim.toml:2: venue.market:", "expected a string, got an integer");
  expect_error("[flow]\nkind = \"random\"\n", "sim.toml:2: flow.kind:", "not one of");
  expect_error("[[symbol]]\nname = \"X\"\ntick_size = 0.01\n", "sim.toml:3: symbol[0].tick_size:",
               "expected a decimal string, got a float");
  expect_error("symbol = 3\n", "sim.toml:1: symbol:", "expected an array of tables");
  expect_error("[[account]]\ncomp_id = \"A\"\nbalances = 5\n", "sim.toml:3: account[0].balances:",
               "expected a table, got an integer");
  expect_error("[[account]]\ncomp_id = \"A\"\nbalances = { USDT = 5 }\n", "sim.toml:3: account[0].balances.USDT:",
               "expected a decimal string, got an integer");
  expect_error("[venue]\ntls_cert = \"c.pem\"\n", "sim.toml:2: venue.tls_cert:", "set together");
}

TEST(SimConfig, BadDecimals) {
  expect_error("[[symbol]]\nname = \"X\"\ntick_size = \"0.0.1\"\n", "sim.toml:3: symbol[0].tick_size:",
               "\"0.0.1\" is not a valid decimal");
  expect_error("[[symbol]]\nname = \"X\"\ntick_size = \"0.01\"\nlot_size = \"-1\"\n",
               "sim.toml:4: symbol[0].lot_size:", "not a valid decimal");
  expect_error("[[symbol]]\nname = \"X\"\ntick_size = \"0\"\n", "sim.toml:3: symbol[0].tick_size:", "must be positive");
  expect_error("[[symbol]]\nname = \"X\"\ntick_size = \"0.000000001\"\n", "sim.toml:3: symbol[0].tick_size:",
               "not a valid decimal");
  expect_error("[[account]]\ncomp_id = \"A\"\nbalances = { USDT = \"1e6\" }\n",
               "sim.toml:3: account[0].balances.USDT:", "not a valid decimal");
  expect_error("[venue]\nmaker_fee = \"0.0000001\"\n", "sim.toml:2: venue.maker_fee:", "at most 6 decimals");
}

TEST(SimConfig, MissingRequired) {
  expect_error("[[symbol]]\ntick_size = \"1\"\nlot_size = \"1\"\n", "sim.toml:1: symbol[0].name:", "missing");
  expect_error("[[symbol]]\nname = \"X\"\nlot_size = \"1\"\n", "sim.toml:1: symbol[0].tick_size:", "missing");
  expect_error("[[account]]\npassword = \"\"\n", "sim.toml:1: account[0].comp_id:", "missing");
}

TEST(SimConfig, Duplicates) {
  expect_error(std::string(kSymbol) + kSymbol, "sim.toml:7: symbol[1].name:", "duplicate symbol \"BTCUSDT\"");
  expect_error("[[account]]\ncomp_id = \"A\"\n[[account]]\ncomp_id = \"A\"\n", "sim.toml:4: account[1].comp_id:",
               "duplicate account \"A\"");
  expect_error("[[account]]\ncomp_id = \"KEELSIM\"\n", "sim.toml:2: account[0].comp_id:", "must differ");
}

TEST(SimConfig, SyntaxErrorAndMissingFile) {
  expect_error("[venue\n", "sim.toml:1:", "");
  EXPECT_THROW((void)load_sim_config("/nonexistent/sim.toml"), ConfigError);
}

}  // namespace
}  // namespace keel::sim

namespace keel::sim {
namespace {

TEST(SimConfigFlow, FlowLatencyAndSyntheticKeys) {
  const SimConfig c = parse_sim_config(
      std::string("[flow]\nkind = \"bars\"\nspeed = 0\nseed = 7\nlevels = 5\nspread_ticks = 2\nlevel_notional = 100\n"
                  "depth_jitter = 0.25\nsteps_per_bar = 8\nvolume_fraction = 0.1\ndata = \"d\"\ninterval_ms = 60000\n"
                  "from = \"2021-01-01\"\nto = \"2021-01-02\"\n[flow.synthetic]\nstart_price = 5\nbar_volatility = 0.01\n"
                  "[latency]\norder_entry_us = 150\nmarket_data_us = 250\n") +
          kSymbol,
      "sim.toml");
  EXPECT_EQ(c.flow, FlowKind::kBars);
  EXPECT_EQ(c.flow_speed, 0.0);
  EXPECT_EQ(c.flow_seed, 7u);
  EXPECT_EQ(c.bar_walk.levels, 5);
  EXPECT_EQ(c.bar_walk.spread_ticks, 2);
  EXPECT_EQ(c.bar_walk.level_notional, 100.0);
  EXPECT_EQ(c.bar_walk.depth_jitter, 0.25);
  EXPECT_EQ(c.bar_walk.steps_per_bar, 8);
  EXPECT_EQ(c.bar_walk.volume_fraction, 0.1);
  EXPECT_EQ(c.bars_dir, "d");
  EXPECT_EQ(c.bars_interval_ms, 60000);
  EXPECT_EQ(c.bars_from, "2021-01-01");
  EXPECT_EQ(c.bars_to, "2021-01-02");
  EXPECT_EQ(c.synthetic.start_price, 5.0);
  EXPECT_EQ(c.synthetic.bar_volatility, 0.01);
  EXPECT_EQ(c.synthetic.assets, 1) << "one synthetic asset per symbol";
  EXPECT_EQ(c.order_entry_delay_us, 150);
  EXPECT_EQ(c.market_data_delay_us, 250);
}

TEST(SimConfigFlow, BadFlowSettingsAreRefusedWithLine) {
  expect_error("[flow]\nspeed = -1\n", "sim.toml:2: flow.speed", "outside");
  expect_error("[flow]\nspeed = nan\n", "sim.toml:2: flow.speed", "finite");
  expect_error("[flow]\nlevels = 0\n", "sim.toml:2: flow.levels", "outside");
  expect_error("[flow]\nsteps_per_bar = 3\n", "sim.toml:2: flow.steps_per_bar", "outside");
  expect_error("[flow]\nfrom = \"2021-13-01\"\n", "sim.toml:2: flow.from", "UTC date");
  expect_error("[flow]\nbogus = 1\n", "sim.toml:2: flow.bogus", "unknown key");
  expect_error("[flow.synthetic]\nassets = 3\n", "sim.toml:2: flow.synthetic.assets", "[[symbol]]");
  expect_error("[flow.synthetic]\nbar_volatility = 2\n", "sim.toml:2: flow.synthetic.bar_volatility", "outside");
  expect_error("[latency]\norder_entry_us = -5\n", "sim.toml:2: latency.order_entry_us", "outside");
  expect_error(std::string("[flow]\nkind = \"bars\"\n") + kSymbol, "sim.toml: flow.data", "required");
  expect_error("[flow]\nkind = \"synthetic\"\n", "sim.toml: flow.kind", "[[symbol]]");
}

}  // namespace
}  // namespace keel::sim
