#include "run_summary.hpp"

namespace keel::cli {

std::string flat(std::string s) {
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

void JsonSummary::json(std::string_view key, std::string_view raw) { o_.raw(key, flat(std::string(raw))); }

void add_order_path(JsonObject& summary, const Engine& engine) {
  const OmsStats& o = engine.oms().stats();
  const PreTradeRisk& risk = engine.risk();
  JsonObject rejects;
  for (std::size_t i = 1; i < kRiskRejectCount; ++i) {
    const auto reason = static_cast<RiskReject>(i);
    if (risk.rejects(reason) > 0) rejects.add(std::string(to_string(reason)), risk.rejects(reason));
  }
  JsonObject outcomes;
  for (std::size_t i = 0; i < kReportOutcomeCount; ++i)
    outcomes.add(std::string(to_string(static_cast<ReportOutcome>(i))), o.outcomes[i]);
  const EngineStats& es = engine.stats();
  summary.add("orders", o.orders)
      .add("cancels", o.cancels)
      .add("fills", o.fills)
      .add("partial_fills", o.partial_fills)
      .add("orders_filled", o.filled)
      .add("orders_canceled", o.canceled)
      .add("venue_rejects", o.rejected)
      .add("cancel_rejects", o.cancel_rejects)
      .add("unknown_timeouts", o.timeouts)
      .add("status_queries", o.status_queries)
      .add("open_orders", static_cast<std::int64_t>(engine.oms().open_orders()))
      .add("risk_rejects", risk.total_rejects())
      .raw("risk_rejects_by_reason", flat(rejects.str()))
      .raw("reports", flat(outcomes.str()))
      .add("oms_cum_gaps", o.cum_gaps)
      .add("portfolio_refused_fills", engine.portfolio().refused_fills())
      .add("slippage_bps", es.filled_notional > 0.0 ? 1e4 * es.slippage_notional / es.filled_notional : 0.0)
      .add("portfolio_equity", engine.portfolio().equity().to_double())
      .add("portfolio_realized", engine.portfolio().realized().to_double())
      .add("portfolio_fees", engine.portfolio().fees().to_double());
}

}  // namespace keel::cli
