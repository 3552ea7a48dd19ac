#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "core_runner.hpp"
#include "keel/core/bar_data.hpp"
#include "keel/core/run_journal.hpp"

namespace keel::cli {

int convert_command(const std::vector<std::string>& args) {
  Command cmd("convert", "convert --data DIR [--symbols FILE] [--interval-ms N] --out JOURNAL",
              "Converts bar files (SYMBOL.csv[.gz] / SYMBOL.json[.gz]) into a run journal: the bars merged\n"
              "into one time-ordered stream, with the instruments and a default configuration recorded.\n"
              "`keel replay JOURNAL` then runs it through the core.",
              {{"--data", "DIR", "directory of bar files", true},
               {"--symbols", "FILE", "symbols to convert, one per line (default: every bar file in DIR)"},
               {"--interval-ms", "N", "bar interval in milliseconds (default 300000)"},
               {"--out", "JOURNAL", "journal file to write", true}});
  if (!cmd.parse(args)) return kExitOk;
  KeelConfig config;
  config.data.dir = *cmd.get("--data");
  if (const auto s = cmd.get("--symbols")) config.data.symbols_file = *s;
  if (const auto n = cmd.get_u64("--interval-ms")) {
    if (*n == 0) throw UsageError("keel convert: --interval-ms must be positive");
    config.data.bar_interval_ms = static_cast<std::int64_t>(*n);
  }
  std::vector<std::string> symbols;
  if (!config.data.symbols_file.empty()) symbols = read_symbols_file(config.data.symbols_file);
  const BarLoadResult loaded = load_bar_directory(config.data.dir, symbols, false);
  InstrumentRegistry registry;
  std::vector<InstrumentId> ids;
  for (const auto& s : loaded.series)
    ids.push_back(registry.add(InstrumentSpec{s.symbol, Price::from_raw(1), Qty::from_raw(1), Notional{}}));
  BarMerger merger(loaded.series, ids, config.data.bar_interval_ms);
  RunJournalWriter journal(*cmd.get("--out"), config, registry);
  const CoreRun run = run_core(merger, registry.size(), &journal);
  std::fputs(fmt::format("keel convert: {} bars of {} symbols ({} bar times) -> {} ({} records)\ndigest {}\n",
                         run.stats.bar_events, registry.size(), run.stats.bar_times, *cmd.get("--out"),
                         run.journal_records, digest_hex(run.digest))
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
