// IRP — Impulse Response Profiling, DOLPHIN's asset selection (the bible's §5, with the
// conventions of ../shared/spec/DOLPHIN.md §8 "IRP").
//
// compute_irp profiles one asset's last prices in one direction; select_asset ranks the candidates
// by ARS (the better of the direct and the inverse direction), applies the filters and the gates
// and picks the first passing asset, with no fallback. Floating-point operations keep the spec's
// order (-ffp-contract=off): results are compared bit for bit against independent implementations.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

// Latency reported when the path never goes favourable (mfe = 0): the bible's "default 50".
inline constexpr int kIrpLatencyNoMfe = 50;

struct IrpMetrics {
  double mfe = 0.0;         // max(0, max(cumulative))
  double mae = 0.0;         // |min(min(cumulative), 0)|
  double efficiency = 0.0;  // mfe/(mae + 1e-6)
  double alignment = 0.0;   // count(dir_returns > 0)/n_ret
  double noise = 0.0;       // population variance of dir_returns, two-pass, sums left to right
  int latency = kIrpLatencyNoMfe;  // 1 + index of the first cumulative >= 0.1*mfe; 50 when mfe = 0
  double ars = 0.0;  // 0.5*log1p(efficiency) + 0.35*alignment − 0.15*noise*1000, left to right
};

// Profiles `prices` (oldest first) in `direction` (−1 SHORT, +1 LONG):
//   dir_returns[i] = (p[i+1] − p[i])*direction            (IrpReturns::kPriceDiff)
//                  = (p[i+1] − p[i])/p[i]*direction       (IrpReturns::kRelative)
//   cumulative[i]  = cumulative[i−1] + dir_returns[i]      (left to right)
// then the metrics above. Fewer than 2 prices: all metrics 0, latency 50, ARS 0. No allocation.
[[nodiscard]] IrpMetrics compute_irp(std::span<const double> prices, int direction,
                                     IrpReturns returns) noexcept;

// One candidate asset: `prices` are its last `window` prices (present bars only, oldest first, the
// current bar's close last). The caller passes only candidates (>= window prices and a bar at the
// current bar), in the symbol order of the symbols file.
struct IrpInput {
  std::size_t asset = 0;
  std::span<const double> prices;
};

// A ranked candidate: the winning direction's metrics, and whether the inverse direction won.
struct IrpRanked {
  std::size_t asset = 0;
  bool inverse = false;
  IrpMetrics metrics;
};

// The bible's rank_assets_irp_nb, for diagnostics and tests: per input, direct =
// compute_irp(regime), inverse = compute_irp(−regime); the inverse wins only with a strictly higher
// ARS. The winner is dropped when noise > max_noise, latency > max_latency, alignment <
// filter_min_alignment or its ARS is NaN. `out` receives the survivors stably sorted by ARS
// descending (ties keep input order). An input with fewer than max(window, 2) prices is skipped;
// one with more uses its last `window` prices. Allocates only when `out` must grow.
void rank_assets(std::span<const IrpInput> inputs, Direction regime, const IrpParams& params,
                 std::vector<IrpRanked>& out);

struct IrpChoice {
  bool found = false;
  std::size_t asset = 0;
};

// The bible's AlphaAssetSelector walk over rank_assets' list: skip a candidate whose alignment is
// below min_alignment (when min_alignment > 0) or whose inverse direction won (direction gate); the
// first one passing is chosen; none → found = false (no fallback). Computed in one pass without
// sorting (the first passing entry of a stable descending ranking is the passing entry of highest
// ARS, the earliest input on ties), so it allocates nothing.
// One input's verdict for the selector: the winning direction (direct wins ties) passes the rank
// filters and the walk's gates (alignment, direction) — then `passes` with that direction's ARS.
// Not `passes` for an input with fewer than max(window, 2) prices. The building block of
// select_asset, shared with the order-book-aware selection (order_book.hpp).
struct IrpVerdict {
  bool passes = false;
  double ars = 0.0;
};
[[nodiscard]] IrpVerdict irp_verdict(const IrpInput& input, Direction regime, const IrpParams& params) noexcept;

[[nodiscard]] IrpChoice select_asset(std::span<const IrpInput> inputs, Direction regime,
                                     const IrpParams& params) noexcept;

}  // namespace keel::dolphin
