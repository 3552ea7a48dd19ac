// DOLPHIN as a configured strategy of a run (strategies.hpp): its strategy and sizer, its ACB factor
// table and precomputed features when the config names them, the ledger that matches the venue
// (the bible's model for `bar-close`, the fills otherwise) and instrument lot sizes.
#pragma once

#include <memory>
#include <span>

#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "keel/core/strategy/dolphin/feature_table.hpp"
#include "keel/core/strategy/strategies.hpp"

namespace keel::dolphin {

class DolphinInstance final : public StrategyInstance {
 public:
  explicit DolphinInstance(const StrategyEnvironment& env);
  Strategy& strategy() noexcept override { return *strategy_; }
  Sizer* sizer() noexcept override { return &strategy_->sizer(); }
  BarCloseModel bar_close_model() const noexcept override { return strategy_->bar_close_model(); }
  std::string_view name() const noexcept override { return "dolphin"; }
  ResultPeriod period() const override;
  void summarize(SummaryWriter& out) const override;
  std::string headline() const override;
  void write_files(const std::string& run_dir, const std::string& summary_json,
                   const std::string& config_toml) const override;
  std::vector<std::string> file_names() const override { return {"trades.csv", "equity.csv", "report.html"}; }
  [[nodiscard]] const DolphinStrategy& dolphin() const noexcept { return *strategy_; }

 private:
  std::unique_ptr<FactorTable> factors_;
  std::unique_ptr<FeatureTable> features_;
  [[nodiscard]] std::span<const EquityPoint> trading_equity() const;
  std::unique_ptr<DolphinStrategy> strategy_;
  Nanos trading_start_ = 0;
  double initial_capital_ = 0.0;
};

}  // namespace keel::dolphin
