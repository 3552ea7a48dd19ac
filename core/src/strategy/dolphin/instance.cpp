#include "keel/core/strategy/dolphin/instance.hpp"

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
  strategy_->set_lot_sizes(std::move(lots));
  strategy_->set_ledger_mode(config.execution.venue == VenueKind::kBarClose ? LedgerMode::kModel : LedgerMode::kFills);
  if (params.acb.enabled && !params.acb.factors_file.empty()) {
    factors_ = std::make_unique<FactorTable>(FactorTable::load(params.acb.factors_file));
    strategy_->set_factor_table(factors_.get());
  }
  if (!config.data.features.empty()) {
    features_ = std::make_unique<FeatureTable>(FeatureTable::load(config.data.features));
    strategy_->set_feature_source(features_.get());
  }
}

}  // namespace keel::dolphin
