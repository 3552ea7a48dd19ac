// End-to-end: the `keel` program as a user runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "../unit/test_support.hpp"
#include "child_process.hpp"
#include "keel/core/primitives/rng.hpp"

namespace {

using keel::test::Outcome;
using keel::test::slurp;

Outcome run(const std::string& args) { return keel::test::run_keel(args); }

std::string json_string(const std::string& json, const std::string& key) {
  const auto k = json.find("\"" + key + "\": \"");
  if (k == std::string::npos) return {};
  const auto b = k + key.size() + 5;
  return json.substr(b, json.find('"', b) - b);
}
std::string json_number(const std::string& json, const std::string& key) {
  const auto k = json.find("\"" + key + "\": ");
  if (k == std::string::npos) return {};
  const auto b = k + key.size() + 4;
  return json.substr(b, json.find_first_of(",\n", b) - b);
}

}  // namespace

TEST(KeelCli, SameSeedSameDigestOtherSeedOtherDigestAndReplayReproduces) {
  keel::test::ScratchDir dir("cli-seed");
  const std::string a = dir.file("a"), b = dir.file("b"), c = dir.file("c");
  ASSERT_EQ(run("backtest --out " + a).exit_code, 0);
  ASSERT_EQ(run("backtest --seed 42 --out " + b).exit_code, 0);
  ASSERT_EQ(run("backtest --seed 7 --out " + c).exit_code, 0);
  const std::string sa = slurp(a + "/summary.json"), sb = slurp(b + "/summary.json"), sc = slurp(c + "/summary.json");
  const std::string da = json_string(sa, "digest");
  ASSERT_EQ(da.size(), 16u) << sa;
  EXPECT_EQ(da, json_string(sb, "digest"));
  EXPECT_NE(da, json_string(sc, "digest"));
  EXPECT_EQ(json_number(sa, "bars"), "8640");  // 30 days of 5-minute bar times
  EXPECT_EQ(json_number(sa, "core_allocations_after_warmup"), "0");
  // Locked: the default run's digest. A change to the synthetic market, the engine's outputs or the
  // digest's serialisation shows up here (update it deliberately, with a note in docs/). Changed by
  // issue 8: the digest covers OrderCommands and ExecReports (the 47 trades are unchanged).
  EXPECT_EQ(da, "c40eb4700a967d05");

  const Outcome replay = run("replay " + a + "/journal.bin --expect " + da);
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("digest " + da), std::string::npos) << replay.output;
  const Outcome mismatch = run("replay " + a + "/journal.bin --expect 0123456789abcdef");
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.output.find("digest mismatch"), std::string::npos);
}

TEST(KeelCli, BacktestOnRealBarsAndConvertAgree) {
  keel::test::ScratchDir dir("cli-real");
  const std::string data = dir.path().string() + "/bars";
  std::filesystem::create_directories(data);
  // Three real symbols, the first 2,000 lines each, to keep the test short.
  for (const char* sym : {"BTCUSDT", "ETHUSDT", "XRPUSDT"}) {
    const std::string cmd = "gzip -dc " + keel::test::shared_data(std::string("binance-5m/") + sym + ".csv.gz") +
                            " | head -n 2001 > " + data + "/" + sym + ".csv";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  const Outcome bt = run("backtest --data " + data + " --out " + dir.file("run"));
  ASSERT_EQ(bt.exit_code, 0) << bt.output;
  const std::string summary = slurp(dir.file("run") + "/summary.json");
  EXPECT_EQ(json_number(summary, "bars"), "2000");
  EXPECT_EQ(json_number(summary, "instruments"), "3");
  EXPECT_EQ(json_string(summary, "start"), "2020-12-01T00:00:00Z");
  EXPECT_EQ(json_number(summary, "core_allocations_after_warmup"), "0");
  const std::string digest = json_string(summary, "digest");
  EXPECT_EQ(digest, "b00e2fceb0393de2");  // locked: the first 2,000 real bars of three symbols (issue 8)

  const Outcome conv = run("convert --data " + data + " --out " + dir.file("bars.journal"));
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  const Outcome rep = run("replay " + dir.file("bars.journal") + " --expect " + digest);
  EXPECT_EQ(rep.exit_code, 0) << rep.output;
}

TEST(KeelCli, TornJournalReplaysThePrefixAndSaysWhere) {
  keel::test::ScratchDir dir("cli-torn");
  ASSERT_EQ(run("backtest --out " + dir.file("r")).exit_code, 0);
  const std::string j = dir.file("r") + "/journal.bin";
  std::filesystem::resize_file(j, std::filesystem::file_size(j) - 10);
  const Outcome o = run("replay " + j);
  EXPECT_EQ(o.exit_code, 65);
  EXPECT_NE(o.output.find("torn tail"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("digest "), std::string::npos);
}

TEST(KeelCli, BadInputGetsAClearMessageAndExitCode) {
  keel::test::ScratchDir dir("cli-bad");
  const std::string data = dir.path().string() + "/bars";
  std::filesystem::create_directories(data);
  std::ofstream(data + "/BADUSDT.csv") << "open_time_ms,open,high,low,close,volume\n1000,1,1,1,1,1\n900,1,1,1,1,1\n";
  const Outcome bad = run("backtest --data " + data + " --out " + dir.file("r"));
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_NE(bad.output.find("BADUSDT.csv:3: timestamp 900 does not increase"), std::string::npos) << bad.output;

  // The same bad file is skipped, and listed, when the config says so.
  std::ofstream(data + "/OKUSDT.csv") << "open_time_ms,open,high,low,close,volume\n300000,1,1,1,1,1\n600000,1,1,1,1,1\n";
  std::ofstream(dir.file("skip.toml")) << "[data]\nskip_bad_symbols = true\n";
  const Outcome skipped = run("backtest --config " + dir.file("skip.toml") + " --data " + data + " --out " + dir.file("s"));
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  const std::string ss = slurp(dir.file("s") + "/summary.json");
  EXPECT_NE(ss.find("\"skipped_symbols\": [\"BADUSDT: "), std::string::npos) << ss;
  EXPECT_EQ(json_number(ss, "instruments"), "1");
  std::filesystem::remove(data + "/OKUSDT.csv");

  std::ofstream(dir.file("bad.toml")) << "[run]\nseed = \"x\"\n";
  const Outcome cfg = run("backtest --config " + dir.file("bad.toml") + " --out " + dir.file("r"));
  EXPECT_EQ(cfg.exit_code, 78);
  EXPECT_NE(cfg.output.find("bad.toml:2: run.seed: expected an integer"), std::string::npos) << cfg.output;

  EXPECT_EQ(run("backtest").exit_code, 2);                      // --out missing
  EXPECT_EQ(run("backtest --out x --bogus").exit_code, 2);      // unknown option
  EXPECT_EQ(run("backtest --seed abc --out x").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("replay " + dir.file("missing.bin")).exit_code, 66);
  const std::string good = dir.path().string() + "/good";
  std::filesystem::create_directories(good);
  std::ofstream(good + "/OKUSDT.csv") << "open_time_ms,open,high,low,close,volume\n300000,1,1,1,1,1\n";
  std::ofstream(dir.file("syms.txt")) << "ZZZUSDT\n";
  EXPECT_EQ(run("backtest --data " + good + " --symbols " + dir.file("syms.txt") + " --out " + dir.file("r")).exit_code,
            66);  // a listed symbol without a file
  EXPECT_EQ(run("convert --data " + good + " --out /nonexistent-dir/x.journal").exit_code, 73);
  EXPECT_EQ(run("convert --data " + good + " --interval-ms 999999999999 --out x").exit_code, 2);
  EXPECT_EQ(run("backtest --seed 18446744073709551615 --out " + dir.file("r")).exit_code, 2);  // not a TOML integer
  EXPECT_EQ(run("backtest --from 2021-02-30 --out " + dir.file("r")).exit_code, 2);
  const Outcome help = run("backtest --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: keel backtest"), std::string::npos);
  EXPECT_EQ(run("version").exit_code, 0);
}

// DOLPHIN on real bars, end to end: the run directory has every file with the documented columns,
// the report is one self-contained page, and `--features` from `keel features` reproduces the run
// that computed its own signals (the CSV holds 17 significant digits: every double round-trips).
TEST(KeelCli, DolphinRunDirectoryAndPrecomputedFeaturesAgree) {
  keel::test::ScratchDir dir("cli-dolphin");
  const std::string data = dir.path().string() + "/bars";
  std::filesystem::create_directories(data);
  for (const char* sym : {"BTCUSDT", "ETHUSDT", "XRPUSDT", "ADAUSDT", "LTCUSDT", "LINKUSDT"}) {
    const std::string cmd = "gzip -dc " + keel::test::shared_data(std::string("binance-5m/") + sym + ".csv.gz") +
                            " | head -n 4001 > " + data + "/" + sym + ".csv";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  const Outcome a = run("backtest --data " + data + " --out " + dir.file("a"));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const std::string summary = slurp(dir.file("a") + "/summary.json");
  for (const char* key : {"roi", "profit_factor", "sharpe", "max_drawdown", "win_rate", "trades", "fees", "bars",
                          "start", "end", "digest", "core_allocations_after_warmup", "wall_seconds"})
    EXPECT_NE(summary.find(std::string("\"") + key + "\": "), std::string::npos) << key;
  EXPECT_EQ(json_number(summary, "core_allocations_after_warmup"), "0");
  const std::string trades = slurp(dir.file("a") + "/trades.csv");
  EXPECT_EQ(trades.substr(0, trades.find('\n')),
            "symbol,direction,entry_time_ms,exit_time_ms,entry_price,exit_price,notional,leverage,fraction,bucket,"
            "exit_reason,gross_pnl,fees,net_pnl");
  EXPECT_EQ(slurp(dir.file("a") + "/equity.csv").substr(0, 28), "open_time_ms,equity,capital\n");
  const std::string html = slurp(dir.file("a") + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);   // nothing fetched: one self-contained page
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);

  ASSERT_EQ(run("features --data " + data + " --out " + dir.file("f.csv")).exit_code, 0);
  const Outcome b = run("backtest --data " + data + " --features " + dir.file("f.csv") + " --out " + dir.file("b"));
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(json_string(slurp(dir.file("b") + "/summary.json"), "digest"), json_string(summary, "digest"));
  EXPECT_EQ(slurp(dir.file("b") + "/trades.csv"), trades);
  // The features path is part of the recorded configuration: a replay reads the same file.
  const Outcome rb = run("replay " + dir.file("b") + "/journal.bin --expect " + json_string(summary, "digest"));
  EXPECT_EQ(rb.exit_code, 0) << rb.output;
  // A run directory reused by a run that writes fewer files keeps none of the earlier run's.
  std::ofstream(dir.file("none.toml")) << "[strategy]\nname = \"none\"\n[journal]\nenabled = false\n";
  ASSERT_EQ(run("backtest --config " + dir.file("none.toml") + " --data " + data + " --out " + dir.file("b")).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("b") + "/trades.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("b") + "/journal.bin"));

  // --from warms up on the earlier bars and trades only from that date.
  const Outcome c = run("backtest --data " + data + " --from 2020-12-10 --out " + dir.file("c"));
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const std::string sc = slurp(dir.file("c") + "/summary.json");
  EXPECT_EQ(json_string(sc, "start"), "2020-12-10T00:00:00Z");
  EXPECT_EQ(json_number(sc, "warmup_bars"), "2592");  // 9 days of 288 bars
}

TEST(KeelCli, FeaturesCommandWritesTheDocumentedColumns) {
  keel::test::ScratchDir dir("cli-features");
  const std::string data = dir.path().string() + "/bars";
  std::filesystem::create_directories(data);
  for (const char* sym : {"BTCUSDT", "ETHUSDT"}) {
    const std::string cmd = "gzip -dc " + keel::test::shared_data(std::string("binance-5m/") + sym + ".csv.gz") +
                            " | head -n 1001 > " + data + "/" + sym + ".csv";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  ASSERT_EQ(run("features --data " + data + " --from 2020-12-02 --to 2020-12-02 --out " + dir.file("f.csv")).exit_code,
            0);
  const std::string f = slurp(dir.file("f.csv"));
  EXPECT_EQ(f.substr(0, f.find('\n')), "open_time_ms,lam_50,lam_150,lam_300,lam_750,v_50,v_150,v_300,v_750,vel_div");
  EXPECT_EQ(std::count(f.begin(), f.end(), '\n'), 1 + 288);  // header + one day of bars
  // Bars of 2020-12-01 filled the windows: the first row of 12-02 (bar 288) has lam_50..lam_150.
  const std::string first = f.substr(f.find('\n') + 1, f.find('\n', f.find('\n') + 1) - f.find('\n') - 1);
  EXPECT_EQ(first.rfind("1606867200000,0.", 0), 0u) << first;
  EXPECT_EQ(run("features --data " + data + " --from 2020-12-03 --to 2020-12-02 --out x").exit_code, 2);
}

// Issue 8: DOLPHIN through the order path (sizer, risk, OMS, bar-close venue) on all of the shared
// 5-minute data gives the 337 trades it gave before the order path existed, byte for byte: the
// FNV-1a of trades.csv is the one the bible's loop wrote (64,899 bytes).
TEST(KeelCli, Issue8DolphinParityOnTheSharedDataWithTheBarCloseVenue) {
  keel::test::ScratchDir dir("cli-parity");
  const std::string data = keel::test::shared_data("binance-5m");
  const Outcome bt = run("backtest --config " + std::string(KEEL_SOURCE_DIR) + "/config/backtest-dolphin.toml --data " +
                         data + " --symbols " + data + "/SYMBOLS.txt --out " + dir.file("run"));
  ASSERT_EQ(bt.exit_code, 0) << bt.output;
  const std::string trades = slurp(dir.file("run") + "/trades.csv");
  EXPECT_EQ(std::count(trades.begin(), trades.end(), '\n'), 338);
  EXPECT_EQ(trades.size(), 64'899u);
  EXPECT_EQ(keel::fnv1a64(trades), 0xfd2c5ea083996c31ULL);
  const std::string summary = slurp(dir.file("run") + "/summary.json");
  EXPECT_EQ(json_string(summary, "venue"), "bar-close");
  EXPECT_EQ(json_number(summary, "orders"), "674");  // 337 entries and 337 exits
  EXPECT_EQ(json_number(summary, "risk_rejects"), "0");
  EXPECT_EQ(json_number(summary, "core_allocations_after_warmup"), "0");
  const std::string digest = json_string(summary, "digest");
  const Outcome rep = run("replay " + dir.file("run") + "/journal.bin --expect " + digest);
  EXPECT_EQ(rep.exit_code, 0) << rep.output;
}

// Issue 8: the same strategy with venue = "matching" — every order through risk and the OMS, every
// fill from the simulator's matching engine against the bar-walk flow — on real bars and on the
// synthetic market: the digest is reproducible (twice the same, and by replay), no allocation.
TEST(KeelCli, Issue8MatchingVenueRunsAreReproducible) {
  keel::test::ScratchDir dir("cli-matching");
  const std::string cfg = dir.file("matching.toml");
  {
    std::ofstream f(cfg);
    f << "[execution]\nvenue = \"matching\"\n[execution.matching]\nsteps_per_bar = 8\nlevels = 5\n";
  }
  const std::string data = dir.path().string() + "/bars";
  std::filesystem::create_directories(data);
  for (const char* sym : {"BTCUSDT", "ETHUSDT", "XRPUSDT", "ADAUSDT", "LTCUSDT"}) {
    const std::string cmd = "gzip -dc " + keel::test::shared_data(std::string("binance-5m/") + sym + ".csv.gz") +
                            " | head -n 4001 > " + data + "/" + sym + ".csv";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  for (const std::string& source : {" --data " + data, std::string(" --seed 42")}) {
    const Outcome a = run("backtest --config " + cfg + source + " --out " + dir.file("a"));
    ASSERT_EQ(a.exit_code, 0) << a.output;
    const Outcome b = run("backtest --config " + cfg + source + " --out " + dir.file("b"));
    ASSERT_EQ(b.exit_code, 0) << b.output;
    const std::string sa = slurp(dir.file("a") + "/summary.json");
    EXPECT_EQ(json_string(sa, "venue"), "matching");
    EXPECT_EQ(json_string(sa, "digest"), json_string(slurp(dir.file("b") + "/summary.json"), "digest"));
    EXPECT_EQ(slurp(dir.file("a") + "/trades.csv"), slurp(dir.file("b") + "/trades.csv"));
    EXPECT_NE(json_number(sa, "orders"), "0") << sa;
    EXPECT_NE(json_number(sa, "fills"), "0") << sa;
    EXPECT_EQ(json_number(sa, "core_allocations_after_warmup"), "0");
    const Outcome rep = run("replay " + dir.file("a") + "/journal.bin --expect " + json_string(sa, "digest"));
    EXPECT_EQ(rep.exit_code, 0) << rep.output;
  }
}
