// The whole order path (Engine: sizer → risk → OMS → output ring; ExecReport → OMS → portfolio)
// under 10^6 seeded random steps: intents of every shape, venue reports of every kind (including
// duplicates, unknown ids and garbage), market trades moving the reference prices and Control events
// toggling the trading state and the kill switch, flattening and taking the venue session down, up
// and reconciled. After every step:
//  * every OrderCommand that reached the output ring respects the RiskLimits given the state before
//    it, recomputed here independently in exact integer arithmetic (zero violations);
//  * commands the engine sends on its own (out of an event, not a submit) are status queries,
//    cancels only while the kill switch or a flatten asks for them and the session is not down, and
//    new orders only for a flatten with the session open: market IOC, opposite to the position, and
//    with every working order on their side together no larger than the position (reduce-only:
//    never flips it, never grows it);
//  * the portfolio equals the sum of the fills the OMS applied (an independent ledger, exact).
// And a second test: no heap allocation in the engine after warm-up over 10^5 steps.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <iostream>
#include <span>
#include <vector>

#include "keel/core/engine/engine.hpp"
#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/primitives/rng.hpp"

using namespace keel;

namespace {

constexpr std::size_t kInstruments = 3;
constexpr std::uint64_t kSeed = 20261203;
constexpr std::int64_t kMaxQtyUnits = 50;
constexpr std::int64_t kMaxNotionalUnits = 2000;
constexpr int kMaxOpen = 12;
constexpr std::int64_t kBandDivisor = 16;  // price_band = 1/16, exact in binary

RiskLimits limits() {
  RiskLimits l;
  l.max_order_qty = static_cast<double>(kMaxQtyUnits);
  l.max_order_notional = static_cast<double>(kMaxNotionalUnits);
  l.price_band = 1.0 / static_cast<double>(kBandDivisor);
  l.max_position_notional = 5'000;
  l.max_gross_exposure = 9'000;
  l.max_open_orders = kMaxOpen;
  l.orders_per_second = 10;
  l.order_burst = 4;
  l.max_daily_loss = 0;
  l.max_daily_loss_fraction = 0;
  return l;
}

EngineConfig config() {
  EngineConfig c;
  c.instrument_count = kInstruments;
  c.risk = limits();
  c.oms_capacity = 256;
  c.ack_timeout = 5 * kNanosPerSecond;
  c.command_ring = 256;
  c.initial_cash = Notional::from_units(1'000'000);
  return c;
}

__extension__ using i128 = __int128;

struct IdInfo {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kNone;
};

struct Counters {
  std::uint64_t violations = 0;        // commands that break a limit given the state before them
  std::uint64_t ledger_mismatches = 0; // steps after which portfolio ≠ ledger
  std::uint64_t bad_event_commands = 0;  // non-status commands out of on_event, or > 1 per submit
  std::uint64_t non_increasing_ids = 0;
  std::uint64_t news = 0, cancels = 0, replaces = 0, statuses = 0;
  std::uint64_t news_while_reducing = 0;
  std::uint64_t fills = 0;
  std::uint64_t id_table_overflow = 0;
  std::uint64_t control_cancels = 0;   // cancels the engine sent out of an event
  std::uint64_t flatten_news = 0;      // closing orders the engine sent out of an event
};

// The order venue's session as this test models it: down after kDown, reconciling after kLoggedOn
// until kVenueReconciled (the engine may wait longer, for every status answer: the model is the
// more permissive one, so a command it allows may still be held back, never the other way round).
enum class ModelGate : std::uint8_t { kOpen, kDown, kReconciling };

class Harness {
 public:
  Harness(std::size_t max_steps, bool check) : engine_(config()), rng_("order-path-property", kSeed), check_(check) {
    ids_.resize(4 * max_steps + 4096);
    cash_ = config().initial_cash;
  }

  void step() {
    const std::uint64_t r = rng_.next() % 100;
    if (r < 30) submit_order();
    else if (r < 37) submit_cancel_or_replace(true);
    else if (r < 44) submit_cancel_or_replace(false);
    else if (r < 84) report();
    else if (r < 96) trade();
    else if (r < 98) trading_state();
    else if (r < 99) kill_switch();
    else {
      const std::uint64_t k = rng_.next() % 10;
      if (k < 1) flatten();
      else if (k < 9) venue_session();
      else kill_switch();
    }
  }

  Engine& engine() { return engine_; }
  const Counters& counters() const { return c_; }

 private:
  // ---- inputs ----
  Nanos advance() {
    const std::uint64_t r = rng_.next();
    if (r % 2000 == 0) now_ += 6 * kNanosPerSecond;  // a gap past the ack timeout
    else now_ += static_cast<Nanos>(r % 20'000'000);  // 0 .. 20 ms, zero included
    return now_;
  }
  std::int64_t uniform_raw(std::int64_t lo, std::int64_t hi) {  // [lo, hi]
    return lo + static_cast<std::int64_t>(rng_.next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  Price reference_or_default(InstrumentId i) const {
    return i < kInstruments && ref_[i].is_positive() ? ref_[i] : Price::from_units(100);
  }
  std::uint32_t some_order_id() {
    const std::uint64_t r = rng_.next() % 20;
    if (r == 0 || recent_count_ == 0) return static_cast<std::uint32_t>(rng_.next() % 4'000'000) + 1;  // mostly unknown
    // Prefer a live order (a few tries), so that reports and cancels mostly meet orders they can move.
    std::uint32_t id = 0;
    for (int tries = 0; tries < 3; ++tries) {
      id = recent_[rng_.next() % std::min<std::size_t>(recent_count_, recent_.size())];
      const OmsOrder* o = engine_.order(id);
      if (o != nullptr && o->live()) break;
    }
    return id;
  }
  std::uint32_t some_request_id() {
    const std::uint64_t r = rng_.next() % 10;
    if (r < 2 && last_id_ > 0) return static_cast<std::uint32_t>(rng_.next() % last_id_) + 1;  // any request so far
    return some_order_id();
  }

  struct Before {
    Price ref;
    int open = 0;
    Qty position;
    Qty working_buy, working_sell;
    TradingState state = TradingState::kActive;
    bool kill = false;
    ModelGate gate = ModelGate::kOpen;
  };
  Before snapshot(InstrumentId i) const {
    Before b;
    b.state = state_;
    b.kill = kill_;
    b.gate = gate_;
    b.open = engine_.oms().open_orders();
    if (i < kInstruments) {
      b.ref = ref_[i];
      b.position = Qty::from_raw(ledger_qty_[i]);
      b.working_buy = engine_.oms().working(i, Side::kBuy);
      b.working_sell = engine_.oms().working(i, Side::kSell);
    }
    return b;
  }

  void submit_order() {
    Intent in;
    in.kind = IntentKind::kOrder;
    in.instrument = static_cast<InstrumentId>(rng_.next() % 40 == 0 ? kInstruments : rng_.next() % kInstruments);
    in.side = rng_.next() % 50 == 0 ? Side::kNone : (rng_.next() % 2 == 0 ? Side::kBuy : Side::kSell);
    const std::uint64_t t = rng_.next() % 20;
    in.type = t < 12 ? OrderType::kLimit : t < 18 ? OrderType::kMarket : t < 19 ? OrderType::kStopLoss : OrderType::kTakeProfit;
    const std::uint64_t q = rng_.next() % 100;
    if (q < 5) in.qty = Qty{};                                                   // zero: the sizer refuses
    else if (q < 8) in.qty = Qty::from_units(1'000'000);                         // huge
    else if (q < 78) in.qty = Qty::from_raw(uniform_raw(100'000, 2'500'000'000));  // 0.001 .. 25
    else in.qty = Qty::from_raw(uniform_raw(1, 6'000'000'000));                 // up to 60
    const Price ref = reference_or_default(in.instrument);
    const std::uint64_t p = rng_.next() % 100;
    if (p < 2) in.limit_price = Price{};
    else if (p < 80) in.limit_price = Price::from_raw(ref.raw() + ref.raw() / 1000 * uniform_raw(-80, 80));  // ±8 %
    else in.limit_price = Price::from_raw(ref.raw() / 100 * uniform_raw(50, 150));  // far
    const Before b = snapshot(in.instrument);
    (void)engine_.submit(in);
    drain_after_submit(b, &in);
  }

  void submit_cancel_or_replace(bool cancel) {
    Intent in;
    in.kind = cancel ? IntentKind::kCancel : IntentKind::kReplace;
    in.order_id = some_order_id();
    const OmsOrder* o = engine_.order(in.order_id);
    const InstrumentId i = o != nullptr ? o->instrument : 0;
    const Price ref = reference_or_default(i);
    in.limit_price = Price::from_raw(ref.raw() + ref.raw() / 1000 * uniform_raw(-80, 80));
    in.qty = rng_.next() % 20 == 0 ? Qty{} : Qty::from_raw(uniform_raw(1, 6'000'000'000));
    const Before b = snapshot(i);
    (void)engine_.submit(in);
    drain_after_submit(b, &in);
  }

  // A live order whose reconciliation query awaits its answer (the engine's OMS is read to choose
  // inputs only, never to check): 0 when none.
  std::uint32_t awaiting_order() {
    const std::span<const OmsOrder> slots = engine_.oms().slots();
    const std::size_t start = rng_.next() % slots.size();
    for (std::size_t k = 0; k < slots.size(); ++k) {
      const OmsOrder& o = slots[(start + k) % slots.size()];
      if (o.live() && o.reconcile) return o.current_id;
    }
    return 0;
  }

  void report() {
    ExecReport r{};
    r.header.ts_exchange = r.header.ts_local = advance();
    if (engine_.reconciling() && rng_.next() % 3 != 0) {
      if (const std::uint32_t id = awaiting_order(); id != 0) {  // the venue answers a reconciliation query
        const OmsOrder* o = engine_.order(id);
        r.client_order_id = id;
        r.header.instrument = o->instrument;
        r.header.subtype = static_cast<std::uint8_t>(ExecType::kOrderStatus);
        r.exec_id = ++exec_id_;
        const std::uint64_t v = rng_.next() % 10;
        const OrderStatus venue = v < 5   ? (o->cum.is_zero() ? OrderStatus::kNew : OrderStatus::kPartiallyFilled)
                                  : v < 7 ? OrderStatus::kCanceled
                                  : v < 9 ? OrderStatus::kRejected
                                          : OrderStatus::kPendingNew;
        r.header.detail = static_cast<std::uint8_t>(venue);
        r.cum_qty = o->cum;
        feed_report(r);
        return;
      }
    }
    const std::uint64_t k = rng_.next() % 100;
    if (k < 5 && history_count_ > 0) {  // a duplicate of an earlier report, delivered again now
      r = history_[rng_.next() % std::min<std::size_t>(history_count_, history_.size())];
      r.header.ts_local = now_;
      feed_report(r);
      return;
    }
    r.client_order_id = some_request_id();
    const OmsOrder* o = engine_.order(r.client_order_id);
    r.header.instrument = o != nullptr ? o->instrument : static_cast<InstrumentId>(rng_.next() % kInstruments);
    if (rng_.next() % 200 == 0) r.header.instrument = kNoInstrument;
    if (rng_.next() % 500 == 0) r.header.instrument = 9;  // an instrument the core does not have
    r.exec_id = ++exec_id_;
    ExecType type = ExecType::kNone;
    if (k < 20) type = ExecType::kNew;
    else if (k < 42) type = ExecType::kPartialFill;
    else if (k < 56) type = ExecType::kFill;
    else if (k < 66) type = ExecType::kCanceled;
    else if (k < 72) type = ExecType::kReplaced;
    else if (k < 79) type = ExecType::kRejected;
    else if (k < 86) type = ExecType::kCancelRejected;
    else if (k < 91) type = ExecType::kOrderStatus;
    else if (k < 94) type = ExecType::kExpired;
    r.header.subtype = static_cast<std::uint8_t>(type);
    if (type == ExecType::kNone)  // garbage: 0 or beyond kMaxExecType
      r.header.subtype = rng_.next() % 2 == 0 ? 0 : static_cast<std::uint8_t>(kMaxExecType + 1 + rng_.next() % 200);
    if (type == ExecType::kOrderStatus) r.header.detail = static_cast<std::uint8_t>(rng_.next() % (kMaxOrderStatus + 1));
    if (type == ExecType::kRejected || type == ExecType::kCancelRejected)
      r.header.detail = static_cast<std::uint8_t>(rng_.next() % (kMaxRejectReason + 1));
    if (type == ExecType::kPartialFill || type == ExecType::kFill) {
      const Qty order_qty = o != nullptr ? o->qty : Qty::from_units(1);
      const Qty cum = o != nullptr ? o->cum : Qty{};
      const std::int64_t leaves = order_qty.raw() - cum.raw();
      const std::uint64_t f = rng_.next() % 100;
      if (f < 4) r.last_qty = Qty::from_raw(leaves + 1 + uniform_raw(0, 1000));  // beyond the order
      else if (type == ExecType::kFill || leaves <= 1) r.last_qty = Qty::from_raw(leaves > 0 ? leaves : 1);
      else r.last_qty = Qty::from_raw(uniform_raw(1, leaves - 1));
      const Price ref = reference_or_default(r.header.instrument);
      r.last_price = rng_.next() % 50 == 0 ? Price{} : Price::from_raw(ref.raw() + ref.raw() / 1000 * uniform_raw(-20, 20));
      r.cum_qty = rng_.next() % 10 == 0 ? Qty{} : cum + r.last_qty;
      r.fee = Notional::from_raw(uniform_raw(-1'000'000, 10'000'000));
      r.header.detail = static_cast<std::uint8_t>(type == ExecType::kFill ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled);
    }
    history_[history_next_] = r;
    history_next_ = (history_next_ + 1) % history_.size();
    if (history_count_ < history_.size()) ++history_count_;
    feed_report(r);
  }

  void feed_report(const ExecReport& r) {
    const std::uint64_t fills_before = engine_.oms().stats().fills;
    engine_.on_event(to_event(r));
    const std::uint64_t applied = engine_.oms().stats().fills - fills_before;
    if (applied > 1) ++c_.ledger_mismatches;
    if (applied == 1) {  // the OMS applied this report's fill: book it in the ledger
      ++c_.fills;
      const IdInfo info = r.client_order_id < ids_.size() ? ids_[r.client_order_id] : IdInfo{};
      if (info.instrument >= kInstruments) {
        ++c_.ledger_mismatches;  // a fill for an order this test never saw leave the core
      } else {
        const InstrumentId i = info.instrument;
        const bool buy = info.side == Side::kBuy;
        const Notional value = r.last_price * r.last_qty;
        ledger_qty_[i] += buy ? r.last_qty.raw() : -r.last_qty.raw();
        cash_ = cash_ - (buy ? value : -value) - r.fee;
        ledger_fees_[i] += r.fee;
        ++ledger_fills_[i];
      }
    }
    drain_after_event();
  }

  void trade() {
    Trade t{};
    t.header.ts_exchange = t.header.ts_local = advance();
    const auto i = static_cast<InstrumentId>(rng_.next() % kInstruments);
    t.header.instrument = i;
    Price p = ref_[i].is_positive() ? ref_[i] : Price::from_units(static_cast<std::int64_t>(50 + 50 * i));
    p = Price::from_raw(p.raw() + p.raw() / 10'000 * uniform_raw(-100, 100));  // ±1 %
    if (p < Price::from_units(10)) p = Price::from_units(10);
    if (p > Price::from_units(1000)) p = Price::from_units(1000);
    const bool bad = rng_.next() % 100 == 0;
    t.price = bad ? Price{} : p;
    t.qty = Qty::from_units(1);
    if (!bad) ref_[i] = p;
    engine_.on_event(to_event(t));
    drain_after_event();
  }

  void trading_state() {
    Control c{};
    c.header.ts_exchange = c.header.ts_local = advance();
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kTradingState);
    const std::uint64_t r = rng_.next() % 20;
    c.value = r < 12 ? 0 : r < 17 ? 1 : r < 19 ? 2 : 3;  // 3: not a state, ignored
    if (c.value <= kMaxTradingState) {
      state_ = static_cast<TradingState>(c.value);
      if (state_ != TradingState::kReducing) flatten_ = false;  // the operator ends a flatten
    }
    engine_.on_event(to_event(c));
    drain_after_event();
  }

  void flatten() {
    Control c{};
    c.header.ts_exchange = c.header.ts_local = advance();
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kFlatten);
    state_ = TradingState::kReducing;
    flatten_ = true;
    engine_.on_event(to_event(c));
    drain_after_event();
  }

  void venue_session() {
    // Mostly the gateway's order (down → logged on → reconciled), sometimes out of sequence; 7 is
    // not a session state (ignored). An open session mostly stays so (a trade instead).
    const std::uint64_t v = rng_.next() % 20;
    if (gate_ == ModelGate::kOpen && v >= 5) {
      trade();
      return;
    }
    Control c{};
    c.header.ts_exchange = c.header.ts_local = advance();
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kVenueSession);
    if (gate_ == ModelGate::kReconciling) c.value = v < 16 ? 2 : v < 18 ? 0 : v < 19 ? 1 : 7;
    else if (gate_ == ModelGate::kDown) c.value = v < 17 ? 1 : v < 18 ? 2 : v < 19 ? 0 : 7;
    else c.value = v < 2 ? 0 : v < 3 ? 1 : v < 4 ? 2 : 7;
    if (c.value == 2 && rng_.next() % 5 == 0) c.real = static_cast<double>(1 + rng_.next() % 3);
    if (c.value == 0) gate_ = ModelGate::kDown;
    else if (c.value == 1) gate_ = ModelGate::kReconciling;
    else if (c.value == 2 && gate_ == ModelGate::kReconciling) {
      gate_ = ModelGate::kOpen;
      if (c.real > 0.0) state_ = TradingState::kReducing;  // venue orders the core did not know
    }
    engine_.on_event(to_event(c));
    drain_after_event();
  }

  void kill_switch() {
    Control c{};
    c.header.ts_exchange = c.header.ts_local = advance();
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kKillSwitch);
    c.value = rng_.next() % 10 == 0 ? 1 : 0;
    kill_ = c.value != 0;
    engine_.on_event(to_event(c));
    drain_after_event();
  }

  // ---- checks ----
  void note_id(const OrderCommand& c) {
    if (c.client_order_id <= last_id_) ++c_.non_increasing_ids;
    last_id_ = c.client_order_id;
    if (c.client_order_id >= ids_.size()) {
      ++c_.id_table_overflow;
      return;
    }
    if (c.action == OrderAction::kNew) {
      ids_[c.client_order_id] = IdInfo{c.instrument, c.side};
      recent_[recent_next_] = c.client_order_id;
      recent_next_ = (recent_next_ + 1) % recent_.size();
      if (recent_count_ < recent_.size()) ++recent_count_;
    } else if (c.orig_client_order_id < ids_.size()) {
      ids_[c.client_order_id] = ids_[c.orig_client_order_id];
    }
  }

  // The limits every new order or replace must meet, in exact arithmetic. A replace is the order it
  // becomes: its new leaves, with the order's own current leaves out of the working quantity.
  bool within_limits(const OrderCommand& command, const Before& b) const {
    if (b.gate != ModelGate::kOpen) return false;  // nothing new while the session is down or reconciling
    if (b.state == TradingState::kHalted) return false;
    OrderCommand c = command;
    Qty working_buy = b.working_buy, working_sell = b.working_sell;
    if (c.action == OrderAction::kReplace) {
      const OmsOrder* o = engine_.oms().find(c.orig_client_order_id);
      if (o == nullptr) return false;
      (o->side == Side::kBuy ? working_buy : working_sell) -= o->qty - o->cum;
      c.qty = c.qty - o->cum;
    }
    if (!c.qty.is_positive() || (c.side != Side::kBuy && c.side != Side::kSell)) return false;
    // Kill switch and reducing: only an order that reduces the position (opposite side, and with the
    // working orders on its side no larger than it).
    const std::int64_t pos = b.position.raw();
    const bool opposite = (pos > 0 && c.side == Side::kSell) || (pos < 0 && c.side == Side::kBuy);
    const std::int64_t working = c.side == Side::kBuy ? working_buy.raw() : working_sell.raw();
    const bool reduces = opposite && c.qty.raw() + working <= (pos < 0 ? -pos : pos);
    if ((b.kill || b.state == TradingState::kReducing) && !reduces) return false;
    if (c.type == OrderType::kLimit && !c.price.is_positive()) return false;
    if (!b.ref.is_positive()) return false;
    if (c.qty.raw() > kMaxQtyUnits * kScale) return false;
    const Price price = c.type == OrderType::kLimit ? c.price : b.ref;
    const i128 notional = static_cast<i128>(c.qty.raw()) * price.raw();  // scale 10^16
    if (notional > static_cast<i128>(kMaxNotionalUnits) * kScale * kScale) return false;
    if (c.type == OrderType::kLimit) {
      const std::int64_t diff = c.price.raw() - b.ref.raw();
      if (static_cast<i128>(diff < 0 ? -diff : diff) * kBandDivisor > b.ref.raw()) return false;
    }
    if (c.action == OrderAction::kNew && b.open >= kMaxOpen) return false;
    return true;
  }

  void drain_after_submit(const Before& b, const Intent* in) {
    std::size_t n = 0;
    while (const OrderCommand* c = engine_.commands().front()) {
      ++n;
      note_id(*c);
      switch (c->action) {
        case OrderAction::kNew:
          ++c_.news;
          if (b.state == TradingState::kReducing) ++c_.news_while_reducing;
          if (in->kind != IntentKind::kOrder || c->instrument != in->instrument || c->side != in->side ||
              c->qty != in->qty || !within_limits(*c, b))
            ++c_.violations;
          break;
        case OrderAction::kReplace:
          ++c_.replaces;
          if (in->kind != IntentKind::kReplace || !within_limits(*c, b)) ++c_.violations;
          break;
        case OrderAction::kCancel:
          ++c_.cancels;
          if (in->kind != IntentKind::kCancel) ++c_.violations;
          break;
        default:
          ++c_.bad_event_commands;
          break;
      }
      engine_.commands().pop();
    }
    if (n > 1) ++c_.bad_event_commands;
    check_ledger();
  }

  // A closing order the engine sent for a flatten, checked after the event that caused it: the
  // ledger position and the reference are the engine's at that moment (the event's fill and trade
  // are in both); `working_after` (the OMS's, the flatten orders of this event included — nothing
  // else moves working after them within an event) must not exceed the position on the closing side.
  bool flatten_order_ok(const OrderCommand& c, std::int64_t working_after) const {
    if (!flatten_ || gate_ != ModelGate::kOpen || state_ == TradingState::kHalted) return false;
    if (c.type != OrderType::kMarket || c.tif != TimeInForce::kIoc || !c.qty.is_positive()) return false;
    if (c.instrument >= kInstruments || !ref_[c.instrument].is_positive()) return false;
    const std::int64_t pos = ledger_qty_[c.instrument];
    const bool opposite = (pos > 0 && c.side == Side::kSell) || (pos < 0 && c.side == Side::kBuy);
    if (!opposite || working_after > (pos < 0 ? -pos : pos)) return false;
    if (c.qty.raw() > kMaxQtyUnits * kScale) return false;
    const i128 notional = static_cast<i128>(c.qty.raw()) * ref_[c.instrument].raw();
    if (notional > static_cast<i128>(kMaxNotionalUnits) * kScale * kScale) return false;
    return engine_.oms().open_orders() <= kMaxOpen;
  }

  void drain_after_event() {
    while (const OrderCommand* c = engine_.commands().front()) {
      note_id(*c);
      switch (c->action) {
        case OrderAction::kStatus:
          ++c_.statuses;
          break;
        case OrderAction::kCancel:  // the kill switch's or a flatten's, never while the session is down
          ++c_.control_cancels;
          if (!(kill_ || flatten_) || gate_ == ModelGate::kDown) ++c_.bad_event_commands;
          break;
        case OrderAction::kNew:
          ++c_.flatten_news;
          if (!flatten_order_ok(*c, engine_.oms().working(c->instrument, c->side).raw())) ++c_.violations;
          break;
        default:  // an Unknown order is queried, never resent; nothing replaces on its own
          ++c_.bad_event_commands;
          break;
      }
      engine_.commands().pop();
    }
    check_ledger();
  }

  void check_ledger() {
    if (!check_) return;
    const Portfolio& p = engine_.portfolio();
    bool same = p.cash() == cash_ && p.refused_fills() == 0;
    for (InstrumentId i = 0; i < kInstruments; ++i) {
      const Position& pos = p.position(i);
      same = same && pos.qty.raw() == ledger_qty_[i] && pos.fees == ledger_fees_[i] && pos.fills == ledger_fills_[i];
    }
    if (!same) ++c_.ledger_mismatches;
  }

  Engine engine_;
  RngStream rng_;
  bool check_;
  Nanos now_ = 1'700'000'000LL * kNanosPerSecond;
  std::array<Price, kInstruments> ref_{};
  TradingState state_ = TradingState::kActive;
  bool kill_ = false;
  bool flatten_ = false;  // a flatten may be running (the engine may have finished it sooner)
  ModelGate gate_ = ModelGate::kOpen;
  std::vector<IdInfo> ids_;
  std::array<std::uint32_t, 24> recent_{};
  std::size_t recent_next_ = 0, recent_count_ = 0;
  std::array<ExecReport, 256> history_{};
  std::size_t history_next_ = 0, history_count_ = 0;
  std::uint32_t exec_id_ = 0;
  std::uint32_t last_id_ = 0;
  std::array<std::int64_t, kInstruments> ledger_qty_{};
  std::array<Notional, kInstruments> ledger_fees_{};
  std::array<std::uint64_t, kInstruments> ledger_fills_{};
  Notional cash_;
  Counters c_;
};

}  // namespace

TEST(OrderPathProperty, MillionRandomStepsRespectRiskAndKeepTheLedger) {
  constexpr std::size_t kSteps = 1'000'000;
  Harness h(kSteps, true);
  for (std::size_t s = 0; s < kSteps; ++s) {
    h.step();
    if (h.counters().violations + h.counters().ledger_mismatches + h.counters().bad_event_commands +
            h.counters().non_increasing_ids != 0) {
      ADD_FAILURE() << "first failure at step " << s;
      break;
    }
  }
  const Counters& c = h.counters();
  EXPECT_EQ(c.violations, 0u);
  EXPECT_EQ(c.ledger_mismatches, 0u);
  EXPECT_EQ(c.bad_event_commands, 0u);
  EXPECT_EQ(c.non_increasing_ids, 0u);
  EXPECT_EQ(c.id_table_overflow, 0u);
  // Not vacuous: every path was taken, many times.
  const Engine& e = h.engine();
  const OrderManager& oms = e.oms();
  const PreTradeRisk& risk = e.risk();
  std::cout << "news " << c.news << " reducing " << c.news_while_reducing << " cancels " << c.cancels << " replaces "
            << c.replaces << " statuses " << c.statuses << " fills " << c.fills << " timeouts " << oms.stats().timeouts
            << " open " << oms.open_orders() << "\n  control cancels " << c.control_cancels << " flatten news "
            << c.flatten_news << " flattens " << e.stats().flattens << " done " << e.stats().flattens_done
            << " gave up " << e.stats().flatten_gave_up << " reconciliations " << e.stats().reconciliations << " done "
            << e.stats().reconciliations_done << " lost at venue " << oms.stats().lost_at_venue << "\n";
  for (std::size_t r = 1; r < kRiskRejectCount; ++r)
    std::cout << "  " << to_string(static_cast<RiskReject>(r)) << " " << risk.rejects(static_cast<RiskReject>(r)) << "\n";
  for (std::size_t o = 0; o < kReportOutcomeCount; ++o)
    std::cout << "  " << to_string(static_cast<ReportOutcome>(o)) << " " << oms.stats().outcomes[o] << "\n";
  EXPECT_GT(c.news, 10'000u);
  EXPECT_GT(c.news_while_reducing, 100u);
  EXPECT_GT(c.cancels, 1'000u);
  // (Fewer than before Issue 11: the kill switch and flattens now cancel resting orders, and the
  // session's down and reconciling periods refuse replaces, so fewer orders stay amendable.)
  EXPECT_GT(c.replaces, 500u);
  EXPECT_GT(c.statuses, 100u);
  EXPECT_GT(c.fills, 10'000u);
  EXPECT_GT(oms.stats().timeouts, 100u);
  EXPECT_GT(c.control_cancels, 1'000u);
  EXPECT_GT(c.flatten_news, 100u);
  EXPECT_GT(e.stats().reconciliations_done, 100u);
  EXPECT_GT(oms.stats().lost_at_venue, 100u);
  for (const ReportOutcome o : {ReportOutcome::kApplied, ReportOutcome::kDuplicate, ReportOutcome::kOutOfOrder,
                                ReportOutcome::kInvalid, ReportOutcome::kUnknownOrder})
    EXPECT_GT(oms.stats().outcomes[static_cast<std::size_t>(o)], 1'000u) << to_string(o);
  EXPECT_GT(risk.rejects(RiskReject::kNoReferencePrice), 0u);  // only before an instrument's first trade
  for (const RiskReject r : {RiskReject::kHalted, RiskReject::kKillSwitch, RiskReject::kReducingOnly,
                             RiskReject::kRateLimit, RiskReject::kMaxPosition, RiskReject::kMaxGrossExposure,
                             RiskReject::kInvalidOrder, RiskReject::kMaxOrderQty, RiskReject::kMaxOrderNotional,
                             RiskReject::kPriceBand, RiskReject::kMaxOpenOrders, RiskReject::kVenueDown,
                             RiskReject::kReconciling})
    EXPECT_GT(risk.rejects(r), 100u) << to_string(r);
  EXPECT_EQ(e.portfolio().refused_fills(), 0u);
  std::uint64_t total_fills = 0;
  for (InstrumentId i = 0; i < kInstruments; ++i) total_fills += e.portfolio().position(i).fills;
  EXPECT_EQ(total_fills, c.fills);
  EXPECT_EQ(total_fills, oms.stats().fills);
}

TEST(OrderPathProperty, NoAllocationAfterWarmUp) {
  ASSERT_TRUE(allocation_hooks_installed());
  constexpr std::size_t kWarmUp = 20'000;
  constexpr std::size_t kSteps = 100'000;
  Harness h(kWarmUp + kSteps, false);
  for (std::size_t s = 0; s < kWarmUp; ++s) h.step();
  const std::uint64_t commands_before = h.engine().stats().commands;
  const std::uint64_t reports_before = h.engine().stats().exec_reports;
  AllocationScope scope;
  for (std::size_t s = 0; s < kSteps; ++s) h.step();
  const std::uint64_t allocations = scope.allocations();
  EXPECT_EQ(allocations, 0u);
  // The measured window did real work.
  EXPECT_GT(h.engine().stats().commands - commands_before, 2'000u);
  EXPECT_GT(h.engine().stats().exec_reports - reports_before, 20'000u);
  EXPECT_EQ(h.counters().bad_event_commands, 0u);
}
