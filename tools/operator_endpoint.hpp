// The operator's side of a running paper or live session: the control and metrics endpoint
// (gateway/control: GET /metrics, GET /status, POST /control with the bearer token) over the
// runtime's counters, and the built-in alerts (log lines with a severity, and keel_alert_active
// gauges; config/alerts.rules.yml holds the same rules for Prometheus).
//
// Every POST /control becomes an event on the runtime's operator ring (journaled like every input:
// a replay sees the same kill switch at the same place). The endpoint binds live.control_bind
// (127.0.0.1 by default); without live.control_token every POST /control is refused (403).
//
// Threads: the server's handlers run on its thread and read only atomics (the runtime's snapshot
// and counters) and the alerts under a mutex; tick() runs on the owner's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "keel/core/io/config.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "trading_runtime.hpp"

namespace keel::cli {

class OperatorEndpoint {
 public:
  // `log` receives alert lines and /control outcomes. Throws ConfigError for a token reference that
  // cannot be read, std::invalid_argument for a bad bind address.
  OperatorEndpoint(TradingRuntime& runtime, const KeelConfig& config, const InstrumentRegistry& registry,
                   std::string_view mode, std::function<void(std::string_view)> log);
  ~OperatorEndpoint();
  OperatorEndpoint(const OperatorEndpoint&) = delete;
  OperatorEndpoint& operator=(const OperatorEndpoint&) = delete;

  // Binds and starts the server (nothing when live.control_port is −1). Throws std::runtime_error
  // naming the address when it cannot bind.
  void start();
  void stop() noexcept;
  // The bound port (0 when off).
  [[nodiscard]] std::uint16_t port() const noexcept;
  // Evaluates the alerts; call about once a second.
  void tick();
  // The Prometheus text and the status document, as the endpoint serves them.
  void metrics(std::string& out);
  void status(std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::cli
