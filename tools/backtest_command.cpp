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
#include "keel/core/bar_data.hpp"
#include "keel/core/config.hpp"

namespace keel::cli {
namespace {

Command make_command() {
  return Command("backtest", "backtest [--config FILE] [--data DIR] [--symbols FILE] [--seed N] --out RUN_DIR",
                 "Runs the core over historical bars (--data) or, by default, the built-in synthetic market,\n"
                 "and writes RUN_DIR/summary.json and the input journal RUN_DIR/journal.bin.",
                 {{"--config", "FILE", "TOML configuration (defaults when absent)"},
                  {"--data", "DIR", "directory of SYMBOL.csv[.gz] / SYMBOL.json bar files (overrides data.dir)"},
                  {"--symbols", "FILE", "symbols to load, one per line, in this order (overrides data.symbols_file)"},
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
  if (const auto dir = cmd.get("--data")) config.data.dir = *dir;
  if (const auto symbols = cmd.get("--symbols")) config.data.symbols_file = *symbols;
  if (const auto seed = cmd.get_u64("--seed")) config.run.seed = *seed;
  const std::string out_dir = *cmd.get("--out");

  validate_config(config);
  const std::unique_ptr<MarketInput> market = open_market(config);
  for (const auto& skipped : market->bars.skipped) std::fprintf(stderr, "keel backtest: skipped %s\n", skipped.c_str());

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    throw OutputError(out_dir + ": cannot create the run directory: " + ec.message());
  }
  std::unique_ptr<RunJournalWriter> journal;
  if (config.journal.enabled)
    journal = std::make_unique<RunJournalWriter>((std::filesystem::path(out_dir) / "journal.bin").string(), config,
                                                 market->registry);
  const CoreRun run = run_core(*market->source, market->registry.size(), journal.get());
  const InstrumentRegistry& registry = market->registry;

  const double index_return = std::exp(run.stats.index_log_return) - 1.0;
  JsonObject summary;
  summary.add("bars", run.stats.bar_times)
      .add("bar_events", run.stats.bar_events)
      .add("instruments", static_cast<std::uint64_t>(registry.size()))
      .add("missing_bars", run.stats.missing_bars)
      .add("gaps", market->merger ? market->merger->gaps() : std::uint64_t{0})
      .add("missing_bar_times", market->merger ? market->merger->missing_bar_times() : std::uint64_t{0})
      .add("rejected_events", run.stats.rejected_events)
      .add("start", run.stats.bar_times ? format_utc(run.stats.first_bar_time) : std::string())
      .add("end", run.stats.bar_times ? format_utc(run.stats.last_bar_time) : std::string())
      .add("market_index_return", index_return)
      .add("digest", digest_hex(run.digest))
      .add("seed", config.run.seed)
      .add("config_hash", digest_hex(config_hash(config)))
      .add("source", market->name)
      .add("skipped_symbols", market->bars.skipped)
      .add("journal_records", run.journal_records)
      .add("core_allocations_after_warmup", run.allocations_after_warmup)
      .add("wall_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const auto summary_path = std::filesystem::path(out_dir) / "summary.json";
  std::ofstream f(summary_path);
  f << summary.str();
  if (!f) throw OutputError(summary_path.string() + ": cannot write");
  std::fputs(fmt::format("keel backtest: {} bar times ({} bars, {} instruments, {} missing) from {}\n"
                         "  {} .. {}\n  market index return {:.4f}%\n  digest {}\n  run directory {}\n",
                         run.stats.bar_times, run.stats.bar_events, registry.size(), run.stats.missing_bars,
                         market->name, format_utc(run.stats.first_bar_time), format_utc(run.stats.last_bar_time),
                         index_return * 100.0, digest_hex(run.digest), out_dir)
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
