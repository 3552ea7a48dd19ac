#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "core_runner.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/core/io/run_journal.hpp"

namespace keel::cli {

int replay_command(const std::vector<std::string>& args) {
  Command cmd("replay", "replay JOURNAL [--expect DIGEST]",
              "Re-runs a journal written by `keel backtest` or `keel convert` through the core, using the\n"
              "configuration and instruments recorded in it, and prints the run digest. A torn or corrupt\n"
              "tail is reported; the records before it are replayed and the exit code is 65.",
              {{"--expect", "DIGEST", "exit 1 unless the digest equals DIGEST (16 hex digits)"}}, "JOURNAL");
  if (!cmd.parse(args)) return kExitOk;
  if (cmd.positionals().size() != 1) throw UsageError("keel replay: expected exactly one JOURNAL");
  std::uint64_t expected = 0;
  const auto expect_text = cmd.get("--expect");
  if (expect_text && !parse_digest_hex(*expect_text, expected))
    throw UsageError("keel replay: --expect needs a digest of 1-16 hex digits, got " + *expect_text);

  const std::string path = cmd.positionals()[0];
  const RunJournal journal = read_run_journal(path);
  VectorSource source(journal.events);
  // The core as configured in the journal (its ACB factor table and precomputed features, if any,
  // are read again from the recorded paths), without a venue: the journal holds the venue's answers.
  const auto core = build_core(journal.config, journal.registry, journal.events.size(), nullptr);
  // A journal that ends with the input's end (every run since paper trading) is replayed as it is.
  RunOptions options;
  const auto ends = [](const Event& e) {
    return e.header.kind == EventKind::kControl && static_cast<ControlKind>(e.header.subtype) == ControlKind::kEndOfData;
  };
  options.end_of_data = journal.events.empty() || !ends(journal.events.back());
  const CoreRun run = run_core(source, *core->engine, nullptr, nullptr, options);
  std::fputs(fmt::format("keel replay: {} events, {} bar times, {} instruments\ndigest {}\n", journal.events.size(),
                         run.stats.bar_times, journal.registry.size(), digest_hex(run.digest))
                 .c_str(),
             stdout);
  int rc = kExitOk;
  if (!journal.problem.message.empty()) {
    std::fprintf(stderr, "keel replay: %s: %s; replayed the %zu events before it\n", path.c_str(),
                 journal.problem.message.c_str(), journal.events.size());
    rc = kExitDataError;
  }
  if (expect_text && expected != run.digest) {
    std::fprintf(stderr, "keel replay: digest mismatch: expected %s, got %s\n", digest_hex(expected).c_str(),
                 digest_hex(run.digest).c_str());
    return kExitFailure;
  }
  return rc;
}

}  // namespace keel::cli
