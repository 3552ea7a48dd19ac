#include "keel/sim/flow_factory.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/sim/bar_walk_flow.hpp"
#include "keel/sim/capture_replay_flow.hpp"
#include "keel/sim/synthetic_market.hpp"

namespace keel::sim {
namespace {

// A BarWalkFlow together with the bars it walks (it only holds a reference to its source).
class OwningBarWalkFlow final : public OrderFlow {
 public:
  // From bar files: the venue's symbols, in venue order.
  OwningBarWalkFlow(std::vector<BarSeries> series, std::int64_t interval_ms, std::span<const VenueSymbol> symbols,
                    FlowAccounts accounts, std::uint64_t seed, const BarWalkParams& params)
      : series_(std::move(series)) {
    std::vector<InstrumentId> ids(series_.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<InstrumentId>(i);
    merger_ = std::make_unique<BarMerger>(series_, ids, interval_ms);
    walk_ = std::make_unique<BarWalkFlow>(*merger_, identity(symbols.size()), symbols, accounts, seed, params);
  }
  // From the synthetic market: synthetic asset i drives venue symbol i.
  OwningBarWalkFlow(const SyntheticConfig& synthetic, std::span<const VenueSymbol> symbols, FlowAccounts accounts,
                    std::uint64_t seed, const BarWalkParams& params) {
    synthetic_ = std::make_unique<SyntheticMarket>(synthetic, seed, registry_);
    walk_ = std::make_unique<BarWalkFlow>(*synthetic_, identity(symbols.size()), symbols, accounts, seed, params);
  }

  bool next(const MatchingEngine& engine, FlowAction& out) override { return walk_->next(engine, out); }
  void on_execution(const Execution& execution) override { walk_->on_execution(execution); }

 private:
  static std::vector<InstrumentId> identity(std::size_t n) {
    std::vector<InstrumentId> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<InstrumentId>(i);
    return ids;
  }
  std::vector<BarSeries> series_;
  std::unique_ptr<BarMerger> merger_;
  InstrumentRegistry registry_;
  std::unique_ptr<SyntheticMarket> synthetic_;
  std::unique_ptr<BarWalkFlow> walk_;
};

// Keeps the rows with open time in [from, to] (UTC dates, inclusive; "" = no bound).
void restrict_dates(std::vector<BarSeries>& series, const std::string& from, const std::string& to) {
  constexpr std::int64_t kDayMs = 86'400'000;
  const std::int64_t lo = from.empty() ? INT64_MIN : *parse_utc_date(from) * kDayMs;
  const std::int64_t hi = to.empty() ? INT64_MAX : (*parse_utc_date(to) + 1) * kDayMs;
  for (BarSeries& s : series)
    std::erase_if(s.rows, [&](const BarRow& r) { return r.open_time_ms < lo || r.open_time_ms >= hi; });
}

}  // namespace

std::unique_ptr<OrderFlow> make_order_flow(const SimConfig& config, std::span<const VenueSymbol> symbols,
                                           FlowAccounts accounts) {
  try {
    switch (config.flow) {
      case FlowKind::kNone: return nullptr;
      case FlowKind::kSynthetic: {
        SyntheticConfig synthetic = config.synthetic;
        synthetic.assets = static_cast<int>(symbols.size());
        return std::make_unique<OwningBarWalkFlow>(synthetic, symbols, accounts, config.flow_seed, config.bar_walk);
      }
      case FlowKind::kBars: {
        std::vector<std::string> names;
        for (const VenueSymbol& v : symbols) names.push_back(v.instrument.symbol);
        BarLoadResult loaded = load_bar_directory(config.bars_dir, names, false, config.bars_interval_ms);
        restrict_dates(loaded.series, config.bars_from, config.bars_to);
        if (std::all_of(loaded.series.begin(), loaded.series.end(), [](const BarSeries& b) { return b.rows.empty(); }))
          throw ConfigError(fmt::format("flow.from / flow.to: no bar of the venue's symbols in {} between \"{}\" and \"{}\"",
                                        config.bars_dir, config.bars_from, config.bars_to));
        return std::make_unique<OwningBarWalkFlow>(std::move(loaded.series), config.bars_interval_ms, symbols,
                                                   accounts, config.flow_seed, config.bar_walk);
      }
      case FlowKind::kCaptures: {
        std::vector<Capture> captures;
        for (const std::string& path : config.capture_files) captures.push_back(load_capture_file(path));
        return std::make_unique<CaptureReplayFlow>(std::move(captures), symbols, accounts, config.capture_replay);
      }
    }
  } catch (const std::invalid_argument& e) {
    throw ConfigError(fmt::format("flow: {}", e.what()));
  }
  return nullptr;
}

}  // namespace keel::sim
