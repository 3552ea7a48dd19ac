#include "keel/core/strategy/dolphin/irp.hpp"

#include <algorithm>
#include <cmath>

namespace keel::dolphin {
namespace {
double dir_return(std::span<const double> p, std::size_t i, double direction,
                  IrpReturns returns) noexcept {
  if (returns == IrpReturns::kRelative) return (p[i + 1] - p[i]) / p[i] * direction;
  return (p[i + 1] - p[i]) * direction;
}

// The winning direction's profile of one input, or nothing when the input is too short.
struct Profiled {
  bool usable = false;
  bool inverse = false;
  IrpMetrics metrics;
};

Profiled profile(const IrpInput& in, Direction regime, const IrpParams& params) noexcept {
  Profiled out;
  const std::size_t window = static_cast<std::size_t>(std::max(params.window, 2));
  if (in.prices.size() < window) return out;
  const std::span<const double> prices = in.prices.last(window);
  const int dir = static_cast<int>(regime);
  const IrpMetrics direct = compute_irp(prices, dir, params.returns);
  const IrpMetrics inverse = compute_irp(prices, -dir, params.returns);
  out.usable = true;
  out.inverse = inverse.ars > direct.ars;  // direct wins ties
  out.metrics = out.inverse ? inverse : direct;
  return out;
}

// rank_assets_irp_nb's filters on the winning direction's metrics.
bool passes_filters(const IrpMetrics& m, const IrpParams& params) noexcept {
  if (std::isnan(m.ars)) return false;
  if (m.noise > params.max_noise) return false;
  if (m.latency > params.max_latency) return false;
  if (m.alignment < params.filter_min_alignment) return false;
  return true;
}

// The selector's gates while walking the ranking.
bool passes_gates(const Profiled& c, const IrpParams& params) noexcept {
  if (params.min_alignment > 0.0 && c.metrics.alignment < params.min_alignment) return false;
  return !c.inverse;  // direction gate: action != expected
}
}  // namespace

IrpVerdict irp_verdict(const IrpInput& input, Direction regime, const IrpParams& params) noexcept {
  const Profiled c = profile(input, regime, params);
  if (!c.usable || !passes_filters(c.metrics, params) || !passes_gates(c, params)) return {};
  return IrpVerdict{true, c.metrics.ars};
}

IrpMetrics compute_irp(std::span<const double> prices, int direction, IrpReturns returns) noexcept {
  IrpMetrics m;
  if (prices.size() < 2) {
    m.ars = 0.5 * std::log1p(m.efficiency) + 0.35 * m.alignment - 0.15 * m.noise * 1000.0;
    return m;
  }
  const std::size_t n_ret = prices.size() - 1;
  const double dir = static_cast<double>(direction);

  // Pass 1: cumulative path, excursions, alignment count, Σx.
  double cum = 0.0;
  double max_cum = 0.0;  // mfe = max(0, max(cumulative))
  double min_cum = 0.0;  // mae = |min(min(cumulative), 0)|
  std::size_t positive = 0;
  double sum = 0.0;
  for (std::size_t i = 0; i < n_ret; ++i) {
    const double r = dir_return(prices, i, dir, returns);
    cum = i == 0 ? r : cum + r;
    if (cum > max_cum) max_cum = cum;
    if (cum < min_cum) min_cum = cum;
    if (r > 0.0) ++positive;
    sum += r;
  }
  m.mfe = max_cum;
  m.mae = std::fabs(min_cum);
  m.efficiency = m.mfe / (m.mae + 1e-6);
  m.alignment = static_cast<double>(positive) / static_cast<double>(n_ret);

  // Pass 2: Σ(x − mean)² and the latency (the same returns and cumulative values, recomputed).
  const double mean = sum / static_cast<double>(n_ret);
  const double target = 0.1 * m.mfe;
  double sq = 0.0;
  cum = 0.0;
  bool reached = false;
  for (std::size_t i = 0; i < n_ret; ++i) {
    const double r = dir_return(prices, i, dir, returns);
    const double d = r - mean;
    sq += d * d;
    cum = i == 0 ? r : cum + r;
    if (!reached && m.mfe > 0.0 && cum >= target) {
      m.latency = static_cast<int>(i) + 1;
      reached = true;
    }
  }
  m.noise = sq / static_cast<double>(n_ret);
  m.ars = 0.5 * std::log1p(m.efficiency) + 0.35 * m.alignment - 0.15 * m.noise * 1000.0;
  return m;
}

void rank_assets(std::span<const IrpInput> inputs, Direction regime, const IrpParams& params,
                 std::vector<IrpRanked>& out) {
  out.clear();
  for (const IrpInput& in : inputs) {
    const Profiled c = profile(in, regime, params);
    if (!c.usable || !passes_filters(c.metrics, params)) continue;
    out.push_back(IrpRanked{in.asset, c.inverse, c.metrics});
  }
  std::stable_sort(out.begin(), out.end(), [](const IrpRanked& a, const IrpRanked& b) {
    return a.metrics.ars > b.metrics.ars;
  });
}

IrpChoice select_asset(std::span<const IrpInput> inputs, Direction regime,
                       const IrpParams& params) noexcept {
  IrpChoice choice;
  double best_ars = 0.0;
  for (const IrpInput& in : inputs) {
    const Profiled c = profile(in, regime, params);
    if (!c.usable || !passes_filters(c.metrics, params) || !passes_gates(c, params)) continue;
    // Strictly greater: on equal ARS the earlier input keeps its place, as in a stable sort.
    if (!choice.found || c.metrics.ars > best_ars) {
      choice.found = true;
      choice.asset = in.asset;
      best_ars = c.metrics.ars;
    }
  }
  return choice;
}

}  // namespace keel::dolphin
