#include "keel/sim/matching_engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace keel::sim {
namespace {

Side opposite(Side s) noexcept { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

OrdStatus fill_status(Qty cum, Qty leaves) noexcept {
  if (leaves.raw() == 0) return OrdStatus::kFilled;
  return cum.is_positive() ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
}

std::size_t total_orders(std::span<const VenueSymbol> symbols, const EngineConfig& config) {
  return std::max<std::size_t>(1, symbols.size() * config.orders_per_book);
}

}  // namespace

std::size_t MatchingEngine::ClOrdKeyHash::operator()(const ClOrdKey& k) const noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull ^ k.account;
  for (const char c : k.id.view()) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return U64Hash{}(h);
}

MatchingEngine::MatchingEngine(std::span<const VenueSymbol> symbols, const EngineConfig& config,
                               VenueListener& listener)
    : symbols_(symbols.begin(), symbols.end()),
      trade_ids_(symbols.size(), 0),
      update_ids_(symbols.size(), 0),
      accounts_(config.accounts, config.assets),
      open_(total_orders(symbols, config)),
      config_(config),
      listener_(listener) {
  books_.reserve(symbols.size());
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const VenueSymbol& s = symbols[i];
    if (s.instrument.id != i) throw std::invalid_argument("venue symbol id does not match its index");
    if (s.base >= config.assets || s.quote >= config.assets) {
      throw std::invalid_argument("venue symbol asset out of range");
    }
    if (s.instrument.tick_size.raw() <= 0 || s.instrument.lot_size.raw() <= 0) {
      throw std::invalid_argument("venue symbol tick and lot sizes must be positive");
    }
    books_.emplace_back(s.instrument.id, config.orders_per_book);
  }
}

// ---- validation and crossing -------------------------------------------------------------------

RejectReason MatchingEngine::check_new(const OrderRequest& r) const noexcept {
  if (r.instrument >= books_.size()) return RejectReason::kUnknownSymbol;
  if (!accounts_.valid(r.account)) return RejectReason::kUnknownAccount;
  const bool side_ok = r.side == Side::kBuy || r.side == Side::kSell;
  const bool type_ok = r.type == OrderType::kMarket || r.type == OrderType::kLimit;
  const bool tif_ok = r.tif == TimeInForce::kGtc || r.tif == TimeInForce::kIoc || r.tif == TimeInForce::kFok;
  if (!side_ok || !type_ok || !tif_ok || (r.type == OrderType::kMarket && r.post_only)) {
    return RejectReason::kInvalidOrder;
  }
  const Instrument& ins = symbols_[r.instrument].instrument;
  const bool limit = r.type == OrderType::kLimit;
  if (limit && !r.price.is_positive()) return RejectReason::kPriceNotPositive;
  if (limit && !ins.price_on_tick(r.price)) return RejectReason::kPriceOffTick;
  if (!r.qty.is_positive()) return RejectReason::kQtyNotPositive;
  if (!ins.qty_on_lot(r.qty)) return RejectReason::kQtyOffLot;
  if (limit) {
    const auto notional = multiply(r.price, r.qty);
    if (!notional.ok() || notional.value() < ins.min_notional) return RejectReason::kBelowMinNotional;
  }
  if (find_open(r.account, r.cl_ord_id) != nullptr) return RejectReason::kDuplicateClOrdId;
  if (limit && r.tif == TimeInForce::kGtc && !books_[r.instrument].has_free_slot()) {
    return RejectReason::kBookFull;
  }
  return RejectReason::kNone;
}

bool MatchingEngine::crosses(const Taker& t, Price resting) const noexcept {
  if (t.type == OrderType::kMarket) return true;
  return t.side == Side::kBuy ? resting <= t.price : resting >= t.price;
}

bool MatchingEngine::would_cross(const OrderBook& book, const Taker& t) const noexcept {
  const PriceLevel* best = book.best(opposite(t.side));
  return best != nullptr && crosses(t, best->price);
}

bool MatchingEngine::can_fill_completely(const OrderBook& book, const Taker& t) const noexcept {
  Qty available;
  const auto levels = book.levels(opposite(t.side));
  for (auto it = levels.rbegin(); it != levels.rend() && crosses(t, it->price); ++it) {
    for (Slot s = it->head; s != kNoSlot; s = book.order(s).next) {
      const RestingOrder& o = book.order(s);
      if (o.account == t.account) continue;  // would be cancelled by STP, not filled
      available += o.leaves();
      if (available >= t.leaves()) return true;
    }
  }
  return false;
}

const MatchingEngine::OrderRef* MatchingEngine::find_open(AccountId account, const ClOrdId& id) const noexcept {
  return open_.find(ClOrdKey{account, id});
}

// ---- requests ----------------------------------------------------------------------------------

void MatchingEngine::submit(const OrderRequest& r) noexcept {
  const RejectReason why = check_new(r);
  if (why != RejectReason::kNone) {
    if (why == RejectReason::kBookFull) ++book_full_rejects_;
    emit_reject(r, why);
    return;
  }
  OrderBook& book = books_[r.instrument];
  Taker t{.ts = r.ts, .id = 0, .instrument = r.instrument, .account = r.account, .cl_ord_id = r.cl_ord_id, .side = r.side,
          .type = r.type, .tif = r.tif, .post_only = r.post_only,
          .price = r.type == OrderType::kLimit ? r.price : Price{}, .qty = r.qty, .cum_qty = {},
          .cum_notional = {}};
  if (t.post_only && would_cross(book, t)) {
    emit_reject(r, RejectReason::kPostOnlyWouldCross);
    return;
  }
  t.id = next_order_id_++;
  emit_taker(t, VenueExecType::kNew, OrdStatus::kNew, CancelCause::kNone);
  if (t.tif == TimeInForce::kFok && !can_fill_completely(book, t)) {
    emit_taker(t, VenueExecType::kCanceled, OrdStatus::kCanceled, CancelCause::kFokUnfilled);
    return;
  }
  match(book, t);
  if (!t.leaves().is_positive()) return;
  if (t.type == OrderType::kLimit && t.tif == TimeInForce::kGtc) {
    rest(book, t);
  } else {
    const CancelCause cause = t.type == OrderType::kMarket ? CancelCause::kMarketRemainder
                                                           : CancelCause::kIocRemainder;
    emit_taker(t, VenueExecType::kCanceled, OrdStatus::kCanceled, cause);
  }
}

void MatchingEngine::cancel(const CancelRequest& r) noexcept {
  const OrderRef* ref = find_open(r.account, r.orig_cl_ord_id);
  if (ref == nullptr || ref->instrument != r.instrument) {
    emit_cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, 0,
                       OrdStatus::kRejected, CxlRejResponseTo::kCancel, CxlRejReason::kUnknownOrder,
                       RejectReason::kUnknownOrder);
    return;
  }
  OrderBook& book = books_[ref->instrument];
  cancel_resting(book, book.find(ref->order_id), r.ts, CancelCause::kClient, &r.cl_ord_id);
}

void MatchingEngine::replace(const ReplaceRequest& r) noexcept {
  const OrderRef* ref = find_open(r.account, r.orig_cl_ord_id);
  if (ref == nullptr || ref->instrument != r.instrument) {
    emit_cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, 0,
                       OrdStatus::kRejected, CxlRejResponseTo::kReplace, CxlRejReason::kUnknownOrder,
                       RejectReason::kUnknownOrder);
    return;
  }
  OrderBook& book = books_[ref->instrument];
  const Slot slot = book.find(ref->order_id);
  const RestingOrder old = book.order(slot);  // a copy: the slot changes below
  const Instrument& ins = symbols_[ref->instrument].instrument;
  const auto refuse = [&](CxlRejReason reason, RejectReason detail) {
    emit_cancel_reject(r.ts, r.account, r.instrument, r.cl_ord_id, r.orig_cl_ord_id, old.id,
                       fill_status(old.cum_qty, old.leaves()), CxlRejResponseTo::kReplace, reason, detail);
  };
  if (find_open(r.account, r.cl_ord_id) != nullptr) {
    refuse(CxlRejReason::kDuplicateClOrdId, RejectReason::kDuplicateClOrdId);
    return;
  }
  RejectReason why = RejectReason::kNone;
  if (!r.price.is_positive()) why = RejectReason::kPriceNotPositive;
  else if (!ins.price_on_tick(r.price)) why = RejectReason::kPriceOffTick;
  else if (!r.qty.is_positive()) why = RejectReason::kQtyNotPositive;
  else if (!ins.qty_on_lot(r.qty)) why = RejectReason::kQtyOffLot;
  if (why != RejectReason::kNone) {
    refuse(CxlRejReason::kOther, why);
    return;
  }
  if (r.qty <= old.cum_qty) {
    cancel_resting(book, slot, r.ts, CancelCause::kReplacedBelowFilled, &r.cl_ord_id);
    return;
  }
  const auto notional = multiply(r.price, r.qty);
  if (!notional.ok() || notional.value() < ins.min_notional) {
    refuse(CxlRejReason::kOther, RejectReason::kBelowMinNotional);
    return;
  }
  Taker t{.ts = r.ts, .id = old.id, .instrument = book.instrument(), .account = old.account, .cl_ord_id = r.cl_ord_id,
          .side = old.side, .type = OrderType::kLimit, .tif = TimeInForce::kGtc,
          .post_only = old.post_only, .price = r.price, .qty = r.qty, .cum_qty = old.cum_qty,
          .cum_notional = old.cum_notional};
  const bool crossing = would_cross(book, t);
  if (old.post_only && crossing) {
    refuse(CxlRejReason::kOther, RejectReason::kPostOnlyWouldCross);
    return;
  }
  // Accepted: the order is known under its new ClOrdID from here on.
  open_.erase(ClOrdKey{old.account, old.cl_ord_id});
  emit_taker(t, VenueExecType::kReplaced, fill_status(t.cum_qty, t.leaves()), CancelCause::kNone,
             &old.cl_ord_id);
  if (r.price == old.price && r.qty <= old.qty) {
    book.reduce(slot, r.qty);
    book.rename(slot, r.cl_ord_id);
    open_.insert(ClOrdKey{old.account, r.cl_ord_id}, OrderRef{book.instrument(), old.id});
    if (r.qty != old.qty) emit_level(book, r.ts, old.side, old.price);
    return;
  }
  if (!crossing) {
    book.requeue(slot, r.price, r.qty, r.cl_ord_id);
    open_.insert(ClOrdKey{old.account, r.cl_ord_id}, OrderRef{book.instrument(), old.id});
    emit_level(book, r.ts, old.side, old.price);
    if (r.price != old.price) emit_level(book, r.ts, old.side, r.price);
    return;
  }
  book.remove(slot);
  emit_level(book, r.ts, old.side, old.price);
  match(book, t);
  if (t.leaves().is_positive()) rest(book, t);
}

// ---- book mutations ----------------------------------------------------------------------------

void MatchingEngine::match(OrderBook& book, Taker& t) noexcept {
  const Side maker_side = opposite(t.side);
  const VenueSymbol& sym = symbols_[book.instrument()];
  while (t.leaves().is_positive()) {
    const PriceLevel* level = book.best(maker_side);
    if (level == nullptr || !crosses(t, level->price)) break;
    const Slot slot = level->head;
    const RestingOrder& maker = book.order(slot);
    if (maker.account == t.account) {
      cancel_resting(book, slot, t.ts, CancelCause::kSelfTrade, nullptr);
      continue;
    }
    const Qty qty = std::min(t.leaves(), maker.leaves());
    const Price px = maker.price;
    const Notional notional = px * qty;
    const Notional taker_fee = fee_for(notional, config_.taker_fee_millionths);
    const Notional maker_fee = fee_for(notional, config_.maker_fee_millionths);
    t.cum_qty += qty;
    t.cum_notional += notional;
    book.fill(slot, qty, notional);

    Execution e{};
    e.ts = t.ts;
    e.exec_id = next_exec_id_++;
    e.order_id = t.id;
    e.account = t.account;
    e.instrument = t.instrument;
    e.cl_ord_id = t.cl_ord_id;
    e.exec_type = VenueExecType::kTrade;
    e.ord_status = fill_status(t.cum_qty, t.leaves());
    e.side = t.side;
    e.price = t.price;
    e.order_qty = t.qty;
    e.last_px = px;
    e.last_qty = qty;
    e.cum_qty = t.cum_qty;
    e.leaves_qty = t.leaves();
    e.cum_notional = t.cum_notional;
    e.fee = taker_fee;
    listener_.on_execution(e);

    Execution m = base_execution(t.ts, book.instrument(), maker);
    m.exec_type = VenueExecType::kTrade;
    m.ord_status = fill_status(maker.cum_qty, maker.leaves());
    m.maker = true;
    m.last_px = px;
    m.last_qty = qty;
    m.fee = maker_fee;
    listener_.on_execution(m);

    const bool taker_buys = t.side == Side::kBuy;
    accounts_.settle(taker_buys ? t.account : maker.account, taker_buys ? maker.account : t.account,
                     sym.base, sym.quote, qty, notional, taker_buys ? taker_fee : maker_fee,
                     taker_buys ? maker_fee : taker_fee);

    PublicTrade pt{};
    pt.ts = t.ts;
    pt.trade_id = ++trade_ids_[book.instrument()];
    pt.instrument = book.instrument();
    pt.aggressor = t.side;
    pt.price = px;
    pt.qty = qty;
    pt.maker_order_id = maker.id;
    pt.taker_order_id = t.id;
    listener_.on_public_trade(pt);

    if (!maker.leaves().is_positive()) {
      open_.erase(ClOrdKey{maker.account, maker.cl_ord_id});
      book.remove(slot);  // `maker` and `level` are not used after this
    }
    emit_level(book, t.ts, maker_side, px);
  }
}

void MatchingEngine::cancel_resting(OrderBook& book, Slot slot, std::int64_t ts, CancelCause cause,
                                    const ClOrdId* request_id) noexcept {
  const RestingOrder o = book.order(slot);
  open_.erase(ClOrdKey{o.account, o.cl_ord_id});
  book.remove(slot);
  Execution e = base_execution(ts, book.instrument(), o);
  if (request_id != nullptr) {
    e.cl_ord_id = *request_id;
    e.orig_cl_ord_id = o.cl_ord_id;
  }
  e.exec_type = VenueExecType::kCanceled;
  e.ord_status = OrdStatus::kCanceled;
  e.leaves_qty = Qty{};
  e.cancel_cause = cause;
  listener_.on_execution(e);
  emit_level(book, ts, o.side, o.price);
}

void MatchingEngine::rest(OrderBook& book, const Taker& t) noexcept {
  RestingOrder o{};
  o.id = t.id;
  o.account = t.account;
  o.cl_ord_id = t.cl_ord_id;
  o.side = t.side;
  o.post_only = t.post_only;
  o.price = t.price;
  o.qty = t.qty;
  o.cum_qty = t.cum_qty;
  o.cum_notional = t.cum_notional;
  // A slot is free: check_new() refused a GTC order without one, and a replace freed its own.
  book.add(o);
  open_.insert(ClOrdKey{t.account, t.cl_ord_id}, OrderRef{book.instrument(), t.id});
  emit_level(book, t.ts, t.side, t.price);
}

// ---- reports -----------------------------------------------------------------------------------

Execution MatchingEngine::base_execution(std::int64_t ts, InstrumentId instrument,
                                         const RestingOrder& o) noexcept {
  Execution e{};
  e.ts = ts;
  e.exec_id = next_exec_id_++;
  e.order_id = o.id;
  e.instrument = instrument;
  e.account = o.account;
  e.cl_ord_id = o.cl_ord_id;
  e.side = o.side;
  e.price = o.price;
  e.order_qty = o.qty;
  e.cum_qty = o.cum_qty;
  e.leaves_qty = o.leaves();
  e.cum_notional = o.cum_notional;
  return e;
}

void MatchingEngine::emit_reject(const OrderRequest& r, RejectReason why) noexcept {
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
}

void MatchingEngine::emit_taker(const Taker& t, VenueExecType type, OrdStatus status,
                                CancelCause cause, const ClOrdId* orig) noexcept {
  Execution e{};
  e.ts = t.ts;
  e.exec_id = next_exec_id_++;
  e.order_id = t.id;
  e.account = t.account;
  e.instrument = t.instrument;
  e.cl_ord_id = t.cl_ord_id;
  if (orig != nullptr) e.orig_cl_ord_id = *orig;
  e.exec_type = type;
  e.ord_status = status;
  e.side = t.side;
  e.cancel_cause = cause;
  e.price = t.price;
  e.order_qty = t.qty;
  e.cum_qty = t.cum_qty;
  e.leaves_qty = status == OrdStatus::kCanceled ? Qty{} : t.leaves();
  e.cum_notional = t.cum_notional;
  listener_.on_execution(e);
}

void MatchingEngine::emit_cancel_reject(std::int64_t ts, AccountId account, InstrumentId instrument,
                                        const ClOrdId& cl_ord_id, const ClOrdId& orig,
                                        OrderId order_id, OrdStatus status, CxlRejResponseTo to,
                                        CxlRejReason reason, RejectReason detail) noexcept {
  CancelReject c{};
  c.ts = ts;
  c.order_id = order_id;
  c.account = account;
  c.instrument = instrument;
  c.cl_ord_id = cl_ord_id;
  c.orig_cl_ord_id = orig;
  c.ord_status = status;
  c.response_to = to;
  c.reason = reason;
  c.detail = detail;
  listener_.on_cancel_reject(c);
}

void MatchingEngine::emit_level(const OrderBook& book, std::int64_t ts, Side side, Price price) noexcept {
  BookLevelChange c{};
  c.ts = ts;
  c.update_id = ++update_ids_[book.instrument()];
  c.instrument = book.instrument();
  c.side = side;
  c.price = price;
  c.qty = book.level_qty(side, price);
  listener_.on_book_level(c);
}

}  // namespace keel::sim
