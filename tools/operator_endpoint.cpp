#include "operator_endpoint.hpp"

#include <time.h>

#include <mutex>

#include <fmt/format.h>

#include "json_writer.hpp"
#include "keel/gateway/wall_clock.hpp"
#include "keel/gateway/control/alerts.hpp"
#include "keel/gateway/control/control_server.hpp"
#include "keel/gateway/control/secret.hpp"
#include "keel/gateway/control/prometheus_writer.hpp"

namespace keel::cli {
namespace {

std::string_view state_name(int state) noexcept {
  switch (state) {
    case 1: return "reducing";
    case 2: return "halted";
    default: return "active";
  }
}

std::string_view gate_name(int gate) noexcept {
  switch (gate) {
    case 1: return "down";
    case 2: return "reconciling";
    default: return "open";
  }
}

}  // namespace

struct OperatorEndpoint::Impl {
  TradingRuntime& runtime;
  const KeelConfig& config;
  const InstrumentRegistry& registry;
  std::string mode;
  std::function<void(std::string_view)> log;
  std::unique_ptr<gateway::ControlServer> server;
  std::mutex alerts_mutex;
  gateway::Alerts alerts;
  std::int64_t started_ns = gateway::wall_clock_ns();
  // The feed's last message, as seen from here: when its frame count last moved.
  std::atomic<std::uint64_t> last_frames{0};
  std::atomic<std::int64_t> last_frame_ns{0};

  Impl(TradingRuntime& rt, const KeelConfig& c, const InstrumentRegistry& r, std::string_view m,
       std::function<void(std::string_view)> l)
      : runtime(rt), config(c), registry(r), mode(m), log(std::move(l)), alerts(gateway::AlertRules{}, log) {
    last_frame_ns.store(started_ns);
  }

  double feed_age_s(std::int64_t now) {
    const std::uint64_t frames = runtime.feed_counters().frames.load(std::memory_order_relaxed);
    if (frames != last_frames.load(std::memory_order_relaxed)) {
      last_frames.store(frames, std::memory_order_relaxed);
      last_frame_ns.store(now, std::memory_order_relaxed);
    }
    return static_cast<double>(now - last_frame_ns.load(std::memory_order_relaxed)) / 1e9;
  }

  gateway::AlertInputs alert_inputs(std::int64_t now) {
    const CoreSnapshot& s = runtime.snapshot();
    gateway::AlertInputs in;
    in.feed_last_message_age_s = feed_age_s(now);
    in.book_gaps_total = runtime.feed_counters().gaps.load(std::memory_order_relaxed);
    in.fix_logged_on = runtime.fix_counters().logged_on.load(std::memory_order_relaxed);
    const std::int64_t since = runtime.fix_counters().logged_on_since_ns.load(std::memory_order_relaxed);
    in.fix_state_since_ns = since > 0 ? since : started_ns;
    in.equity_peak = s.equity_peak.load(std::memory_order_relaxed);
    in.equity_current = s.equity.load(std::memory_order_relaxed);
    in.day_start_equity = s.day_start_equity.load(std::memory_order_relaxed);
    in.kill_switch_engaged = s.kill_switch.load(std::memory_order_relaxed);
    return in;
  }

  void metrics(std::string& out) {
    const std::int64_t now = gateway::wall_clock_ns();
    const CoreSnapshot& s = runtime.snapshot();
    const auto& f = runtime.feed_counters();
    const auto& x = runtime.fix_counters();
    gateway::PrometheusWriter w(out);
    auto u = [](const std::atomic<std::uint64_t>& v) { return static_cast<double>(v.load(std::memory_order_relaxed)); };
    // Feed and books.
    w.counter("keel_feed_frames_total", "Market-data frames received", u(f.frames));
    w.counter("keel_feed_bytes_total", "Market-data bytes received", u(f.bytes));
    w.counter("keel_feed_malformed_total", "Market-data frames refused by the decoder", u(f.malformed));
    w.gauge("keel_feed_last_message_age_seconds", "Seconds since the feed's last frame", feed_age_s(now));
    w.gauge("keel_feed_open_connections", "Open market-data connections", f.open_connections.load());
    w.counter("keel_book_gaps_total", "Depth continuity breaks", u(f.gaps));
    w.counter("keel_book_resyncs_total", "Order-book resyncs from a REST snapshot", u(f.resyncs));
    w.gauge("keel_book_stale", "Order books not usable now", f.stale_books.load());
    // FIX session.
    w.gauge("keel_fix_logged_on", "1 while the FIX session is logged on", x.logged_on.load() ? 1.0 : 0.0);
    w.counter("keel_fix_logons_total", "FIX logons", u(x.logons));
    w.counter("keel_fix_sent_total", "Order requests sent on the FIX session", u(x.sent));
    w.counter("keel_fix_reports_total", "ExecutionReports and cancel rejects passed to the core", u(x.reports));
    w.counter("keel_fix_not_sent_total", "Requests answered kNotSent (no session)", u(x.not_sent));
    w.counter("keel_fix_send_failed_total", "Requests the session refused mid-send (left to a status query)", u(x.send_failed));
    w.counter("keel_fix_session_rejects_total", "Reject (3) messages from the venue", u(x.session_rejects));
    w.counter("keel_fix_business_rejects_total", "BusinessMessageReject (j) messages from the venue", u(x.business_rejects));
    w.counter("keel_fix_malformed_total", "Venue messages that failed to decode", u(x.malformed));
    w.counter("keel_fix_unknown_orders_total", "Reports for orders this run did not send", u(x.unknown_orders));
    w.counter("keel_fix_resends_suppressed_total", "Re-sends replaced by a gap fill", u(x.resends_suppressed));
    {
      double bounds[gateway::kTickToSendBuckets - 1];
      std::uint64_t cumulative[gateway::kTickToSendBuckets - 1];
      std::uint64_t running = 0;
      for (std::size_t i = 0; i + 1 < gateway::kTickToSendBuckets; ++i) {
        bounds[i] = gateway::kTickToSendBoundsUs[i] / 1e6;
        running += x.tick_to_send_bucket[i].load(std::memory_order_relaxed);
        cumulative[i] = running;
      }
      const std::uint64_t count = running + x.tick_to_send_bucket[gateway::kTickToSendBuckets - 1].load();
      w.histogram("keel_tick_to_send_seconds", "From the receive time of the event that caused an order to its send",
                  bounds, cumulative, static_cast<double>(x.tick_to_send_sum_ns.load()) / 1e9, count);
    }
    // OMS, risk, portfolio.
    w.counter("keel_oms_orders_total", "New orders sent by the core", u(s.orders));
    w.counter("keel_oms_fills_total", "Fills applied", u(s.fills));
    w.gauge("keel_oms_open_orders", "Orders not yet done", static_cast<double>(s.open_orders.load()));
    w.counter("keel_oms_lost_at_venue_total", "Acknowledged orders the venue no longer knew", u(s.lost_at_venue));
    w.counter("keel_risk_rejects_total", "Orders refused by pre-trade risk", u(s.risk_rejects));
    w.gauge("keel_kill_switch_engaged", "1 while the kill switch is engaged", s.kill_switch.load() ? 1.0 : 0.0);
    w.gauge("keel_flattening", "1 while a flatten is in progress", s.flattening.load() ? 1.0 : 0.0);
    w.gauge("keel_trading_state", "0 active, 1 reducing, 2 halted", s.trading_state.load());
    w.gauge("keel_venue_gate", "0 open, 1 venue down, 2 reconciling", s.venue_gate.load());
    w.counter("keel_reconciliations_total", "Reconciliations completed after a logon", u(s.reconciliations));
    w.gauge("keel_reconcile_last_seconds", "How long the last reconciliation took (event time)",
            static_cast<double>(s.reconcile_last_ns.load()) / 1e9);
    const double equity = s.equity.load();
    const double peak = s.equity_peak.load();
    const double day = s.day_start_equity.load();
    w.gauge("keel_equity", "Marked equity, quote currency", equity);
    w.gauge("keel_equity_drawdown_fraction", "Drawdown from the equity peak", peak > 0 ? (peak - equity) / peak : 0.0);
    w.gauge("keel_daily_loss_fraction", "Loss since the UTC day's first equity", day > 0 ? (day - equity) / day : 0.0);
    w.gauge("keel_gross_exposure", "Sum of |position| x mark", s.gross_exposure.load());
    w.gauge("keel_capital_fraction", "The capital ramp's share of the exposure limits", s.capital_fraction.load());
    // The core.
    w.counter("keel_core_events_total", "Events the core consumed", u(s.events));
    w.counter("keel_core_bar_times_total", "Bar times processed", u(s.bar_times));
    w.counter("keel_core_rejected_events_total", "Events the core refused as bad input", u(s.rejected_events));
    w.gauge("keel_core_allocations_after_warmup", "Heap allocations on the core thread after warm-up",
            u(s.allocations_after_warmup));
    {
      std::lock_guard lock(alerts_mutex);
      alerts.write_metrics(w);
    }
    if (server) {
      const gateway::ControlStats c = server->stats();
      w.counter("keel_control_requests_total", "Requests to the control endpoint", static_cast<double>(c.requests));
      w.counter("keel_control_refusals_total", "Refused control-endpoint requests and connections",
                static_cast<double>(c.refusals()));
    }
  }

  void status(std::string& out) {
    const CoreSnapshot& s = runtime.snapshot();
    const auto& x = runtime.fix_counters();
    const auto& f = runtime.feed_counters();
    JsonObject o;
    o.add("mode", mode)
        .add("uptime_s", static_cast<double>(gateway::wall_clock_ns() - started_ns) / 1e9)
        .add("trading_state", state_name(s.trading_state.load()))
        .add("venue_gate", gate_name(s.venue_gate.load()))
        .add("kill_switch", s.kill_switch.load())
        .add("flattening", s.flattening.load())
        .add("fix_logged_on", x.logged_on.load())
        .add("feed_open_connections", static_cast<std::uint64_t>(f.open_connections.load()))
        .add("feed_stale_books", static_cast<std::uint64_t>(f.stale_books.load()))
        .add("events", s.events.load())
        .add("bar_times", s.bar_times.load())
        .add("orders", s.orders.load())
        .add("fills", s.fills.load())
        .add("open_orders", static_cast<std::int64_t>(s.open_orders.load()))
        .add("positions", static_cast<std::int64_t>(s.positions.load()))
        .add("equity", s.equity.load())
        .add("realized", s.realized.load())
        .add("gross_exposure", s.gross_exposure.load())
        .add("capital_fraction", s.capital_fraction.load())
        .add("last_tick_to_send_us", static_cast<double>(x.last_tick_to_send_ns.load()) / 1e3)
        .add("core_allocations_after_warmup", s.allocations_after_warmup.load());
    out += o.str();
  }
};

OperatorEndpoint::OperatorEndpoint(TradingRuntime& runtime, const KeelConfig& config, const InstrumentRegistry& registry,
                                   std::string_view mode, std::function<void(std::string_view)> log)
    : impl_(std::make_unique<Impl>(runtime, config, registry, mode, std::move(log))) {
  if (config.live.control_port < 0) return;
  gateway::ControlServerConfig sc;
  sc.bind_address = config.live.control_bind;
  sc.port = static_cast<std::uint16_t>(config.live.control_port);
  if (!config.live.control_token.empty())
    sc.bearer_token = gateway::Secret(read_secret(config.live.control_token, "live.control_token"));
  gateway::ControlHandlers h;
  Impl& m = *impl_;
  h.metrics = [&m](std::string& body) { m.metrics(body); };
  h.status = [&m](std::string& body) { m.status(body); };
  h.deliver = [&m](const Event& e) { return m.runtime.submit(e); };
  h.resolve_symbol = [&m](std::string_view symbol) -> std::optional<InstrumentId> {
    const auto id = m.registry.find(symbol);
    if (!id.ok()) return std::nullopt;
    return id.value();
  };
  h.log = m.log;
  impl_->server = std::make_unique<gateway::ControlServer>(std::move(sc), std::move(h));
}

OperatorEndpoint::~OperatorEndpoint() { stop(); }

void OperatorEndpoint::start() {
  if (impl_->server) impl_->server->start();
}

void OperatorEndpoint::stop() noexcept {
  if (impl_ && impl_->server) impl_->server->stop();
}

std::uint16_t OperatorEndpoint::port() const noexcept { return impl_->server ? impl_->server->port() : 0; }

void OperatorEndpoint::tick() {
  const std::int64_t now = gateway::wall_clock_ns();
  const gateway::AlertInputs in = impl_->alert_inputs(now);
  std::lock_guard lock(impl_->alerts_mutex);
  impl_->alerts.evaluate(in, now);
}

void OperatorEndpoint::metrics(std::string& out) { impl_->metrics(out); }
void OperatorEndpoint::status(std::string& out) { impl_->status(out); }

}  // namespace keel::cli
