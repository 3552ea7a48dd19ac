// The venue's matching engine: one OrderBook per instrument, spot accounts, and the order semantics
// of ../shared/spec/VENUE.md ("Message sequence for each order", "Business rules"). Every outcome is
// reported to the VenueListener, synchronously and in order.
//
// A new order is checked in this order; the first failure is its only report (150=8):
//   unknown symbol, unknown account, invalid order (side/type/TIF none, post-only market order),
//   price not positive, price off tick (limit orders), quantity not positive, quantity off lot,
//   would overflow or below minimum notional (limit orders: price · qty, rules::check_notional),
//   duplicate ClOrdID (among the account's open orders), book full and would overflow its level's
//   total (only for a GTC limit order, which may rest; book full is counted), post-only would cross.
// Money sums follow fixed_point.hpp's checked-arithmetic rule: a taker whose next fill would
// overflow its Σ notional stops there and its remainder is cancelled (150=4,
// CancelCause::kWouldOverflow) whatever its time in force.
// An accepted order then gets: New; one Trade per fill at the resting price in price-time order
// (the maker gets its own Trade right after the taker's); for IOC/market a Canceled for any
// remainder; a GTC limit remainder rests. A FOK first checks that it can fill completely (orders of
// its own account do not count); if not: New then Canceled and the book is untouched.
// Self-trade prevention: a resting order of the taker's account met while matching is cancelled
// (150=4, CancelCause::kSelfTrade) and matching continues.
//
// A market order takes liquidity at any price; its time in force GTC is treated as IOC.
// Nothing here allocates after construction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/primitives/instrument.hpp"
#include "keel/sim/accounts.hpp"
#include "keel/sim/execution_reporter.hpp"
#include "keel/core/containers/open_order_index.hpp"
#include "keel/sim/order_book.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim {

// An instrument the venue trades, with the assets its accounts settle in.
struct VenueSymbol {
  Instrument instrument;  // instrument.id must equal its index in the list given to the engine
  AssetId base = 0;
  AssetId quote = 0;
};

struct EngineConfig {
  std::size_t orders_per_book = 1u << 16;  // resting orders per instrument
  std::size_t accounts = 16;
  std::size_t assets = 16;
  std::int64_t maker_fee_millionths = 0;   // 1000 = 0.1 %; negative = rebate
  std::int64_t taker_fee_millionths = 0;
  // The books and the open-order index are touched at construction when they reserve at most this
  // many bytes in all (reserved_bytes): a small venue then pays no first-touch page faults on its
  // hot path, as before. Above it their pages are touched only as orders use them, so that many
  // symbols cost memory in proportion to their orders, not to their capacity.
  std::size_t prefault_bytes = std::size_t{256} << 20;
};

class MatchingEngine {
 public:
  // Allocates every pool and table. Throws std::invalid_argument when a symbol's id does not match
  // its index, an asset id is out of range or the books would hold 2^32 − 1 orders or more in all
  // (start-up only).
  MatchingEngine(std::span<const VenueSymbol> symbols, const EngineConfig& config, VenueListener& listener);

  // Bytes an engine of `symbols` books of `orders_per_book` reserves for its books and open-order
  // index: what it uses once every book has been full (pages are touched only as orders use them).
  // The venue refuses a configuration above its memory limit with this figure.
  [[nodiscard]] static std::size_t reserved_bytes(std::size_t symbols, std::size_t orders_per_book) noexcept {
    return symbols * OrderBook::reserved_bytes(orders_per_book) +
           OpenOrderIndex::reserved_bytes(std::max<std::size_t>(1, symbols * orders_per_book));
  }

  // NewOrderSingle. Never allocates, never throws.
  void submit(const OrderRequest& request) noexcept;
  // OrderCancelRequest: cancels the account's open order, or answers CancelReject (102=1).
  void cancel(const CancelRequest& request) noexcept;
  // OrderCancelReplaceRequest. Unknown order: CancelReject 102=1; new ClOrdID already open:
  // CancelReject 102=6; invalid price/qty, below min notional, post-only crossing: CancelReject
  // 102=2 with detail. Otherwise checks, in order: new qty ≤ CumQty ⇒ Canceled
  // (kReplacedBelowFilled); else Replaced (LeavesQty = qty − CumQty), keeping time priority only when
  // the price is unchanged and the quantity does not increase; a crossing price then trades as a new
  // order (fills after the Replaced) and the remainder rests.
  void replace(const ReplaceRequest& request) noexcept;

  // Look-ahead hints for a caller that sees requests before it applies them (a gateway draining its
  // inbound queue, a replay): starts loading the open-order index lines that the request's duplicate
  // check, insert or lookup will touch, so that applying it a few requests later does not wait for
  // them. A hint changes nothing observable: the same requests give the same reports with or
  // without hints. Never allocates, never throws.
  void prefetch(const OrderRequest& request) const noexcept;
  void prefetch(const CancelRequest& request) const noexcept;
  void prefetch(const ReplaceRequest& request) const noexcept;

  [[nodiscard]] const OrderBook& book(InstrumentId id) const noexcept { return books_[id]; }
  [[nodiscard]] std::size_t instrument_count() const noexcept { return books_.size(); }
  [[nodiscard]] Accounts& accounts() noexcept { return accounts_; }
  [[nodiscard]] const Accounts& accounts() const noexcept { return accounts_; }
  // New orders rejected with kBookFull.
  [[nodiscard]] std::uint64_t book_full_rejects() const noexcept { return book_full_rejects_; }

 private:
  // Where an open order rests (found through open_).
  struct OpenOrder {
    InstrumentId instrument = kNoInstrument;
    Slot slot = kNoSlot;
    OpenOrderIndex::Probe probe;  // when not found: where rest() can insert the key without probing
    [[nodiscard]] bool found() const noexcept { return slot != kNoSlot; }
  };

  // An order while it takes liquidity (a new order, or a replaced order whose price crosses).
  struct Taker {
    std::int64_t ts = 0;
    OrderId id = 0;
    InstrumentId instrument = kNoInstrument;
    AccountId account = 0;
    ClOrdId cl_ord_id;
    Side side = Side::kNone;
    OrderType type = OrderType::kNone;
    TimeInForce tif = TimeInForce::kNone;
    bool post_only = false;
    Price price;
    Qty qty;
    Qty cum_qty;
    Notional cum_notional;
    [[nodiscard]] Qty leaves() const noexcept { return qty - cum_qty; }
    [[nodiscard]] bool market() const noexcept { return type == OrderType::kMarket; }
  };

  // `hash` is key_hash(r.account, r.cl_ord_id); `where` receives the index probe of the
  // duplicate check (when it ran).
  [[nodiscard]] RejectReason check_new(const OrderRequest& r, std::uint64_t hash,
                                       OpenOrderIndex::Probe& where) const noexcept;
  // The account's open order with ClOrdID `id`, whose key hashes to `hash` (OpenOrderIndex::hash).
  [[nodiscard]] OpenOrder find_open(AccountId account, const ClOrdId& id, std::uint64_t hash) const noexcept;
  [[nodiscard]] OpenOrderIndex::Ref ref_of(InstrumentId instrument, Slot slot) const noexcept {
    return static_cast<OpenOrderIndex::Ref>(instrument * config_.orders_per_book + slot);
  }
  static std::uint64_t key_hash(AccountId account, const ClOrdId& id) noexcept {
    return OpenOrderIndex::hash(account, id.view());
  }
  // Trades `t` against the opposite side while it crosses (self-trade prevention included). False
  // when it stopped because the next fill would overflow t's Σ notional (the caller cancels the
  // remainder with CancelCause::kWouldOverflow).
  [[nodiscard]] bool match(OrderBook& book, Taker& t) noexcept;
  // Removes a resting order and reports 150=4; `request_id` is the cancel/replace request's id.
  void cancel_resting(OrderBook& book, Slot slot, std::int64_t ts, CancelCause cause,
                      const ClOrdId* request_id) noexcept;
  // Puts the remainder of `t` in the book (a slot is free: see check_new and replace); `hash` is
  // key_hash(t.account, t.cl_ord_id) and `where` the index probe that found it absent.
  void rest(OrderBook& book, const Taker& t, std::uint64_t hash, const OpenOrderIndex::Probe& where) noexcept;
  void refuse(const ReplaceRequest& r, OrderId order_id, OrdStatus status, CxlRejReason reason,
              RejectReason detail) noexcept;

  std::vector<VenueSymbol> symbols_;
  std::vector<OrderBook> books_;
  Accounts accounts_;
  EngineConfig config_;
  // The accounts' open orders by (account, ClOrdID) → instrument · orders_per_book + slot; sized for
  // every slot of every book, in 8-byte entries (see open_order_index.hpp).
  OpenOrderIndex open_;
  ExecutionReporter report_;
  OrderId next_order_id_ = 1;
  std::uint64_t book_full_rejects_ = 0;
};

}  // namespace keel::sim
