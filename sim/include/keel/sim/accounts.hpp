// Spot balances per account and asset, settled on every fill (no positions, no reservations).
// Amounts are raw 10^-8 units of the asset. Allocates only in its constructor.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/core/fixed_point.hpp"
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
  void deposit(AccountId account, AssetId asset, std::int64_t raw) noexcept {
    raw_[account * assets_ + asset] += raw;
  }
  // One fill: the buyer pays notional + buyer_fee of `quote` and receives qty of `base`; the seller
  // delivers qty of `base` and receives notional − seller_fee. Balances may go negative (no
  // pre-trade check, DECISIONS.md).
  void settle(AccountId buyer, AccountId seller, AssetId base, AssetId quote, Qty qty,
              Notional notional, Notional buyer_fee, Notional seller_fee) noexcept {
    deposit(buyer, quote, -(notional.raw() + buyer_fee.raw()));
    deposit(buyer, base, qty.raw());
    deposit(seller, base, -qty.raw());
    deposit(seller, quote, notional.raw() - seller_fee.raw());
  }

 private:
  std::size_t accounts_;
  std::size_t assets_;
  std::vector<std::int64_t> raw_;
};

}  // namespace keel::sim
