#include "keel/sim/synthetic_market.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/primitives/clock.hpp"

namespace keel::sim {
namespace {

// Largest amount the generator emits (10^10 units): far above any price or volume it is configured
// for, far below the fixed-point limit. A walk that wanders further saturates (counted).
constexpr double kMaxAmount = 1e10;

// Rounds a positive amount to a multiple of `unit` raw units: at least one unit, at most kMaxAmount
// (NaN and inf saturate too), so the conversion can never overflow.
std::int64_t to_raw(double value, std::int64_t unit, std::uint64_t& saturated) noexcept {
  const double max_units = std::floor(kMaxAmount * static_cast<double>(kScale) / static_cast<double>(unit));
  double units = std::round(value * static_cast<double>(kScale) / static_cast<double>(unit));
  if (!(units <= max_units)) {
    units = max_units;
    ++saturated;
  }
  if (units < 1.0) units = 1.0;
  return static_cast<std::int64_t>(units) * unit;
}

}  // namespace

SyntheticMarket::SyntheticMarket(const SyntheticConfig& config, std::uint64_t run_seed,
                                 InstrumentRegistry& registry)
    : config_(config), rng_("synthetic", run_seed) {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(what);
  };
  require(config_.assets >= 1, "synthetic.assets must be at least 1");
  require(config_.days >= 1, "synthetic.days must be at least 1");
  require(config_.substeps >= 1, "synthetic.substeps must be at least 1");
  require(config_.bar_interval_ms >= 1000 && config_.bar_interval_ms <= 86'400'000,
          "synthetic.bar_interval_ms must be within 1 s .. 1 day");
  require(config_.price_decimals >= 0 && config_.price_decimals <= kDecimals &&
              config_.qty_decimals >= 0 && config_.qty_decimals <= kDecimals,
          "synthetic price/qty decimals must be within 0..8");
  require(config_.start_price > 0.0 && config_.start_price <= 1e9, "synthetic.start_price must be in (0, 1e9]");
  require(config_.bar_volatility >= 0.0 && config_.bar_volatility <= 0.1, "synthetic.bar_volatility must be in [0, 0.1]");
  require(config_.base_volume >= 0.0 && config_.base_volume <= 1e9, "synthetic.base_volume must be in [0, 1e9]");
  require(config_.gap_every_bars == 0 || (config_.gap_every_bars > config_.gap_length_bars && config_.gap_length_bars >= 1),
          "synthetic.gap_length_bars must be at least 1 and shorter than gap_every_bars");
  const auto start_day = parse_utc_date(config_.start);
  require(start_day.has_value(), "synthetic.start must be a UTC date YYYY-MM-DD");
  start_ms_ = *start_day * 86'400'000;
  total_slots_ = static_cast<std::int64_t>(config_.days) * 86'400'000 / config_.bar_interval_ms;
  price_unit_ = pow10_i64(kDecimals - config_.price_decimals);
  qty_unit_ = pow10_i64(kDecimals - config_.qty_decimals);
  const auto n = static_cast<std::size_t>(config_.assets);
  ids_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    InstrumentSpec spec;
    spec.symbol = fmt::format("SYN{:03}USDT", i);
    spec.tick_size = Price::from_raw(price_unit_);
    spec.lot_size = Qty::from_raw(qty_unit_);
    spec.min_notional = Notional::from_units(5);
    ids_.push_back(registry.add(spec));
  }
  beta_.resize(n);
  log_price_.resize(n);
  for (std::size_t i = 0; i < n; ++i) beta_[i] = 0.6 + 0.8 * rng_.uniform();
  for (std::size_t i = 0; i < n; ++i) log_price_[i] = std::log(config_.start_price) + 0.5 * standard_normal(rng_);
  batch_.resize(n);
}

bool SyntheticMarket::next(Event& out) {
  if (batch_pos_ == 0) {  // the previous bar time is fully emitted: simulate the next one
    const std::int64_t g = config_.gap_every_bars;
    while (g > 0 && slot_ < total_slots_ && slot_ >= g && (slot_ % g) < config_.gap_length_bars) ++slot_;
    if (slot_ >= total_slots_) return false;
    simulate_bar_time();
    ++slot_;
  }
  out = to_event(batch_[batch_pos_]);
  if (++batch_pos_ == batch_.size()) batch_pos_ = 0;
  return true;
}

void SyntheticMarket::simulate_bar_time() noexcept {
  const std::size_t n = ids_.size();
  if (rng_.uniform() < config_.regime_switch_probability) stressed_ = !stressed_;
  double shock = 0.0;
  if (rng_.uniform() < config_.shock_probability) {
    shock = rng_.uniform() < 0.5 ? -config_.shock_size : config_.shock_size;
    ++shocks_;
  }
  const double rho = stressed_ ? config_.factor_share_stressed : config_.factor_share_calm;
  const double sigma = config_.bar_volatility / std::sqrt(static_cast<double>(config_.substeps));
  const double w_market = std::sqrt(rho);
  const double w_idio = std::sqrt(1.0 - rho);

  for (std::size_t i = 0; i < n; ++i) {
    Bar& b = batch_[i];
    b = Bar{};
    b.open = Price::from_raw(to_raw(std::exp(log_price_[i]), price_unit_, saturated_));
    b.high = b.open;
    b.low = b.open;
  }
  for (int k = 0; k < config_.substeps; ++k) {
    const double f = standard_normal(rng_);
    for (std::size_t i = 0; i < n; ++i) {
      const double e = standard_normal(rng_);
      double r = sigma * (beta_[i] * w_market * f + w_idio * e);
      if (k == 0) r += beta_[i] * shock;
      log_price_[i] += r;
      const Price p = Price::from_raw(to_raw(std::exp(log_price_[i]), price_unit_, saturated_));
      Bar& b = batch_[i];
      if (p > b.high) b.high = p;
      if (p < b.low) b.low = p;
      b.close = p;
    }
  }
  const std::int64_t open_ms = start_ms_ + slot_ * config_.bar_interval_ms;
  for (std::size_t i = 0; i < n; ++i) {
    Bar& b = batch_[i];
    const double bar_return = std::fabs(std::log(b.close.to_double() / b.open.to_double()));
    const double scale = config_.bar_volatility > 0.0 ? bar_return / config_.bar_volatility : 0.0;
    const double volume = config_.base_volume * (0.5 + rng_.uniform()) * (1.0 + scale);
    b.volume = Qty::from_raw(to_raw(volume, qty_unit_, saturated_));
    b.header.kind = EventKind::kBar;
    b.header.instrument = ids_[i];
    b.header.ts_exchange = open_ms * kNanosPerMilli;
    b.header.ts_local = (open_ms + config_.bar_interval_ms) * kNanosPerMilli;
    b.header.flags = i + 1 == n ? kFlagEndOfBatch : 0;
  }
}

}  // namespace keel::sim
