// Differential test: seeded random operations through MatchingEngine and the naive reference
// (naive_matcher.hpp); after every operation the two must have reported exactly the same executions,
// cancel rejects and public trades, hold exactly the same books (every order, in priority order),
// and the engine's BookLevelChange stream, replayed into a price → quantity map, must equal its book.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "keel/core/primitives/rng.hpp"
#include "keel/sim/matching_engine.hpp"
#include "naive_matcher.hpp"
#include "recording_listener.hpp"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::describe;
using keel::sim::test::NaiveMatcher;
using keel::sim::test::RecordingListener;

namespace {

constexpr std::size_t kInstruments = 2;
constexpr AccountId kAccounts = 4;

std::vector<VenueSymbol> symbols() {
  std::vector<VenueSymbol> out(kInstruments);
  out[0].instrument.id = 0;
  out[0].instrument.symbol = "AAAUSDT";
  out[0].instrument.tick_size = Price::parse("0.01").value();
  out[0].instrument.lot_size = Qty::parse("0.01").value();
  out[0].instrument.min_notional = Notional::parse("0.15").value();  // prices ~10: one lot is too little
  out[0].base = 0;
  out[0].quote = 2;
  out[1].instrument.id = 1;
  out[1].instrument.symbol = "BBBUSDT";
  out[1].instrument.tick_size = Price::from_units(1);
  out[1].instrument.lot_size = Qty::from_units(1);
  out[1].instrument.min_notional = Notional{};
  out[1].base = 1;
  out[1].quote = 2;
  return out;
}

bool same(const Execution& a, const Execution& b) {
  return a.ts == b.ts && a.exec_id == b.exec_id && a.order_id == b.order_id && a.account == b.account &&
         a.instrument == b.instrument && a.cl_ord_id == b.cl_ord_id && a.orig_cl_ord_id == b.orig_cl_ord_id &&
         a.exec_type == b.exec_type && a.ord_status == b.ord_status && a.side == b.side &&
         a.reject_reason == b.reject_reason && a.cancel_cause == b.cancel_cause && a.maker == b.maker &&
         a.price == b.price && a.order_qty == b.order_qty && a.last_px == b.last_px &&
         a.last_qty == b.last_qty && a.cum_qty == b.cum_qty && a.leaves_qty == b.leaves_qty &&
         a.cum_notional == b.cum_notional && a.fee == b.fee;
}

bool same(const CancelReject& a, const CancelReject& b) {
  return a.ts == b.ts && a.order_id == b.order_id && a.account == b.account &&
         a.instrument == b.instrument && a.cl_ord_id == b.cl_ord_id && a.orig_cl_ord_id == b.orig_cl_ord_id &&
         a.ord_status == b.ord_status && a.response_to == b.response_to && a.reason == b.reason &&
         a.detail == b.detail;
}

bool same(const PublicTrade& a, const PublicTrade& b) {
  return a.ts == b.ts && a.trade_id == b.trade_id && a.instrument == b.instrument &&
         a.aggressor == b.aggressor && a.price == b.price && a.qty == b.qty &&
         a.maker_order_id == b.maker_order_id && a.taker_order_id == b.taker_order_id;
}

// Random operations with a realistic mix: limits near the touch (some crossing), post-only, IOC,
// FOK, market orders, cancels and replaces of open (and sometimes finished or unknown) orders, a few
// invalid requests, four accounts trading with each other so self-trade prevention happens.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_("matching-differential", seed) {
    for (auto& m : mid_) m = 1000;
  }

  std::uint64_t below(std::uint64_t n) { return rng_.next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }

  ClOrdId fresh_id(AccountId account) {
    if (below(100) < 2 && counter_[account] > 0) return id_of(account, below(counter_[account]));
    return id_of(account, counter_[account]++);
  }
  ClOrdId old_id(AccountId account) {
    return id_of(account, counter_[account] == 0 ? 0 : below(counter_[account] + 2));
  }
  static ClOrdId id_of(AccountId account, std::uint64_t n) {
    char buf[32];
    const int len = std::snprintf(buf, sizeof buf, "a%u-%llu", account, static_cast<unsigned long long>(n));
    return ClOrdId(std::string_view(buf, static_cast<std::size_t>(len)));
  }

  void drift() {
    for (auto& m : mid_) {
      if (below(200) == 0) m += below(2) == 0 ? -1 : 1;
      if (m < 50) m = 50;
    }
  }
  std::int64_t mid(InstrumentId i) const { return mid_[i]; }

  Xoshiro256StarStar& rng() { return rng_; }

 private:
  RngStream rng_;
  std::int64_t mid_[kInstruments] = {};
  std::uint64_t counter_[kAccounts] = {};
};

struct Harness {
  std::vector<VenueSymbol> syms = symbols();
  EngineConfig config;
  RecordingListener fast_out;
  RecordingListener naive_out;
  MatchingEngine fast;
  NaiveMatcher naive;
  std::map<std::tuple<InstrumentId, int, std::int64_t>, Qty> mirror;  // from BookLevelChange
  std::size_t max_open = 0;
  std::uint64_t counts[16] = {};
  // Coverage of the outcomes (the generator must reach every rule): exec type × cancel cause,
  // reject reasons, cancel-reject reasons, fills of replaced orders.
  std::map<std::string, std::uint64_t> seen;

  explicit Harness(EngineConfig c)
      : config(c), fast(syms, config, fast_out), naive(syms, config, naive_out) {}

  Price price_at(InstrumentId i, std::int64_t ticks) const {
    return Price::from_raw(ticks * syms[i].instrument.tick_size.raw());
  }
  Qty lots(InstrumentId i, std::int64_t n) const {
    return Qty::from_raw(n * syms[i].instrument.lot_size.raw());
  }

  void step(Generator& g, std::int64_t ts) {
    g.drift();
    const std::uint64_t u = g.below(1000);
    const auto instrument = static_cast<InstrumentId>(g.below(kInstruments));
    const auto account = static_cast<AccountId>(g.below(kAccounts));
    const auto& open = naive.open_orders();
    if (u < 640 || open.empty()) {
      OrderRequest r;
      r.ts = ts;
      r.account = account;
      r.instrument = instrument;
      r.cl_ord_id = g.fresh_id(account);
      r.side = g.below(2) == 0 ? Side::kBuy : Side::kSell;
      r.type = OrderType::kLimit;
      r.tif = TimeInForce::kGtc;
      const std::int64_t away = g.between(-3, 8);  // ticks away from the mid on the passive side
      const std::int64_t ticks = g.mid(instrument) + (r.side == Side::kBuy ? -away : away);
      r.price = price_at(instrument, ticks);
      r.qty = lots(instrument, g.between(1, 12));
      if (g.below(100) < 2 && !open.empty()) {  // the id of an open order of the same account
        const auto& o = open[g.below(open.size())];
        r.account = o.account;
        r.cl_ord_id = o.cl_ord_id;
      }
      if (u < 400) {
        counts[0]++;
      } else if (u < 470) {
        r.post_only = true;
        counts[1]++;
      } else if (u < 540) {
        r.tif = TimeInForce::kIoc;
        counts[2]++;
      } else if (u < 590) {
        r.tif = TimeInForce::kFok;
        if (g.below(10) < 3) r.type = OrderType::kMarket;
        counts[3]++;
      } else if (u < 630) {
        r.type = OrderType::kMarket;
        r.tif = g.below(4) == 0 ? TimeInForce::kGtc : TimeInForce::kIoc;
        r.qty = lots(instrument, g.between(1, 30));
        counts[4]++;
      } else {
        counts[5]++;  // invalid requests
        switch (g.below(6)) {
          case 0: r.instrument = 9; break;
          case 1: r.account = 9; break;
          case 2: r.price = Price::from_raw(r.price.raw() + 1); break;
          case 3: r.qty = Qty{}; break;
          case 4: r.qty = Qty::from_raw(r.qty.raw() + 1); break;
          default: r.price = Price{}; break;
        }
      }
      fast.submit(r);
      naive.submit(r);
    } else if (u < 820) {
      counts[6]++;
      CancelRequest r;
      r.ts = ts;
      if (g.below(100) < 85) {
        const auto& o = open[g.below(open.size())];
        r.account = o.account;
        r.instrument = o.instrument;
        r.orig_cl_ord_id = o.cl_ord_id;
        r.side = o.side;
      } else {
        r.account = account;
        r.instrument = instrument;
        r.orig_cl_ord_id = g.old_id(account);
      }
      r.cl_ord_id = g.fresh_id(r.account);
      fast.cancel(r);
      naive.cancel(r);
    } else {
      counts[7]++;
      ReplaceRequest r;
      r.ts = ts;
      if (g.below(100) < 90) {
        const auto o = open[g.below(open.size())];
        r.account = o.account;
        r.instrument = o.instrument;
        r.orig_cl_ord_id = o.cl_ord_id;
        r.side = o.side;
        const std::int64_t tick = syms[o.instrument].instrument.tick_size.raw();
        const std::int64_t lot = syms[o.instrument].instrument.lot_size.raw();
        const std::uint64_t kind = g.below(10);
        r.price = kind < 4 ? o.price : Price::from_raw(o.price.raw() + g.between(-4, 4) * tick);
        r.qty = Qty::from_raw(o.qty.raw() + g.between(-4, 4) * lot);
        if (kind == 9) r.qty = o.cum_qty;  // at the filled quantity: cancels
        if (r.qty.raw() <= 0 && g.below(2) == 0) r.qty = Qty::from_raw(lot);
      } else {
        r.account = account;
        r.instrument = instrument;
        r.orig_cl_ord_id = g.old_id(account);
        r.price = price_at(instrument, g.mid(instrument));
        r.qty = lots(instrument, 3);
      }
      r.cl_ord_id = g.fresh_id(r.account);
      if (g.below(100) < 2) {  // the id of an open order (of this account or not)
        r.cl_ord_id = open[g.below(open.size())].cl_ord_id;
      }
      fast.replace(r);
      naive.replace(r);
    }
    max_open = std::max(max_open, naive.open_orders().size());
  }

  // Compares the two outputs of the last step and clears them; returns a description of the first
  // difference, or "".
  std::string compare_outputs() {
    std::string diff;
    const auto& a = fast_out;
    const auto& b = naive_out;
    if (a.lines != b.lines) {
      diff = "report sequences differ:\n engine:";
      for (const auto& l : a.lines) diff += "\n  " + l;
      diff += "\n naive:";
      for (const auto& l : b.lines) diff += "\n  " + l;
    } else if (a.executions.size() != b.executions.size()) {
      diff = "execution counts differ";
    } else {
      for (std::size_t i = 0; i < a.executions.size() && diff.empty(); ++i) {
        if (!same(a.executions[i], b.executions[i])) diff = "execution fields differ: " + describe(a.executions[i]);
      }
      for (std::size_t i = 0; i < a.cancel_rejects.size() && diff.empty(); ++i) {
        if (!same(a.cancel_rejects[i], b.cancel_rejects[i])) diff = "cancel reject fields differ";
      }
      if (diff.empty() && a.trades.size() != b.trades.size()) diff = "public trade counts differ";
      for (std::size_t i = 0; i < a.trades.size() && diff.empty(); ++i) {
        if (!same(a.trades[i], b.trades[i])) diff = "public trades differ";
      }
    }
    for (const auto& e : a.executions) {
      if (e.exec_type == VenueExecType::kRejected) seen["reject " + test::short_name(e.reject_reason)]++;
      if (e.exec_type == VenueExecType::kCanceled) seen["cancel " + test::short_name(e.cancel_cause)]++;
      if (e.exec_type == VenueExecType::kReplaced) seen["replaced"]++;
      if (e.exec_type == VenueExecType::kTrade) seen[e.maker ? "trade maker" : "trade taker"]++;
    }
    for (const auto& c : a.cancel_rejects) {
      seen["cancel reject " + std::to_string(protocol::fix::fix_cxl_rej_reason(to_reject_reason(c.reason, c.detail))) + " " + test::short_name(c.detail)]++;
    }
    if (a.executions.size() >= 2 && a.executions[0].exec_type == VenueExecType::kReplaced &&
        a.executions[1].exec_type == VenueExecType::kTrade) {
      seen["replace that trades"]++;
    }
    for (const auto& c : fast_out.levels) {
      const auto key = std::make_tuple(c.instrument, static_cast<int>(c.side), c.price.raw());
      if (c.qty.is_zero()) {
        mirror.erase(key);
      } else {
        mirror[key] = c.qty;
      }
    }
    fast_out.clear();
    naive_out.clear();
    return diff;
  }

  // Compares the engine's books with the reference and with the level-change mirror.
  std::string compare_books() const {
    std::size_t levels_total = 0;
    for (InstrumentId i = 0; i < kInstruments; ++i) {
      const OrderBook& book = fast.book(i);
      for (const Side side : {Side::kBuy, Side::kSell}) {
        const auto expected = naive.book(i, side);
        const auto levels = book.levels(side);
        levels_total += levels.size();
        std::size_t k = 0;
        for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
          Qty total;
          for (Slot s = it->head; s != kNoSlot; s = book.order(s).next) {
            const RestingOrder& o = book.order(s);
            if (k >= expected.size()) return "engine book has extra orders";
            const auto& e = expected[k++];
            if (o.id != e.id || o.account != e.account || !(o.cl_ord_id == e.cl_ord_id) ||
                o.price != e.price || o.qty != e.qty || o.cum_qty != e.cum_qty ||
                o.cum_notional != e.cum_notional || o.side != side || o.price != it->price) {
              return "book order differs at position " + std::to_string(k) + ": engine order " +
                     std::to_string(o.id) + " vs naive order " + std::to_string(e.id);
            }
            total += o.leaves();
          }
          if (total != it->total) return "level total differs from its orders";
          const auto m = mirror.find(std::make_tuple(i, static_cast<int>(side), it->price.raw()));
          if (m == mirror.end() || m->second != it->total) return "level-change stream disagrees with the book";
        }
        if (k != expected.size()) return "engine book is missing orders";
      }
    }
    if (mirror.size() != levels_total) return "level-change stream has levels the book does not";
    for (AccountId a = 0; a < kAccounts; ++a) {
      for (AssetId asset = 0; asset < config.assets; ++asset) {
        if (fast.accounts().balance(a, asset) != naive.balance(a, asset)) {
          return "balance of account " + std::to_string(a) + " asset " + std::to_string(asset) + " differs";
        }
      }
    }
    return "";
  }
};

}  // namespace

// Runs `steps` random operations through both and fails at the first difference.
static void run_differential(Harness& h, std::uint64_t seed, int steps) {
  Generator g(seed);
  for (int i = 0; i < steps; ++i) {
    h.step(g, static_cast<std::int64_t>(i) * 1000);
    const std::string out = h.compare_outputs();
    ASSERT_EQ(out, "") << "seed " << seed << " step " << i;
    const std::string books = h.compare_books();
    ASSERT_EQ(books, "") << "seed " << seed << " step " << i;
  }
}

TEST(MatchingDifferential, SmallOrderPoolsRejectAlikeWhenFull) {
  EngineConfig config;
  config.orders_per_book = 24;  // well below the ~70 open orders the mix settles at
  config.accounts = kAccounts;
  config.assets = 3;
  config.taker_fee_millionths = 1000;
  Harness h(config);
  run_differential(h, 7, 100'000);
  EXPECT_GT(h.seen["reject book-full"], 1000u);
  EXPECT_EQ(h.fast.book_full_rejects(), h.seen["reject book-full"]);
}

TEST(MatchingDifferential, EngineEqualsNaiveReferenceOnRandomOperations) {
  constexpr int kSteps = 1'000'000;
  EngineConfig config;
  config.orders_per_book = 4096;
  config.accounts = kAccounts;
  config.assets = 3;
  config.maker_fee_millionths = -100;  // a rebate, so fee rounding of both signs is compared
  config.taker_fee_millionths = 750;
  Harness h(config);
  run_differential(h, kDefaultRunSeed, kSteps);
  if (HasFatalFailure()) return;
  std::printf("max open orders %zu; limit %llu post-only %llu ioc %llu fok %llu market %llu invalid %llu "
              "cancel %llu replace %llu\n",
              h.max_open, static_cast<unsigned long long>(h.counts[0]),
              static_cast<unsigned long long>(h.counts[1]), static_cast<unsigned long long>(h.counts[2]),
              static_cast<unsigned long long>(h.counts[3]), static_cast<unsigned long long>(h.counts[4]),
              static_cast<unsigned long long>(h.counts[5]), static_cast<unsigned long long>(h.counts[6]),
              static_cast<unsigned long long>(h.counts[7]));
  EXPECT_LT(h.max_open, config.orders_per_book);
  for (const auto& [what, n] : h.seen) std::printf("  %-40s %llu\n", what.c_str(), static_cast<unsigned long long>(n));
  for (const char* what :
       {"cancel client", "cancel ioc", "cancel fok", "cancel market", "cancel stp", "cancel replaced-below-filled",
        "reject post-only", "reject duplicate", "reject off-tick", "reject off-lot", "reject qty<=0",
        "reject price<=0", "reject unknown-symbol", "reject unknown-account", "reject min-notional",
        "replaced", "replace that trades", "trade maker", "trade taker", "cancel reject 1 unknown-order",
        "cancel reject 6 duplicate", "cancel reject 2 post-only"}) {
    EXPECT_GT(h.seen[what], 0u) << what;
  }
}
