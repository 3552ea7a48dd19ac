#include "keel/core/strategy/dolphin/metrics.hpp"

#include <cmath>
#include <limits>

namespace keel::dolphin {

RunMetrics compute_metrics(std::span<const TradeRecord> trades, std::span<const EquityPoint> equity,
                           double initial_capital) noexcept {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  RunMetrics m;
  m.trades = trades.size();
  double profit = 0.0, loss = 0.0;
  std::uint64_t wins = 0;
  for (const TradeRecord& t : trades) {
    if (t.net_pnl > 0.0) {
      profit += t.net_pnl;
      ++wins;
    } else if (t.net_pnl < 0.0) {
      loss += t.net_pnl;
    }
    m.fees += t.fees;
  }
  m.profit_factor = loss < 0.0 ? profit / -loss : kNaN;
  m.win_rate = trades.empty() ? kNaN : static_cast<double>(wins) / static_cast<double>(trades.size());

  m.final_equity = equity.empty() ? initial_capital : equity.back().equity;
  m.roi = m.final_equity / initial_capital - 1.0;

  double peak = initial_capital;
  for (const EquityPoint& e : equity) {
    if (e.equity > peak) peak = e.equity;
    const double dd = (peak - e.equity) / peak;
    if (dd > m.max_drawdown) m.max_drawdown = dd;
  }

  // Daily equity: the last bar-close equity of each UTC date with bars; the first daily return is
  // against the initial capital. Two passes over the returns (mean, then squared deviations).
  double sum = 0.0;
  std::size_t n = 0;
  auto for_each_daily_return = [&](auto&& fn) {
    double previous = initial_capital;
    for (std::size_t i = 0; i < equity.size(); ++i) {
      const bool last_of_day =
          i + 1 == equity.size() || utc_day_number(equity[i + 1].time) != utc_day_number(equity[i].time);
      if (!last_of_day) continue;
      fn(equity[i].equity / previous - 1.0);
      previous = equity[i].equity;
    }
  };
  for_each_daily_return([&](double r) {
    sum += r;
    ++n;
  });
  if (n >= 2) {
    const double mean = sum / static_cast<double>(n);
    double sq = 0.0;
    for_each_daily_return([&](double r) { sq += (r - mean) * (r - mean); });
    const double sd = std::sqrt(sq / static_cast<double>(n - 1));
    m.sharpe = sd > 0.0 ? mean / sd * std::sqrt(365.0) : kNaN;
  } else {
    m.sharpe = kNaN;
  }
  return m;
}

}  // namespace keel::dolphin
