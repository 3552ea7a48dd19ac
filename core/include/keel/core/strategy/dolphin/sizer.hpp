// DOLPHIN's sizing stage (bible §6, DOLPHIN.md §8): fraction × leverage × capital, as a Sizer.
//
// Reads from the intent: side (SELL = the SHORT regime), sizing_price (the entry close), and the
// hints DolphinStrategy fills: signal = vel_div, flags kExtreme (the gate's extreme band) and
// kStalker (STALKER posture caps leverage), multipliers = {direction confirmation, regime size,
// order-book market multiplier}. Keeps what the rules remember: per-bucket wins and trades, the last
// five outcomes (streak), and the defined vel_div history (trend). Capital is the strategy's model
// capital (its ledger), read through the reference given at construction.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "keel/core/engine/strategy.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

class DolphinSizer final : public Sizer {
 public:
  static constexpr std::uint8_t kExtreme = 1u << 0;
  static constexpr std::uint8_t kStalker = 1u << 1;

  DolphinSizer(const DolphinParams& params, const double& capital);

  SizingDecision size(const Intent& intent, const Portfolio& portfolio) noexcept override;

  // A defined vel_div of a bar (in bar order).
  void observe_signal(double vel_div) noexcept;
  // A closed trade of `bucket` and its outcome.
  void record_trade(int bucket, bool win) noexcept;

 private:
  DolphinParams p_;
  const double& capital_;
  std::vector<double> vel_div_history_;  // defined values, newest last (bounded)
  std::array<int, 4> bucket_trades_{};
  std::array<int, 4> bucket_wins_{};
  std::array<bool, 5> last_wins_{};      // ring of the last 5 closed trades' outcomes
  int closed_trades_ = 0;
};

}  // namespace keel::dolphin
