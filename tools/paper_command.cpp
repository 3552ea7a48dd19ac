// keel paper: the whole system against the simulator over real sockets — the simulator in-process
// (or a running `keel sim` named in the config), the gateway's feed (WebSocket market data, REST
// snapshots) and FIX order routing, and the core with DOLPHIN on bars built from the venue's trades.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "json_writer.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/io/text_file.hpp"
#include "keel/sim/venue.hpp"
#include "run_summary.hpp"
#include "trading_runtime.hpp"

namespace keel::cli {
namespace {

namespace gwb = gateway::binance;

Command make_command() {
  return Command(
      "paper",
      "paper [--config FILE] [--speed N] [--duration S] [--seed N] --out RUN_DIR",
      "Paper trading over real sockets, the same code path as `keel live`: starts the simulator in-process\n"
      "(the synthetic market on built-in defaults; live.sim_config names another simulator config; with\n"
      "live.market_data_url and live.fix_port set it connects to a running `keel sim` instead), then the\n"
      "gateway (WebSocket market data, REST snapshots, FIX orders) and the core with DOLPHIN on bars built\n"
      "from the venue's trades. A one-line status on stderr when it is a terminal; Ctrl-C stops cleanly\n"
      "(open orders cancelled, journal flushed, final summary). Writes RUN_DIR/summary.json, trades.csv,\n"
      "equity.csv, report.html, journal.bin (`keel replay` reproduces the run's digest) and fix/ (the FIX\n"
      "store and message log).",
      {{"--config", "FILE", "TOML configuration ([live] for the venue, [dolphin.*], [risk], …)"},
       {"--speed", "N", "venue seconds per wall second of the in-process simulator (0 = as fast as the feed reads; default 0)"},
       {"--duration", "S", "stop after S seconds (default: when the simulator's market ends, or on Ctrl-C)"},
       {"--seed", "N", "run seed (overrides run.seed)"},
       {"--out", "RUN_DIR", "run directory to create or reuse", true}});
}

// The built-in venue: KeelConfig's synthetic market as the simulator's flow, one symbol per asset,
// one account for keel.
sim::SimConfig builtin_venue(const KeelConfig& config, double speed) {
  const SyntheticConfig& s = config.synthetic;
  std::string toml = fmt::format(
      "[venue]\nmarket = \"{}\"\ncomp_id = \"{}\"\n"
      "[flow]\nkind = \"synthetic\"\nspeed = {}\nseed = {}\n"
      "[flow.synthetic]\ndays = {}\nbar_interval_ms = {}\nstart = \"{}\"\nstart_price = {}\nprice_decimals = {}\n"
      "qty_decimals = {}\nbar_volatility = {}\n",
      config.live.market, config.live.target_comp_id, speed, config.run.seed, s.days, s.bar_interval_ms, s.start,
      s.start_price, s.price_decimals, s.qty_decimals, s.bar_volatility);
  const std::string tick = fmt::format("{:.{}f}", std::pow(10.0, -s.price_decimals), s.price_decimals);
  const std::string lot = fmt::format("{:.{}f}", std::pow(10.0, -s.qty_decimals), s.qty_decimals);
  for (int i = 0; i < s.assets; ++i)
    toml += fmt::format("[[symbol]]\nname = \"SYN{}USDT\"\ntick_size = \"{}\"\nlot_size = \"{}\"\nmin_notional = \"5\"\n", i,
                        tick, lot);
  toml += fmt::format("[[account]]\ncomp_id = \"{}\"\nbalances = {{ USDT = \"{}\" }}\n", config.live.sender_comp_id,
                      fmt::format("{:.0f}", std::ceil(config.run.initial_capital)));
  return sim::parse_sim_config(toml, "keel paper (built-in venue)");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

}  // namespace

int paper_command(const std::vector<std::string>& args) {
  const auto started = std::chrono::steady_clock::now();
  Command cmd = make_command();
  if (!cmd.parse(args)) return kExitOk;
  if (!cmd.positionals().empty()) throw UsageError("keel paper: unexpected argument " + clip_for_message(cmd.positionals()[0]));
  KeelConfig config;
  if (const auto path = cmd.get("--config")) config = load_config_file(*path);
  config.run.mode = RunMode::kPaper;
  if (const auto seed = cmd.get_u64("--seed")) config.run.seed = *seed;
  double speed = 0.0;
  if (const auto v = cmd.get("--speed")) {
    char* end = nullptr;
    speed = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0' || !(speed >= 0.0) || speed > 1e9)
      throw UsageError("keel paper: --speed expects a number >= 0, got " + quote_for_message(*v));
  }
  const std::optional<std::uint64_t> duration = cmd.get_u64("--duration");
  validate_config(config);
  const std::filesystem::path out_dir = *cmd.get("--out");
  std::error_code ec;
  std::filesystem::create_directories(out_dir / "fix", ec);
  if (ec) throw OutputError(out_dir.string() + ": cannot create the run directory: " + ec.message());
  for (const char* name : {"summary.json", "journal.bin", "trades.csv", "equity.csv", "report.html"})
    std::filesystem::remove(out_dir / name, ec);

  // The venue: in-process unless the config names a running one.
  const bool external = !config.live.market_data_url.empty() && config.live.fix_port != 0;
  std::unique_ptr<sim::Venue> venue;
  sim::SimConfig venue_config;
  if (!external) {
    venue_config = config.live.sim_config.empty() ? builtin_venue(config, speed) : sim::load_sim_config(config.live.sim_config);
    if (!config.live.sim_config.empty()) venue_config.flow_speed = cmd.get("--speed") ? speed : venue_config.flow_speed;
    venue_config.store_dir = (out_dir / "venue-store").string();
    venue = std::make_unique<sim::Venue>(venue_config);
    venue->start();
  }

  TradingRuntimeConfig rt;
  rt.config = config;
  if (external) throw UsageError("keel paper: a running `keel sim` (live.market_data_url) needs its symbols; not supported yet");
  for (const sim::SimSymbol& s : venue_config.symbols)
    rt.registry.add(InstrumentSpec{s.name, s.tick_size, s.lot_size, s.min_notional});
  const bool futures = venue_config.market == sim::MarketKind::kFutures;
  gwb::MarketDataSessionConfig& md = rt.market_data;
  md.client.url = fmt::format("ws://127.0.0.1:{}", venue->http_port());
  md.client.market = futures ? gateway::Market::kFutures : gateway::Market::kSpot;
  md.client.rest_weight_per_minute = futures ? 2400 : 6000;
  md.feed.market = futures ? book::DepthVenue::kFutures : book::DepthVenue::kSpot;
  md.feed.book_levels = config.live.book_levels > 0 ? static_cast<std::size_t>(config.live.book_levels) : 1000;
  for (const sim::SimSymbol& s : venue_config.symbols) {
    md.feed.symbols.push_back(s.name);
    md.client.streams.push_back(lower(s.name) + "@trade");
    md.client.streams.push_back(lower(s.name) + "@bookTicker");
    if (config.live.book_levels > 0) md.client.streams.push_back(lower(s.name) + "@depth@100ms");
  }
  gateway::FixSessionSettings& fix = rt.fix;
  fix.host = "127.0.0.1";
  fix.port = venue->fix_port();
  fix.sender_comp_id = config.live.sender_comp_id;
  fix.target_comp_id = config.live.target_comp_id;
  fix.heartbeat_s = config.live.heartbeat_s;
  fix.reconnect_interval_s = config.live.reconnect_interval_s;
  fix.reset_seq_num = config.live.reset_seq_num;
  fix.username = config.live.username;
  if (!config.live.password.empty()) fix.password = read_secret(config.live.password, "live.password");
  fix.account = config.live.account;
  fix.store_dir = (out_dir / "fix" / "store").string();
  fix.log_dir = (out_dir / "fix" / "log").string();
  fix.router_cpu = config.live.fix_cpu;
  rt.journal_path = config.journal.enabled ? (out_dir / "journal.bin").string() : std::string();
  // The strategy keeps a record per bar time: the built-in market's length, or 30 days of bars.
  const std::int64_t days = config.live.sim_config.empty() ? std::max(config.synthetic.days, 1) : 30;
  rt.expected_bar_times = static_cast<std::uint64_t>(days * 86'400'000 / config.live.bar_interval_ms + 16);

  TradingRuntime runtime(rt);
  runtime.start();
  install_stop_signals();
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  auto next_status = std::chrono::steady_clock::now();
  while (!stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (duration && now - started >= std::chrono::seconds(*duration)) break;
    if (venue && venue->flow_finished()) break;  // the market has ended
    if (tty && now >= next_status) {
      const CoreSnapshot& s = runtime.snapshot();
      const auto& f = runtime.feed_counters();
      const auto& x = runtime.fix_counters();
      const std::int64_t t2o = x.last_tick_to_send_ns.load();
      std::fprintf(stderr,
                   "\r\033[Kkeel paper: %.0f s  bars %llu  positions %lld  open orders %lld  equity %.2f  orders %llu  "
                   "fills %llu  feed %llu frames, %u stale  fix %s  tick-to-order %s",
                   std::chrono::duration<double>(now - started).count(),
                   static_cast<unsigned long long>(s.bar_times.load()), static_cast<long long>(s.positions.load()),
                   static_cast<long long>(s.open_orders.load()), s.equity.load(),
                   static_cast<unsigned long long>(s.orders.load()), static_cast<unsigned long long>(s.fills.load()),
                   static_cast<unsigned long long>(f.frames.load()), f.stale_books.load(),
                   x.logged_on.load() ? "up" : "DOWN",
                   t2o < 0 ? "-" : fmt::format("{:.1f} us", static_cast<double>(t2o) / 1e3).c_str());
      next_status = now + std::chrono::milliseconds(500);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (tty) std::fputs("\r\033[K", stderr);
  const TradingRuntimeResult run = runtime.stop();
  const gateway::FixGatewayCounters& fx = runtime.fix_counters();
  const gwb::SessionCounters& fc = runtime.feed_counters();
  if (venue) venue->stop();

  const CoreSetup& core = *runtime.core();
  const Engine& engine = *core.engine;
  JsonObject summary;
  const StrategyInstance* strategy = core.strategy.get();
  std::string start, end;
  if (strategy != nullptr) {
    JsonSummary out(summary);
    strategy->summarize(out);
    const ResultPeriod p = strategy->period();
    if (p.bars > 0) {
      start = format_utc(p.first);
      end = format_utc(p.last);
    }
  }
  summary.add("mode", "paper")
      .add("bars", run.stats.bar_times)
      .add("start", start)
      .add("end", end)
      .add("digest", digest_hex(run.digest))
      .add("core_allocations_after_warmup", run.allocations_after_warmup)
      .add("core_pinned", run.pinned)
      .add("core_pin_note", run.pin_note)
      .add("wall_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())
      .add("events", run.stats.events)
      .add("instruments", static_cast<std::uint64_t>(rt.registry.size()))
      .add("rejected_events", run.stats.rejected_events)
      .add("strategy", strategy != nullptr ? strategy->name() : std::string_view("none"))
      .add("seed", config.run.seed)
      .add("config_hash", digest_hex(config_hash(config)))
      .add("journal_records", run.journal_records)
      .add("journal_ok", run.journal_ok)
      .add("venue", "fix")
      .add("feed_frames", fc.frames.load())
      .add("feed_malformed", fc.malformed.load())
      .add("feed_gaps", fc.gaps.load())
      .add("feed_resyncs", fc.resyncs.load())
      .add("fix_sent", fx.sent.load())
      .add("fix_reports", fx.reports.load())
      .add("fix_not_sent", fx.not_sent.load())
      .add("fix_logons", fx.logons.load())
      .add("fix_malformed", fx.malformed.load())
      .add("fix_unknown_orders", fx.unknown_orders.load())
      .add("fix_resends_suppressed", fx.resends_suppressed.load());
  add_order_path(summary, engine);
  const std::string summary_text = summary.str();
  write_text_file((out_dir / "summary.json").string(), summary_text);
  if (strategy != nullptr) strategy->write_files(out_dir.string(), summary_text, dump_config(config));
  std::fputs(fmt::format("keel paper: {} bars ({} instruments), {} .. {}\n{}  orders {}, fills {}, open orders {}\n"
                         "  digest {}\n  run directory {}\n",
                         run.stats.bar_times, rt.registry.size(), start, end,
                         strategy != nullptr ? "  " + strategy->headline() + "\n" : std::string(),
                         engine.oms().stats().orders, engine.oms().stats().fills, engine.oms().open_orders(),
                         digest_hex(run.digest), out_dir.string())
                 .c_str(),
             stdout);
  return run.journal_ok ? kExitOk : kExitFailure;
}

}  // namespace keel::cli
