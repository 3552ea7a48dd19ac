#include "keel/core/strategy/dolphin/mc_forewarner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace keel::dolphin {

McStatus mc_status_for(double catastrophic_probability, double envelope_score,
                       const McParams& p) noexcept {
  if (catastrophic_probability > p.red_catastrophic || envelope_score < p.red_envelope)
    return McStatus::kRed;
  if (envelope_score < 0.0 || catastrophic_probability > p.orange_catastrophic)
    return McStatus::kOrange;
  return McStatus::kOk;
}

McForewarner::McForewarner(const McParams& params, std::uint64_t run_seed)
    : params_(params), rng_("mc", run_seed) {
  returns_.assign(static_cast<std::size_t>(std::max(params_.max_trades, 1)), 0.0);
  days_.assign(static_cast<std::size_t>(std::max(params_.horizon_days, 0)) + 1, DayCount{0, 0});
  path_returns_.assign(static_cast<std::size_t>(std::max(params_.paths, 0)), 0.0);
}

void McForewarner::record_trade(std::int64_t exit_day, double trade_return) noexcept {
  returns_[head_] = trade_return;
  head_ = (head_ + 1) % returns_.size();
  ++closed_;

  // Trades per exit day, for H: the latest horizon_days + 1 distinct days are enough, because
  // assess(D) counts days D−7 … D−1 and every recorded exit is before D.
  const std::size_t cap = days_.size();
  if (days_size_ > 0) {
    for (std::size_t k = 0; k < days_size_; ++k) {  // newest first
      DayCount& d = days_[(days_head_ + cap - 1 - k) % cap];
      if (d.day == exit_day) {
        ++d.trades;
        return;
      }
      if (d.day < exit_day) break;
    }
    // Older than every kept day (out of order): too old to matter, or a broken precondition.
    if (exit_day < days_[(days_head_ + cap - 1) % cap].day) return;
  }
  days_[days_head_] = DayCount{exit_day, 1};
  days_head_ = (days_head_ + 1) % cap;
  days_size_ = std::min(days_size_ + 1, cap);
}

McForewarner::Report McForewarner::assess(std::int64_t day) noexcept {
  if (assessed_ && day <= last_day_) return last_;
  assessed_ = true;
  last_day_ = day;
  last_ = Report{};
  if (!params_.enabled || closed_ < params_.min_trades || path_returns_.empty()) return last_;

  // H from the trades that closed on D−7 … D−1.
  const int horizon_days = std::max(params_.horizon_days, 1);
  std::int64_t m = 0;
  const std::size_t cap_days = days_.size();
  for (std::size_t k = 0; k < days_size_; ++k) {
    const DayCount& d = days_[(days_head_ + cap_days - 1 - k) % cap_days];
    if (d.day >= day - horizon_days && d.day <= day - 1) m += d.trades;
  }
  const double h_real =
      std::floor(static_cast<double>(m) / static_cast<double>(horizon_days) + 0.5);
  const int horizon = h_real < 1.0 ? 1 : static_cast<int>(std::min(h_real, 1e9));

  // The last n closed trades, oldest first: returns_[(oldest + k) % cap].
  const std::size_t cap = returns_.size();
  const std::size_t n = std::min(static_cast<std::size_t>(closed_), cap);
  const std::size_t oldest = (head_ + cap - n) % cap;
  const double n_real = static_cast<double>(n);

  std::int64_t catastrophic = 0;
  for (double& path_return : path_returns_) {  // path-major: path 0's H draws, then path 1's, …
    double equity = 1.0;
    double peak = 1.0;
    double max_drawdown = 0.0;
    for (int h = 0; h < horizon; ++h) {
      const double u = rng_.uniform();
      // u < 1 makes floor(u·n) ≤ n − 1 for every n < 2^53; the min only documents it.
      const std::size_t k = std::min(static_cast<std::size_t>(u * n_real), n - 1);
      equity = equity * (1.0 + returns_[(oldest + k) % cap]);
      if (equity > peak) peak = equity;
      const double drawdown = (peak - equity) / peak;
      if (drawdown > max_drawdown) max_drawdown = drawdown;
    }
    if (max_drawdown > params_.catastrophic_drawdown) ++catastrophic;
    path_return = equity - 1.0;
  }

  const double paths = static_cast<double>(path_returns_.size());
  double sum = 0.0;
  for (const double x : path_returns_) sum = sum + x;
  const double mean = sum / paths;
  double squares = 0.0;
  for (const double x : path_returns_) {
    const double d = x - mean;
    squares = squares + d * d;
  }
  const double std_dev = path_returns_.size() > 1 ? std::sqrt(squares / (paths - 1.0)) : 0.0;
  double envelope = 0.0;
  if (std_dev > 0.0) {
    envelope = mean / std_dev;
  } else if (mean > 0.0) {
    envelope = std::numeric_limits<double>::infinity();
  } else if (mean < 0.0) {
    envelope = -std::numeric_limits<double>::infinity();
  }

  last_.catastrophic_probability = static_cast<double>(catastrophic) / paths;
  last_.envelope_score = envelope;
  last_.status = mc_status_for(last_.catastrophic_probability, last_.envelope_score, params_);
  last_.horizon = horizon;
  last_.trades_used = static_cast<int>(n);
  last_.ran = true;
  return last_;
}

}  // namespace keel::dolphin
