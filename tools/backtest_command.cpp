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
#include "keel/core/io/text_file.hpp"
#include "keel/core/strategy/strategies.hpp"
#include "run_summary.hpp"

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
       {"--book-capture", "FILE", "a Binance capture whose depth streams become the order books (overrides data.book_capture)"},
       {"--seed", "N", "run seed (overrides run.seed; default 42)"},
       {"--out", "RUN_DIR", "run directory to create or reuse", true}});
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
    if (!parse_utc_date(*date)) throw UsageError(fmt::format("keel backtest: {} expects a UTC date YYYY-MM-DD, got {}", opt, quote_for_message(*date)));
    (std::string_view(opt) == "--from" ? config.data.from : config.data.to) = *date;
  }
  if (const auto seed = cmd.get_u64("--seed")) {
    if (*seed > static_cast<std::uint64_t>(INT64_MAX))
      throw UsageError("keel backtest: --seed must be at most 9223372036854775807");
    config.run.seed = *seed;
  }
  if (const auto features = cmd.get("--features")) config.data.features = *features;
  if (const auto books = cmd.get("--book-capture")) config.data.book_capture = *books;
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
  std::vector<std::string> names{"summary.json", "journal.bin"};
  if (core->strategy != nullptr)
    for (const auto& n : core->strategy->file_names()) names.push_back(n);
  for (const auto& name : {"trades.csv", "equity.csv", "report.html"}) names.emplace_back(name);  // any strategy's
  for (const auto& name : names) {
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

  if (!config.data.book_capture.empty()) {
    // Say plainly when the order books cannot matter, or can only block: no symbol in common, or
    // no overlap in time with the bars (risk.require_usable_book then refuses every opening order).
    if (market->book_symbols == 0) {
      std::fprintf(stderr, "keel backtest: warning: %s has no depth stream of a symbol this run trades\n",
                   config.data.book_capture.c_str());
    } else if (market->book_last_ns < run.stats.first_bar_time || market->book_first_ns > run.stats.last_bar_time) {
      std::fprintf(stderr, "keel backtest: warning: the order books of %s (%s .. %s) do not overlap the bars\n",
                   config.data.book_capture.c_str(), format_utc(market->book_first_ns).c_str(),
                   format_utc(market->book_last_ns).c_str());
    }
    if (config.risk.require_usable_book)
      std::fprintf(stderr, "keel backtest: note: risk.require_usable_book is on: outside the capture's books only "
                           "reducing orders pass\n");
  }
  JsonObject summary;
  const StrategyInstance* strategy = core->strategy.get();
  std::string start, end;
  std::uint64_t trading_bars = run.stats.bar_times;
  if (strategy != nullptr) {
    JsonSummary out(summary);
    strategy->summarize(out);
    const ResultPeriod p = strategy->period();
    trading_bars = p.bars;
    if (p.bars > 0) {
      start = format_utc(p.first);
      end = format_utc(p.last);
    }
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
      .add("strategy", strategy != nullptr ? strategy->name() : std::string_view("none"))
      .add("seed", config.run.seed)
      .add("config_hash", digest_hex(config_hash(config)))
      .add("source", market->name)
      .add("features", config.data.features)
      .add("book_capture", config.data.book_capture)
      .add("book_events", static_cast<std::uint64_t>(market->book_events.size()))
      .add("book_symbols", market->book_symbols)
      .add("skipped_symbols", market->bars.skipped)
      .add("journal_records", run.journal_records);
  summary.add("venue", core->venue_name)
      .add("reports_dropped", run.reports_dropped)
      .add("venue_faults", core->venue != nullptr ? core->venue->faults() : std::uint64_t{0});
  add_order_path(summary, engine);
  if (run.reports_dropped > 0 || engine.portfolio().refused_fills() > 0)
    std::fprintf(stderr, "keel backtest: warning: %llu venue reports dropped, %llu fills refused by the portfolio; "
                         "the run's results are not to be trusted\n",
                 static_cast<unsigned long long>(run.reports_dropped),
                 static_cast<unsigned long long>(engine.portfolio().refused_fills()));
  const std::string summary_text = summary.str();
  write_text_file((out_dir / "summary.json").string(), summary_text);
  if (strategy != nullptr) strategy->write_files(out_dir.string(), summary_text, dump_config(config));
  std::fputs(fmt::format("keel backtest: {} bars ({} instruments) from {}, {} .. {}\n{}  digest {}\n  run directory {}\n",
                         trading_bars, market->registry.size(), market->name, start, end,
                         strategy != nullptr ? "  " + strategy->headline() + "\n" : std::string(),
                         digest_hex(run.digest), out_dir.string())
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
