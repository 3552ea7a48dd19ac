// keel paper and keel live: the whole system against the simulator over real sockets — the simulator in-process
// (or a running `keel sim` named in the config), the gateway's feed (WebSocket market data, REST
// snapshots) and FIX order routing, and the core with DOLPHIN on bars built from the venue's trades.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <span>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "json_writer.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/io/text_file.hpp"
#include "keel/sim/venue.hpp"
#include "keel/gateway/factor_file.hpp"
#include "keel/gateway/wall_clock.hpp"
#include "operator_endpoint.hpp"
#include "warmup.hpp"
#include "run_registry.hpp"
#include "run_summary.hpp"
#include "trading_runtime.hpp"

namespace keel::cli {
namespace {

namespace gwb = gateway::binance;

Command make_paper_command() {
  return Command(
      "paper",
      "paper [--config FILE] [--speed N] [--duration S] [--seed N] --out RUN_DIR",
      "Paper trading over real sockets, the same code path as `keel live`: starts the simulator in-process\n"
      "(the synthetic market on built-in defaults; live.sim_config names another simulator config; with\n"
      "live.market_data_url, live.fix_port and live.symbols set it connects to a running `keel sim`\n"
      "instead), then the gateway (WebSocket market data, REST snapshots, FIX orders) and the core with\n"
      "DOLPHIN on bars built from the venue's trades. A one-line status on stderr when it is a terminal;\n"
      "Ctrl-C stops cleanly (open orders cancelled, journal flushed, final summary). Writes RUN_DIR/\n"
      "summary.json, trades.csv, equity.csv, report.html, journal.bin (`keel replay` reproduces the run's\n"
      "digest), keel.log and fix/ (the FIX store and message log).",
      {{"--config", "FILE", "TOML configuration ([live] for the venue, [dolphin.*], [risk], …)"},
       {"--speed", "N", "venue seconds per wall second of the in-process simulator (0 = as fast as the feed reads; default 0)"},
       {"--duration", "S", "stop after S seconds (default: when the simulator's market ends, or on Ctrl-C)"},
       {"--seed", "N", "run seed (overrides run.seed)"},
       {"--warmup-data", "DIR", "bar files of the traded symbols, fed to the core first (DOLPHIN's windows full at the start)"},
       {"--out", "RUN_DIR", "run directory to create or reuse", true}});
}

Command make_live_command() {
  return Command(
      "live",
      "live --config FILE --confirm-live [--duration S] --out RUN_DIR",
      "Live trading: the gateway and the core against the venue the config names (live.market_data_url,\n"
      "live.fix_host / fix_port, live.symbols), exactly as `keel paper` runs against the simulator. Refuses\n"
      "to start without --confirm-live and without live.password (env:NAME or a 0600 file:PATH); secrets\n"
      "are never written to a log, the journal or a summary. Gross exposure follows the capital ramp\n"
      "(live.ramp_start_fraction, growing by live.ramp_daily_step per clean day, remembered in\n"
      "live.state_dir); the summary lists the paper runs of the same configuration that preceded it.",
      {{"--config", "FILE", "TOML configuration", true},
       {"--confirm-live", "", "required: this session trades real money"},
       {"--duration", "S", "stop after S seconds (default: on Ctrl-C / SIGTERM)"},
       {"--warmup-data", "DIR", "bar files of the traded symbols, fed to the core first (DOLPHIN's windows full at the start)"},
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

// Upper case "A,B" → symbols; refused when empty or not symbols.
std::vector<std::string> parse_symbols(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i == list.size() || list[i] == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    const char c = list[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    if (!ok) throw ConfigError("live.symbols: expected \"SYMBOL,SYMBOL\", got " + quote_for_message(list));
    cur += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  if (out.empty()) throw ConfigError("live.symbols: a running venue needs its symbols (\"BTCUSDT,ETHUSDT\")");
  return out;
}

// A running venue's trading rules (tick, lot, minimum notional) from its exchangeInfo, fetched by
// the feed client itself before the session starts.
InstrumentRegistry registry_from_exchange_info(const gwb::MarketDataSessionConfig& md, std::string_view command) {
  gwb::MarketDataSessionConfig probe = md;
  probe.fetch_exchange_info = true;
  struct NullSink final : gwb::EventSink {
    bool publish(std::span<const Event>) noexcept override { return true; }
  } sink;
  gwb::MarketDataSession session(probe, sink);
  if (session.start() != Errc::kOk) throw ConfigError(fmt::format("{}: market data: {}", command, session.error()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!session.counters().exchange_info_ok.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  (void)session.stop();
  if (session.rules().empty())
    throw ConfigError(fmt::format("{}: {}: no exchangeInfo within 15 s", command, md.client.url));
  InstrumentRegistry registry;
  for (const std::string& symbol : md.feed.symbols) {
    const auto it = std::find_if(session.rules().begin(), session.rules().end(),
                                 [&](const auto& r) { return r.symbol.view() == symbol; });
    if (it == session.rules().end())
      throw ConfigError(fmt::format("{}: the venue does not list {} in its exchangeInfo", command, symbol));
    registry.add(InstrumentSpec{symbol, it->tick_size.raw() > 0 ? it->tick_size : Price::from_raw(1), it->step_size,
                                it->min_notional});
  }
  return registry;
}

std::string now_utc() {
  return format_utc(gateway::wall_clock_ns());
}

// Paper and live: everything after the command line.
int run_session(RunMode mode, const Command& cmd, KeelConfig config, double speed) {
  const auto started = std::chrono::steady_clock::now();
  const std::string started_utc = now_utc();
  const std::string name = mode == RunMode::kLive ? "keel live" : "keel paper";
  const std::optional<std::uint64_t> duration = cmd.get_u64("--duration");
  const std::string hash = digest_hex(trading_hash(config));
  std::vector<RunRecord> paper_before;
  if (mode == RunMode::kLive) {
    config.live.ramp_clean_days = read_ramp_days(config.live.state_dir, hash);
    paper_before = runs_of(config.live.state_dir, "paper", hash);
  }
  validate_config(config);
  const std::filesystem::path out_dir = *cmd.get("--out");
  std::error_code ec;
  std::filesystem::create_directories(out_dir / "fix", ec);
  if (ec) throw OutputError(out_dir.string() + ": cannot create the run directory: " + ec.message());
  for (const char* file : {"summary.json", "journal.bin", "trades.csv", "equity.csv", "report.html"})
    std::filesystem::remove(out_dir / file, ec);

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  // keel.log in the run directory: alerts, control commands, the gateway's lines (never a secret).
  struct CloseFile {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  const std::unique_ptr<std::FILE, CloseFile> log_file(std::fopen((out_dir / "keel.log").string().c_str(), "a"));
  std::mutex log_mutex;
  auto log = [&](std::string_view line) {
    std::lock_guard lock(log_mutex);
    std::fprintf(stderr, "%s%.*s\n", tty ? "\r\033[K" : "", static_cast<int>(line.size()), line.data());
    if (log_file) {
      std::fprintf(log_file.get(), "%s %.*s\n", now_utc().c_str(), static_cast<int>(line.size()), line.data());
      std::fflush(log_file.get());
    }
  };
  // The venue: the simulator in-process (paper), or a running one the config names.
  const bool external = mode == RunMode::kLive || (!config.live.market_data_url.empty() && config.live.fix_port != 0);
  std::unique_ptr<sim::Venue> venue;
  sim::SimConfig venue_config;
  TradingRuntimeConfig rt;
  gwb::MarketDataSessionConfig& md = rt.market_data;
  std::vector<std::string> symbols;
  bool futures = config.live.market == "futures";
  if (!external) {
    venue_config = config.live.sim_config.empty() ? builtin_venue(config, speed) : sim::load_sim_config(config.live.sim_config);
    if (!config.live.sim_config.empty() && cmd.get("--speed")) venue_config.flow_speed = speed;
    venue_config.store_dir = (out_dir / "venue-store").string();
    venue = std::make_unique<sim::Venue>(venue_config);
    venue->start();
    futures = venue_config.market == sim::MarketKind::kFutures;
    md.client.url = fmt::format("ws://127.0.0.1:{}", venue->http_port());
    for (const sim::SimSymbol& s : venue_config.symbols) {
      symbols.push_back(s.name);
      rt.registry.add(InstrumentSpec{s.name, s.tick_size, s.lot_size, s.min_notional});
    }
  } else {
    if (config.live.market_data_url.empty() || config.live.fix_port == 0)
      throw ConfigError(name + ": live.market_data_url and live.fix_port name the venue; both are required");
    md.client.url = config.live.market_data_url;
    md.client.rest_url = config.live.rest_url;
    md.client.ca_file = config.live.ca_file;
    symbols = parse_symbols(config.live.symbols);
  }
  md.client.market = futures ? gateway::Market::kFutures : gateway::Market::kSpot;
  md.client.cpu = config.live.feed_cpu;
  md.client.rest_weight_per_minute = futures ? 2400 : 6000;
  md.feed.market = futures ? book::DepthVenue::kFutures : book::DepthVenue::kSpot;
  md.feed.book_levels = config.live.book_levels > 0 ? static_cast<std::size_t>(config.live.book_levels) : 1000;
  for (const std::string& s : symbols) {
    md.feed.symbols.push_back(s);
    md.client.streams.push_back(lower(s) + "@trade");
    md.client.streams.push_back(lower(s) + "@bookTicker");
    if (config.live.book_levels > 0) md.client.streams.push_back(lower(s) + "@depth@100ms");
    if (futures) md.client.streams.push_back(lower(s) + "@markPrice");
  }
  if (external) rt.registry = registry_from_exchange_info(md, name);

  if (const auto dir = cmd.get("--warmup-data")) {
    // Bars that closed before now (the live bar builder makes the rest), at most 7 days of them;
    // no position opens before the last one has passed.
    rt.warmup = load_warmup_bars(*dir, rt.registry, config.live.bar_interval_ms, 7 * 86'400'000 / config.live.bar_interval_ms);
    if (venue == nullptr) (void)drop_warmup_bars_from(rt.warmup, gateway::wall_clock_ns(), config.live.bar_interval_ms);
    const Nanos last = last_warmup_bar_time(rt.warmup);
    if (last > 0) config.live.trading_start_ms = (last + config.live.bar_interval_ms * 1'000'000) / 1'000'000;
    log(fmt::format("{}: warm-up: {} bar events from {}", name, rt.warmup.size(), *dir));
  }
  gateway::FixSessionSettings& fix = rt.fix;
  fix.host = external ? config.live.fix_host : "127.0.0.1";
  fix.port = external ? static_cast<std::uint16_t>(config.live.fix_port) : venue->fix_port();
  fix.sender_comp_id = config.live.sender_comp_id;
  fix.target_comp_id = config.live.target_comp_id;
  fix.heartbeat_s = config.live.heartbeat_s;
  fix.reconnect_interval_s = config.live.reconnect_interval_s;
  fix.reset_seq_num = config.live.reset_seq_num;
  fix.ssl = config.live.fix_ssl;
  fix.ca_file = config.live.ca_file;
  fix.username = config.live.username;
  if (!config.live.password.empty()) fix.password = read_secret(config.live.password, "live.password");
  fix.account = config.live.account;
  fix.store_dir = (out_dir / "fix" / "store").string();
  fix.log_dir = (out_dir / "fix" / "log").string();
  fix.router_cpu = config.live.fix_cpu;
  fix.spin_ns = config.live.fix_spin_us * 1000;
  rt.config = config;
  rt.journal_path = config.journal.enabled ? (out_dir / "journal.bin").string() : std::string();
  // The strategy keeps a record per bar time: the built-in market's length, or 30 days of bars.
  const std::int64_t days = !external && config.live.sim_config.empty() ? std::max(config.synthetic.days, 1) : 30;
  rt.expected_bar_times = static_cast<std::uint64_t>(days * 86'400'000 / config.live.bar_interval_ms + 16);

  rt.log = log;
  rt.clordid_salt = static_cast<std::uint64_t>(gateway::wall_clock_ns());
  if (mode == RunMode::kLive)
    log(fmt::format("{}: capital ramp at {:.0f} % of the exposure limits ({} clean days before), {} paper runs of this "
                    "configuration before",
                    name, 100.0 * std::min(1.0, config.live.ramp_start_fraction +
                                                    config.live.ramp_daily_step * static_cast<double>(config.live.ramp_clean_days)),
                    config.live.ramp_clean_days, paper_before.size()));
  TradingRuntime runtime(rt);
  // The endpoint binds before anything trades: a port in use stops the start-up, not a session.
  OperatorEndpoint endpoint(runtime, config, rt.registry, to_string(mode), log);
  endpoint.start();
  if (endpoint.port() != 0)
    log(fmt::format("{}: control http://{}:{} (/metrics, /status, POST /control)", name, config.live.control_bind,
                    endpoint.port()));
  runtime.start();
  std::unique_ptr<gateway::FactorFileWatcher> factors;
  if (!config.live.factor_file.empty()) {
    gateway::FactorFileOptions fo;
    fo.path = config.live.factor_file;
    fo.resolve = [&rt](std::string_view symbol) -> std::optional<InstrumentId> {
      const auto id = rt.registry.find(symbol);
      if (!id.ok()) return std::nullopt;
      return id.value();
    };
    fo.deliver = [&runtime](const Event& e) { return runtime.submit(e); };
    fo.log = log;
    factors = std::make_unique<gateway::FactorFileWatcher>(std::move(fo));
  }
  install_stop_signals();
  auto next_tick = std::chrono::steady_clock::now();
  auto next_status = std::chrono::steady_clock::now();
  while (!stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (duration && now - started >= std::chrono::seconds(*duration)) break;
    if (venue && venue->flow_finished()) break;  // the market has ended
    if (now >= next_tick) {
      endpoint.tick();
      if (factors) (void)factors->poll();
      next_tick = now + std::chrono::seconds(1);
    }
    if (tty && now >= next_status) {
      const CoreSnapshot& s = runtime.snapshot();
      const auto& f = runtime.feed_counters();
      const auto& x = runtime.fix_counters();
      const std::int64_t t2o = x.last_tick_to_send_ns.load();
      std::fprintf(stderr,
                   "\r\033[K%s: %.0f s  bars %llu  positions %lld  open orders %lld  equity %.2f  orders %llu  "
                   "fills %llu  feed %llu frames, %u stale  fix %s  tick-to-order %s",
                   name.c_str(), std::chrono::duration<double>(now - started).count(),
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
  endpoint.stop();
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
  summary.add("mode", to_string(mode))
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
      .add("trading_hash", hash)
      .add("clordid_prefix", runtime.clordid_prefix())
      .add("journal_records", run.journal_records)
      .add("journal_ok", run.journal_ok)
      .add("venue", external ? md.client.url : std::string("in-process simulator"))
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
      .add("fix_resends_suppressed", fx.resends_suppressed.load())
      .add("reconciliations", run.stats.reconciliations_done)
      .add("reconcile_last_ms", static_cast<double>(run.stats.reconcile_last) / 1e6)
      .add("reconcile_max_ms", static_cast<double>(run.stats.reconcile_max) / 1e6);
  if (mode == RunMode::kLive) {
    std::vector<std::string> before;
    for (const RunRecord& r : paper_before) before.push_back(r.out_dir + " (" + r.started_utc + " .. " + r.ended_utc + ")");
    summary.add("paper_runs_before", before)
        .add("capital_fraction_end", engine.capital_fraction())
        .add("capital_ramp_clean_days", engine.capital_ramp().clean_days());
    write_ramp_days(config.live.state_dir, hash, engine.capital_ramp().clean_days());
  }
  add_order_path(summary, engine);
  const std::string summary_text = summary.str();
  write_text_file((out_dir / "summary.json").string(), summary_text);
  if (strategy != nullptr) strategy->write_files(out_dir.string(), summary_text, dump_config(config));
  RunRecord record;
  record.mode = std::string(to_string(mode));
  record.trading_hash = hash;
  record.out_dir = std::filesystem::absolute(out_dir).string();
  record.started_utc = started_utc;
  record.ended_utc = now_utc();
  record.digest = digest_hex(run.digest);
  record.orders = engine.oms().stats().orders;
  record.fills = engine.oms().stats().fills;
  record_run(config.live.state_dir, record);
  std::fputs(fmt::format("{}: {} bars ({} instruments), {} .. {}\n{}  orders {}, fills {}, open orders {}\n"
                         "  digest {}\n  run directory {}\n",
                         name, run.stats.bar_times, rt.registry.size(), start, end,
                         strategy != nullptr ? "  " + strategy->headline() + "\n" : std::string(),
                         engine.oms().stats().orders, engine.oms().stats().fills, engine.oms().open_orders(),
                         digest_hex(run.digest), out_dir.string())
                 .c_str(),
             stdout);
  return run.journal_ok ? kExitOk : kExitFailure;
}

}  // namespace

int paper_command(const std::vector<std::string>& args) {
  Command cmd = make_paper_command();
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
  return run_session(RunMode::kPaper, cmd, config, speed);
}

int live_command(const std::vector<std::string>& args) {
  Command cmd = make_live_command();
  if (!cmd.parse(args)) return kExitOk;
  if (!cmd.positionals().empty()) throw UsageError("keel live: unexpected argument " + clip_for_message(cmd.positionals()[0]));
  if (!cmd.has("--confirm-live"))
    throw UsageError("keel live: refusing to start: this session trades real money; add --confirm-live to confirm");
  KeelConfig config = load_config_file(*cmd.get("--config"));  // resolves every secret reference (0600 files)
  if (config.live.password.empty())
    throw ConfigError("keel live: live.password is required: \"env:NAME\" or \"file:PATH\" (an owner-only file)");
  // Secrets never cross a network in clear text unless the configuration says so.
  auto loopback = [](const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
  };
  // QuickFIX's TLS does not verify the venue (docs/SECURITY.md): beyond loopback, only an explicit
  // acknowledgement lets the password leave, with or without live.fix_ssl.
  if (!loopback(config.live.fix_host) && !config.live.allow_plaintext)
    throw ConfigError("keel live: live.fix_host " + quote_for_message(config.live.fix_host) +
                      " is not loopback: the Logon password would cross the network without a verified TLS "
                      "peer (QuickFIX's TLS does not check the venue's certificate; see docs/SECURITY.md); use a "
                      "link you trust and set live.allow_plaintext = true");
  if (!loopback(config.live.control_bind) && !config.live.allow_plaintext)
    throw ConfigError("keel live: live.control_bind " + quote_for_message(config.live.control_bind) +
                      " is not loopback: the control endpoint's token would cross the network in clear text "
                      "(set live.allow_plaintext = true to accept that)");
  config.run.mode = RunMode::kLive;
  return run_session(RunMode::kLive, cmd, config, 0.0);
}

}  // namespace keel::cli
