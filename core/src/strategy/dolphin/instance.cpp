#include "keel/core/strategy/dolphin/instance.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "keel/core/strategy/dolphin/metrics.hpp"
#include "keel/core/strategy/dolphin/run_files.hpp"

namespace keel::dolphin {

DolphinInstance::DolphinInstance(const StrategyEnvironment& env) {
  const KeelConfig& config = env.config;
  std::vector<std::string> symbols;
  std::vector<Qty> lots;
  for (const Instrument& ins : env.registry.all()) {
    symbols.push_back(ins.symbol);
    lots.push_back(ins.lot_size);
  }
  DolphinParams params = config.dolphin;
  params.initial_capital = config.run.initial_capital;
  strategy_ = std::make_unique<DolphinStrategy>(params, std::move(symbols), config.run.seed, env.digest,
                                                env.expected_bars);
  strategy_->set_trading_start(env.trading_start);
  trading_start_ = env.trading_start;
  initial_capital_ = config.run.initial_capital;
  strategy_->set_lot_sizes(std::move(lots));
  strategy_->set_ledger_mode(config.execution.venue == VenueKind::kBarClose ? LedgerMode::kModel : LedgerMode::kFills);
  if (params.acb.enabled && !params.acb.factors_file.empty()) {
    factors_ = std::make_unique<FactorTable>(FactorTable::load(params.acb.factors_file));
    strategy_->set_factor_table(factors_.get());
  }
  if (!config.data.book_capture.empty()) strategy_->use_engine_order_books();
  if (!config.data.features.empty()) {
    features_ = std::make_unique<FeatureTable>(FeatureTable::load(config.data.features));
    strategy_->set_feature_source(features_.get());
  }
}

}  // namespace keel::dolphin

namespace keel::dolphin {

std::span<const EquityPoint> DolphinInstance::trading_equity() const {
  // Results cover the trading period: bars from --from on (earlier bars only warmed the windows).
  const auto& eq = strategy_->equity();
  const auto first = std::lower_bound(eq.begin(), eq.end(), trading_start_,
                                      [](const EquityPoint& e, Nanos t) { return e.time < t; });
  return {eq.data() + (first - eq.begin()), static_cast<std::size_t>(eq.end() - first)};
}

ResultPeriod DolphinInstance::period() const {
  const auto eq = trading_equity();
  ResultPeriod p;
  p.bars = eq.size();
  if (!eq.empty()) {
    p.first = eq.front().time;
    p.last = eq.back().time;
  }
  return p;
}

void DolphinInstance::summarize(SummaryWriter& out) const {
  const RunMetrics m = compute_metrics(strategy_->trades(), trading_equity(), initial_capital_);
  out.number("roi", m.roi);
  out.number("profit_factor", m.profit_factor);
  out.number("sharpe", m.sharpe);
  out.number("max_drawdown", m.max_drawdown);
  out.number("win_rate", m.win_rate);
  out.count("trades", m.trades);
  out.number("fees", m.fees);
  out.number("final_equity", m.final_equity);
  if (const auto& p = strategy_->position()) {
    out.json("open_position",
             fmt::format(R"({{"symbol": "{}", "direction": "{}", "entry_time_ms": {}, "entry_price": {}, "notional": {}, "leverage": {}}})",
                         strategy_->symbols()[p->asset], p->direction < 0 ? "SHORT" : "LONG",
                         p->entry_time / kNanosPerMilli, p->entry_price, p->notional, p->leverage));
  } else {
    out.json("open_position", "null");
  }
  const DolphinStats& s = strategy_->stats();
  out.count("signal_bars", s.signal_bars);
  out.count("no_asset_bars", s.no_asset);
  out.count("dc_contradictions", s.dc_contradictions);
  out.count("halted_bars", s.halted_bars);
  out.count("entries_refused", s.entries_refused);
  out.count("ob_skips", s.ob_skips);
  out.count("ob_bars_with_data", s.ob_bars_with_data);
  out.count("exits_refused", s.exits_refused);
  out.count("entries_unfilled", s.entries_unfilled);
  out.count("factors_applied", s.factors_applied);
  out.count("factors_invalid", s.factors_invalid);
  out.count("factors_ignored", s.factors_ignored);
  out.count("factor_recomputes", s.factor_recomputes);
  out.count("posture_controls", s.posture_controls);
  out.flag("output_overflow", strategy_->output_overflow());
}

std::string DolphinInstance::headline() const {
  const auto& eq = strategy_->equity();
  return fmt::format("{} trades, final equity {:.2f}", strategy_->trades().size(),
                     eq.empty() ? initial_capital_ : eq.back().equity);
}

void DolphinInstance::write_files(const std::string& run_dir, const std::string& summary_json,
                                  const std::string& config_toml) const {
  write_trades_csv(run_dir + "/trades.csv", *strategy_);
  write_equity_csv(run_dir + "/equity.csv", *strategy_);
  const auto eq = trading_equity();
  write_report_html(run_dir + "/report.html", *strategy_, eq,
                    compute_metrics(strategy_->trades(), eq, initial_capital_), summary_json, config_toml);
}

}  // namespace keel::dolphin
