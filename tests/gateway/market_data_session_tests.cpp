// The live market-data path end to end on loopback: keel's simulated venue (synthetic flow, spot and
// futures) → WebSocket + REST → the feed thread (MarketDataSession: client, decoder, book sync) →
// the SPSC ring → a core (Engine keeping books) on its own thread. At the end the feed's books and
// the core's books both equal the venue's own book, level by level. A hostile venue (malformed
// JSON, truncated frames, NaN and huge numbers, unknown streams and symbols) is counted, logged
// once, and the connection and the process carry on.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "keel/core/engine/engine.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/binance/market_data_session.hpp"
#include "keel/gateway/ring_sink.hpp"
#include "keel/sim/market_data_server.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"

namespace keel::gateway::binance {
namespace {

using namespace std::chrono_literals;

// The core's side: an engine with books, fed from the ring on its own thread until stopped.
class CoreThread {
 public:
  CoreThread(std::size_t instruments, std::size_t book_levels) : ring_(1 << 16), sink_(ring_) {
    EngineConfig c;
    c.instrument_count = instruments;
    c.book_levels = book_levels;
    engine_ = std::make_unique<Engine>(c);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        if (engine_->poll(ring_, 1024) == 0) std::this_thread::sleep_for(100us);
      }
      while (engine_->poll(ring_, 1024) != 0) {
      }
    });
  }
  ~CoreThread() { join(); }
  void join() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  RingSink& sink() { return sink_; }
  Engine& engine() { return *engine_; }

 private:
  SpscRing<Event> ring_;
  RingSink sink_;
  std::unique_ptr<Engine> engine_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// After the venue's flow has ended: waits until no frame has arrived for a second (the last 100-ms
// cut delivered), polling the session's counters, up to 60 s — no fixed sleep that a slow machine
// could outrun.
void wait_until_quiet(const MarketDataSession& session) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::uint64_t frames = session.counters().frames.load();
  auto last_change = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    const std::uint64_t now_frames = session.counters().frames.load();
    if (now_frames != frames) {
      frames = now_frames;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change >= 1s) {
      return;
    }
  }
}

class Logs : public FeedListener {
 public:
  void on_log(std::string_view line) override {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

std::string sim_toml(const char* market, double speed) {
  return std::string("[venue]\nmarket = \"") + market +
         "\"\n[flow]\nkind = \"synthetic\"\nspeed = " + std::to_string(speed) +
         "\n[flow.synthetic]\ndays = 1\n"
         "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.1\"\nlot_size = \"0.001\"\n"
         "[[symbol]]\nname = \"ETHUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\n"
         "[[account]]\ncomp_id = \"ALICE\"\nbalances = { USDT = \"1000000\" }\n";
}

bool equals_venue(const book::L2Book& book, const sim::Venue& venue, std::string_view symbol, std::string& why) {
  for (Side side : {Side::kBuy, Side::kSell}) {
    const auto levels = venue.book_side(symbol, side);
    if (levels.size() != book.depth(side)) {
      why = std::string(symbol) + ": depth " + std::to_string(book.depth(side)) + " vs venue " + std::to_string(levels.size());
      return false;
    }
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (levels[i].price != book.level(side, i).price || levels[i].qty != book.level(side, i).qty) {
        why = std::string(symbol) + ": level " + std::to_string(i) + " differs";
        return false;
      }
    }
  }
  return true;
}

struct MarketCase {
  const char* market;
  book::DepthVenue depth;
  Market client;
};

class SessionAgainstVenue : public ::testing::TestWithParam<MarketCase> {};

TEST_P(SessionAgainstVenue, FeedAndCoreBooksEqualTheVenuesAtTheEnd) {
  // One synthetic day at 28,800× runs about 3 s of wall time, then the book stands still.
  const sim::SimConfig config = sim::parse_sim_config(sim_toml(GetParam().market, 28'800), "test");
  sim::Venue venue(config);
  venue.start();
  CoreThread core(2, 1000);
  Logs logs;
  MarketDataSessionConfig sc;
  sc.client.url = "ws://127.0.0.1:" + std::to_string(venue.http_port());
  sc.client.market = GetParam().client;
  for (const char* s : {"btcusdt", "ethusdt"})
    for (const char* k : {"@depth@100ms", "@trade", "@bookTicker"}) sc.client.streams.push_back(std::string(s) + k);
  sc.feed.market = GetParam().depth;
  sc.feed.symbols = {"BTCUSDT", "ETHUSDT"};
  MarketDataSession session(sc, core.sink(), &logs);
  ASSERT_EQ(session.start(), Errc::kOk) << session.error();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!venue.flow_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(venue.flow_finished());
  wait_until_quiet(session);
  session.stop();
  core.join();

  const MarketDataFeed& feed = session.feed();
  EXPECT_EQ(feed.stats().malformed_total(), 0u);
  EXPECT_EQ(feed.stats().unknown_kinds, 0u);
  EXPECT_EQ(feed.book_totals().gaps, 0u);
  EXPECT_GT(feed.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kDepthUpdate)].decoded, 100u);
  EXPECT_GT(feed.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kTrade)].decoded, 10u);
  ASSERT_EQ(session.rules().size(), 2u);  // exchangeInfo, from the venue's instrument config
  EXPECT_EQ(session.rules()[0].tick_size, Price::parse("0.1").value());
  for (std::size_t i = 0; i < 2; ++i) {
    std::string why;
    ASSERT_TRUE(feed.synced(i)) << feed.symbol(i);
    ASSERT_TRUE(feed.book_sync(i).usable()) << feed.symbol(i);
    EXPECT_TRUE(equals_venue(feed.book_sync(i).book(), venue, feed.symbol(i), why)) << "feed: " << why;
    ASSERT_NE(core.engine().books(), nullptr);
    EXPECT_TRUE(core.engine().books()->usable(static_cast<InstrumentId>(i)));
    EXPECT_TRUE(equals_venue(core.engine().books()->book(static_cast<InstrumentId>(i)), venue, feed.symbol(i), why))
        << "core: " << why;
  }
  EXPECT_EQ(core.engine().stats().rejected_events, 0u);
  venue.stop();
}

INSTANTIATE_TEST_SUITE_P(Markets, SessionAgainstVenue,
                         ::testing::Values(MarketCase{"spot", book::DepthVenue::kSpot, Market::kSpot},
                                           MarketCase{"futures", book::DepthVenue::kFutures, Market::kFutures}));

// A planned reconnect (Binance's 24-hour limit, here every 700 ms) runs a second connection beside
// the first: both deliver for a while, the feed drops what it already had, and no diff is lost —
// no gap, no resync, and the books still equal the venue's at the end.
TEST(SessionAgainstVenueHandover, PlannedReconnectsLoseNothing) {
  const sim::SimConfig config = sim::parse_sim_config(sim_toml("futures", 28'800), "test");
  sim::Venue venue(config);
  venue.start();
  CoreThread core(2, 1000);
  Logs logs;
  MarketDataSessionConfig sc;
  sc.client.url = "ws://127.0.0.1:" + std::to_string(venue.http_port());
  sc.client.market = Market::kFutures;
  sc.client.planned_reconnect_after_ms = 700;
  for (const char* s : {"btcusdt", "ethusdt"})
    for (const char* k : {"@depth@100ms", "@trade"}) sc.client.streams.push_back(std::string(s) + k);
  sc.feed.market = book::DepthVenue::kFutures;
  sc.feed.symbols = {"BTCUSDT", "ETHUSDT"};
  MarketDataSession session(sc, core.sink(), &logs);
  ASSERT_EQ(session.start(), Errc::kOk) << session.error();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!venue.flow_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(venue.flow_finished());
  wait_until_quiet(session);
  session.stop();
  core.join();
  const MarketDataFeed& feed = session.feed();
  EXPECT_GE(session.client_stats().planned_reconnects, 2u);
  EXPECT_EQ(feed.book_totals().gaps, 0u);
  EXPECT_EQ(feed.book_totals().resyncs, 0u);
  const auto& trades = feed.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kTrade)];
  const auto& depth = feed.stats().kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kDepthUpdate)];
  EXPECT_GT(trades.duplicates + depth.duplicates, 0u);  // the overlap delivered twice; the feed kept one
  for (std::size_t i = 0; i < 2; ++i) {
    std::string why;
    EXPECT_TRUE(equals_venue(feed.book_sync(i).book(), venue, feed.symbol(i), why)) << why;
    EXPECT_TRUE(equals_venue(core.engine().books()->book(static_cast<InstrumentId>(i)), venue, feed.symbol(i), why)) << why;
  }
  // FeedHealth reached the core (on connects, disconnects and every second).
  EXPECT_GT(core.engine().stats().ignored_events, 0u);
  venue.stop();
}

// A venue that sends garbage on real streams: every bad frame is counted by kind, each kind of
// trouble logged once, nothing bad reaches the core, and good frames after it still arrive.
TEST(SessionAgainstHostileVenue, BadFramesAreCountedLoggedOnceAndTheFeedCarriesOn) {
  class Snapshots : public sim::DepthSnapshotProvider {
   public:
    bool depth_snapshot(std::string_view, std::uint32_t, std::string& out) override {
      out += R"({"lastUpdateId":1,"bids":[],"asks":[]})";
      return true;
    }
  } snapshots;
  sim::MarketDataServerConfig mc;
  sim::MarketDataServer server(mc, snapshots);
  ASSERT_EQ(server.start(), Errc::kOk);
  CoreThread core(1, 100);
  Logs logs;
  MarketDataSessionConfig sc;
  sc.client.url = "ws://127.0.0.1:" + std::to_string(server.port());
  sc.client.streams = {"btcusdt@trade", "ethusdt@trade", "btcusdt@bookTicker"};
  sc.fetch_exchange_info = false;
  sc.feed.symbols = {"BTCUSDT"};
  MarketDataSession session(sc, core.sink(), &logs);
  ASSERT_EQ(session.start(), Errc::kOk) << session.error();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (session.counters().open_connections.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(session.counters().open_connections.load(), 1u);
  // Probe until the server delivers (its subscription registered): bookTicker frames, so the trade
  // counts below are untouched.
  std::uint64_t probes = 0;
  while (session.counters().frames.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    ++probes;
    ASSERT_TRUE(server.publish("btcusdt@bookTicker", R"({"u":)" + std::to_string(probes) +
                                                          R"(,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"})"));
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(session.counters().frames.load(), 0u);
  std::this_thread::sleep_for(100ms);
  const std::uint64_t base = session.counters().frames.load();  // probes delivered
  auto trade = [](const char* price, int id) {
    return std::string(R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":)") + std::to_string(id) + R"(,"p":")" + price +
           R"(","q":"1","T":1700000000000,"m":true,"M":true})";
  };
  const std::vector<std::string> bad = {
      R"({"e":"trade","E":1700000000000,"s":"BTCUSDT","t":1,"p":"1",)",  // truncated
      R"({"e":"trade" "E":1})",                                          // malformed JSON
      trade("NaN", 2), trade("1e5", 3), trade("123456789012345678901234567890", 4), trade("-1", 5),
      R"({"e":"24hrTicker","E":1,"s":"BTCUSDT"})",                       // an unknown kind
  };
  for (int round = 0; round < 3; ++round)
    for (const std::string& f : bad) ASSERT_TRUE(server.publish("btcusdt@trade", f));
  // A symbol the feed does not carry, on a stream it subscribed to.
  ASSERT_TRUE(server.publish("ethusdt@trade", R"({"e":"trade","E":1700000000000,"s":"ETHUSDT","t":9,"p":"2","q":"1","T":1700000000000,"m":false,"M":true})"));
  ASSERT_TRUE(server.publish("btcusdt@trade", trade("101.5", 100)));
  while (session.counters().frames.load() < base + 3 * bad.size() + 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  session.stop();
  core.join();
  server.stop();

  const MarketDataFeed& feed = session.feed();
  const FrameStats& st = feed.stats();
  EXPECT_EQ(st.frames, base + 3 * bad.size() + 2);
  EXPECT_EQ(st.unknown_kinds, 3u);
  EXPECT_EQ(st.malformed_total(), 3 * (bad.size() - 1));
  EXPECT_EQ(st.kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kTrade)].unknown_symbol, 1u);
  EXPECT_EQ(st.kinds[static_cast<std::size_t>(protocol::binance::FrameKind::kTrade)].decoded, 1u);
  // Each distinct trouble once in the log, though each came three times.
  std::size_t feed_lines = 0;
  for (const std::string& l : logs.lines) feed_lines += l.find("logged once") != std::string::npos ? 1 : 0;
  EXPECT_GE(feed_lines, 4u);
  EXPECT_LE(feed_lines, bad.size() + 1);
  // The core saw the probes' book tops and exactly the one good trade, nothing malformed.
  EXPECT_EQ(core.engine().stats().rejected_events, 0u);
  EXPECT_EQ(core.engine().stats().events - core.engine().stats().ignored_events, base + 1);
}

}  // namespace
}  // namespace keel::gateway::binance
