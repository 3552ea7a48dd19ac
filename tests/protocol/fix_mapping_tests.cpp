// keel::protocol::fix mapping (fix_mapping.hpp): every core enum ⇄ its FIX code, and the conversions
// between the protocol's Fix* messages and the core's ExecReport / OrderCommand, in both directions.
#include "keel/protocol/fix/fix_mapping.hpp"

#include <gtest/gtest.h>

#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/fix_mass_status.hpp"

#include <string>
#include <string_view>

namespace keel::protocol::fix {
namespace {

std::string_view one(char c, char (&buf)[2]) {
  buf[0] = c;
  return {buf, 1};
}

TEST(FixMapping, EnumCodesRoundTrip) {
  char b[2];
  for (Side v : {Side::kBuy, Side::kSell}) EXPECT_EQ(decode_side(one(fix_side(v), b)), v);
  for (OrderType v : {OrderType::kMarket, OrderType::kLimit, OrderType::kStopLoss, OrderType::kTakeProfit})
    EXPECT_EQ(decode_ord_type(one(fix_ord_type(v), b)), v);
  for (TimeInForce v : {TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok})
    EXPECT_EQ(decode_time_in_force(one(fix_time_in_force(v), b)), v);
  for (std::uint8_t i = 1; i <= kMaxOrderStatus; ++i) {
    const auto v = static_cast<OrderStatus>(i);
    if (v == OrderStatus::kUnknown) continue;
    EXPECT_EQ(decode_ord_status(one(fix_ord_status(v), b)), v) << static_cast<int>(i);
  }
  for (std::uint8_t i = 1; i <= kMaxExecType; ++i) {
    const auto v = static_cast<ExecType>(i);
    if (v == ExecType::kCancelRejected) continue;
    EXPECT_EQ(decode_exec_type(one(fix_exec_type(v), b), v == ExecType::kFill), v) << static_cast<int>(i);
  }
  for (OrderAction v : {OrderAction::kCancel, OrderAction::kReplace})
    EXPECT_EQ(decode_cxl_rej_response_to(one(fix_cxl_rej_response_to(v), b)), v);
}

TEST(FixMapping, WireCodes) {
  EXPECT_EQ(fix_side(Side::kBuy), '1');
  EXPECT_EQ(fix_ord_type(OrderType::kLimit), '2');
  EXPECT_EQ(fix_time_in_force(TimeInForce::kIoc), '3');
  EXPECT_EQ(fix_exec_type(ExecType::kPartialFill), 'F');
  EXPECT_EQ(fix_exec_type(ExecType::kFill), 'F');
  EXPECT_EQ(fix_exec_type(ExecType::kReplaced), '5');
  EXPECT_EQ(fix_exec_type(ExecType::kCancelRejected), '\0');  // MsgType 9, not a 150
  EXPECT_EQ(fix_ord_status(OrderStatus::kPartiallyFilled), '1');
  EXPECT_EQ(fix_ord_status(OrderStatus::kUnknown), '\0');
  EXPECT_EQ(fix_cxl_rej_response_to(OrderAction::kNew), '\0');
  // 103
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::kUnknownSymbol), 1);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::kDuplicateClOrdId), 6);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::kQtyOffLot), 13);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::kPriceOffTick), 18);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::kPostOnlyWouldCross), 99);
  // 102: the refused replace is 99 (other), never 2 (issue 8).
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kTooLate), 0);
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kUnknownOrder), 1);
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kDuplicateClOrdId), 6);
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kPriceOffTick), 2);  // VENUE.md: 102=2
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kPostOnlyWouldCross), 2);
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::kNone), -1);
  // Unknown wire values decode to kNone.
  EXPECT_EQ(decode_side("3"), Side::kNone);
  EXPECT_EQ(decode_side("11"), Side::kNone);
  EXPECT_EQ(decode_side(""), Side::kNone);
  EXPECT_EQ(decode_ord_type("K"), OrderType::kNone);
  EXPECT_EQ(decode_exec_type("Z", true), ExecType::kNone);
  EXPECT_EQ(decode_ord_status("9"), OrderStatus::kNone);
}

TEST(FixMapping, RejectReasonsRoundTripThroughTextAndCode) {
  for (std::uint8_t i = 1; i <= kMaxRejectReason; ++i) {
    const auto r = static_cast<RejectReason>(i);
    // keel's venue writes Text (58) = to_string(reason): exact.
    EXPECT_EQ(decode_ord_rej_reason(fix_ord_rej_reason(r), to_string(r)), r) << to_string(r);
    EXPECT_EQ(decode_cxl_rej_reason(fix_cxl_rej_reason(r), to_string(r)), r) << to_string(r);
    // Another venue's text: the code's canonical reason, never kNone for a code we write.
    EXPECT_NE(decode_ord_rej_reason(fix_ord_rej_reason(r), "some broker text"), RejectReason::kNone);
    EXPECT_NE(decode_cxl_rej_reason(fix_cxl_rej_reason(r), ""), RejectReason::kNone);
  }
  EXPECT_EQ(decode_cxl_rej_reason(1, ""), RejectReason::kUnknownOrder);
  EXPECT_EQ(decode_cxl_rej_reason(0, ""), RejectReason::kTooLate);
  EXPECT_EQ(decode_ord_rej_reason(12345, "?"), RejectReason::kNone);
}

class FixReportMapping : public ::testing::Test {
 protected:
  ClOrdIdCodec ids{ClOrdIdCodec::run_id(0x1234, 42)};
  ReportContext ctx{7, 1'000, 2'000};

  FixExecReport fill(std::string_view exec_id, Qty leaves) const {
    FixExecReport r;
    (void)r.cl_ord_id.assign(ids.format(17).view());
    (void)r.exec_id.assign(exec_id);
    (void)r.order_id.assign("99");
    r.side = Side::kBuy;
    r.exec_type = leaves.is_zero() ? ExecType::kFill : ExecType::kPartialFill;
    r.ord_status = leaves.is_zero() ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    r.cum_qty = Qty::parse("1.5").value();
    r.leaves_qty = leaves;
    r.last_px = Price::parse("101.25").value();
    r.last_qty = Qty::parse("0.5").value();
    return r;
  }
};

TEST_F(FixReportMapping, FillBecomesExecReport) {
  const auto x = to_exec_report(fill("42", Qty::parse("2").value()), ids, ctx);
  ASSERT_TRUE(x.ok());
  const ExecReport& e = x.value();
  EXPECT_EQ(e.header.kind, EventKind::kExecReport);
  EXPECT_EQ(e.header.instrument, 7u);
  EXPECT_EQ(e.header.ts_exchange, 1'000);
  EXPECT_EQ(e.header.ts_local, 2'000);
  EXPECT_EQ(e.header.subtype, static_cast<std::uint8_t>(ExecType::kPartialFill));
  EXPECT_EQ(e.header.detail, static_cast<std::uint8_t>(OrderStatus::kPartiallyFilled));
  EXPECT_EQ(e.client_order_id, 17u);
  EXPECT_EQ(e.exec_id, 42u);
  EXPECT_EQ(e.last_price, Price::parse("101.25").value());
  EXPECT_EQ(e.last_qty, Qty::parse("0.5").value());
  EXPECT_EQ(e.cum_qty, Qty::parse("1.5").value());
  EXPECT_TRUE(e.fee.is_zero());
}

TEST_F(FixReportMapping, RejectCarriesReasonInDetail) {
  FixExecReport r = fill("3", Qty{});
  r.exec_type = ExecType::kRejected;
  r.ord_status = OrderStatus::kRejected;
  r.reject_reason = RejectReason::kPriceOffTick;
  const auto x = to_exec_report(r, ids, ctx);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.value().header.subtype, static_cast<std::uint8_t>(ExecType::kRejected));
  EXPECT_EQ(x.value().header.detail, static_cast<std::uint8_t>(RejectReason::kPriceOffTick));
  EXPECT_TRUE(x.value().last_qty.is_zero());
}

TEST_F(FixReportMapping, StatusAnswerMayHaveTextExecId) {
  FixExecReport r = fill("S1", Qty::parse("1").value());
  r.exec_type = ExecType::kOrderStatus;
  const auto x = to_exec_report(r, ids, ctx);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.value().exec_id, 0u);
}

TEST_F(FixReportMapping, AFillIsNeverRefusedForItsExecIdFormat) {
  // Alphanumeric and 64-bit trade ids: a stable key with the top bit set, distinct per text.
  const auto a = to_exec_report(fill("T-1f9c", Qty{}), ids, ctx);
  const auto b = to_exec_report(fill("4294967296", Qty{}), ids, ctx);
  const auto c = to_exec_report(fill("4294967297", Qty{}), ids, ctx);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_GE(a.value().exec_id, 0x80000000u);
  EXPECT_GE(b.value().exec_id, 0x80000000u);
  EXPECT_NE(b.value().exec_id, c.value().exec_id);
  EXPECT_EQ(to_exec_report(fill("T-1f9c", Qty{}), ids, ctx).value().exec_id, a.value().exec_id);
  EXPECT_EQ(to_exec_report(fill("42", Qty{}), ids, ctx).value().exec_id, 42u);  // numbers stay numbers
}

TEST_F(FixReportMapping, BadReportsAreErrors) {
  FixExecReport other_run = fill("1", Qty{});
  (void)other_run.cl_ord_id.assign("Kdeadbeef17");
  EXPECT_EQ(to_exec_report(other_run, ids, ctx).error(), Errc::kUnknownSymbol);
  EXPECT_EQ(to_exec_report(fill("", Qty{}), ids, ctx).error(), Errc::kGarbage);  // a fill needs an ExecID
  FixExecReport no_type = fill("1", Qty{});
  no_type.exec_type = ExecType::kNone;
  EXPECT_EQ(to_exec_report(no_type, ids, ctx).error(), Errc::kGarbage);
  FixExecReport no_status = fill("1", Qty{});
  no_status.ord_status = OrderStatus::kNone;
  EXPECT_EQ(to_exec_report(no_status, ids, ctx).error(), Errc::kGarbage);
}

TEST_F(FixReportMapping, CancelRejectBecomesExecReport) {
  FixCancelReject r;
  (void)r.cl_ord_id.assign(ids.format(21).view());
  (void)r.orig_cl_ord_id.assign(ids.format(20).view());
  r.ord_status = OrderStatus::kNew;
  r.response_to = OrderAction::kReplace;
  r.reason = RejectReason::kPostOnlyWouldCross;
  const auto x = to_exec_report(r, ids, ctx);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.value().header.subtype, static_cast<std::uint8_t>(ExecType::kCancelRejected));
  EXPECT_EQ(x.value().header.detail, static_cast<std::uint8_t>(RejectReason::kPostOnlyWouldCross));
  EXPECT_EQ(x.value().client_order_id, 21u);
  (void)r.cl_ord_id.assign("nope");
  EXPECT_EQ(to_exec_report(r, ids, ctx).error(), Errc::kUnknownSymbol);
}

OrderCommand command(OrderAction action) {
  OrderCommand c{};
  c.action = action;
  c.client_order_id = 5;
  c.orig_client_order_id = action == OrderAction::kNew ? 0 : 4;
  c.side = Side::kSell;
  c.type = OrderType::kLimit;
  c.tif = TimeInForce::kIoc;
  c.price = Price::parse("250.5").value();
  c.qty = Qty::parse("0.01").value();
  c.post_only = 1;
  return c;
}

TEST_F(FixReportMapping, OrderCommandsBecomeFixRequests) {
  const auto n = to_fix_new_order(command(OrderAction::kNew), ids, "BTCUSDT", 123);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(ids.parse(n.value().cl_ord_id.view()), 5u);
  EXPECT_EQ(n.value().symbol.view(), "BTCUSDT");
  EXPECT_EQ(n.value().side, Side::kSell);
  EXPECT_EQ(n.value().ord_type, OrderType::kLimit);
  EXPECT_EQ(n.value().time_in_force, TimeInForce::kIoc);
  EXPECT_EQ(n.value().price, Price::parse("250.5").value());
  EXPECT_EQ(n.value().qty, Qty::parse("0.01").value());
  EXPECT_TRUE(n.value().post_only);
  EXPECT_EQ(n.value().transact_time_ns, 123);

  const auto c = to_fix_cancel(command(OrderAction::kCancel), ids, "BTCUSDT");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ids.parse(c.value().cl_ord_id.view()), 5u);
  EXPECT_EQ(ids.parse(c.value().orig_cl_ord_id.view()), 4u);
  EXPECT_EQ(c.value().side, Side::kSell);

  OrderCommand market = command(OrderAction::kReplace);
  market.type = OrderType::kMarket;
  const auto g = to_fix_replace(market, ids, "ETHUSDT");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(ids.parse(g.value().orig_cl_ord_id.view()), 4u);
  EXPECT_EQ(g.value().ord_type, OrderType::kMarket);
  EXPECT_TRUE(g.value().price.is_zero());  // a market order carries no price

  // The OMS's status query: FIX H names the order (its current id), not the query.
  const auto h = to_fix_status_request(command(OrderAction::kStatus), ids, "BTCUSDT");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(ids.parse(h.value().cl_ord_id.view()), 4u);
  EXPECT_EQ(h.value().side, Side::kSell);
  EXPECT_EQ(to_fix_status_request(command(OrderAction::kNew), ids, "BTCUSDT").error(), Errc::kInvalidArgument);
}

TEST_F(FixReportMapping, BadCommandsAreErrors) {
  EXPECT_EQ(to_fix_new_order(command(OrderAction::kCancel), ids, "BTCUSDT", 0).error(), Errc::kInvalidArgument);
  EXPECT_EQ(to_fix_cancel(command(OrderAction::kNew), ids, "BTCUSDT").error(), Errc::kInvalidArgument);
  EXPECT_EQ(to_fix_new_order(command(OrderAction::kNew), ids, "", 0).error(), Errc::kInvalidArgument);
  EXPECT_EQ(to_fix_new_order(command(OrderAction::kNew), ids, std::string(40, 'X'), 0).error(),
            Errc::kInvalidArgument);
  OrderCommand no_side = command(OrderAction::kNew);
  no_side.side = Side::kNone;
  EXPECT_EQ(to_fix_new_order(no_side, ids, "BTCUSDT", 0).error(), Errc::kInvalidArgument);
  OrderCommand no_tif = command(OrderAction::kNew);
  no_tif.tif = TimeInForce::kNone;
  EXPECT_EQ(to_fix_new_order(no_tif, ids, "BTCUSDT", 0).error(), Errc::kInvalidArgument);
  OrderCommand no_seq = command(OrderAction::kNew);
  no_seq.client_order_id = 0;
  EXPECT_EQ(to_fix_new_order(no_seq, ids, "BTCUSDT", 0).error(), Errc::kInvalidArgument);
  OrderCommand no_orig = command(OrderAction::kReplace);
  no_orig.orig_client_order_id = 0;
  EXPECT_EQ(to_fix_replace(no_orig, ids, "BTCUSDT").error(), Errc::kInvalidArgument);
}

// Core → FIX → core: the sequence survives the ClOrdID text both ways.
TEST_F(FixReportMapping, ClOrdIdRoundTrip) {
  for (std::uint32_t seq : {1u, 17u, 4'294'967'295u}) {
    OrderCommand c = command(OrderAction::kNew);
    c.client_order_id = seq;
    const auto n = to_fix_new_order(c, ids, "BTCUSDT", 0);
    ASSERT_TRUE(n.ok());
    FixExecReport ack;
    ack.cl_ord_id = n.value().cl_ord_id;
    (void)ack.exec_id.assign("1");
    ack.exec_type = ExecType::kNew;
    ack.ord_status = OrderStatus::kNew;
    const auto x = to_exec_report(ack, ids, ctx);
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(x.value().client_order_id, seq);
  }
}

TEST(FixMessages, UtcTimestamp) {
  EXPECT_EQ(parse_fix_utc_timestamp("19700101-00:00:00").value(), 0);
  EXPECT_EQ(parse_fix_utc_timestamp("20240229-23:59:59.123456789").value(),
            1'709'251'199'123'456'789);
  EXPECT_FALSE(parse_fix_utc_timestamp("20230229-00:00:00").ok());
  EXPECT_FALSE(parse_fix_utc_timestamp("20240101-00:00:00.").ok());
  EXPECT_FALSE(parse_fix_utc_timestamp("20240101 00:00:00").ok());
}

// OrderMassStatusRequest (AF): encode → decode round trip, and the answers to what it refuses.
FIX::Message af(const char* id, const char* type) {
  FIX::Message m;
  m.getHeader().setField(35, "AF");
  m.getHeader().setField(34, "7");
  if (id != nullptr) m.setField(584, id);
  if (type != nullptr) m.setField(585, type);
  return m;
}

TEST(FixMassStatus, RoundTrip) {
  FixMassStatusRequest r;
  (void)r.mass_status_req_id.assign("logon-42");
  r.req_type = kMassStatusReqTypeAllOrders;
  const FIX::Message m = encode(r);
  EXPECT_EQ(m.getHeader().getField(35), "AF");
  EXPECT_EQ(m.getField(584), "logon-42");
  EXPECT_EQ(m.getField(585), "7");
  FixMassStatusRequest back;
  EXPECT_FALSE(decode(m, "ALICE", back));
  EXPECT_EQ(back.session.view(), "ALICE");
  EXPECT_EQ(back.mass_status_req_id.view(), "logon-42");
  EXPECT_EQ(back.req_type, 7);
}

TEST(FixMassStatus, RefusalsAreSessionOrBusinessRejects) {
  FixMassStatusRequest out;
  const DecodeError missing_id = decode(af(nullptr, "7"), "ALICE", out);
  EXPECT_EQ(missing_id.kind, DecodeError::Kind::kSessionReject);
  EXPECT_EQ(missing_id.ref_tag, 584);
  EXPECT_EQ(missing_id.reason, kRejectRequiredTagMissing);
  const DecodeError long_id = decode(af(std::string(37, 'x').c_str(), "7"), "ALICE", out);
  EXPECT_EQ(long_id.kind, DecodeError::Kind::kSessionReject);
  EXPECT_EQ(long_id.reason, kRejectValueIncorrect);
  const DecodeError missing_type = decode(af("r1", nullptr), "ALICE", out);
  EXPECT_EQ(missing_type.ref_tag, 585);
  EXPECT_EQ(missing_type.reason, kRejectRequiredTagMissing);
  for (const char* bad : {"", "x", "7x", "-7", "+7", "99999999999"}) {
    const DecodeError e = decode(af("r1", bad), "ALICE", out);
    EXPECT_EQ(e.kind, DecodeError::Kind::kSessionReject) << bad;
    EXPECT_EQ(e.reason, kRejectIncorrectDataFormat) << bad;
  }
  for (const char* other : {"1", "2", "3", "8", "0"}) {
    const DecodeError e = decode(af("r1", other), "ALICE", out);
    EXPECT_EQ(e.kind, DecodeError::Kind::kBusinessReject) << other;
    EXPECT_EQ(e.reason, kBusinessRejectOther) << other;
    const FIX::Message j = make_reject(af("r1", other), e);
    EXPECT_EQ(j.getHeader().getField(35), "j");
    EXPECT_EQ(j.getField(372), "AF");
    EXPECT_EQ(j.getField(45), "7");
  }
}

TEST(FixMassStatus, ExecReportCarries584And911And912OnlyForAnAnswer) {
  FixExecReport x;
  (void)x.order_id.assign("5");
  (void)x.exec_id.assign("S1");
  (void)x.cl_ord_id.assign("A1");
  (void)x.symbol.assign("BTCUSDT");
  x.side = Side::kSell;
  x.exec_type = ExecType::kOrderStatus;
  x.ord_status = OrderStatus::kNew;
  EXPECT_FALSE(encode(x).isSetField(584));
  EXPECT_FALSE(encode(x).isSetField(911));
  EXPECT_FALSE(encode(x).isSetField(912));
  (void)x.mass_status_req_id.assign("r1");
  x.tot_num_reports = 3;
  const FIX::Message m = encode(x);
  EXPECT_EQ(m.getField(584), "r1");
  EXPECT_EQ(m.getField(911), "3");
  EXPECT_EQ(m.getField(912), "N");
  EXPECT_EQ(m.getField(150), "I");
  EXPECT_EQ(m.getField(54), "2");
  x.last_rpt_requested = true;
  EXPECT_EQ(encode(x).getField(912), "Y");
  x.tot_num_reports = 0;
  EXPECT_EQ(encode(x).getField(911), "0");
}

}  // namespace
}  // namespace keel::protocol::fix
