#include "keel/core/strategy/dolphin/sizer.hpp"

#include <algorithm>

#include "keel/core/strategy/dolphin/signal_rules.hpp"

namespace keel::dolphin {
namespace {
// vel_div values kept: the trend multiplier needs the last 10.
constexpr std::size_t kVelDivKeep = 200;
}  // namespace

DolphinSizer::DolphinSizer(const DolphinParams& params, const double& capital) : p_(params), capital_(capital) {
  vel_div_history_.reserve(kVelDivKeep * 2);
}

void DolphinSizer::observe_signal(double vel_div) noexcept {
  if (vel_div_history_.size() == vel_div_history_.capacity())
    vel_div_history_.erase(vel_div_history_.begin(), vel_div_history_.end() - static_cast<std::ptrdiff_t>(kVelDivKeep));
  vel_div_history_.push_back(vel_div);
}

void DolphinSizer::record_trade(int bucket, bool win) noexcept {
  ++bucket_trades_[static_cast<std::size_t>(bucket)];
  if (win) ++bucket_wins_[static_cast<std::size_t>(bucket)];
  last_wins_[static_cast<std::size_t>(closed_trades_ % 5)] = win;
  ++closed_trades_;
}

SizingDecision DolphinSizer::size(const Intent& intent, const Portfolio& /*portfolio*/) noexcept {
  SizingDecision d;
  const double vel_div = intent.hints.signal;
  const bool extreme = (intent.hints.flags & kExtreme) != 0;
  const double strength = strength_score(vel_div, p_.signal);
  const double size_leverage = cubic_leverage(strength, p_.sizing);
  const int bucket = signal_bucket(vel_div, p_.signal);
  const double bucket_mult = bucket_boost(bucket_wins_[static_cast<std::size_t>(bucket)],
                                          bucket_trades_[static_cast<std::size_t>(bucket)], p_.sizing);
  int losses = 0;
  const int recent = std::min(closed_trades_, 5);
  for (int k = 0; k < recent; ++k)
    if (!last_wins_[static_cast<std::size_t>(k)]) ++losses;
  const double streak = streak_multiplier(losses, closed_trades_, p_.sizing);
  const double trend = trend_multiplier(vel_div_history_, p_.signal.direction, p_.sizing);
  const double fraction = effective_fraction(strength, extreme, trend, bucket_mult, streak, p_.sizing);
  const Leverage lev = final_leverage(size_leverage, intent.hints.multipliers[0], intent.hints.multipliers[1],
                                      intent.hints.multipliers[2], (intent.hints.flags & kStalker) != 0, p_.sizing);
  d.notional = capital_ * fraction * lev.final_leverage;
  d.fraction = fraction;
  d.leverage = lev.final_leverage;
  d.bucket = bucket;
  const Price price = intent.sizing_price.is_positive() ? intent.sizing_price : intent.limit_price;
  const auto qty = qty_for_notional(d.notional, price, intent.lot);
  d.ok = qty.ok() && qty.value().is_positive();
  if (d.ok) d.qty = qty.value();
  return d;
}

}  // namespace keel::dolphin
