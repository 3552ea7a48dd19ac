#include "core_runner.hpp"

#include "market_data_output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/execution/backtest_loop.hpp"
#include "keel/core/execution/bar_close_venue.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/sim/bar_walk_flow.hpp"
#include "keel/sim/matching_venue.hpp"
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

CoreRun run_core(EventSource& source, Engine& engine, ExecutionVenue* venue, RunJournalWriter* journal,
                 const RunOptions& options) {
  CoreRun run;
  const bool progress = options.progress && options.expected_bar_times > 0;
  const std::uint64_t step = std::max<std::uint64_t>(1, options.expected_bar_times / 200);
  std::uint64_t next_draw = 0;
  // Warm-up ends when the first bar time has been processed; from then on the loop below (source,
  // journal, core and strategy) must not allocate.
  bool warm = false;
  AllocationScope scope;
  BacktestLoop loop(engine, venue, journal);
  Event event{};
  while (source.next(event)) {
    if (event.header.ts_exchange >= options.stop_at) break;
    if (loop.feed(event) != Errc::kOk) throw OutputError("cannot write the journal (disk full?)");
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
  if (loop.finish(options.end_of_data) != Errc::kOk) throw OutputError("cannot write the journal (disk full?)");
  run.reports_dropped = loop.dropped_reports();
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

namespace {
// data.book_capture: the bars' source becomes the merge of the bars and the capture's book events.
void add_book_capture(const KeelConfig& config, MarketInput& in) {
  if (config.data.book_capture.empty()) return;
  CaptureBooks books = book_events_from_capture(config.data.book_capture, in.registry,
                                                static_cast<std::size_t>(config.data.book_levels));
  in.book_events = std::move(books.events);
  in.book_symbols = books.symbols_matched;
  in.book_first_ns = books.first_ns;
  in.book_last_ns = books.last_ns;
  in.bar_source = std::move(in.source);
  in.source = std::make_unique<MergedSource>(*in.bar_source, in.book_events);
}
}  // namespace

std::unique_ptr<MarketInput> open_market(const KeelConfig& config) {
  auto in = std::make_unique<MarketInput>();
  if (config.data.dir.empty()) {
    in->source = std::make_unique<sim::SyntheticMarket>(config.synthetic, config.run.seed, in->registry);
    in->name = "synthetic";
    in->bar_times = static_cast<std::uint64_t>(config.synthetic.days) * 86'400'000ULL /
                    static_cast<std::uint64_t>(config.synthetic.bar_interval_ms);
    add_book_capture(config, *in);
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
  add_book_capture(config, *in);
  return in;
}

namespace {

// The finest price step a bar series uses: the largest 10^-d (d ≤ 8) that divides every price.
// Bar files carry no exchange filters; the data's own precision is the venue's tick (a one-tick
// spread is then what Binance quotes for liquid pairs).
Price data_tick(const BarSeries& series) {
  std::int64_t tick = kScale;  // start from 1 unit
  auto fits = [&](Price p) { return p.raw() % tick == 0; };
  for (const BarRow& r : series.rows) {
    while (tick > 1 && !(fits(r.open) && fits(r.high) && fits(r.low) && fits(r.close))) tick /= 10;
    if (tick == 1) break;
  }
  return Price::from_raw(tick);
}

// The matching venue over the run's own market: a second, identical copy of its bars (or of the
// synthetic market) drives the flow, so the venue's book walks the bars the core sees.
std::unique_ptr<ExecutionVenue> make_matching_venue(const KeelConfig& config, const InstrumentRegistry& registry,
                                                    const MarketInput& market, std::unique_ptr<EventSource>& bars,
                                                    InstrumentRegistry& scratch) {
  std::vector<InstrumentId> ids;
  std::vector<sim::VenueSymbol> symbols;
  for (const Instrument& ins : registry.all()) {
    ids.push_back(ins.id);
    sim::VenueSymbol v;
    v.instrument = ins;
    if (market.merger != nullptr) v.instrument.tick_size = data_tick(market.bars.series[ins.id]);
    v.base = static_cast<sim::AssetId>(ins.id + 1);
    v.quote = 0;
    symbols.push_back(v);
  }
  if (market.merger != nullptr) {
    bars = std::make_unique<BarMerger>(market.bars.series, ids, config.data.bar_interval_ms);
  } else {
    bars = std::make_unique<sim::SyntheticMarket>(config.synthetic, config.run.seed, scratch);
  }
  const auto& m = config.execution.matching;
  sim::EngineConfig ec;
  ec.orders_per_book = static_cast<std::size_t>(m.orders_per_book);
  ec.accounts = 3;
  ec.assets = registry.size() + 1;
  ec.maker_fee_millionths = static_cast<std::int64_t>(std::llround(m.maker_fee * 1e6));
  ec.taker_fee_millionths = static_cast<std::int64_t>(std::llround(m.taker_fee * 1e6));
  sim::BarWalkParams bp;
  bp.levels = m.levels;
  bp.spread_ticks = m.spread_ticks;
  bp.level_notional = m.level_notional;
  bp.depth_jitter = m.depth_jitter;
  bp.steps_per_bar = m.steps_per_bar;
  bp.volume_fraction = m.volume_fraction;
  auto flow = std::make_unique<sim::BarWalkFlow>(*bars, ids, symbols,
                                                 sim::FlowAccounts{sim::MatchingVenue::kMaker, sim::MatchingVenue::kTaker},
                                                 config.run.seed, bp);
  sim::MatchingVenueParams vp;
  vp.order_entry_ns = m.order_entry_us * 1000;
  vp.report_ns = m.report_us * 1000;
  return std::make_unique<sim::MatchingVenue>(symbols, ec, vp, std::move(flow));
}

}  // namespace

std::unique_ptr<CoreSetup> build_core(const KeelConfig& config, const InstrumentRegistry& registry,
                                      std::uint64_t expected_bar_times, const MarketInput* market) {
  auto setup = std::make_unique<CoreSetup>();
  if (!config.data.from.empty()) setup->trading_start = *parse_utc_date(config.data.from) * kNanosPerDay;
  if (config.run.mode != RunMode::kBacktest && config.live.trading_start_ms > 0)
    setup->trading_start = std::max(setup->trading_start, config.live.trading_start_ms * 1'000'000);
  if (!config.data.to.empty()) setup->stop_at = (*parse_utc_date(config.data.to) + 1) * kNanosPerDay;
  EngineConfig ec;
  ec.instrument_count = registry.size();
  ec.risk = config.risk;
  ec.oms_capacity = static_cast<std::size_t>(config.oms.capacity);
  ec.ack_timeout = static_cast<Nanos>(config.oms.ack_timeout_s * 1e9);
  const auto cash = notional_from_double(config.run.initial_capital);
  if (!cash.ok()) throw ConfigError("run.initial_capital: does not fit the fixed-point notional");
  ec.initial_cash = cash.value();
  if (!config.data.book_capture.empty()) ec.book_levels = static_cast<std::size_t>(config.data.book_levels);
  if (config.run.mode != RunMode::kBacktest) {
    // Paper and live: bars from the feed's trades; order books when the feed keeps them.
    ec.trade_bar_interval = config.live.bar_interval_ms * 1'000'000;
    ec.book_levels = static_cast<std::size_t>(config.live.book_levels);
    ec.venue_session = true;  // nothing leaves before the venue's logon and its reconciliation
    // Room for the worst event (a status query and a cancel for every order, a flatten) twice over:
    // the runtime takes an event only when that much is free (trading_runtime.cpp).
    ec.command_ring = 2 * (2 * static_cast<std::size_t>(config.oms.capacity) + 4 * registry.size() + 16);
  }
  if (config.run.mode == RunMode::kLive) {
    // Real capital: a gradual ramp (the seeds: a paper period first, then a gradual ramp).
    ec.capital_ramp.start_fraction = config.live.ramp_start_fraction;
    ec.capital_ramp.daily_step = config.live.ramp_daily_step;
    ec.capital_ramp.clean_days = config.live.ramp_clean_days;
    ec.capital_ramp.count_from = config.live.trading_start_ms * 1'000'000;  // warm-up bars are not days
  }
  for (const Instrument& ins : registry.all()) ec.lot_sizes.push_back(ins.lot_size);
  setup->engine = std::make_unique<Engine>(ec);
  Engine& engine = *setup->engine;

  BarCloseModel model;  // no strategy: a frictionless bar-close venue
  setup->strategy = make_strategy(StrategyEnvironment{config, registry, engine.run_digest(), expected_bar_times,
                                                      setup->trading_start});
  if (setup->strategy != nullptr) {
    engine.set_strategy(&setup->strategy->strategy(), setup->strategy->sizer());
    model = setup->strategy->bar_close_model();
  }
  if (market == nullptr) {
    setup->venue_name = "none";
    return setup;
  }
  if (config.execution.venue == VenueKind::kBarClose) {
    setup->venue = std::make_unique<BarCloseVenue>(model, registry.size(), config.run.seed);
    setup->venue_name = "bar-close";
  } else {
    setup->venue = make_matching_venue(config, registry, *market, setup->venue_market, setup->venue_registry);
    setup->venue_name = "matching";
  }
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
