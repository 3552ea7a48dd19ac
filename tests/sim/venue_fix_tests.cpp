// The venue end to end over FIX 4.4 on loopback: QuickFIX initiators (ALICE, BOB, CAROL) trade
// against a Venue (MatchingEngine behind the FixAcceptor) and check each ExecutionReport and
// OrderCancelReject field by field (VENUE.md "Message sequence for each order").
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "keel/protocol/fix/quickfix.hpp"
#include "fix_test_client.hpp"
#include "lws_test_client.hpp"
#include "keel/sim/finished_orders.hpp"
#include "keel/sim/venue.hpp"

namespace keel::sim {
namespace {

using test::ClientApp;

// Scratch directories of this program.
struct TempDir : test::TempDir {
  explicit TempDir(const std::string& name) : test::TempDir("keel_venue_", name) {}
};

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kWait = test::kFixWait;
constexpr auto kQuiet = 300ms;   // "no further message" window
constexpr const char* kVenue = "KEELSIM";

// The shared client session (fix_test_client.hpp); a refused send fails the test at once.
class Client : public test::FixClient {
 public:
  Client(const std::string& comp_id, std::uint16_t port, const std::string& store_dir)
      : FixClient(comp_id, port, store_dir, kVenue) {}
  void send(FIX::Message m) { ASSERT_TRUE(FixClient::send(std::move(m))); }
};

using Fields = std::vector<std::pair<int, std::string>>;

FIX::Message make(const std::string& type, const Fields& fields) {
  FIX::Message m;
  m.getHeader().setField(35, type);
  for (const auto& [tag, value] : fields) m.setField(tag, value);
  m.setField(60, "20240102-03:04:05.678");
  return m;
}
// NewOrderSingle: limit unless type says otherwise.
FIX::Message order(const std::string& id, const std::string& side, const std::string& qty, const std::string& px,
                   const std::string& tif = "1", bool post_only = false) {
  Fields f = {{11, id}, {55, "BTCUSDT"}, {54, side}, {38, qty}, {40, "2"}, {44, px}, {59, tif}};
  if (post_only) f.emplace_back(18, "6");
  return make("D", f);
}

std::string field(const FIX::Message& m, int tag) { return m.isSetField(tag) ? m.getField(tag) : "<absent>"; }

// The next message must be of `type` and carry every field of `want` (tag 35 is the header's).
void expect_next(Client& c, const std::string& type, const Fields& want, const char* what) {
  SCOPED_TRACE(what);
  const auto m = c.app().next();
  ASSERT_TRUE(m.has_value()) << "no message";
  ASSERT_EQ(m->getHeader().getField(35), type) << m->toString();
  for (const auto& [tag, value] : want) EXPECT_EQ(field(*m, tag), value) << "tag " << tag << " in " << m->toString();
}
void expect_quiet(Client& c) {
  const auto m = c.app().next(kQuiet);
  EXPECT_FALSE(m.has_value()) << "unexpected " << m->toString();
}

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

SimConfig venue_config(const std::string& store_dir) {
  SimConfig c = parse_sim_config(
      "[venue]\ncomp_id = \"KEELSIM\"\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n"
      "[[symbol]]\nname = \"SOLUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.01\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n"
      "[[account]]\ncomp_id = \"BOB\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n"
      "[[account]]\ncomp_id = \"CAROL\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n",
      "venue_test.toml");
  c.store_dir = store_dir;
  return c;
}

class VenueFixTest : public ::testing::Test {
 protected:
  void SetUp() override { start_venue({}); }
  // Replaces the fixture's venue by one with this latency model.
  void start_venue(std::optional<std::pair<std::int64_t, std::int64_t>> delays_us) {
    clients_.clear();
    venue_.reset();
    dir_.reset();
    dir_ = std::make_unique<TempDir>(test_name());
    SimConfig config = venue_config(dir_->sub("venue"));
    if (delays_us) {
      config.order_entry_delay_us = delays_us->first;
      config.market_data_delay_us = delays_us->second;
    }
    venue_ = std::make_unique<Venue>(config);
    venue_->start();
    ASSERT_NE(venue_->fix_port(), 0);
  }
  void TearDown() override {
    clients_.clear();
    // Let the venue see the disconnects first: its stop() then has no Logout to wait for.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (const char* id : {"ALICE", "BOB", "CAROL"}) {
      while (venue_->is_logged_on(id) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    }
    venue_.reset();
    dir_.reset();
  }
  Client& logon(const std::string& comp_id) {
    clients_[comp_id] = std::make_unique<Client>(comp_id, venue_->fix_port(), dir_->sub(comp_id));
    Client& c = *clients_[comp_id];
    EXPECT_TRUE(c.app().wait_logon()) << comp_id;
    return c;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Venue> venue_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
};

TEST_F(VenueFixTest, RestingOrderThenCrossingIocFillsAtRestingPriceAndCancelsRemainder) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {39, "0"}, {11, "A1"}, {37, "1"}, {55, "BTCUSDT"}, {54, "2"},
                           {14, "0"}, {151, "0.5"}}, "alice new");

  bob.send(order("B1", "1", "0.8", "30100.00", "3"));
  expect_next(bob, "8", {{150, "0"}, {39, "0"}, {11, "B1"}, {37, "2"}, {54, "1"}, {14, "0"}, {151, "0.8"}},
              "bob new");
  expect_next(bob, "8", {{150, "F"}, {39, "1"}, {11, "B1"}, {37, "2"}, {31, "30000"}, {32, "0.5"},
                         {14, "0.5"}, {151, "0.3"}, {6, "30000"}}, "bob fill");
  expect_next(bob, "8", {{150, "4"}, {39, "4"}, {11, "B1"}, {14, "0.5"}, {151, "0"}, {6, "30000"}},
              "bob ioc remainder");
  expect_next(alice, "8", {{150, "F"}, {39, "2"}, {11, "A1"}, {37, "1"}, {31, "30000"}, {32, "0.5"},
                           {14, "0.5"}, {151, "0"}, {6, "30000"}}, "alice maker fill");
  expect_quiet(alice);
  expect_quiet(bob);
}

TEST_F(VenueFixTest, CancelOrReplaceOfUnknownOrderGetsCancelReject) {
  Client& alice = logon("ALICE");
  alice.send(make("F", {{11, "C1"}, {41, "nope"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(alice, "9", {{11, "C1"}, {41, "nope"}, {37, "NONE"}, {39, "8"}, {434, "1"}, {102, "1"}},
              "cancel reject");
  alice.send(make("G", {{11, "A2"}, {41, "zz"}, {55, "BTCUSDT"}, {54, "2"}, {38, "1"}, {40, "2"}, {44, "30000.00"}}));
  expect_next(alice, "9", {{11, "A2"}, {41, "zz"}, {37, "NONE"}, {39, "8"}, {434, "2"}, {102, "1"}},
              "replace reject");
}

TEST_F(VenueFixTest, CancelOfRestingOrder) {
  Client& alice = logon("ALICE");
  alice.send(order("A1", "1", "0.1", "29000.00"));
  expect_next(alice, "8", {{150, "0"}, {39, "0"}}, "new");
  alice.send(make("F", {{11, "C1"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(alice, "8", {{150, "4"}, {39, "4"}, {11, "C1"}, {41, "A1"}, {37, "1"}, {14, "0"}, {151, "0"}},
              "canceled");
  alice.send(make("F", {{11, "C2"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(alice, "9", {{11, "C2"}, {41, "A1"}, {434, "1"}, {102, "1"}}, "finished order");
}

TEST_F(VenueFixTest, PostOnlyThatWouldCrossIsOnlyRejected) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}}, "alice new");
  bob.send(order("B1", "1", "0.5", "30000.00", "1", true));
  expect_next(bob, "8", {{150, "8"}, {39, "8"}, {11, "B1"}, {37, "NONE"}, {103, "99"}, {14, "0"}, {151, "0"}},
              "post-only rejected");
  // Nothing else for BOB: the next message is the answer to a status request.
  bob.send(make("H", {{11, "B1"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(bob, "8", {{150, "I"}, {39, "8"}, {11, "B1"}}, "status of the rejected order");
  expect_quiet(alice);
}

TEST_F(VenueFixTest, OffTickPriceAndOffLotQtyAndUnknownSymbolAreRejected) {
  Client& alice = logon("ALICE");
  alice.send(order("A1", "1", "0.5", "30000.005"));
  expect_next(alice, "8", {{150, "8"}, {39, "8"}, {11, "A1"}, {103, "18"}, {55, "BTCUSDT"}}, "off tick");
  alice.send(order("A2", "1", "0.000001", "30000.00"));
  expect_next(alice, "8", {{150, "8"}, {39, "8"}, {11, "A2"}, {103, "13"}}, "off lot");
  FIX::Message eth = order("A3", "1", "1", "2000.00");
  eth.setField(55, "ETHUSDT");
  alice.send(eth);
  expect_next(alice, "8", {{150, "8"}, {39, "8"}, {11, "A3"}, {103, "1"}, {55, "ETHUSDT"}}, "unknown symbol");
  alice.send(order("A4", "1", "0.0001", "30000.00"));
  expect_next(alice, "8", {{150, "8"}, {39, "8"}, {11, "A4"}, {103, "99"}}, "below min notional");
}

// Issue 8: a replace that fails validation is refused with 102=2 as VENUE.md says (a comment in
// venue_types.hpp said 99), with the reason in Text (58). The order is unchanged.
TEST_F(VenueFixTest, Issue8RefusedReplaceIsCxlRejReason2) {
  Client& alice = logon("ALICE");
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {39, "0"}}, "new");
  alice.send(make("G", {{11, "A2"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "2"}, {38, "0.5"}, {40, "2"}, {44, "30000.005"}}));
  expect_next(alice, "9", {{11, "A2"}, {41, "A1"}, {37, "1"}, {39, "0"}, {434, "2"}, {102, "2"},
                           {58, "price is not a multiple of the tick size"}}, "off-tick replace refused");
  alice.send(make("G", {{11, "A3"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "2"}, {38, "0.0001"}, {40, "2"}, {44, "30000.00"}}));
  expect_next(alice, "9", {{11, "A3"}, {41, "A1"}, {434, "2"}, {102, "2"}, {58, "notional below the minimum"}},
              "below-min-notional replace refused");
  EXPECT_EQ(venue_->send_failures(), 0u);
  expect_quiet(alice);
}

TEST_F(VenueFixTest, ReplaceLoweringQuantityKeepsPriority) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  Client& carol = logon("CAROL");
  alice.send(order("A1", "2", "1", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {37, "1"}}, "alice new");
  bob.send(order("B1", "2", "1", "30000.00"));
  expect_next(bob, "8", {{150, "0"}, {37, "2"}}, "bob new");
  alice.send(make("G", {{11, "A2"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "2"}, {38, "0.6"}, {40, "2"}, {44, "30000.00"}}));
  expect_next(alice, "8", {{150, "5"}, {39, "0"}, {11, "A2"}, {41, "A1"}, {37, "1"}, {14, "0"}, {151, "0.6"}},
              "replaced");
  carol.send(order("C1", "1", "0.6", "30000.00", "3"));
  expect_next(carol, "8", {{150, "0"}}, "carol new");
  expect_next(carol, "8", {{150, "F"}, {39, "2"}, {31, "30000"}, {32, "0.6"}, {14, "0.6"}, {151, "0"}},
              "carol fill");
  expect_next(alice, "8", {{150, "F"}, {39, "2"}, {11, "A2"}, {37, "1"}, {32, "0.6"}, {14, "0.6"}, {151, "0"}},
              "alice (kept priority) is filled");
  expect_quiet(bob);
  bob.send(make("H", {{11, "B1"}, {55, "BTCUSDT"}, {54, "2"}}));
  expect_next(bob, "8", {{150, "I"}, {39, "0"}, {11, "B1"}, {37, "2"}, {14, "0"}, {151, "1"}}, "bob untouched");
}

TEST_F(VenueFixTest, StatusOfPartiallyFilledOrderAndBalancesSettle) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  alice.send(order("A1", "2", "1", "30000.00"));
  expect_next(alice, "8", {{150, "0"}}, "alice new");
  bob.send(order("B1", "1", "0.4", "30000.00", "3"));
  expect_next(bob, "8", {{150, "0"}}, "bob new");
  expect_next(bob, "8", {{150, "F"}, {39, "2"}, {31, "30000"}, {32, "0.4"}, {14, "0.4"}, {151, "0"}}, "bob filled");
  expect_next(alice, "8", {{150, "F"}, {39, "1"}, {32, "0.4"}, {14, "0.4"}, {151, "0.6"}, {6, "30000"}},
              "alice partial");
  alice.send(make("H", {{11, "A1"}, {55, "BTCUSDT"}, {54, "2"}}));
  expect_next(alice, "8", {{150, "I"}, {39, "1"}, {11, "A1"}, {37, "1"}, {14, "0.4"}, {151, "0.6"}, {6, "30000"}},
              "status");
  expect_quiet(bob);  // a filled IOC gets no 150=4
  EXPECT_EQ(venue_->balance("ALICE", "BTC"), Qty::parse("99.6").value().raw());
  EXPECT_EQ(venue_->balance("ALICE", "USDT"), Qty::parse("1012000").value().raw());
  EXPECT_EQ(venue_->balance("BOB", "BTC"), Qty::parse("100.4").value().raw());
  EXPECT_EQ(venue_->balance("BOB", "USDT"), Qty::parse("988000").value().raw());
}

TEST_F(VenueFixTest, SweepFillsRestingOrdersInPriceTimeOrderOnTheirOwnSessions) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  Client& carol = logon("CAROL");
  alice.send(order("A1", "2", "0.1", "30001.00"));
  expect_next(alice, "8", {{150, "0"}, {11, "A1"}}, "A1 new");
  bob.send(order("B1", "2", "0.1", "30000.00"));
  expect_next(bob, "8", {{150, "0"}, {11, "B1"}}, "B1 new");
  alice.send(order("A2", "2", "0.1", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {11, "A2"}}, "A2 new");
  carol.send(order("C1", "1", "0.3", "30001.00"));
  expect_next(carol, "8", {{150, "0"}, {11, "C1"}}, "carol new");
  expect_next(carol, "8", {{150, "F"}, {39, "1"}, {31, "30000"}, {32, "0.1"}, {14, "0.1"}, {151, "0.2"}}, "fill 1 (B1)");
  expect_next(carol, "8", {{150, "F"}, {39, "1"}, {31, "30000"}, {32, "0.1"}, {14, "0.2"}, {151, "0.1"}}, "fill 2 (A2)");
  expect_next(carol, "8", {{150, "F"}, {39, "2"}, {31, "30001"}, {32, "0.1"}, {14, "0.3"}, {151, "0"},
                           {6, "30000.33333333"}}, "fill 3 (A1)");
  expect_next(bob, "8", {{150, "F"}, {39, "2"}, {11, "B1"}, {31, "30000"}}, "B1 filled");
  expect_next(alice, "8", {{150, "F"}, {39, "2"}, {11, "A2"}, {31, "30000"}}, "A2 filled first");
  expect_next(alice, "8", {{150, "F"}, {39, "2"}, {11, "A1"}, {31, "30001"}}, "A1 filled second");
  expect_quiet(carol);
}

// Client orders reach the market-data stream: a resting order is a depth level, a fill a trade at
// the resting price with the taker's side (m = buyer is maker).
TEST_F(VenueFixTest, ClientOrdersAppearInTheMarketData) {
  keel::test::LwsClient ws(venue_->http_port(), "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
  ASSERT_TRUE(ws.wait_connected());
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}}, "alice new");
  const auto diff = ws.next(kWait);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find(R"("a":[["30000.00000000","0.50000000"]])"), std::string::npos) << *diff;
  bob.send(order("B1", "1", "0.2", "30000.00", "3"));
  expect_next(bob, "8", {{150, "0"}}, "bob new");
  const auto trade = ws.next(kWait);
  ASSERT_TRUE(trade.has_value());
  EXPECT_NE(trade->find(R"("stream":"btcusdt@trade")"), std::string::npos) << *trade;
  EXPECT_NE(trade->find(R"("p":"30000.00000000","q":"0.20000000")"), std::string::npos) << *trade;
  EXPECT_NE(trade->find(R"("m":false)"), std::string::npos) << "the buyer took liquidity: " << *trade;
  const auto diff2 = ws.next(kWait);
  ASSERT_TRUE(diff2.has_value());
  EXPECT_NE(diff2->find(R"("a":[["30000.00000000","0.30000000"]])"), std::string::npos) << *diff2;
}

// The latency model: nothing arrives before its configured delay (only lower bounds are asserted, so
// a slow machine cannot fail this).
TEST_F(VenueFixTest, OrderEntryAndMarketDataDelaysAreNeverShortened) {
  constexpr auto kOrderEntry = 300ms;
  constexpr auto kMarketData = 400ms;
  start_venue(std::pair<std::int64_t, std::int64_t>{300'000, 400'000});
  keel::test::LwsClient ws(venue_->http_port(), "/ws/btcusdt@depth@100ms");
  ASSERT_TRUE(ws.wait_connected());
  Client& alice = logon("ALICE");
  const auto sent = std::chrono::steady_clock::now();
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}}, "alice new");
  EXPECT_GE(std::chrono::steady_clock::now() - sent, kOrderEntry);
  const auto diff = ws.next(kWait);
  ASSERT_TRUE(diff.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - sent, kOrderEntry + kMarketData);
  EXPECT_NE(diff->find(R"("a":[["30000.00000000","0.50000000"]])"), std::string::npos) << *diff;
}

// ---- Issue 11: finished orders, OrderMassStatusRequest (AF), the venue's records ----

FIX::Message status(const std::string& id, const std::string& side, const std::string& symbol = "BTCUSDT") {
  return make("H", {{11, id}, {55, symbol}, {54, side}});
}
FIX::Message mass_status(const std::string& id, const std::string& type = "7") {
  return make("AF", {{584, id}, {585, type}});
}

TEST_F(VenueFixTest, Issue11FinishedOrdersAnswerStatusWithTheirFinalState) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {37, "1"}}, "A1 new");
  bob.send(order("B1", "1", "0.8", "30100.00", "3"));
  expect_next(bob, "8", {{150, "0"}}, "B1 new");
  expect_next(bob, "8", {{150, "F"}}, "B1 fill");
  expect_next(bob, "8", {{150, "4"}}, "B1 remainder canceled");
  expect_next(alice, "8", {{150, "F"}, {39, "2"}}, "A1 filled");

  alice.send(status("A1", "2"));
  expect_next(alice, "8", {{150, "I"}, {39, "2"}, {11, "A1"}, {37, "1"}, {54, "2"}, {14, "0.5"}, {151, "0"},
                           {6, "30000"}, {58, "<absent>"}}, "filled");
  bob.send(status("B1", "1"));
  expect_next(bob, "8", {{150, "I"}, {39, "4"}, {11, "B1"}, {37, "2"}, {14, "0.5"}, {151, "0"}, {6, "30000"}},
              "IOC remainder canceled");
  bob.send(status("A1", "2"));  // another account's order is not BOB's to see
  expect_next(bob, "8", {{150, "I"}, {39, "8"}, {37, "NONE"}, {58, "Unknown order"}}, "not bob's");
  alice.send(status("A1", "2", "SOLUSDT"));  // the order was on another symbol
  expect_next(alice, "8", {{150, "I"}, {39, "8"}}, "wrong symbol");

  // A client cancel: the order answers to its own ClOrdID and to the cancel request's.
  alice.send(order("A2", "1", "0.1", "29000.00"));
  expect_next(alice, "8", {{150, "0"}, {37, "3"}}, "A2 new");
  alice.send(make("F", {{11, "C1"}, {41, "A2"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(alice, "8", {{150, "4"}}, "A2 canceled");
  alice.send(status("A2", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "4"}, {11, "A2"}, {37, "3"}, {14, "0"}, {151, "0"}}, "A2");
  alice.send(status("C1", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "4"}, {11, "C1"}, {37, "3"}}, "C1");

  // A replaced order's old ClOrdID: the order now, under its current ClOrdID, the old one in 41.
  alice.send(order("A3", "1", "0.1", "29000.00"));
  expect_next(alice, "8", {{150, "0"}, {37, "4"}}, "A3 new");
  alice.send(make("G", {{11, "A4"}, {41, "A3"}, {55, "BTCUSDT"}, {54, "1"}, {38, "0.2"}, {40, "2"}, {44, "29000.00"}}));
  expect_next(alice, "8", {{150, "5"}, {11, "A4"}}, "replaced");
  alice.send(status("A3", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "0"}, {11, "A4"}, {41, "A3"}, {37, "4"}, {151, "0.2"}}, "A3 → A4 open");
  alice.send(make("F", {{11, "C2"}, {41, "A4"}, {55, "BTCUSDT"}, {54, "1"}}));
  expect_next(alice, "8", {{150, "4"}}, "A4 canceled");
  alice.send(status("A3", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "4"}, {41, "A3"}, {37, "4"}, {151, "0"}}, "A3 → A4 canceled");
  alice.send(status("A4", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "4"}, {11, "A4"}, {41, "<absent>"}, {37, "4"}}, "A4 canceled");

  alice.send(status("never", "1"));
  expect_next(alice, "8", {{150, "I"}, {39, "8"}, {11, "never"}, {37, "NONE"}, {58, "Unknown order"}}, "unknown");
  expect_quiet(alice);
}

TEST_F(VenueFixTest, Issue11MassStatusListsTheAccountsOpenOrdersOnEverySymbol) {
  Client& alice = logon("ALICE");
  Client& bob = logon("BOB");
  Client& carol = logon("CAROL");
  alice.send(mass_status("none"));
  expect_next(alice, "8", {{150, "I"}, {584, "none"}, {911, "0"}, {912, "Y"}, {37, "NONE"}, {11, "NONE"},
                           {39, "8"}, {55, "[N/A]"}, {54, "1"}}, "no open orders");
  expect_quiet(alice);

  alice.send(order("A1", "2", "0.5", "30000.00"));
  expect_next(alice, "8", {{150, "0"}, {37, "1"}}, "A1 new");
  bob.send(order("B1", "1", "0.2", "29000.00"));
  expect_next(bob, "8", {{150, "0"}, {37, "2"}}, "B1 new");
  FIX::Message sol = order("A2", "1", "1", "20.00");
  sol.setField(55, "SOLUSDT");
  alice.send(sol);
  expect_next(alice, "8", {{150, "0"}, {37, "3"}, {55, "SOLUSDT"}}, "A2 new");
  carol.send(order("C1", "1", "0.1", "30000.00", "3"));
  expect_next(carol, "8", {{150, "0"}}, "C1 new");
  expect_next(carol, "8", {{150, "F"}}, "C1 filled");
  expect_next(alice, "8", {{150, "F"}, {39, "1"}}, "A1 partially filled");

  alice.send(mass_status("r1"));
  expect_next(alice, "8", {{150, "I"}, {584, "r1"}, {911, "2"}, {912, "N"}, {37, "1"}, {11, "A1"}, {55, "BTCUSDT"},
                           {54, "2"}, {39, "1"}, {14, "0.1"}, {151, "0.4"}, {6, "30000"}}, "A1");
  expect_next(alice, "8", {{150, "I"}, {584, "r1"}, {911, "2"}, {912, "Y"}, {37, "3"}, {11, "A2"}, {55, "SOLUSDT"},
                           {54, "1"}, {39, "0"}, {14, "0"}, {151, "1"}}, "A2");
  expect_quiet(alice);
  bob.send(mass_status("b"));
  expect_next(bob, "8", {{150, "I"}, {911, "1"}, {912, "Y"}, {11, "B1"}}, "bob sees only B1");

  alice.send(mass_status("r2", "1"));  // by security: not served
  expect_next(alice, "j", {{372, "AF"}, {380, "0"}}, "unsupported MassStatusReqType");
  alice.send(make("AF", {{585, "7"}}));
  expect_next(alice, "3", {{371, "584"}, {373, "1"}}, "MassStatusReqID missing");

  // The venue's records for end-to-end tests.
  const std::vector<VenueOpenOrder> open = venue_->open_orders("ALICE");
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].order_id, 1u);
  EXPECT_EQ(open[0].cl_ord_id, "A1");
  EXPECT_EQ(open[0].symbol, "BTCUSDT");
  EXPECT_EQ(open[0].side, Side::kSell);
  EXPECT_EQ(open[0].price, Price::parse("30000").value());
  EXPECT_EQ(open[0].order_qty, Qty::parse("0.5").value());
  EXPECT_EQ(open[0].cum_qty, Qty::parse("0.1").value());
  EXPECT_EQ(open[0].leaves_qty, Qty::parse("0.4").value());
  EXPECT_EQ(open[1].cl_ord_id, "A2");
  EXPECT_EQ(open[1].symbol, "SOLUSDT");
  EXPECT_TRUE(venue_->open_orders("CAROL").empty());
  EXPECT_TRUE(venue_->open_orders("NOBODY").empty());

  alice.send(order("A1", "1", "0.1", "29000.00"));  // A1 is still open: a duplicate
  expect_next(alice, "8", {{150, "8"}, {11, "A1"}}, "duplicate ClOrdID");
  alice.send(make("G", {{11, "A2"}, {41, "A1"}, {55, "BTCUSDT"}, {54, "2"}, {38, "0.5"}, {40, "2"}, {44, "30001.00"}}));
  expect_next(alice, "9", {{11, "A2"}, {41, "A1"}}, "replace to a ClOrdID in use");
  alice.send(status("A1", "2"));
  expect_next(alice, "8", {{150, "I"}}, "status");
  VenueOrderCounts want;
  want.new_orders = 3;
  want.accepted = 2;
  want.rejected = 1;
  want.duplicate_cl_ord_ids = 2;
  want.replaces = 1;
  want.status_requests = 1;
  want.mass_status_requests = 2;  // the refused ones never reached the venue
  want.fills = 1;
  const VenueOrderCounts got = venue_->order_counts("ALICE");
  EXPECT_EQ(got.new_orders, want.new_orders);
  EXPECT_EQ(got.accepted, want.accepted);
  EXPECT_EQ(got.rejected, want.rejected);
  EXPECT_EQ(got.duplicate_cl_ord_ids, want.duplicate_cl_ord_ids);
  EXPECT_EQ(got.cancels, want.cancels);
  EXPECT_EQ(got.replaces, want.replaces);
  EXPECT_EQ(got.status_requests, want.status_requests);
  EXPECT_EQ(got.mass_status_requests, want.mass_status_requests);
  EXPECT_EQ(got.fills, want.fills);
  EXPECT_EQ(venue_->order_counts("CAROL").fills, 1u);
  EXPECT_EQ(venue_->order_counts("NOBODY"), VenueOrderCounts{});
}

TEST(FinishedOrders, KeepsTheNewestCapacityRecordsFirstInFirstOut) {
  FinishedOrders memory(2);
  const auto rec = [](const char* id, OrderId order, bool replaced = false) {
    FinishedOrder f;
    f.account = 1;
    f.instrument = 0;
    f.order_id = order;
    f.cl_ord_id = ClOrdId(id);
    f.status = replaced ? OrdStatus::kNone : OrdStatus::kFilled;
    f.replaced = replaced;
    return f;
  };
  EXPECT_EQ(memory.find(1, 0, ClOrdId("a")), nullptr);
  memory.remember(rec("a", 1, true));
  memory.remember(rec("b", 1));
  ASSERT_NE(memory.find(1, 0, ClOrdId("a")), nullptr);
  EXPECT_TRUE(memory.find(1, 0, ClOrdId("a"))->replaced);
  EXPECT_EQ(memory.find_final(1)->cl_ord_id.view(), "b");
  EXPECT_EQ(memory.find(2, 0, ClOrdId("a")), nullptr);  // another account
  EXPECT_EQ(memory.find(1, 1, ClOrdId("a")), nullptr);  // another instrument
  memory.remember(rec("c", 2));  // full: "a" goes
  EXPECT_EQ(memory.find(1, 0, ClOrdId("a")), nullptr);
  EXPECT_NE(memory.find(1, 0, ClOrdId("b")), nullptr);
  memory.remember(rec("b", 3));  // a ClOrdID used again (the older "b" is the one evicted)
  EXPECT_EQ(memory.find(1, 0, ClOrdId("b"))->order_id, 3u);
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_NE(memory.find(1, 0, ClOrdId("c")), nullptr);
  memory.remember(rec("d", 4));
  EXPECT_EQ(memory.find(1, 0, ClOrdId("c")), nullptr);
  EXPECT_EQ(memory.find(1, 0, ClOrdId("b"))->order_id, 3u);
  FinishedOrders none(0);
  none.remember(rec("a", 1));
  EXPECT_EQ(none.find(1, 0, ClOrdId("a")), nullptr);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace keel::sim
