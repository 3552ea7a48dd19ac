// CaptureReplayFlow (sim/capture_replay_flow.hpp) driving a real MatchingEngine, as the venue will:
// hand-written captures (the maker's book follows the diffs, trades print at the recorded price and
// quantity, the queue-position model for kBack and kFront, stale crossing levels, off-grid values,
// the minimum notional), the two real captures replayed whole (every diff's levels in the maker's
// book, the accumulated book on a depth-only replay, no house rejects, a fixed digest per run), and
// malformed frames counted and skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "../unit/test_support.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/sim/capture_replay_flow.hpp"

#include "keel/protocol/binance/decode.hpp"
#include "keel/sim/matching_engine.hpp"

using namespace keel;
using namespace keel::sim;

namespace {

constexpr AccountId kMaker = 1;
constexpr AccountId kTaker = 2;
constexpr AccountId kClient = 3;

Price px(const char* text) {
  return Price::parse(text).value();
}
Qty qty(const char* text) {
  return Qty::parse(text).value();
}

VenueSymbol symbol(InstrumentId id, const char* name, const char* tick, const char* lot,
                   const char* min_notional = "0") {
  VenueSymbol s;
  s.instrument.id = id;
  s.instrument.symbol = name;
  s.instrument.tick_size = px(tick);
  s.instrument.lot_size = qty(lot);
  s.instrument.min_notional = Notional::from_raw(parse_decimal(min_notional).value().raw);
  s.base = 0;
  s.quote = 1;
  return s;
}

// The engine, the flow and the listener that forwards the house accounts' reports to the flow.
class Harness : public VenueListener {
 public:
  Harness(std::vector<VenueSymbol> symbols, std::vector<Capture> captures,
          CaptureReplayParams params = {})
      : symbols_(std::move(symbols)),
        engine_(symbols_, EngineConfig{.orders_per_book = 1u << 14}, *this),
        flow_(std::move(captures), symbols_, FlowAccounts{kMaker, kTaker}, params) {}

  void on_execution(const Execution& e) noexcept override {
    executions.push_back(e);
    if (e.account == kMaker || e.account == kTaker) flow_.on_execution(e);
  }
  void on_cancel_reject(const CancelReject& c) noexcept override {
    cancel_rejects.push_back(c);
    if (c.account == kMaker || c.account == kTaker) flow_.on_cancel_reject(c);
  }
  void on_public_trade(const PublicTrade& t) noexcept override { trades.push_back(t); }

  void apply(const FlowAction& a) {
    keel::sim::apply(engine_, a);
  }

  // Runs the flow to its end. `frame_done(n)` is called each time frames_applied() reaches n (with
  // the book as it is after frame n), once per frame, in order.
  void run(const std::function<void(std::uint64_t)>& frame_done = {}) {
    std::uint64_t seen = 0;
    std::int64_t last_ts = 0;
    const auto report = [&] {
      while (seen < flow_.frames_applied()) {
        ++seen;
        if (frame_done) frame_done(seen);
      }
    };
    if (held_.kind != FlowAction::Kind::kNone) {
      apply(held_);
      held_ = FlowAction{};
    }
    FlowAction a;
    while (flow_.next(engine_, a)) {
      report();
      EXPECT_GE(a.ts, last_ts);
      last_ts = a.ts;
      apply(a);
    }
    report();
  }
  // Applies the flow's actions up to and including frame `n` (frames_applied() == n afterwards, the
  // next frame's first action held back in `held_`).
  void run_frames(std::uint64_t n) {
    if (held_.kind != FlowAction::Kind::kNone) {
      apply(held_);
      held_ = FlowAction{};
    }
    FlowAction a;
    while (flow_.frames_applied() < n && flow_.next(engine_, a)) {
      if (flow_.frames_applied() >= n) {
        held_ = a;
        return;
      }
      apply(a);
    }
  }

  // Applies the action run_frames() held back; false when there is none.
  bool apply_held() {
    if (held_.kind == FlowAction::Kind::kNone) return false;
    apply(held_);
    held_ = FlowAction{};
    return true;
  }

  void client_limit(const char* cl, Side side, const char* price, const char* quantity,
                    InstrumentId ins = 0) {
    OrderRequest r;
    r.ts = 1;
    r.account = kClient;
    r.instrument = ins;
    r.cl_ord_id = ClOrdId(cl);
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kGtc;
    r.price = px(price);
    r.qty = qty(quantity);
    engine_.submit(r);
  }

  // price raw → total leaves of `account`'s orders (every account when account = 0).
  std::map<std::int64_t, std::int64_t> levels(InstrumentId ins, Side side,
                                              AccountId account = 0) const {
    std::map<std::int64_t, std::int64_t> out;
    const OrderBook& book = engine_.book(ins);
    for (const PriceLevel& l : book.levels(side)) {
      for (Slot s = l.head; s != kNoSlot; s = book.order(s).next) {
        if (account == 0 || book.order(s).account == account)
          out[l.price.raw()] += book.order(s).leaves().raw();
      }
    }
    return out;
  }
  // "account:leaves" of each order at a level, front of the queue first.
  std::vector<std::string> queue(InstrumentId ins, Side side, const char* price) const {
    std::vector<std::string> out;
    const OrderBook& book = engine_.book(ins);
    for (const PriceLevel& l : book.levels(side)) {
      if (l.price != px(price)) continue;
      for (Slot s = l.head; s != kNoSlot; s = book.order(s).next) {
        out.push_back(std::to_string(book.order(s).account) + ":" +
                      book.order(s).leaves().to_string());
      }
    }
    return out;
  }
  // "account:qty" of each resting order's fill (maker side) in order.
  std::vector<std::string> maker_fills() const {
    std::vector<std::string> out;
    for (const Execution& e : executions) {
      if (e.exec_type == VenueExecType::kTrade && e.maker)
        out.push_back(std::to_string(e.account) + ":" + e.last_qty.to_string());
    }
    return out;
  }

  CaptureReplayFlow& flow() { return flow_; }
  const MatchingEngine& engine() const { return engine_; }

  std::vector<Execution> executions;
  std::vector<CancelReject> cancel_rejects;
  std::vector<PublicTrade> trades;

 private:
  std::vector<VenueSymbol> symbols_;
  MatchingEngine engine_;
  CaptureReplayFlow flow_;
  FlowAction held_;
};

using Levels = std::map<std::int64_t, std::int64_t>;
Levels lv(std::initializer_list<std::pair<const char*, const char*>> items) {
  Levels out;
  for (const auto& [p, q] : items) out[px(p).raw()] = qty(q).raw();
  return out;
}

// ---- Hand-written frames ----

std::string levels_json(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::string s = "[";
  for (const auto& [p, q] : items) {
    if (s.size() > 1) s += ",";
    s += std::string("[\"") + p + "\",\"" + q + "\"]";
  }
  return s + "]";
}
std::string depth(const char* t, std::initializer_list<std::pair<const char*, const char*>> bids,
                  std::initializer_list<std::pair<const char*, const char*>> asks,
                  const char* sym = "TESTUSDT") {
  std::string lower = sym;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::string(t) + ": {\"stream\":\"" + lower +
         "@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"" + sym +
         "\",\"U\":1,\"u\":1,\"b\":" + levels_json(bids) + ",\"a\":" + levels_json(asks) + "}}\n";
}
std::string agg_trade(const char* t, const char* price, const char* quantity, bool buyer_is_maker,
                      const char* sym = "TESTUSDT") {
  std::string lower = sym;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::string(t) + ": {\"stream\":\"" + lower +
         "@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1,\"s\":\"" + sym + "\",\"a\":1,\"p\":\"" +
         price + "\",\"q\":\"" + quantity +
         "\",\"f\":1,\"l\":1,\"T\":1,\"m\":" + (buyer_is_maker ? "true" : "false") + "}}\n";
}

std::vector<Capture> captures(const std::string& text) {
  std::vector<Capture> out;
  out.push_back(parse_capture(text, "test"));
  return out;
}

std::vector<VenueSymbol> test_symbols() {
  return {symbol(0, "TESTUSDT", "0.01", "0.1")};
}

TEST(CaptureReplayFlow, DiffsSetTheMakersBookToTheRecordedLevels) {
  const std::string text = depth("100.1", {{"100.00", "5"}, {"99.50", "3"}}, {{"100.50", "2"}}) +
                           depth("100.2", {{"100.00", "2"}, {"99.50", "0"}, {"99.00", "4"}},
                                 {{"100.50", "6"}, {"101.00", "1"}}) +
                           depth("100.3", {{"100.00", "2"}}, {{"105.00", "0"}, {"101.00", "0"}}) +
                           depth("100.4", {}, {});
  Harness h(test_symbols(), captures(text));
  const std::vector<std::pair<Levels, Levels>> expected = {
      {lv({{"100.00", "5"}, {"99.50", "3"}}), lv({{"100.50", "2"}})},
      {lv({{"100.00", "2"}, {"99.00", "4"}}), lv({{"100.50", "6"}, {"101.00", "1"}})},
      {lv({{"100.00", "2"}, {"99.00", "4"}}), lv({{"100.50", "6"}})},
      {lv({{"100.00", "2"}, {"99.00", "4"}}), lv({{"100.50", "6"}})},
  };
  std::uint64_t frames = 0;
  h.run([&](std::uint64_t n) {
    frames = n;
    ASSERT_LE(n, expected.size());
    EXPECT_EQ(h.levels(0, Side::kBuy), expected[n - 1].first) << "frame " << n;
    EXPECT_EQ(h.levels(0, Side::kSell), expected[n - 1].second) << "frame " << n;
  });
  EXPECT_EQ(frames, 4u);
  EXPECT_EQ(h.flow().frames_applied(), 4u);
  EXPECT_EQ(h.flow().frames_total(), 4u);
  EXPECT_EQ(h.flow().frames_malformed(), 0u);
  EXPECT_EQ(h.flow().house_rejects(), 0u);
  EXPECT_EQ(h.flow().house_cancel_rejects(), 0u);
  EXPECT_TRUE(h.trades.empty());
  // Every action's time is its frame's receive time.
  for (const Execution& e : h.executions)
    EXPECT_TRUE(e.ts >= 100'100'000'000 && e.ts <= 100'400'000'000) << e.ts;
}

TEST(CaptureReplayFlow, RecordedTradePrintsAtTheRecordedPriceAndQuantity) {
  const std::string text =
      depth("1.0", {{"100.00", "5"}}, {{"101.00", "4"}}) +
      agg_trade("1.1", "100.00", "2", true) +    // buyer is maker: the taker sells
      agg_trade("1.2", "101.00", "1.5", false);  // the taker buys
  Harness h(test_symbols(), captures(text));
  h.run();
  ASSERT_EQ(h.trades.size(), 2u);
  EXPECT_EQ(h.trades[0].price, px("100.00"));
  EXPECT_EQ(h.trades[0].qty, qty("2"));
  EXPECT_EQ(h.trades[0].aggressor, Side::kSell);
  EXPECT_EQ(h.trades[0].ts, 1'100'000'000);
  EXPECT_EQ(h.trades[1].price, px("101.00"));
  EXPECT_EQ(h.trades[1].qty, qty("1.5"));
  EXPECT_EQ(h.trades[1].aggressor, Side::kBuy);
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"100.00", "3"}}));
  EXPECT_EQ(h.levels(0, Side::kSell), lv({{"101.00", "2.5"}}));
  EXPECT_EQ(h.flow().frames_applied(), 3u);
  EXPECT_EQ(h.flow().house_rejects(), 0u);
}

TEST(CaptureReplayFlow, TradeWithNoLiquidityPrintsNothingAndIsNotAReject) {
  Harness h(test_symbols(), captures(agg_trade("1.0", "100.00", "2", true)));
  h.run();
  EXPECT_TRUE(h.trades.empty());
  EXPECT_EQ(h.flow().house_rejects(), 0u);
  EXPECT_EQ(h.flow().frames_applied(), 1u);
}

// Frames: a level of 5, then (after a client joins behind) an increase to 8, a decrease to 6, and a
// recorded trade of 5 at that price.
std::string queue_capture() {
  return depth("1.0", {{"100.00", "5"}}, {}) + depth("2.0", {{"100.00", "8"}}, {}) +
         depth("3.0", {{"100.00", "6"}}, {}) + agg_trade("4.0", "100.00", "5", true);
}

TEST(CaptureReplayFlow, QueueBackIncreaseQueuesBehindTheClientAndDecreasesDoNotMoveItUp) {
  Harness h(test_symbols(), captures(queue_capture()),
            CaptureReplayParams{.cancels_from = QueueModel::kBack});
  h.run_frames(1);
  h.client_limit("c1", Side::kBuy, "100.00", "1");
  h.run_frames(2);
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:5", "3:1", "1:3"}));
  h.run_frames(3);
  // The decrease came out of the maker's newest order: nothing ahead of the client left.
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:5", "3:1", "1:1"}));
  EXPECT_EQ(h.levels(0, Side::kBuy, kMaker), lv({{"100.00", "6"}}));
  h.run_frames(4);
  // The trade of 5 consumes only the quantity ahead of the client.
  EXPECT_EQ(h.maker_fills(), (std::vector<std::string>{"1:5"}));
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"3:1", "1:1"}));
  EXPECT_EQ(h.flow().house_rejects(), 0u);
}

TEST(CaptureReplayFlow, QueueFrontDecreasesMoveTheClientUpAndItFillsInItsTurn) {
  Harness h(test_symbols(), captures(queue_capture()),
            CaptureReplayParams{.cancels_from = QueueModel::kFront});
  h.run_frames(1);
  h.client_limit("c1", Side::kBuy, "100.00", "1");
  h.run_frames(2);
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:5", "3:1", "1:3"}));
  h.run_frames(3);
  // The decrease came out of the oldest maker order (a replace keeps its place).
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:3", "3:1", "1:3"}));
  h.run_frames(4);
  EXPECT_EQ(h.maker_fills(), (std::vector<std::string>{"1:3", "3:1", "1:1"}));
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:2"}));
  EXPECT_EQ(h.flow().house_rejects(), 0u);
}

TEST(CaptureReplayFlow, ADecreaseLargerThanTheNewestOrderCancelsItAndReducesTheNextOne) {
  const std::string text = depth("1.0", {{"100.00", "5"}}, {}) +
                           depth("2.0", {{"100.00", "8"}}, {}) +
                           depth("3.0", {{"100.00", "4"}}, {});
  for (const QueueModel model : {QueueModel::kBack, QueueModel::kFront}) {
    Harness h(test_symbols(), captures(text), CaptureReplayParams{.cancels_from = model});
    h.run();
    const std::vector<std::string> expected = model == QueueModel::kBack
                                                  ? std::vector<std::string>{"1:4"}
                                                  : std::vector<std::string>{"1:1", "1:3"};
    EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), expected);
    EXPECT_EQ(h.flow().house_rejects() + h.flow().house_cancel_rejects(), 0u);
  }
}

TEST(CaptureReplayFlow, StaleOppositeLevelsAreRemovedBeforeACrossingLevelIsPlaced) {
  const std::string text =
      depth("1.0", {{"99.00", "1"}}, {{"101.00", "2"}, {"102.00", "3"}}) +
      depth("2.0", {{"101.50", "4"}}, {});  // the asks at 101 were never removed
  Harness h(test_symbols(), captures(text));
  h.run();
  EXPECT_TRUE(h.trades.empty());  // the maker never trades with itself
  EXPECT_EQ(h.flow().stale_orders_cancelled(), 1u);
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"99.00", "1"}, {"101.50", "4"}}));
  EXPECT_EQ(h.levels(0, Side::kSell), lv({{"102.00", "3"}}));
}

TEST(CaptureReplayFlow, ClientOrdersAreNotStaleAndTradeWithTheReplayedBook) {
  Harness h(test_symbols(), captures(depth("1.0", {{"100.00", "5"}}, {})));
  h.client_limit("c1", Side::kSell, "99.00", "1");
  h.run();
  EXPECT_EQ(h.flow().stale_orders_cancelled(), 0u);
  EXPECT_EQ(h.maker_fills(), (std::vector<std::string>{"3:1"}));
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"100.00", "4"}}));
}

TEST(CaptureReplayFlow, OffGridPricesAreSkippedAndQuantitiesRoundedDown) {
  const std::string text =
      depth("1.0", {{"100.005", "1"}, {"100.00", "1.25"}}, {{"101.00", "0.05"}}) +
      agg_trade("2.0", "100.001", "1", true) + agg_trade("3.0", "100.00", "0.05", true) +
      agg_trade("4.0", "100.00", "0.15", true);
  Harness h(test_symbols(), captures(text));
  h.run();
  EXPECT_EQ(h.flow().levels_off_tick(), 1u);
  EXPECT_EQ(h.flow().trades_off_tick(), 1u);
  EXPECT_EQ(h.flow().quantities_rounded(), 4u);  // 1.25, 0.05 (level), 0.05 and 0.15 (trades)
  EXPECT_EQ(h.flow().trades_skipped(), 1u);      // 0.05 rounds to 0
  EXPECT_EQ(h.flow().house_rejects(), 0u);
  ASSERT_EQ(h.trades.size(), 1u);
  EXPECT_EQ(h.trades[0].qty, qty("0.1"));
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"100.00", "1.1"}}));
  EXPECT_TRUE(h.levels(0, Side::kSell).empty());
  EXPECT_EQ(h.flow().frames_applied(), 4u);
}

TEST(CaptureReplayFlow, MinimumNotionalIsNeverBreachedByTheHouse) {
  // Minimum notional 10 at a price of 100: 0.1 is the smallest order.
  const std::vector<VenueSymbol> syms = {symbol(0, "TESTUSDT", "0.01", "0.01", "10")};
  const std::string text =
      depth("1.0", {{"100.00", "1"}}, {}) +
      depth("2.0", {{"100.00", "1.05"}}, {}) +   // +0.05: folded into the newest order
      depth("3.0", {{"100.00", "0.05"}}, {}) +   // would leave 0.05: cancelled
      depth("4.0", {{"99.00", "0.05"}}, {}) +    // no order to fold into: short
      agg_trade("5.0", "100.00", "0.05", true);  // below minimum: skipped
  Harness h(syms, captures(text));
  h.run_frames(2);
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"100.00", "1.05"}}));
  h.run();
  EXPECT_EQ(h.flow().min_notional_shortfalls(), 2u);
  EXPECT_EQ(h.flow().trades_skipped(), 1u);
  EXPECT_TRUE(h.levels(0, Side::kBuy).empty());
  EXPECT_EQ(h.flow().house_rejects(), 0u);
  EXPECT_EQ(h.flow().house_cancel_rejects(), 0u);
}

TEST(CaptureReplayFlow, ARemainderBelowTheMinimumIsFoldedIntoAnotherMakerOrder) {
  const std::vector<VenueSymbol> syms = {symbol(0, "TESTUSDT", "0.01", "0.01", "10")};
  const std::string text = depth("1.0", {{"100.00", "1"}}, {}) +
                           depth("2.0", {{"100.00", "2"}}, {}) +
                           depth("3.0", {{"100.00", "1.05"}}, {});
  Harness h(syms, captures(text), CaptureReplayParams{.cancels_from = QueueModel::kBack});
  h.run();
  // The newest order (1) would keep 0.05: it is cancelled and the 0.05 goes onto the other order.
  EXPECT_EQ(h.queue(0, Side::kBuy, "100.00"), (std::vector<std::string>{"1:1.05"}));
  EXPECT_EQ(h.flow().min_notional_shortfalls(), 0u);
  EXPECT_EQ(h.flow().house_rejects() + h.flow().house_cancel_rejects(), 0u);
}

TEST(CaptureReplayFlow, HouseRejectsOnlyWhenAClientChangedTheBookBetweenTwoActions) {
  // Two maker orders (5 then 3) at 100, then the level is removed: two cancels, newest first.
  const std::string text = depth("1.0", {{"100.00", "5"}}, {}) +
                           depth("2.0", {{"100.00", "8"}}, {}) +
                           depth("3.0", {{"100.00", "0"}}, {});
  Harness h(test_symbols(), captures(text));
  h.run_frames(2);
  ASSERT_TRUE(h.apply_held());  // the first cancel of frame 3
  FlowAction a;
  ASSERT_TRUE(h.flow().next(h.engine(), a));
  ASSERT_EQ(a.kind, FlowAction::Kind::kCancel);
  h.client_limit("c1", Side::kSell, "100.00",
                 "5");  // a client takes the order the flow will cancel
  h.apply(a);
  EXPECT_FALSE(h.flow().next(h.engine(), a));
  EXPECT_EQ(h.flow().house_cancel_rejects(), 1u);
  EXPECT_EQ(h.flow().house_rejects(), 0u);
  EXPECT_TRUE(h.levels(0, Side::kBuy).empty());
}

TEST(CaptureReplayFlow, MalformedFramesAreCountedAndSkipped) {
  const std::string good = depth("9.0", {{"100.00", "1"}}, {});
  const std::vector<std::string> malformed = {
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["100.00","1"]],"a":[)",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["NaN","1"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["-100.00","1"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["100.00","-1"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["0","1"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[[100.0,"1"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[["100.00"]],"a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":"x","a":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":"TESTUSDT","b":[]}})",
      R"({"stream":"testusdt@depth@100ms","data":{"e":"depthUpdate","s":7,"b":[],"a":[]}})",
      R"({"stream":"testusdt@aggTrade","data":{"e":"aggTrade","s":"TESTUSDT","p":100,"q":"1","m":true}})",
      R"({"stream":"testusdt@aggTrade","data":{"e":"aggTrade","s":"TESTUSDT","p":"100.00","q":"1","m":"true"}})",
      R"({"stream":"testusdt@aggTrade","data":{"e":"aggTrade","s":"TESTUSDT","p":"1e2","q":"1","m":true}})",
      R"({"stream":"testusdt@aggTrade","data":{"e":"aggTrade","s":"TESTUSDT","p":"100.00","q":"0","m":true}})",
      R"({"stream":"testusdt@trade","data":{"e":"trade","s":"TESTUSDT","q":"1","m":true}})",
      R"({"stream":"testusdt@depth@100ms","data":[1,2]})",
      R"({"stream":7,"data":{}})",
      R"({"e":5})",
      R"([1,2,3])",
      R"({})",
      R"("text")",
      R"(not json at all)",
  };
  std::string text;
  int t = 1;
  for (const std::string& f : malformed) text += std::to_string(t++) + ".0: " + f + "\n";
  // Well-formed frames that are not replayed: another symbol, bookTicker, kline, partial depth.
  text += depth("7.0", {{"1.00", "1"}}, {}, "OTHERUSDT");
  text += agg_trade("7.1", "1.00", "1", true, "OTHERUSDT");
  text +=
      R"(7.2: {"stream":"testusdt@bookTicker","data":{"u":1,"s":"TESTUSDT","b":"1.00","B":"1","a":"2.00","A":"1"}})"
      "\n";
  text += R"(7.3: {"u":1,"s":"TESTUSDT","b":"1.00","B":"1","a":"2.00","A":"1"})"
          "\n";
  text += R"(7.4: {"stream":"testusdt@kline_1m","data":{"e":"kline","E":1,"s":"TESTUSDT","k":{}}})"
          "\n";
  text += R"(7.5: {"stream":"testusdt@depth5@100ms","data":{"lastUpdateId":1,"bids":[],"asks":[]}})"
          "\n";
  text += good;
  Harness h(test_symbols(), captures(text));
  h.run();
  EXPECT_EQ(h.flow().frames_malformed(), malformed.size());
  EXPECT_EQ(h.flow().frames_skipped_unknown_symbol(), 2u);
  EXPECT_EQ(h.flow().frames_ignored(), 4u);
  EXPECT_EQ(h.flow().frames_applied(), 1u);
  EXPECT_EQ(h.flow().frames_total(), malformed.size() + 7);
  EXPECT_EQ(h.levels(0, Side::kBuy), lv({{"100.00", "1"}}));
  EXPECT_TRUE(h.trades.empty());
  EXPECT_EQ(h.flow().house_rejects(), 0u);
}

TEST(CaptureReplayFlow, SeveralCapturesMergeInReceiveTimeOrder) {
  std::vector<Capture> caps;
  caps.push_back(parse_capture(
      depth("1.0", {{"100.00", "1"}}, {}) + depth("3.0", {{"100.00", "3"}}, {}), "a"));
  caps.push_back(parse_capture(
      depth("2.0", {{"100.00", "2"}}, {}) + depth("4.0", {{"100.00", "0"}}, {{"101.00", "4"}}),
      "b"));
  Harness h(test_symbols(), std::move(caps));
  std::vector<Levels> bids;
  h.run([&](std::uint64_t) { bids.push_back(h.levels(0, Side::kBuy)); });
  EXPECT_EQ(bids, (std::vector<Levels>{lv({{"100.00", "1"}}), lv({{"100.00", "2"}}),
                                       lv({{"100.00", "3"}}), Levels{}}));
  EXPECT_EQ(h.levels(0, Side::kSell), lv({{"101.00", "4"}}));
}

TEST(CaptureReplayFlow, RejectsAnUnusableConfiguration) {
  const auto syms = test_symbols();
  EXPECT_THROW(CaptureReplayFlow({}, syms, FlowAccounts{1, 1}), std::invalid_argument);
  EXPECT_THROW(CaptureReplayFlow({}, syms, FlowAccounts{1, 2},
                                 CaptureReplayParams{.cancels_from = QueueModel::kNone}),
               std::invalid_argument);
  auto bad = test_symbols();
  bad[0].instrument.id = 3;
  EXPECT_THROW(CaptureReplayFlow({}, bad, FlowAccounts{1, 2}), std::invalid_argument);
  bad = test_symbols();
  bad[0].instrument.tick_size = Price{};
  EXPECT_THROW(CaptureReplayFlow({}, bad, FlowAccounts{1, 2}), std::invalid_argument);
}

// ---- The real captures ----

struct Recorded {
  std::string kind;  // "depth", "trade", "ignored"
  std::string symbol;
  std::vector<std::tuple<Side, std::int64_t, std::int64_t>>
      levels;  // depth: side, price raw, qty raw
};

// The frame as the protocol's decoder reads it (the flow's own decoder; the model only needs the kind,
// the symbol and the levels).
Recorded classify(const std::string& frame) {
  namespace pb = protocol::binance;
  static pb::Decoder decoder;
  pb::Frame f;
  constexpr auto kReplayed = static_cast<pb::FrameKinds>(pb::kinds_bit(pb::FrameKind::kTrade) |
                                                         pb::kinds_bit(pb::FrameKind::kAggTrade) |
                                                         pb::kinds_bit(pb::FrameKind::kDepthUpdate));
  Recorded r;
  const pb::DecodeError err = decoder.decode(frame, f, kReplayed);
  EXPECT_TRUE(err == pb::DecodeError::kNone || err == pb::DecodeError::kUnknownKind) << frame;
  if (err != pb::DecodeError::kNone || (kReplayed & pb::kinds_bit(f.kind)) == 0) {
    r.kind = "ignored";
    return r;
  }
  r.symbol = std::string(f.symbol.view());
  if (f.kind != pb::FrameKind::kDepthUpdate) {
    r.kind = "trade";
    return r;
  }
  r.kind = "depth";
  for (const pb::Level& l : f.depth.bids) r.levels.emplace_back(Side::kBuy, l.price.raw(), l.qty.raw());
  for (const pb::Level& l : f.depth.asks) r.levels.emplace_back(Side::kSell, l.price.raw(), l.qty.raw());
  return r;
}

// The model's book from diffs alone: decreases first, then each level with a quantity removes the
// opposite levels it would cross and is set.
struct ReferenceBook {
  Levels bids, asks;
  void apply(const Recorded& r) {
    for (const auto& [side, p, q] : r.levels) {
      Levels& book = side == Side::kBuy ? bids : asks;
      const std::int64_t cur = book.contains(p) ? book[p] : 0;
      if (q >= cur) continue;
      if (q == 0)
        book.erase(p);
      else
        book[p] = q;
    }
    for (const auto& [side, p, q] : r.levels) {
      if (q == 0) continue;
      if (side == Side::kBuy) {
        std::erase_if(asks, [p = p](const auto& kv) { return kv.first <= p; });
        bids[p] = q;
      } else {
        std::erase_if(bids, [p = p](const auto& kv) { return kv.first >= p; });
        asks[p] = q;
      }
    }
  }
};

struct RealCapture {
  const char* file;
  std::vector<VenueSymbol> symbols;
};

RealCapture spot() {
  // RUNEEUR is left out on purpose: its frames count as unknown symbols.
  return {"binance-ws/spot-capture.txt",
          {symbol(0, "NKNUSDT", "0.00000001", "0.00000001"),
           symbol(1, "BLZETH", "0.00000001", "0.00000001"),
           symbol(2, "LRCBTC", "0.00000001", "0.00000001")}};
}
RealCapture futures() {
  return {"binance-ws/usdm-futures-capture.txt",
          {symbol(0, "SUSHIUSDT", "0.0001", "1"), symbol(1, "AKROUSDT", "0.00001", "1"),
           symbol(2, "KEEPUSDT", "0.0001", "1"), symbol(3, "CTKUSDT", "0.00001", "1")}};
}

struct ReplayResult {
  std::uint64_t digest = 0;
  std::uint64_t actions = 0;
};

// Replays a real capture (optionally without its trades) and checks it frame by frame.
ReplayResult replay_real(const RealCapture& rc, bool with_trades) {
  Capture cap = load_capture_file(test::shared_data(rc.file));
  if (!with_trades) {
    std::erase_if(cap.records, [](const CaptureRecord& r) {
      return r.frame.find("\"e\":\"aggTrade\"") != std::string::npos;
    });
  }
  std::map<std::string, InstrumentId> ids;
  for (const VenueSymbol& s : rc.symbols) ids[s.instrument.symbol] = s.instrument.id;
  // The frames the flow applies, in its order (receive time, stable).
  std::vector<CaptureRecord> sorted = cap.records;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const CaptureRecord& a, const CaptureRecord& b) {
                     return a.receive_time_ns < b.receive_time_ns;
                   });
  std::vector<Recorded> applied;
  std::uint64_t ignored = 0, unknown = 0;
  for (const CaptureRecord& r : sorted) {
    Recorded rec = classify(r.frame);
    if (rec.kind == "ignored") {
      ++ignored;
    } else if (!ids.contains(rec.symbol)) {
      ++unknown;
    } else {
      applied.push_back(std::move(rec));
    }
  }
  const std::uint64_t total = cap.records.size();

  std::vector<Capture> caps;
  caps.push_back(std::move(cap));
  Harness h(rc.symbols, std::move(caps));
  std::map<std::string, ReferenceBook> reference;
  std::uint64_t depth_frames = 0, levels_checked = 0;
  h.run([&](std::uint64_t n) {
    const Recorded& r = applied.at(n - 1);
    if (r.kind != "depth") return;
    ++depth_frames;
    const InstrumentId id = ids.at(r.symbol);
    const Levels bids = h.levels(id, Side::kBuy, kMaker);
    const Levels asks = h.levels(id, Side::kSell, kMaker);
    // Every level of the diff holds the recorded quantity, unless a later ask of the same diff
    // crossed it (the stale rule).
    for (const auto& [side, p, q] : r.levels) {
      std::int64_t expected = q;
      if (side == Side::kBuy) {
        for (const auto& [s2, p2, q2] : r.levels) {
          if (s2 == Side::kSell && q2 > 0 && p2 <= p) expected = 0;
        }
      }
      const Levels& book = side == Side::kBuy ? bids : asks;
      const std::int64_t actual = book.contains(p) ? book.at(p) : 0;
      ASSERT_EQ(actual, expected) << r.symbol << " frame " << n << " price " << p;
      ++levels_checked;
    }
    if (!with_trades) {
      ReferenceBook& ref = reference[r.symbol];
      ref.apply(r);
      ASSERT_EQ(bids, ref.bids) << r.symbol << " frame " << n;
      ASSERT_EQ(asks, ref.asks) << r.symbol << " frame " << n;
    }
    // The maker's book is never crossed.
    if (!bids.empty() && !asks.empty()) {
      EXPECT_LT(bids.rbegin()->first, asks.begin()->first) << r.symbol << " frame " << n;
    }
  });
  const CaptureReplayFlow& f = h.flow();
  EXPECT_EQ(f.frames_total(), total);
  EXPECT_EQ(f.frames_applied(), applied.size());
  EXPECT_EQ(f.frames_ignored(), ignored);
  EXPECT_EQ(f.frames_skipped_unknown_symbol(), unknown);
  EXPECT_EQ(f.frames_malformed(), 0u);
  EXPECT_EQ(f.levels_off_tick() + f.trades_off_tick() + f.quantities_rounded(), 0u);
  EXPECT_EQ(f.house_rejects(), 0u);
  EXPECT_EQ(f.house_cancel_rejects(), 0u);
  EXPECT_EQ(f.min_notional_shortfalls(), 0u);
  EXPECT_GT(depth_frames, 0u);
  if (with_trades) {
    EXPECT_GT(h.trades.size(), 0u);
  } else {
    EXPECT_TRUE(h.trades.empty());
  }
  std::cout << rc.file << (with_trades ? "" : " (no trades)") << ": frames " << total
            << ", applied " << applied.size() << ", ignored " << ignored << ", unknown symbol "
            << unknown << ", levels checked " << levels_checked << ", public trades "
            << h.trades.size() << ", stale orders cancelled " << f.stale_orders_cancelled()
            << ", actions " << f.actions() << ", digest " << std::hex << f.action_digest()
            << std::dec << "\n";
  return {f.action_digest(), f.actions()};
}

TEST(CaptureReplayFlow, SpotCaptureReplaysWhole) {
  const ReplayResult a = replay_real(spot(), true);
  const ReplayResult b = replay_real(spot(), true);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.actions, b.actions);
  // Locked: a change here changes every replayed run (update only with a reason in the commit).
  EXPECT_EQ(digest_hex(a.digest), "d3550236fc4430bc");
  EXPECT_EQ(a.actions, 448u);
}

TEST(CaptureReplayFlow, FuturesCaptureReplaysWhole) {
  const ReplayResult a = replay_real(futures(), true);
  const ReplayResult b = replay_real(futures(), true);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(digest_hex(a.digest), "ba9c5cceec230bc1");
  EXPECT_EQ(a.actions, 7512u);
}

TEST(CaptureReplayFlow, DepthOnlyReplayEqualsTheBookAccumulatedFromDiffs) {
  replay_real(spot(), false);
  replay_real(futures(), false);
}

TEST(CaptureReplayFlow, SameInputSameDigestDifferentModelDifferentDigest) {
  const std::string text = queue_capture();
  std::uint64_t digests[3];
  for (int i = 0; i < 3; ++i) {
    Harness h(test_symbols(), captures(text),
              CaptureReplayParams{.cancels_from = i == 2 ? QueueModel::kFront : QueueModel::kBack});
    h.run_frames(1);
    h.client_limit("c1", Side::kBuy, "100.00", "1");
    h.run();
    digests[i] = h.flow().action_digest();
  }
  EXPECT_EQ(digests[0], digests[1]);
  EXPECT_NE(digests[0], digests[2]);
}

}  // namespace
