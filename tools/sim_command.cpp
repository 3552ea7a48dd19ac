// keel sim: the exchange simulator standalone (VENUE.md "Endpoints and start-up").
#include <csignal>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "keel/sim/sim_config.hpp"
#include "keel/sim/venue.hpp"

namespace keel::cli {
namespace {


// The built-in venue when no --config is given: four synthetic USDT pairs moved by the correlated
// synthetic market (1-minute bars) in real time, two client accounts.
constexpr const char* kBuiltInConfig = R"(
[venue]
market = "spot"
comp_id = "KEELSIM"
[flow]
kind = "synthetic"
speed = 1
seed = 42
[flow.synthetic]
bar_interval_ms = 60000
start_price = 100
price_decimals = 4
qty_decimals = 3
[[symbol]]
name = "SYN000USDT"
tick_size = "0.0001"
lot_size = "0.001"
min_notional = "5"
[[symbol]]
name = "SYN001USDT"
tick_size = "0.0001"
lot_size = "0.001"
min_notional = "5"
[[symbol]]
name = "SYN002USDT"
tick_size = "0.0001"
lot_size = "0.001"
min_notional = "5"
[[symbol]]
name = "SYN003USDT"
tick_size = "0.0001"
lot_size = "0.001"
min_notional = "5"
[[account]]
comp_id = "ALICE"
balances = { USDT = "1000000" }
[[account]]
comp_id = "BOB"
balances = { USDT = "1000000" }
)";

std::uint16_t port_option(const Command& cmd, const std::string& name) {
  const auto v = cmd.get_u64(name);
  if (*v > 65535) throw UsageError(fmt::format("keel sim: {} {} is not a port (0 … 65535)", name, *v));
  return static_cast<std::uint16_t>(*v);
}

}  // namespace

int sim_command(const std::vector<std::string>& args) {
  Command cmd("sim", "sim [--config FILE] [--http-port N] [--fix-port N] [--duration SECONDS]",
              "Runs the exchange simulator: Binance-format WebSocket market data and REST depth on the HTTP\n"
              "port, FIX 4.4 order entry on the FIX port. When both are open it prints one line to standard\n"
              "output,\n"
              "  ready http=<scheme>://127.0.0.1:<port> fix=127.0.0.1:<port>\n"
              "then serves until SIGINT/SIGTERM (or --duration). Without --config: a built-in venue of four\n"
              "synthetic USDT pairs driven by the synthetic market in real time, accounts ALICE and BOB.",
              {{"--config", "FILE", "simulator configuration (config/sim.toml)"},
               {"--http-port", "N", "HTTP/WebSocket port (overrides venue.http_port; 0 = any free port)"},
               {"--fix-port", "N", "FIX port (overrides venue.fix_port; 0 = any free port)"},
               {"--duration", "SECONDS", "stop after this many seconds (default: run until a signal)"}});
  if (!cmd.parse(args)) return kExitOk;
  sim::SimConfig config = cmd.has("--config") ? sim::load_sim_config(*cmd.get("--config"))
                                              : sim::parse_sim_config(kBuiltInConfig, "built-in sim config");
  if (cmd.has("--http-port")) config.http_port = port_option(cmd, "--http-port");
  if (cmd.has("--fix-port")) config.fix_port = port_option(cmd, "--fix-port");
  const std::uint64_t duration_s = cmd.has("--duration") ? *cmd.get_u64("--duration") : 0;

  sim::check_sim_environment(config, cmd.has("--config") ? *cmd.get("--config") : "built-in sim config");
  // The venue checks what the loader cannot (an asset pair it cannot split, no account, a symbol
  // the wire format cannot carry) with std::invalid_argument: configuration errors, exit 78.
  auto venue_ptr = [&] {
    try {
      return std::make_unique<sim::Venue>(config);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(fmt::format("{}: {}", cmd.has("--config") ? *cmd.get("--config") : "built-in sim config",
                                    e.what()));
    }
  }();
  sim::Venue& venue = *venue_ptr;
  install_stop_signals();
  venue.start();
  for (const std::string& warning : sim::Venue::security_warnings(config)) {
    std::fputs((warning + "\n").c_str(), stderr);
  }
  std::fputs((venue.ready_line() + "\n").c_str(), stdout);
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  bool reported_end = false;
  while (!stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (duration_s > 0 && std::chrono::steady_clock::now() - started >= std::chrono::seconds(duration_s)) break;
    if (!reported_end && config.flow != sim::FlowKind::kNone && venue.flow_finished()) {
      reported_end = true;
      std::fputs(fmt::format("keel sim: the {} flow has ended after {} actions; still serving\n",
                             sim::to_string(config.flow), venue.flow_actions())
                     .c_str(),
                 stderr);
    }
  }
  // What hostile or broken clients cost (docs/SECURITY.md), read before the ports close.
  const sim::FixAcceptorStats fix = venue.fix_stats();
  const sim::MarketDataServerStats md = venue.market_data_stats();
  venue.stop();
  std::fputs(fmt::format("keel sim: stopped ({} flow actions applied)\n", venue.flow_actions()).c_str(), stderr);
  std::fputs(fmt::format("keel sim: fix: {} connections accepted, {} refused, {} evicted before logon, {} logons, {} "
                         "logons refused, {} logon timeouts, {} closed before logon for junk, {} garbled messages, {} "
                         "closed for not reading, {} session errors\n",
                         fix.accepted, fix.refused_connections, fix.evicted_before_logon, fix.logons,
                         fix.logon_refusals, fix.logon_timeouts, fix.prelogon_overflows, fix.garbled_messages,
                         fix.outbound_overflows, fix.session_errors)
                 .c_str(),
             stderr);
  std::fputs(fmt::format("keel sim: http: {} connections refused, {} accept errors, {} slow clients closed, {} pong "
                         "timeouts, {} upgrades refused, {} requests answered 4xx, {} control errors, {} internal "
                         "errors\n",
                         md.refused_connections, md.accept_errors, md.slow_disconnects, md.pong_timeouts,
                         md.rejected_upgrades, md.http_errors, md.control_errors, md.internal_errors)
                 .c_str(),
             stderr);
  return kExitOk;
}

}  // namespace keel::cli
