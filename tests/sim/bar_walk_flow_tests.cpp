// BarWalkFlow driving a real MatchingEngine the way the venue does: each action is applied, and the
// house accounts' executions are forwarded to the flow before the next next().
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/sim/bar_walk_flow.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/synthetic_market.hpp"

using namespace keel;
using namespace keel::sim;

namespace {

constexpr AccountId kMaker = 1;
constexpr AccountId kTaker = 2;
constexpr AccountId kClient = 3;
constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kIntervalNs = 5 * kMinuteNs;
constexpr std::int64_t kT0Ms = 1'700'000'000'000;

Price px(const char* t) {
  return Price::parse(t).value();
}
Qty qty(const char* t) {
  return Qty::parse(t).value();
}

VenueSymbol symbol(InstrumentId id, const char* name, const char* tick, const char* lot,
                   const char* min_notional) {
  VenueSymbol s;
  s.instrument.id = id;
  s.instrument.symbol = name;
  s.instrument.tick_size = px(tick);
  s.instrument.lot_size = qty(lot);
  s.instrument.min_notional = Notional::parse(min_notional).value();
  s.base = 2 * id;
  s.quote = 2 * id + 1;
  return s;
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

struct BarSpec {
  std::int64_t index = 0;  // bar slot: open time kT0Ms + index · 5 min
  InstrumentId instrument = 0;
  Price open, high, low, close;
  Qty volume;
};

Event bar_event(const BarSpec& s) {
  Event e;
  Bar b{};
  b.header.ts_exchange = (kT0Ms + s.index * 300'000) * 1'000'000;
  b.header.ts_local = b.header.ts_exchange + kIntervalNs;
  b.header.instrument = s.instrument;
  b.open = s.open;
  b.high = s.high;
  b.low = s.low;
  b.close = s.close;
  b.volume = s.volume;
  e.bar = b;
  return e;
}

BarSpec spec(std::int64_t index, InstrumentId id, const char* o, const char* h, const char* l,
             const char* c, const char* v) {
  return BarSpec{index, id, px(o), px(h), px(l), px(c), qty(v)};
}

struct TradeRec {
  std::int64_t ts;
  InstrumentId instrument;
  Price price;
};

// The venue's side of the contract: applies actions, forwards the house accounts' executions.
struct Harness final : VenueListener {
  std::vector<VenueSymbol> symbols;
  MatchingEngine engine;
  OrderFlow* flow = nullptr;
  std::vector<TradeRec> trades;
  std::vector<Execution> client_execs;
  std::uint64_t house_rejects = 0;
  std::uint64_t cancel_rejects = 0;
  std::uint64_t digest = 0xCBF29CE484222325ull;
  std::uint64_t actions = 0;
  std::int64_t last_ts = 0;
  bool crossed = false;

  explicit Harness(std::vector<VenueSymbol> s)
      : symbols(std::move(s)),
        engine(symbols, EngineConfig{.orders_per_book = 1u << 14, .accounts = 8, .assets = 8},
               *this) {}

  void on_execution(const Execution& e) noexcept override {
    if (e.account == kMaker || e.account == kTaker) {
      if (e.exec_type == VenueExecType::kRejected) ++house_rejects;
      flow->on_execution(e);
    } else {
      client_execs.push_back(e);
    }
  }
  void on_cancel_reject(const CancelReject& r) noexcept override {
    if (r.account == kMaker || r.account == kTaker) ++cancel_rejects;
  }
  void on_public_trade(const PublicTrade& t) noexcept override {
    trades.push_back({t.ts, t.instrument, t.price});
  }

  void mix(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      digest ^= (v >> (8 * i)) & 0xFF;
      digest *= 0x100000001B3ull;
    }
  }
  void mix(const ClOrdId& id) {
    for (const char c : id.view()) mix(static_cast<unsigned char>(c));
  }

  // Runs the flow to its end; `before` sees each action before it is applied.
  void run(OrderFlow& f, const std::function<void(const FlowAction&)>& before = {}) {
    flow = &f;
    FlowAction a;
    while (f.next(engine, a)) {
      ++actions;
      EXPECT_GE(a.ts, last_ts);
      last_ts = a.ts;
      if (before) before(a);
      mix(static_cast<std::uint64_t>(a.kind));
      mix(static_cast<std::uint64_t>(a.ts));
      switch (a.kind) {
        case FlowAction::Kind::kPlace:
          mix(a.place.account), mix(a.place.instrument), mix(a.place.cl_ord_id);
          mix(static_cast<std::uint64_t>(a.place.side)),
              mix(static_cast<std::uint64_t>(a.place.price.raw()));
          mix(static_cast<std::uint64_t>(a.place.qty.raw()));
          break;
        case FlowAction::Kind::kCancel:
          mix(a.cancel.instrument), mix(a.cancel.cl_ord_id), mix(a.cancel.orig_cl_ord_id);
          break;
        case FlowAction::Kind::kReplace:
          mix(a.replace.instrument), mix(a.replace.cl_ord_id), mix(a.replace.orig_cl_ord_id);
          mix(static_cast<std::uint64_t>(a.replace.price.raw())),
              mix(static_cast<std::uint64_t>(a.replace.qty.raw()));
          break;
        default:
          ADD_FAILURE() << "action of kind none";
      }
      apply(engine, a);
      for (InstrumentId i = 0; i < engine.instrument_count(); ++i) {
        const auto* bid = engine.book(i).best(Side::kBuy);
        const auto* ask = engine.book(i).best(Side::kSell);
        if (bid != nullptr && ask != nullptr && bid->price >= ask->price) crossed = true;
      }
    }
  }
};

std::vector<VenueSymbol> two_symbols() {
  return {symbol(0, "AAAUSDT", "0.01", "0.001", "5"), symbol(1, "BBBUSDT", "0.1", "0.01", "10")};
}

std::vector<BarSpec> hand_bars() {
  return {
      spec(0, 0, "100.00", "100.50", "99.80", "100.20", "50"),
      spec(0, 1, "20.0", "20.5", "19.5", "20.1", "400"),
      spec(1, 0, "100.20", "100.30", "99.00", "99.10", "80"),
      spec(1, 1, "20.1", "21.0", "20.1", "21.0", "300"),
      spec(2, 0, "99.10", "99.10", "99.10", "99.10", "10"),
      spec(2, 1, "21.0", "21.0", "18.0", "18.5", "900"),
      spec(3, 0, "103.00", "104.00", "102.50", "103.90", "120"),
      spec(3, 1, "18.5", "19.2", "18.4", "19.0", "200"),
      // slot 4 missing for instrument 1 (a gap); slot 5 both again.
      spec(4, 0, "103.90", "104.10", "101.00", "101.05", "60"),
      spec(5, 0, "101.05", "101.50", "100.90", "101.40", "70"),
      spec(5, 1, "19.0", "19.4", "18.9", "19.3", "250"),
  };
}

std::vector<Event> events_of(const std::vector<BarSpec>& bars) {
  std::vector<Event> ev;
  for (const auto& b : bars) ev.push_back(bar_event(b));
  return ev;
}

struct RunResult {
  std::uint64_t digest = 0;
  std::uint64_t actions = 0;
};

// Runs `bars` (on-tick prices) through a flow with `p` and checks the invariants of a bar walk.
RunResult run_and_check(const std::vector<BarSpec>& bars, const BarWalkParams& p,
                        std::uint64_t seed, bool check_book = true, bool check_close = true) {
  Harness h(two_symbols());
  VectorSource src(events_of(bars));
  BarWalkFlow flow(src, {0, 1}, h.symbols, FlowAccounts{kMaker, kTaker}, seed, p);
  std::int64_t current_slot = -1;
  auto check_book_now = [&](std::int64_t slot) {
    if (!check_book) return;
    for (const auto& b : bars) {
      if (b.index != slot) continue;
      const OrderBook& book = h.engine.book(b.instrument);
      EXPECT_EQ(book.levels(Side::kBuy).size(), static_cast<std::size_t>(p.levels))
          << "slot " << slot;
      EXPECT_EQ(book.levels(Side::kSell).size(), static_cast<std::size_t>(p.levels))
          << "slot " << slot;
      ASSERT_NE(book.best(Side::kBuy), nullptr);
      ASSERT_NE(book.best(Side::kSell), nullptr);
      const auto tick = h.symbols[b.instrument].instrument.tick_size.raw();
      EXPECT_EQ(book.best(Side::kSell)->price.raw() - book.best(Side::kBuy)->price.raw(),
                tick * p.spread_ticks)
          << "slot " << slot << " instrument " << b.instrument;
    }
  };
  h.run(flow, [&](const FlowAction& a) {
    const std::int64_t slot = (a.ts / 1'000'000 - kT0Ms) / 300'000;
    if (slot != current_slot) {
      if (current_slot >= 0) check_book_now(current_slot);
      current_slot = slot;
    }
  });
  check_book_now(current_slot);
  EXPECT_EQ(h.house_rejects, 0u);
  EXPECT_EQ(h.cancel_rejects, 0u);
  EXPECT_EQ(flow.house_rejects(), 0u);
  EXPECT_FALSE(h.crossed);
  EXPECT_EQ(flow.bars_walked(), bars.size());
  for (const auto& b : bars) {
    const std::int64_t start = (kT0Ms + b.index * 300'000) * 1'000'000;
    const TradeRec* last = nullptr;
    std::size_t n = 0;
    const Price lo = std::min(b.low, b.high);
    const Price hi = std::max(b.low, b.high);
    for (const auto& t : h.trades) {
      if (t.instrument != b.instrument || t.ts < start || t.ts >= start + kIntervalNs) continue;
      ++n;
      EXPECT_GE(t.price, lo) << "slot " << b.index;
      EXPECT_LE(t.price, hi) << "slot " << b.index;
      last = &t;
    }
    if (!check_close || !b.volume.is_positive()) continue;
    EXPECT_GT(n, 0u) << "slot " << b.index;
    if (last != nullptr) {
      const Price close = std::clamp(b.close, lo, hi);
      const auto tick = h.symbols[b.instrument].instrument.tick_size.raw();
      EXPECT_LE(std::abs(last->price.raw() - close.raw()), tick) << "slot " << b.index;
    }
  }
  return {h.digest, h.actions};
}

TEST(BarWalkFlow, HandMadeBarsKeepTheBookAndHitTheBarPrices) {
  BarWalkParams p;
  p.levels = 5;
  p.spread_ticks = 1;
  p.steps_per_bar = 12;
  run_and_check(hand_bars(), p, 7);
}

TEST(BarWalkFlow, WiderSpreadAndDeeperLadder) {
  BarWalkParams p;
  p.levels = 10;
  p.spread_ticks = 3;
  p.level_notional = 800;
  p.volume_fraction = 0.2;
  run_and_check(hand_bars(), p, 7);
}

TEST(BarWalkFlow, DeterministicPerSeed) {
  BarWalkParams p;
  p.levels = 4;
  const RunResult a = run_and_check(hand_bars(), p, 11);
  const RunResult b = run_and_check(hand_bars(), p, 11);
  const RunResult c = run_and_check(hand_bars(), p, 12);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_NE(a.digest, c.digest);
  // Locked: a change here means the model, the draw order or the engine's answers changed.
  EXPECT_EQ(a.digest, 17478576007839274557ull);
}

TEST(BarWalkFlow, RejectsBadParams) {
  VectorSource src({});
  const auto syms = two_symbols();
  BarWalkParams p;
  p.steps_per_bar = 3;
  EXPECT_THROW(BarWalkFlow(src, {0, 1}, syms, FlowAccounts{kMaker, kTaker}, 1, p),
               std::invalid_argument);
  EXPECT_THROW(BarWalkFlow(src, {0, 5}, syms, FlowAccounts{kMaker, kTaker}, 1, {}),
               std::invalid_argument);
  EXPECT_THROW(BarWalkFlow(src, {0, 1}, syms, FlowAccounts{kMaker, kMaker}, 1, {}),
               std::invalid_argument);
  BarWalkFlow empty(src, {0, 1}, syms, FlowAccounts{kMaker, kTaker}, 1, {});
  Harness h(syms);
  FlowAction a;
  EXPECT_FALSE(empty.next(h.engine, a));
}

TEST(BarWalkFlow, SkipsUnmappedInstruments) {
  Harness h(two_symbols());
  VectorSource src(events_of(hand_bars()));
  BarWalkFlow flow(src, {kNoInstrument, 1}, h.symbols, FlowAccounts{kMaker, kTaker}, 3, {});
  h.run(flow);
  EXPECT_EQ(h.engine.book(0).order_count(), 0u);
  EXPECT_GT(h.engine.book(1).order_count(), 0u);
  EXPECT_EQ(flow.bars_walked(), 5u);
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
}

// Clients' orders in the path: a bid the walk goes down through, an ask it goes up through.
TEST(BarWalkFlow, TakerFillsClientOrdersInThePath) {
  Harness h(two_symbols());
  const std::vector<BarSpec> bars = {
      spec(0, 0, "100.00", "100.10", "99.90", "100.00", "40"),
      spec(1, 0, "100.00", "100.00", "95.00", "95.50", "40"),
      spec(2, 0, "95.50", "103.00", "95.50", "103.00", "40"),
  };
  VectorSource src(events_of(bars));
  BarWalkParams p;
  p.levels = 10;
  BarWalkFlow flow(src, {0, kNoInstrument}, h.symbols, FlowAccounts{kMaker, kTaker}, 5, p);
  OrderRequest bid;
  bid.ts = kT0Ms * 1'000'000;
  bid.account = kClient;
  bid.instrument = 0;
  bid.cl_ord_id = ClOrdId("client-bid");
  bid.side = Side::kBuy;
  bid.type = OrderType::kLimit;
  bid.tif = TimeInForce::kGtc;
  bid.price = px("97.00");
  bid.qty = qty("3");
  h.engine.submit(bid);
  OrderRequest ask = bid;
  ask.cl_ord_id = ClOrdId("client-ask");
  ask.side = Side::kSell;
  ask.price = px("101.50");
  ask.qty = qty("2");
  h.engine.submit(ask);
  h.run(flow);
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
  EXPECT_FALSE(h.crossed);
  Qty bid_filled, ask_filled;
  for (const auto& e : h.client_execs) {
    if (e.exec_type != VenueExecType::kTrade) continue;
    if (e.cl_ord_id == ClOrdId("client-bid")) {
      bid_filled += e.last_qty;
      EXPECT_EQ(e.last_px, px("97.00"));
    } else {
      ask_filled += e.last_qty;
      EXPECT_EQ(e.last_px, px("101.50"));
    }
  }
  EXPECT_EQ(bid_filled, qty("3"));
  EXPECT_EQ(ask_filled, qty("2"));
  // The walk still ends at the last close with a full ladder.
  EXPECT_EQ(h.trades.back().price, px("103.00"));
  EXPECT_EQ(h.engine.book(0).levels(Side::kBuy).size(), 10u);
  EXPECT_EQ(h.engine.book(0).levels(Side::kSell).size(), 10u);
}

// A client taking the maker's quotes between steps: the maker learns it through on_execution and
// refills; nothing is rejected.
TEST(BarWalkFlow, ClientTakingMakerQuotes) {
  Harness h(two_symbols());
  VectorSource src(events_of(hand_bars()));
  BarWalkParams p;
  p.levels = 3;
  BarWalkFlow flow(src, {0, 1}, h.symbols, FlowAccounts{kMaker, kTaker}, 9, p);
  int n = 0;
  h.run(flow, [&](const FlowAction&) {
    if (++n % 7 != 0) return;
    const auto* ask = h.engine.book(0).best(Side::kSell);
    if (ask == nullptr) return;
    OrderRequest r;
    r.ts = h.last_ts;
    r.account = kClient;
    r.instrument = 0;
    r.cl_ord_id = ClOrdId("c" + std::to_string(n));
    r.side = n % 2 == 0 ? Side::kBuy : Side::kSell;
    r.type = OrderType::kMarket;
    r.tif = TimeInForce::kIoc;
    r.qty = qty("0.7");
    h.engine.submit(r);
  });
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
  EXPECT_FALSE(h.crossed);
  EXPECT_FALSE(h.client_execs.empty());
}

TEST(BarWalkFlow, RandomDegenerateBarsNeverReject) {
  RngStream rng("test", 2024);
  std::vector<BarSpec> bars;
  const std::int64_t ticks[2] = {1'000'000, 10'000'000};  // 0.01, 0.1
  std::int64_t level[2] = {100 * 100, 20 * 10};           // in ticks
  for (std::int64_t slot = 0; slot < 120; ++slot) {
    for (InstrumentId id = 0; id < 2; ++id) {
      if (rng.uniform() < 0.1) continue;  // missing bar
      const double kind = rng.uniform();
      std::int64_t o, h, l, c;
      if (kind < 0.1) {  // one tick price
        o = h = l = c = 1;
      } else if (kind < 0.2) {  // flat
        o = h = l = c = level[id];
      } else {
        const std::int64_t span = 1 + static_cast<std::int64_t>(rng.uniform() * 60);
        l = std::max<std::int64_t>(
            1, level[id] - static_cast<std::int64_t>(rng.uniform() * static_cast<double>(span)));
        h = l + span;
        const double width = static_cast<double>(span + 1);
        o = l + static_cast<std::int64_t>(rng.uniform() * width);
        c = l + static_cast<std::int64_t>(rng.uniform() * width);
        if (kind > 0.9) o = h + 5;  // open outside the range
        if (kind > 0.95) o = l > 3 ? l - 3 : l;
        if (rng.uniform() < 0.05) level[id] = std::max<std::int64_t>(2, level[id] / 2);  // jump
        level[id] = std::max<std::int64_t>(2, (l + h) / 2);
      }
      BarSpec b;
      b.index = slot;
      b.instrument = id;
      b.open = Price::from_raw(o * ticks[id]);
      b.high = Price::from_raw(h * ticks[id]);
      b.low = Price::from_raw(l * ticks[id]);
      b.close = Price::from_raw(c * ticks[id]);
      const double v = rng.uniform();
      b.volume =
          v < 0.15 ? Qty{} : Qty::from_raw(static_cast<std::int64_t>(v * 500) * kScale / 1000);
      bars.push_back(b);
    }
  }
  BarWalkParams p;
  p.levels = 6;
  p.spread_ticks = 2;
  p.steps_per_bar = 5;
  // The book check does not hold at a 1-tick price (no room for bids) and the clamped open makes
  // trades inside [low, high] the only close check that applies to every bar.
  run_and_check(bars, p, 99, /*check_book=*/false, /*check_close=*/true);
}

// Extreme magnitudes: a price of 5·10^7 with a huge volume (the slice is capped at a quote notional
// of 10^9, so no product overflows) and a price of one 10^-8 tick.
TEST(BarWalkFlow, ExtremePricesAndVolumes) {
  Harness h(
      {symbol(0, "BIGUSDT", "0.01", "0.001", "5"), symbol(1, "DUSTUSDT", "0.00000001", "1", "5")});
  const std::vector<BarSpec> bars = {
      spec(0, 0, "50000000", "50000100", "49999900", "50000050", "100000000"),
      spec(0, 1, "0.00000001", "0.00000003", "0.00000001", "0.00000002", "90000000000"),
      spec(1, 0, "50000050", "50000050", "50000050", "50000050", "0.001"),
      spec(1, 1, "0.00000002", "0.00000002", "0.00000001", "0.00000001", "0"),
  };
  VectorSource src(events_of(bars));
  BarWalkParams p;
  p.levels = 3;
  BarWalkFlow flow(src, {0, 1}, h.symbols, FlowAccounts{kMaker, kTaker}, 4, p);
  h.run(flow);
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
  EXPECT_FALSE(h.crossed);
  EXPECT_EQ(flow.bars_walked(), 4u);
  for (const auto& t : h.trades) {
    const Price lo = t.instrument == 0 ? px("49999900") : px("0.00000001");
    const Price hi = t.instrument == 0 ? px("50000100") : px("0.00000003");
    EXPECT_GE(t.price, lo);
    EXPECT_LE(t.price, hi);
  }
  EXPECT_FALSE(h.trades.empty());
}

// The synthetic market as the bar source: every bar walked, trades inside each bar, closes hit.
TEST(BarWalkFlow, SyntheticMarketBars) {
  struct Tap final : EventSource {
    EventSource& inner;
    std::vector<Bar> bars;
    explicit Tap(EventSource& s) : inner(s) {}
    bool next(Event& out) override {
      if (!inner.next(out)) return false;
      if (out.header.kind == EventKind::kBar) bars.push_back(out.bar);
      return true;
    }
  };
  SyntheticConfig cfg;
  cfg.assets = 3;
  cfg.days = 1;
  InstrumentRegistry reg;
  SyntheticMarket market(cfg, 5, reg);
  Tap tap(market);
  std::vector<VenueSymbol> syms;
  for (InstrumentId i = 0; i < reg.size(); ++i) {
    VenueSymbol v;
    v.instrument = reg.get(i);
    v.instrument.min_notional = Notional::from_units(5);
    v.base = 2 * i;
    v.quote = 2 * i + 1;
    syms.push_back(v);
  }
  Harness h(syms);
  BarWalkParams p;
  p.levels = 8;
  p.spread_ticks = 2;
  BarWalkFlow flow(tap, {0, 1, 2}, h.symbols, FlowAccounts{kMaker, kTaker}, 5, p);
  h.run(flow);
  ASSERT_EQ(tap.bars.size(), 3u * 288u);
  EXPECT_EQ(flow.bars_walked(), tap.bars.size());
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
  EXPECT_FALSE(h.crossed);
  std::map<std::pair<InstrumentId, std::int64_t>, const Bar*> by_key;
  for (const Bar& b : tap.bars) by_key[{b.header.instrument, b.header.ts_exchange}] = &b;
  std::map<std::pair<InstrumentId, std::int64_t>, Price> last;
  for (const auto& t : h.trades) {
    const std::pair<InstrumentId, std::int64_t> key{t.instrument, t.ts - t.ts % kIntervalNs};
    const auto it = by_key.find(key);
    ASSERT_NE(it, by_key.end());
    EXPECT_GE(t.price, it->second->low);
    EXPECT_LE(t.price, it->second->high);
    last[key] = t.price;
  }
  EXPECT_EQ(last.size(), by_key.size());
  for (const auto& [key, price] : last) {
    const Bar& b = *by_key[key];
    EXPECT_LE(std::abs(price.raw() - b.close.raw()),
              h.symbols[key.first].instrument.tick_size.raw());
  }
}

// After the first action (warm-up), producing and applying actions allocates nothing.
TEST(BarWalkFlow, NoAllocationPerAction) {
  ASSERT_TRUE(allocation_hooks_installed());
  struct Forward final : VenueListener {
    OrderFlow* flow = nullptr;
    std::uint64_t rejects = 0;
    void on_execution(const Execution& e) noexcept override {
      if (e.exec_type == VenueExecType::kRejected) ++rejects;
      if (e.account == kMaker || e.account == kTaker) flow->on_execution(e);
    }
    void on_cancel_reject(const CancelReject&) noexcept override { ++rejects; }
  } listener;
  const auto syms = two_symbols();
  MatchingEngine engine(syms, EngineConfig{.orders_per_book = 1u << 12, .accounts = 4, .assets = 4},
                        listener);
  VectorSource src(events_of(hand_bars()));
  BarWalkFlow flow(src, {0, 1}, syms, FlowAccounts{kMaker, kTaker}, 1, {});
  listener.flow = &flow;
  FlowAction a;
  std::uint64_t n = 0;
  AllocationScope scope;
  while (flow.next(engine, a)) {
    if (n++ == 0) scope.restart();
    apply(engine, a);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(n, 1000u);
  EXPECT_EQ(listener.rejects, 0u);
}

// The first 200 bars of two real symbols, merged as the venue's bar flow reads them.
TEST(BarWalkFlow, RealBinanceBars) {
  const std::string dir = std::string(KEEL_SHARED_DATA_DIR) + "/binance-5m";
  BarLoadResult loaded = load_bar_directory(dir, {"BTCUSDT", "ETHUSDT"}, false, 300'000);
  ASSERT_EQ(loaded.series.size(), 2u);
  for (auto& s : loaded.series) s.rows.resize(std::min<std::size_t>(s.rows.size(), 200));
  BarMerger merger(loaded.series, {0, 1}, 300'000);
  Harness h(
      {symbol(0, "BTCUSDT", "0.01", "0.00001", "5"), symbol(1, "ETHUSDT", "0.01", "0.0001", "5")});
  BarWalkParams p;
  BarWalkFlow flow(merger, {0, 1}, h.symbols, FlowAccounts{kMaker, kTaker}, kDefaultRunSeed, p);
  std::int64_t bar_time = -1;
  std::uint64_t bad_books = 0;
  h.run(flow, [&](const FlowAction& a) {
    const std::int64_t t = a.ts - a.ts % kIntervalNs;
    if (t != bar_time && bar_time >= 0) {
      for (InstrumentId i = 0; i < 2; ++i) {
        const OrderBook& book = h.engine.book(i);
        const bool ok = book.levels(Side::kBuy).size() == 10 &&
                        book.levels(Side::kSell).size() == 10 &&
                        book.best(Side::kSell)->price - book.best(Side::kBuy)->price == px("0.01");
        if (!ok) ++bad_books;
      }
    }
    bar_time = t;
  });
  EXPECT_EQ(bad_books, 0u);
  EXPECT_EQ(h.house_rejects + h.cancel_rejects, 0u);
  EXPECT_FALSE(h.crossed);
  EXPECT_EQ(flow.bars_walked(), 400u);
  // Trades within each bar's [low, high]; the last trade of each bar within one tick of its close.
  for (std::size_t s = 0; s < 2; ++s) {
    std::map<std::int64_t, const BarRow*> rows;
    for (const auto& r : loaded.series[s].rows) rows[r.open_time_ms * 1'000'000] = &r;
    std::map<std::int64_t, Price> last;
    for (const auto& t : h.trades) {
      if (t.instrument != s) continue;
      const std::int64_t open = t.ts - t.ts % kIntervalNs;
      const auto it = rows.find(open);
      ASSERT_NE(it, rows.end());
      EXPECT_GE(t.price, it->second->low);
      EXPECT_LE(t.price, it->second->high);
      last[open] = t.price;
    }
    EXPECT_EQ(last.size(), rows.size());
    for (const auto& [open, price] : last) {
      EXPECT_LE(std::abs(price.raw() - rows[open]->close.raw()), px("0.01").raw());
    }
  }
}

}  // namespace
