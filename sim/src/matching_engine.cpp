#include "keel/sim/matching_engine.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "keel/sim/matching_rules.hpp"

namespace keel::sim {
namespace {

std::size_t total_orders(std::span<const VenueSymbol> symbols, const EngineConfig& config) {
  // Open-order references (instrument · orders_per_book + slot) are 32-bit, kNoRef excluded.
  if (config.orders_per_book != 0 &&
      symbols.size() > (OpenOrderIndex::kNoRef - 1) / config.orders_per_book) {
    throw std::invalid_argument("too many orders for the open-order index");
  }
  return std::max<std::size_t>(1, symbols.size() * config.orders_per_book);
}

}  // namespace

MatchingEngine::MatchingEngine(std::span<const VenueSymbol> symbols, const EngineConfig& config,
                               VenueListener& listener)
    : symbols_(symbols.begin(), symbols.end()),
      accounts_(config.accounts, config.assets),
      config_(config),
      open_(total_orders(symbols, config)),
      report_(symbols.size(), listener) {
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
  if (reserved_bytes(symbols.size(), config.orders_per_book) <= config.prefault_bytes) {
    for (OrderBook& book : books_) book.prefault();
    open_.prefault();
  }
}

RejectReason MatchingEngine::check_new(const OrderRequest& r, std::uint64_t hash,
                                       OpenOrderIndex::Probe& where) const noexcept {
  if (r.instrument >= books_.size()) return RejectReason::kUnknownSymbol;
  if (!accounts_.valid(r.account)) return RejectReason::kUnknownAccount;
  const RejectReason why = rules::check_order(symbols_[r.instrument].instrument, r);
  if (why != RejectReason::kNone) return why;
  const OpenOrder open = find_open(r.account, r.cl_ord_id, hash);
  if (open.found()) return RejectReason::kDuplicateClOrdId;
  where = open.probe;
  if (r.type == OrderType::kLimit && r.tif == TimeInForce::kGtc) {
    const OrderBook& book = books_[r.instrument];
    if (!book.has_free_slot()) return RejectReason::kBookFull;
    // It may rest: its level's total must stay within int64 (fixed_point.hpp's rule).
    if (!book.level_fits(r.side, r.price, r.qty)) return RejectReason::kWouldOverflow;
  }
  if (r.post_only && rules::would_cross(books_[r.instrument], r.side, false, r.price)) {
    return RejectReason::kPostOnlyWouldCross;
  }
  return RejectReason::kNone;
}

MatchingEngine::OpenOrder MatchingEngine::find_open(AccountId account, const ClOrdId& id,
                                                    std::uint64_t hash) const noexcept {
  OpenOrder found;
  const std::size_t per_book = config_.orders_per_book;
  const OpenOrderIndex::Probe probe = open_.probe(hash, [&](OpenOrderIndex::Ref candidate) {
    const auto instrument = static_cast<InstrumentId>(candidate / per_book);
    const auto slot = static_cast<Slot>(candidate - instrument * per_book);
    const RestingOrder& o = books_[instrument].order(slot);
    if (o.account != account || !(o.cl_ord_id == id)) return false;
    found = OpenOrder{.instrument = instrument, .slot = slot, .probe = {}};
    return true;
  });
  if (!probe.found()) return OpenOrder{.instrument = kNoInstrument, .slot = kNoSlot, .probe = probe};
  found.probe = probe;
  return found;
}

// ---- hints -------------------------------------------------------------------------------------

void MatchingEngine::prefetch(const OrderRequest& r) const noexcept {
  const std::uint64_t hash = key_hash(r.account, r.cl_ord_id);
  open_.prefetch(hash);        // the duplicate check
  open_.prefetch_entry(hash);  // the insert, when the order rests
}

void MatchingEngine::prefetch(const CancelRequest& r) const noexcept {
  const std::uint64_t hash = key_hash(r.account, r.orig_cl_ord_id);
  open_.prefetch(hash);
  open_.prefetch_entry(hash);
}

void MatchingEngine::prefetch(const ReplaceRequest& r) const noexcept {
  const std::uint64_t old_hash = key_hash(r.account, r.orig_cl_ord_id);
  open_.prefetch(old_hash);
  open_.prefetch_entry(old_hash);
  const std::uint64_t new_hash = key_hash(r.account, r.cl_ord_id);
  open_.prefetch(new_hash);
  open_.prefetch_entry(new_hash);
}

// ---- requests ----------------------------------------------------------------------------------

void MatchingEngine::submit(const OrderRequest& r) noexcept {
  const std::uint64_t hash = key_hash(r.account, r.cl_ord_id);
  open_.prefetch(hash);        // the duplicate check's first read, started before the rule checks
  open_.prefetch_entry(hash);  // and the entry line the insert writes if the order rests
  OpenOrderIndex::Probe where;
  const RejectReason why = check_new(r, hash, where);
  if (why != RejectReason::kNone) {
    if (why == RejectReason::kBookFull) ++book_full_rejects_;
    report_.rejected(r, why);
    return;
  }
  OrderBook& book = books_[r.instrument];
  Taker t{.ts = r.ts, .id = next_order_id_++, .instrument = r.instrument, .account = r.account,
          .cl_ord_id = r.cl_ord_id, .side = r.side, .type = r.type, .tif = r.tif,
          .post_only = r.post_only, .price = r.type == OrderType::kLimit ? r.price : Price{},
          .qty = r.qty, .cum_qty = {}, .cum_notional = {}};
  report_.order_event(t.ts, t.instrument, t, VenueExecType::kNew, OrdStatus::kNew, CancelCause::kNone);
  if (t.tif == TimeInForce::kFok &&
      !rules::can_fill_completely(book, t.side, t.market(), t.price, t.account, t.qty)) {
    report_.order_event(t.ts, t.instrument, t, VenueExecType::kCanceled, OrdStatus::kCanceled,
                        CancelCause::kFokUnfilled);
    return;
  }
  const bool overflowed = !match(book, t);
  if (!t.leaves().is_positive()) return;
  if (overflowed) {
    report_.order_event(t.ts, t.instrument, t, VenueExecType::kCanceled, OrdStatus::kCanceled,
                        CancelCause::kWouldOverflow);
    return;
  }
  if (!t.market() && t.tif == TimeInForce::kGtc) {
    rest(book, t, hash, where);
    return;
  }
  report_.order_event(t.ts, t.instrument, t, VenueExecType::kCanceled, OrdStatus::kCanceled,
                      t.market() ? CancelCause::kMarketRemainder : CancelCause::kIocRemainder);
}

void MatchingEngine::cancel(const CancelRequest& r) noexcept {
  const OpenOrder open = find_open(r.account, r.orig_cl_ord_id, key_hash(r.account, r.orig_cl_ord_id));
  if (!open.found() || open.instrument != r.instrument) {
    CancelReject c{};
    c.ts = r.ts;
    c.account = r.account;
    c.instrument = r.instrument;
    c.cl_ord_id = r.cl_ord_id;
    c.orig_cl_ord_id = r.orig_cl_ord_id;
    c.ord_status = OrdStatus::kRejected;
    c.response_to = CxlRejResponseTo::kCancel;
    c.reason = CxlRejReason::kUnknownOrder;
    c.detail = RejectReason::kUnknownOrder;
    report_.cancel_reject(c);
    return;
  }
  cancel_resting(books_[open.instrument], open.slot, r.ts, CancelCause::kClient, &r.cl_ord_id);
}

void MatchingEngine::replace(const ReplaceRequest& r) noexcept {
  const std::uint64_t old_hash = key_hash(r.account, r.orig_cl_ord_id);
  const OpenOrder open = find_open(r.account, r.orig_cl_ord_id, old_hash);
  if (!open.found() || open.instrument != r.instrument) {
    refuse(r, 0, OrdStatus::kRejected, CxlRejReason::kUnknownOrder, RejectReason::kUnknownOrder);
    return;
  }
  OrderBook& book = books_[open.instrument];
  const Slot slot = open.slot;
  const RestingOrder old = book.order(slot);  // a copy: the slot changes below
  const Instrument& ins = symbols_[book.instrument()].instrument;
  const OrdStatus status = rules::live_status(old.cum_qty, old.leaves());
  const std::uint64_t new_hash = key_hash(r.account, r.cl_ord_id);
  const OpenOrder taken = find_open(r.account, r.cl_ord_id, new_hash);
  if (taken.found()) {
    refuse(r, old.id, status, CxlRejReason::kDuplicateClOrdId, RejectReason::kDuplicateClOrdId);
    return;
  }
  if (const RejectReason why = rules::check_replace(ins, r.price, r.qty); why != RejectReason::kNone) {
    refuse(r, old.id, status, CxlRejReason::kOther, why);
    return;
  }
  if (r.qty <= old.cum_qty) {
    cancel_resting(book, slot, r.ts, CancelCause::kReplacedBelowFilled, &r.cl_ord_id);
    return;
  }
  if (const RejectReason why = rules::check_notional(ins, r.price, r.qty); why != RejectReason::kNone) {
    refuse(r, old.id, status, CxlRejReason::kOther, why);
    return;
  }
  // Its remainder may rest at the new price: that level's total must stay within int64 (the order's
  // own leaves leave the level first when the price does not change).
  if (!book.level_fits(old.side, r.price, r.qty - old.cum_qty, r.price == old.price ? old.leaves() : Qty{})) {
    refuse(r, old.id, status, CxlRejReason::kOther, RejectReason::kWouldOverflow);
    return;
  }
  const bool crossing = rules::would_cross(book, old.side, false, r.price);
  if (old.post_only && crossing) {
    refuse(r, old.id, status, CxlRejReason::kOther, RejectReason::kPostOnlyWouldCross);
    return;
  }

  // Accepted: from here on the order is known by its new ClOrdID.
  Taker t{.ts = r.ts, .id = old.id, .instrument = book.instrument(), .account = old.account,
          .cl_ord_id = r.cl_ord_id, .side = old.side, .type = OrderType::kLimit,
          .tif = TimeInForce::kGtc, .post_only = old.post_only, .price = r.price, .qty = r.qty,
          .cum_qty = old.cum_qty, .cum_notional = old.cum_notional};
  open_.erase(old_hash, ref_of(open.instrument, slot));
  report_.order_event(t.ts, t.instrument, t, VenueExecType::kReplaced,
                      rules::live_status(t.cum_qty, t.leaves()), CancelCause::kNone, nullptr, &old.cl_ord_id);
  const bool keeps_priority = r.price == old.price && r.qty <= old.qty;
  if (keeps_priority || !crossing) {
    // The level totals come from the book's update itself (each is what level_qty would answer).
    OrderBook::RequeueTotals totals;
    if (keeps_priority) {
      totals.left = totals.joined = book.reduce(slot, r.qty);
      book.rename(slot, r.cl_ord_id, new_hash);
    } else {
      totals = book.requeue(slot, r.price, r.qty, r.cl_ord_id, new_hash);
    }
    open_.insert(taken.probe, new_hash, ref_of(open.instrument, slot));
    if (r.price != old.price || r.qty != old.qty) report_.level(r.ts, t.instrument, old.side, old.price, totals.left);
    if (r.price != old.price) report_.level(r.ts, t.instrument, old.side, r.price, totals.joined);
    return;
  }
  // A crossing price: the order leaves the book, trades like a new order, and its remainder rests.
  report_.level(r.ts, t.instrument, old.side, old.price, book.remove(slot));
  const bool overflowed = !match(book, t);
  if (!t.leaves().is_positive()) return;
  if (overflowed) {
    report_.order_event(t.ts, t.instrument, t, VenueExecType::kCanceled, OrdStatus::kCanceled,
                        CancelCause::kWouldOverflow);
    return;
  }
  rest(book, t, new_hash, taken.probe);
}

// ---- book mutations ----------------------------------------------------------------------------

bool MatchingEngine::match(OrderBook& book, Taker& t) noexcept {
  const Side maker_side = rules::opposite(t.side);
  const VenueSymbol& sym = symbols_[book.instrument()];
  while (t.leaves().is_positive()) {
    const PriceLevel* level = book.best(maker_side);
    if (level == nullptr || !rules::crosses(t.side, t.market(), t.price, level->price)) break;
    const Slot slot = level->head;
    const RestingOrder& maker = book.order(slot);
    if (maker.account == t.account) {
      cancel_resting(book, slot, t.ts, CancelCause::kSelfTrade, nullptr);
      continue;
    }
    const Qty qty = std::min(t.leaves(), maker.leaves());
    if (qty == maker.leaves()) {  // the maker leaves the book: start loading what erasing it reads
      open_.prefetch(maker.key_hash);
      open_.prefetch_entry(maker.key_hash);
    }
    const Price px = maker.price;
    const Notional notional = rules::fill_notional(px, qty);
    // fee_for divides a 128-bit product; a zero rate (the common configuration) needs none.
    const Notional taker_fee = config_.taker_fee_millionths == 0 ? Notional{} : fee_for(notional, config_.taker_fee_millionths);
    const Notional maker_fee = config_.maker_fee_millionths == 0 ? Notional{} : fee_for(notional, config_.maker_fee_millionths);
    // Checked sums (fixed_point.hpp's rule): a fill that would overflow the taker's Σ notional is not
    // made (the taker stops); one that would overflow the maker's (only a maker replaced from a
    // higher price can get there) cancels the maker and matching goes on.
    Notional maker_cum = maker.cum_notional;
    if (!try_add(maker_cum, notional)) {
      cancel_resting(book, slot, t.ts, CancelCause::kWouldOverflow, nullptr);
      continue;
    }
    if (!try_add(t.cum_notional, notional)) return false;
    t.cum_qty += qty;  // ≤ t.qty
    Qty level_total = book.fill(slot, qty, notional);
    report_.fill(t.ts, t.instrument, t, rules::live_status(t.cum_qty, t.leaves()), px, qty, false, taker_fee);
    report_.fill(t.ts, t.instrument, maker, rules::live_status(maker.cum_qty, maker.leaves()), px, qty,
                 true, maker_fee);
    const bool taker_buys = t.side == Side::kBuy;
    accounts_.settle(taker_buys ? t.account : maker.account, taker_buys ? maker.account : t.account,
                     sym.base, sym.quote, qty, notional, taker_buys ? taker_fee : maker_fee,
                     taker_buys ? maker_fee : taker_fee);
    report_.public_trade(t.ts, t.instrument, t.side, px, qty, maker.id, t.id);
    if (!maker.leaves().is_positive()) {
      open_.erase(maker.key_hash, ref_of(book.instrument(), slot));
      level_total = book.remove(slot);  // `maker` and `level` are not used after this
    }
    report_.level(t.ts, t.instrument, maker_side, px, level_total);
  }
  return true;
}

void MatchingEngine::cancel_resting(OrderBook& book, Slot slot, std::int64_t ts, CancelCause cause,
                                    const ClOrdId* request_id) noexcept {
  const RestingOrder o = book.order(slot);
  open_.erase(o.key_hash, ref_of(book.instrument(), slot));
  const Qty level_total = book.remove(slot);
  report_.order_event(ts, book.instrument(), o, VenueExecType::kCanceled, OrdStatus::kCanceled, cause,
                      request_id, request_id != nullptr ? &o.cl_ord_id : nullptr);
  report_.level(ts, book.instrument(), o.side, o.price, level_total);
}

void MatchingEngine::rest(OrderBook& book, const Taker& t, std::uint64_t hash,
                          const OpenOrderIndex::Probe& where) noexcept {
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
  o.key_hash = hash;
  // A slot is free (check_new refuses a GTC order without one; a crossing replace freed its own) and
  // order ids are unique: a failure here is a broken invariant, never bad input.
  Qty level_total;
  const Slot slot = book.add(o, level_total);
  if (slot == kNoSlot) std::abort();
  open_.insert(where, hash, ref_of(book.instrument(), slot));
  report_.level(t.ts, book.instrument(), t.side, t.price, level_total);
}

// ---- reports -----------------------------------------------------------------------------------

void MatchingEngine::refuse(const ReplaceRequest& r, OrderId order_id, OrdStatus status,
                            CxlRejReason reason, RejectReason detail) noexcept {
  CancelReject c{};
  c.ts = r.ts;
  c.order_id = order_id;
  c.account = r.account;
  c.instrument = r.instrument;
  c.cl_ord_id = r.cl_ord_id;
  c.orig_cl_ord_id = r.orig_cl_ord_id;
  c.ord_status = status;
  c.response_to = CxlRejResponseTo::kReplace;
  c.reason = reason;
  c.detail = detail;
  report_.cancel_reject(c);
}

}  // namespace keel::sim
