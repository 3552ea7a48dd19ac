// The bar-close fill model (the DOLPHIN bible's, DOLPHIN.md §7–§8, RNG.md stream `fills`), as venue
// parameters. A strategy whose published results are defined on this model (DOLPHIN) reads the same
// parameters to keep its own model ledger; the random outcomes are the venue's alone.
//
//  * Fill price: a marketable order fills at the bar close; market, stop-loss and take-profit orders
//    pay their slippage, always against the order: a buy at close·(1 + slip), a sell at
//    close·(1 − slip). A limit order that is not marketable at a close rests and fills at its limit
//    price at the first later close that reaches it.
//  * Opening fills (that add to or open a position) draw maker with probability maker_entry_rate;
//    closing fills draw maker with maker_exit_rate, except stop-loss orders (always taker); a maker
//    fill is credited maker_rebate · notional (the SP refund). A closing fill then draws a price
//    improvement with probability edge_rate worth edge · notional of the position (the legacy OB
//    edge), unless edge_draw is off (a strategy with a real order book prices its own placement).
//  * Fees: opening fills pay entry_fee_rate · notional, closing fills exit_fee_rate (stop-loss:
//    stop_exit_fee_rate), minus the maker rebate when drawn.
//  * Draw order (stream `fills`): per opening fill one draw; per closing fill the maker draw (not for
//    stop-loss) then the edge draw. For one position at a time this is the bible's order exactly.
#pragma once

#include "keel/core/primitives/orders.hpp"

namespace keel {

struct BarCloseModel {
  double slip_market = 0.0;
  double slip_stop_loss = 0.0;
  double slip_take_profit = 0.0;
  double entry_fee_rate = 0.0;
  double exit_fee_rate = 0.0;
  double stop_exit_fee_rate = 0.0;
  double maker_entry_rate = 0.0;
  double maker_exit_rate = 0.0;
  double maker_rebate = 0.0;
  bool edge_draw = true;
  double edge_rate = 0.0;
  double edge = 0.0;

  [[nodiscard]] double slippage(OrderType type) const noexcept {
    switch (type) {
      case OrderType::kMarket: return slip_market;
      case OrderType::kStopLoss: return slip_stop_loss;
      case OrderType::kTakeProfit: return slip_take_profit;
      default: return 0.0;
    }
  }
  // The model's exact fill price for a marketable order of `type` and `side` at `close`.
  [[nodiscard]] double fill_price(double close, OrderType type, Side side) const noexcept {
    const double slip = slippage(type);
    return side == Side::kBuy ? close * (1.0 + slip) : close * (1.0 - slip);
  }
};

}  // namespace keel
