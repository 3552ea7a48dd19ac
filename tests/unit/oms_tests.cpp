// OrderManager: every transition of the OMS state machine, valid and invalid, the Unknown state and
// its status queries, the fixed order table, and the run's deterministic ClOrdIDs (ClOrdIdCodec).
// Issue 11: status answers for orders the venue no longer knows, and reconciliation queries.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/oms/cl_ord_ids.hpp"
#include "keel/core/oms/order_manager.hpp"

using namespace keel;

namespace {

Price px(const char* t) { return Price::parse(t).value(); }
Qty qty(const char* t) { return Qty::parse(t).value(); }

OrderCommand new_limit(Side side, const char* price, const char* q, InstrumentId instrument = 0) {
  OrderCommand c;
  c.instrument = instrument;
  c.action = OrderAction::kNew;
  c.side = side;
  c.type = OrderType::kLimit;
  c.tif = TimeInForce::kGtc;
  c.price = px(price);
  c.qty = qty(q);
  return c;
}

ExecReport rep(ExecType type, std::uint32_t id, std::uint32_t exec_id, std::uint8_t detail = 0) {
  ExecReport r{};
  r.header.subtype = static_cast<std::uint8_t>(type);
  r.header.detail = detail;
  r.client_order_id = id;
  r.exec_id = exec_id;
  return r;
}

ExecReport fill(ExecType type, std::uint32_t id, std::uint32_t exec_id, const char* price, const char* q,
                const char* cum) {
  ExecReport r = rep(type, id, exec_id,
                     static_cast<std::uint8_t>(type == ExecType::kFill ? OrderStatus::kFilled
                                                                         : OrderStatus::kPartiallyFilled));
  r.last_price = px(price);
  r.last_qty = qty(q);
  r.cum_qty = qty(cum);
  return r;
}

std::uint64_t outcome(const OrderManager& m, ReportOutcome o) { return m.stats().outcomes[static_cast<std::size_t>(o)]; }

// An OMS with one order acknowledged (id 1: buy 10 @ 100 on instrument 0).
struct Acked {
  OrderManager m{8, 2, 0};
  std::uint32_t id = 0;
  Acked() {
    OrderCommand c = new_limit(Side::kBuy, "100", "10");
    EXPECT_TRUE(m.add_new(c, 7, 0));
    id = c.client_order_id;
    EXPECT_EQ(m.on_report(rep(ExecType::kNew, id, 1)).outcome, ReportOutcome::kApplied);
    EXPECT_EQ(m.find(id)->status, OrderStatus::kNew);
  }
};

}  // namespace

TEST(Oms, IdsAreOneTwoThreeInRequestOrder) {
  OrderManager m(8, 1, 0);
  OrderCommand a = new_limit(Side::kBuy, "1", "1"), b = new_limit(Side::kSell, "2", "1");
  ASSERT_TRUE(m.add_new(a, 0, 0));
  ASSERT_TRUE(m.add_new(b, 0, 0));
  EXPECT_EQ(a.client_order_id, 1u);
  EXPECT_EQ(b.client_order_id, 2u);
  OrderCommand c;
  EXPECT_FALSE(m.make_cancel(1, c, 5));  // not acknowledged yet: refused, no id taken
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 1, 1)).outcome, ReportOutcome::kApplied);
  ASSERT_TRUE(m.make_cancel(1, c, 5));
  EXPECT_EQ(c.client_order_id, 3u);
  EXPECT_EQ(c.orig_client_order_id, 1u);
  EXPECT_EQ(c.action, OrderAction::kCancel);
  EXPECT_FALSE(m.make_replace(2, px("3"), qty("2"), c, 5));  // not acknowledged yet: refused, no id taken
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 2, 2)).outcome, ReportOutcome::kApplied);
  ASSERT_TRUE(m.make_replace(2, px("3"), qty("2"), c, 5));
  EXPECT_EQ(c.client_order_id, 4u);
  EXPECT_EQ(c.orig_client_order_id, 2u);
  OrderCommand d = new_limit(Side::kBuy, "1", "1");
  ASSERT_TRUE(m.add_new(d, 0, 0));
  EXPECT_EQ(d.client_order_id, 5u);
  // A second OMS fed the same requests issues the same ids.
  OrderManager n(8, 1, 0);
  OrderCommand e = new_limit(Side::kBuy, "1", "1");
  ASSERT_TRUE(n.add_new(e, 0, 0));
  EXPECT_EQ(e.client_order_id, 1u);
}

TEST(Oms, NewAckPartialFill) {
  OrderManager m(8, 2, 0);
  OrderCommand c = new_limit(Side::kBuy, "100", "10", 1);
  ASSERT_TRUE(m.add_new(c, 42, 1000));
  const std::uint32_t id = c.client_order_id;
  const OmsOrder* o = m.find(id);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, OrderStatus::kPendingNew);
  EXPECT_EQ(o->tag, 42u);
  EXPECT_EQ(o->created_at, 1000);
  EXPECT_EQ(m.open_orders(), 1);
  EXPECT_EQ(m.working(1, Side::kBuy), qty("10"));
  EXPECT_EQ(m.working(1, Side::kSell), Qty{});
  EXPECT_EQ(m.working(0, Side::kBuy), Qty{});

  EXPECT_EQ(m.on_report(rep(ExecType::kNew, id, 1)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kNew);
  EXPECT_EQ(o->pending, OrderAction::kNone);

  auto r = m.on_report(fill(ExecType::kPartialFill, id, 2, "99.5", "4", "4"));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_TRUE(r.fill);
  EXPECT_EQ(r.order, o);
  EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o->cum, qty("4"));
  EXPECT_EQ(o->leaves(), qty("6"));
  EXPECT_EQ(o->cum_notional, Notional::parse("398").value());
  EXPECT_EQ(m.working(1, Side::kBuy), qty("6"));

  r = m.on_report(fill(ExecType::kFill, id, 3, "100", "6", "10"));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_TRUE(r.fill);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
  EXPECT_EQ(o->cum_notional, Notional::parse("998").value());
  EXPECT_EQ(m.open_orders(), 0);
  EXPECT_EQ(m.working(1, Side::kBuy), Qty{});
  EXPECT_EQ(m.stats().fills, 2u);
  EXPECT_EQ(m.stats().partial_fills, 1u);
  EXPECT_EQ(m.stats().filled, 1u);
  EXPECT_EQ(outcome(m, ReportOutcome::kApplied), 3u);
}

TEST(Oms, FillWithoutAckSettlesPendingNew) {
  OrderManager m(8, 1, 0);
  OrderCommand c = new_limit(Side::kSell, "10", "2");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  auto r = m.on_report(fill(ExecType::kPartialFill, 1, 9, "10", "1", "1"));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(m.find(1)->pending, OrderAction::kNone);
  EXPECT_EQ(m.working(0, Side::kSell), qty("1"));
}

TEST(Oms, NewRejected) {
  OrderManager m(8, 1, 0);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  const auto r = m.on_report(rep(ExecType::kRejected, 1, 1, static_cast<std::uint8_t>(RejectReason::kPriceOffTick)));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_FALSE(r.fill);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kRejected);
  EXPECT_EQ(m.find(1)->reject_reason, RejectReason::kPriceOffTick);
  EXPECT_EQ(m.open_orders(), 0);
  EXPECT_EQ(m.working(0, Side::kBuy), Qty{});
  EXPECT_EQ(m.stats().rejected, 1u);
  // A terminal order takes no cancel and no replace.
  OrderCommand x;
  EXPECT_FALSE(m.make_cancel(1, x, 0));
  EXPECT_FALSE(m.make_replace(1, px("1"), qty("1"), x, 0));
  // A late ack does not resurrect it.
  EXPECT_EQ(m.on_report(rep(ExecType::kNew, 1, 2)).outcome, ReportOutcome::kOutOfOrder);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kRejected);
}

TEST(Oms, CancelCanceled) {
  Acked a;
  OrderCommand c;
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 10));
  EXPECT_EQ(c.ts, 10);
  EXPECT_EQ(c.action, OrderAction::kCancel);
  EXPECT_EQ(c.orig_client_order_id, a.id);
  const std::uint32_t cancel_id = c.client_order_id;
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kPendingCancel);
  EXPECT_EQ(a.m.find(cancel_id), a.m.find(a.id));
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("10"));  // still working until the venue says so
  // A second cancel while one is pending is refused.
  OrderCommand c2;
  EXPECT_FALSE(a.m.make_cancel(a.id, c2, 11));
  EXPECT_FALSE(a.m.make_replace(a.id, px("1"), qty("1"), c2, 11));

  EXPECT_EQ(a.m.on_report(rep(ExecType::kCanceled, cancel_id, 2)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kCanceled);
  EXPECT_EQ(a.m.open_orders(), 0);
  EXPECT_EQ(a.m.working(0, Side::kBuy), Qty{});
  EXPECT_EQ(a.m.stats().canceled, 1u);
  // The answered cancel's id is forgotten; the order id is not.
  EXPECT_EQ(a.m.find(cancel_id), nullptr);
  EXPECT_EQ(a.m.on_report(rep(ExecType::kCanceled, cancel_id, 3)).outcome, ReportOutcome::kUnknownOrder);
  // A second Canceled for the order id: out of order, nothing changes.
  EXPECT_EQ(a.m.on_report(rep(ExecType::kCanceled, a.id, 4)).outcome, ReportOutcome::kOutOfOrder);
  EXPECT_EQ(a.m.stats().canceled, 1u);
}

TEST(Oms, CancelRejectedRestoresTheStatus) {
  Acked a;
  ASSERT_TRUE(a.m.on_report(fill(ExecType::kPartialFill, a.id, 2, "100", "3", "3")).fill);
  OrderCommand c;
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 10));
  const auto r = a.m.on_report(rep(ExecType::kCancelRejected, c.client_order_id, 3,
                                   static_cast<std::uint8_t>(RejectReason::kTooLate)));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  const OmsOrder* o = a.m.find(a.id);
  EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o->pending, OrderAction::kNone);
  EXPECT_EQ(a.m.open_orders(), 1);
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("7"));
  EXPECT_EQ(a.m.stats().cancel_rejects, 1u);
  EXPECT_EQ(a.m.find(c.client_order_id), nullptr);
  // A cancel reject nobody asked for is out of order.
  EXPECT_EQ(a.m.on_report(rep(ExecType::kCancelRejected, a.id, 4)).outcome, ReportOutcome::kOutOfOrder);
  EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
  // The order takes a new cancel.
  EXPECT_TRUE(a.m.make_cancel(a.id, c, 11));
}

TEST(Oms, ReplaceReplaced) {
  Acked a;
  OrderCommand c;
  EXPECT_FALSE(a.m.make_replace(a.id, px("101"), Qty{}, c, 5));  // a zero quantity is refused
  ASSERT_TRUE(a.m.make_replace(a.id, px("101"), qty("12"), c, 5));
  EXPECT_EQ(c.action, OrderAction::kReplace);
  EXPECT_EQ(c.price, px("101"));
  EXPECT_EQ(c.qty, qty("12"));
  const std::uint32_t r1 = c.client_order_id;
  const OmsOrder* o = a.m.find(a.id);
  EXPECT_EQ(o->status, OrderStatus::kPendingReplace);
  EXPECT_EQ(o->price, px("100"));  // unchanged until the venue accepts
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("10"));

  EXPECT_EQ(a.m.on_report(rep(ExecType::kReplaced, r1, 2)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kNew);
  EXPECT_EQ(o->current_id, r1);
  EXPECT_EQ(o->order_id, a.id);
  EXPECT_EQ(o->price, px("101"));
  EXPECT_EQ(o->qty, qty("12"));
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("12"));
  EXPECT_EQ(a.m.find(r1), o);
  EXPECT_EQ(a.m.find(a.id), o);

  // A fill, then a second replace: the intermediate id is superseded and forgotten.
  ASSERT_TRUE(a.m.on_report(fill(ExecType::kPartialFill, r1, 3, "101", "2", "2")).fill);
  ASSERT_TRUE(a.m.make_replace(a.id, px("102"), qty("5"), c, 6));
  EXPECT_EQ(c.orig_client_order_id, r1);
  const std::uint32_t r2 = c.client_order_id;
  EXPECT_EQ(a.m.on_report(rep(ExecType::kReplaced, r2, 4)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o->current_id, r2);
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("3"));
  EXPECT_EQ(a.m.find(r1), nullptr);
  EXPECT_EQ(a.m.on_report(rep(ExecType::kNew, r1, 5)).outcome, ReportOutcome::kUnknownOrder);
  // An unrequested Replaced is out of order and changes nothing.
  EXPECT_EQ(a.m.on_report(rep(ExecType::kReplaced, a.id, 6)).outcome, ReportOutcome::kOutOfOrder);
  EXPECT_EQ(o->qty, qty("5"));
}

TEST(Oms, ReplaceRejected) {
  for (const ExecType answer : {ExecType::kRejected, ExecType::kCancelRejected}) {
    Acked a;
    OrderCommand c;
    ASSERT_TRUE(a.m.make_replace(a.id, px("90"), qty("20"), c, 5));
    const auto r = a.m.on_report(rep(answer, c.client_order_id, 2, static_cast<std::uint8_t>(RejectReason::kTooLate)));
    EXPECT_EQ(r.outcome, ReportOutcome::kApplied) << to_string(answer);
    const OmsOrder* o = a.m.find(a.id);
    EXPECT_EQ(o->status, OrderStatus::kNew);
    EXPECT_EQ(o->price, px("100"));
    EXPECT_EQ(o->qty, qty("10"));
    EXPECT_EQ(o->current_id, a.id);
    EXPECT_EQ(a.m.working(0, Side::kBuy), qty("10"));
    EXPECT_EQ(a.m.stats().cancel_rejects, 1u);
    EXPECT_EQ(a.m.stats().rejected, 0u);  // the order itself was not rejected
    EXPECT_EQ(a.m.open_orders(), 1);
    EXPECT_EQ(a.m.find(c.client_order_id), nullptr);
  }
}

TEST(Oms, FillWhilePendingCancel) {
  Acked a;
  OrderCommand c;
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 10));
  auto r = a.m.on_report(fill(ExecType::kPartialFill, a.id, 2, "100", "4", "4"));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_TRUE(r.fill);
  const OmsOrder* o = a.m.find(a.id);
  EXPECT_EQ(o->status, OrderStatus::kPendingCancel);
  EXPECT_EQ(a.m.working(0, Side::kBuy), qty("6"));
  // The cancel is refused: back to PartiallyFilled (what the fill made it), not New.
  EXPECT_EQ(a.m.on_report(rep(ExecType::kCancelRejected, c.client_order_id, 3)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
  // A fill completing the order while a cancel is pending: Filled.
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 11));
  r = a.m.on_report(fill(ExecType::kFill, a.id, 4, "100", "6", "10"));
  EXPECT_TRUE(r.fill);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
  EXPECT_EQ(a.m.open_orders(), 0);
  // Then the venue's too-late answer to the cancel: the order id is still known, the cancel's not.
  EXPECT_NE(a.m.on_report(rep(ExecType::kCancelRejected, c.client_order_id, 5)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
}

TEST(Oms, FillAfterCancelIsOutOfOrderButApplied) {
  Acked a;
  OrderCommand c;
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 10));
  ASSERT_EQ(a.m.on_report(rep(ExecType::kCanceled, c.client_order_id, 2)).outcome, ReportOutcome::kApplied);
  const auto r = a.m.on_report(fill(ExecType::kPartialFill, a.id, 3, "100", "2", "2"));
  EXPECT_EQ(r.outcome, ReportOutcome::kOutOfOrder);
  EXPECT_TRUE(r.fill);
  const OmsOrder* o = a.m.find(a.id);
  EXPECT_EQ(o->status, OrderStatus::kCanceled);
  EXPECT_EQ(o->cum, qty("2"));
  EXPECT_EQ(a.m.working(0, Side::kBuy), Qty{});
  EXPECT_EQ(a.m.open_orders(), 0);
  EXPECT_EQ(outcome(a.m, ReportOutcome::kOutOfOrder), 1u);
  EXPECT_EQ(a.m.stats().fills, 1u);
}

TEST(Oms, AckAfterFillDoesNotRegress) {
  OrderManager m(8, 1, 0);
  OrderCommand c = new_limit(Side::kBuy, "100", "1");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  ASSERT_EQ(m.on_report(fill(ExecType::kFill, 1, 2, "100", "1", "1")).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kFilled);
  const auto r = m.on_report(rep(ExecType::kNew, 1, 1));
  EXPECT_EQ(r.outcome, ReportOutcome::kOutOfOrder);
  EXPECT_FALSE(r.fill);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kFilled);
  EXPECT_EQ(m.open_orders(), 0);
}

TEST(Oms, OutOfOrderCumQtyIsCountedAndApplied) {
  Acked a;
  // The venue says cum 6 but the OMS has only seen this 3: a fill was missed or reordered.
  const auto r = a.m.on_report(fill(ExecType::kPartialFill, a.id, 2, "100", "3", "6"));
  EXPECT_EQ(r.outcome, ReportOutcome::kOutOfOrder);
  EXPECT_TRUE(r.fill);
  EXPECT_EQ(a.m.find(a.id)->cum, qty("3"));
}

TEST(Oms, DuplicateExecIdChangesNothing) {
  Acked a;
  const ExecReport f = fill(ExecType::kPartialFill, a.id, 2, "100", "3", "3");
  ASSERT_TRUE(a.m.on_report(f).fill);
  const auto r = a.m.on_report(f);
  EXPECT_EQ(r.outcome, ReportOutcome::kDuplicate);
  EXPECT_FALSE(r.fill);
  EXPECT_EQ(a.m.find(a.id)->cum, qty("3"));
  EXPECT_EQ(a.m.stats().fills, 1u);
  EXPECT_EQ(outcome(a.m, ReportOutcome::kDuplicate), 1u);
  // The same exec id naming the order by another of its ids is the same execution.
  OrderCommand c;
  ASSERT_TRUE(a.m.make_cancel(a.id, c, 1));
  ExecReport g = f;
  g.client_order_id = c.client_order_id;
  EXPECT_EQ(a.m.on_report(g).outcome, ReportOutcome::kDuplicate);
  // A duplicate ack after the order moved on does not move it back.
  EXPECT_EQ(a.m.on_report(rep(ExecType::kNew, a.id, 1)).outcome, ReportOutcome::kDuplicate);
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kPendingCancel);
  EXPECT_EQ(outcome(a.m, ReportOutcome::kDuplicate), 3u);
}

TEST(Oms, InvalidFillsAreDropped) {
  Acked a;
  auto r = a.m.on_report(fill(ExecType::kFill, a.id, 2, "100", "10.00000001", "10.00000001"));
  EXPECT_EQ(r.outcome, ReportOutcome::kInvalid);
  EXPECT_FALSE(r.fill);
  ExecReport zero_price = fill(ExecType::kPartialFill, a.id, 3, "1", "1", "1");
  zero_price.last_price = Price{};
  EXPECT_EQ(a.m.on_report(zero_price).outcome, ReportOutcome::kInvalid);
  ExecReport negative_qty = fill(ExecType::kPartialFill, a.id, 4, "1", "1", "1");
  negative_qty.last_qty = -qty("1");
  EXPECT_EQ(a.m.on_report(negative_qty).outcome, ReportOutcome::kInvalid);
  const OmsOrder* o = a.m.find(a.id);
  EXPECT_EQ(o->cum, Qty{});
  EXPECT_EQ(o->status, OrderStatus::kNew);
  EXPECT_EQ(a.m.stats().fills, 0u);
  EXPECT_EQ(outcome(a.m, ReportOutcome::kInvalid), 3u);
  // Exactly the order quantity is fine.
  r = a.m.on_report(fill(ExecType::kFill, a.id, 5, "100", "10", "10"));
  EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
}

TEST(Oms, UnknownOrderAndBadExecTypes) {
  Acked a;
  auto r = a.m.on_report(rep(ExecType::kNew, 999, 1));
  EXPECT_EQ(r.outcome, ReportOutcome::kUnknownOrder);
  EXPECT_EQ(r.order, nullptr);
  EXPECT_EQ(a.m.on_report(rep(ExecType::kFill, 0, 2)).outcome, ReportOutcome::kUnknownOrder);
  EXPECT_EQ(outcome(a.m, ReportOutcome::kUnknownOrder), 2u);
  for (const std::uint8_t bad : {std::uint8_t{0}, std::uint8_t{kMaxExecType + 1}, std::uint8_t{255}}) {
    ExecReport x = fill(ExecType::kFill, a.id, 10 + bad, "100", "10", "10");
    x.header.subtype = bad;
    r = a.m.on_report(x);
    EXPECT_EQ(r.outcome, ReportOutcome::kInvalid) << int(bad);
    EXPECT_FALSE(r.fill);
  }
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kNew);
  EXPECT_EQ(a.m.find(a.id)->cum, Qty{});
  EXPECT_EQ(outcome(a.m, ReportOutcome::kInvalid), 3u);
  EXPECT_EQ(a.m.stats().reports, 6u);
}

TEST(Oms, ExpiredIsTerminal) {
  Acked a;
  EXPECT_EQ(a.m.on_report(rep(ExecType::kExpired, a.id, 2)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kExpired);
  EXPECT_EQ(a.m.stats().expired, 1u);
  EXPECT_EQ(a.m.open_orders(), 0);
}

TEST(Oms, AbandonMarksRejected) {
  OrderManager m(4, 1, 0);
  OrderCommand c = new_limit(Side::kBuy, "1", "1");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  m.abandon(c.client_order_id);
  EXPECT_EQ(m.find(c.client_order_id)->status, OrderStatus::kRejected);
  EXPECT_EQ(m.open_orders(), 0);
  EXPECT_EQ(m.working(0, Side::kBuy), Qty{});
}

// ---- Unknown after ack_timeout, status queries ----

namespace {
constexpr Nanos kTimeout = 1'000'000;
}

TEST(Oms, UnansweredNewBecomesUnknownAndIsQueriedOncePerTimeout) {
  OrderManager m(8, 1, kTimeout);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 100));
  OrderCommand q;
  EXPECT_FALSE(m.next_status_query(100 + kTimeout - 1, q));
  EXPECT_EQ(m.find(1)->status, OrderStatus::kPendingNew);
  ASSERT_TRUE(m.next_status_query(100 + kTimeout, q));
  EXPECT_EQ(q.action, OrderAction::kStatus);  // never a resend of the new order
  EXPECT_EQ(q.client_order_id, 2u);
  EXPECT_EQ(q.orig_client_order_id, 1u);
  EXPECT_EQ(q.instrument, 0u);
  EXPECT_EQ(q.ts, 100 + kTimeout);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kUnknown);
  EXPECT_EQ(m.stats().timeouts, 1u);
  EXPECT_EQ(m.open_orders(), 1);
  EXPECT_EQ(m.working(0, Side::kBuy), qty("10"));  // an Unknown order still counts as working
  // Exactly one query per period.
  EXPECT_FALSE(m.next_status_query(100 + kTimeout, q));
  EXPECT_FALSE(m.next_status_query(100 + 2 * kTimeout - 1, q));
  ASSERT_TRUE(m.next_status_query(100 + 2 * kTimeout, q));
  EXPECT_EQ(q.action, OrderAction::kStatus);
  EXPECT_EQ(q.client_order_id, 3u);
  EXPECT_EQ(q.orig_client_order_id, 1u);
  EXPECT_FALSE(m.next_status_query(100 + 2 * kTimeout, q));
  EXPECT_EQ(m.stats().status_queries, 2u);
  EXPECT_EQ(m.stats().timeouts, 1u);
  EXPECT_EQ(m.stats().orders, 1u);
  // Cancels and replaces wait for the venue's word.
  OrderCommand x;
  EXPECT_FALSE(m.make_cancel(1, x, 0));
  EXPECT_FALSE(m.make_replace(1, px("1"), qty("1"), x, 0));
  // The superseded query id is forgotten; the latest one settles the order.
  EXPECT_EQ(m.find(2), nullptr);
  EXPECT_EQ(m.find(3), m.find(1));
  EXPECT_EQ(m.on_report(rep(ExecType::kOrderStatus, 3, 0, static_cast<std::uint8_t>(OrderStatus::kNew))).outcome,
            ReportOutcome::kApplied);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kNew);
  EXPECT_EQ(m.find(3), nullptr);
  EXPECT_FALSE(m.next_status_query(100 + 10 * kTimeout, q));  // settled: no more queries
}

TEST(Oms, StatusAnswerSettlesUnknown) {
  struct Case {
    OrderStatus venue;
    OrderStatus expect;
    int open;
  };
  for (const Case k : {Case{OrderStatus::kNew, OrderStatus::kNew, 1}, Case{OrderStatus::kFilled, OrderStatus::kFilled, 0},
                       Case{OrderStatus::kCanceled, OrderStatus::kCanceled, 0},
                       Case{OrderStatus::kRejected, OrderStatus::kRejected, 0}}) {
    OrderManager m(8, 1, kTimeout);
    OrderCommand c = new_limit(Side::kSell, "100", "10");
    ASSERT_TRUE(m.add_new(c, 0, 0));
    OrderCommand q;
    ASSERT_TRUE(m.next_status_query(kTimeout, q));
    ASSERT_EQ(m.find(1)->status, OrderStatus::kUnknown);
    const auto r = m.on_report(rep(ExecType::kOrderStatus, q.client_order_id, 0, static_cast<std::uint8_t>(k.venue)));
    EXPECT_EQ(r.outcome, ReportOutcome::kApplied) << to_string(k.venue);
    EXPECT_EQ(m.find(1)->status, k.expect) << to_string(k.venue);
    EXPECT_EQ(m.open_orders(), k.open) << to_string(k.venue);
    EXPECT_EQ(m.working(0, Side::kSell), k.open == 1 ? qty("10") : Qty{}) << to_string(k.venue);
    EXPECT_FALSE(m.next_status_query(5 * kTimeout, q));
  }
}

TEST(Oms, LateAnswerToTheLostRequestSettlesUnknown) {
  OrderManager m(8, 1, kTimeout);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  OrderCommand q;
  ASSERT_TRUE(m.next_status_query(kTimeout, q));
  // The ack for the original request arrives after all.
  EXPECT_EQ(m.on_report(rep(ExecType::kNew, 1, 1)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kNew);
  EXPECT_FALSE(m.next_status_query(10 * kTimeout, q));
}

TEST(Oms, UnansweredCancelThenLateCancelRejectRestoresTheOrder) {
  OrderManager m(8, 1, kTimeout);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 1, 1)).outcome, ReportOutcome::kApplied);
  OrderCommand cancel;
  ASSERT_TRUE(m.make_cancel(1, cancel, 10));
  OrderCommand q;
  ASSERT_TRUE(m.next_status_query(10 + kTimeout, q));
  EXPECT_EQ(q.action, OrderAction::kStatus);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kUnknown);
  // The venue's late answer to the cancel: refused. The order is as it was before the cancel.
  EXPECT_EQ(m.on_report(rep(ExecType::kCancelRejected, cancel.client_order_id, 2)).outcome, ReportOutcome::kApplied);
  const OmsOrder* o = m.find(1);
  EXPECT_EQ(o->status, OrderStatus::kNew);
  EXPECT_EQ(o->pending, OrderAction::kNone);
  EXPECT_EQ(m.open_orders(), 1);
  EXPECT_EQ(m.working(0, Side::kBuy), qty("10"));
  EXPECT_FALSE(m.next_status_query(10 * kTimeout, q));
  EXPECT_TRUE(m.make_cancel(1, cancel, 20));
}

TEST(Oms, FillOfUnknownOrderSettlesIt) {
  OrderManager m(8, 1, kTimeout);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  OrderCommand q;
  ASSERT_TRUE(m.next_status_query(kTimeout, q));
  const auto r = m.on_report(fill(ExecType::kPartialFill, 1, 5, "100", "4", "4"));
  EXPECT_TRUE(r.fill);
  EXPECT_EQ(m.find(1)->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(m.working(0, Side::kBuy), qty("6"));
  EXPECT_FALSE(m.next_status_query(10 * kTimeout, q));
}

TEST(Oms, NoTimeoutWhenZero) {
  OrderManager m(8, 1, 0);
  OrderCommand c = new_limit(Side::kBuy, "100", "10");
  ASSERT_TRUE(m.add_new(c, 0, 0));
  OrderCommand q;
  EXPECT_FALSE(m.next_status_query(1'000'000'000'000'000, q));
  EXPECT_EQ(m.find(1)->status, OrderStatus::kPendingNew);
}

// ---- the fixed table ----

TEST(Oms, TableFullThenOldestTerminalSlotReused) {
  OrderManager m(3, 1, 0);
  OrderCommand a = new_limit(Side::kBuy, "1", "1"), b = a, c = a, d = a;
  ASSERT_TRUE(m.add_new(a, 0, 0));
  ASSERT_TRUE(m.add_new(b, 0, 0));
  ASSERT_TRUE(m.add_new(c, 0, 0));
  EXPECT_FALSE(m.add_new(d, 0, 0));
  EXPECT_EQ(m.stats().table_full, 1u);
  EXPECT_EQ(m.stats().orders, 3u);
  EXPECT_EQ(m.open_orders(), 3);
  // Terminal in the order 2, then 1: slot of order 2 is the oldest terminal one.
  ASSERT_EQ(m.on_report(rep(ExecType::kRejected, 2, 1)).outcome, ReportOutcome::kApplied);
  ASSERT_EQ(m.on_report(fill(ExecType::kFill, 1, 2, "1", "1", "1")).outcome, ReportOutcome::kApplied);
  // A failed add_new took no id.
  d = new_limit(Side::kSell, "2", "2");
  ASSERT_TRUE(m.add_new(d, 0, 0));
  EXPECT_EQ(d.client_order_id, 4u);
  EXPECT_EQ(m.find(2), nullptr);  // order 2's slot was reused: its id is unknown now
  EXPECT_EQ(m.on_report(rep(ExecType::kNew, 2, 3)).outcome, ReportOutcome::kUnknownOrder);
  ASSERT_NE(m.find(1), nullptr);  // order 1 still findable (late reports still apply)
  EXPECT_EQ(m.find(1)->status, OrderStatus::kFilled);
  EXPECT_EQ(m.find(4)->side, Side::kSell);
  OrderCommand e = new_limit(Side::kBuy, "3", "3");
  ASSERT_TRUE(m.add_new(e, 0, 0));
  EXPECT_EQ(e.client_order_id, 5u);
  EXPECT_EQ(m.find(1), nullptr);
  EXPECT_EQ(m.find(3)->status, OrderStatus::kPendingNew);
  OrderCommand f = new_limit(Side::kBuy, "3", "3");
  EXPECT_FALSE(m.add_new(f, 0, 0));  // 3, 4, 5 all live
  EXPECT_EQ(m.stats().table_full, 2u);
  EXPECT_EQ(m.capacity(), 3u);
}

TEST(Oms, ReusedSlotForgetsCancelAndReplaceIds) {
  OrderManager m(1, 1, 0);
  OrderCommand a = new_limit(Side::kBuy, "1", "1");
  ASSERT_TRUE(m.add_new(a, 0, 0));
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 1, 1)).outcome, ReportOutcome::kApplied);
  OrderCommand r;
  ASSERT_TRUE(m.make_replace(1, px("2"), qty("2"), r, 0));  // id 2
  ASSERT_EQ(m.on_report(rep(ExecType::kReplaced, 2, 2)).outcome, ReportOutcome::kApplied);
  ASSERT_TRUE(m.make_cancel(1, r, 0));  // id 3
  ASSERT_EQ(m.on_report(rep(ExecType::kCanceled, 3, 3)).outcome, ReportOutcome::kApplied);
  OrderCommand b = new_limit(Side::kSell, "5", "5");
  ASSERT_TRUE(m.add_new(b, 0, 0));
  EXPECT_EQ(b.client_order_id, 4u);
  for (const std::uint32_t old : {1u, 2u, 3u}) EXPECT_EQ(m.find(old), nullptr) << old;
  EXPECT_EQ(m.find(4)->qty, qty("5"));
}

// ---- ClOrdIdCodec ----

TEST(ClOrdIdCodec, FormatParseRoundTrip) {
  const ClOrdIdCodec codec(ClOrdIdCodec::run_id(0x1234, 42));
  EXPECT_EQ(codec.prefix().size(), ClOrdIdCodec::kPrefixLength);
  EXPECT_EQ(codec.prefix()[0], 'K');
  for (const std::uint32_t v : {1u, 9u, 10u, 17u, 1000u, 123456789u, 4294967295u}) {
    const ClOrdId id = codec.format(v);
    EXPECT_EQ(id.view(), std::string(codec.prefix()) + std::to_string(v));
    const auto back = codec.parse(id.view());
    ASSERT_TRUE(back.has_value()) << v;
    EXPECT_EQ(*back, v);
  }
  // Same run ⇒ same ids; another run id ⇒ another prefix.
  EXPECT_EQ(ClOrdIdCodec::run_id(0x1234, 42), ClOrdIdCodec::run_id(0x1234, 42));
  EXPECT_NE(ClOrdIdCodec::run_id(0x1234, 42), ClOrdIdCodec::run_id(0x1234, 43));
  const ClOrdIdCodec same(ClOrdIdCodec::run_id(0x1234, 42));
  EXPECT_EQ(same.format(77).view(), codec.format(77).view());
  const ClOrdIdCodec zero(0);
  EXPECT_EQ(zero.prefix(), "K00000000");
}

TEST(ClOrdIdCodec, RejectsEverythingElse) {
  const ClOrdIdCodec codec(ClOrdIdCodec::run_id(7, 8));
  const ClOrdIdCodec other(ClOrdIdCodec::run_id(7, 9));
  ASSERT_NE(codec.prefix(), other.prefix());
  const std::string p(codec.prefix());
  EXPECT_FALSE(codec.parse(other.format(5).view()).has_value());
  EXPECT_FALSE(codec.parse("").has_value());
  EXPECT_FALSE(codec.parse(p).has_value());                  // no digits
  EXPECT_FALSE(codec.parse(p + "0").has_value());            // 0
  EXPECT_FALSE(codec.parse(p + "007").has_value());          // leading zeros
  EXPECT_FALSE(codec.parse(p + "4294967296").has_value());   // 2^32
  EXPECT_FALSE(codec.parse(p + "99999999999").has_value());  // too long
  EXPECT_FALSE(codec.parse(p + "12a").has_value());
  EXPECT_FALSE(codec.parse(p + "-1").has_value());
  EXPECT_FALSE(codec.parse(p + "1 ").has_value());           // trailing character
  EXPECT_FALSE(codec.parse(" " + p + "1").has_value());
  EXPECT_FALSE(codec.parse("m12").has_value());              // the flow's ids
  std::string upper = p;
  upper[0] = 'k';
  EXPECT_FALSE(codec.parse(upper + "1").has_value());
  EXPECT_TRUE(codec.parse(p + "4294967295").has_value());
}

// ---- Issue 8 review: the Unknown state's edges ----

// An OMS with a 1-second ack timeout and one acknowledged order (id 1: buy 10 @ 100).
struct Timed {
  OrderManager m{8, 2, kNanosPerSecond};
  std::uint32_t id = 0;
  Timed() {
    OrderCommand c = new_limit(Side::kBuy, "100", "10");
    EXPECT_TRUE(m.add_new(c, 0, 0));
    id = c.client_order_id;
    EXPECT_EQ(m.on_report(rep(ExecType::kNew, id, 1)).outcome, ReportOutcome::kApplied);
  }
  // Makes a cancel (or replace) go unanswered past the timeout; returns the status query's id.
  std::uint32_t lose(OrderCommand& request, bool replace) {
    EXPECT_TRUE(replace ? m.make_replace(id, px("101"), qty("10"), request, 0) : m.make_cancel(id, request, 0));
    OrderCommand q;
    EXPECT_TRUE(m.next_status_query(2 * kNanosPerSecond, q));
    EXPECT_EQ(q.action, OrderAction::kStatus);
    EXPECT_EQ(m.find(id)->status, OrderStatus::kUnknown);
    return q.client_order_id;
  }
};

TEST(Oms, AStatusAnswerStillPendingAtTheVenueAsksAgainLater) {
  Timed t;
  OrderCommand cancel;
  const std::uint32_t q = t.lose(cancel, false);
  ExecReport a = rep(ExecType::kOrderStatus, q, 0, static_cast<std::uint8_t>(OrderStatus::kPendingCancel));
  a.header.ts_local = 2 * kNanosPerSecond;
  EXPECT_EQ(t.m.on_report(a).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kUnknown);  // not settled
  OrderCommand again;
  EXPECT_FALSE(t.m.next_status_query(2 * kNanosPerSecond + 1, again));
  EXPECT_TRUE(t.m.next_status_query(3 * kNanosPerSecond, again));  // asked again one timeout later
  EXPECT_EQ(again.action, OrderAction::kStatus);
  // A garbage status is invalid and settles nothing either.
  ExecReport bad = rep(ExecType::kOrderStatus, again.client_order_id, 0, 200);
  EXPECT_EQ(t.m.on_report(bad).outcome, ReportOutcome::kInvalid);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kUnknown);
  // The venue's final word settles it; its cum qty differing from the OMS's fills is counted.
  ExecReport done = rep(ExecType::kOrderStatus, again.client_order_id, 0, static_cast<std::uint8_t>(OrderStatus::kFilled));
  done.cum_qty = qty("10");
  EXPECT_EQ(t.m.on_report(done).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kFilled);
  EXPECT_EQ(t.m.stats().cum_gaps, 1u);
}

TEST(Oms, AFillOnAnUnknownOrderWithALostCancelWaitsForTheCancelAgain) {
  Timed t;
  OrderCommand cancel;
  (void)t.lose(cancel, false);
  ExecReport f = fill(ExecType::kPartialFill, t.id, 5, "100", "4", "4");
  f.header.ts_local = 2 * kNanosPerSecond;
  EXPECT_EQ(t.m.on_report(f).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kPendingCancel);  // the cancel is still unanswered
  EXPECT_EQ(t.m.find(t.id)->cum, qty("4"));
  // Its late answer is still found and settles the order.
  EXPECT_EQ(t.m.on_report(rep(ExecType::kCanceled, cancel.client_order_id, 6)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kCanceled);
  EXPECT_EQ(t.m.open_orders(), 0);
}

TEST(Oms, AReplaceSettledByAStatusAnswerStillTakesItsLateReplacedAndFills) {
  Timed t;
  OrderCommand replace;
  const std::uint32_t q = t.lose(replace, true);
  EXPECT_EQ(t.m.on_report(rep(ExecType::kOrderStatus, q, 0, static_cast<std::uint8_t>(OrderStatus::kNew))).outcome,
            ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kNew);
  EXPECT_EQ(t.m.find(t.id)->price, px("100"));  // unknown whether it took effect: as before
  // The venue did apply it: the late Replaced and a fill naming the new id still find the order.
  EXPECT_EQ(t.m.on_report(rep(ExecType::kReplaced, replace.client_order_id, 7)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->price, px("101"));
  EXPECT_EQ(t.m.find(t.id)->current_id, replace.client_order_id);
  EXPECT_EQ(t.m.on_report(fill(ExecType::kFill, replace.client_order_id, 8, "101", "10", "10")).outcome,
            ReportOutcome::kApplied);
  EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kFilled);
}

TEST(Oms, AHostileFillQuantityNeitherOverflowsNorApplies) {
  Acked a;
  ExecReport f = fill(ExecType::kPartialFill, a.id, 2, "0.00000001", "1", "1");
  f.last_qty = Qty::from_raw(INT64_MAX);
  EXPECT_EQ(a.m.on_report(f).outcome, ReportOutcome::kInvalid);
  EXPECT_EQ(a.m.find(a.id)->cum, Qty{});
  ExecReport g = fill(ExecType::kPartialFill, a.id, 3, "100", "1", "1");
  g.fee = Notional::from_raw(INT64_MAX);
  EXPECT_EQ(a.m.on_report(g).outcome, ReportOutcome::kApplied);  // the fee fits once
  ExecReport h = fill(ExecType::kPartialFill, a.id, 4, "100", "1", "2");
  h.fee = Notional::from_raw(INT64_MAX);
  EXPECT_EQ(a.m.on_report(h).outcome, ReportOutcome::kInvalid);  // not twice
  EXPECT_EQ(a.m.find(a.id)->cum, qty("1"));
}

TEST(Oms, AReplaceAtOrBelowTheFilledQuantityIsRefused) {
  Acked a;
  ASSERT_EQ(a.m.on_report(fill(ExecType::kPartialFill, a.id, 2, "100", "4", "4")).outcome, ReportOutcome::kApplied);
  OrderCommand c;
  EXPECT_FALSE(a.m.make_replace(a.id, px("100"), qty("4"), c, 0));
  EXPECT_FALSE(a.m.make_replace(a.id, px("100"), qty("3"), c, 0));
  EXPECT_TRUE(a.m.make_replace(a.id, px("100"), qty("5"), c, 0));
}

// ---- Issue 11: the venue no longer knows an order; reconciliation ----

// keel's venue answers a status query for an order it has no record of with 150=I, 39=8.
TEST(Oms, Issue11StatusRejectedNeverAcknowledgedIsRejected) {
  // PendingNew (asked by a reconciliation) and Unknown from a lost new: never reached the venue.
  for (const bool timed_out : {false, true}) {
    OrderManager m(8, 1, kTimeout);
    OrderCommand c = new_limit(Side::kBuy, "100", "10");
    ASSERT_TRUE(m.add_new(c, 0, 0));
    OrderCommand q;
    if (timed_out) {
      ASSERT_TRUE(m.next_status_query(kTimeout, q));
      ASSERT_EQ(m.find(1)->status, OrderStatus::kUnknown);
    } else {
      m.begin_reconcile();
      ASSERT_TRUE(m.next_reconcile_query(10, q));
      ASSERT_EQ(m.find(1)->status, OrderStatus::kPendingNew);
    }
    EXPECT_EQ(q.orig_client_order_id, 1u);
    const auto r = m.on_report(rep(ExecType::kOrderStatus, 1, 0, static_cast<std::uint8_t>(OrderStatus::kRejected)));
    EXPECT_EQ(r.outcome, ReportOutcome::kApplied);
    EXPECT_EQ(m.find(1)->status, OrderStatus::kRejected) << timed_out;
    EXPECT_EQ(m.stats().lost_at_venue, 0u);
    EXPECT_EQ(m.stats().rejected, 1u);
    EXPECT_EQ(m.open_orders(), 0);
    EXPECT_EQ(m.awaiting_reconcile(), 0u);
  }
}

TEST(Oms, Issue11StatusRejectedAfterAnAckIsCanceledAndCountedLost) {
  struct Case {
    const char* name;
    int setup;  // 0 New, 1 PartiallyFilled, 2 PendingCancel (lost cancel), 3 Unknown from a lost replace
  };
  for (const Case k : {Case{"new", 0}, Case{"partial", 1}, Case{"pending cancel", 2}, Case{"unknown", 3}}) {
    Timed t;
    OrderCommand x;
    if (k.setup == 1) {
      ASSERT_EQ(t.m.on_report(fill(ExecType::kPartialFill, t.id, 2, "100", "4", "4")).outcome, ReportOutcome::kApplied);
    } else if (k.setup == 2) {
      ASSERT_TRUE(t.m.make_cancel(t.id, x, 0));
    } else if (k.setup == 3) {
      EXPECT_NE(t.lose(x, true), 0u);
    }
    OrderCommand q;
    t.m.begin_reconcile();
    ASSERT_TRUE(t.m.next_reconcile_query(2 * kNanosPerSecond, q)) << k.name;
    EXPECT_FALSE(t.m.next_reconcile_query(2 * kNanosPerSecond, q));
    EXPECT_EQ(t.m.awaiting_reconcile(), 1u);
    const auto r = t.m.on_report(rep(ExecType::kOrderStatus, t.m.find(t.id)->current_id, 0,
                                     static_cast<std::uint8_t>(OrderStatus::kRejected)));
    EXPECT_EQ(r.outcome, ReportOutcome::kApplied) << k.name;
    EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kCanceled) << k.name;
    EXPECT_EQ(t.m.stats().lost_at_venue, 1u) << k.name;
    EXPECT_EQ(t.m.stats().rejected, 0u) << k.name;
    EXPECT_EQ(t.m.open_orders(), 0) << k.name;
    EXPECT_EQ(t.m.working(0, Side::kBuy), Qty{}) << k.name;
    EXPECT_EQ(t.m.awaiting_reconcile(), 0u) << k.name;
    // A late fill the venue did send still applies (fills are facts), the order stays Canceled.
    if (k.setup == 0) {
      const auto late = t.m.on_report(fill(ExecType::kFill, t.id, 9, "100", "10", "10"));
      EXPECT_TRUE(late.fill);
      EXPECT_EQ(t.m.find(t.id)->status, OrderStatus::kCanceled);
    }
  }
}

TEST(Oms, Issue11ReconciliationQueriesEveryLiveOrderAndCountsTheAwaiting) {
  OrderManager m(8, 1, kNanosPerSecond);
  OrderCommand a = new_limit(Side::kBuy, "100", "1"), b = a, c = a, d = a;
  ASSERT_TRUE(m.add_new(a, 0, 0));  // 1: New
  ASSERT_TRUE(m.add_new(b, 0, 0));  // 2: PendingNew
  ASSERT_TRUE(m.add_new(c, 0, 0));  // 3: Filled (not asked)
  ASSERT_TRUE(m.add_new(d, 0, 0));  // 4: PendingCancel
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 1, 1)).outcome, ReportOutcome::kApplied);
  ASSERT_EQ(m.on_report(fill(ExecType::kFill, 3, 2, "100", "1", "1")).outcome, ReportOutcome::kApplied);
  ASSERT_EQ(m.on_report(rep(ExecType::kNew, 4, 3)).outcome, ReportOutcome::kApplied);
  OrderCommand cancel;
  ASSERT_TRUE(m.make_cancel(4, cancel, 0));
  m.begin_reconcile();
  std::vector<std::uint32_t> asked;
  OrderCommand q;
  while (m.next_reconcile_query(100, q)) {
    EXPECT_EQ(q.action, OrderAction::kStatus);
    asked.push_back(q.orig_client_order_id);
  }
  EXPECT_EQ(asked, (std::vector<std::uint32_t>{1, 2, 4}));
  EXPECT_EQ(m.awaiting_reconcile(), 3u);
  EXPECT_EQ(m.stats().reconcile_queries, 3u);
  // Not settling: the venue says the order is still pending there.
  (void)m.on_report(rep(ExecType::kOrderStatus, 2, 0, static_cast<std::uint8_t>(OrderStatus::kPendingNew)));
  EXPECT_EQ(m.awaiting_reconcile(), 3u);
  // Settled by a status answer: New. The pending cancel left before the query: the answer settles it
  // (the request is never resent).
  (void)m.on_report(rep(ExecType::kOrderStatus, 4, 0, static_cast<std::uint8_t>(OrderStatus::kNew)));
  EXPECT_EQ(m.find(4)->status, OrderStatus::kNew);
  EXPECT_EQ(m.find(4)->pending, OrderAction::kNone);
  EXPECT_EQ(m.awaiting_reconcile(), 2u);
  // Ended by another report.
  ASSERT_EQ(m.on_report(rep(ExecType::kCanceled, 1, 4)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(m.awaiting_reconcile(), 1u);
  // An unanswered query times out like any request: Unknown, asked again, still awaiting.
  ASSERT_TRUE(m.next_status_query(100 + kNanosPerSecond, q));
  EXPECT_EQ(q.orig_client_order_id, 2u);
  EXPECT_EQ(m.find(2)->status, OrderStatus::kUnknown);
  EXPECT_EQ(m.awaiting_reconcile(), 1u);
  (void)m.on_report(rep(ExecType::kOrderStatus, 2, 0, static_cast<std::uint8_t>(OrderStatus::kNew)));
  EXPECT_EQ(m.find(2)->status, OrderStatus::kNew);
  EXPECT_EQ(m.awaiting_reconcile(), 0u);
  // for_each_live and slots(): the same live orders.
  std::vector<std::uint32_t> live;
  m.for_each_live([&](const OmsOrder& o) { live.push_back(o.order_id); });
  EXPECT_EQ(live, (std::vector<std::uint32_t>{2, 4}));
  std::size_t n = 0;
  for (const OmsOrder& o : m.slots()) n += o.live() ? 1 : 0;
  EXPECT_EQ(n, 2u);
}

// A cancel made after a status query left is still in flight when the answer comes: the answer
// does not settle it; the cancel's own answer does.
TEST(Oms, Issue11AStatusAnswerDoesNotSettleARequestMadeAfterItsQuery) {
  Acked a;
  OrderCommand q;
  a.m.begin_reconcile();
  ASSERT_TRUE(a.m.next_reconcile_query(5, q));
  OrderCommand cancel;
  ASSERT_TRUE(a.m.make_cancel(a.id, cancel, 6));
  ASSERT_GT(cancel.client_order_id, q.client_order_id);
  EXPECT_EQ(a.m.on_report(rep(ExecType::kOrderStatus, a.id, 0, static_cast<std::uint8_t>(OrderStatus::kNew))).outcome,
            ReportOutcome::kApplied);
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kPendingCancel);
  EXPECT_EQ(a.m.find(a.id)->pending, OrderAction::kCancel);
  EXPECT_EQ(a.m.awaiting_reconcile(), 0u);  // the venue's word on the order arrived
  EXPECT_EQ(a.m.on_report(rep(ExecType::kCanceled, cancel.client_order_id, 2)).outcome, ReportOutcome::kApplied);
  EXPECT_EQ(a.m.find(a.id)->status, OrderStatus::kCanceled);
}
