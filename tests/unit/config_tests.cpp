#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "keel/core/io/config.hpp"
#include "test_support.hpp"

using namespace keel;

namespace {
// The message of the ConfigError that parsing `text` throws ("" when it parses).
std::string error_of(const std::string& text) {
  try {
    (void)parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, DefaultsWithoutAFile) {
  const KeelConfig c = parse_config("", "empty.toml");
  EXPECT_EQ(c.run.seed, 42u);
  EXPECT_EQ(c.run.initial_capital, 100000.0);
  EXPECT_TRUE(c.data.dir.empty());
  EXPECT_EQ(c.synthetic.assets, 8);
  EXPECT_TRUE(c.journal.enabled);
}

TEST(Config, ReadsEverySection) {
  const KeelConfig c = parse_config(R"(
[run]
seed = 7
initial_capital = 250000
[data]
dir = "/data/bars"
bar_interval_ms = 60000
skip_bad_symbols = true
[synthetic]
assets = 3
start = "2022-02-03"
bar_volatility = 0.01
[journal]
enabled = false
[credentials]
api_key = "env:KEEL_KEY"
api_secret = "file:/etc/keel/secret"
)", "full.toml");
  EXPECT_EQ(c.run.seed, 7u);
  EXPECT_EQ(c.run.initial_capital, 250000.0);
  EXPECT_EQ(c.data.dir, "/data/bars");
  EXPECT_EQ(c.data.bar_interval_ms, 60000);
  EXPECT_TRUE(c.data.skip_bad_symbols);
  EXPECT_EQ(c.synthetic.assets, 3);
  EXPECT_EQ(c.synthetic.start, "2022-02-03");
  EXPECT_EQ(c.synthetic.bar_volatility, 0.01);
  EXPECT_FALSE(c.journal.enabled);
  EXPECT_EQ(c.credentials.api_key, "env:KEEL_KEY");
}

TEST(Config, UnknownKeysAreRejectedWithPathAndLine) {
  EXPECT_EQ(error_of("[run]\nseed = 1\nsead = 2\n"), "test.toml:3: run.sead: unknown key");
  EXPECT_EQ(error_of("[runn]\n"), "test.toml:1: runn: unknown key");
  EXPECT_EQ(error_of("\n\n[synthetic]\nassets = 2\ncolour = \"red\"\n"), "test.toml:5: synthetic.colour: unknown key");
}

TEST(Config, WrongTypesAreRejectedWithPathAndLine) {
  EXPECT_EQ(error_of("[run]\nseed = \"42\"\n"), "test.toml:2: run.seed: expected an integer, got a string");
  EXPECT_EQ(error_of("[run]\ninitial_capital = true\n"),
            "test.toml:2: run.initial_capital: expected a number, got a boolean");
  EXPECT_EQ(error_of("run = 5\n"), "test.toml:1: run: expected a table, got an integer");
  EXPECT_EQ(error_of("[journal]\nenabled = 1\n"), "test.toml:2: journal.enabled: expected a boolean, got an integer");
  EXPECT_EQ(error_of("[data]\ndir = 3\n"), "test.toml:2: data.dir: expected a string, got an integer");
}

TEST(Config, RangesAndNonFiniteNumbers) {
  EXPECT_EQ(error_of("[run]\nseed = -1\n"), "test.toml:2: run.seed: must not be negative");
  EXPECT_EQ(error_of("[synthetic]\nassets = 0\n"), "test.toml:2: synthetic.assets: 0 is outside [1, 4096]");
  EXPECT_EQ(error_of("[run]\ninitial_capital = nan\n"),
            "test.toml:2: run.initial_capital: must be a finite number (nan and inf are not allowed)");
  EXPECT_EQ(error_of("[run]\ninitial_capital = inf\n"),
            "test.toml:2: run.initial_capital: must be a finite number (nan and inf are not allowed)");
  EXPECT_EQ(error_of("[synthetic]\nstart = \"2021-13-01\"\n"),
            "test.toml:2: synthetic.start: expected a UTC date string \"YYYY-MM-DD\"");
  EXPECT_EQ(error_of("[synthetic]\nstart = \"2021-02-31\"\n"),
            "test.toml:2: synthetic.start: expected a UTC date string \"YYYY-MM-DD\"");
  EXPECT_EQ(error_of("[synthetic]\ngap_every_bars = 3\n"),
            "test.toml: synthetic.gap_length_bars: must be shorter than synthetic.gap_every_bars (or no bar would be left)");
  KeelConfig c;
  c.run.seed = 1ull << 63;  // what a --seed override can produce: not a TOML integer
  EXPECT_THROW(validate_config(c), ConfigError);
}

TEST(Config, SyntaxErrorsNameTheLine) {
  const std::string e = error_of("[run]\nseed = = 4\n");
  EXPECT_EQ(e.rfind("test.toml:2: ", 0), 0u) << e;
}

TEST(Config, SecretsMayNotBeWrittenInline) {
  EXPECT_EQ(error_of("[credentials]\napi_key = \"abc123\"\n"),
            "test.toml:2: credentials.api_key: secrets may not be written in a config file; use \"env:NAME\" or \"file:PATH\"");
}

TEST(Config, MissingFileIsAConfigError) {
  EXPECT_THROW(load_config_file("/nonexistent/keel.toml"), ConfigError);
}

TEST(Config, DumpIsCanonicalAndReparses) {
  KeelConfig c;
  c.run.seed = 9;
  c.data.dir = "C:\\bars\\new \"quoted\"\tdir";  // backslashes, quotes and a tab survive
  c.synthetic.bar_volatility = 0.1 / 3;  // needs 16 significant digits to round-trip
  const std::string text = dump_config(c);
  const KeelConfig back = parse_config(text, "dump.toml");
  EXPECT_EQ(back.run.seed, 9u);
  EXPECT_EQ(back.data.dir, c.data.dir);
  EXPECT_EQ(back.synthetic.bar_volatility, c.synthetic.bar_volatility);
  EXPECT_EQ(dump_config(back), text);
  EXPECT_EQ(config_hash(back), config_hash(c));
  KeelConfig other = c;
  other.run.seed = 10;
  EXPECT_NE(config_hash(other), config_hash(c));
}

TEST(Config, UtcDates) {
  EXPECT_EQ(parse_utc_date("1970-01-01"), 0);
  EXPECT_EQ(parse_utc_date("2020-12-01"), 18597);
  EXPECT_EQ(parse_utc_date("2024-02-29"), 19782);
  EXPECT_FALSE(parse_utc_date("2023-02-29").has_value());
  EXPECT_FALSE(parse_utc_date("2021-04-31").has_value());
  EXPECT_FALSE(parse_utc_date("2021-4-30").has_value());
  EXPECT_FALSE(parse_utc_date("").has_value());
}

TEST(Secrets, FromEnvironment) {
  ::setenv("KEEL_TEST_SECRET", "s3cr3t", 1);
  EXPECT_EQ(read_secret("env:KEEL_TEST_SECRET", "api_key"), "s3cr3t");
  ::unsetenv("KEEL_TEST_SECRET");
  EXPECT_THROW(read_secret("env:KEEL_TEST_SECRET", "api_key"), ConfigError);
  EXPECT_THROW(read_secret("plain-text", "api_key"), ConfigError);
}

TEST(Secrets, FromOwnerOnlyFileOnly) {
  test::ScratchDir dir("secrets");
  const std::string path = dir.write("key", "abc\n");
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(read_secret("file:" + path, "api_key"), "abc");
  ::chmod(path.c_str(), 0644);
  try {
    (void)read_secret("file:" + path, "api_key");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("readable by others"), std::string::npos);
  }
  EXPECT_THROW(read_secret("file:" + dir.file("missing"), "api_key"), ConfigError);
}

// Regression (review of issue 3): an unknown key in a [dolphin.*] section aborted the program.
TEST(Config, DolphinSectionsAreCheckedLikeTheOthers) {
  EXPECT_EQ(error_of("[dolphin.signal]\nfoo = 1\n"), "test.toml:2: dolphin.signal.foo: unknown key");
  EXPECT_EQ(error_of("[dolphin.mc]\nfoo = 1\n"), "test.toml:2: dolphin.mc.foo: unknown key");
  EXPECT_EQ(error_of("[dolphin.signal]\nlookback = 0\ndc_lookback_bars = 7\n"),
            "test.toml:2: dolphin.signal.lookback: 0 is outside [1, 1000000]");
  EXPECT_EQ(error_of("[dolphin.signal]\ndirection = \"up\"\n"),
            "test.toml:2: dolphin.signal.direction: expected \"short\" or \"long\"");
  EXPECT_EQ(error_of("[dolphin]\nsignal = 3\n"), "test.toml:2: dolphin.signal: expected a table");
  EXPECT_EQ(error_of("[dolphin.nope]\n"), "test.toml:1: dolphin.nope: unknown key");
  EXPECT_EQ(error_of("[dolphin.signal]\nvel_div_extreme = -0.01\n"),
            "test.toml: dolphin.signal.vel_div_extreme: must be below vel_div_threshold");
  const KeelConfig c = parse_config(
      "[dolphin.signal]\ndirection = \"long\"\n[dolphin.exits]\nmax_hold_bars = 60\n[dolphin.irp]\nreturns = \"relative\"\n",
      "d.toml");
  EXPECT_EQ(c.dolphin.signal.direction, dolphin::Direction::kLong);
  EXPECT_EQ(c.dolphin.exits.max_hold_bars, 60);
  EXPECT_EQ(c.dolphin.irp.returns, dolphin::IrpReturns::kRelative);
  EXPECT_EQ(dump_config(parse_config(dump_config(c), "again.toml")), dump_config(c));
}
