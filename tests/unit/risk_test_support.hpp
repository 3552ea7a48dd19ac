// Shared by the risk and engine-control tests: risk limits with every limit off, so a test sets
// only the ones it is about.
#pragma once

#include "keel/core/risk/risk_limits.hpp"

namespace keel::test {

inline RiskLimits no_limits() {
  RiskLimits l;
  l.max_order_qty = 0;
  l.max_order_notional = 0;
  l.price_band = 0;
  l.max_position_notional = 0;
  l.max_gross_exposure = 0;
  l.max_open_orders = 0;
  l.orders_per_second = 0;
  l.order_burst = 0;
  l.max_daily_loss = 0;
  l.max_daily_loss_fraction = 0;
  return l;
}

}  // namespace keel::test
