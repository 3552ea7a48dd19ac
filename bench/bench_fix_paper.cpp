// Paper mode, a trade → the strategy's order at the simulator: keel's TradingRuntime (feed thread,
// core thread, FIX session and router threads, journal thread — as `keel paper` wires them) against
// an in-process sim::Venue (flow none, no latency model) over real loopback sockets.
//
//   BM_PaperTradeToOrder   a benchmark-owned Strategy sends a limit buy far below the market (it
//                          rests) on every Trade it sees, and cancels it once acknowledged. Two other
//                          FIX accounts of the venue (QuickFIX initiators, MemoryStore) make the
//                          trades: MAKER rests a sell 0.001 @ 30000, waits for its ack, then TAKER
//                          sends a crossing IOC buy 0.001 @ 30000 — one trade per sample, ~1 ms apart.
//                          fix_log:1 gives the gateway a message log (log_dir) as `keel paper` does;
//                          fix_log:0 runs without one.
//
// Clocks and what each figure spans (all ns, one process):
//   t_send     venue.venue_time() just before TAKER's Session::send (venue clock; flow none: the
//              wall clock at start + steady time since)
//   t_recv     the Trade event's ts_local: CLOCK_REALTIME read by the feed's WsClient when the frame
//              arrived (converted to venue clock with an offset read beside t_send)
//   t_strat    CLOCK_REALTIME at the top of Strategy::on_trade on the core thread (converted)
//   t_venue    TransactTime of the venue's ExecutionReport (ack) for the strategy's order, which
//              the venue stamps when it takes the request (after its FIX decode, under its engine
//              lock), µs resolution, venue clock; reaches the strategy as the ack's ts_exchange.
//   send→order = t_venue − t_send: an upper bound of "trade → order at the venue" (includes TAKER's
//                FIX hop into the venue and the match itself);
//   recv→order = t_venue − t_recv: a lower bound (excludes the venue's publication and the WS hop);
//   strat→order = t_venue − t_strat: the core's decision → venue (engine, risk, OMS, command ring,
//                router, QuickFIX, socket, the venue's FIX decode);
//   send→recv, recv→strat: the other pieces.
// Correctness: every sample's trade reaches the strategy exactly once (trade count = samples sent),
// its price and quantity are the ones traded, the strategy's order is sent (SubmitStatus kSent) and
// acknowledged (ExecType kNew, the order's tag = the trade's index), t_venue is present; the
// gateway counts no failed sends, malformed reports or refusals. Reported beside it: the core
// thread's allocations after warm-up (TradingRuntimeResult::allocations_after_warmup, must be 0).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "keel/protocol/fix/quickfix.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"
#include "latency_histogram.hpp"
#include "trading_runtime.hpp"
#include "../tests/sim/fix_test_client.hpp"

namespace {

using namespace keel;
using namespace keel::bench;
using namespace std::chrono_literals;

constexpr int kWarmup = 300;
constexpr int kSamples = 3'000;
constexpr std::size_t kCapacity = 16'384;

std::int64_t wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Sends a resting limit buy on every trade; cancels each once the venue acknowledges it. Records the
// times (measurement only: a real strategy never reads the wall clock). Core thread only, except the
// atomics.
class EchoStrategy final : public Strategy {
 public:
  EchoStrategy() : trade_local(kCapacity), on_trade_wall(kCapacity), ack_venue(kCapacity), trade_price(kCapacity),
                   trade_qty(kCapacity), status(kCapacity, 255) {}

  void on_trade(const Trade& t) noexcept override {
    const std::int64_t now = wall_ns();
    const std::uint32_t k = trades.load(std::memory_order_relaxed);
    if (k >= kCapacity) return;
    trade_local[k] = t.header.ts_local;
    on_trade_wall[k] = now;
    trade_price[k] = t.price.raw();
    trade_qty[k] = t.qty.raw();
    Intent in;
    in.kind = IntentKind::kOrder;
    in.instrument = t.header.instrument;
    in.side = Side::kBuy;
    in.type = OrderType::kLimit;
    in.tif = TimeInForce::kGtc;
    in.limit_price = Price::parse("28000").value();
    in.qty = Qty::parse("0.001").value();
    in.tag = k + 1;
    status[k] = static_cast<std::uint8_t>(entry_->submit(in).status);
    trades.store(k + 1, std::memory_order_release);
  }
  void on_exec_report(const ExecReport& r, const OmsOrder& o) noexcept override {
    if (static_cast<ExecType>(r.header.subtype) != ExecType::kNew || o.tag == 0 || o.tag > kCapacity) return;
    ack_venue[o.tag - 1] = r.header.ts_exchange;
    acked.fetch_add(1, std::memory_order_release);
    Intent c;
    c.kind = IntentKind::kCancel;
    c.instrument = o.instrument;
    c.order_id = o.order_id;
    (void)entry_->submit(c);  // a refused cancel leaves an order resting: counted by open_orders
  }

  std::vector<std::int64_t> trade_local, on_trade_wall, ack_venue, trade_price, trade_qty;
  std::vector<std::uint8_t> status;
  std::atomic<std::uint32_t> trades{0};
  std::atomic<std::uint32_t> acked{0};
};

FIX::SessionSettings client_settings(const std::string& comp_id, std::uint16_t port) {
  FIX::Dictionary d;
  d.setString("ConnectionType", "initiator");
  d.setString("SocketConnectHost", "127.0.0.1");
  d.setInt("SocketConnectPort", port);
  d.setInt("HeartBtInt", 600);
  d.setInt("ReconnectInterval", 60);
  d.setString("SocketNodelay", "Y");
  d.setString("UseDataDictionary", "N");
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("ResetOnLogon", "Y");
  FIX::SessionSettings s;
  s.set(FIX::SessionID("FIX.4.4", comp_id, "KEELSIM"), d);
  return s;
}

// A counterparty account: a QuickFIX initiator with a MemoryStore (not what is measured).
class Client {
 public:
  Client(const std::string& comp_id, std::uint16_t port)
      : id_("FIX.4.4", comp_id, "KEELSIM"), settings_(client_settings(comp_id, port)), initiator_(app_, store_, settings_) {
    initiator_.start();
  }
  ~Client() { initiator_.stop(true); }
  sim::test::ClientApp& app() { return app_; }
  bool send(FIX::Message& m) { return FIX::Session::sendToTarget(m, id_); }
  void drain() {
    while (app_.next(0ms)) {}
  }

 private:
  FIX::SessionID id_;
  sim::test::ClientApp app_;
  FIX::SessionSettings settings_;
  FIX::MemoryStoreFactory store_;
  FIX::SocketInitiator initiator_;
};

FIX::Message order(const std::string& id, const char* side, const char* tif) {
  FIX::Message m;
  m.getHeader().setField(35, "D");
  m.setField(11, id);
  m.setField(55, "BTCUSDT");
  m.setField(54, side);
  m.setField(38, "0.001");
  m.setField(40, "2");
  m.setField(44, "30000");
  m.setField(59, tif);
  m.setField(60, "20240102-03:04:05.678");
  return m;
}

void BM_PaperTradeToOrder(benchmark::State& state) {
  char tmpl[] = "/tmp/keel_bench_paper_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  sim::SimConfig vc = sim::parse_sim_config(
      "[venue]\ncomp_id = \"KEELSIM\"\n"
      "[[symbol]]\nname = \"BTCUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n"
      "[[account]]\ncomp_id = \"KEEL\"\nbalances = { USDT = \"100000000\" }\n"
      "[[account]]\ncomp_id = \"MAKER\"\nbalances = { USDT = \"100000000\", BTC = \"1000\" }\n"
      "[[account]]\ncomp_id = \"TAKER\"\nbalances = { USDT = \"100000000\", BTC = \"1000\" }\n",
      "bench_fix_paper.toml");
  vc.store_dir = dir + "/venue-store";
  auto venue = std::make_unique<sim::Venue>(vc);
  venue->start();

  EchoStrategy strategy;
  cli::TradingRuntimeConfig rt;
  rt.config.run.mode = RunMode::kPaper;
  rt.config.run.initial_capital = 100'000'000.0;
  rt.config.strategy.kind = StrategyKind::kNone;
  rt.config.live.bar_interval_ms = 1000;  // warm-up (allocation counting) ends with the first bar time
  rt.config.risk.price_band = 0.5;
  rt.config.risk.orders_per_second = 1e6;
  rt.config.risk.order_burst = 1'000'000;
  rt.config.risk.max_open_orders = 4096;
  rt.registry.add(InstrumentSpec{"BTCUSDT", Price::parse("0.01").value(), Qty::parse("0.00001").value(),
                                 notional_from_double(5.0).value()});
  auto& md = rt.market_data;
  md.client.url = "ws://127.0.0.1:" + std::to_string(venue->http_port());
  md.client.market = gateway::Market::kSpot;
  md.client.rest_weight_per_minute = 6000;
  md.feed.market = book::DepthVenue::kSpot;
  md.feed.book_levels = 1000;
  md.feed.symbols.push_back("BTCUSDT");
  md.client.streams.push_back("btcusdt@trade");
  md.client.streams.push_back("btcusdt@bookTicker");
  rt.fix.host = "127.0.0.1";
  rt.fix.port = venue->fix_port();
  rt.fix.sender_comp_id = "KEEL";
  rt.fix.target_comp_id = "KEELSIM";
  rt.fix.heartbeat_s = 600;
  rt.fix.reset_seq_num = true;
  rt.fix.store_dir = dir + "/fix-store";
  if (state.range(0) != 0) rt.fix.log_dir = dir + "/fix-log";  // `keel paper` keeps a message log
  rt.journal_path = dir + "/journal.bin";  // as `keel paper` runs
  // The router's spin before it sleeps (live.fix_spin_us); a dedicated core affords a long one.
  if (const char* spin = std::getenv("KEEL_BENCH_ROUTER_SPIN_NS")) rt.fix.spin_ns = std::atoll(spin);
  rt.expected_bar_times = 1024;
  rt.strategy = &strategy;
  cli::TradingRuntime runtime(rt);
  runtime.start();
  Client maker("MAKER", venue->fix_port());
  Client taker("TAKER", venue->fix_port());
  auto fail = [&](const std::string& why) {
    (void)runtime.stop(200);
    venue->stop();
    std::filesystem::remove_all(dir);
    state.SkipWithError(why.c_str());
  };
  if (!maker.app().wait_logon() || !taker.app().wait_logon()) return fail("counterparties did not log on");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!runtime.fix_counters().logged_on.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  if (!runtime.fix_counters().logged_on.load()) return fail("the runtime's FIX session did not log on");

  std::uint32_t next_id = 0;
  // One trade: MAKER's resting sell (acknowledged), then TAKER's crossing IOC. Returns t_send and the
  // venue−wall clock offset read beside it.
  auto trade = [&](std::int64_t& t_send, std::int64_t& offset) -> bool {
    FIX::Message sell = order("M" + std::to_string(++next_id), "2", "1");
    if (!maker.send(sell)) return false;
    // Its ack (a fill of the previous sample's sell may still be queued before it: skipped).
    const std::string id = "M" + std::to_string(next_id);
    for (;;) {
      const auto m = maker.app().next(2000ms);
      if (!m || m->getHeader().getField(35) != "8") return false;
      if (m->getField(11) == id && m->getField(150) == "0") break;
    }
    FIX::Message buy = order("T" + std::to_string(next_id), "1", "3");
    const std::int64_t w = wall_ns();
    t_send = venue->venue_time();
    offset = t_send - w;
    return taker.send(buy);
  };

  // The feed subscribes after start(): trades until the strategy sees one.
  {
    std::int64_t t = 0, off = 0;
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (strategy.trades.load() == 0 && std::chrono::steady_clock::now() < until) {
      if (!trade(t, off)) return fail("a counterparty order failed");
      std::this_thread::sleep_for(100ms);
      maker.drain();
      taker.drain();
    }
    if (strategy.trades.load() == 0) return fail("the strategy saw no trade");
    std::this_thread::sleep_for(200ms);
  }
  const std::uint32_t base = strategy.trades.load();
  if (strategy.acked.load() != base) return fail("warm-up orders were not acknowledged");

  LatencyHistogram send_order, recv_order, strat_order, send_recv, recv_strat;
  for (auto* h : {&send_order, &recv_order, &strat_order, &send_recv, &recv_strat}) h->reserve(kSamples);
  std::vector<std::int64_t> t_send(kCapacity), offset(kCapacity);
  double seconds = 0;
  for (auto _ : state) {
    const auto c0 = std::chrono::steady_clock::now();
    for (int j = 0; j < kWarmup + kSamples; ++j) {
      const std::uint32_t k = base + static_cast<std::uint32_t>(j);
      if (!trade(t_send[k], offset[k])) return fail("a counterparty order failed at sample " + std::to_string(j));
      const auto until = std::chrono::steady_clock::now() + 2s;
      while (strategy.acked.load(std::memory_order_acquire) < k + 1 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20us);
      if (strategy.acked.load() < k + 1)
        return fail("no acknowledged strategy order for trade " + std::to_string(j) + " (trades seen " +
                    std::to_string(strategy.trades.load() - base) + ")");
      std::this_thread::sleep_for(1ms);  // the cancel and the counterparties' fills settle
      maker.drain();
      taker.drain();
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  }
  std::this_thread::sleep_for(50ms);
  const std::uint32_t total = base + kWarmup + kSamples;
  if (strategy.trades.load() != total) return fail("trades seen by the strategy != trades made");
  const std::int64_t px = Price::parse("30000").value().raw(), qty = Qty::parse("0.001").value().raw();
  for (std::uint32_t k = base; k < total; ++k) {
    if (strategy.status[k] != static_cast<std::uint8_t>(SubmitStatus::kSent)) return fail("an order was not sent");
    if (strategy.trade_price[k] != px || strategy.trade_qty[k] != qty) return fail("a trade's price or quantity differs");
    if (strategy.ack_venue[k] == 0) return fail("an ack without TransactTime");
    if (k < base + kWarmup) continue;
    const std::int64_t v = strategy.ack_venue[k];
    const std::int64_t recv = strategy.trade_local[k] + offset[k];
    const std::int64_t strat = strategy.on_trade_wall[k] + offset[k];
    auto pos = [](std::int64_t d) { return static_cast<std::uint64_t>(d < 0 ? 0 : d); };
    send_order.record(pos(v - t_send[k]));
    recv_order.record(pos(v - recv));
    strat_order.record(pos(v - strat));
    send_recv.record(pos(recv - t_send[k]));
    recv_strat.record(pos(strat - recv));
  }
  const auto& fx = runtime.fix_counters();
  const bool fix_clean = fx.send_failed.load() == 0 && fx.not_sent.load() == 0 && fx.malformed.load() == 0 &&
                         fx.unknown_orders.load() == 0 && fx.session_rejects.load() == 0 && fx.logons.load() == 1;
  const cli::TradingRuntimeResult result = runtime.stop(2000);
  const std::int64_t open = runtime.snapshot().open_orders.load();
  venue->stop();
  std::filesystem::remove_all(dir);
  if (!fix_clean) return state.SkipWithError("the gateway counted failures or reconnected");
  report_latency(state, send_order.summarize(1e-3), "send_order_us_");
  report_latency(state, recv_order.summarize(1e-3), "recv_order_us_");
  report_latency(state, strat_order.summarize(1e-3), "strat_order_us_");
  report_latency(state, send_recv.summarize(1e-3), "send_recv_us_");
  report_latency(state, recv_strat.summarize(1e-3), "recv_strat_us_");
  state.counters["core_allocs_after_warmup"] = benchmark::Counter(static_cast<double>(result.allocations_after_warmup));
  state.counters["warm"] = benchmark::Counter(runtime.snapshot().warm.load() ? 1 : 0);
  state.counters["open_orders_end"] = benchmark::Counter(static_cast<double>(open));
  state.counters["pinned"] = benchmark::Counter(result.pinned ? 1 : 0);
  state.counters["trades_per_s"] = benchmark::Counter((kWarmup + kSamples) / seconds);
}
BENCHMARK(BM_PaperTradeToOrder)->ArgNames({"fix_log"})->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
