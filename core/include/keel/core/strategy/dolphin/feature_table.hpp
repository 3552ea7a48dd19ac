// Precomputed signal columns for `keel backtest --features FILE`: the CSV `keel features` writes
// (open_time_ms,lam_50,lam_150,lam_300,lam_750,v_50,v_150,v_300,v_750,vel_div; empty = undefined).
// Loading is start-up work and throws DataError with file:line: reason for a wrong header, a wrong
// column count, a non-number, NaN/Inf spelled out, or times that do not increase.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"

namespace keel::dolphin {

inline constexpr std::string_view kFeatureCsvHeader =
    "open_time_ms,lam_50,lam_150,lam_300,lam_750,v_50,v_150,v_300,v_750,vel_div";

class FeatureTable final : public FeatureSource {
 public:
  static FeatureTable parse(std::string_view text, std::string_view source);
  static FeatureTable load(const std::string& path);

  // Bars are asked for in time order; a cursor makes each lookup O(1) amortised, no allocation.
  const SignalValues* at(Nanos open_time) noexcept override;
  [[nodiscard]] std::size_t rows() const noexcept { return times_.size(); }

 private:
  std::vector<std::int64_t> times_;  // open_time_ms
  std::vector<SignalValues> values_;
  std::size_t cursor_ = 0;
};

}  // namespace keel::dolphin
