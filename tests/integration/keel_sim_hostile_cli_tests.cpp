// `keel sim` as a process under hostile conditions (issue 9): a configuration the process cannot
// serve is refused at start-up with a message and exit 78, many accounts start and trade (QuickFIX's
// select() used to abort at ~260 accounts), and an account without a password that the bind address
// exposes beyond loopback is warned about on stderr.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "child_process.hpp"
#include "raw_fix_client.hpp"

namespace {

using namespace std::chrono_literals;
using keel::test::Child;

// A sim config with `accounts` accounts A0…A<n-1>, none with a password.
std::string write_config(const std::string& name, int accounts, const std::string& bind = "127.0.0.1") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("keel_sim_hostile_" + name + "_" + std::to_string(::getpid()) + ".toml");
  std::ofstream out(path);
  out << "[venue]\ncomp_id = \"KEELSIM\"\nbind = \"" << bind << "\"\n"
      << "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n";
  for (int i = 0; i < accounts; ++i) {
    out << "[[account]]\ncomp_id = \"A" << i << "\"\nbalances = { USDT = \"1000\" }\n";
  }
  return path.string();
}

// The FIX port of a ready line "ready http=… fix=<host>:<port>"; 0 when absent.
std::uint16_t fix_port_of(const std::string& ready) {
  const std::size_t colon = ready.rfind(':');
  if (ready.find(" fix=") == std::string::npos || colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(ready.substr(colon + 1)));
}

TEST(KeelSimHostile, ThreeHundredAccountsStartAndTheLastOneLogsOn) {
  // 300 accounts need ~1,900 descriptors (docs/SECURITY.md); keel sim raises its soft limit itself.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 2000) {
    GTEST_SKIP() << "needs a hard descriptor limit of 2,000; it is " << limit.rlim_max;
  }
  const std::string config = write_config("many", 300);
  Child sim({"sim", "--config", config});
  const std::string ready = sim.read_line(60s);
  ASSERT_NE(ready.rfind("ready ", 0), std::string::npos) << ready << sim.rest_of_stderr();
  keel::test::RawFixClient client(fix_port_of(ready));
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("A", "A299", {{98, "0"}, {108, "30"}, {141, "Y"}}));
  EXPECT_TRUE(client.read_type("A").has_value());
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(30s), 0);
  std::filesystem::remove(config);
}

TEST(KeelSimHostile, AccountsBeyondTheDescriptorLimitAreRefusedWithExit78) {
  const std::string config = write_config("fds", 300);
  Child sim({"sim", "--config", config}, /*nofile=*/512);
  EXPECT_EQ(sim.wait_exit(30s), 78);
  const std::string err = sim.rest_of_stderr();
  EXPECT_NE(err.find("300 accounts"), std::string::npos) << err;
  EXPECT_NE(err.find("file descriptors"), std::string::npos) << err;
  EXPECT_EQ(sim.rest_of_stdout(), "") << "no ready line";
  std::filesystem::remove(config);
}

TEST(KeelSimHostile, PasswordlessAccountBeyondLoopbackIsWarned) {
  const std::string config = write_config("exposed", 1, "0.0.0.0");
  Child sim({"sim", "--config", config});
  const std::string ready = sim.read_line(60s);
  EXPECT_NE(ready.find(" fix=0.0.0.0:"), std::string::npos) << ready;
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(30s), 0);
  const std::string err = sim.rest_of_stderr();
  EXPECT_NE(err.find("WARNING: account A0 has no password"), std::string::npos) << err;
  std::filesystem::remove(config);
}

}  // namespace
