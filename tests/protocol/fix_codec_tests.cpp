// The FIX codec, both sides of a connection, through real wire bytes: every request the gateway's
// router encodes is decoded by the venue's decoder to the same values, and every report the venue
// encodes is decoded by the router's decoder to the same values. Malformed reports name the tag.
#include <gtest/gtest.h>

#include <string>

#include "keel/protocol/fix/fix_codec.hpp"

using namespace keel;
using namespace keel::protocol::fix;

namespace {

constexpr std::int64_t kTime = 1'767'225'600'123'456'000;  // 2026-01-01 00:00:00.123456 UTC

// The message as it would cross the wire: header completed, serialised, parsed back.
FIX::Message over_the_wire(FIX::Message m) {
  FIX::Header& h = m.getHeader();
  h.setField(8, "FIX.4.4");
  h.setField(49, "SENDER");
  h.setField(56, "TARGET");
  h.setField(34, "7");
  h.setField(52, "20260101-00:00:00.000");
  return FIX::Message(m.toString(), false);
}

template <std::size_t N>
FixText<N> text(std::string_view s) {
  FixText<N> t;
  EXPECT_TRUE(t.assign(s));
  return t;
}

FixExecReport sample_report(ExecType type) {
  FixExecReport r;
  r.session = text<32>("ALICE");
  r.order_id = text<36>("42");
  r.exec_id = text<36>("1001");
  r.cl_ord_id = text<36>("K0000abcd7");
  r.symbol = text<32>("BTCUSDT");
  r.side = Side::kSell;
  r.exec_type = type;
  r.ord_status = OrderStatus::kPartiallyFilled;
  r.cum_qty = Qty::from_raw(150'000'000);
  r.leaves_qty = Qty::from_raw(50'000'000);
  r.avg_px = Price::from_raw(6'543'210'000'000);
  if (type == ExecType::kPartialFill || type == ExecType::kFill) {
    r.last_px = Price::from_raw(6'543'200'000'000);
    r.last_qty = Qty::from_raw(25'000'000);
  }
  if (type == ExecType::kFill) {
    r.ord_status = OrderStatus::kFilled;
    r.leaves_qty = Qty{};
  }
  r.transact_time_ns = kTime;
  return r;
}

void expect_same(const FixExecReport& a, const FixExecReport& b) {
  EXPECT_EQ(a.order_id.view(), b.order_id.view());
  EXPECT_EQ(a.exec_id.view(), b.exec_id.view());
  EXPECT_EQ(a.cl_ord_id.view(), b.cl_ord_id.view());
  EXPECT_EQ(a.orig_cl_ord_id.view(), b.orig_cl_ord_id.view());
  EXPECT_EQ(a.symbol.view(), b.symbol.view());
  EXPECT_EQ(a.side, b.side);
  EXPECT_EQ(a.exec_type, b.exec_type);
  EXPECT_EQ(a.ord_status, b.ord_status);
  EXPECT_EQ(a.cum_qty, b.cum_qty);
  EXPECT_EQ(a.leaves_qty, b.leaves_qty);
  EXPECT_EQ(a.avg_px, b.avg_px);
  EXPECT_EQ(a.last_px, b.last_px);
  EXPECT_EQ(a.last_qty, b.last_qty);
  EXPECT_EQ(a.reject_reason, b.reject_reason);
  EXPECT_EQ(a.text.view(), b.text.view());
  EXPECT_EQ(a.transact_time_ns / 1000, b.transact_time_ns / 1000);  // microseconds on the wire
}

}  // namespace

TEST(FixCodecInitiator, NewOrderSingleReachesTheVenueUnchanged) {
  FixNewOrder o;
  o.cl_ord_id = text<36>("K0000abcd1");
  o.account = text<32>("ACC-1");
  o.symbol = text<32>("ETHUSDT");
  o.side = Side::kBuy;
  o.qty = Qty::from_raw(123'456'789);
  o.ord_type = OrderType::kLimit;
  o.price = Price::from_raw(345'678'000'000);
  o.time_in_force = TimeInForce::kGtc;
  o.post_only = true;
  o.transact_time_ns = kTime;
  FixNewOrder back;
  ASSERT_FALSE(decode(over_the_wire(encode(o)), "ALICE", back));
  EXPECT_EQ(back.session.view(), "ALICE");
  EXPECT_EQ(back.cl_ord_id.view(), o.cl_ord_id.view());
  EXPECT_EQ(back.account.view(), o.account.view());
  EXPECT_EQ(back.symbol.view(), o.symbol.view());
  EXPECT_EQ(back.side, o.side);
  EXPECT_EQ(back.qty, o.qty);
  EXPECT_EQ(back.ord_type, o.ord_type);
  EXPECT_EQ(back.price, o.price);
  EXPECT_EQ(back.time_in_force, o.time_in_force);
  EXPECT_TRUE(back.post_only);
  EXPECT_EQ(back.transact_time_ns, kTime);  // a whole number of microseconds survives exactly

  o.ord_type = OrderType::kMarket;
  o.time_in_force = TimeInForce::kIoc;
  o.post_only = false;
  o.account = {};
  const FIX::Message wire = over_the_wire(encode(o));
  EXPECT_FALSE(wire.isSetField(44)) << "a market order carries no price";
  EXPECT_FALSE(wire.isSetField(1));
  EXPECT_FALSE(wire.isSetField(18));
  ASSERT_FALSE(decode(wire, "ALICE", back));
  EXPECT_EQ(back.ord_type, OrderType::kMarket);
  EXPECT_EQ(back.time_in_force, TimeInForce::kIoc);
  EXPECT_EQ(back.price, Price{});
  EXPECT_FALSE(back.post_only);
}

TEST(FixCodecInitiator, CancelReplaceAndStatusReachTheVenueUnchanged) {
  FixCancel c;
  c.cl_ord_id = text<36>("K0000abcd2");
  c.orig_cl_ord_id = text<36>("K0000abcd1");
  c.symbol = text<32>("BTCUSDT");
  c.side = Side::kSell;
  FixCancel c2;
  ASSERT_FALSE(decode(over_the_wire(encode(c)), "ALICE", c2));
  EXPECT_EQ(c2.cl_ord_id.view(), c.cl_ord_id.view());
  EXPECT_EQ(c2.orig_cl_ord_id.view(), c.orig_cl_ord_id.view());
  EXPECT_EQ(c2.symbol.view(), c.symbol.view());
  EXPECT_EQ(c2.side, c.side);

  FixReplace g;
  g.cl_ord_id = text<36>("K0000abcd3");
  g.orig_cl_ord_id = text<36>("K0000abcd1");
  g.symbol = text<32>("BTCUSDT");
  g.side = Side::kBuy;
  g.qty = Qty::from_raw(7);
  g.ord_type = OrderType::kLimit;
  g.price = Price::from_raw(99'990'000'000);
  FixReplace g2;
  ASSERT_FALSE(decode(over_the_wire(encode(g)), "ALICE", g2));
  EXPECT_EQ(g2.cl_ord_id.view(), g.cl_ord_id.view());
  EXPECT_EQ(g2.orig_cl_ord_id.view(), g.orig_cl_ord_id.view());
  EXPECT_EQ(g2.qty, g.qty);
  EXPECT_EQ(g2.price, g.price);
  EXPECT_EQ(g2.ord_type, g.ord_type);

  FixStatusRequest h;
  h.cl_ord_id = text<36>("K0000abcd3");
  h.symbol = text<32>("BTCUSDT");
  h.side = Side::kBuy;
  FixStatusRequest h2;
  ASSERT_FALSE(decode(over_the_wire(encode(h)), "ALICE", h2));
  EXPECT_EQ(h2.cl_ord_id.view(), h.cl_ord_id.view());
  EXPECT_EQ(h2.symbol.view(), h.symbol.view());
  EXPECT_EQ(h2.side, h.side);
}

TEST(FixCodecInitiator, EveryExecutionReportTheVenueWritesDecodesUnchanged) {
  for (const ExecType type : {ExecType::kNew, ExecType::kPartialFill, ExecType::kFill, ExecType::kCanceled,
                              ExecType::kReplaced, ExecType::kRejected, ExecType::kExpired, ExecType::kOrderStatus}) {
    SCOPED_TRACE(static_cast<int>(type));
    FixExecReport r = sample_report(type);
    if (type == ExecType::kReplaced) r.orig_cl_ord_id = text<36>("K0000abcd1");
    if (type == ExecType::kRejected) {
      r.ord_status = OrderStatus::kRejected;
      r.cum_qty = Qty{};
      r.leaves_qty = Qty{};
      r.avg_px = Price{};
      r.reject_reason = RejectReason::kPriceOffTick;
      r.text.assign_truncated(to_string(RejectReason::kPriceOffTick));
    }
    FixExecReport back;
    const DecodeError e = decode(over_the_wire(encode(r)), "KEELSIM", back);
    ASSERT_FALSE(e) << e.ref_tag << " " << e.text;
    EXPECT_EQ(back.session.view(), "KEELSIM");
    expect_same(r, back);
  }
}

TEST(FixCodecInitiator, CancelRejectDecodesUnchanged) {
  FixCancelReject r;
  r.order_id = text<36>("42");
  r.cl_ord_id = text<36>("K0000abcd9");
  r.orig_cl_ord_id = text<36>("K0000abcd1");
  r.ord_status = OrderStatus::kFilled;
  r.response_to = OrderAction::kReplace;
  r.reason = RejectReason::kTooLate;
  r.text.assign_truncated("too late");
  FixCancelReject back;
  ASSERT_FALSE(decode(over_the_wire(encode(r)), "KEELSIM", back));
  EXPECT_EQ(back.order_id.view(), "42");
  EXPECT_EQ(back.cl_ord_id.view(), r.cl_ord_id.view());
  EXPECT_EQ(back.orig_cl_ord_id.view(), r.orig_cl_ord_id.view());
  EXPECT_EQ(back.ord_status, r.ord_status);
  EXPECT_EQ(back.response_to, r.response_to);
  EXPECT_EQ(back.reason, RejectReason::kTooLate);

  r.reason = RejectReason::kNone;  // 102 not written
  r.text = {};
  ASSERT_FALSE(decode(over_the_wire(encode(r)), "KEELSIM", back));
  EXPECT_EQ(back.reason, RejectReason::kNone);
}

TEST(FixCodecInitiator, RejectNoticesNameTheRequestTheyRefuse) {
  FIX::Message request = encode(FixStatusRequest{});
  request.getHeader().setField(34, "17");
  FixRejectNotice n;
  ASSERT_FALSE(decode(over_the_wire(make_reject(request, {DecodeError::Kind::kSessionReject, 55, 5, "Unknown Symbol"})), n));
  EXPECT_FALSE(n.business);
  EXPECT_EQ(n.ref_seq_num, 17);
  EXPECT_EQ(n.ref_msg_type.view(), "H");
  EXPECT_EQ(n.ref_tag, 55);
  EXPECT_EQ(n.reason, 5);
  EXPECT_EQ(n.text.view(), "Unknown Symbol");

  ASSERT_FALSE(decode(over_the_wire(make_reject(request, {DecodeError::Kind::kBusinessReject, 0, 3, "nope"})), n));
  EXPECT_TRUE(n.business);
  EXPECT_EQ(n.ref_seq_num, 17);
  EXPECT_EQ(n.reason, 3);

  FIX::Message bad = make_reject(request, {DecodeError::Kind::kSessionReject, 0, 5, "x"});
  bad.setField(45, "1x7");
  EXPECT_TRUE(decode(over_the_wire(bad), n));
}

TEST(FixCodecInitiator, MalformedReportsNameTheTag) {
  struct Case {
    int tag;
    const char* value;  // nullptr: remove the field
    int expect_tag;
  };
  const Case cases[] = {
      {37, nullptr, 37}, {17, nullptr, 17}, {11, nullptr, 11}, {55, nullptr, 55}, {54, "7", 54},
      {150, "Z", 150},   {39, "Q", 39},     {14, "-1", 14},    {151, "abc", 151}, {6, nullptr, 6},
      {31, nullptr, 31}, {32, "1e5", 32},   {60, "2026-01-01", 60},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tag);
    FIX::Message m = encode(sample_report(ExecType::kPartialFill));
    if (c.value == nullptr) m.removeField(c.tag);
    else m.setField(c.tag, c.value);
    FixExecReport out;
    const DecodeError e = decode(over_the_wire(m), "KEELSIM", out);
    ASSERT_TRUE(e);
    EXPECT_EQ(e.kind, DecodeError::Kind::kSessionReject);
    EXPECT_EQ(e.ref_tag, c.expect_tag);
  }
  FIX::Message cancel_reject = encode(FixCancelReject{});
  cancel_reject.setField(434, "7");
  FixCancelReject out;
  EXPECT_EQ(decode(over_the_wire(cancel_reject), "KEELSIM", out).ref_tag, 11);  // empty 11 first
}

TEST(FixCodecInitiator, MassStatusAnswersCarryTheirListFields) {
  FixExecReport r = sample_report(ExecType::kOrderStatus);
  r.mass_status_req_id = text<36>("MS7");
  r.tot_num_reports = 3;
  r.last_rpt_requested = true;
  FixExecReport back;
  ASSERT_FALSE(decode(over_the_wire(encode(r)), "KEELSIM", back));
  EXPECT_EQ(back.mass_status_req_id.view(), "MS7");
  EXPECT_EQ(back.tot_num_reports, 3);
  EXPECT_TRUE(back.last_rpt_requested);
  FIX::Message bad = encode(r);
  bad.removeField(911);
  EXPECT_EQ(decode(over_the_wire(bad), "KEELSIM", back).ref_tag, 911);
  bad = encode(r);
  bad.setField(912, "maybe");
  EXPECT_EQ(decode(over_the_wire(bad), "KEELSIM", back).ref_tag, 912);
}
