// Hostile simulator configurations: per-symbol memory (each symbol's book used to cost ~12.4 MB of
// touched memory with no limit), CompIDs that would put the FIX store outside its directory, and
// values echoed back in error messages.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "keel/sim/matching_engine.hpp"
#include "keel/sim/sim_config.hpp"

namespace keel::sim {
namespace {

std::string symbols_toml(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "S%04dUSDT", i);
    s += "[[symbol]]\nname = \"" + std::string(name) +
         "\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmin_notional = \"5\"\n";
  }
  return s;
}

std::string config_error(const std::string& text) {
  try {
    (void)parse_sim_config(text, "sim.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Resident set size of this process in KiB (0 where /proc is not available).
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * 4;  // 4 KiB pages
}

}  // namespace

// 1,000 symbols at the default book size reserved 12.4 GB and took 31 s to start; now start-up is
// refused at once with the memory it would need and the limit.
TEST(HostileSimConfig, ThousandSymbolsAreRefusedWithTheMemoryTheyNeed) {
  const std::string msg = config_error(symbols_toml(1000));
  ASSERT_FALSE(msg.empty());
  EXPECT_NE(msg.find("venue.max_book_memory_mb"), std::string::npos) << msg;
  EXPECT_NE(msg.find("MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4096 MiB"), std::string::npos) << msg;  // the limit
  EXPECT_NE(msg.find("venue.orders_per_book"), std::string::npos) << msg;
}

TEST(HostileSimConfig, SmallerBooksOrAHigherLimitAreAccepted) {
  const SimConfig small = parse_sim_config("[venue]\norders_per_book = 4096\n" + symbols_toml(1000), "sim.toml");
  EXPECT_EQ(small.orders_per_book, 4096);
  const SimConfig raised = parse_sim_config("[venue]\nmax_book_memory_mb = 16384\n" + symbols_toml(1000), "sim.toml");
  EXPECT_EQ(raised.max_book_memory_mb, 16384);
  const SimConfig defaults = parse_sim_config(symbols_toml(1), "sim.toml");
  EXPECT_EQ(defaults.orders_per_book, 65536);
  EXPECT_EQ(defaults.max_book_memory_mb, 4096);
  EXPECT_FALSE(config_error("[venue]\norders_per_book = 0\n").empty());
}

// The books' pages are touched only as orders use them: 100 idle symbols at the default size cost
// a few MB, not the ~1 GB they reserve.
TEST(HostileSimConfig, IdleBooksDoNotTouchTheirReservedMemory) {
  constexpr std::size_t kSymbols = 100;
  std::vector<VenueSymbol> syms(kSymbols);
  for (std::size_t i = 0; i < kSymbols; ++i) {
    syms[i].instrument.id = static_cast<InstrumentId>(i);
    syms[i].instrument.symbol = "S" + std::to_string(i);
    syms[i].instrument.tick_size = Price::from_raw(1);
    syms[i].instrument.lot_size = Qty::from_raw(1);
    syms[i].base = 0;
    syms[i].quote = 1;
  }
  EngineConfig config;  // orders_per_book: the default 65536
  struct Quiet : VenueListener {
    void on_execution(const Execution&) noexcept override {}
    void on_cancel_reject(const CancelReject&) noexcept override {}
    void on_public_trade(const PublicTrade&) noexcept override {}
    void on_book_level(const BookLevelChange&) noexcept override {}
  } listener;
  const long before = rss_kib();
  MatchingEngine engine(syms, config, listener);
  const long after = rss_kib();
  if (before == 0) GTEST_SKIP() << "no /proc/self/statm";
  const std::size_t reserved_kib = MatchingEngine::reserved_bytes(kSymbols, config.orders_per_book) >> 10;
  EXPECT_GT(reserved_kib, 900u * 1024u);  // what the books could grow to
  EXPECT_LT(after - before, 64 * 1024) << "touched KiB: " << after - before;
  // Every slot is still usable: the first book takes orders up to its capacity.
  EXPECT_EQ(engine.book(0).capacity(), 65536u);
  EXPECT_TRUE(engine.book(0).has_free_slot());
}

// A CompID with "../" (or any character unsafe in a file name) put the FIX session store outside its
// directory: only [A-Za-z0-9_.-], not starting with '.', at most 32 characters (the FIX layer's CompID size).
TEST(HostileSimConfig, UnsafeCompIdsAreRefused) {
  const std::string account = "[[account]]\ncomp_id = \"";
  const std::vector<std::string> unsafe = {"../x", "a/b", ".hidden", "..", "A B", "A\\\\B", std::string(33, 'A')};
  for (const std::string& bad : unsafe) {
    SCOPED_TRACE(bad);
    const std::string venue_msg = config_error("[venue]\ncomp_id = \"" + bad + "\"\n");
    EXPECT_NE(venue_msg.find("venue.comp_id"), std::string::npos) << venue_msg;
    EXPECT_NE(venue_msg.find("safe CompID"), std::string::npos) << venue_msg;
    const std::string account_msg = config_error(account + bad + "\"\n");
    EXPECT_NE(account_msg.find("account[0].comp_id"), std::string::npos) << account_msg;
  }
  EXPECT_EQ(config_error("[venue]\ncomp_id = \"KEEL-SIM_1.0\"\n" + account + "alice.2\"\n"), "");
  EXPECT_EQ(config_error("[venue]\ncomp_id = \"" + std::string(32, 'V') + "\"\n"), "");
}

// A configuration error echoed a 10 MB value to stderr.
TEST(HostileSimConfig, EchoedValuesAreCapped) {
  const std::string big(10'000'000, '9');
  for (const std::string& text : {"[venue]\nmaker_fee = \"" + big + "x\"\n", "[venue]\nmarket = \"" + big + "\"\n",
                                  "[venue]\ncomp_id = \"" + big + "\"\n"}) {
    const std::string msg = config_error(text);
    ASSERT_FALSE(msg.empty());
    EXPECT_LT(msg.size(), 400u) << msg.substr(0, 400);
    EXPECT_NE(msg.find("bytes)"), std::string::npos) << msg.substr(0, 400);
  }
}

// What the venue found only when it started (exit 1) is checked before: configuration errors.
TEST(HostileSimConfig, EnvironmentChecksNameTheKey) {
  SimConfig c;
  c.tls_cert = "/nonexistent/keel.pem";
  c.tls_key = "/nonexistent/keel.key";
  EXPECT_THROW(check_sim_environment(c, "sim.toml"), ConfigError);
  // The bind address is a numeric literal, checked when the file is parsed (file:line).
  for (const char* bad : {"not-an-address", "localhost", "eth0", "", "127.0.0.1:80"}) {
    const std::string msg = config_error(std::string("[venue]\nbind = \"") + bad + "\"\n");
    EXPECT_NE(msg.find(":2: venue.bind"), std::string::npos) << bad << ": " << msg;
  }
  c = SimConfig{};
  c.store_dir = "/proc/keel-cannot-create";
  EXPECT_THROW(check_sim_environment(c, "sim.toml"), ConfigError);
  EXPECT_NO_THROW(check_sim_environment(SimConfig{}, "sim.toml"));
}

}  // namespace keel::sim

namespace keel::sim {

TEST(HostileSimConfig, ConnectionCapsAreReadAndBounded) {
  const SimConfig c = parse_sim_config("[venue]\nmax_fix_connections = 3\nmax_http_connections = 7\n", "sim.toml");
  EXPECT_EQ(c.max_fix_connections, 3);
  EXPECT_EQ(c.max_http_connections, 7);
  for (const char* bad : {"max_fix_connections = 0", "max_http_connections = 0", "max_fix_connections = 70000",
                          "max_http_connections = \"many\""}) {
    std::string msg;
    try {
      (void)parse_sim_config(std::string("[venue]\n") + bad + "\n", "sim.toml");
    } catch (const ConfigError& e) {
      msg = e.what();
    }
    EXPECT_NE(msg.find("sim.toml:2: venue.max_"), std::string::npos) << bad << ": " << msg;
  }
}

}  // namespace keel::sim
