#include "keel/core/strategy/dolphin/run_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "keel/core/io/journal.hpp"
#include "keel/core/io/text_file.hpp"

namespace keel::dolphin {
namespace {

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.17g}", v) : std::string(); }

std::string html_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A polyline chart of `ys` over `n` points, scaled into a w×h box (down-sampled to ≤ 2000 points).
std::string svg_polyline(const std::vector<double>& ys, double lo, double hi, int w, int h, const char* colour) {
  std::string pts;
  const std::size_t n = ys.size();
  const std::size_t step = std::max<std::size_t>(1, n / 2000);
  const double span = hi > lo ? hi - lo : 1.0;
  for (std::size_t i = 0; i < n; i += step) {
    const double x = n > 1 ? static_cast<double>(i) * w / static_cast<double>(n - 1) : 0.0;
    const double y = h - (ys[i] - lo) / span * h;
    pts += fmt::format("{:.1f},{:.1f} ", x, y);
  }
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\" points=\"{}\"/>", colour, pts);
}

// A figure for the page: "n/a" where it is undefined (null in summary.json).
std::string figure(double v, double scale, const char* fmt_spec) {
  return std::isfinite(v) ? fmt::format(fmt::runtime(fmt_spec), v * scale) : std::string("n/a");
}

}  // namespace


void write_trades_csv(const std::string& path, const DolphinStrategy& engine) {
  std::string out =
      "symbol,direction,entry_time_ms,exit_time_ms,entry_price,exit_price,notional,leverage,fraction,bucket,"
      "exit_reason,gross_pnl,fees,net_pnl\n";
  for (const auto& t : engine.trades()) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", engine.symbols()[t.asset],
                       t.direction < 0 ? "SHORT" : "LONG", t.entry_time / kNanosPerMilli, t.exit_time / kNanosPerMilli,
                       num(t.entry_price), num(t.exit_price), num(t.notional), num(t.leverage), num(t.fraction),
                       t.bucket, to_string(t.reason), num(t.gross_pnl), num(t.fees), num(t.net_pnl));
  }
  write_text_file(path, out);
}

void write_equity_csv(const std::string& path, const DolphinStrategy& engine) {
  std::string out = "open_time_ms,equity,capital\n";
  for (const auto& e : engine.equity())
    out += fmt::format("{},{},{}\n", e.time / kNanosPerMilli, num(e.equity), num(e.capital));
  write_text_file(path, out);
}

void write_report_html(const std::string& path, const DolphinStrategy& engine,
                       std::span<const EquityPoint> eq, const RunMetrics& m,
                       const std::string& summary_json, const std::string& params_toml) {
  std::vector<double> equity, drawdown;
  equity.reserve(eq.size());
  drawdown.reserve(eq.size());
  double peak = engine.params().initial_capital;
  double lo = peak, hi = peak, dd_max = 0.0;
  for (const auto& e : eq) {
    peak = std::max(peak, e.equity);
    equity.push_back(e.equity);
    const double dd = (peak - e.equity) / peak;
    drawdown.push_back(-dd);
    lo = std::min(lo, e.equity);
    hi = std::max(hi, e.equity);
    dd_max = std::max(dd_max, dd);
  }
  constexpr int kW = 900, kH = 260, kDH = 120;
  std::string html = R"(<!DOCTYPE html><html><head><meta charset="utf-8"><title>keel backtest report</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}pre{background:#f7f7f7;padding:8px;font-size:12px}
svg{background:#fcfcfc;border:1px solid #ddd}</style></head><body>
<h1>keel backtest — DOLPHIN</h1>)";
  html += fmt::format(
      "<p>ROI {}% · profit factor {} · Sharpe {} · max drawdown {}% · win rate {}% · {} trades · fees {:.2f}</p>",
      figure(m.roi, 100, "{:.2f}"), figure(m.profit_factor, 1, "{:.3f}"), figure(m.sharpe, 1, "{:.2f}"),
      figure(m.max_drawdown, 100, "{:.2f}"), figure(m.win_rate, 100, "{:.1f}"), m.trades, m.fees);
  html += fmt::format("<h2>Equity</h2><svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">{}</svg>", kW, kH, kW, kH,
                      svg_polyline(equity, lo, hi, kW, kH, "#1f5fbf"));
  html += fmt::format("<p>{:.2f} … {:.2f}</p>", lo, hi);
  html += fmt::format("<h2>Drawdown</h2><svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">{}</svg>", kW, kDH, kW,
                      kDH, svg_polyline(drawdown, -std::max(dd_max, 1e-9), 0.0, kW, kDH, "#bf1f1f"));
  html += "<h2>Summary</h2><pre>" + html_escape(summary_json) + "</pre>";
  html += "<h2>Parameters</h2><pre>" + html_escape(params_toml) + "</pre>";
  html += "<h2>Trades</h2><table><tr><th>#</th><th>symbol</th><th>dir</th><th>entry (ms)</th><th>exit (ms)</th>"
          "<th>entry</th><th>exit</th><th>notional</th><th>lev</th><th>frac</th><th>bucket</th><th>reason</th>"
          "<th>net PnL</th></tr>";
  std::size_t i = 0;
  for (const auto& t : engine.trades()) {
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.8g}</td><td>{:.8g}</td><td>{:.2f}</td>"
        "<td>{:.3f}</td><td>{:.4f}</td><td>{}</td><td>{}</td><td>{:.2f}</td></tr>",
        ++i, html_escape(engine.symbols()[t.asset]), t.direction < 0 ? "S" : "L", t.entry_time / kNanosPerMilli,
        t.exit_time / kNanosPerMilli, t.entry_price, t.exit_price, t.notional, t.leverage, t.fraction, t.bucket,
        to_string(t.reason), t.net_pnl);
  }
  html += "</table></body></html>\n";
  write_text_file(path, html);
}

}  // namespace keel::dolphin
