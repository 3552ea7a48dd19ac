// Hostile configuration and bar data: dates past what nanosecond timestamps hold, secret
// references docs/CONFIG.md says are refused, bars whose range does not hold their open and close,
// and values that error messages would echo in full.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/config.hpp"
#include "test_support.hpp"

namespace keel {
namespace {

std::string config_error(const std::string& text) {
  try {
    (void)parse_config(text, "k.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const std::string& path) {
  try {
    (void)load_config_file(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// A synthetic.start of 2262-04-12 overflowed nanoseconds: the release build ran 0 bars and exited 0.
TEST(HostileConfig, SyntheticStartPastNanosecondRangeIsRefused) {
  const std::string msg = config_error("[synthetic]\nstart = \"2262-04-12\"\ndays = 1\n");
  EXPECT_NE(msg.find("synthetic.start"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2262-04-11"), std::string::npos) << msg;
  // The end counts too: a start that fits with a run that does not.
  EXPECT_NE(config_error("[synthetic]\nstart = \"2262-03-20\"\ndays = 30\n").find("synthetic.start"), std::string::npos);
  EXPECT_NE(config_error("[synthetic]\nstart = \"1969-12-31\"\n").find("synthetic.start"), std::string::npos);
  EXPECT_EQ(config_error("[synthetic]\nstart = \"2262-03-01\"\ndays = 30\n"), "");
  EXPECT_EQ(config_error("[synthetic]\nstart = \"1970-01-01\"\n"), "");
  // validate_config (command-line overrides) applies the same rule.
  KeelConfig c;
  c.synthetic.start = "9999-12-31";
  EXPECT_THROW(validate_config(c), ConfigError);
}

// credentials.api_key = "file:/etc/passwd" (world-readable), a missing file or an unset env:
// variable were accepted although docs/CONFIG.md says they are refused.
TEST(HostileConfig, SecretReferencesAreResolvedAtLoad) {
  keel::test::ScratchDir dir("hostile-secrets");
  const std::string open_file = dir.write("open.txt", "k\n");
  ASSERT_EQ(::chmod(open_file.c_str(), 0644), 0);
  const std::string msg = load_error(dir.write("a.toml", "[credentials]\napi_key = \"file:" + open_file + "\"\n"));
  EXPECT_NE(msg.find("credentials.api_key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("readable by others"), std::string::npos) << msg;

  EXPECT_NE(load_error(dir.write("b.toml", "[credentials]\napi_key = \"file:" + dir.file("missing") + "\"\n"))
                .find("does not exist"),
            std::string::npos);
  ::unsetenv("KEEL_HOSTILE_UNSET");
  EXPECT_NE(load_error(dir.write("c.toml", "[credentials]\napi_secret = \"env:KEEL_HOSTILE_UNSET\"\n"))
                .find("credentials.api_secret"),
            std::string::npos);

  const std::string owner_only = dir.write("ok.txt", "k\n");
  ASSERT_EQ(::chmod(owner_only.c_str(), 0600), 0);
  ::setenv("KEEL_HOSTILE_SET", "v", 1);
  EXPECT_EQ(load_error(dir.write("d.toml", "[credentials]\napi_key = \"file:" + owner_only +
                                               "\"\napi_secret = \"env:KEEL_HOSTILE_SET\"\n")),
            "");
  // A journal's embedded configuration is parsed without resolving them (a replay never uses them).
  EXPECT_EQ(config_error("[credentials]\napi_key = \"env:KEEL_HOSTILE_UNSET\"\n"), "");
}

// A bar whose high is below its low (or whose open or close lies outside [low, high]) was accepted
// and changed results; it is refused as a data error naming file and line.
TEST(HostileBars, HighBelowLowIsADataErrorWithFileAndLine) {
  const std::string header = "open_time_ms,open,high,low,close,volume\n";
  try {
    (void)parse_bar_csv(header + "0,10,11,9,10,1\n300000,10,9,11,10,1\n", "X.csv", "X");
    ADD_FAILURE() << "high < low accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("X.csv:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("high"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)parse_bar_csv(header + "0,12,11,9,10,1\n", "X.csv", "X"), DataError);  // open > high
  EXPECT_THROW((void)parse_bar_csv(header + "0,10,11,9,8,1\n", "X.csv", "X"), DataError);   // close < low
  EXPECT_THROW((void)parse_bar_json("[[0,10,9,11,10,1]]", "X.json", "X"), DataError);
  EXPECT_NO_THROW((void)parse_bar_csv(header + "0,10,10,10,10,0\n300000,9,11,9,11,1\n", "X.csv", "X"));
}

// One configuration error echoed a 10 MB value to stderr.
TEST(HostileConfig, EchoedValuesAreCapped) {
  const std::string big(10'000'000, 'x');
  const std::string q = quote_for_message(big);
  EXPECT_LT(q.size(), 120u);
  EXPECT_NE(q.find("10000000 bytes"), std::string::npos) << q;
  EXPECT_EQ(quote_for_message("short"), "\"short\"");
  EXPECT_EQ(clip_for_message("short"), "short");
  // A multi-byte character is never cut in half.
  const std::string utf8 = std::string(63, 'a') + "\xC3\xA9" + std::string(10, 'b');
  EXPECT_EQ(clip_for_message(utf8).substr(0, 63), std::string(63, 'a'));
  EXPECT_EQ(clip_for_message(utf8)[63], '\xE2');  // "…" follows the 63 ASCII bytes directly
  // An unknown key of 10 MB.
  const std::string msg = config_error("[run]\n" + big + " = 1\n");
  EXPECT_LT(msg.size(), 300u);
  EXPECT_NE(msg.find("unknown key"), std::string::npos);
}

}  // namespace keel
