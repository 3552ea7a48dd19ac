// A VenueListener that records everything, and a compact text form of each report for
// table-driven expectations: "1:b1 NEW 39=0 cum=0 leaves=2", "2:s1 TRADE 39=2 101x1 maker cum=1
// leaves=0", "1:b1 CXL 39=4 cum=0 leaves=0 cause=ioc", "1:x REJ 39=8 why=off-tick",
// "CXLREJ 1:c2<c1 434=1 102=1".
#pragma once

#include <string>
#include <vector>

#include "keel/protocol/fix/fix_mapping.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim::test {

inline std::string short_name(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "none";
    case RejectReason::kUnknownSymbol: return "unknown-symbol";
    case RejectReason::kInvalidOrder: return "invalid";
    case RejectReason::kPriceNotPositive: return "price<=0";
    case RejectReason::kPriceOffTick: return "off-tick";
    case RejectReason::kQtyNotPositive: return "qty<=0";
    case RejectReason::kQtyOffLot: return "off-lot";
    case RejectReason::kBelowMinNotional: return "min-notional";
    case RejectReason::kDuplicateClOrdId: return "duplicate";
    case RejectReason::kBookFull: return "book-full";
    case RejectReason::kPostOnlyWouldCross: return "post-only";
    case RejectReason::kUnknownOrder: return "unknown-order";
    case RejectReason::kInsufficientBalance: return "balance";
    case RejectReason::kUnknownAccount: return "unknown-account";
    case RejectReason::kTooLate: return "too-late";
    case RejectReason::kWouldOverflow: return "overflow";
    case RejectReason::kNotSent: return "not-sent";
    case RejectReason::kSessionRejected: return "session-rejected";
  }
  return "?";
}

inline std::string short_name(CancelCause c) {
  switch (c) {
    case CancelCause::kNone: return "none";
    case CancelCause::kClient: return "client";
    case CancelCause::kIocRemainder: return "ioc";
    case CancelCause::kFokUnfilled: return "fok";
    case CancelCause::kMarketRemainder: return "market";
    case CancelCause::kSelfTrade: return "stp";
    case CancelCause::kReplacedBelowFilled: return "replaced-below-filled";
    case CancelCause::kWouldOverflow: return "overflow";
  }
  return "?";
}

inline std::string describe(const Execution& e) {
  std::string s = std::to_string(e.account) + ":" + std::string(e.cl_ord_id.view());
  if (!e.orig_cl_ord_id.empty()) s += "<" + std::string(e.orig_cl_ord_id.view());
  switch (e.exec_type) {
    case VenueExecType::kNew: s += " NEW"; break;
    case VenueExecType::kTrade: s += " TRADE"; break;
    case VenueExecType::kCanceled: s += " CXL"; break;
    case VenueExecType::kReplaced: s += " RPL"; break;
    case VenueExecType::kRejected: s += " REJ"; break;
    case VenueExecType::kNone: s += " ?"; break;
  }
  s += std::string(" 39=") + protocol::fix::fix_ord_status(to_order_status(e.ord_status));
  if (e.exec_type == VenueExecType::kRejected) return s + " why=" + short_name(e.reject_reason);
  if (e.exec_type == VenueExecType::kTrade) {
    s += " " + e.last_px.to_string() + "x" + e.last_qty.to_string() + (e.maker ? " maker" : " taker");
  }
  s += " cum=" + e.cum_qty.to_string() + " leaves=" + e.leaves_qty.to_string();
  if (e.exec_type == VenueExecType::kCanceled) s += " cause=" + short_name(e.cancel_cause);
  return s;
}

inline std::string describe(const CancelReject& c) {
  std::string s = "CXLREJ " + std::to_string(c.account) + ":" + std::string(c.cl_ord_id.view()) + "<" +
                  std::string(c.orig_cl_ord_id.view()) +
                  " 434=" + std::to_string(static_cast<int>(c.response_to)) +
                  " 102=" + std::to_string(protocol::fix::fix_cxl_rej_reason(to_reject_reason(c.reason, c.detail)));
  if (c.reason == CxlRejReason::kOther) s += " why=" + short_name(c.detail);
  return s;
}

class RecordingListener : public VenueListener {
 public:
  void on_execution(const Execution& e) noexcept override {
    executions.push_back(e);
    lines.push_back(describe(e));
  }
  void on_cancel_reject(const CancelReject& c) noexcept override {
    cancel_rejects.push_back(c);
    lines.push_back(describe(c));
  }
  void on_public_trade(const PublicTrade& t) noexcept override { trades.push_back(t); }
  void on_book_level(const BookLevelChange& c) noexcept override { levels.push_back(c); }
  void clear() {
    executions.clear();
    cancel_rejects.clear();
    trades.clear();
    levels.clear();
    lines.clear();
  }

  std::vector<Execution> executions;
  std::vector<CancelReject> cancel_rejects;
  std::vector<PublicTrade> trades;
  std::vector<BookLevelChange> levels;
  std::vector<std::string> lines;  // executions and cancel rejects, in order
};

}  // namespace keel::sim::test
