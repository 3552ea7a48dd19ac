// The built-in synthetic market: N correlated assets driven by a common market factor plus
// idiosyncratic noise, with Markov regime switches in correlation and occasional market-wide shocks.
// It emits the same Bar events as the file loaders (bar_data.hpp), one bar time at a time, the last
// bar of each time flagged kFlagEndOfBatch. Fully determined by its config and the run seed (RNG
// stream "synthetic").
//
// Model, per bar (draw order is part of the contract):
//   1. regime switch: u < regime_switch_probability flips calm <-> stressed;
//   2. shock: u < shock_probability ⇒ a market-wide jump of ±shock_size (one more u: sign, u < 0.5
//      is down), applied in the first substep, scaled by each asset's beta;
//   3. for each of `substeps` substeps: one standard normal f for the market, then one normal e_i per
//      asset; asset log return = σ_s·(β_i·√ρ·f + √(1−ρ)·e_i), σ_s = bar_volatility/√substeps, ρ the
//      regime's factor share; the high and low are the extremes of the substep path;
//   4. volume per asset: base_volume · (0.5 + u) · (1 + |bar return| / bar_volatility).
// Betas are drawn once at start (0.6 + 0.8·u per asset), start prices start_price·exp(0.5·z).
// Prices are rounded half-away-from-zero to price_decimals (never below one tick), volume to
// qty_decimals. With gap_every_bars = G > 0, bar times G·k … G·k+gap_length_bars−1 (k ≥ 1) are skipped:
// an exchange-wide maintenance gap (no bars, prices frozen).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/io/config.hpp"
#include "keel/core/io/event_source.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/primitives/rng.hpp"

namespace keel::sim {

class SyntheticMarket final : public EventSource {
 public:
  // Registers SYN000USDT, SYN001USDT, … in `registry` (tick 10^-price_decimals, lot
  // 10^-qty_decimals). Throws std::invalid_argument naming the setting for an unusable config
  // (the same ranges the config loader enforces).
  SyntheticMarket(const SyntheticConfig& config, std::uint64_t run_seed, InstrumentRegistry& registry);

  bool next(Event& out) override;  // no allocation

  [[nodiscard]] std::int64_t total_bar_slots() const noexcept { return total_slots_; }
  [[nodiscard]] bool stressed() const noexcept { return stressed_; }
  [[nodiscard]] std::uint64_t shocks() const noexcept { return shocks_; }
  // Prices or volumes clamped at 10^10 units (only a wildly configured walk gets there).
  [[nodiscard]] std::uint64_t saturated() const noexcept { return saturated_; }

 private:
  void simulate_bar_time() noexcept;

  SyntheticConfig config_;
  RngStream rng_;
  std::vector<InstrumentId> ids_;
  std::vector<double> beta_;
  std::vector<double> log_price_;
  std::vector<Bar> batch_;
  std::size_t batch_pos_ = 0;
  std::int64_t slot_ = 0;           // bar slot index on the time grid
  std::int64_t total_slots_ = 0;
  std::int64_t start_ms_ = 0;
  std::int64_t price_unit_ = 1;     // raw units per tick
  std::int64_t qty_unit_ = 1;
  bool stressed_ = false;
  std::uint64_t shocks_ = 0;
  std::uint64_t saturated_ = 0;
};

}  // namespace keel::sim
