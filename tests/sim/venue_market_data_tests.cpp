// The venue's market data end to end: a scripted background flow trades on a Venue while a
// libwebsockets client follows the combined stream; the client checks that every depth diff links to
// the one before it (spot: U = previous u + 1; futures: pu = previous u), rebuilds the book the way
// Binance documents (buffer diffs, REST snapshot, apply the diffs after it) with keel's own BookSync
// and must end with exactly the engine's book. Trades, aggTrades, bookTickers and klines are checked
// against each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "keel/core/book/book_sync.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/protocol/binance.hpp"
#include "keel/sim/market_data_publisher.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/venue.hpp"
#include "lws_test_client.hpp"
#include "raw_http_client.hpp"

namespace keel::sim {
namespace {

namespace binance = protocol::binance;
using binance::Level;
using namespace std::chrono_literals;

constexpr std::int64_t kTick = 1'000'000;  // 0.01
constexpr std::int64_t kLot = 100'000;     // 0.001

// "<prefix><n>". Built by appending: GCC 12 at -O3 reports a bogus -Wrestrict for
// `"c" + std::to_string(n)` (GCC bug 105329).
std::string tagged_id(char prefix, std::uint64_t n) {
  std::string id(1, prefix);
  id += std::to_string(n);
  return id;
}

// A seeded random flow on one instrument: the maker places and cancels limit orders around a drifting
// mid, the taker sends crossing IOC orders. One action every `step_ns` of venue time.
class RandomFlow final : public OrderFlow {
 public:
  RandomFlow(FlowAccounts accounts, int actions, std::int64_t start_ns, std::int64_t step_ns)
      : accounts_(accounts), left_(actions), ts_(start_ns), step_(step_ns) {}

  bool next(const MatchingEngine& engine, FlowAction& out) override {
    if (left_-- <= 0) return false;
    ts_ += step_;
    out = FlowAction{};
    out.ts = ts_;
    mid_ += static_cast<std::int64_t>(rng_.next() % 3) - 1;
    const std::uint64_t u = rng_.next() % 100;
    const OrderBook& book = engine.book(0);
    if (u < 25 && !open_.empty()) {
      const std::size_t i = rng_.next() % open_.size();
      out.kind = FlowAction::Kind::kCancel;
      out.cancel.account = accounts_.maker;
      out.cancel.instrument = 0;
      out.cancel.cl_ord_id = ClOrdId(tagged_id('c', ++ids_));
      out.cancel.orig_cl_ord_id = ClOrdId(open_[i]);
      open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
    out.kind = FlowAction::Kind::kPlace;
    OrderRequest& r = out.place;
    r.instrument = 0;
    r.type = OrderType::kLimit;
    r.qty = Qty::from_raw(kLot * static_cast<std::int64_t>(1 + rng_.next() % 500));
    if (u < 40 && book.order_count() > 0) {  // taker: cross the touch
      r.account = accounts_.taker;
      r.tif = TimeInForce::kIoc;
      r.side = rng_.next() % 2 == 0 ? Side::kBuy : Side::kSell;
      r.price = Price::from_raw(kTick * (r.side == Side::kBuy ? mid_ + 3 : mid_ - 3));
      r.cl_ord_id = ClOrdId(tagged_id('t', ++ids_));
      return true;
    }
    r.account = accounts_.maker;
    r.tif = TimeInForce::kGtc;
    r.side = rng_.next() % 2 == 0 ? Side::kBuy : Side::kSell;
    const std::int64_t offset = 1 + static_cast<std::int64_t>(rng_.next() % 8);
    r.price = Price::from_raw(kTick * (r.side == Side::kBuy ? mid_ - offset : mid_ + offset));
    const std::string id = tagged_id('m', ++ids_);
    r.cl_ord_id = ClOrdId(id);
    open_.push_back(id);
    return true;
  }
  void on_execution(const Execution& e) override {
    ++executions_;
    if (e.account == accounts_.maker && (e.ord_status == OrdStatus::kFilled || e.ord_status == OrdStatus::kCanceled ||
                                         e.ord_status == OrdStatus::kRejected)) {
      const std::string id(e.exec_type == VenueExecType::kCanceled && !e.orig_cl_ord_id.empty()
                               ? e.orig_cl_ord_id.view()
                               : e.cl_ord_id.view());
      std::erase(open_, id);
    }
  }
  [[nodiscard]] std::uint64_t executions() const { return executions_; }

 private:
  FlowAccounts accounts_;
  int left_;
  std::int64_t ts_;
  std::int64_t step_;
  std::int64_t mid_ = 10'000;  // 100.00
  RngStream rng_{"test-flow", 7};
  std::uint64_t ids_ = 0;
  std::vector<std::string> open_;
  std::uint64_t executions_ = 0;
};

SimConfig venue_config(bool futures, double speed) {
  SimConfig c = parse_sim_config(
      std::string("[venue]\nmarket = \"") + (futures ? "futures" : "spot") +
          "\"\n[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmin_notional = \"0\"\n"
          "[[account]]\ncomp_id = \"ALICE\"\nbalances = { USDT = \"1000000\", BTC = \"100\" }\n",
      "venue_md_test.toml");
  c.flow_speed = speed;
  return c;
}

// What the client kept of one depth diff (its levels as the book takes them).
struct Diff {
  std::uint64_t first = 0, final = 0, prev = 0;
  std::int64_t event_ms = 0;
  std::vector<book::PriceQty> bids, asks;
  [[nodiscard]] book::DepthDiff view() const { return {first, final, prev, bids, asks}; }
};

std::vector<book::PriceQty> to_price_qty(std::span<const Level> levels) {
  std::vector<book::PriceQty> out;
  for (const Level& l : levels) out.push_back({l.price, l.qty});
  return out;
}

// One side of the client's book, best first.
std::vector<Level> to_levels(const book::L2Book& book, Side side) {
  std::vector<Level> out;
  for (std::size_t i = 0; i < book.depth(side); ++i) {
    const book::PriceQty l = book.level(side, i);
    out.push_back(Level{l.price, l.qty});
  }
  return out;
}

void expect_same(const std::vector<Level>& got, const std::vector<Level>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].price.raw(), want[i].price.raw()) << what << " level " << i;
    EXPECT_EQ(got[i].qty.raw(), want[i].qty.raw()) << what << " level " << i;
  }
}

// What a client following one symbol's streams saw.
struct Followed {
  std::vector<Diff> diffs;
  std::vector<std::int64_t> trade_prices;  // raw, in order
  std::uint64_t tickers = 0, klines = 0;
  std::size_t diffs_applied_after_snapshot = 0;
};

// Connects to the combined stream of `lower` (depth, trade, aggTrade, bookTicker, kline_1m), buffers,
// takes the REST snapshot of `upper` after `before_snapshot`, waits until the venue's flow has ended,
// then checks: every diff links to the one before it, trade ids run 1, 2, 3, aggTrades cover every
// trade once and add up to them, no ticker is crossed, Binance's procedure (snapshot + diffs after
// it) rebuilds exactly the engine's book, and a snapshot taken at the end equals it too.
void follow_and_check(Venue& venue, const std::string& lower, const std::string& upper, bool futures,
                      std::chrono::milliseconds before_snapshot, Followed& out) {
  test::LwsClient client(venue.http_port(), "/stream?streams=" + lower + "@depth@100ms/" + lower + "@trade/" +
                                                lower + "@aggTrade/" + lower + "@bookTicker/" + lower + "@kline_1m");
  ASSERT_TRUE(client.wait_connected());
  std::this_thread::sleep_for(before_snapshot);  // buffer some diffs first, as the procedure says
  const std::string target = std::string(futures ? "/fapi/v1/depth" : "/api/v3/depth") + "?symbol=" + upper + "&limit=1000";
  const test::HttpReply snap = test::http_get(venue.http_port(), target);
  ASSERT_EQ(snap.status, 200) << snap.body;

  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!venue.flow_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(venue.flow_finished());
  std::this_thread::sleep_for(400ms);  // the last 100-ms cut and its delivery

  // Everything the client receives is decoded with the protocol's decoder, as the gateway will.
  binance::Decoder decoder;
  binance::Frame f;
  std::uint64_t agg_qty_sum = 0, trade_qty_sum = 0, last_trade_id = 0, last_agg_last = 0;
  for (const std::string& m : client.drain()) {
    ASSERT_EQ(decoder.decode(m, f), binance::DecodeError::kNone) << m;
    ASSERT_EQ(f.stream.symbol_view(), lower);
    if (f.kind == binance::FrameKind::kDepthUpdate) {
      Diff x;
      x.first = f.depth.first_update_id;
      x.final = f.depth.final_update_id;
      EXPECT_EQ(f.depth.has_prev_final, futures);
      x.prev = f.depth.prev_final_update_id;
      x.event_ms = f.depth.event_time_ms;
      x.bids = to_price_qty(f.depth.bids);
      x.asks = to_price_qty(f.depth.asks);
      out.diffs.push_back(std::move(x));
    } else if (f.kind == binance::FrameKind::kTrade) {
      const std::uint64_t id = f.trade.id;
      if (last_trade_id != 0) {
        EXPECT_EQ(id, last_trade_id + 1) << "trade ids run 1, 2, 3, …";
      }
      last_trade_id = id;
      trade_qty_sum += static_cast<std::uint64_t>(f.trade.qty.raw());
      out.trade_prices.push_back(f.trade.price.raw());
    } else if (f.kind == binance::FrameKind::kAggTrade) {
      const std::uint64_t first = f.trade.first_trade_id;
      const std::uint64_t last = f.trade.last_trade_id;
      EXPECT_LE(first, last);
      if (last_agg_last != 0) {
        EXPECT_EQ(first, last_agg_last + 1) << "aggTrades cover every trade once";
      }
      last_agg_last = last;
      agg_qty_sum += static_cast<std::uint64_t>(f.trade.qty.raw());
    } else if (f.kind == binance::FrameKind::kBookTicker) {
      const std::int64_t bid = f.book_ticker.bid_price.raw();
      const std::int64_t ask = f.book_ticker.ask_price.raw();
      if (bid != 0 && ask != 0) {
        EXPECT_LT(bid, ask) << "a ticker is never crossed";
      }
      ++out.tickers;
    } else if (f.kind == binance::FrameKind::kKline && f.kline.interval == binance::KlineInterval::k1m) {
      ++out.klines;
    } else {
      ADD_FAILURE() << "unexpected frame " << m;
    }
  }
  EXPECT_EQ(agg_qty_sum, trade_qty_sum) << "aggTrades add up to the trades";

  // Every diff links to the one before it, and time does not run backwards.
  const std::vector<Diff>& diffs = out.diffs;
  for (std::size_t i = 1; i < diffs.size(); ++i) {
    if (futures) {
      EXPECT_EQ(diffs[i].prev, diffs[i - 1].final) << "diff " << i;
    } else {
      EXPECT_EQ(diffs[i].first, diffs[i - 1].final + 1) << "diff " << i;
    }
    EXPECT_GE(diffs[i].event_ms, diffs[i - 1].event_ms) << "diff " << i;
  }

  // Binance's procedure, followed by the engine's BookSync as the gateway's feed does: the diffs
  // published up to the snapshot (U <= lastUpdateId) are buffered while it is fetched, the snapshot
  // drops the old ones and applies the rest, then every later diff must link live.
  // The REST snapshot decodes like spot's partial depth ({"lastUpdateId",…,"bids","asks"}).
  ASSERT_EQ(decoder.decode(snap.body, f), binance::DecodeError::kNone) << snap.body;
  const std::uint64_t snapshot_id = f.depth.final_update_id;
  // The client keeps every diff it received before the snapshot (a bars flow publishes thousands):
  // BookSync's buffer is sized for all of them, so none is lost to an overflow.
  book::BookSync::Limits limits;
  std::size_t levels = 0;
  for (const Diff& x : diffs) levels += x.bids.size() + x.asks.size();
  limits.buffer_diffs = std::max(limits.buffer_diffs, diffs.size());
  limits.buffer_levels = std::max(limits.buffer_levels, levels);
  book::BookSync sync(futures ? book::DepthVenue::kFutures : book::DepthVenue::kSpot, limits);
  std::size_t next = 0;
  for (; next < diffs.size() && diffs[next].first <= snapshot_id; ++next) {
    ASSERT_EQ(sync.on_diff(diffs[next].view()), book::DiffOutcome::kBuffered) << "diff " << next;
  }
  EXPECT_TRUE(sync.needs_snapshot());
  const std::vector<book::PriceQty> snap_bids = to_price_qty(f.depth.bids), snap_asks = to_price_qty(f.depth.asks);
  ASSERT_EQ(sync.on_snapshot(snapshot_id, snap_bids, snap_asks), book::SnapshotOutcome::kSynced)
      << "lastUpdateId " << snapshot_id;
  for (; next < diffs.size(); ++next) {
    const Diff& x = diffs[next];
    ASSERT_EQ(sync.on_diff(x.view()), book::DiffOutcome::kApplied) << "diff U=" << x.first << " u=" << x.final;
  }
  const book::SyncCounters& c = sync.counters();
  EXPECT_EQ(c.dropped + c.applied, diffs.size()) << "every diff is either older than the snapshot or applied";
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.buffer_overflows, 0u);
  EXPECT_EQ(c.crossed_updates, 0u);
  EXPECT_EQ(sync.book().truncations(), 0u);
  EXPECT_TRUE(sync.usable());
  EXPECT_EQ(sync.last_update_id(), diffs.empty() ? snapshot_id : std::max(snapshot_id, diffs.back().final));
  out.diffs_applied_after_snapshot = c.applied;
  expect_same(to_levels(sync.book(), Side::kBuy), venue.book_side(upper, Side::kBuy), "bids");
  expect_same(to_levels(sync.book(), Side::kSell), venue.book_side(upper, Side::kSell), "asks");

  // A snapshot taken now equals the engine's book too.
  const test::HttpReply after = test::http_get(venue.http_port(), target);
  ASSERT_EQ(after.status, 200);
  ASSERT_EQ(decoder.decode(after.body, f), binance::DecodeError::kNone) << after.body;
  if (!diffs.empty()) {
    EXPECT_EQ(f.depth.final_update_id, diffs.back().final);
  }
  expect_same(std::vector<Level>(f.depth.bids.begin(), f.depth.bids.end()), venue.book_side(upper, Side::kBuy), "snapshot bids");
  expect_same(std::vector<Level>(f.depth.asks.begin(), f.depth.asks.end()), venue.book_side(upper, Side::kSell), "snapshot asks");
}

class VenueMarketDataTest : public ::testing::TestWithParam<bool> {};

TEST_P(VenueMarketDataTest, DiffsLinkAndSnapshotPlusDiffsRebuildsTheEnginesBook) {
  const bool futures = GetParam();
  const SimConfig config = venue_config(futures, /*speed=*/20.0);
  // 2,400 actions 10 ms apart: 24 s of venue time, about 1.2 s of wall time at ×20.
  auto flow = std::make_unique<RandomFlow>(Venue::house_accounts(config), 2400, 1'700'000'000'000'000'000, 10'000'000);
  RandomFlow* flow_view = flow.get();
  Venue venue(config, std::move(flow));
  venue.start();
  Followed seen;
  follow_and_check(venue, "btcusdt", "BTCUSDT", futures, 300ms, seen);
  EXPECT_GT(seen.diffs.size(), 50u);
  EXPECT_GT(seen.trade_prices.size(), 50u);
  EXPECT_GT(seen.tickers, 50u);
  EXPECT_GT(seen.klines, 0u);
  EXPECT_GT(seen.diffs_applied_after_snapshot, 10u) << "the snapshot was taken while the flow ran";
  EXPECT_FALSE(venue.book_side("BTCUSDT", Side::kBuy).empty());
  EXPECT_GT(flow_view->executions(), 0u);
  venue.stop();
}

INSTANTIATE_TEST_SUITE_P(SpotAndFutures, VenueMarketDataTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? std::string("Futures") : std::string("Spot"); });

// The bars flow from config (real 5-minute bars of one day, as fast as possible): the client's view
// stays consistent, every public trade lies inside the day's range and the last one is the day's
// last close.
TEST(VenueMarketDataFlows, BarsFlowReplaysRealBarsThroughTheVenue) {
  SimConfig config = parse_sim_config(
      "[flow]\nkind = \"bars\"\ndata = \"" KEEL_SHARED_DATA_DIR "/binance-5m\"\nfrom = \"2021-01-05\"\n"
      "to = \"2021-01-05\"\nspeed = 0\nlevels = 5\nsteps_per_bar = 8\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\n",
      "bars_flow_test.toml");
  Venue venue(config);
  venue.start();
  Followed seen;
  follow_and_check(venue, "btcusdt", "BTCUSDT", false, 50ms, seen);
  EXPECT_EQ(venue.book_side("BTCUSDT", Side::kBuy).size(), 5u);
  EXPECT_EQ(venue.book_side("BTCUSDT", Side::kSell).size(), 5u);

  const BarSeries bars = load_bar_file(KEEL_SHARED_DATA_DIR "/binance-5m/BTCUSDT.csv.gz");
  std::int64_t lo = INT64_MAX, hi = 0, last_close = 0;
  for (const BarRow& r : bars.rows) {
    if (r.open_time_ms < 1'609'804'800'000 || r.open_time_ms >= 1'609'891'200'000) continue;  // 2021-01-05
    lo = std::min(lo, r.low.raw());
    hi = std::max(hi, r.high.raw());
    last_close = r.close.raw();
  }
  ASSERT_FALSE(seen.trade_prices.empty());
  for (const std::int64_t p : seen.trade_prices) {
    EXPECT_GE(p, lo);
    EXPECT_LE(p, hi);
  }
  EXPECT_EQ(seen.trade_prices.back(), last_close) << "the walk ends each bar on its close";
  venue.stop();
}

// The captures flow from config (the recorded USD-M futures feed at ×15): consistent diffs, and the
// engine ends with the recorded book.
TEST(VenueMarketDataFlows, CaptureFlowReplaysTheRecordedFuturesFeed) {
  SimConfig config = parse_sim_config(
      "[venue]\nmarket = \"futures\"\n[flow]\nkind = \"captures\"\n"
      "captures = [\"" KEEL_SHARED_DATA_DIR "/binance-ws/usdm-futures-capture.txt\"]\nspeed = 15\n"
      "[[symbol]]\nname = \"SUSHIUSDT\"\ntick_size = \"0.0001\"\nlot_size = \"1\"\n"
      "[[symbol]]\nname = \"CTKUSDT\"\ntick_size = \"0.00001\"\nlot_size = \"1\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\n",
      "captures_flow_test.toml");
  Venue venue(config);
  venue.start();
  Followed seen;
  follow_and_check(venue, "sushiusdt", "SUSHIUSDT", true, 500ms, seen);
  EXPECT_GT(seen.diffs.size(), 20u);
  EXPECT_GT(seen.diffs_applied_after_snapshot, 5u);
  EXPECT_GT(seen.trade_prices.size(), 10u);
  EXPECT_FALSE(venue.book_side("SUSHIUSDT", Side::kBuy).empty());
  EXPECT_FALSE(venue.book_side("CTKUSDT", Side::kSell).empty());
  venue.stop();
}

// The built-in synthetic flow: the correlated market moves every symbol's book.
TEST(VenueMarketDataFlows, SyntheticFlowMovesEverySymbol) {
  SimConfig config = parse_sim_config(
      "[flow]\nkind = \"synthetic\"\nspeed = 0\nsteps_per_bar = 4\n[flow.synthetic]\ndays = 1\n"
      "[[symbol]]\nname = \"AAAUSDT\"\ntick_size = \"0.0001\"\nlot_size = \"0.001\"\n"
      "[[symbol]]\nname = \"BBBUSDT\"\ntick_size = \"0.0001\"\nlot_size = \"0.001\"\n"
      "[[account]]\ncomp_id = \"ALICE\"\n",
      "synthetic_flow_test.toml");
  Venue venue(config);
  venue.start();
  Followed seen;
  follow_and_check(venue, "bbbusdt", "BBBUSDT", false, 20ms, seen);
  EXPECT_GT(seen.trade_prices.size(), 100u);
  EXPECT_EQ(venue.book_side("AAAUSDT", Side::kBuy).size(), 10u);
  EXPECT_EQ(venue.book_side("BBBUSDT", Side::kSell).size(), 10u);
  EXPECT_GT(venue.flow_actions(), 288u * 4u) << "one day of 5-minute bars, several actions per step";
  venue.stop();
}

TEST(VenueMarketData, AsFastAsPossibleRunsTheWholeFlowAndTimeFollowsTheActions) {
  SimConfig config = venue_config(false, /*speed=*/0.0);
  const std::int64_t start = 1'700'000'000'000'000'000;
  // 5,000 actions one second apart: 83 minutes of venue time, far faster than that in wall time.
  auto flow = std::make_unique<RandomFlow>(Venue::house_accounts(config), 5000, start, 1'000'000'000);
  Venue venue(config, std::move(flow));
  venue.start();
  test::LwsClient client(venue.http_port(), "/ws/btcusdt@kline_1m");
  ASSERT_TRUE(client.wait_connected());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!venue.flow_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(venue.flow_finished());
  EXPECT_EQ(venue.flow_actions(), 5000u);
  EXPECT_GE(venue.venue_time(), start + 5000LL * 1'000'000'000);
  EXPECT_LT(venue.venue_time(), start + 5000LL * 1'000'000'000 + 120'000'000'000LL)
      << "after the flow, venue time runs on in real time from its last action";
  venue.stop();
}

TEST(VenueMarketData, ControlMessagesWorkOnTheVenuePortAndAMalformedOneKeepsTheConnection) {
  SimConfig config = venue_config(false, 1.0);
  Venue venue(config);
  venue.start();
  test::LwsClient client(venue.http_port(), "/ws");
  ASSERT_TRUE(client.wait_connected());
  client.send(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth@100ms"],"id":1})");
  EXPECT_EQ(client.next().value_or(""), R"({"result":null,"id":1})");
  client.send(R"({"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":)");
  const std::string error = client.next().value_or("");
  EXPECT_NE(error.find("\"error\""), std::string::npos) << error;
  client.send(R"({"method":"LIST_SUBSCRIPTIONS","id":3})");
  EXPECT_EQ(client.next().value_or(""), R"({"result":["btcusdt@trade","btcusdt@depth@100ms"],"id":3})");
  EXPECT_FALSE(client.closed());
  // An unknown symbol's snapshot is refused with Binance's error, the venue keeps serving.
  const test::HttpReply bad = test::http_get(venue.http_port(), "/api/v3/depth?symbol=NOPE&limit=5");
  EXPECT_EQ(bad.status, 400);
  const test::HttpReply good = test::http_get(venue.http_port(), "/api/v3/depth?symbol=BTCUSDT&limit=5");
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(good.body, R"({"lastUpdateId":0,"bids":[],"asks":[]})");
  venue.stop();
}

TEST(VenueMarketData, ReadyLineNamesBothPorts) {
  Venue venue(venue_config(false, 1.0));
  venue.start();
  EXPECT_EQ(venue.ready_line(), "ready http=http://127.0.0.1:" + std::to_string(venue.http_port()) +
                                    " fix=127.0.0.1:" + std::to_string(venue.fix_port()));
  venue.stop();
}

// ---- markPrice (futures) ----

// The publisher's marks, against a real engine: mid of the book (half-to-even), the last trade when
// one-sided, nothing when empty or one-sided before any trade; spot publishes none.
class MarkPriceHarness final : public VenueListener, public MarketDataSink {
 public:
  explicit MarkPriceHarness(protocol::binance::Market market)
      : syms_(make_symbols()), publisher_(market, syms_, *this), engine_(syms_, EngineConfig{}, *this) {}
  void on_execution(const Execution&) noexcept override {}
  void on_cancel_reject(const CancelReject&) noexcept override {}
  void on_public_trade(const PublicTrade& t) noexcept override { publisher_.on_public_trade(t); }
  void emit(std::string_view stream, std::string_view payload) override {
    messages.emplace_back(std::string(stream), std::string(payload));
  }
  void place(AccountId account, Side side, const char* price, const char* qty, TimeInForce tif = TimeInForce::kGtc) {
    OrderRequest r;
    r.account = account;
    r.instrument = 0;
    r.cl_ord_id = ClOrdId(tagged_id('o', ++ids_));
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = tif;
    r.price = Price::parse(price).value();
    r.qty = Qty::parse(qty).value();
    engine_.submit(r);
  }
  MarketDataPublisher& publisher() { return publisher_; }
  MatchingEngine& engine() { return engine_; }
  std::vector<std::pair<std::string, std::string>> messages;

 private:
  static std::vector<VenueSymbol> make_symbols() {
    VenueSymbol s;
    s.instrument.id = 0;
    s.instrument.symbol = "BTCUSDT";
    s.instrument.tick_size = Price::parse("0.01").value();
    s.instrument.lot_size = Qty::parse("0.001").value();
    s.instrument.price_decimals = 2;
    s.instrument.qty_decimals = 3;
    s.base = 0;
    s.quote = 1;
    return {s};
  }
  std::vector<VenueSymbol> syms_;
  MarketDataPublisher publisher_;
  MatchingEngine engine_;
  std::uint64_t ids_ = 0;
};

TEST(VenueMarkPrice, MarkIsTheMidOrTheLastTradeAndNothingForAnEmptyBook) {
  MarkPriceHarness h(protocol::binance::Market::kFutures);
  h.publisher().set_funding_rate(0, protocol::binance::FundingRate{-2500});
  constexpr std::int64_t kT = 1'700'000'002'000'000'000;  // a whole second, not a multiple of 3
  static_assert(kT % 3'000'000'000 != 0);
  h.publisher().publish_marks(h.engine(), kT);
  EXPECT_TRUE(h.messages.empty()) << "an empty book has no mark";
  h.place(0, Side::kBuy, "100.01", "1");
  h.publisher().publish_marks(h.engine(), kT);
  EXPECT_TRUE(h.messages.empty()) << "one-sided and no trade yet";
  h.place(0, Side::kSell, "100.04", "1");
  h.publisher().publish_marks(h.engine(), kT);
  ASSERT_EQ(h.messages.size(), 1u);  // @1s only: kT is not on a 3-s boundary
  EXPECT_EQ(h.messages[0].first, "btcusdt@markPrice@1s");
  // (100.01 + 100.04) / 2 = 100.025 exactly; 1700000002000 ms → next funding 1700006400000 (16:00 UTC).
  EXPECT_EQ(h.messages[0].second,
            R"({"e":"markPriceUpdate","E":1700000002000,"s":"BTCUSDT","p":"100.02500000","i":"100.02500000",)"
            R"("P":"100.02500000","r":"-0.00002500","T":1700006400000})");
  // A trade takes the ask: one-sided, the mark is the last trade's price; on a 3-s boundary both streams.
  h.messages.clear();
  h.place(1, Side::kBuy, "100.04", "1", TimeInForce::kIoc);
  h.messages.clear();  // the trade's own messages
  constexpr std::int64_t kT3 = 1'700'000'004'000'000'000;  // a multiple of 3 s
  static_assert(kT3 % 3'000'000'000 == 0);
  h.publisher().publish_marks(h.engine(), kT3);
  ASSERT_EQ(h.messages.size(), 2u);
  EXPECT_EQ(h.messages[0].first, "btcusdt@markPrice@1s");
  EXPECT_EQ(h.messages[1].first, "btcusdt@markPrice");
  EXPECT_EQ(h.messages[0].second, h.messages[1].second);
  EXPECT_NE(h.messages[0].second.find(R"("p":"100.04000000")"), std::string::npos) << h.messages[0].second;
  // On a funding boundary (16:00 UTC exactly) the next one is 00:00.
  h.messages.clear();
  h.publisher().publish_marks(h.engine(), 1'700'006'400'000'000'000);
  ASSERT_FALSE(h.messages.empty());
  EXPECT_NE(h.messages[0].second.find(R"("T":1700035200000})"), std::string::npos) << h.messages[0].second;

  MarkPriceHarness spot(protocol::binance::Market::kSpot);
  spot.place(0, Side::kBuy, "100.01", "1");
  spot.place(0, Side::kSell, "100.04", "1");
  spot.publisher().publish_marks(spot.engine(), kT3);
  EXPECT_TRUE(spot.messages.empty());
}

// The venue publishes both streams on venue time: @markPrice@1s every whole second, @markPrice every
// third, with the configured funding rate; spot refuses the names like any unknown stream.
TEST(VenueMarkPrice, FuturesVenuePublishesOnVenueTimeAndSpotRefuses) {
  SimConfig config = venue_config(true, /*speed=*/10.0);
  config.funding_rate_e8 = 12'345;  // 0.00012345
  const std::int64_t start = 1'700'000'000'500'000'000;
  auto flow = std::make_unique<RandomFlow>(Venue::house_accounts(config), 1200, start, 10'000'000);
  Venue venue(config, std::move(flow));
  venue.start();
  test::LwsClient ws(venue.http_port(), "/stream?streams=btcusdt@markPrice@1s/btcusdt@markPrice");
  ASSERT_TRUE(ws.wait_connected());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!venue.flow_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(venue.flow_finished());
  std::this_thread::sleep_for(300ms);
  venue.stop();
  binance::Decoder decoder;
  binance::Frame f;
  std::vector<std::int64_t> one_s, three_s;
  for (const std::string& m : ws.drain()) {
    ASSERT_EQ(decoder.decode(m, f), binance::DecodeError::kNone) << m;
    ASSERT_EQ(f.kind, binance::FrameKind::kMarkPrice) << m;
    const binance::MarkPriceMsg& mp = f.mark_price;
    EXPECT_EQ(mp.funding_rate.e8, 12'345);
    EXPECT_TRUE(mp.mark_price.is_positive());
    EXPECT_EQ(mp.index_price, mp.mark_price);
    EXPECT_EQ(mp.next_funding_time_ms, mp.event_time_ms - mp.event_time_ms % 28'800'000 + 28'800'000);
    EXPECT_EQ(mp.event_time_ms % 1000, 0) << m;
    (f.stream.period_s == 1 ? one_s : three_s).push_back(mp.event_time_ms);
  }
  // The flow covers 12 s of venue time (the first second may come before the book has two sides).
  ASSERT_GE(one_s.size(), 8u);
  EXPECT_TRUE(std::is_sorted(one_s.begin(), one_s.end()));
  EXPECT_EQ(std::adjacent_find(one_s.begin(), one_s.end()), one_s.end()) << "one mark per second";
  ASSERT_GE(three_s.size(), 2u);
  for (std::int64_t e : three_s) {
    EXPECT_EQ(e % 3000, 0) << e;
    EXPECT_NE(std::find(one_s.begin(), one_s.end(), e), one_s.end()) << "the same cut on both streams";
  }

  SimConfig spot_config = venue_config(false, 1.0);
  Venue spot(spot_config);
  spot.start();
  test::LwsClient refused(spot.http_port(), "/ws/btcusdt@markPrice");
  EXPECT_FALSE(refused.wait_connected(3s));
  test::LwsClient control(spot.http_port(), "/ws");
  ASSERT_TRUE(control.wait_connected());
  control.send(R"({"method":"SUBSCRIBE","params":["btcusdt@markPrice@1s"],"id":5})");
  const std::string error = control.next().value_or("");
  EXPECT_NE(error.find("invalid stream name"), std::string::npos) << error;
  spot.stop();
}

}  // namespace
}  // namespace keel::sim
