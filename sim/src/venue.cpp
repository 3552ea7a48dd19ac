#include "keel/sim/venue.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "keel/protocol/binance/exchange_info.hpp"
#include "keel/protocol/fix/fix_messages.hpp"
#include "keel/sim/finished_orders.hpp"
#include "keel/sim/fix_acceptor.hpp"
#include "keel/sim/flow_factory.hpp"
#include "keel/sim/market_data_publisher.hpp"
#include "keel/sim/market_data_server.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/venue_types.hpp"
#include "tcp_listener.hpp"

namespace keel::sim {
namespace {

using protocol::fix::CompId;
using protocol::fix::FixSymbol;
using protocol::fix::FixText;

// Quote assets recognised in symbol names even when no account holds them.
constexpr std::string_view kKnownQuotes[] = {"USDT", "USDC", "BUSD", "FDUSD", "TUSD", "BTC", "ETH", "BNB", "EUR"};

std::string fresh_store_dir() {
  static std::atomic<int> counter{0};
  namespace fs = std::filesystem;
  const fs::path p = fs::temp_directory_path() /
                     ("keel_sim_fix_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::error_code ec;
  fs::remove_all(p, ec);
  return p.string();
}

template <std::size_t N>
void set_id(FixText<N>& out, std::uint64_t id) {
  out.assign_truncated(std::to_string(id));
}

std::int64_t steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
std::int64_t unix_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr std::int64_t kFar = std::numeric_limits<std::int64_t>::max() / 4;
// Flow actions applied per driver round before the driver publishes and looks at client requests.
constexpr int kActionsPerRound = 256;

}  // namespace

struct Venue::Impl final : FixOrderHandler, VenueListener, MarketDataSink, DepthSnapshotProvider {
  struct Outgoing {
    bool is_report = true;
    FixExecReport report;
    FixCancelReject reject;
  };
  // A client request waiting out the order-entry delay.
  struct Delayed {
    std::int64_t due_wall = 0;  // steady ns
    FixSymbol symbol;
    std::function<void(std::int64_t)> apply;  // runs on the engine with the venue time
  };
  // A market-data message waiting for its publication time.
  struct MdMessage {
    std::int64_t due_wall = 0;  // steady ns
    std::string stream;
    std::string payload;
  };

  SimConfig config;
  std::vector<std::string> assets;  // sorted; AssetId = index
  std::vector<VenueSymbol> symbols;
  // exchangeInfo's symbols, from the instrument config (read-only after construction).
  std::vector<protocol::binance::SymbolRules> listing;
  FlowAccounts house;
  std::unique_ptr<MatchingEngine> engine;
  std::unique_ptr<FixAcceptor> acceptor;
  std::string owned_store_dir;  // the temporary FIX store this venue created; removed with the venue
  std::unique_ptr<MarketDataPublisher> publisher;
  std::unique_ptr<MarketDataServer> md_server;
  std::unique_ptr<OrderFlow> flow;

  mutable std::mutex engine_mutex;  // the engine and everything down to the driver's fields
  std::mutex send_mutex;            // sends of one request's reports stay together
  std::vector<Outgoing> pending;    // reports of the request being handled
  FixSymbol current_symbol;         // the request's symbol text (for an unknown symbol's reject)
  std::uint64_t status_reports = 0;
  FinishedOrders finished;                // finished client orders, for OrderStatusRequest (H)
  std::vector<VenueOrderCounts> counts;   // per client account
  std::deque<MdMessage> outbox;     // market data not yet due, in production order

  // Venue clock (engine_mutex): venue = origin + (steady − wall_origin) · speed, or, while a flow runs
  // as fast as possible, the time of its last action.
  double speed = 1.0;
  bool afap = false;
  std::int64_t origin = 0;
  std::int64_t wall_origin = 0;
  std::int64_t cursor = 0;
  std::int64_t next_flush = 0;  // venue time of the next depth cut
  std::int64_t next_mark = 0;   // venue time of the next mark-price cut (futures)
  bool futures = false;
  // Flow state (engine_mutex).
  bool flow_done = true;
  bool have_action = false;
  FlowAction action;
  std::uint64_t actions_applied = 0;

  // Driver (queue_mutex).
  std::mutex queue_mutex;
  std::condition_variable wake;
  std::deque<Delayed> delayed;
  bool stopping = false;
  bool poked = false;
  std::thread driver;
  std::atomic<std::uint64_t> publish_retries{0};
  std::atomic<std::uint64_t> send_failures{0};  // reports the acceptor refused to send

  Impl(const SimConfig& c, std::unique_ptr<OrderFlow> given_flow)
      : config(c), finished(static_cast<std::size_t>(std::max<std::int64_t>(c.finished_order_memory, 0))),
        counts(c.accounts.size()) {
    if (config.accounts.empty()) throw std::invalid_argument("venue: no [[account]] configured");
    std::vector<std::string> known;
    for (const auto& a : config.accounts)
      for (const auto& [asset, raw] : a.balances) known.push_back(asset);
    for (auto q : kKnownQuotes) known.emplace_back(q);
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    std::vector<std::pair<std::string, std::string>> parts;
    for (const auto& s : config.symbols) {
      auto split = split_symbol(s.name, known);
      if (split.first.empty())
        throw std::invalid_argument("venue: cannot tell the base and quote assets of " + s.name);
      assets.push_back(split.first);
      assets.push_back(split.second);
      parts.push_back(std::move(split));
    }
    for (const auto& a : config.accounts)
      for (const auto& [asset, raw] : a.balances) assets.push_back(asset);
    std::sort(assets.begin(), assets.end());
    assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
      const SimSymbol& s = config.symbols[i];
      VenueSymbol v;
      v.instrument.id = static_cast<InstrumentId>(i);
      v.instrument.symbol = s.name;
      v.instrument.tick_size = s.tick_size;
      v.instrument.lot_size = s.lot_size;
      v.instrument.min_notional = s.min_notional;
      v.instrument.price_decimals = s.price_decimals;
      v.instrument.qty_decimals = s.qty_decimals;
      v.base = asset_id(parts[i].first);
      v.quote = asset_id(parts[i].second);
      listing.push_back(listing_of(v.instrument, parts[i].first, parts[i].second));
      symbols.push_back(std::move(v));
    }
    house = house_accounts(config);
    EngineConfig ec;
    ec.accounts = config.accounts.size() + 2;  // + the flow's maker and taker
    ec.assets = std::max<std::size_t>(assets.size(), 1);
    ec.orders_per_book = static_cast<std::size_t>(config.orders_per_book);
    ec.maker_fee_millionths = config.maker_fee_millionths;
    ec.taker_fee_millionths = config.taker_fee_millionths;
    engine = std::make_unique<MatchingEngine>(symbols, ec, *this);
    for (std::size_t i = 0; i < config.accounts.size(); ++i)
      for (const auto& [asset, raw] : config.accounts[i].balances)
        engine->accounts().deposit(static_cast<AccountId>(i), asset_id(asset), raw);
    FixAcceptorConfig fc;
    fc.comp_id = config.comp_id;
    fc.port = config.fix_port;
    fc.bind_address = config.bind;
    fc.limits.max_connections = static_cast<std::size_t>(config.max_fix_connections);
    fc.store_dir = config.store_dir.empty() ? fresh_store_dir() : config.store_dir;
    if (config.store_dir.empty()) owned_store_dir = fc.store_dir;
    for (const auto& a : config.accounts) fc.accounts.push_back({a.comp_id, a.password});
    acceptor = std::make_unique<FixAcceptor>(std::move(fc), *this);

    const protocol::binance::Market market =
        config.market == MarketKind::kFutures ? protocol::binance::Market::kFutures : protocol::binance::Market::kSpot;
    publisher = std::make_unique<MarketDataPublisher>(market, symbols, *this);
    futures = config.market == MarketKind::kFutures;
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
      const SimSymbol& s = config.symbols[i];
      publisher->set_funding_rate(static_cast<InstrumentId>(i),
                                  protocol::binance::FundingRate{s.has_funding_rate ? s.funding_rate_e8 : config.funding_rate_e8});
    }
    MarketDataServerConfig mc;
    mc.market = market;
    mc.bind_address = config.bind;
    mc.max_connections = static_cast<std::size_t>(config.max_http_connections);
    mc.port = config.http_port;
    mc.tls_cert_path = config.tls_cert;
    mc.tls_key_path = config.tls_key;
    md_server = std::make_unique<MarketDataServer>(std::move(mc), *this);
    flow = given_flow ? std::move(given_flow) : make_order_flow(config, symbols, house);
    speed = config.flow_speed > 0 ? config.flow_speed : 1.0;
    afap = flow != nullptr && config.flow_speed == 0;
  }

  // ---- venue clock (engine_mutex held) ----

  [[nodiscard]] std::int64_t now_locked(std::int64_t wall) const noexcept {
    if (afap) return cursor;
    return origin + static_cast<std::int64_t>(static_cast<double>(wall - wall_origin) * speed);
  }
  // The steady time at which venue time reaches `t` (now when it already has, or while afap).
  [[nodiscard]] std::int64_t wall_of(std::int64_t t) const noexcept {
    if (afap) return 0;
    return wall_origin + static_cast<std::int64_t>(static_cast<double>(t - origin) / speed);
  }
  void start_clock(std::int64_t venue_origin) {
    origin = venue_origin;
    wall_origin = steady_ns();
    cursor = venue_origin;
    next_flush = venue_origin - venue_origin % MarketDataPublisher::kDepthIntervalNs +
                 MarketDataPublisher::kDepthIntervalNs;
    next_mark = venue_origin - venue_origin % MarketDataPublisher::kMarkIntervalNs +
                MarketDataPublisher::kMarkIntervalNs;
  }
  // Cuts the depth diffs of every 100-ms boundary and (futures) the mark prices of every whole second
  // up to venue time `t`, in time order. Quiet depth stretches are skipped in one step (nothing to
  // publish but a kline close, which the one flush still does); when venue time has jumped 3 s or
  // more past the next mark cut (a flow running as fast as possible), the marks resume at the last
  // 3-s boundary instead of replaying every second of the same book.
  void flush_until(std::int64_t t) {
    constexpr std::int64_t kStep = MarketDataPublisher::kDepthIntervalNs;
    constexpr std::int64_t kMark = MarketDataPublisher::kMarkIntervalNs;
    for (;;) {
      const bool mark_due = futures && next_mark <= t;
      if (next_flush <= t && (!mark_due || next_flush <= next_mark)) {
        if (!publisher->has_pending()) next_flush = std::max(next_flush, t - t % kStep);
        publisher->flush(next_flush);
        next_flush += kStep;
      } else if (mark_due) {
        if (t - next_mark >= 3 * kMark) next_mark = t - t % (3 * kMark);
        publisher->publish_marks(*engine, next_mark);
        next_mark += kMark;
      } else {
        break;
      }
    }
  }

  // ---- MarketDataSink / DepthSnapshotProvider ----

  void emit(std::string_view stream, std::string_view payload) override {
    outbox.push_back(MdMessage{steady_ns() + config.market_data_delay_us * 1000, std::string(stream),
                               std::string(payload)});
  }
  bool depth_snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) override {
    return publisher->snapshot(symbol, limit, out);
  }
  // serverTime is the venue's clock (Unix ms while no flow replays older data).
  bool exchange_info(std::string_view symbol, std::string& out) override {
    protocol::binance::ExchangeInfo info;
    {
      std::lock_guard lock(engine_mutex);
      info.server_time_ms = now_locked(steady_ns()) / 1'000'000;
    }
    info.symbols = listing;
    if (!symbol.empty()) {
      const auto it = std::find_if(listing.begin(), listing.end(),
                                   [&](const auto& r) { return r.symbol.view() == symbol; });
      if (it == listing.end()) return false;
      info.symbols = std::span<const protocol::binance::SymbolRules>(&*it, 1);
    }
    const protocol::binance::Market market = config.market == MarketKind::kFutures
                                                 ? protocol::binance::Market::kFutures
                                                 : protocol::binance::Market::kSpot;
    protocol::binance::encode_exchange_info(out, market, info);
    return true;
  }

  // One instrument's exchangeInfo entry. The matching rules check only that a price is positive and
  // on the tick and a quantity positive and on the lot (and the notional), so the filter's ranges
  // are one tick / lot up to the largest multiple of it that fixed point holds.
  static protocol::binance::SymbolRules listing_of(const Instrument& instrument, std::string_view base,
                                                   std::string_view quote) {
    protocol::binance::SymbolRules r;
    const auto copy_name = [](protocol::binance::Symbol& to, std::string_view from) {
      if (from.empty() || from.size() > protocol::binance::Symbol::kCapacity)
        throw std::invalid_argument("venue: symbol or asset name too long for exchangeInfo: " + std::string(from));
      std::copy(from.begin(), from.end(), to.chars);
      to.length = static_cast<std::uint8_t>(from.size());
    };
    copy_name(r.symbol, instrument.symbol);
    copy_name(r.base_asset, base);
    copy_name(r.quote_asset, quote);
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const auto largest = [](std::int64_t step) { return step > 0 ? kMax - kMax % step : std::int64_t{0}; };
    r.status = protocol::binance::SymbolStatus::kTrading;
    r.tick_size = instrument.tick_size;
    r.min_price = instrument.tick_size;
    r.max_price = Price::from_raw(largest(instrument.tick_size.raw()));
    r.step_size = instrument.lot_size;
    r.min_qty = instrument.lot_size;
    r.max_qty = Qty::from_raw(largest(instrument.lot_size.raw()));
    r.min_notional = instrument.min_notional;
    r.price_precision = static_cast<std::int8_t>(std::clamp(instrument.price_decimals, 0, kDecimals));
    r.quantity_precision = static_cast<std::int8_t>(std::clamp(instrument.qty_decimals, 0, kDecimals));
    return r;
  }

  [[nodiscard]] AssetId asset_id(std::string_view name) const {
    return static_cast<AssetId>(std::lower_bound(assets.begin(), assets.end(), name) - assets.begin());
  }
  [[nodiscard]] std::int64_t account_of(std::string_view comp_id) const {
    for (std::size_t i = 0; i < config.accounts.size(); ++i)
      if (config.accounts[i].comp_id == comp_id) return static_cast<std::int64_t>(i);
    return -1;
  }
  [[nodiscard]] InstrumentId instrument_of(const FixSymbol& symbol) const {
    for (const auto& s : symbols)
      if (s.instrument.symbol == symbol.view()) return s.instrument.id;
    return kNoInstrument;
  }
  [[nodiscard]] AccountId account_id(const CompId& session) const {
    const auto a = account_of(session.view());
    // The acceptor refuses unknown CompIDs at Logon, so a request always has an account; an
    // out-of-range id makes the engine answer kUnknownAccount should that ever change.
    return a < 0 ? static_cast<AccountId>(config.accounts.size()) : static_cast<AccountId>(a);
  }

  // Runs fn(venue time) on the engine, then sends what it reported, in order. A flow action running
  // as fast as possible takes its own time (`action_ts`); everything else happens now.
  template <class Fn>
  void handle(const FixSymbol& symbol, Fn&& fn, const std::int64_t* action_ts = nullptr) {
    std::unique_lock lock(engine_mutex);
    const std::int64_t ts = action_ts != nullptr && afap ? std::max(*action_ts, cursor) : now_locked(steady_ns());
    flush_until(ts);
    current_symbol = symbol;
    fn(ts);
    publisher->end_of_request(*engine, ts);
    std::vector<Outgoing> out;
    out.swap(pending);
    std::lock_guard send_lock(send_mutex);
    lock.unlock();
    for (const Outgoing& o : out) {
      const bool sent = o.is_report ? acceptor->send_execution_report(o.report) : acceptor->send_cancel_reject(o.reject);
      if (!sent) send_failed(o);
    }
  }

  // A report the acceptor refused (unknown session, acceptor stopped): counted, and logged once per
  // failure with what was lost, so that a client left without its answer can be traced.
  void send_failed(const Outgoing& o) {
    const std::uint64_t n = send_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    if (o.is_report) {
      fmt::print(stderr, "keel sim: ExecutionReport not sent (session {}, ClOrdID {}, ExecID {}); {} send failure(s)\n",
                 o.report.session.view(), o.report.cl_ord_id.view(), o.report.exec_id.view(), n);
    } else {
      fmt::print(stderr, "keel sim: OrderCancelReject not sent (session {}, ClOrdID {}); {} send failure(s)\n",
                 o.reject.session.view(), o.reject.cl_ord_id.view(), n);
    }
  }

  // A client request: matched now, or after the order-entry delay by the driver.
  void client_request(const FixSymbol& symbol, std::function<void(std::int64_t)> apply) {
    if (config.order_entry_delay_us == 0) {
      handle(symbol, apply);
      poke();  // the driver publishes what it produced
      return;
    }
    std::lock_guard lock(queue_mutex);
    delayed.push_back(Delayed{steady_ns() + config.order_entry_delay_us * 1000, symbol, std::move(apply)});
    poked = true;
    wake.notify_one();
  }
  void poke() {
    std::lock_guard lock(queue_mutex);
    poked = true;
    wake.notify_one();
  }

  // ---- driver thread ----

  void drive() {
    for (;;) {
      // Client requests whose delay has passed, in arrival order.
      std::vector<Delayed> due;
      {
        std::lock_guard lock(queue_mutex);
        if (stopping) return;
        const std::int64_t wall = steady_ns();
        while (!delayed.empty() && delayed.front().due_wall <= wall) {
          due.push_back(std::move(delayed.front()));
          delayed.pop_front();
        }
      }
      for (Delayed& d : due) handle(d.symbol, d.apply);

      std::int64_t next_wall = kFar;
      const int applied = apply_flow(next_wall);

      // Depth cuts, then the market data that is due.
      std::vector<MdMessage> ready;
      {
        std::lock_guard lock(engine_mutex);
        const std::int64_t wall = steady_ns();
        flush_until(now_locked(wall));
        if (!afap) next_wall = std::min(next_wall, wall_of(futures ? std::min(next_flush, next_mark) : next_flush));
        while (!outbox.empty() && outbox.front().due_wall <= wall) {
          ready.push_back(std::move(outbox.front()));
          outbox.pop_front();
        }
        if (!outbox.empty()) next_wall = std::min(next_wall, outbox.front().due_wall);
      }
      for (const MdMessage& m : ready) publish(m);

      std::unique_lock lock(queue_mutex);
      if (stopping) return;
      if (!delayed.empty()) next_wall = std::min(next_wall, delayed.front().due_wall);
      if (applied > 0 && afap) continue;  // as fast as possible: straight on
      if (!poked) {
        const auto deadline = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(std::min(next_wall, steady_ns() + 50'000'000)));
        wake.wait_until(lock, deadline, [&] { return poked || stopping; });
      }
      poked = false;
    }
  }

  // Applies the flow's actions that are due (at most kActionsPerRound). Lowers next_wall to the time
  // of the next action. Returns how many were applied.
  int apply_flow(std::int64_t& next_wall) {
    int applied = 0;
    while (applied < kActionsPerRound) {
      std::unique_lock lock(engine_mutex);
      if (flow_done) break;
      if (!have_action) {
        have_action = flow->next(*engine, action);
        if (!have_action) {
          end_flow();
          break;
        }
      }
      if (!afap) {
        if (action.ts > now_locked(steady_ns())) {
          next_wall = std::min(next_wall, wall_of(action.ts));
          break;
        }
      } else if (outbox.size() > 4096) {
        break;  // let the consumer catch up
      }
      FlowAction a = action;
      have_action = false;
      lock.unlock();
      handle(FixSymbol{}, [&](std::int64_t ts) { apply_action(a, ts); }, &a.ts);
      ++applied;
    }
    return applied;
  }
  // engine_mutex held. The action happens at venue time `ts`.
  void apply_action(FlowAction& a, std::int64_t ts) {
    cursor = std::max(cursor, ts);
    ++actions_applied;
    a.place.ts = a.cancel.ts = a.replace.ts = ts;
    apply(*engine, a);
  }
  // engine_mutex held. After the last action venue time runs on in real time.
  void end_flow() {
    flow_done = true;
    if (afap) {
      afap = false;
      speed = 1.0;
      origin = cursor;
      wall_origin = steady_ns();
    }
  }

  void publish(const MdMessage& m) {
    while (!md_server->publish(m.stream, m.payload)) {
      {
        std::lock_guard lock(queue_mutex);
        if (stopping) return;
      }
      publish_retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  // Refuses a configuration the process cannot serve: descriptors run out long before memory does.
  void check_descriptor_budget() const {
    const std::size_t needed = Venue::descriptors_needed(config);
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
      rlimit raised = limit;
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min<rlim_t>(limit.rlim_max, needed);
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
      throw ConfigError(fmt::format(
          "venue: {} accounts, max_fix_connections = {} and max_http_connections = {} need about {} file "
          "descriptors, but this process may open only {} (ulimit -n, hard limit {}); configure fewer "
          "accounts or connections, or raise the limit",
          config.accounts.size(), config.max_fix_connections, config.max_http_connections, needed,
          static_cast<unsigned long long>(limit.rlim_cur), static_cast<unsigned long long>(limit.rlim_max)));
    }
  }

  void start() {
    check_descriptor_budget();
    if (const Errc e = md_server->start(); e != Errc::kOk)
      throw std::runtime_error("venue: cannot open the market-data port " + config.bind + ":" +
                               std::to_string(config.http_port));
    acceptor->start();
    {
      std::lock_guard lock(engine_mutex);
      flow_done = flow == nullptr;
      std::int64_t first = unix_ns();
      if (flow) {
        have_action = flow->next(*engine, action);
        if (have_action) first = action.ts;
        else flow_done = true;
      }
      start_clock(first);
    }
    {
      std::lock_guard lock(queue_mutex);
      stopping = false;
    }
    driver = std::thread([this] { drive(); });
  }
  // Deletes the temporary FIX store this venue created (config.store_dir empty); a configured store
  // directory is the user's and stays.
  void remove_owned_store() noexcept {
    if (owned_store_dir.empty()) return;
    acceptor.reset();  // closes the store's files
    std::error_code ec;
    std::filesystem::remove_all(owned_store_dir, ec);
  }

  void stop() {
    acceptor->stop();
    {
      std::lock_guard lock(queue_mutex);
      stopping = true;
      wake.notify_all();
    }
    if (driver.joinable()) driver.join();
    md_server->stop();
  }

  void on_new_order(const FixNewOrder& o) override {
    client_request(o.symbol, [this, o](std::int64_t ts) {
      OrderRequest r;
      r.ts = ts;
      r.account = account_id(o.session);
      r.instrument = instrument_of(o.symbol);
      r.cl_ord_id = ClOrdId(o.cl_ord_id.view());
      if (VenueOrderCounts* n = counts_of(r.account)) ++n->new_orders;
      r.side = o.side;
      r.type = o.ord_type;
      r.tif = o.time_in_force;
      r.post_only = o.post_only;
      r.price = o.price;
      r.qty = o.qty;
      engine->submit(r);
    });
  }
  void on_cancel(const FixCancel& c) override {
    client_request(c.symbol, [this, c](std::int64_t ts) {
      CancelRequest r;
      r.ts = ts;
      r.account = account_id(c.session);
      r.instrument = instrument_of(c.symbol);
      r.cl_ord_id = ClOrdId(c.cl_ord_id.view());
      r.orig_cl_ord_id = ClOrdId(c.orig_cl_ord_id.view());
      r.side = c.side;
      if (VenueOrderCounts* n = counts_of(r.account)) ++n->cancels;
      engine->cancel(r);
    });
  }
  void on_replace(const FixReplace& g) override {
    client_request(g.symbol, [this, g](std::int64_t ts) {
      ReplaceRequest r;
      r.ts = ts;
      r.account = account_id(g.session);
      r.instrument = instrument_of(g.symbol);
      r.cl_ord_id = ClOrdId(g.cl_ord_id.view());
      r.orig_cl_ord_id = ClOrdId(g.orig_cl_ord_id.view());
      r.side = g.side;
      r.price = g.price;
      r.qty = g.qty;
      if (VenueOrderCounts* n = counts_of(r.account)) ++n->replaces;
      engine->replace(r);
    });
  }
  void on_status_request(const FixStatusRequest& h) override {
    client_request(h.symbol, [this, h](std::int64_t ts) {
      const AccountId account = account_id(h.session);
      if (VenueOrderCounts* n = counts_of(account)) ++n->status_requests;
      const InstrumentId instrument = instrument_of(h.symbol);
      const ClOrdId id(h.cl_ord_id.view());
      Outgoing o;
      FixExecReport& x = o.report;
      x.session = h.session;
      x.cl_ord_id = h.cl_ord_id;
      x.symbol = h.symbol;
      x.side = h.side;
      x.exec_type = ExecType::kOrderStatus;
      x.transact_time_ns = ts;
      next_status_exec_id(x);
      bool known = false;
      if (const RestingOrder* live = find_resting(account, instrument, id)) {
        describe(x, *live);
        known = true;
      } else if (const FinishedOrder* done = finished.find(account, instrument, id)) {
        if (!done->replaced) {
          describe(x, *done);
          known = true;
        } else if (const RestingOrder* now = find_resting_by_id(instrument, done->order_id)) {
          // A replaced order's old ClOrdID: the order as it stands now, under its current ClOrdID,
          // with the id asked about in OrigClOrdID (DECISIONS 247).
          describe(x, *now);
          (void)x.cl_ord_id.assign(now->cl_ord_id.view());
          x.orig_cl_ord_id = h.cl_ord_id;
          known = true;
        } else if (const FinishedOrder* last = finished.find_final(done->order_id)) {
          describe(x, *last);
          (void)x.cl_ord_id.assign(last->cl_ord_id.view());
          x.orig_cl_ord_id = h.cl_ord_id;
          known = true;
        }  // else the chain's end was forgotten: unknown
      }
      if (!known) {
        (void)x.order_id.assign("NONE");
        x.ord_status = OrderStatus::kRejected;
        x.text.assign_truncated("Unknown order");
      }
      pending.push_back(o);
    });
  }

  bool on_mass_status_request(const FixMassStatusRequest& af) override {
    client_request(FixSymbol{}, [this, af](std::int64_t ts) {
      const AccountId account = account_id(af.session);
      if (VenueOrderCounts* n = counts_of(account)) ++n->mass_status_requests;
      std::vector<std::pair<const RestingOrder*, InstrumentId>> open;
      for_each_open(account, [&](const RestingOrder& r, InstrumentId i) { open.emplace_back(&r, i); });
      std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) { return a.first->id < b.first->id; });
      const std::size_t total = open.size();
      for (std::size_t k = 0; k < std::max<std::size_t>(total, 1); ++k) {
        Outgoing o;
        FixExecReport& x = o.report;
        x.session = af.session;
        x.exec_type = ExecType::kOrderStatus;
        x.transact_time_ns = ts;
        next_status_exec_id(x);
        x.mass_status_req_id = af.mass_status_req_id;
        x.tot_num_reports = static_cast<int>(std::min<std::size_t>(total, std::numeric_limits<int>::max()));
        x.last_rpt_requested = k + 1 >= total;
        if (total == 0) {  // "no open orders" (DECISIONS 244)
          (void)x.order_id.assign("NONE");
          (void)x.cl_ord_id.assign("NONE");
          (void)x.symbol.assign("[N/A]");
          x.side = Side::kBuy;  // a placeholder: FIX requires 54, and keel's initiator reads it strictly
          x.ord_status = OrderStatus::kRejected;
        } else {
          const RestingOrder& r = *open[k].first;
          (void)x.cl_ord_id.assign(r.cl_ord_id.view());
          x.symbol.assign_truncated(symbols[open[k].second].instrument.symbol);
          describe(x, r);
        }
        pending.push_back(o);
      }
    });
    return true;
  }

  // ---- status helpers (engine_mutex held) ----

  [[nodiscard]] VenueOrderCounts* counts_of(AccountId account) noexcept {
    return account < counts.size() ? &counts[account] : nullptr;
  }
  // "S<n>": status reports' ExecIDs (written with to_chars: GCC 12 -O3 gives a false -Wrestrict on
  // "S" + std::string).
  void next_status_exec_id(FixExecReport& x) {
    char id[24] = {'S'};
    const auto end = std::to_chars(id + 1, id + sizeof id, ++status_reports).ptr;
    x.exec_id.assign_truncated(std::string_view(id, static_cast<std::size_t>(end - id)));
  }
  void describe(FixExecReport& x, const RestingOrder& r) const {
    set_id(x.order_id, r.id);
    x.side = r.side;
    x.ord_status = r.cum_qty.raw() > 0 ? OrderStatus::kPartiallyFilled : OrderStatus::kNew;
    x.cum_qty = r.cum_qty;
    x.leaves_qty = r.leaves();
    x.avg_px = average_price(r.cum_notional, r.cum_qty);
  }
  void describe(FixExecReport& x, const FinishedOrder& f) const {
    set_id(x.order_id, f.order_id);
    x.side = f.side;
    x.ord_status = to_order_status(f.status);
    x.cum_qty = f.cum_qty;
    x.leaves_qty = Qty{};
    x.avg_px = average_price(f.cum_notional, f.cum_qty);
  }
  // fn(order, instrument) for every resting order of `account`, book by book.
  template <class Fn>
  void for_each_open(AccountId account, Fn&& fn) const {
    for (std::size_t i = 0; i < engine->instrument_count(); ++i) {
      const OrderBook& book = engine->book(static_cast<InstrumentId>(i));
      for (Side side : {Side::kBuy, Side::kSell}) {
        for (const PriceLevel& level : book.levels(side)) {
          for (Slot s = level.head; s != kNoSlot; s = book.order(s).next) {
            const RestingOrder& o = book.order(s);
            if (o.account == account) fn(o, static_cast<InstrumentId>(i));
          }
        }
      }
    }
  }
  [[nodiscard]] const RestingOrder* find_resting_by_id(InstrumentId instrument, OrderId id) const {
    if (instrument >= engine->instrument_count()) return nullptr;
    const OrderBook& book = engine->book(instrument);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (const PriceLevel& level : book.levels(side)) {
        for (Slot s = level.head; s != kNoSlot; s = book.order(s).next) {
          if (book.order(s).id == id) return &book.order(s);
        }
      }
    }
    return nullptr;
  }

  // Counts the report and remembers an order that ended (or a ClOrdID that a replace retired).
  void record(const Execution& e) noexcept {
    VenueOrderCounts* n = counts_of(e.account);
    if (n == nullptr) return;
    switch (e.exec_type) {
      case VenueExecType::kNew: ++n->accepted; break;
      case VenueExecType::kRejected:
        ++n->rejected;
        if (e.reject_reason == RejectReason::kDuplicateClOrdId) ++n->duplicate_cl_ord_ids;
        break;
      case VenueExecType::kTrade: ++n->fills; break;
      default: break;
    }
    FinishedOrder f;
    f.account = e.account;
    f.instrument = e.instrument;
    f.order_id = e.order_id;
    f.side = e.side;
    f.order_qty = e.order_qty;
    f.cum_qty = e.cum_qty;
    f.cum_notional = e.cum_notional;
    if (e.exec_type == VenueExecType::kReplaced) {
      f.cl_ord_id = e.orig_cl_ord_id;
      f.replaced = true;
      finished.remember(f);
      return;
    }
    const bool ended = (e.exec_type == VenueExecType::kTrade && e.ord_status == OrdStatus::kFilled) ||
                       e.exec_type == VenueExecType::kCanceled;
    if (!ended || e.order_id == 0) return;
    f.status = e.ord_status;
    f.cl_ord_id = e.cl_ord_id;
    finished.remember(f);
    // A client cancel (or a replace that cancelled) names the order's own ClOrdID in 41: the order
    // answers to both ids afterwards, the newer (the request's) found first.
    if (!e.orig_cl_ord_id.empty() && !(e.orig_cl_ord_id == e.cl_ord_id)) {
      f.cl_ord_id = e.orig_cl_ord_id;
      finished.remember(f);
    }
  }

  // The account's open order with this ClOrdID on the instrument's book; nullptr when none.
  [[nodiscard]] const RestingOrder* find_resting(AccountId account, InstrumentId instrument,
                                                 const ClOrdId& id) const {
    if (instrument >= engine->instrument_count()) return nullptr;
    const OrderBook& book = engine->book(instrument);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (const PriceLevel& level : book.levels(side)) {
        for (Slot s = level.head; s != kNoSlot; s = book.order(s).next) {
          const RestingOrder& o = book.order(s);
          if (o.account == account && o.cl_ord_id == id) return &o;
        }
      }
    }
    return nullptr;
  }

  void on_execution(const Execution& e) noexcept override {
    if (e.account >= config.accounts.size()) {  // a house account: no session to tell
      if (flow) flow->on_execution(e);
      return;
    }
    record(e);
    Outgoing o;
    FixExecReport& x = o.report;
    x.session.assign_truncated(config.accounts[e.account].comp_id);
    if (e.order_id == 0) (void)x.order_id.assign("NONE");
    else set_id(x.order_id, e.order_id);
    set_id(x.exec_id, e.exec_id);
    (void)x.cl_ord_id.assign(e.cl_ord_id.view());
    (void)x.orig_cl_ord_id.assign(e.orig_cl_ord_id.view());
    if (e.instrument < symbols.size()) x.symbol.assign_truncated(symbols[e.instrument].instrument.symbol);
    else x.symbol = current_symbol;
    x.side = e.side;
    x.exec_type = to_exec_type(e.exec_type, e.leaves_qty);
    x.ord_status = to_order_status(e.ord_status);
    x.cum_qty = e.cum_qty;
    x.leaves_qty = e.leaves_qty;
    x.avg_px = average_price(e.cum_notional, e.cum_qty);
    x.transact_time_ns = e.ts;  // venue time: a gateway stamps the core's ExecReport with it
    if (e.exec_type == VenueExecType::kTrade) {
      x.last_px = e.last_px;
      x.last_qty = e.last_qty;
    }
    if (e.exec_type == VenueExecType::kRejected) {
      x.reject_reason = e.reject_reason;
      x.text.assign_truncated(to_text(e.reject_reason));
    } else if (e.exec_type == VenueExecType::kCanceled && e.cancel_cause != CancelCause::kNone) {
      x.text.assign_truncated(to_text(e.cancel_cause));
    }
    pending.push_back(o);
  }

  void on_public_trade(const PublicTrade& t) noexcept override { publisher->on_public_trade(t); }
  void on_book_level(const BookLevelChange& c) noexcept override { publisher->on_book_level(c); }

  void on_cancel_reject(const CancelReject& r) noexcept override {
    if (r.account >= config.accounts.size()) {  // a house account (the flow raced a client)
      if (flow) flow->on_cancel_reject(r);
      return;
    }
    if (r.reason == CxlRejReason::kDuplicateClOrdId) ++counts[r.account].duplicate_cl_ord_ids;
    Outgoing o;
    o.is_report = false;
    FixCancelReject& x = o.reject;
    x.session.assign_truncated(config.accounts[r.account].comp_id);
    if (r.order_id != 0) set_id(x.order_id, r.order_id);
    (void)x.cl_ord_id.assign(r.cl_ord_id.view());
    (void)x.orig_cl_ord_id.assign(r.orig_cl_ord_id.view());
    x.ord_status = to_order_status(r.ord_status);
    x.response_to = to_order_action(r.response_to);
    x.reason = to_reject_reason(r.reason, r.detail);
    if (r.detail != RejectReason::kNone) x.text.assign_truncated(to_text(r.detail));
    else if (r.reason == CxlRejReason::kUnknownOrder) x.text.assign_truncated("Unknown order");
    else if (r.reason == CxlRejReason::kTooLate) x.text.assign_truncated("Too late to cancel");
    pending.push_back(o);
  }
};

Venue::Venue(const SimConfig& config, std::unique_ptr<OrderFlow> flow)
    : impl_(std::make_unique<Impl>(config, std::move(flow))) {}
Venue::~Venue() {
  stop();
  impl_->remove_owned_store();
}

void Venue::start() { impl_->start(); }
void Venue::stop() { impl_->stop(); }
std::uint16_t Venue::fix_port() const noexcept { return impl_->acceptor->port(); }
std::uint16_t Venue::http_port() const noexcept { return impl_->md_server->port(); }
std::string Venue::ready_line() const {
  const std::string scheme = impl_->md_server->tls() ? "https" : "http";
  const auto host_port = [](std::string address, std::uint16_t port) {
    if (address.find(':') != std::string::npos) address = "[" + address + "]";
    return address + ":" + std::to_string(port);
  };
  return "ready http=" + scheme + "://" + host_port(impl_->md_server->bound_address(), http_port()) +
         " fix=" + host_port(impl_->acceptor->bound_address(), fix_port());
}

std::size_t Venue::descriptors_needed(const SimConfig& config) noexcept {
  constexpr std::size_t kPerAccount = 4;  // FileStore: body, header, seqnums, session
  constexpr std::size_t kReserve = 64;    // listeners, epoll/event fds, data files, libraries, stdio
  return config.accounts.size() * kPerAccount + static_cast<std::size_t>(config.max_fix_connections) +
         static_cast<std::size_t>(config.max_http_connections) + kReserve;
}

std::vector<std::string> Venue::security_warnings(const SimConfig& config) {
  std::vector<std::string> warnings;
  if (net::is_loopback_address(config.bind)) return warnings;
  for (const SimAccount& a : config.accounts) {
    if (!a.password.empty()) continue;
    warnings.push_back("WARNING: account " + a.comp_id + " has no password and the FIX port listens on " +
                       config.bind + ", beyond loopback: anyone who can reach it can log on as " + a.comp_id +
                       ", replay its reports and cancel its orders (set [[account]] password, or bind 127.0.0.1)");
  }
  return warnings;
}
bool Venue::is_logged_on(std::string_view comp_id) const { return impl_->acceptor->is_logged_on(comp_id); }
FixAcceptorStats Venue::fix_stats() const noexcept { return impl_->acceptor->stats(); }
MarketDataServerStats Venue::market_data_stats() const noexcept { return impl_->md_server->stats(); }

FlowAccounts Venue::house_accounts(const SimConfig& config) noexcept {
  const auto n = static_cast<AccountId>(config.accounts.size());
  return FlowAccounts{n, n + 1};
}
bool Venue::flow_finished() const {
  std::lock_guard lock(impl_->engine_mutex);
  return impl_->flow_done;
}
std::uint64_t Venue::flow_actions() const {
  std::lock_guard lock(impl_->engine_mutex);
  return impl_->actions_applied;
}
std::int64_t Venue::venue_time() const {
  std::lock_guard lock(impl_->engine_mutex);
  return impl_->now_locked(steady_ns());
}
std::vector<protocol::binance::Level> Venue::book_side(std::string_view symbol, Side side) const {
  std::vector<protocol::binance::Level> out;
  std::lock_guard lock(impl_->engine_mutex);
  for (const VenueSymbol& v : impl_->symbols) {
    if (v.instrument.symbol != symbol) continue;
    const auto levels = impl_->engine->book(v.instrument.id).levels(side);
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) out.push_back({it->price, it->total});
  }
  return out;
}
std::uint64_t Venue::publish_retries() const { return impl_->publish_retries.load(std::memory_order_relaxed); }
std::uint64_t Venue::send_failures() const { return impl_->send_failures.load(std::memory_order_relaxed); }

std::int64_t Venue::balance(std::string_view comp_id, std::string_view asset) const {
  std::lock_guard lock(impl_->engine_mutex);
  const auto a = impl_->account_of(comp_id);
  const auto it = std::lower_bound(impl_->assets.begin(), impl_->assets.end(), asset);
  if (a < 0 || it == impl_->assets.end() || *it != asset) return 0;
  return impl_->engine->accounts().balance(static_cast<AccountId>(a),
                                           static_cast<AssetId>(it - impl_->assets.begin()));
}

std::vector<VenueOpenOrder> Venue::open_orders(std::string_view comp_id) const {
  std::vector<VenueOpenOrder> out;
  std::lock_guard lock(impl_->engine_mutex);
  const auto a = impl_->account_of(comp_id);
  if (a < 0) return out;
  impl_->for_each_open(static_cast<AccountId>(a), [&](const RestingOrder& r, InstrumentId i) {
    out.push_back(VenueOpenOrder{r.id, std::string(r.cl_ord_id.view()), impl_->symbols[i].instrument.symbol, r.side,
                                 r.price, r.qty, r.cum_qty, r.leaves()});
  });
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.order_id < y.order_id; });
  return out;
}

VenueOrderCounts Venue::order_counts(std::string_view comp_id) const {
  std::lock_guard lock(impl_->engine_mutex);
  const auto a = impl_->account_of(comp_id);
  return a < 0 ? VenueOrderCounts{} : impl_->counts[static_cast<std::size_t>(a)];
}

std::pair<std::string, std::string> Venue::split_symbol(std::string_view symbol,
                                                        const std::vector<std::string>& assets) {
  std::string_view best;
  for (const std::string& q : assets) {
    if (q.size() < symbol.size() && symbol.substr(symbol.size() - q.size()) == q && q.size() > best.size())
      best = q;
  }
  if (best.empty()) return {};
  return {std::string(symbol.substr(0, symbol.size() - best.size())), std::string(best)};
}

}  // namespace keel::sim
