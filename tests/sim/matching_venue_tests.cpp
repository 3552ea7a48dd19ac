// MatchingVenue (the simulator's matching engine as an in-process venue) with a BarWalkFlow over a
// few hand-made bars: the core's orders get New / fills / cancels / status answers as ExecReports
// naming the core's ClOrdID sequence, a resting limit queues behind the house maker at its price,
// latency (order_entry_ns / report_ns) delays application and delivery, identical inputs give
// identical reports, and orders allocate nothing after warm-up.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/sim/bar_walk_flow.hpp"
#include "keel/sim/matching_venue.hpp"

using namespace keel;
using namespace keel::sim;

namespace {

constexpr std::int64_t kT0Ns = 1'700'000'000'000LL * 1'000'000;
constexpr std::int64_t kBarNs = 300'000'000'000LL;

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }

std::vector<VenueSymbol> symbols() {
  VenueSymbol s;
  s.instrument.id = 0;
  s.instrument.symbol = "AAAUSDT";
  s.instrument.tick_size = px("0.01");
  s.instrument.lot_size = qty("0.001");
  s.instrument.min_notional = Notional::parse("5").value();
  s.base = 0;
  s.quote = 1;
  return {s};
}

// Bar k of instrument 0: open time kT0Ns + k·5 min; the core (and the venue) see it at its close.
Event bar(std::int64_t k, const char* o, const char* h, const char* l, const char* c, const char* v) {
  Bar b{};
  b.header.ts_exchange = kT0Ns + k * kBarNs;
  b.header.ts_local = b.header.ts_exchange + kBarNs;
  b.header.instrument = 0;
  b.open = px(o);
  b.high = px(h);
  b.low = px(l);
  b.close = px(c);
  b.volume = qty(v);
  return to_event(b);
}

std::vector<Event> hand_bars() {
  return {bar(0, "100.00", "100.50", "99.80", "100.20", "50"), bar(1, "100.20", "100.30", "99.00", "99.10", "80"),
          bar(2, "99.10", "101.00", "99.10", "100.90", "60"), bar(3, "100.90", "103.00", "100.50", "102.50", "90"),
          bar(4, "102.50", "102.60", "98.00", "98.50", "120"), bar(5, "98.50", "99.50", "98.20", "99.40", "40")};
}

class VectorSource final : public EventSource {
 public:
  explicit VectorSource(std::vector<Event> events) : events_(std::move(events)) {}
  bool next(Event& out) override {
    if (pos_ == events_.size()) return false;
    out = events_[pos_++];
    return true;
  }

 private:
  std::vector<Event> events_;
  std::size_t pos_ = 0;
};

struct Sink final : ReportSink {
  std::vector<ExecReport> all;
  std::vector<ExecReport> fresh;
  Sink() {
    all.reserve(1 << 16);
    fresh.reserve(1 << 12);
  }
  void on_report(const ExecReport& r) noexcept override {
    all.push_back(r);
    fresh.push_back(r);
  }
  std::vector<ExecReport> take() {
    std::vector<ExecReport> out(fresh);
    fresh.clear();
    return out;
  }
};

ExecType type_of(const ExecReport& r) { return static_cast<ExecType>(r.header.subtype); }

struct Session {
  std::vector<VenueSymbol> syms = symbols();
  std::vector<Event> bars = hand_bars();
  VectorSource* source = nullptr;
  std::unique_ptr<VectorSource> source_owner;
  std::unique_ptr<MatchingVenue> venue;
  Sink sink;
  std::uint32_t next_id = 1;
  std::int64_t now = kT0Ns;

  explicit Session(MatchingVenueParams params = {}, bool with_flow = true, std::uint64_t seed = 7) {
    std::unique_ptr<OrderFlow> flow;
    if (with_flow) {
      source_owner = std::make_unique<VectorSource>(bars);
      BarWalkParams p;
      p.levels = 5;
      p.spread_ticks = 1;
      p.steps_per_bar = 12;
      flow = std::make_unique<BarWalkFlow>(*source_owner, std::vector<InstrumentId>{0}, syms,
                                           FlowAccounts{MatchingVenue::kMaker, MatchingVenue::kTaker}, seed, p);
    }
    sim::EngineConfig e;
    e.orders_per_book = 1u << 12;
    e.accounts = 4;
    e.assets = 2;
    venue = std::make_unique<MatchingVenue>(syms, e, params, std::move(flow));
  }
  // The venue sees bar k (at its close time), as the backtest loop shows it before the core.
  std::vector<ExecReport> see_bar(std::size_t k) {
    now = bars[k].header.ts_local;
    venue->on_market_event(bars[k], sink);
    return sink.take();
  }
  std::vector<ExecReport> see_time(std::int64_t t) {
    Trade tr{};
    tr.header.instrument = 0;
    tr.header.ts_exchange = tr.header.ts_local = t;
    tr.price = px("100");
    tr.qty = qty("1");
    now = t;
    venue->on_market_event(to_event(tr), sink);
    return sink.take();
  }
  std::uint32_t send(OrderAction action, Side side, OrderType type, const char* q, Price price,
                     std::uint32_t orig = 0) {
    OrderCommand c;
    c.ts = now;
    c.client_order_id = next_id++;
    c.orig_client_order_id = orig;
    c.instrument = 0;
    c.action = action;
    c.side = side;
    c.type = type;
    c.tif = TimeInForce::kGtc;
    c.qty = qty(q);
    c.price = price;
    venue->submit(c, sink);
    return c.client_order_id;
  }
  const OrderBook& book() const { return venue->engine().book(0); }
};

}  // namespace

TEST(MatchingVenue, CoreOrdersGetReportsWithTheirClOrdIds) {
  Session r;
  EXPECT_TRUE(r.see_bar(0).empty());
  EXPECT_GT(r.venue->flow_actions(), 0u);
  const PriceLevel* bid = r.book().best(Side::kBuy);
  const PriceLevel* ask = r.book().best(Side::kSell);
  ASSERT_NE(bid, nullptr);
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->price.raw() - bid->price.raw(), px("0.01").raw());

  // A resting buy at the best bid: New, and it queues behind the maker's quantity there.
  const Price b = bid->price;
  const Qty maker_qty = bid->total;
  const std::uint32_t id1 = r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "0.5", b);
  auto rep = r.sink.take();
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kNew);
  EXPECT_EQ(rep[0].client_order_id, id1);
  EXPECT_EQ(rep[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kNew));
  const PriceLevel* level = r.book().best(Side::kBuy);
  ASSERT_EQ(level->price, b);
  EXPECT_EQ(level->total, maker_qty + qty("0.5"));
  ASSERT_GE(level->count, 2u);
  EXPECT_EQ(r.book().order(level->head).account, MatchingVenue::kMaker);
  EXPECT_EQ(r.book().order(level->tail).account, MatchingVenue::kClient);
  EXPECT_EQ(r.book().order(level->tail).qty, qty("0.5"));

  // A far buy, cancelled: Canceled answers the cancel's id; a status query then says Canceled.
  const std::uint32_t id2 = r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "0.1", b - px("5"));
  rep = r.sink.take();
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(rep[0].client_order_id, id2);
  const std::uint32_t id3 = r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "0.1", Price{}, id2);
  rep = r.sink.take();
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kCanceled);
  EXPECT_EQ(rep[0].client_order_id, id3);
  const std::uint32_t id4 = r.send(OrderAction::kStatus, Side::kBuy, OrderType::kLimit, "0.1", Price{}, id2);
  rep = r.sink.take();
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kOrderStatus);
  EXPECT_EQ(rep[0].client_order_id, id4);
  EXPECT_EQ(rep[0].header.detail, static_cast<std::uint8_t>(OrderStatus::kCanceled));
  // Cancelling it again: a cancel reject naming the second cancel.
  const std::uint32_t id5 = r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "0.1", Price{}, id2);
  rep = r.sink.take();
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kCancelRejected);
  EXPECT_EQ(rep[0].client_order_id, id5);

  // A market buy takes the maker's ask at once (taker).
  const Price best_ask = r.book().best(Side::kSell)->price;
  const std::uint32_t id6 = r.send(OrderAction::kNew, Side::kBuy, OrderType::kMarket, "0.2", Price{});
  rep = r.sink.take();
  ASSERT_GE(rep.size(), 2u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kNew);
  Qty got;
  for (std::size_t i = 1; i < rep.size(); ++i) {
    EXPECT_EQ(rep[i].client_order_id, id6);
    EXPECT_TRUE(type_of(rep[i]) == ExecType::kFill || type_of(rep[i]) == ExecType::kPartialFill);
    EXPECT_EQ(rep[i].header.flags & kFlagMaker, 0);
    EXPECT_GE(rep[i].last_price, best_ask);
    got += rep[i].last_qty;
    EXPECT_EQ(rep[i].cum_qty, got);
  }
  EXPECT_EQ(got, qty("0.2"));
  EXPECT_EQ(type_of(rep.back()), ExecType::kFill);

  // The next bars walk down through the resting buy: the taker fills it at its price, as a maker.
  Qty filled;
  for (std::size_t k = 1; k < 3 && filled < qty("0.5"); ++k) {
    for (const ExecReport& x : r.see_bar(k)) {
      EXPECT_EQ(x.client_order_id, id1);
      ASSERT_TRUE(type_of(x) == ExecType::kFill || type_of(x) == ExecType::kPartialFill);
      EXPECT_EQ(x.last_price, b);
      EXPECT_NE(x.header.flags & kFlagMaker, 0);
      filled += x.last_qty;
      EXPECT_EQ(x.cum_qty, filled);
      EXPECT_LT(x.header.ts_exchange, r.now);
    }
  }
  EXPECT_EQ(filled, qty("0.5"));
  // Exec ids of the client's reports increase.
  std::uint32_t last_exec = 0;
  for (const ExecReport& x : r.sink.all) {
    if (x.exec_id == 0) continue;
    EXPECT_GT(x.exec_id, last_exec);
    last_exec = x.exec_id;
  }
  EXPECT_EQ(r.venue->dropped(), 0u);
}

TEST(MatchingVenue, LatencyDelaysApplicationAndDelivery) {
  MatchingVenueParams p;
  p.order_entry_ns = 1'000'000;
  p.report_ns = 2'000'000;
  Session r(p, false);
  const std::int64_t t = kT0Ns + 10'000'000;
  EXPECT_TRUE(r.see_time(t).empty());
  const std::uint32_t id = r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "1", px("100"));
  EXPECT_TRUE(r.sink.take().empty());               // nothing at once
  EXPECT_EQ(r.book().order_count(), 0u);
  EXPECT_TRUE(r.see_time(t + 1'000'000).empty());     // due exactly now: applied only after time passes it
  EXPECT_EQ(r.book().order_count(), 0u);
  EXPECT_TRUE(r.see_time(t + 2'000'000).empty());     // applied at t + 1 ms, report due t + 3 ms
  EXPECT_EQ(r.book().order_count(), 1u);
  EXPECT_TRUE(r.see_time(t + 3'000'000 - 1).empty());
  const auto rep = r.see_time(t + 3'000'000);
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(type_of(rep[0]), ExecType::kNew);
  EXPECT_EQ(rep[0].client_order_id, id);
  EXPECT_EQ(rep[0].header.ts_exchange, t + 1'000'000);
  EXPECT_EQ(rep[0].header.ts_local, t + 3'000'000);
  // A cancel sent later at the core's time is applied order_entry later and answered report later.
  r.now = t + 5'000'000;
  const std::uint32_t cancel = r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "1", Price{}, id);
  EXPECT_TRUE(r.see_time(t + 7'000'000).empty());
  EXPECT_EQ(r.book().order_count(), 0u);
  const auto c = r.see_time(t + 8'000'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(type_of(c[0]), ExecType::kCanceled);
  EXPECT_EQ(c[0].client_order_id, cancel);
  EXPECT_EQ(c[0].header.ts_exchange, t + 6'000'000);
  EXPECT_EQ(c[0].header.ts_local, t + 8'000'000);
}

TEST(MatchingVenue, ReportLatencyWithoutEntryLatency) {
  MatchingVenueParams p;
  p.report_ns = 2'000'000;
  Session r(p, false);
  const std::int64_t t = kT0Ns + 10'000'000;
  r.see_time(t);
  const std::uint32_t id = r.send(OrderAction::kNew, Side::kSell, OrderType::kLimit, "1", px("100"));
  EXPECT_EQ(r.book().order_count(), 1u);  // applied at once
  EXPECT_TRUE(r.sink.take().empty());  // answered later
  EXPECT_TRUE(r.see_time(t + 1'999'999).empty());
  const auto rep = r.see_time(t + 2'000'000);
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(rep[0].client_order_id, id);
}

namespace {

// One scripted session: bars, resting orders at the touch, cancels, replaces, market orders.
std::vector<ExecReport> scripted(std::uint64_t seed, MatchingVenueParams params) {
  Session r(params, true, seed);
  r.see_bar(0);
  std::vector<std::uint32_t> resting;
  for (std::size_t k = 1; k < 6; ++k) {
    const PriceLevel* bid = r.book().best(Side::kBuy);
    const PriceLevel* ask = r.book().best(Side::kSell);
    if (bid != nullptr) resting.push_back(r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "0.3", bid->price));
    if (ask != nullptr) resting.push_back(r.send(OrderAction::kNew, Side::kSell, OrderType::kLimit, "0.2", ask->price));
    r.send(OrderAction::kNew, k % 2 ? Side::kBuy : Side::kSell, OrderType::kMarket, "0.05", Price{});
    if (resting.size() > 2) {
      r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "0.3", Price{}, resting[resting.size() - 3]);
      r.send(OrderAction::kReplace, Side::kSell, OrderType::kLimit, "0.4",
             ask != nullptr ? ask->price + px("0.05") : px("100"), resting.back());
    }
    r.see_bar(k);
  }
  r.see_time(kT0Ns + 10 * kBarNs);
  return r.sink.all;
}

}  // namespace

TEST(MatchingVenue, SameInputsSameReports) {
  for (const std::int64_t latency : {std::int64_t{0}, std::int64_t{3'000'000}}) {
    MatchingVenueParams p;
    p.order_entry_ns = latency;
    p.report_ns = latency;
    const auto a = scripted(7, p);
    const auto b = scripted(7, p);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_GT(a.size(), 20u);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(ExecReport)), 0);
    std::size_t fills = 0, replaced = 0, canceled = 0;
    for (const ExecReport& x : a) {
      fills += type_of(x) == ExecType::kFill || type_of(x) == ExecType::kPartialFill;
      replaced += type_of(x) == ExecType::kReplaced;
      canceled += type_of(x) == ExecType::kCanceled;
    }
    EXPECT_GT(fills, 0u);
    EXPECT_GT(replaced + canceled, 0u);
  }
}

TEST(MatchingVenue, NoAllocationPerOrderAfterWarmUp) {
  ASSERT_TRUE(allocation_hooks_installed());
  Session r;
  r.see_bar(0);
  // Warm-up: one of each request.
  const Price bid = r.book().best(Side::kBuy)->price;
  std::uint32_t id = r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "0.1", bid - px("1"));
  r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "0.1", Price{}, id);
  r.send(OrderAction::kNew, Side::kBuy, OrderType::kMarket, "0.01", Price{});
  r.sink.fresh.clear();
  const std::size_t before = r.sink.all.size();
  AllocationScope scope;
  for (int i = 0; i < 300; ++i) {
    const Price p = bid - Price::from_raw(px("0.01").raw() * (1 + i % 50));
    id = r.send(OrderAction::kNew, Side::kBuy, OrderType::kLimit, "0.01", p);
    r.send(OrderAction::kReplace, Side::kBuy, OrderType::kLimit, "0.02", p - px("0.01"), id);
    r.send(OrderAction::kCancel, Side::kBuy, OrderType::kLimit, "0.02", Price{}, id + 1);
    r.send(OrderAction::kStatus, Side::kBuy, OrderType::kLimit, "0.02", Price{}, id);
    r.send(OrderAction::kNew, i % 2 ? Side::kBuy : Side::kSell, OrderType::kMarket, "0.01", Price{});
    r.sink.fresh.clear();
  }
  r.see_bar(1);
  r.sink.fresh.clear();
  const std::uint64_t allocations = scope.allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(r.sink.all.size() - before, 1500u);  // every request was answered
}
