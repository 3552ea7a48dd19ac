#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "core_runner.hpp"
#include "json_writer.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/strategy/dolphin/metrics.hpp"
#include "run_outputs.hpp"

namespace keel::cli {
namespace {

Command make_command() {
  return Command(
      "backtest",
      "backtest [--config FILE] [--data DIR] [--symbols FILE] [--from DATE] [--to DATE] [--features FILE] [--seed N] "
      "--out RUN_DIR",
      "Runs the core and its strategy (DOLPHIN unless the config says strategy.name = \"none\") over historical\n"
      "bars (--data) or, by default, the built-in synthetic market. Writes RUN_DIR/summary.json, trades.csv,\n"
      "equity.csv, report.html and the input journal journal.bin. Bars before --from warm the windows up;\n"
      "no position opens before it. A bad bar file stops the run before it starts (file, line, reason),\n"
      "or is skipped and listed when data.skip_bad_symbols = true.",
      {{"--config", "FILE", "TOML configuration (config/backtest-dolphin.toml; defaults when absent)"},
       {"--data", "DIR", "directory of SYMBOL.csv[.gz] / SYMBOL.json bar files (overrides data.dir)"},
       {"--symbols", "FILE", "symbols to load, one per line, in this order (overrides data.symbols_file)"},
       {"--from", "DATE", "first trading date, UTC, inclusive (overrides data.from)"},
       {"--to", "DATE", "last date processed, UTC, inclusive (overrides data.to)"},
       {"--features", "FILE", "precomputed signal columns (keel features output) instead of computing them"},
       {"--seed", "N", "run seed (overrides run.seed; default 42)"},
       {"--out", "RUN_DIR", "run directory to create or reuse", true}});
}

std::string flat(std::string s) {
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

std::string position_json(const dolphin::DolphinStrategy& d) {
  if (!d.position()) return "null";
  const auto& p = *d.position();
  JsonObject o;
  o.add("symbol", d.symbols()[p.asset])
      .add("direction", p.direction < 0 ? "SHORT" : "LONG")
      .add("entry_time_ms", p.entry_time / kNanosPerMilli)
      .add("entry_price", p.entry_price)
      .add("notional", p.notional)
      .add("leverage", p.leverage);
  std::string s = o.str();
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

}  // namespace

int backtest_command(const std::vector<std::string>& args) {
  const auto started = std::chrono::steady_clock::now();  // measurement only
  Command cmd = make_command();
  if (!cmd.parse(args)) return kExitOk;

  KeelConfig config;
  if (const auto path = cmd.get("--config")) config = load_config_file(*path);
  apply_bar_file_options(cmd, "backtest", config);
  for (const char* opt : {"--from", "--to"}) {
    const auto date = cmd.get(opt);
    if (!date) continue;
    if (!parse_utc_date(*date)) throw UsageError(fmt::format("keel backtest: {} expects a UTC date YYYY-MM-DD, got {}", opt, *date));
    (std::string_view(opt) == "--from" ? config.data.from : config.data.to) = *date;
  }
  if (const auto seed = cmd.get_u64("--seed")) {
    if (*seed > static_cast<std::uint64_t>(INT64_MAX))
      throw UsageError("keel backtest: --seed must be at most 9223372036854775807");
    config.run.seed = *seed;
  }
  if (const auto features = cmd.get("--features")) config.data.features = *features;
  const std::filesystem::path out_dir = *cmd.get("--out");
  validate_config(config);

  const std::unique_ptr<MarketInput> market = open_market(config);
  for (const auto& skipped : market->bars.skipped) std::fprintf(stderr, "keel backtest: skipped %s\n", skipped.c_str());
  const std::unique_ptr<CoreSetup> core = build_core(config, market->registry, market->bar_times, market.get());
  Engine& engine = *core->engine;

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw OutputError(out_dir.string() + ": cannot create the run directory: " + ec.message());
  // A reused run directory must not keep files of an earlier run that this one does not write.
  for (const char* name : {"summary.json", "trades.csv", "equity.csv", "report.html", "journal.bin"}) {
    std::filesystem::remove(out_dir / name, ec);
    if (ec) throw OutputError((out_dir / name).string() + ": cannot remove the previous run's file: " + ec.message());
  }
  std::unique_ptr<RunJournalWriter> journal;
  if (config.journal.enabled)
    journal = std::make_unique<RunJournalWriter>((out_dir / "journal.bin").string(), config, market->registry);
  RunOptions options;
  options.stop_at = core->stop_at;
  options.expected_bar_times = market->bar_times;
  options.progress = ::isatty(2) != 0;
  const CoreRun run = run_core(*market->source, engine, core->venue.get(), journal.get(), options);

  JsonObject summary;
  const dolphin::DolphinStrategy* d = core->dolphin;
  std::string start, end;
  std::uint64_t trading_bars = run.stats.bar_times;
  std::span<const dolphin::EquityPoint> period;
  dolphin::RunMetrics m;
  if (d != nullptr) {
    // Results cover the trading period: bars from --from on (earlier bars only warmed the windows).
    const auto& eq = d->equity();
    const auto first = std::lower_bound(eq.begin(), eq.end(), core->trading_start,
                                        [](const dolphin::EquityPoint& e, Nanos t) { return e.time < t; });
    period = std::span<const dolphin::EquityPoint>(eq.data() + (first - eq.begin()),
                                                   static_cast<std::size_t>(eq.end() - first));
    m = dolphin::compute_metrics(d->trades(), period, config.run.initial_capital);
    trading_bars = period.size();
    if (!period.empty()) {
      start = format_utc(period.front().time);
      end = format_utc(period.back().time);
    }
    summary.add("roi", m.roi)
        .add("profit_factor", m.profit_factor)
        .add("sharpe", m.sharpe)
        .add("max_drawdown", m.max_drawdown)
        .add("win_rate", m.win_rate)
        .add("trades", m.trades)
        .add("fees", m.fees)
        .add("final_equity", m.final_equity)
        .raw("open_position", position_json(*d));
  } else if (run.stats.bar_times > 0) {
    start = format_utc(run.stats.first_bar_time);
    end = format_utc(run.stats.last_bar_time);
  }
  summary.add("bars", trading_bars)
      .add("start", start)
      .add("end", end)
      .add("digest", digest_hex(run.digest))
      .add("core_allocations_after_warmup", run.allocations_after_warmup)
      .add("wall_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())
      .add("warmup_bars", run.stats.bar_times - trading_bars)
      .add("bar_events", run.stats.bar_events)
      .add("instruments", static_cast<std::uint64_t>(market->registry.size()))
      .add("missing_bars", run.stats.missing_bars)
      .add("gaps", market->merger ? market->merger->gaps() : std::uint64_t{0})
      .add("missing_bar_times", market->merger ? market->merger->missing_bar_times() : std::uint64_t{0})
      .add("rejected_events", run.stats.rejected_events)
      .add("market_index_return", std::exp(run.stats.index_log_return) - 1.0)
      .add("strategy", d != nullptr ? "dolphin" : "none")
      .add("seed", config.run.seed)
      .add("config_hash", digest_hex(config_hash(config)))
      .add("source", market->name)
      .add("features", config.data.features)
      .add("skipped_symbols", market->bars.skipped)
      .add("journal_records", run.journal_records);
  {
    // The order path: what went out, what came back, what was refused and why.
    const OmsStats& o = engine.oms().stats();
    const PreTradeRisk& risk = engine.risk();
    JsonObject rejects;
    for (std::size_t i = 1; i < kRiskRejectCount; ++i) {
      const auto reason = static_cast<RiskReject>(i);
      if (risk.rejects(reason) > 0) rejects.add(std::string(to_string(reason)), risk.rejects(reason));
    }
    JsonObject outcomes;
    for (std::size_t i = 0; i < kReportOutcomeCount; ++i)
      outcomes.add(std::string(to_string(static_cast<ReportOutcome>(i))), o.outcomes[i]);
    const EngineStats& es = run.stats;
    summary.add("venue", core->venue_name)
        .add("orders", o.orders)
        .add("cancels", o.cancels)
        .add("fills", o.fills)
        .add("partial_fills", o.partial_fills)
        .add("orders_filled", o.filled)
        .add("orders_canceled", o.canceled)
        .add("venue_rejects", o.rejected)
        .add("cancel_rejects", o.cancel_rejects)
        .add("unknown_timeouts", o.timeouts)
        .add("risk_rejects", risk.total_rejects())
        .raw("risk_rejects_by_reason", flat(rejects.str()))
        .raw("reports", flat(outcomes.str()))
        .add("slippage_bps", es.filled_notional > 0.0 ? 1e4 * es.slippage_notional / es.filled_notional : 0.0)
        .add("portfolio_equity", engine.portfolio().equity().to_double())
        .add("portfolio_realized", engine.portfolio().realized().to_double())
        .add("portfolio_fees", engine.portfolio().fees().to_double());
  }
  if (d != nullptr) {
    const auto& s = d->stats();
    summary.add("signal_bars", s.signal_bars)
        .add("no_asset_bars", s.no_asset)
        .add("dc_contradictions", s.dc_contradictions)
        .add("halted_bars", s.halted_bars)
        .add("output_overflow", d->output_overflow());
  }
  const std::string summary_text = summary.str();
  write_text_file((out_dir / "summary.json").string(), summary_text);
  if (d != nullptr) {
    write_trades_csv((out_dir / "trades.csv").string(), *d);
    write_equity_csv((out_dir / "equity.csv").string(), *d);
    write_report_html((out_dir / "report.html").string(), *d, period, m, summary_text, dump_config(config));
  }
  std::fputs(fmt::format("keel backtest: {} bars ({} instruments) from {}, {} .. {}\n{}  digest {}\n  run directory {}\n",
                         trading_bars, market->registry.size(), market->name, start, end,
                         d != nullptr ? fmt::format("  {} trades, final equity {:.2f}\n", d->trades().size(),
                                                    d->equity().empty() ? config.run.initial_capital
                                                                        : d->equity().back().equity)
                                      : std::string(),
                         digest_hex(run.digest), out_dir.string())
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
