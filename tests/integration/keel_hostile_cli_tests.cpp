// Hostile configurations through the `keel` program: every configuration error exits 78 (EX_CONFIG)
// with a short message, including those the simulator used to find only when it started (exit 1).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "../unit/test_support.hpp"
#include "child_process.hpp"

namespace {

using keel::test::Outcome;

Outcome run(const std::string& args) { return keel::test::run_keel(args); }

constexpr int kExitConfig = 78;
const std::string kSymbol = "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\n";
const std::string kAccount = "[[account]]\ncomp_id = \"ALICE\"\n";

}  // namespace

TEST(HostileCli, SimConfigurationErrorsExit78) {
  keel::test::ScratchDir dir("hostile-cli-sim");
  struct Case {
    const char* name;
    std::string toml;
    const char* says;
  };
  const Case cases[] = {
      {"no account", kSymbol, "no [[account]]"},
      {"symbol without a known quote", "[[symbol]]\nname = \"FOOBAR\"\ntick_size = \"0.01\"\nlot_size = \"1\"\n" + kAccount,
       "FOOBAR"},
      {"missing TLS files", "[venue]\ntls_cert = \"" + dir.file("none.pem") + "\"\ntls_key = \"" + dir.file("none.key") +
                                "\"\n" + kSymbol + kAccount,
       "venue.tls_cert"},
      {"bind that is no address", "[venue]\nbind = \"no-such-interface-x\"\n" + kSymbol + kAccount, "venue.bind"},
      {"store_dir that cannot be made", "[venue]\nstore_dir = \"/proc/keel-no\"\n" + kSymbol + kAccount, "venue.store_dir"},
      {"CompID with ../", "[venue]\ncomp_id = \"../../tmp/x\"\n" + kSymbol + kAccount, "venue.comp_id"},
      {"synthetic start past 2262", "[flow]\nkind = \"synthetic\"\n[flow.synthetic]\nstart = \"2262-04-12\"\n" + kSymbol + kAccount,
       "flow.synthetic.start"},
      {"books above the memory limit", "[venue]\nmax_book_memory_mb = 1\n" + kSymbol + kAccount, "venue.max_book_memory_mb"},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.write("sim" + std::to_string(i++) + ".toml", c.toml);
    const Outcome o = run("sim --config " + path + " --duration 1");
    EXPECT_EQ(o.exit_code, kExitConfig) << o.output;
    EXPECT_NE(o.output.find(c.says), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("configuration error"), std::string::npos) << o.output;
  }
  const Outcome missing = run("sim --config " + dir.file("missing.toml"));
  EXPECT_EQ(missing.exit_code, kExitConfig) << missing.output;
}

TEST(HostileCli, BacktestConfigurationErrorsExit78) {
  keel::test::ScratchDir dir("hostile-cli-backtest");
  const std::string open_secret = dir.write("open.txt", "k\n");
  ASSERT_EQ(::chmod(open_secret.c_str(), 0644), 0);
  const std::string configs[] = {
      "[synthetic]\nstart = \"2262-04-12\"\ndays = 1\n",
      "[credentials]\napi_key = \"file:" + open_secret + "\"\n",
      "[credentials]\napi_key = \"file:" + dir.file("missing") + "\"\n",
      "[credentials]\napi_key = \"env:KEEL_HOSTILE_CLI_UNSET_VARIABLE\"\n",
  };
  int i = 0;
  for (const std::string& toml : configs) {
    SCOPED_TRACE(toml);
    const std::string path = dir.write("bt" + std::to_string(i) + ".toml", toml);
    const Outcome o = run("backtest --config " + path + " --out " + dir.file("run" + std::to_string(i)));
    ++i;
    EXPECT_EQ(o.exit_code, kExitConfig) << o.output;
  }
}

// One configuration error echoed a 10 MB value to stderr.
TEST(HostileCli, HugeValuesAreNotEchoed) {
  keel::test::ScratchDir dir("hostile-cli-echo");
  const std::string big(10'000'000, 'x');
  const std::string path = dir.write("big.toml", "[venue]\nmarket = \"" + big + "\"\n" + kSymbol + kAccount);
  const Outcome o = run("sim --config " + path);
  EXPECT_EQ(o.exit_code, kExitConfig);
  EXPECT_LT(o.output.size(), 1000u) << o.output.substr(0, 1000);
  EXPECT_NE(o.output.find("10000000 bytes"), std::string::npos) << o.output.substr(0, 1000);
}
