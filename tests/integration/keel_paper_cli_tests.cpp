// `keel paper` as a user runs it: the simulator in-process on the synthetic market at full speed,
// the gateway over real loopback sockets (WebSocket market data, FIX orders) and the core with
// DOLPHIN on bars built from the venue's trades. The run trades, writes its run directory, and
// `keel replay` of its journal gives the very digest the run printed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "child_process.hpp"

namespace keel {
namespace {

using test::run_keel;
using test::slurp;
const auto& field = test::summary_field;

class KeelPaper : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keel_paper_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(KeelPaper, DolphinTradesOverRealSocketsAndTheJournalReplaysToTheSameDigest) {
  // Four synthetic days: the run ends when the simulator's market does (or after 240 s on a very
  // slow machine, which still leaves a journal to replay).
  const std::string config = path("paper.toml");
  std::ofstream(config) << "[synthetic]\ndays = 4\nassets = 6\n";
  const test::Outcome run = run_keel("paper --config " + config + " --duration 240 --out " + path("run"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string summary = slurp(path("run/summary.json"));
  ASSERT_FALSE(summary.empty()) << run.output;
  EXPECT_EQ(field(summary, "mode"), "paper");
  EXPECT_EQ(field(summary, "journal_ok"), "true");
  EXPECT_EQ(field(summary, "fix_logons"), "1");
  EXPECT_EQ(field(summary, "fix_malformed"), "0");
  EXPECT_EQ(field(summary, "feed_malformed"), "0");
  EXPECT_EQ(field(summary, "core_allocations_after_warmup"), "0");
  EXPECT_NE(field(summary, "bars"), "0");
  EXPECT_NE(field(summary, "orders"), "0") << "DOLPHIN sent no order in four days:\n" << summary;
  EXPECT_NE(field(summary, "fix_reports"), "0");
  EXPECT_EQ(field(summary, "open_orders"), "0") << "Ctrl-C / the end cancels every open order";
  for (const char* f : {"trades.csv", "equity.csv", "report.html", "journal.bin"})
    EXPECT_TRUE(std::filesystem::exists(path(std::string("run/") + f))) << f;
  EXPECT_TRUE(std::filesystem::exists(path("run/fix/store"))) << "the FIX store is kept in the run directory";

  const std::string digest = field(summary, "digest");
  ASSERT_EQ(digest.size(), 16u);
  EXPECT_NE(run.output.find("digest " + digest), std::string::npos) << run.output;
  const test::Outcome replay = run_keel("replay " + path("run/journal.bin") + " --expect " + digest);
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("digest " + digest), std::string::npos) << replay.output;
}

TEST_F(KeelPaper, BadArgumentsAreRefusedBeforeAnythingStarts) {
  EXPECT_EQ(run_keel("paper").exit_code, 2);  // --out is required
  EXPECT_EQ(run_keel("paper --speed fast --out " + path("x")).exit_code, 2);
  const std::string config = path("bad.toml");
  std::ofstream(config) << "[live]\nmarket = \"options\"\n";
  const test::Outcome bad = run_keel("paper --config " + config + " --out " + path("x"));
  EXPECT_EQ(bad.exit_code, 78) << bad.output;
  EXPECT_NE(bad.output.find("live.market"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace keel
