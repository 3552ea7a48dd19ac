// Run results as DOLPHIN.md §6 and §8 "Results" define them, from the trades and the bar-close
// equity curve. NaN where a figure is undefined (no trades, fewer than two daily returns, a zero
// standard deviation, no losing trade for the profit factor).
#pragma once

#include <span>

#include "keel/core/strategy/dolphin/records.hpp"

namespace keel::dolphin {

struct RunMetrics {
  double roi = 0.0;            // final marked equity / initial − 1
  double profit_factor = 0.0;  // Σ positive net PnL / |Σ negative net PnL|
  double sharpe = 0.0;         // mean / std (ddof 1) of daily equity returns × √365
  double max_drawdown = 0.0;   // largest peak-to-trough fall of bar-close equity / peak (peak starts at initial)
  double win_rate = 0.0;       // trades with net PnL > 0 / trades
  std::uint64_t trades = 0;
  double fees = 0.0;
  double final_equity = 0.0;
};

RunMetrics compute_metrics(std::span<const TradeRecord> trades, std::span<const EquityPoint> equity,
                           double initial_capital) noexcept;

}  // namespace keel::dolphin
