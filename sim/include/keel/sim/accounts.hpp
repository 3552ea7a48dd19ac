// Spot balances per account and asset, settled on every fill (no positions, no reservations).
// Amounts are raw 10^-8 units of the asset. Allocates only in its constructor.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim {

class Accounts {
 public:
  Accounts(std::size_t accounts, std::size_t assets)
      : accounts_(accounts), assets_(assets), raw_(accounts * assets, 0) {}

  [[nodiscard]] std::size_t size() const noexcept { return accounts_; }
  [[nodiscard]] bool valid(AccountId account) const noexcept { return account < accounts_; }
  // Requires valid(account) and asset < assets.
  [[nodiscard]] std::int64_t balance(AccountId account, AssetId asset) const noexcept {
    return raw_[account * assets_ + asset];
  }
  // Saturates at the int64 range instead of overflowing (a house account of a months-long replay
  // can collect a large balance); saturated() counts it.
  void deposit(AccountId account, AssetId asset, std::int64_t raw) noexcept {
    std::int64_t& b = raw_[account * assets_ + asset];
    if (__builtin_add_overflow(b, raw, &b)) {
      b = raw > 0 ? INT64_MAX : INT64_MIN;
      ++saturated_;
    }
  }
  [[nodiscard]] std::uint64_t saturated() const noexcept { return saturated_; }
  // One fill: the buyer pays notional + buyer_fee of `quote` and receives qty of `base`; the seller
  // delivers qty of `base` and receives notional − seller_fee. Balances may go negative (no
  // pre-trade check, DECISIONS.md).
  void settle(AccountId buyer, AccountId seller, AssetId base, AssetId quote, Qty qty,
              Notional notional, Notional buyer_fee, Notional seller_fee) noexcept {
    // Fees are a fraction of the notional; the sum is still checked (fixed_point.hpp's rule).
    deposit(buyer, quote, -saturating_add(notional, buyer_fee).raw());
    deposit(buyer, base, qty.raw());
    deposit(seller, base, -qty.raw());
    deposit(seller, quote, saturating_add(notional, -seller_fee).raw());
  }

 private:
  std::size_t accounts_;
  std::size_t assets_;
  std::vector<std::int64_t> raw_;
  std::uint64_t saturated_ = 0;
};

}  // namespace keel::sim
