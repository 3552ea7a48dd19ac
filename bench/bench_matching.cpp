// MatchingEngine on one book: throughput and open-loop latency, scenario × implementation.
//
// Scenarios (each built once, before anything is timed, and checked before it is timed):
//  * shallow: the exchange-core mix described below (8 accounts, a book of a few thousand orders);
//  * shallow_2acct: the same mix with one account per side (buyers are account 0, sellers account 1,
//    so self-trade prevention never fires) and size changes that only grow (so every replace loses
//    time priority, and a price move that the touch would clamp to the old price moves away
//    instead). This is the shape whose fills any plain price-time matcher must reproduce;
//  * deep: Liquibook's own perf workload (test/perf/pt_order_book.cpp) with a seeded generator:
//    1 M GTC limit adds, alternating buy (account 0, 1880–1889 ticks) and sell (account 1, 1884–1893
//    ticks), 1–10 × 100 lots; about half of them trade and the rest build a book of ~500 k orders on
//    ~14 levels, so the engine's id tables outgrow the caches.
// BM_MatchingThroughput runs each scenario twice: hints:0 applies the operations one by one;
// hints:1 also calls MatchingEngine::prefetch for the operation kLookAhead (8) ahead, as a gateway
// draining its inbound queue can (same reports, checked by the same digest).
// With -DKEEL_LIQUIBOOK_DIR=<liquibook>/src (opt-in; Liquibook is never part of this repository) the
// program also has BM_VersusLiquibook/<scenario>: keel and Liquibook on the same commands,
// interleaved in one run, with identical fills required first (see matching_liquibook.hpp).
//
// The shallow workload (built once, before anything is timed, from RngStream("bench-matching", 42)):
//  * a prefill of kPrefill GTC limit orders around the mid price (run untimed), then
//  * kOps operations in the mix of exchange-core's published benchmark: ~9 % GTC limit places
//    (about 1 in 10 of them marketable), ~3 % IOC limits that cross the touch, ~6 % client cancels
//    and ~82 % cancel/replace moves of a resting order (half price moves of 1–3 ticks that stay on
//    their side of the book, half size changes that keep time priority when they shrink); IOC sizes
//    shrink when the book is thin and grow when it is deep, which keeps its depth in a band;
//  * 8 accounts, so self-trade prevention happens; tick 0.01, lot 0.001, mid near 100.00.
// The generator runs every command through a MatchingEngine as it builds the list and tracks the open
// orders from the executions, so every cancel and replace targets an order that is open at that
// point: the expected number of cancel rejects and order rejects is 0.
//
//  * BM_MatchingThroughput: one iteration = a fresh engine (built and prefilled untimed), then the
//    kOps operations back to back. Manual time covers only the operations; reported as
//    items_per_second (operations/s of wall time) and ops_per_cpu_s (per second of this thread's CPU
//    time, which leaves out time the scheduler gave to other processes). The listener is a minimal sink that counts events and folds
//    them into a 64-bit digest (its cost is part of the measurement, as any consumer's would be).
//  * BM_MatchingLatencyOpenLoop: the same operations offered at a fixed rate (range(0) ops/s; 1 M/s =
//    one every 1 µs). Operation i has the scheduled send time start + i·period; the loop waits for it
//    (or runs at once when behind) and records, in TSC ticks converted to ns,
//      resp_ns_*: completion time − scheduled time (queueing delay behind earlier operations counts),
//      svc_ns_*:  completion time − the time the operation actually started (service time alone).
//
// Correctness first: each benchmark runs the list once untimed on a fresh engine and requires the
// digest and event counts recorded by the generator, no order or cancel rejects, a book that is not
// crossed, and a book whose order count equals both the sum over its levels and the open-order count
// implied by the executions (New − fully filled − Canceled); every level's total must equal the sum of
// its orders' leaves. Each timed run must then reproduce the same digest, else SkipWithError.
#include <time.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/primitives/rng.hpp"
#include "keel/sim/matching_engine.hpp"
#include "fill_digest.hpp"
#include "latency_histogram.hpp"
#ifdef KEEL_WITH_LIQUIBOOK
#include "matching_liquibook.hpp"
#endif

namespace {

using keel::OrderType;
using keel::Price;
using keel::Qty;
using keel::Side;
using keel::TimeInForce;
using keel::sim::AccountId;
using keel::sim::CancelReject;
using keel::sim::CancelRequest;
using keel::sim::ClOrdId;
using keel::sim::EngineConfig;
using keel::sim::Execution;
using keel::sim::MatchingEngine;
using keel::sim::OrderBook;
using keel::sim::OrderId;
using keel::sim::OrderRequest;
using keel::sim::ReplaceRequest;
using keel::sim::VenueExecType;
using keel::sim::VenueListener;
using keel::sim::VenueSymbol;

constexpr std::size_t kPrefill = 2'000;     // resting orders placed before the measured operations
constexpr std::size_t kOps = 1'000'000;     // measured operations per run
constexpr AccountId kAccounts = 8;
constexpr std::int64_t kTick = 1'000'000;   // 0.01 in raw 10^-8 units
constexpr std::int64_t kLot = 100'000;      // 0.001
constexpr std::int64_t kMidTicks = 10'000;  // 100.00

// ---------------------------------------------------------------------------------------------------
// Listener

// The engine's output reduced to counts and a digest (FNV-1a style over the fields that matter).
class DigestListener : public VenueListener {
 public:
  void on_execution(const Execution& e) noexcept override {
    ++executions;
    switch (e.exec_type) {
      case VenueExecType::kNew: ++news; break;
      case VenueExecType::kTrade: ++trades; filled_out += e.leaves_qty.raw() == 0 ? 1u : 0u; break;
      case VenueExecType::kCanceled: ++canceled; break;
      case VenueExecType::kReplaced: ++replaced; break;
      case VenueExecType::kRejected: ++rejected; break;
      case VenueExecType::kNone: break;
    }
    mix(e.exec_id);
    mix(e.order_id);
    mix(static_cast<std::uint64_t>(e.exec_type) | static_cast<std::uint64_t>(e.cancel_cause) << 8);
    mix(static_cast<std::uint64_t>(e.last_px.raw()));
    mix(static_cast<std::uint64_t>(e.last_qty.raw()));
    mix(static_cast<std::uint64_t>(e.leaves_qty.raw()));
  }
  void on_cancel_reject(const CancelReject& r) noexcept override {
    ++cancel_rejects;
    mix(r.order_id);
    mix(static_cast<std::uint64_t>(r.reason));
  }
  void on_public_trade(const keel::sim::PublicTrade& t) noexcept override {
    ++public_trades;
    mix(static_cast<std::uint64_t>(t.price.raw()));
    mix(static_cast<std::uint64_t>(t.qty.raw()));
    fills.add(t.maker_order_id, t.taker_order_id, t.price.raw() / kTick, t.qty.raw() / kLot);
  }
  void on_book_level(const keel::sim::BookLevelChange& c) noexcept override {
    ++level_changes;
    mix(static_cast<std::uint64_t>(c.qty.raw()));
  }

  // Orders open according to the executions: every New rests unless a fill or a cancel ends it.
  [[nodiscard]] std::uint64_t implied_open() const noexcept { return news - filled_out - canceled; }

  std::uint64_t digest = 0xcbf29ce484222325ull;
  std::uint64_t executions = 0, news = 0, trades = 0, filled_out = 0, canceled = 0, replaced = 0;
  std::uint64_t rejected = 0, cancel_rejects = 0, public_trades = 0, level_changes = 0;
  keel::bench::FillDigest fills;  // comparable with other matchers (matching_liquibook.hpp)

 private:
  void mix(std::uint64_t v) noexcept { digest = (digest ^ v) * 0x100000001b3ull; }
};

bool same_outcome(const DigestListener& a, const DigestListener& b) {
  return a.digest == b.digest && a.fills == b.fills && a.executions == b.executions && a.trades == b.trades &&
         a.canceled == b.canceled && a.replaced == b.replaced && a.cancel_rejects == b.cancel_rejects;
}

// ---------------------------------------------------------------------------------------------------
// Workload

enum class OpKind : std::uint8_t { kSubmit, kCancel, kReplace };
struct Op {
  OpKind kind;
  std::uint32_t index;  // into the workload's vector of that kind
};

enum class Scenario : std::uint8_t { kShallow = 0, kShallowTwoAccounts = 1, kDeep = 2 };
constexpr const char* kScenarioNames[] = {"shallow", "shallow_2acct", "deep"};

struct Workload {
  Scenario scenario = Scenario::kShallow;
  EngineConfig config;
  std::vector<VenueSymbol> symbols;
  std::vector<Op> ops;  // prefill first, then the measured operations
  std::vector<OrderRequest> submits;
  std::vector<CancelRequest> cancels;
  std::vector<ReplaceRequest> replaces;
  // The venue order id (= 1 + index in `submits`; there are no rejects) each cancel/replace targets.
  std::vector<OrderId> cancel_targets;
  std::vector<OrderId> replace_targets;
  std::size_t prefill = 0;
  [[nodiscard]] std::size_t measured() const noexcept { return ops.size() - prefill; }
  std::uint64_t ioc = 0, gtc = 0, moves_price = 0, moves_size = 0, cancel_count = 0;
  // What the generator's own run produced (the reference for every later run).
  DigestListener reference;
  std::size_t min_orders = SIZE_MAX, max_orders = 0, min_levels = SIZE_MAX, max_levels = 0;
};

std::vector<VenueSymbol> make_symbols() {
  std::vector<VenueSymbol> s(1);
  s[0].instrument.id = 0;
  s[0].instrument.symbol = "BENCHUSDT";
  s[0].instrument.tick_size = Price::from_raw(kTick);
  s[0].instrument.lot_size = Qty::from_raw(kLot);
  s[0].base = 0;
  s[0].quote = 1;
  return s;
}

EngineConfig make_config(Scenario scenario) {
  EngineConfig c;
  c.orders_per_book = scenario == Scenario::kDeep ? 1u << 20 : 1u << 16;
  c.accounts = kAccounts;
  c.assets = 2;
  return c;
}

ClOrdId id_of(AccountId account, std::uint64_t n) {
  char buf[32];
  const int len = std::snprintf(buf, sizeof buf, "A%u-%llu", account, static_cast<unsigned long long>(n));
  return ClOrdId(std::string_view(buf, static_cast<std::size_t>(len)));
}

// Tracks the open orders from the executions while the generator runs its commands, so that it only
// cancels or replaces orders that are open. Forwards everything to a DigestListener.
class TrackingListener : public VenueListener {
 public:
  struct Open {
    AccountId account = 0;
    ClOrdId cl_ord_id;
    Side side = Side::kNone;
    Price price;
    Qty qty;
    Qty cum_qty;
  };

  explicit TrackingListener(DigestListener& out) : out_(out) {}

  void on_execution(const Execution& e) noexcept override {
    out_.on_execution(e);
    switch (e.exec_type) {
      case VenueExecType::kNew:
        if (e.leaves_qty.raw() > 0) insert(e);
        break;
      case VenueExecType::kTrade:
        if (e.leaves_qty.raw() == 0) {
          erase(e.order_id);
        } else if (auto it = open_.find(e.order_id); it != open_.end()) {
          it->second.cum_qty = e.cum_qty;
        }
        break;
      case VenueExecType::kCanceled: erase(e.order_id); break;
      case VenueExecType::kReplaced:
        if (auto it = open_.find(e.order_id); it != open_.end()) {
          it->second.cl_ord_id = e.cl_ord_id;
          it->second.price = e.price;
          it->second.qty = e.order_qty;
          it->second.cum_qty = e.cum_qty;
        }
        break;
      case VenueExecType::kRejected:
      case VenueExecType::kNone: break;
    }
  }
  void on_cancel_reject(const CancelReject& r) noexcept override { out_.on_cancel_reject(r); }
  void on_public_trade(const keel::sim::PublicTrade& t) noexcept override { out_.on_public_trade(t); }
  void on_book_level(const keel::sim::BookLevelChange& c) noexcept override { out_.on_book_level(c); }

  [[nodiscard]] std::size_t size() const noexcept { return ids_.size(); }
  [[nodiscard]] OrderId id_at(std::size_t i) const noexcept { return ids_[i]; }
  [[nodiscard]] const Open& get(OrderId id) const { return open_.at(id); }

 private:
  // An IOC's New arrives with leaves > 0 and is followed by its fills and Canceled, which erase it.
  void insert(const Execution& e) {
    Open o;
    o.account = e.account;
    o.cl_ord_id = e.cl_ord_id;
    o.side = e.side;
    o.price = e.price;
    o.qty = e.order_qty;
    o.cum_qty = e.cum_qty;
    open_.emplace(e.order_id, o);
    pos_[e.order_id] = ids_.size();
    ids_.push_back(e.order_id);
  }
  void erase(OrderId id) {
    const auto p = pos_.find(id);
    if (p == pos_.end()) return;
    const std::size_t i = p->second;
    ids_[i] = ids_.back();
    pos_[ids_[i]] = i;
    ids_.pop_back();
    pos_.erase(id);
    open_.erase(id);
  }

  DigestListener& out_;
  std::unordered_map<OrderId, Open> open_;
  std::unordered_map<OrderId, std::size_t> pos_;
  std::vector<OrderId> ids_;  // open order ids, for uniform random choice
};

std::size_t level_count(const OrderBook& b) {
  return b.levels(Side::kBuy).size() + b.levels(Side::kSell).size();
}

std::unique_ptr<Workload> build_deep_workload();

std::unique_ptr<Workload> build_workload(Scenario scenario) {
  if (scenario == Scenario::kDeep) return build_deep_workload();
  const bool two_accounts = scenario == Scenario::kShallowTwoAccounts;
  auto w = std::make_unique<Workload>();
  w->scenario = scenario;
  w->config = make_config(scenario);
  w->symbols = make_symbols();
  TrackingListener tracker(w->reference);
  MatchingEngine engine(w->symbols, w->config, tracker);
  keel::RngStream rng("bench-matching", 42);
  auto below = [&](std::uint64_t n) { return rng.next() % n; };
  std::uint64_t counter[kAccounts] = {};
  std::int64_t ts = 1'700'000'000'000'000'000;
  std::int64_t mid = kMidTicks;

  auto refresh_mid = [&] {
    const OrderBook& b = engine.book(0);
    const auto* bid = b.best(Side::kBuy);
    const auto* ask = b.best(Side::kSell);
    if (bid != nullptr && ask != nullptr) mid = (bid->price.raw() + ask->price.raw()) / (2 * kTick);
  };
  auto push = [&](OpKind kind, std::uint32_t index) {
    w->ops.push_back({kind, index});
    switch (kind) {
      case OpKind::kSubmit: engine.submit(w->submits.back()); break;
      case OpKind::kCancel: engine.cancel(w->cancels.back()); break;
      case OpKind::kReplace: engine.replace(w->replaces.back()); break;
    }
  };
  // A limit order: GTC `offset` ticks behind the mid on its side (negative = through the mid).
  auto place = [&](TimeInForce tif, std::int64_t offset, std::uint64_t max_lots) {
    OrderRequest r;
    r.ts = ts;
    r.account = static_cast<AccountId>(below(kAccounts));
    r.instrument = 0;
    r.cl_ord_id = id_of(r.account, counter[r.account]++);
    r.side = below(2) == 0 ? Side::kBuy : Side::kSell;
    if (two_accounts) {
      r.account = r.side == Side::kBuy ? 0 : 1;
      r.cl_ord_id = id_of(r.account, counter[r.account]++);
    }
    r.type = OrderType::kLimit;
    r.tif = tif;
    const std::int64_t ticks = r.side == Side::kBuy ? mid - offset : mid + offset;
    r.price = Price::from_raw(std::max<std::int64_t>(ticks, 1) * kTick);
    r.qty = Qty::from_raw(static_cast<std::int64_t>(1 + below(max_lots)) * kLot);
    w->submits.push_back(r);
    push(OpKind::kSubmit, static_cast<std::uint32_t>(w->submits.size() - 1));
  };
  // Resting GTC depth: offsets 1..40 ticks, denser near the touch.
  auto gtc_offset = [&] { return static_cast<std::int64_t>(1 + below(8) + below(8) * below(5)); };

  for (std::size_t i = 0; i < kPrefill; ++i) {
    ts += 1000;
    place(TimeInForce::kGtc, gtc_offset(), 100);
    refresh_mid();
  }
  w->prefill = w->ops.size();

  while (w->ops.size() < w->prefill + kOps) {
    ts += 1000;
    const std::uint64_t u = below(100);
    if (u < 9 || tracker.size() < 2) {
      // GTC place; about one in ten is marketable (up to 2 ticks through the mid).
      ++w->gtc;
      place(TimeInForce::kGtc, below(10) == 0 ? -static_cast<std::int64_t>(below(3)) : gtc_offset(), 100);
    } else if (u < 12) {
      ++w->ioc;
      // IOC size is the depth controller: small when the book is thin, sweeping when it is deep, so
      // the book stays between several hundred and a few thousand orders.
      const std::size_t open = tracker.size();
      place(TimeInForce::kIoc, -static_cast<std::int64_t>(1 + below(3)), open < 1000 ? 10 : open > 2500 ? 400 : 100);
    } else if (u < 18) {
      const OrderId id = tracker.id_at(below(tracker.size()));
      const auto& o = tracker.get(id);
      CancelRequest c;
      c.ts = ts;
      c.account = o.account;
      c.instrument = 0;
      c.cl_ord_id = id_of(o.account, counter[o.account]++);
      c.orig_cl_ord_id = o.cl_ord_id;
      c.side = o.side;
      ++w->cancel_count;
      w->cancels.push_back(c);
      w->cancel_targets.push_back(id);
      push(OpKind::kCancel, static_cast<std::uint32_t>(w->cancels.size() - 1));
    } else {
      const OrderId id = tracker.id_at(below(tracker.size()));
      const auto& o = tracker.get(id);
      ReplaceRequest r;
      r.ts = ts;
      r.account = o.account;
      r.instrument = 0;
      r.cl_ord_id = id_of(o.account, counter[o.account]++);
      r.orig_cl_ord_id = o.cl_ord_id;
      r.side = o.side;
      r.price = o.price;
      r.qty = o.qty;
      if (below(2) == 0) {
        // Price move of 1–3 ticks either way, kept on its side of the book (no crossing).
        ++w->moves_price;
        const OrderBook& b = engine.book(0);
        std::int64_t ticks = o.price.raw() / kTick + (below(2) == 0 ? -1 : 1) * static_cast<std::int64_t>(1 + below(3));
        if (o.side == Side::kBuy) {
          if (const auto* ask = b.best(Side::kSell)) ticks = std::min(ticks, ask->price.raw() / kTick - 1);
        } else {
          if (const auto* bid = b.best(Side::kBuy)) ticks = std::max(ticks, bid->price.raw() / kTick + 1);
        }
        if (two_accounts && ticks == o.price.raw() / kTick) ticks += o.side == Side::kBuy ? -1 : 1;  // away from the touch
        r.price = Price::from_raw(std::max<std::int64_t>(ticks, 1) * kTick);
      } else if (two_accounts) {
        // Size increase: loses time priority in keel, a re-queue in any matcher.
        ++w->moves_size;
        r.qty = o.qty + Qty::from_raw(static_cast<std::int64_t>(1 + below(100)) * kLot);
      } else {
        // Size change: new total = filled + 1..100 lots (a decrease keeps time priority).
        ++w->moves_size;
        r.qty = o.cum_qty + Qty::from_raw(static_cast<std::int64_t>(1 + below(100)) * kLot);
      }
      w->replaces.push_back(r);
      w->replace_targets.push_back(id);
      push(OpKind::kReplace, static_cast<std::uint32_t>(w->replaces.size() - 1));
    }
    refresh_mid();
    const OrderBook& b = engine.book(0);
    w->min_orders = std::min(w->min_orders, b.order_count());
    w->max_orders = std::max(w->max_orders, b.order_count());
    w->min_levels = std::min(w->min_levels, level_count(b));
    w->max_levels = std::max(w->max_levels, level_count(b));
  }
  return w;
}

// Liquibook's perf workload (1 M adds; see the header comment), seeded.
std::unique_ptr<Workload> build_deep_workload() {
  constexpr std::size_t kDeepOps = 1'000'000;
  auto w = std::make_unique<Workload>();
  w->scenario = Scenario::kDeep;
  w->config = make_config(Scenario::kDeep);
  w->symbols = make_symbols();
  MatchingEngine engine(w->symbols, w->config, w->reference);
  keel::RngStream rng("bench-matching-deep", 42);
  std::uint64_t counter[2] = {};
  std::int64_t ts = 1'700'000'000'000'000'000;
  w->submits.reserve(kDeepOps);
  w->ops.reserve(kDeepOps);
  for (std::size_t i = 0; i < kDeepOps; ++i) {
    OrderRequest r;
    r.ts = ts += 1000;
    r.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
    r.account = r.side == Side::kBuy ? 0 : 1;
    r.instrument = 0;
    r.cl_ord_id = id_of(r.account, counter[r.account]++);
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kGtc;
    const std::int64_t ticks = static_cast<std::int64_t>(rng.next() % 10) + (r.side == Side::kBuy ? 1880 : 1884);
    r.price = Price::from_raw(ticks * kTick);
    r.qty = Qty::from_raw(static_cast<std::int64_t>(rng.next() % 10 + 1) * 100 * kLot);
    w->submits.push_back(r);
    w->ops.push_back({OpKind::kSubmit, static_cast<std::uint32_t>(i)});
    engine.submit(r);
    ++w->gtc;
    const OrderBook& b = engine.book(0);
    w->min_orders = std::min(w->min_orders, b.order_count());
    w->max_orders = std::max(w->max_orders, b.order_count());
    w->min_levels = std::min(w->min_levels, level_count(b));
    w->max_levels = std::max(w->max_levels, level_count(b));
  }
  return w;
}

const Workload& workload(Scenario scenario) {
  static std::unique_ptr<Workload> built[3];
  auto& w = built[static_cast<int>(scenario)];
  if (!w) w = build_workload(scenario);
  return *w;
}

inline void apply(MatchingEngine& engine, const Workload& w, Op op) noexcept {
  switch (op.kind) {
    case OpKind::kSubmit: engine.submit(w.submits[op.index]); break;
    case OpKind::kCancel: engine.cancel(w.cancels[op.index]); break;
    case OpKind::kReplace: engine.replace(w.replaces[op.index]); break;
  }
}

// Look-ahead: operations are hinted to the engine this many operations before they are applied.
constexpr std::size_t kLookAhead = 8;

inline void hint(const MatchingEngine& engine, const Workload& w, Op op) noexcept {
  switch (op.kind) {
    case OpKind::kSubmit: engine.prefetch(w.submits[op.index]); break;
    case OpKind::kCancel: engine.prefetch(w.cancels[op.index]); break;
    case OpKind::kReplace: engine.prefetch(w.replaces[op.index]); break;
  }
}

// Applies ops [begin, end), hinting each one kLookAhead operations ahead.
inline void apply_hinted(MatchingEngine& engine, const Workload& w, std::size_t begin, std::size_t end) noexcept {
  for (std::size_t i = begin; i < end; ++i) {
    if (i + kLookAhead < end) hint(engine, w, w.ops[i + kLookAhead]);
    apply(engine, w, w.ops[i]);
  }
}

// A fresh engine with the prefill applied (untimed).
std::unique_ptr<MatchingEngine> prepared_engine(const Workload& w, DigestListener& out) {
  auto engine = std::make_unique<MatchingEngine>(w.symbols, w.config, out);
  for (std::size_t i = 0; i < w.prefill; ++i) apply(*engine, w, w.ops[i]);
  return engine;
}

// Book invariants; returns an empty string when they hold.
std::string check_book(const OrderBook& b, const DigestListener& out) {
  const auto* bid = b.best(Side::kBuy);
  const auto* ask = b.best(Side::kSell);
  if (bid != nullptr && ask != nullptr && !(bid->price < ask->price)) return "crossed book";
  std::size_t in_levels = 0;
  for (const Side side : {Side::kBuy, Side::kSell}) {
    const auto levels = b.levels(side);
    for (std::size_t i = 0; i < levels.size(); ++i) {
      const auto& level = levels[i];
      if (i > 0 && (side == Side::kBuy ? !(levels[i - 1].price < level.price) : !(level.price < levels[i - 1].price))) {
        return "levels out of order";
      }
      Qty sum;
      std::uint32_t n = 0;
      for (keel::sim::Slot s = level.head; s != keel::sim::kNoSlot; s = b.order(s).next) {
        sum += b.order(s).leaves();
        ++n;
      }
      if (n != level.count || sum != level.total) return "level total/count differs from its orders";
      in_levels += n;
    }
  }
  if (in_levels != b.order_count()) return "order_count differs from the orders in the levels";
  if (out.implied_open() != b.order_count()) {
    return "order_count " + std::to_string(b.order_count()) + " differs from the open orders implied by the executions (" +
           std::to_string(out.implied_open()) + ")";
  }
  return {};
}

// Runs the whole list once untimed on a fresh engine and checks it; empty string = correct.
std::string verify(const Workload& w) {
  if (w.reference.rejected != 0 || w.reference.cancel_rejects != 0) {
    return "generator run had " + std::to_string(w.reference.rejected) + " rejects and " +
           std::to_string(w.reference.cancel_rejects) + " cancel rejects (expected 0)";
  }
  DigestListener out;
  auto engine = prepared_engine(w, out);
  for (std::size_t i = w.prefill; i < w.ops.size(); ++i) apply(*engine, w, w.ops[i]);
  if (!same_outcome(out, w.reference)) return "replay digest differs from the generator's run";
  if (out.rejected != 0 || out.cancel_rejects != 0) return "unexpected rejects";
  return check_book(engine->book(0), out);
}

void report_workload(benchmark::State& state, const Workload& w, const DigestListener& out) {
  state.counters["book_orders_min"] = benchmark::Counter(static_cast<double>(w.min_orders));
  state.counters["book_orders_max"] = benchmark::Counter(static_cast<double>(w.max_orders));
  state.counters["book_levels_min"] = benchmark::Counter(static_cast<double>(w.min_levels));
  state.counters["book_levels_max"] = benchmark::Counter(static_cast<double>(w.max_levels));
  state.counters["trades"] = benchmark::Counter(static_cast<double>(out.public_trades));
  state.counters["executions"] = benchmark::Counter(static_cast<double>(out.executions));
  const double n = static_cast<double>(w.measured()) / 100.0;
  char label[200];
  std::snprintf(label, sizeof label, "%s digest=%016llx mix%%: gtc=%.1f ioc=%.1f cancel=%.1f move_px=%.1f move_qty=%.1f",
                kScenarioNames[static_cast<int>(w.scenario)], static_cast<unsigned long long>(out.digest),
                static_cast<double>(w.gtc) / n,
                static_cast<double>(w.ioc) / n, static_cast<double>(w.cancel_count) / n,
                static_cast<double>(w.moves_price) / n, static_cast<double>(w.moves_size) / n);
  state.SetLabel(label);
}

// ---------------------------------------------------------------------------------------------------
// Time

// TSC read ordered after earlier loads (LFENCE), as in bench_ring.cpp.
inline std::uint64_t tsc_now() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

// Nanoseconds per TSC tick, measured once against steady_clock over ~100 ms of busy waiting.
double ns_per_tick() {
  static const double value = [] {
    using Clock = std::chrono::steady_clock;
    const auto c0 = Clock::now();
    const std::uint64_t t0 = tsc_now();
    while (Clock::now() - c0 < std::chrono::milliseconds(100)) benchmark::ClobberMemory();
    const auto c1 = Clock::now();
    const std::uint64_t t1 = tsc_now();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count();
    return static_cast<double>(ns) / static_cast<double>(t1 - t0);
  }();
  return value;
}

// CPU time consumed by the calling thread, in seconds.
double thread_cpu_seconds() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---------------------------------------------------------------------------------------------------
// Benchmarks

void BM_MatchingThroughput(benchmark::State& state) {
  const Workload& w = workload(static_cast<Scenario>(state.range(0)));
  if (const std::string err = verify(w); !err.empty()) {
    state.SkipWithError(("correctness: " + err).c_str());
    return;
  }
  DigestListener last;
  double cpu_seconds = 0;
  for (auto _ : state) {
    DigestListener out;
    auto engine = prepared_engine(w, out);
    const double c0 = thread_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    if (state.range(1) != 0) {
      apply_hinted(*engine, w, w.prefill, w.ops.size());
    } else {
      for (std::size_t i = w.prefill; i < w.ops.size(); ++i) apply(*engine, w, w.ops[i]);
    }
    const auto t1 = std::chrono::steady_clock::now();
    cpu_seconds += thread_cpu_seconds() - c0;
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (!same_outcome(out, w.reference)) {
      state.SkipWithError("timed run: digest differs from the verified run");
      return;
    }
    last = out;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.measured()));
  // Operations per second of this thread's CPU time: what the rate would be with the core to itself
  // (time the scheduler gave to other processes is left out; their cache pollution is not).
  state.counters["ops_per_cpu_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(w.measured()) / cpu_seconds);
  report_workload(state, w, last);
}
// range(0): scenario; range(1): 1 = with look-ahead hints (MatchingEngine::prefetch, kLookAhead ahead).
BENCHMARK(BM_MatchingThroughput)
    ->ArgNames({"scenario", "hints"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);

// range(0): offered rate in operations per second.
void BM_MatchingLatencyOpenLoop(benchmark::State& state) {
  const Workload& w = workload(Scenario::kShallow);
  if (const std::string err = verify(w); !err.empty()) {
    state.SkipWithError(("correctness: " + err).c_str());
    return;
  }
  const double scale = ns_per_tick();
  const auto period = static_cast<std::uint64_t>(1e9 / static_cast<double>(state.range(0)) / scale);
  keel::bench::LatencyHistogram response;
  keel::bench::LatencyHistogram service;
  DigestListener last;
  for (auto _ : state) {
    response.reserve(w.measured());
    service.reserve(w.measured());
    DigestListener out;
    auto engine = prepared_engine(w, out);
    const std::uint64_t start = tsc_now() + period;
    std::uint64_t scheduled = start;
    for (std::size_t i = w.prefill; i < w.ops.size(); ++i, scheduled += period) {
      std::uint64_t begin = tsc_now();
      while (begin < scheduled) begin = tsc_now();  // open loop: never send before the schedule
      apply(*engine, w, w.ops[i]);
      const std::uint64_t end = tsc_now();
      response.record(end - scheduled);
      service.record(end - begin);
    }
    if (!same_outcome(out, w.reference)) {
      state.SkipWithError("timed run: digest differs from the verified run");
      return;
    }
    last = out;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.measured()));
  keel::bench::report_latency(state, response.summarize(scale), "resp_ns_");
  keel::bench::report_latency(state, service.summarize(scale), "svc_ns_");
  state.counters["tsc_ghz"] = benchmark::Counter(1.0 / scale);
  report_workload(state, w, last);
}
// One iteration = the kOps operations at 1 µs spacing (about 1 s).
BENCHMARK(BM_MatchingLatencyOpenLoop)->Arg(1'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

#ifdef KEEL_WITH_LIQUIBOOK
// ---------------------------------------------------------------------------------------------------
// keel versus Liquibook, interleaved

keel::bench::lb::Program translate(const Workload& w) {
  namespace lb = keel::bench::lb;
  lb::Program p;
  p.prefill = w.prefill;
  p.orders.reserve(w.submits.size());
  for (std::size_t i = 0; i < w.submits.size(); ++i) {
    const OrderRequest& r = w.submits[i];
    p.orders.emplace_back(i + 1, r.side == Side::kBuy, static_cast<std::uint64_t>(r.price.raw() / kTick),
                          static_cast<std::uint64_t>(r.qty.raw() / kLot), r.tif == TimeInForce::kIoc);
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> current(w.submits.size());  // price, total qty
  for (std::size_t i = 0; i < w.submits.size(); ++i) {
    current[i] = {w.submits[i].price.raw() / kTick, w.submits[i].qty.raw() / kLot};
  }
  p.commands.reserve(w.ops.size());
  for (const Op op : w.ops) {
    lb::Command c;
    switch (op.kind) {
      case OpKind::kSubmit: c.kind = lb::Command::Kind::kAdd; c.order = op.index; break;
      case OpKind::kCancel:
        c.kind = lb::Command::Kind::kCancel;
        c.order = static_cast<std::uint32_t>(w.cancel_targets[op.index] - 1);
        break;
      case OpKind::kReplace: {
        const ReplaceRequest& r = w.replaces[op.index];
        c.kind = lb::Command::Kind::kReplace;
        c.order = static_cast<std::uint32_t>(w.replace_targets[op.index] - 1);
        auto& [price, qty] = current[c.order];
        const std::int64_t new_price = r.price.raw() / kTick;
        const std::int64_t new_qty = r.qty.raw() / kLot;
        c.size_delta = new_qty - qty;
        c.price_changes = new_price != price;
        c.new_price = static_cast<std::uint64_t>(new_price);
        c.new_qty = static_cast<std::uint64_t>(new_qty);
        price = new_price;
        qty = new_qty;
        break;
      }
    }
    p.commands.push_back(c);
  }
  return p;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// range(0): scenario (shallow_2acct or deep). One iteration = one round of six passes, in this
// order: keel, keel with look-ahead hints (MatchingEngine::prefetch of the operation kLookAhead
// ahead), Liquibook, each back to back (throughput); then the same three with a TSC read around
// each operation (per-operation service time; the hinted one includes its hint). Both see the same commands; the prefill
// is applied untimed on a fresh book for every pass. Reported: medians over the rounds of each
// side's throughput and of the per-round ratio, and each side's latency histogram over all rounds.
void BM_VersusLiquibook(benchmark::State& state) {
  namespace lb = keel::bench::lb;
  const Workload& w = workload(static_cast<Scenario>(state.range(0)));
  if (const std::string err = verify(w); !err.empty()) {
    state.SkipWithError(("correctness: " + err).c_str());
    return;
  }
  const lb::Program program = translate(w);
  {  // Correctness first: Liquibook must produce keel's fills.
    lb::Run run(program);
    for (const lb::Command& c : program.commands) run.apply(c);
    if (!(run.book().fills == w.reference.fills)) {
      state.SkipWithError(("Liquibook's fills differ from keel's: " + std::to_string(run.book().fills.count) + " vs " +
                           std::to_string(w.reference.fills.count))
                              .c_str());
      return;
    }
    if (run.resting() != w.reference.implied_open()) {
      state.SkipWithError("Liquibook's resting orders differ from keel's");
      return;
    }
  }
  const double scale = ns_per_tick();
  const std::size_t n = w.measured();
  keel::bench::LatencyHistogram keel_lat;
  keel::bench::LatencyHistogram lb_lat;
  keel::bench::LatencyHistogram hinted_lat;
  hinted_lat.reserve(n * static_cast<std::size_t>(state.max_iterations));
  keel_lat.reserve(n * static_cast<std::size_t>(state.max_iterations));
  lb_lat.reserve(n * static_cast<std::size_t>(state.max_iterations));
  std::vector<double> keel_rate, hinted_rate, lb_rate, ratio, hinted_ratio;
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    double keel_s = 0;
    double hinted_s = 0;
    double lb_s = 0;
    {
      DigestListener out;
      auto engine = prepared_engine(w, out);
      const auto t0 = Clock::now();
      for (std::size_t i = w.prefill; i < w.ops.size(); ++i) apply(*engine, w, w.ops[i]);
      keel_s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!same_outcome(out, w.reference)) {
        state.SkipWithError("keel: digest differs from the verified run");
        return;
      }
    }
    {
      DigestListener out;
      auto engine = prepared_engine(w, out);
      const auto t0 = Clock::now();
      apply_hinted(*engine, w, w.prefill, w.ops.size());
      hinted_s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!same_outcome(out, w.reference)) {
        state.SkipWithError("keel with hints: digest differs from the verified run");
        return;
      }
    }
    {
      lb::Run run(program);
      for (std::size_t i = 0; i < program.prefill; ++i) run.apply(program.commands[i]);
      const auto t0 = Clock::now();
      for (std::size_t i = program.prefill; i < program.commands.size(); ++i) run.apply(program.commands[i]);
      lb_s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!(run.book().fills == w.reference.fills)) {
        state.SkipWithError("Liquibook: fills differ from the verified run");
        return;
      }
    }
    {
      DigestListener out;
      auto engine = prepared_engine(w, out);
      for (std::size_t i = w.prefill; i < w.ops.size(); ++i) {
        const std::uint64_t t0 = tsc_now();
        apply(*engine, w, w.ops[i]);
        keel_lat.record(tsc_now() - t0);
      }
    }
    {
      DigestListener out;
      auto engine = prepared_engine(w, out);
      for (std::size_t i = w.prefill; i < w.ops.size(); ++i) {
        const std::uint64_t t0 = tsc_now();
        if (i + kLookAhead < w.ops.size()) hint(*engine, w, w.ops[i + kLookAhead]);
        apply(*engine, w, w.ops[i]);
        hinted_lat.record(tsc_now() - t0);
      }
    }
    {
      lb::Run run(program);
      for (std::size_t i = 0; i < program.prefill; ++i) run.apply(program.commands[i]);
      for (std::size_t i = program.prefill; i < program.commands.size(); ++i) {
        const std::uint64_t t0 = tsc_now();
        run.apply(program.commands[i]);
        lb_lat.record(tsc_now() - t0);
      }
    }
    state.SetIterationTime(keel_s);
    keel_rate.push_back(static_cast<double>(n) / keel_s);
    lb_rate.push_back(static_cast<double>(n) / lb_s);
    ratio.push_back(lb_s / keel_s);
    hinted_rate.push_back(static_cast<double>(n) / hinted_s);
    hinted_ratio.push_back(lb_s / hinted_s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.counters["keel_ops_s"] = benchmark::Counter(median(keel_rate));
  state.counters["lb_ops_s"] = benchmark::Counter(median(lb_rate));
  state.counters["ratio"] = benchmark::Counter(median(ratio));  // keel throughput ÷ Liquibook's
  state.counters["hinted_ops_s"] = benchmark::Counter(median(hinted_rate));
  state.counters["hinted_ratio"] = benchmark::Counter(median(hinted_ratio));
  keel::bench::report_latency(state, hinted_lat.summarize(scale), "hinted_ns_");
  keel::bench::report_latency(state, keel_lat.summarize(scale), "keel_ns_");
  keel::bench::report_latency(state, lb_lat.summarize(scale), "lb_ns_");
  state.counters["fills"] = benchmark::Counter(static_cast<double>(w.reference.fills.count));
  state.counters["book_orders_max"] = benchmark::Counter(static_cast<double>(w.max_orders));
  char label[96];
  std::snprintf(label, sizeof label, "%s fills=%016llx", kScenarioNames[static_cast<int>(w.scenario)],
                static_cast<unsigned long long>(w.reference.fills.digest));
  state.SetLabel(label);
}
BENCHMARK(BM_VersusLiquibook)
    ->ArgName("scenario")
    ->Arg(static_cast<int>(Scenario::kShallowTwoAccounts))
    ->Arg(static_cast<int>(Scenario::kDeep))
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
#endif  // KEEL_WITH_LIQUIBOOK

}  // namespace

BENCHMARK_MAIN();
