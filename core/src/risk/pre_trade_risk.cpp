#include "keel/core/risk/pre_trade_risk.hpp"

#include <algorithm>
#include <cmath>

namespace keel {
namespace {
__extension__ using Int128 = __int128;  // GCC/Clang extension, as in fixed_point.cpp
}  // namespace

std::string_view to_string(TradingState s) noexcept {
  switch (s) {
    case TradingState::kActive: return "active";
    case TradingState::kReducing: return "reducing";
    case TradingState::kHalted: return "halted";
  }
  return "";
}

std::string_view to_string(RiskReject r) noexcept {
  switch (r) {
    case RiskReject::kNone: return "none";
    case RiskReject::kHalted: return "halted";
    case RiskReject::kKillSwitch: return "kill_switch";
    case RiskReject::kReducingOnly: return "reducing_only";
    case RiskReject::kInvalidOrder: return "invalid_order";
    case RiskReject::kNoReferencePrice: return "no_reference_price";
    case RiskReject::kMaxOrderQty: return "max_order_qty";
    case RiskReject::kMaxOrderNotional: return "max_order_notional";
    case RiskReject::kPriceBand: return "price_band";
    case RiskReject::kMaxPosition: return "max_position";
    case RiskReject::kMaxGrossExposure: return "max_gross_exposure";
    case RiskReject::kMaxOpenOrders: return "max_open_orders";
    case RiskReject::kRateLimit: return "rate_limit";
    case RiskReject::kBookStale: return "book_stale";
    case RiskReject::kVenueDown: return "venue_down";
    case RiskReject::kReconciling: return "reconciling";
  }
  return "";
}

std::string_view to_string(VenueGate g) noexcept {
  switch (g) {
    case VenueGate::kOpen: return "open";
    case VenueGate::kDown: return "down";
    case VenueGate::kReconciling: return "reconciling";
  }
  return "";
}

void PreTradeRisk::set_exposure_scale(double fraction) noexcept {
  scale_ = std::isfinite(fraction) && fraction > 0.0 ? std::min(fraction, 1.0) : 1.0;
}

PreTradeRisk::PreTradeRisk(const RiskLimits& limits) noexcept : limits_(limits) {
  token_cap_ = static_cast<std::int64_t>(limits_.order_burst) * kNanosPerSecond;
  refill_per_s_ = static_cast<std::int64_t>(std::llround(limits_.orders_per_second * 1e9));
  tokens_ = token_cap_;
}

std::uint64_t PreTradeRisk::total_rejects() const noexcept {
  std::uint64_t n = 0;
  for (std::size_t i = 1; i < kRiskRejectCount; ++i) n += rejects_[i];
  return n;
}

void PreTradeRisk::set_kill_switch(bool engaged, bool trip) noexcept {
  if (engaged && !kill_switch_ && trip) ++kill_trips_;
  // A release starts a new baseline: the next mark becomes the day's reference, so the loss that
  // tripped the switch does not trip it again at once.
  if (!engaged && kill_switch_) day_ = INT64_MIN;
  kill_switch_ = engaged;
}

void PreTradeRisk::on_equity(double equity, Nanos now) noexcept {
  const std::int64_t day = utc_day_number(now);
  if (day != day_) {
    day_ = day;
    day_start_equity_ = equity;
    return;
  }
  if (!std::isfinite(equity)) return;
  const double loss = day_start_equity_ - equity;
  const bool absolute = limits_.max_daily_loss > 0.0 && loss > limits_.max_daily_loss;
  const bool relative = limits_.max_daily_loss_fraction > 0.0 && day_start_equity_ > 0.0 &&
                        loss > limits_.max_daily_loss_fraction * day_start_equity_;
  if ((absolute || relative) && !kill_switch_) set_kill_switch(true);
}

bool PreTradeRisk::take_token(Nanos now) noexcept {
  if (limits_.orders_per_second <= 0.0 || limits_.order_burst <= 0) return true;  // no rate limit
  if (!bucket_started_) {
    bucket_started_ = true;
    last_refill_ = now;
  } else if (now > last_refill_) {
    // Whole elapsed seconds and the rest separately: no overflow for long gaps.
    const Nanos dt = now - last_refill_;
    const std::int64_t secs = dt / kNanosPerSecond;
    const std::int64_t rest = dt % kNanosPerSecond;
    // rest · refill_per_s_ can pass 2^63 (0.9 s at 50 orders/s is 4.5·10^19): 128-bit product.
    const std::int64_t add =
        secs >= token_cap_ / std::max<std::int64_t>(refill_per_s_, 1) + 1
            ? token_cap_
            : secs * refill_per_s_ +
                  static_cast<std::int64_t>(static_cast<Int128>(rest) * refill_per_s_ / kNanosPerSecond);
    tokens_ = std::min(token_cap_, tokens_ + add);
    last_refill_ = now;
  }
  if (tokens_ < kNanosPerSecond) return false;
  tokens_ -= kNanosPerSecond;
  return true;
}

RiskReject PreTradeRisk::check(const OrderCommand& command, const RiskExposure& exposure, Nanos now) noexcept {
  const RiskReject r = evaluate(command, exposure, now);
  if (r == RiskReject::kNone) ++passed_;
  else ++rejects_[static_cast<std::size_t>(r)];
  return r;
}

RiskReject PreTradeRisk::evaluate(const OrderCommand& c, const RiskExposure& x, Nanos now) noexcept {
  if (c.action == OrderAction::kCancel) return RiskReject::kNone;
  if (c.action != OrderAction::kNew && c.action != OrderAction::kReplace) return RiskReject::kInvalidOrder;
  if (gate_ == VenueGate::kDown) return RiskReject::kVenueDown;
  if (gate_ == VenueGate::kReconciling) return RiskReject::kReconciling;
  if (state_ == TradingState::kHalted) return RiskReject::kHalted;
  if (!c.qty.is_positive() || (c.side != Side::kBuy && c.side != Side::kSell)) return RiskReject::kInvalidOrder;
  if (c.type == OrderType::kLimit && !c.price.is_positive()) return RiskReject::kInvalidOrder;
  const double qty = c.qty.to_double();
  const double signed_qty = c.side == Side::kBuy ? qty : -qty;
  // Reduces: opposite to the position, and with the working orders on this side no larger than it.
  // The kill switch allows exactly these (taking risk off is never blocked), as `reducing` does.
  const double same_side_working = c.side == Side::kBuy ? x.working_buy : x.working_sell;
  const bool opposite = (x.position > 0.0 && c.side == Side::kSell) || (x.position < 0.0 && c.side == Side::kBuy);
  const bool reduces = opposite && qty + same_side_working <= std::fabs(x.position);
  if (kill_switch_ && !reduces) return RiskReject::kKillSwitch;
  if (state_ == TradingState::kReducing && !reduces) return RiskReject::kReducingOnly;
  if (x.book_stale && !reduces) return RiskReject::kBookStale;
  if (!(x.reference_price > 0.0)) return RiskReject::kNoReferencePrice;
  if (limits_.max_order_qty > 0.0 && qty > limits_.max_order_qty) return RiskReject::kMaxOrderQty;
  const double price = c.type == OrderType::kLimit ? c.price.to_double() : x.reference_price;
  const double notional = qty * price;
  if (limits_.max_order_notional > 0.0 && notional > limits_.max_order_notional) return RiskReject::kMaxOrderNotional;
  if (c.type == OrderType::kLimit && limits_.price_band > 0.0 &&
      std::fabs(price - x.reference_price) > limits_.price_band * x.reference_price)
    return RiskReject::kPriceBand;
  // Position and exposure as if this order and the working orders on its side all filled.
  const double working = c.side == Side::kBuy ? x.working_buy : -x.working_sell;
  const double after = x.position + working + signed_qty;
  const double position_notional = std::fabs(after) * x.reference_price;
  const bool increases = std::fabs(after) > std::fabs(x.position + working);
  // The capital ramp's scale: at 1 the products are exact, so results are as without a ramp.
  if (increases && limits_.max_position_notional > 0.0 && position_notional > limits_.max_position_notional * scale_)
    return RiskReject::kMaxPosition;
  const double gross_after = x.gross_exposure - std::fabs(x.position) * x.reference_price + position_notional;
  if (increases && limits_.max_gross_exposure > 0.0 && gross_after > limits_.max_gross_exposure * scale_)
    return RiskReject::kMaxGrossExposure;
  if (c.action == OrderAction::kNew && limits_.max_open_orders > 0 && x.open_orders >= limits_.max_open_orders)
    return RiskReject::kMaxOpenOrders;
  if (!take_token(now)) return RiskReject::kRateLimit;
  return RiskReject::kNone;
}

}  // namespace keel
