// The MC-Forewarner envelope gate (bible §12, DOLPHIN.md §5 and §8 "MC-Forewarner", RNG.md `mc`).
//
// Once per UTC date D, before the date's first bar, assess(D) bootstraps the closed trades:
//   * fewer than min_trades (30) closed trades: status OK and no draw at all;
//   * n = the last ≤ max_trades (200) closed trades' returns, oldest first (return = net PnL /
//     capital just before the trade);
//   * H = floor(m/7 + 0.5), at least 1, m = closed trades whose exit date is in D−7 … D−1;
//   * paths (1000) × H draws from stream "mc", path-major; a draw u picks trade floor(u·n);
//     each path compounds from 1.0 (equity ← equity·(1 + r)), its drawdown is
//     (peak − equity)/peak against the running peak (the start 1.0 included), it is catastrophic
//     iff its largest drawdown > catastrophic_drawdown (0.20), and its return is final equity − 1;
//   * catastrophic_probability = catastrophic paths / paths;
//     envelope_score = mean / std (ddof 1) of the path returns, both summed in path order
//     (mean = Σx / paths, then std = sqrt(Σ(x − mean)² / (paths − 1))); std 0 → ±inf by the sign
//     of the mean, 0 when the mean is 0;
//   * RED if catastrophic_probability > 0.25 or envelope_score < −1; ORANGE if not RED and
//     (envelope_score < 0 or catastrophic_probability > 0.10); else OK.
// The forewarner owns the run's "mc" stream; nothing else may draw from it.
// record_trade and assess never allocate after construction and never throw.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/strategy/dolphin/mc_status.hpp"
#include "keel/core/strategy/dolphin/params.hpp"
#include "keel/core/primitives/rng.hpp"

namespace keel::dolphin {

// The status rule alone (boundaries strict as written above).
[[nodiscard]] McStatus mc_status_for(double catastrophic_probability, double envelope_score,
                                     const McParams& p) noexcept;

class McForewarner {
 public:
  McForewarner(const McParams& params, std::uint64_t run_seed);

  // One closed trade, in exit order (exit days non-decreasing). `exit_day` is the UTC day of its
  // exit bar; `trade_return` its net PnL / capital just before the trade.
  void record_trade(std::int64_t exit_day, double trade_return) noexcept;

  struct Report {
    McStatus status = McStatus::kOk;
    double catastrophic_probability = 0.0;
    double envelope_score = 0.0;
    int horizon = 0;      // H (0 when not run)
    int trades_used = 0;  // n (0 when not run)
    bool ran = false;     // false: too few trades (or disabled), no draw made
  };

  // The verdict for UTC day `day`. Once per date: a second call for the same day (or an earlier
  // one) returns the latest report again without drawing. McParams::enabled false: OK, no draw.
  Report assess(std::int64_t day) noexcept;

  [[nodiscard]] std::int64_t closed_trades() const noexcept { return closed_; }
  // The "mc" stream in its current state (tests compare it with a fresh RngStream("mc", seed)).
  [[nodiscard]] const RngStream& stream() const noexcept { return rng_; }

 private:
  struct DayCount {
    std::int64_t day;
    std::int64_t trades;
  };

  McParams params_;
  RngStream rng_;
  std::vector<double> returns_;  // ring of the last max_trades returns
  std::size_t head_ = 0;         // next slot to write
  std::int64_t closed_ = 0;
  std::vector<DayCount> days_;  // ring of the latest horizon_days + 1 distinct exit days
  std::size_t days_head_ = 0;
  std::size_t days_size_ = 0;
  std::vector<double> path_returns_;  // one per path
  bool assessed_ = false;
  std::int64_t last_day_ = 0;
  Report last_;
};

}  // namespace keel::dolphin
