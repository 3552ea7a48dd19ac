#include "core_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/sim/synthetic_market.hpp"

namespace keel::cli {
namespace {

// Redraws "[#####     ]  42%" on stderr with write(2): no allocation on the core thread.
void draw_progress(std::uint64_t done, std::uint64_t total) noexcept {
  char line[64];
  const int pct = total > 0 ? static_cast<int>(std::min<std::uint64_t>(100, done * 100 / total)) : 0;
  int n = 0;
  line[n++] = '\r';
  line[n++] = '[';
  for (int i = 0; i < 40; ++i) line[n++] = i < pct * 40 / 100 ? '#' : ' ';
  line[n++] = ']';
  n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), " %3d%%", pct);
  (void)!::write(2, line, static_cast<std::size_t>(n));
}

}  // namespace

CoreRun run_core(EventSource& source, Engine& engine, RunJournalWriter* journal, const RunOptions& options) {
  CoreRun run;
  const bool progress = options.progress && options.expected_bar_times > 0;
  const std::uint64_t step = std::max<std::uint64_t>(1, options.expected_bar_times / 200);
  std::uint64_t next_draw = 0;
  // Warm-up ends when the first bar time has been processed; from then on the loop below (source,
  // journal, core and strategy) must not allocate.
  bool warm = false;
  AllocationScope scope;
  Event event{};
  while (source.next(event)) {
    if (event.header.ts_exchange >= options.stop_at) break;
    if (journal != nullptr && journal->append(event) != Errc::kOk)
      throw OutputError("cannot write the journal (disk full?)");
    engine.on_event(event);
    const std::uint64_t done = engine.stats().bar_times;
    if (!warm && done > 0) {
      warm = true;
      scope.restart();
    }
    if (progress && done >= next_draw) {
      draw_progress(done, options.expected_bar_times);
      next_draw = done + step;
    }
  }
  run.allocations_after_warmup = warm ? scope.allocations() : 0;
  if (progress) {
    draw_progress(options.expected_bar_times, options.expected_bar_times);
    (void)!::write(2, "\n", 1);
  }
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
    in->bar_times = static_cast<std::uint64_t>(config.synthetic.days) * 86'400'000ULL /
                    static_cast<std::uint64_t>(config.synthetic.bar_interval_ms);
    return in;
  }
  std::vector<std::string> symbols;
  if (!config.data.symbols_file.empty()) symbols = read_symbols_file(config.data.symbols_file);
  in->bars = load_bar_directory(config.data.dir, symbols, config.data.skip_bad_symbols, config.data.bar_interval_ms);
  std::vector<InstrumentId> ids;
  std::vector<std::int64_t> times;
  for (const auto& s : in->bars.series) {
    // Bar files carry no exchange filters: tick and lot are the finest the representation holds.
    ids.push_back(in->registry.add(InstrumentSpec{s.symbol, Price::from_raw(1), Qty::from_raw(1), Notional{}}));
    for (const auto& r : s.rows) times.push_back(r.open_time_ms);
  }
  std::sort(times.begin(), times.end());
  in->bar_times = static_cast<std::uint64_t>(std::unique(times.begin(), times.end()) - times.begin());
  auto merger = std::make_unique<BarMerger>(in->bars.series, ids, config.data.bar_interval_ms);
  in->merger = merger.get();
  in->source = std::move(merger);
  in->name = config.data.dir;
  return in;
}

std::unique_ptr<StrategySetup> attach_strategy(const KeelConfig& config, const InstrumentRegistry& registry,
                                               Engine& engine, std::uint64_t expected_bar_times) {
  auto setup = std::make_unique<StrategySetup>();
  if (!config.data.from.empty()) setup->trading_start = *parse_utc_date(config.data.from) * kNanosPerDay;
  if (!config.data.to.empty()) setup->stop_at = (*parse_utc_date(config.data.to) + 1) * kNanosPerDay;
  if (config.strategy.kind != StrategyKind::kDolphin) {
    if (!config.data.features.empty())
      throw ConfigError("data.features: precomputed features need a strategy (strategy.name = \"dolphin\")");
    return setup;
  }
  std::vector<std::string> symbols;
  for (const Instrument& ins : registry.all()) symbols.push_back(ins.symbol);
  dolphin::DolphinParams params = config.dolphin;
  params.initial_capital = config.run.initial_capital;
  setup->dolphin = std::make_unique<dolphin::DolphinEngine>(params, std::move(symbols), config.run.seed,
                                                             engine.run_digest(), expected_bar_times);
  setup->dolphin->set_trading_start(setup->trading_start);
  if (params.acb.enabled && !params.acb.factors_file.empty()) {
    setup->factors = std::make_unique<dolphin::FactorTable>(dolphin::FactorTable::load(params.acb.factors_file));
    setup->dolphin->set_factor_table(setup->factors.get());
  }
  if (!config.data.features.empty()) {
    setup->features = std::make_unique<dolphin::FeatureTable>(dolphin::FeatureTable::load(config.data.features));
    setup->dolphin->set_feature_source(setup->features.get());
  }
  engine.set_strategy(setup->dolphin.get());
  return setup;
}

std::string format_utc(std::int64_t ns) {
  const std::int64_t days = utc_day_number(ns);
  const CivilDate d = civil_from_days(days);
  const std::int64_t secs = (ns - days * kNanosPerDay) / kNanosPerSecond;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, secs / 3600, (secs / 60) % 60,
                     secs % 60);
}

}  // namespace keel::cli
