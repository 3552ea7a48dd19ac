// `keel record` against `keel sim` over real loopback sockets (both as child processes): the books
// sync and the core's equal the feed's; the capture replays through `keel feed` to the very same
// book lines; the venue restarted mid-run ⇒ reconnect, every book stale at once and resynced by a
// snapshot before any diff is used again (checked in the recorded journal); a wss:// venue with a
// self-signed certificate is accepted with its CA given and refused without.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "keel/core/io/journal.hpp"
#include "keel/core/primitives/events.hpp"
#include "../support/tls_cert.hpp"

namespace keel {
namespace {

using test::Child;
using test::run_keel;
using test::slurp;
using namespace std::chrono_literals;

class KeelRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keel_record_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A sim config: two symbols, the synthetic flow at 600× (a 5-minute bar every half second).
  std::string write_sim_config(const char* market, const std::string& tls = "") {
    const std::string file = path(std::string("sim-") + market + ".toml");
    std::ofstream(file) << "[venue]\nmarket = \"" << market << "\"\n" << tls
                        << "[flow]\nkind = \"synthetic\"\nspeed = 600\n"
                           "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.1\"\nlot_size = \"0.001\"\n"
                           "[[symbol]]\nname = \"ETHUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\n"
                           "[[account]]\ncomp_id = \"ALICE\"\nbalances = { USDT = \"1000000\" }\n";
    return file;
  }
  // Starts keel sim and returns its HTTP URL's host:port ("127.0.0.1:PORT").
  static std::string ready_address(Child& sim) {
    const std::string line = sim.read_line(20s);
    const std::size_t at = line.find("://");
    if (at == std::string::npos) return {};
    return line.substr(at + 3, line.find(' ', at) - at - 3);
  }
  std::filesystem::path dir_;
};

TEST_F(KeelRecord, FuturesBooksSyncAndTheCaptureReplaysToTheSameBooks) {
  Child sim({"sim", "--config", write_sim_config("futures")});
  const std::string address = ready_address(sim);
  ASSERT_FALSE(address.empty());
  const auto rec = run_keel("record --venue ws://" + address + " --market futures --symbols BTCUSDT,ETHUSDT --duration 4 --out " +
                            path("rec") + " --books " + path("rec/books.jsonl") + " --depth 50");
  ASSERT_EQ(rec.exit_code, 0) << rec.output;
  EXPECT_NE(rec.output.find("core books equal the feed's"), std::string::npos) << rec.output;
  const std::string summary = slurp(path("rec/summary.json"));
  EXPECT_NE(summary.find("\"malformed\": 0,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"gaps\": 0,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"core_books_equal_feed\": true"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("\"synced\": false"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"tick_size\": \"0.1\""), std::string::npos) << summary;  // exchangeInfo
  const std::string books = slurp(path("rec/books.jsonl"));
  ASSERT_GT(std::count(books.begin(), books.end(), '\n'), 20);
  // The capture (frames and the REST snapshots in it) replays to exactly the same book lines.
  const auto feed = run_keel("feed " + path("rec/capture.txt") + " --books " + path("replay.jsonl") + " --depth 50");
  ASSERT_EQ(feed.exit_code, 0) << feed.output;
  EXPECT_NE(feed.output.find("(2 synced by a snapshot)"), std::string::npos) << feed.output;
  EXPECT_EQ(slurp(path("replay.jsonl")), books);
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(10s), 0);
}

TEST_F(KeelRecord, AVenueRestartMidRunIsAReconnectAndAResyncAndNoStaleBookIsUsed) {
  const std::string config = write_sim_config("spot");
  auto sim = std::make_unique<Child>(std::vector<std::string>{"sim", "--config", config});
  const std::string address = ready_address(*sim);
  ASSERT_FALSE(address.empty());
  const std::string port = address.substr(address.rfind(':') + 1);
  // Generous times for a slow machine: 6 s to sync before the venue goes away, 20 s in all.
  Child rec({"record", "--venue", "ws://" + address, "--symbols", "BTCUSDT,ETHUSDT", "--duration", "20", "--out", path("rec")});
  std::this_thread::sleep_for(6s);
  sim->signal(SIGTERM);
  ASSERT_EQ(sim->wait_exit(10s), 0);
  std::this_thread::sleep_for(500ms);
  sim = std::make_unique<Child>(std::vector<std::string>{"sim", "--config", config, "--http-port", port});
  ASSERT_FALSE(ready_address(*sim).empty());
  ASSERT_EQ(rec.wait_exit(60s), 0) << rec.rest_of_stdout() << rec.rest_of_stderr();
  const std::string summary = slurp(path("rec/summary.json"));
  EXPECT_EQ(summary.find("\"reconnects\": 0,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"core_books_equal_feed\": true"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("\"usable\": false"), std::string::npos) << summary;  // resynced by the end

  // The journal the core consumed: each book went stale when the venue went away, and after a
  // kStale no diff was applied before a snapshot batch brought the book back.
  const std::vector<std::uint8_t> bytes = read_binary_file(path("rec/journal.bin"));
  const JournalScan scan = scan_journal(bytes);
  ASSERT_EQ(scan.problem.kind, JournalProblemKind::kNone);
  std::map<InstrumentId, int> stale_events;
  std::map<InstrumentId, bool> waiting_for_snapshot;
  std::size_t snapshots_after_stale = 0, health_up = 0, health_down = 0;
  for (const JournalRecordView& r : scan.records) {
    Event e;
    std::memcpy(e.bytes, r.payload.data(), std::min(r.payload.size(), sizeof e.bytes));
    if (e.header.kind == EventKind::kFeedHealth) (e.header.detail == 1 ? health_up : health_down) += 1;
    if (e.header.kind == EventKind::kControl && e.header.subtype == static_cast<std::uint8_t>(ControlKind::kBookState) &&
        e.control.value == 0) {
      ++stale_events[e.header.instrument];
      waiting_for_snapshot[e.header.instrument] = true;
    } else if (e.header.kind == EventKind::kBookLevel) {
      const bool snapshot = (e.header.flags & kFlagSnapshot) != 0;
      ASSERT_FALSE(waiting_for_snapshot[e.header.instrument] && !snapshot) << "a diff applied to a stale book";
      if (snapshot && waiting_for_snapshot[e.header.instrument]) ++snapshots_after_stale;
      if (snapshot) waiting_for_snapshot[e.header.instrument] = false;
    }
  }
  EXPECT_EQ(stale_events.size(), 2u);  // both books went stale
  EXPECT_GE(snapshots_after_stale, 2u);
  // The connection's health reached the core as events, the outage among them.
  EXPECT_GT(health_up, 2u);
  EXPECT_GE(health_down, 1u);
  sim->signal(SIGTERM);
  EXPECT_EQ(sim->wait_exit(10s), 0);
}

TEST_F(KeelRecord, AWssVenueWithASelfSignedCertificateNeedsItsCa) {
  std::string cert, key;
  ASSERT_TRUE(test::write_self_signed_cert(dir_, cert, key));
  Child sim({"sim", "--config", write_sim_config("spot", "tls_cert = \"" + cert + "\"\ntls_key = \"" + key + "\"\n")});
  const std::string address = ready_address(sim);
  ASSERT_FALSE(address.empty());
  const auto ok = run_keel("record --venue wss://" + address + " --symbols BTCUSDT --duration 3 --out " + path("ok") +
                           " --ca-file " + cert);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(slurp(path("ok/summary.json")).find("\"synced\": false"), std::string::npos);
  const auto refused = run_keel("record --venue wss://" + address + " --symbols BTCUSDT --duration 3 --out " + path("no"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("never connected"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("certificate verify failed"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("127.0.0.1"), std::string::npos) << refused.output;
  EXPECT_EQ(slurp(path("no/summary.json")).find("\"tls_failures\": 0,"), std::string::npos);
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_exit(10s), 0);
}

}  // namespace
}  // namespace keel
