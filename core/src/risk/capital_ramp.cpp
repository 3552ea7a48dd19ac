#include "keel/core/risk/capital_ramp.hpp"

#include <algorithm>
#include <cmath>

namespace keel {

CapitalRamp::CapitalRamp(const CapitalRampConfig& config) noexcept {
  start_ = std::isfinite(config.start_fraction) && config.start_fraction > 0.0 ? std::min(config.start_fraction, 1.0) : 1.0;
  step_ = std::isfinite(config.daily_step) && config.daily_step > 0.0 ? config.daily_step : 0.0;
  clean_days_ = std::max<std::int64_t>(config.clean_days, 0);
  count_from_ = config.count_from;
  enabled_ = start_ < 1.0;
  recompute();
}

void CapitalRamp::recompute() noexcept {
  if (!enabled_) {
    fraction_ = 1.0;
    return;
  }
  // Days beyond what reaches 1 change nothing (and cannot overflow the product).
  const double f = start_ + step_ * static_cast<double>(clean_days_);
  fraction_ = std::isfinite(f) ? std::min(f, 1.0) : 1.0;
}

bool CapitalRamp::on_time(Nanos now) noexcept {
  if (!enabled_ || now < count_from_) return false;
  const std::int64_t day = utc_day_number(now);
  if (day_ == INT64_MIN) {
    day_ = day;
    return false;
  }
  if (day <= day_) return false;  // same day (or time went back: ignored)
  const double before = fraction_;
  if (!breached_today_) {
    ++clean_days_;
    recompute();
  }
  day_ = day;
  breached_today_ = false;
  return fraction_ != before;
}

bool CapitalRamp::on_breach(Nanos now) noexcept {
  if (!enabled_ || now < count_from_) return false;  // history (warm-up) breaches nothing
  const double before = fraction_;
  (void)on_time(now);  // a breach on a new day first closes the old one
  ++breaches_;
  if (breached_today_) return fraction_ != before;
  breached_today_ = true;
  ++breach_days_;
  if (clean_days_ > 0) --clean_days_;
  recompute();
  return fraction_ != before;
}

}  // namespace keel
