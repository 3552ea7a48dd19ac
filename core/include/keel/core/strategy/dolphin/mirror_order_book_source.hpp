// MirrorOrderBookSource: DOLPHIN's OrderBookSource (order_book.hpp, bible §9.1–§9.3) computed from
// live L2 mirrors (book::L2Book, kept in step with the venue by book::BookSync).
//
// At each bar close (event time) the owner calls on_bar_close(ts); the source samples every
// attached book once and updates, per asset, from the top `levels` levels of each side:
//   size imbalance        imb = (B − A) / (B + A), B/A = summed bid/ask quantity of the top levels
//   imbalance_ma5         mean of the last `imbalance_ma_bars` (5) imb samples          (§9.1)
//   imbalance_persistence share of the last `persistence_bars` samples whose imb has the sign of
//                         imbalance_ma5 (0 when imbalance_ma5 is 0)                      (§9.1)
//   withdrawal_velocity   (D_t − D_{t−L}) / D_{t−L}, D = B + A, L = `velocity_bars`; 0 until L+1
//                         samples exist. Negative = the book is thinning.                (§9.1)
//   depth_quality         D_t / mean(D over the last `depth_mean_bars` samples, D_t included):
//                         ~1 normal, > 1 deeper than usual, < 1 thinner                  (§9.3)
//   fill_probability      spread term × queue term, in (0, 1):                           (§9.3)
//                           spread term = min(1, spread_ref_bps / spread_bps), spread in bps of mid
//                           queue term  = 1 / (1 + touch / level), touch = mean of the two best
//                           levels' quantities, level = D / (levels counted on both sides)
// and, over the assets with data at this bar:
//   cascade_count         assets whose withdrawal_velocity < cascade_velocity (−0.40)    (§9.2)
//   regime_signal         +1 when the share of assets with withdrawal_velocity < stress_velocity
//                         (−0.20) is ≥ stress_share; −1 when that share is ≤ calm_share and the
//                         share with withdrawal_velocity > 0 is ≥ calm_building_share; else 0
//   market_multiplier(d)  clamp(1 + market_gain·eff, market_min, market_max), eff = the mean
//                         imbalance_ma5 of those assets, negated for a SHORT (d < 0)     (OB-3)
// docs/decisions-ob.md gives the reason for each choice and default.
//
// Freshness: an asset has data (signal()/placement() answer true) only when its book was usable at
// the last bar close (attached, not stale, not crossed, both sides non-empty) and the
// `min_samples` bar closes before it, the last included, were all usable. A bar close at which the
// book is not usable clears that asset's history: after a resync it warms up again. Stale assets
// count in neither the macro record nor the market multiplier; with no asset holding data the macro
// is {0, 0} and the multiplier 1.0 (neutral).
//
// Contract: the constructor allocates (every buffer); nothing else does. Every other member is
// noexcept. Deterministic: the result depends only on the books' contents at each call and the
// order of the calls; `ts` (event time) only orders them (a bar close not later than the previous
// one is ignored). Not thread-safe: the owner samples and the strategy reads on one thread (the
// core's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "keel/core/book/book_sync.hpp"
#include "keel/core/book/l2_book.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/strategy/dolphin/order_book.hpp"

namespace keel::dolphin {

// Every number of the mirror source (proposed config section: [dolphin.order_book]). Windows are
// int, as config_keys.hpp's visitor reads integers.
struct MirrorObParams {
  int levels = 5;                   // top levels per side summed (imbalance, depth)
  int imbalance_ma_bars = 5;        // the bible's imbalance_ma5
  int persistence_bars = 10;        // N of imbalance_persistence
  int velocity_bars = 1;            // L of withdrawal_velocity
  int depth_mean_bars = 20;         // rolling mean of depth_quality
  int min_samples = 5;              // consecutive usable bar closes before an asset has data
  double spread_ref_bps = 5.0;      // spreads up to this leave the spread term at 1
  double cascade_velocity = -0.40;  // withdrawal_velocity < → asset counted in cascade_count
  double stress_velocity = -0.20;   // withdrawal_velocity < → asset thinning (regime +1 share)
  double stress_share = 0.30;       // thinning share ≥ → regime_signal +1
  double calm_share = 0.10;         // thinning share ≤ …
  double calm_building_share = 0.50;  // … and building share (velocity > 0) ≥ → regime_signal −1
  double market_gain = 0.50;          // raw multiplier 1 + gain·eff
  double market_min = 0.85;           // the bible's −15% …
  double market_max = 1.20;  // … and +20% (§9.4 OB-3); the engine clamps to [0.80, 1.20] again
};

// Throws std::invalid_argument when a window (levels, imbalance_ma_bars, persistence_bars,
// velocity_bars, depth_mean_bars, min_samples) is 0 or above kMaxWindow, or a share is outside
// [0, 1], or market_min > market_max, or spread_ref_bps is not positive (start-up only).
void validate(const MirrorObParams& params);

class MirrorOrderBookSource final : public OrderBookSource {
 public:
  static constexpr int kMaxWindow = 4096;

  // `assets` is the engine's asset count (asset i = the symbols file's i-th symbol). Allocates
  // every buffer; throws std::invalid_argument (validate) or std::bad_alloc.
  MirrorOrderBookSource(std::size_t assets, const MirrorObParams& params = {});

  // Attaches asset i's mirror; it must outlive this source (or be detached). The BookSync form
  // reads sync.book() and sync.usable() at every bar close. The L2Book form uses the book with the
  // usability the owner last gave set_usable() (initially true; a crossed book or an empty side is
  // never usable). Re-attaching clears the asset's history. Out-of-range assets are ignored.
  void attach(std::size_t asset, const book::BookSync& sync) noexcept;
  void attach(std::size_t asset, const book::L2Book& book) noexcept;
  void detach(std::size_t asset) noexcept;
  void set_usable(std::size_t asset, bool usable) noexcept;

  // The bar close at event time `ts`: samples every attached book and updates every output. Call
  // after the book mirrors have applied every update up to the bar's close and before the strategy
  // sees the bar. A `ts` not later than the previous call's is ignored (returns false).
  bool on_bar_close(Nanos ts) noexcept;

  // OrderBookSource (what the strategy reads; valid until the next on_bar_close).
  bool signal(std::size_t asset, ObSignal& out) const noexcept override;
  bool placement(std::size_t asset, ObPlacement& out) const noexcept override;
  ObMacro macro() const noexcept override { return macro_; }
  double market_multiplier(int direction) const noexcept override;

  // The market-wide placement for the survival stack's Cat3 (score = min(depth_quality,
  // fill_probability), bible §11): the means over the assets with data, in asset order. False when
  // no asset has data — the source is then stale as a whole (SurvivalInputs::ob_stale).
  bool market_placement(ObPlacement& out) const noexcept;

  // Diagnostics.
  [[nodiscard]] std::size_t assets() const noexcept { return assets_.size(); }
  [[nodiscard]] std::size_t assets_with_data() const noexcept { return with_data_; }
  [[nodiscard]] double market_imbalance() const noexcept { return market_imbalance_; }
  [[nodiscard]] Nanos last_bar_close() const noexcept { return last_ts_; }
  [[nodiscard]] const MirrorObParams& params() const noexcept { return p_; }

 private:
  struct Sample {
    double imbalance = 0.0;
    double depth = 0.0;
  };
  struct Asset {
    const book::BookSync* sync = nullptr;
    const book::L2Book* book = nullptr;
    bool usable_flag = true;
    std::size_t count = 0;  // samples in the ring (≤ history_)
    std::size_t head = 0;   // next write position
    bool has_data = false;
    ObSignal signal;
    ObPlacement placement;
  };

  void reset(Asset& a) noexcept;
  // The sample `back` bars before the newest (0 = newest); requires back < a.count.
  [[nodiscard]] const Sample& sample(std::size_t asset, std::size_t back) const noexcept;
  void update(std::size_t asset, const book::L2Book& book) noexcept;

  MirrorObParams p_;
  std::size_t levels_ = 0;  // p_.levels as a size
  std::size_t ma_bars_ = 0;
  std::size_t persistence_bars_ = 0;
  std::size_t velocity_bars_ = 0;
  std::size_t depth_mean_bars_ = 0;
  std::size_t min_samples_ = 0;
  std::size_t history_ = 0;  // ring length per asset
  std::vector<Asset> assets_;
  std::vector<Sample> ring_;  // assets × history_
  ObMacro macro_;
  double market_imbalance_ = 0.0;
  std::size_t with_data_ = 0;
  Nanos last_ts_ = 0;
  bool started_ = false;
};

}  // namespace keel::dolphin
