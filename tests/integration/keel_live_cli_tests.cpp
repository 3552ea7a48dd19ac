// `keel live` and `keel paper` against a running `keel sim` (a child process) over real loopback
// sockets: live refuses without --confirm-live and without credentials; with both it trades, its
// capital ramp starts at the configured fraction, its summary names the paper run of the same
// configuration that preceded it, and a password planted in the environment appears in no file
// and no output; the control endpoint binds 127.0.0.1 and refuses POST /control without the token.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "child_process.hpp"

namespace keel {
namespace {

using test::Child;
using test::run_keel;
using test::slurp;
const auto& field = test::summary_field;
using namespace std::chrono_literals;

constexpr const char* kPassword = "pw-PLANTED-7c1e9b";  // keel's FIX password, only in the environment
constexpr const char* kToken = "tok-PLANTED-44d2";       // the control endpoint's token, only in a 0600 file

// Every regular file under `dir` that contains `needle`.
std::vector<std::string> files_containing(const std::filesystem::path& dir, const std::string& needle) {
  std::vector<std::string> hits;
  if (!std::filesystem::exists(dir)) return hits;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file() && slurp(f.path()).find(needle) != std::string::npos) hits.push_back(f.path().string());
  return hits;
}

class KeelLive : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keel_live_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ::unsetenv("KEEL_TEST_FIX_PW");
  }
  void TearDown() override {
    ::unsetenv("KEEL_TEST_FIX_PW");
    std::filesystem::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // keel sim with the synthetic market at 600x and keel's account (password kPassword).
  std::string write_sim_config() {
    const std::string file = path("sim.toml");
    std::ofstream(file) << "[venue]\nmarket = \"spot\"\n[flow]\nkind = \"synthetic\"\nspeed = 600\n"
                           "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmin_notional = \"5\"\n"
                           "[[symbol]]\nname = \"ETHUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmin_notional = \"5\"\n"
                           "[[account]]\ncomp_id = \"KEEL\"\npassword = \""
                        << kPassword << "\"\nbalances = { USDT = \"1000000\" }\n";
    return file;
  }
  // A keel config for the running venue; `password` is the live.password reference ("" = none).
  std::string write_keel_config(const std::string& name, const std::string& http, const std::string& fix_port,
                                const std::string& password) {
    const std::string token_file = path("token");
    std::ofstream(token_file) << kToken << "\n";
    std::filesystem::permissions(token_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    const std::string file = path(name);
    std::ofstream(file) << "[live]\nmarket_data_url = \"ws://" << http << "\"\nfix_port = " << fix_port
                        << "\nsymbols = \"BTCUSDT,ETHUSDT\"\nbar_interval_ms = 60000\nreset_seq_num = true\nstate_dir = \"" << path("state")
                        << "\"\ncontrol_token = \"file:" << token_file << "\"\n"
                        << (password.empty() ? "" : "password = \"" + password + "\"\n");
    return file;
  }
  std::filesystem::path dir_;
};

TEST_F(KeelLive, RefusesWithoutConfirmationOrCredentials) {
  const std::string config = write_keel_config("live.toml", "127.0.0.1:1", "1", "env:KEEL_TEST_FIX_PW");
  const test::Outcome no_confirm = run_keel("live --config " + config + " --out " + path("run"));
  EXPECT_EQ(no_confirm.exit_code, 2) << no_confirm.output;
  EXPECT_NE(no_confirm.output.find("--confirm-live"), std::string::npos) << no_confirm.output;
  EXPECT_FALSE(std::filesystem::exists(path("run"))) << "nothing is written before the confirmation";

  const test::Outcome unset = run_keel("live --config " + config + " --confirm-live --out " + path("run"));
  EXPECT_EQ(unset.exit_code, 78) << unset.output;
  EXPECT_NE(unset.output.find("KEEL_TEST_FIX_PW"), std::string::npos) << unset.output;

  const std::string bare = write_keel_config("bare.toml", "127.0.0.1:1", "1", "");
  const test::Outcome none = run_keel("live --config " + bare + " --confirm-live --out " + path("run"));
  EXPECT_EQ(none.exit_code, 78) << none.output;
  EXPECT_NE(none.output.find("live.password"), std::string::npos) << none.output;

  // A world-readable password file is refused, naming the file and its mode, never the content.
  const std::string open_file = path("open-pw");
  std::ofstream(open_file) << kPassword << "\n";
  std::filesystem::permissions(open_file, std::filesystem::perms::owner_read | std::filesystem::perms::others_read,
                               std::filesystem::perm_options::replace);
  const std::string leaky = write_keel_config("leaky.toml", "127.0.0.1:1", "1", "file:" + open_file);
  const test::Outcome refused = run_keel("live --config " + leaky + " --confirm-live --out " + path("run"));
  EXPECT_EQ(refused.exit_code, 78) << refused.output;
  EXPECT_NE(refused.output.find("0404"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find(kPassword), std::string::npos);
}

TEST_F(KeelLive, PaperThenLiveAgainstARunningVenueAndNoSecretAnywhere) {
  Child sim({"sim", "--config", write_sim_config()});
  // "ready http=http://127.0.0.1:<port> fix=127.0.0.1:<port>"
  const std::string ready = sim.read_line(20s);
  const std::size_t h = ready.find("http=http://");
  const std::size_t f = ready.find(" fix=127.0.0.1:");
  ASSERT_TRUE(h != std::string::npos && f != std::string::npos && f > h) << ready;
  const std::string http = ready.substr(h + 12, f - h - 12);
  const std::string fix_port = ready.substr(f + 15);
  ::setenv("KEEL_TEST_FIX_PW", kPassword, 1);

  // Paper first, against the same running venue, with the same trading configuration.
  const std::string paper_config = write_keel_config("paper.toml", http, fix_port, "env:KEEL_TEST_FIX_PW");
  const test::Outcome paper = run_keel("paper --config " + paper_config + " --duration 6 --out " + path("paper"));
  ASSERT_EQ(paper.exit_code, 0) << paper.output;
  const std::string paper_summary = slurp(path("paper/summary.json"));
  EXPECT_EQ(field(paper_summary, "fix_logons"), "1") << paper_summary;
  EXPECT_NE(field(paper_summary, "feed_frames"), "0");

  const std::string live_config = write_keel_config("live.toml", http, fix_port, "env:KEEL_TEST_FIX_PW");
  const test::Outcome live = run_keel("live --config " + live_config + " --confirm-live --duration 6 --out " + path("live"));
  ASSERT_EQ(live.exit_code, 0) << live.output;
  const std::string summary = slurp(path("live/summary.json"));
  EXPECT_EQ(field(summary, "mode"), "live");
  EXPECT_NE(live.output.find("control http://127.0.0.1:"), std::string::npos) << "the endpoint binds loopback by default";
  EXPECT_EQ(field(summary, "fix_logons"), "1") << summary;
  EXPECT_EQ(field(summary, "fix_malformed"), "0");
  EXPECT_EQ(field(summary, "trading_hash"), field(paper_summary, "trading_hash"));
  EXPECT_NE(summary.find(std::filesystem::absolute(path("paper")).string()), std::string::npos)
      << "the live summary names the paper run that preceded it:\n" << summary;
  EXPECT_EQ(field(summary, "capital_fraction_end").substr(0, 3), "0.1") << summary;  // the ramp's first day
  const test::Outcome replay = run_keel("replay " + path("live/journal.bin") + " --expect " + field(summary, "digest"));
  EXPECT_EQ(replay.exit_code, 0) << replay.output;

  // The planted secrets: in no file keel wrote and in none of its output.
  for (const char* secret : {kPassword, kToken}) {
    SCOPED_TRACE(secret);
    for (const char* d : {"paper", "live", "state"}) EXPECT_TRUE(files_containing(path(d), secret).empty()) << d;
    EXPECT_EQ(paper.output.find(secret), std::string::npos);
    EXPECT_EQ(live.output.find(secret), std::string::npos);
  }
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(20s), 0);
}

}  // namespace
}  // namespace keel
