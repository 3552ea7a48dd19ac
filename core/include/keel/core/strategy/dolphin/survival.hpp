// The survival stack (bible §11, DOLPHIN.md §5 and §8 "Survival stack"): five sensor categories
// combine into a risk multiplier Rm ∈ [0, 1] that maps, with bounded recovery and hysteresis, to a
// posture {APEX, STALKER, TURTLE, HIBERNATE}. The engine evaluates it at every bar before exits and
// applies the posture's effects (§11.7) and the day halt; whether the stack runs at all
// (SurvivalParams::enabled) is the engine's decision — this class always computes.
//
// Per bar:
//   Cat1 = 0 if the feed is down or the heartbeat is older than heartbeat_max_age_s, else 1
//   Cat2 = {OK 1, ORANGE 0.5, RED 0.1}[mc] · exp(−max(0, staleness_h − 6) / 3)
//   Cat3 = 1 without an order-book source; 0.5 when its book is stale;
//          else clamp(0.3 + 0.7·min(depth_quality, fill_probability), 0.3, 1)
//   Cat4 = 1 with no implied-vol spike on record; else 0.3 + 0.7·(1 − exp(−minutes_since / 60))
//          (0.3 at the spike)
//   Cat5 = 1 / (1 + exp(30·(drawdown − 0.12)))
//   r_target = ((Cat1·Cat5)·min(Cat2, Cat4))·Cat3, × 0.5 when ≥ 2 of Cat2/Cat3/Cat4 are < 0.8
//   r_final  = r_target on the first bar and whenever r_target < the previous r_final (fast
//              attack); else prev + min(min(1, 0.02·dt)·(r_target − prev), 0.05·dt), dt =
//              minutes between this bar's open time and the latest earlier one (0 when not later)
//   raw      = APEX ≥ 0.90 > STALKER ≥ 0.75 > TURTLE ≥ 0.50 > HIBERNATE, on r_final
//   posture  = raw on the first bar and whenever Cat1 = 0; else it moves to the raw posture of the
//              2nd consecutive bar whose raw posture is worse than the current one, or of the 5th
//              consecutive bar whose raw posture is better; a bar at the current level resets both
//              counts, and a worse bar resets the better count (and vice versa).
// A NaN sensor input gives that sensor its worst value: Cat1 0, Cat2 0, Cat3 0.3, Cat4 0.3, Cat5 0.
// evaluate() never allocates and never throws.
#pragma once

#include <cstdint>

#include "keel/core/strategy/dolphin/mc_status.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

struct SurvivalInputs {
  // Cat1 — binary invariant.
  double heartbeat_age_s = 0.0;
  bool feed_ok = true;  // the bible's hz_nodes >= 1
  // Cat2 — structural.
  McStatus mc_status = McStatus::kOk;
  double staleness_hours = 0.0;
  // Cat3 — microstructure. ob_configured: an order-book source exists (the engine passes
  // SurvivalParams::order_book_configured); without one Cat3 is neutral and the rest is not read.
  bool ob_configured = false;
  bool ob_stale = false;
  double depth_quality = 1.0;
  double fill_probability = 1.0;
  // Cat4 — environmental.
  bool dvol_spike_on_record = false;
  double minutes_since_spike = 0.0;
  // Cat5 — capital: drawdown from the equity peak as a fraction, from the previous bar's marked
  // equity (0 on the first bar).
  double drawdown = 0.0;
  // This bar's open time (ms), for the recovery's dt.
  std::int64_t bar_open_time_ms = 0;
};

// The sensors, each in [0, 1] (bible §11.2).
[[nodiscard]] double survival_cat1(const SurvivalInputs& in, const SurvivalParams& p) noexcept;
[[nodiscard]] double survival_cat2(const SurvivalInputs& in, const SurvivalParams& p) noexcept;
[[nodiscard]] double survival_cat3(const SurvivalInputs& in, const SurvivalParams& p) noexcept;
[[nodiscard]] double survival_cat4(const SurvivalInputs& in, const SurvivalParams& p) noexcept;
[[nodiscard]] double survival_cat5(const SurvivalInputs& in, const SurvivalParams& p) noexcept;

// §11.3: ((cat1·cat5)·min(cat2, cat4))·cat3, halved (collapse_penalty) when at least two of
// cat2, cat3, cat4 are below degraded_below (0.8). `cat` is Cat1..Cat5 in order.
[[nodiscard]] double survival_combine(const double (&cat)[5], const SurvivalParams& p) noexcept;

// §11.5: the posture of a risk multiplier (thresholds apex/stalker/turtle, each inclusive).
[[nodiscard]] Posture posture_for(double rm, const SurvivalParams& p) noexcept;

class SurvivalStack {
 public:
  explicit SurvivalStack(const SurvivalParams& params) noexcept;

  struct Result {
    double r_target = 0.0;
    double r_final = 0.0;
    Posture raw = Posture::kApex;      // posture_for(r_final)
    Posture posture = Posture::kApex;  // after hysteresis
    double cat[5] = {};                // Cat1..Cat5
  };

  // One bar. Call once per bar, in bar order.
  Result evaluate(const SurvivalInputs& in) noexcept;

  // The posture after the latest evaluate (APEX before the first).
  [[nodiscard]] Posture posture() const noexcept { return posture_; }
  [[nodiscard]] double r_final() const noexcept { return last_r_; }
  [[nodiscard]] int worse_count() const noexcept { return worse_; }
  [[nodiscard]] int better_count() const noexcept { return better_; }

 private:
  SurvivalParams params_;
  bool started_ = false;
  double last_r_ = 1.0;
  std::int64_t last_open_ms_ = 0;
  Posture posture_ = Posture::kApex;
  int worse_ = 0;
  int better_ = 0;
};

}  // namespace keel::dolphin
