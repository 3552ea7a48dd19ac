#include "core_runner.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/alloc_counter.hpp"
#include "keel/core/clock.hpp"
#include "keel/sim/synthetic_market.hpp"

namespace keel::cli {

CoreRun run_core(EventSource& source, std::size_t instrument_count, RunJournalWriter* journal) {
  Engine engine(instrument_count);
  CoreRun run;
  // Warm-up ends when the first bar time has been processed; from then on the loop below (source,
  // journal and core) must not allocate.
  bool warm = false;
  AllocationScope scope;
  Event event{};
  while (source.next(event)) {
    if (journal != nullptr && journal->append(event) != Errc::kOk)
      throw OutputError("cannot write the journal (disk full?)");
    engine.on_event(event);
    if (!warm && engine.stats().bar_times > 0) {
      warm = true;
      scope.restart();
    }
  }
  run.allocations_after_warmup = warm ? scope.allocations() : 0;
  run.stats = engine.stats();
  run.digest = engine.digest();
  if (journal != nullptr) {
    if (journal->close() != Errc::kOk) throw OutputError("cannot write the journal (disk full?)");
    run.journal_records = journal->records_written();
  }
  return run;
}

std::unique_ptr<MarketInput> open_market(const KeelConfig& config) {
  auto in = std::make_unique<MarketInput>();
  if (config.data.dir.empty()) {
    in->source = std::make_unique<sim::SyntheticMarket>(config.synthetic, config.run.seed, in->registry);
    in->name = "synthetic";
    return in;
  }
  std::vector<std::string> symbols;
  if (!config.data.symbols_file.empty()) symbols = read_symbols_file(config.data.symbols_file);
  in->bars = load_bar_directory(config.data.dir, symbols, config.data.skip_bad_symbols, config.data.bar_interval_ms);
  std::vector<InstrumentId> ids;
  for (const auto& s : in->bars.series) {
    // Bar files carry no exchange filters: tick and lot are the finest the representation holds.
    ids.push_back(in->registry.add(InstrumentSpec{s.symbol, Price::from_raw(1), Qty::from_raw(1), Notional{}}));
  }
  auto merger = std::make_unique<BarMerger>(in->bars.series, ids, config.data.bar_interval_ms);
  in->merger = merger.get();
  in->source = std::move(merger);
  in->name = config.data.dir;
  return in;
}

std::string format_utc(std::int64_t ns) {
  const std::int64_t days = utc_day_number(ns);
  const CivilDate d = civil_from_days(days);
  const std::int64_t secs = (ns - days * kNanosPerDay) / kNanosPerSecond;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, secs / 3600, (secs / 60) % 60,
                     secs % 60);
}

}  // namespace keel::cli
