#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "core_runner.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/run_journal.hpp"

namespace keel::cli {

int convert_command(const std::vector<std::string>& args) {
  Command cmd("convert", "convert --data DIR [--symbols FILE] [--interval-ms N] --out JOURNAL",
              "Converts bar files (SYMBOL.csv[.gz] / SYMBOL.json[.gz]) into a run journal: the bars merged\n"
              "into one time-ordered stream, with the instruments and the default configuration recorded.\n"
              "`keel replay JOURNAL` then runs it through the core and prints the same digest.",
              {{"--data", "DIR", "directory of bar files", true},
               {"--symbols", "FILE", "symbols to convert, one per line (default: every bar file in DIR)"},
               {"--interval-ms", "N", "bar interval in milliseconds (default 300000)"},
               {"--out", "JOURNAL", "journal file to write", true}});
  if (!cmd.parse(args)) return kExitOk;
  KeelConfig config;
  apply_bar_file_options(cmd, "convert", config);
  validate_config(config);
  const std::unique_ptr<MarketInput> market = open_market(config);
  RunJournalWriter journal(*cmd.get("--out"), config, market->registry);
  // The journal carries the default configuration (DOLPHIN): replaying it reproduces this digest,
  // which equals a default `keel backtest` of the same bars.
  const auto core = build_core(config, market->registry, market->bar_times, market.get());
  const CoreRun run = run_core(*market->source, *core->engine, core->venue.get(), &journal);
  std::fputs(fmt::format("keel convert: {} bars of {} symbols ({} bar times) -> {} ({} records)\ndigest {}\n",
                         run.stats.bar_events, market->registry.size(), run.stats.bar_times, *cmd.get("--out"),
                         run.journal_records, digest_hex(run.digest))
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
