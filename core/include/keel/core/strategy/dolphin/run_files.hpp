// The files of a DOLPHIN run directory: trades.csv, equity.csv and report.html (one self-contained
// page: inline SVG charts, no network). Throw OutputError when a file cannot be written.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "keel/core/strategy/dolphin/dolphin_strategy.hpp"
#include "keel/core/strategy/dolphin/metrics.hpp"

namespace keel::dolphin {

// Header: symbol,direction,entry_time_ms,exit_time_ms,entry_price,exit_price,notional,leverage,
// fraction,bucket,exit_reason,gross_pnl,fees,net_pnl — numbers with 17 significant digits.
void write_trades_csv(const std::string& path, const DolphinStrategy& engine);
// Header: open_time_ms,equity,capital
void write_equity_csv(const std::string& path, const DolphinStrategy& engine);
// Charts `period` (the trading period's equity); `summary_json` is embedded as the summary,
// `params_toml` as the parameter listing.
void write_report_html(const std::string& path, const DolphinStrategy& engine,
                       std::span<const EquityPoint> period, const RunMetrics& metrics,
                       const std::string& summary_json, const std::string& params_toml);

}  // namespace keel::dolphin
