// A slow, obviously-right reference for keel::sim::MatchingEngine (the differential test's oracle):
// every open order of every instrument sits in one std::vector, and every question ("the best
// resting order", "is this ClOrdID open", "how much could a FOK fill") is a linear scan. Time
// priority is a sequence number taken when an order enters the book or loses priority.
// Same reports, in the same order, as the engine, except BookLevelChange (the test rebuilds levels
// from the engine's changes and compares them with this book instead).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "keel/sim/matching_engine.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim::test {

class NaiveMatcher {
 public:
  struct Order {
    OrderId id = 0;
    InstrumentId instrument = kNoInstrument;
    AccountId account = 0;
    ClOrdId cl_ord_id;
    Side side = Side::kNone;
    bool post_only = false;
    Price price;
    Qty qty;
    Qty cum_qty;
    Notional cum_notional;
    std::uint64_t seq = 0;  // time priority: lower first
    [[nodiscard]] Qty leaves() const { return qty - cum_qty; }
  };

  NaiveMatcher(std::span<const VenueSymbol> symbols, const EngineConfig& config, VenueListener& listener)
      : symbols_(symbols.begin(), symbols.end()), config_(config), listener_(listener),
        trade_ids_(symbols.size(), 0), balances_(config.accounts * config.assets, 0) {}

  // Spot balance change of (account, asset) since the start, settled per fill like the engine.
  [[nodiscard]] std::int64_t balance(AccountId account, AssetId asset) const {
    return balances_[account * config_.assets + asset];
  }

  // Open orders in priority order within each instrument and side: best price first, then seq.
  [[nodiscard]] std::vector<Order> book(InstrumentId instrument, Side side) const {
    std::vector<Order> out;
    for (const Order& o : orders_) {
      if (o.instrument == instrument && o.side == side) out.push_back(o);
    }
    std::sort(out.begin(), out.end(), [](const Order& a, const Order& b) {
      if (a.price != b.price) return a.side == Side::kBuy ? a.price > b.price : a.price < b.price;
      return a.seq < b.seq;
    });
    return out;
  }

  // Every open order, in no particular order.
  [[nodiscard]] const std::vector<Order>& open_orders() const { return orders_; }

  void submit(const OrderRequest& r) {
    const RejectReason why = check(r);
    if (why != RejectReason::kNone) {
      Execution e{};
      e.ts = r.ts;
      e.exec_id = next_exec_id_++;
      e.account = r.account;
      e.instrument = r.instrument;
      e.cl_ord_id = r.cl_ord_id;
      e.exec_type = VenueExecType::kRejected;
      e.ord_status = OrdStatus::kRejected;
      e.side = r.side;
      e.reject_reason = why;
      e.price = r.price;
      e.order_qty = r.qty;
      listener_.on_execution(e);
      return;
    }
    Order t{};
    t.id = next_order_id_++;
    t.instrument = r.instrument;
    t.account = r.account;
    t.cl_ord_id = r.cl_ord_id;
    t.side = r.side;
    t.post_only = r.post_only;
    t.price = r.type == OrderType::kLimit ? r.price : Price{};
    t.qty = r.qty;
    const bool market = r.type == OrderType::kMarket;
    report(r.ts, t, VenueExecType::kNew, CancelCause::kNone);
    if (r.tif == TimeInForce::kFok) {
      Qty available;
      for (const Order& o : orders_) {
        if (o.instrument == t.instrument && o.side != t.side && o.account != t.account &&
            crosses(t, market, o.price)) {
          available += o.leaves();
        }
      }
      if (available < t.qty) {
        report(r.ts, t, VenueExecType::kCanceled, CancelCause::kFokUnfilled);
        return;
      }
    }
    take(r.ts, t, market);
    if (!t.leaves().is_positive()) return;
    if (!market && r.tif == TimeInForce::kGtc) {
      t.seq = next_seq_++;
      orders_.push_back(t);
    } else {
      report(r.ts, t, VenueExecType::kCanceled,
             market ? CancelCause::kMarketRemainder : CancelCause::kIocRemainder);
    }
  }

  void cancel(const CancelRequest& r) {
    const auto it = find(r.account, r.orig_cl_ord_id);
    if (it == orders_.end() || it->instrument != r.instrument) {
      cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, 0, OrdStatus::kRejected,
                    CxlRejResponseTo::kCancel, CxlRejReason::kUnknownOrder, RejectReason::kUnknownOrder);
      return;
    }
    Order o = *it;
    orders_.erase(it);
    Order shown = o;
    const ClOrdId old = o.cl_ord_id;
    shown.cl_ord_id = r.cl_ord_id;
    report(r.ts, shown, VenueExecType::kCanceled, CancelCause::kClient, &old);
  }

  void replace(const ReplaceRequest& r) {
    const auto it = find(r.account, r.orig_cl_ord_id);
    if (it == orders_.end() || it->instrument != r.instrument) {
      cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, 0, OrdStatus::kRejected,
                    CxlRejResponseTo::kReplace, CxlRejReason::kUnknownOrder, RejectReason::kUnknownOrder);
      return;
    }
    const Order old = *it;
    const Instrument& ins = symbols_[old.instrument].instrument;
    const OrdStatus status = old.cum_qty.is_positive() ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
    auto refuse = [&](CxlRejReason reason, RejectReason detail) {
      cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, old.id, status,
                    CxlRejResponseTo::kReplace, reason, detail);
    };
    if (find(r.account, r.cl_ord_id) != orders_.end()) {
      refuse(CxlRejReason::kDuplicateClOrdId, RejectReason::kDuplicateClOrdId);
      return;
    }
    if (r.price.raw() <= 0) return refuse(CxlRejReason::kOther, RejectReason::kPriceNotPositive);
    if (r.price.raw() % ins.tick_size.raw() != 0) return refuse(CxlRejReason::kOther, RejectReason::kPriceOffTick);
    if (r.qty.raw() <= 0) return refuse(CxlRejReason::kOther, RejectReason::kQtyNotPositive);
    if (r.qty.raw() % ins.lot_size.raw() != 0) return refuse(CxlRejReason::kOther, RejectReason::kQtyOffLot);
    if (r.qty <= old.cum_qty) {
      orders_.erase(it);
      Order shown = old;
      shown.cl_ord_id = r.cl_ord_id;
      report(r.ts, shown, VenueExecType::kCanceled, CancelCause::kReplacedBelowFilled, &old.cl_ord_id);
      return;
    }
    if (r.price * r.qty < ins.min_notional) return refuse(CxlRejReason::kOther, RejectReason::kBelowMinNotional);
    Order t = old;
    t.price = r.price;
    t.qty = r.qty;
    t.cl_ord_id = r.cl_ord_id;
    bool crossing = false;
    for (const Order& o : orders_) {
      if (o.instrument == t.instrument && o.side != t.side && crosses(t, false, o.price)) crossing = true;
    }
    if (old.post_only && crossing) return refuse(CxlRejReason::kOther, RejectReason::kPostOnlyWouldCross);
    orders_.erase(it);
    report(r.ts, t, VenueExecType::kReplaced, CancelCause::kNone, &old.cl_ord_id);
    const bool keeps_priority = r.price == old.price && r.qty <= old.qty;
    if (!keeps_priority) {
      t.seq = next_seq_++;
      take(r.ts, t, false);
    }
    if (t.leaves().is_positive()) orders_.push_back(t);
  }

 private:
  using Iter = std::vector<Order>::iterator;

  Iter find(AccountId account, const ClOrdId& id) {
    return std::find_if(orders_.begin(), orders_.end(),
                        [&](const Order& o) { return o.account == account && o.cl_ord_id == id; });
  }

  static bool crosses(const Order& t, bool market, Price resting) {
    if (market) return true;
    return t.side == Side::kBuy ? resting <= t.price : resting >= t.price;
  }

  RejectReason check(const OrderRequest& r) {
    if (r.instrument >= symbols_.size()) return RejectReason::kUnknownSymbol;
    if (r.account >= config_.accounts) return RejectReason::kUnknownAccount;
    if (r.side == Side::kNone || r.type == OrderType::kNone || r.tif == TimeInForce::kNone ||
        (r.type == OrderType::kMarket && r.post_only)) {
      return RejectReason::kInvalidOrder;
    }
    const Instrument& ins = symbols_[r.instrument].instrument;
    const bool limit = r.type == OrderType::kLimit;
    if (limit && r.price.raw() <= 0) return RejectReason::kPriceNotPositive;
    if (limit && r.price.raw() % ins.tick_size.raw() != 0) return RejectReason::kPriceOffTick;
    if (r.qty.raw() <= 0) return RejectReason::kQtyNotPositive;
    if (r.qty.raw() % ins.lot_size.raw() != 0) return RejectReason::kQtyOffLot;
    if (limit && r.price * r.qty < ins.min_notional) return RejectReason::kBelowMinNotional;
    if (find(r.account, r.cl_ord_id) != orders_.end()) return RejectReason::kDuplicateClOrdId;
    if (limit && r.tif == TimeInForce::kGtc) {
      const auto open = std::count_if(orders_.begin(), orders_.end(),
                                      [&](const Order& o) { return o.instrument == r.instrument; });
      if (static_cast<std::size_t>(open) >= config_.orders_per_book) return RejectReason::kBookFull;
    }
    if (r.post_only) {
      Order probe{};
      probe.side = r.side;
      probe.price = r.price;
      for (const Order& o : orders_) {
        if (o.instrument == r.instrument && o.side != r.side && crosses(probe, false, o.price)) {
          return RejectReason::kPostOnlyWouldCross;
        }
      }
    }
    return RejectReason::kNone;
  }

  // Fills `t` against the best resting orders while they cross; STP cancels own resting orders.
  void take(std::int64_t ts, Order& t, bool market) {
    while (t.leaves().is_positive()) {
      Iter best = orders_.end();
      for (Iter it = orders_.begin(); it != orders_.end(); ++it) {
        if (it->instrument != t.instrument || it->side == t.side || !crosses(t, market, it->price)) continue;
        if (best == orders_.end()) {
          best = it;
          continue;
        }
        const bool better_price = t.side == Side::kBuy ? it->price < best->price : it->price > best->price;
        if (better_price || (it->price == best->price && it->seq < best->seq)) best = it;
      }
      if (best == orders_.end()) break;
      if (best->account == t.account) {
        const Order o = *best;
        orders_.erase(best);
        report(ts, o, VenueExecType::kCanceled, CancelCause::kSelfTrade);
        continue;
      }
      const Qty q = std::min(t.leaves(), best->leaves());
      const Notional n = best->price * q;
      t.cum_qty += q;
      t.cum_notional += n;
      best->cum_qty += q;
      best->cum_notional += n;
      const Notional taker_fee = fee_for(n, config_.taker_fee_millionths);
      const Notional maker_fee = fee_for(n, config_.maker_fee_millionths);
      trade(ts, t, best->price, q, false, taker_fee);
      trade(ts, *best, best->price, q, true, maker_fee);
      const Order& buyer = t.side == Side::kBuy ? t : *best;
      const Order& seller = t.side == Side::kBuy ? *best : t;
      const VenueSymbol& sym = symbols_[t.instrument];
      const std::int64_t buyer_fee = (t.side == Side::kBuy ? taker_fee : maker_fee).raw();
      const std::int64_t seller_fee = (t.side == Side::kBuy ? maker_fee : taker_fee).raw();
      balances_[buyer.account * config_.assets + sym.quote] -= n.raw() + buyer_fee;
      balances_[buyer.account * config_.assets + sym.base] += q.raw();
      balances_[seller.account * config_.assets + sym.base] -= q.raw();
      balances_[seller.account * config_.assets + sym.quote] += n.raw() - seller_fee;
      PublicTrade p{};
      p.ts = ts;
      p.trade_id = ++trade_ids_[t.instrument];
      p.instrument = t.instrument;
      p.aggressor = t.side;
      p.price = best->price;
      p.qty = q;
      p.maker_order_id = best->id;
      p.taker_order_id = t.id;
      listener_.on_public_trade(p);
      if (!best->leaves().is_positive()) orders_.erase(best);
    }
  }

  Execution base(std::int64_t ts, const Order& o) {
    Execution e{};
    e.ts = ts;
    e.exec_id = next_exec_id_++;
    e.order_id = o.id;
    e.account = o.account;
    e.instrument = o.instrument;
    e.cl_ord_id = o.cl_ord_id;
    e.side = o.side;
    e.price = o.price;
    e.order_qty = o.qty;
    e.cum_qty = o.cum_qty;
    e.leaves_qty = o.leaves();
    e.cum_notional = o.cum_notional;
    return e;
  }

  void report(std::int64_t ts, const Order& o, VenueExecType type, CancelCause cause,
              const ClOrdId* orig = nullptr) {
    Execution e = base(ts, o);
    e.exec_type = type;
    if (orig != nullptr) e.orig_cl_ord_id = *orig;
    e.cancel_cause = cause;
    if (type == VenueExecType::kCanceled) {
      e.ord_status = OrdStatus::kCanceled;
      e.leaves_qty = Qty{};
    } else {
      e.ord_status = o.cum_qty.is_positive() ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
    }
    listener_.on_execution(e);
  }

  void trade(std::int64_t ts, const Order& o, Price px, Qty q, bool maker, Notional fee) {
    Execution e = base(ts, o);
    e.exec_type = VenueExecType::kTrade;
    e.ord_status = o.leaves().is_positive() ? OrdStatus::kPartiallyFilled : OrdStatus::kFilled;
    e.maker = maker;
    e.last_px = px;
    e.last_qty = q;
    e.fee = fee;
    listener_.on_execution(e);
  }

  void cancel_reject(std::int64_t ts, AccountId account, InstrumentId instrument, const ClOrdId& cl,
                     const ClOrdId& orig, OrderId id, OrdStatus status, CxlRejResponseTo to,
                     CxlRejReason reason, RejectReason detail) {
    CancelReject c{};
    c.ts = ts;
    c.order_id = id;
    c.account = account;
    c.instrument = instrument;
    c.cl_ord_id = cl;
    c.orig_cl_ord_id = orig;
    c.ord_status = status;
    c.response_to = to;
    c.reason = reason;
    c.detail = detail;
    listener_.on_cancel_reject(c);
  }

  std::vector<VenueSymbol> symbols_;
  EngineConfig config_;
  VenueListener& listener_;
  std::vector<std::uint64_t> trade_ids_;
  std::vector<Order> orders_;
  std::vector<std::int64_t> balances_;
  OrderId next_order_id_ = 1;
  ExecId next_exec_id_ = 1;
  std::uint64_t next_seq_ = 1;
};

}  // namespace keel::sim::test
