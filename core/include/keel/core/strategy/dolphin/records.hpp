// What a DOLPHIN run produces: closed trades, the bar-close equity curve, the open position.
#pragma once

#include <cstdint>
#include <string_view>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/fixed_point.hpp"

namespace keel::dolphin {

enum class ExitReason : std::uint8_t {
  kNone = 0,
  kFixedTp = 1,
  kStopLoss = 2,
  kMaxHold = 3,
  kHibernateHalt = 4,
  kSubdayAcb = 5,
};
std::string_view to_string(ExitReason reason) noexcept;

struct TradeRecord {
  std::uint32_t asset = 0;
  int direction = -1;
  Nanos entry_time = 0;  // open time of the entry bar
  Nanos exit_time = 0;   // open time of the exit bar
  double entry_price = 0.0;
  double exit_price = 0.0;  // the slipped fill
  double notional = 0.0;
  double leverage = 0.0;
  double fraction = 0.0;
  int bucket = 0;
  ExitReason reason = ExitReason::kNone;
  double gross_pnl = 0.0;
  double fees = 0.0;
  double net_pnl = 0.0;
  bool entry_refund = false;
  bool exit_refund = false;
  bool ob_edge = false;
};

struct EquityPoint {
  Nanos time = 0;  // bar open time
  double equity = 0.0;
  double capital = 0.0;
};

struct OpenPosition {
  std::uint32_t asset = 0;
  int direction = -1;
  Nanos entry_time = 0;
  std::int64_t entry_bar = 0;
  double entry_price = 0.0;
  double notional = 0.0;
  double leverage = 0.0;
  double fraction = 0.0;
  int bucket = 0;
  double capital_before = 0.0;  // for the MC trade return (net PnL / capital just before the trade)
  Qty qty;                      // base quantity held (what an exit order sells or buys back)
};

}  // namespace keel::dolphin
