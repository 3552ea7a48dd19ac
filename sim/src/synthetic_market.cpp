#include "keel/sim/synthetic_market.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/clock.hpp"

namespace keel::sim {
namespace {

std::int64_t pow10(int n) {
  std::int64_t v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

std::int64_t parse_date_ms(const std::string& s) {
  if (s.size() != 10) throw std::invalid_argument("synthetic.start: expected YYYY-MM-DD");
  CivilDate d{std::stoi(s.substr(0, 4)), static_cast<unsigned>(std::stoi(s.substr(5, 2))),
              static_cast<unsigned>(std::stoi(s.substr(8, 2)))};
  return days_from_civil(d) * 86'400'000;
}

// Rounds a positive amount to a multiple of `unit` raw units (at least one unit).
std::int64_t to_raw(double value, std::int64_t unit) noexcept {
  const double units = std::round(value * static_cast<double>(kScale) / static_cast<double>(unit));
  const auto n = static_cast<std::int64_t>(units);
  return std::max<std::int64_t>(n, 1) * unit;
}

}  // namespace

SyntheticMarket::SyntheticMarket(const SyntheticConfig& config, std::uint64_t run_seed,
                                 InstrumentRegistry& registry)
    : config_(config), rng_(stream_seed(run_seed, "synthetic")) {
  if (config_.assets < 1) throw std::invalid_argument("synthetic.assets must be at least 1");
  if (config_.substeps < 1) throw std::invalid_argument("synthetic.substeps must be at least 1");
  if (config_.bar_interval_ms <= 0) throw std::invalid_argument("synthetic.bar_interval_ms must be positive");
  start_ms_ = parse_date_ms(config_.start);
  total_slots_ = static_cast<std::int64_t>(config_.days) * 86'400'000 / config_.bar_interval_ms;
  price_unit_ = pow10(kDecimals - config_.price_decimals);
  qty_unit_ = pow10(kDecimals - config_.qty_decimals);
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
    while (g > 0 && slot_ >= g && (slot_ % g) < config_.gap_length_bars) ++slot_;
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
    b.open = Price::from_raw(to_raw(std::exp(log_price_[i]), price_unit_));
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
      const Price p = Price::from_raw(to_raw(std::exp(log_price_[i]), price_unit_));
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
    b.volume = Qty::from_raw(to_raw(volume, qty_unit_));
    b.header.kind = EventKind::kBar;
    b.header.instrument = ids_[i];
    b.header.ts_exchange = open_ms * kNanosPerMilli;
    b.header.ts_local = (open_ms + config_.bar_interval_ms) * kNanosPerMilli;
    b.header.flags = i + 1 == n ? kFlagEndOfBatch : 0;
  }
}

}  // namespace keel::sim
