// `keel sim` as a process (VENUE.md "Endpoints and start-up"): it prints exactly one ready line naming
// both ports, serves the REST depth and accepts FIX connections on them, honours --http-port /
// --fix-port, stops cleanly on SIGTERM, and refuses a broken configuration with file:line and exit 78.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "raw_http_client.hpp"

namespace {

using namespace std::chrono_literals;

using keel::test::Child;

// A port that was free a moment ago.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

const std::string kConfig = std::string(KEEL_SOURCE_DIR) + "/config/sim.toml";

TEST(KeelSim, PrintsTheReadyLineServesBothPortsAndStopsOnSigterm) {
  const std::uint16_t http = free_port();
  Child sim({"sim", "--config", kConfig, "--http-port", std::to_string(http)});
  const std::string ready = sim.read_line(30s);
  // "ready http=http://127.0.0.1:<port> fix=127.0.0.1:<port>" (std::regex is avoided: GCC 12 warns
  // inside it at -O1 with the sanitizers)
  const std::string head = "ready http=http://127.0.0.1:";
  const std::size_t fix_at = ready.find(" fix=127.0.0.1:");
  ASSERT_TRUE(ready.rfind(head, 0) == 0 && fix_at != std::string::npos) << "'" << ready << "'";
  const std::string http_text = ready.substr(head.size(), fix_at - head.size());
  const std::string fix_text = ready.substr(fix_at + 15);
  ASSERT_TRUE(!http_text.empty() && http_text.find_first_not_of("0123456789") == std::string::npos) << ready;
  ASSERT_TRUE(!fix_text.empty() && fix_text.find_first_not_of("0123456789") == std::string::npos) << ready;
  EXPECT_EQ(std::stoi(http_text), http) << "--http-port overrides the config";
  const auto fix = static_cast<std::uint16_t>(std::stoi(fix_text));
  EXPECT_NE(fix, 0);

  const keel::test::HttpReply depth = keel::test::http_get(http, "/api/v3/depth?symbol=BTCUSDT&limit=5");
  EXPECT_EQ(depth.status, 200);
  EXPECT_EQ(depth.body, R"({"lastUpdateId":0,"bids":[],"asks":[]})");
  keel::test::Socket fix_socket(fix, 5000, nullptr);
  EXPECT_TRUE(fix_socket.connected()) << "the FIX port accepts connections";

  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(30s), 0);
  EXPECT_EQ(sim.rest_of_stdout(), "") << "exactly one line on stdout";
}

TEST(KeelSim, FixPortOverride) {
  const std::uint16_t fix = free_port();
  Child sim({"sim", "--config", kConfig, "--fix-port", std::to_string(fix), "--duration", "1"});
  const std::string ready = sim.read_line(30s);
  EXPECT_NE(ready.find(" fix=127.0.0.1:" + std::to_string(fix)), std::string::npos) << ready;
  EXPECT_EQ(sim.wait_exit(30s), 0) << "--duration ends the run";
}

TEST(KeelSim, BrokenConfigIsRefusedWithFileLineAndExit78) {
  const auto path = std::filesystem::temp_directory_path() / ("keel_sim_bad_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[venue]\nmarket = \"spot\"\nhttp_port = 70000\n";
  Child sim({"sim", "--config", path.string()});
  EXPECT_EQ(sim.wait_exit(30s), 78);
  const std::string err = sim.rest_of_stderr();
  EXPECT_NE(err.find(path.string() + ":3: venue.http_port"), std::string::npos) << err;
  EXPECT_EQ(sim.rest_of_stdout(), "") << "no ready line";
  std::filesystem::remove(path);
}

TEST(KeelSim, BadPortOptionIsAUsageError) {
  Child sim({"sim", "--config", kConfig, "--http-port", "99999"});
  EXPECT_EQ(sim.wait_exit(30s), 2);
}

}  // namespace
