// Built-in alerts of keel paper / live: a few rules evaluated over a plain snapshot of the runtime's
// health, for operators without a Prometheus server (config/alerts.rules.yml has the same rules for
// those with one). Each alert is firing or not; on every transition evaluate() writes ONE line to
// the sink:
//
//   ALERT firing severity=critical name=feed_stale age_s=12.5 threshold_s=10
//   ALERT resolved severity=critical name=feed_stale age_s=0.2 threshold_s=10
//
// and write_metrics() exports one gauge per alert, 1 while firing:
//   keel_alert_active{alert="feed_stale",severity="critical"} 1
//
// | alert        | severity | fires while                                                          |
// | feed_stale   | critical | feed_last_message_age_s ≥ feed_stale_seconds                          |
// | book_gaps    | warning  | book_gaps_total grew by ≥ book_gaps_per_minute over the last minute   |
// | fix_down     | critical | !fix_logged_on for ≥ fix_down_seconds (since fix_state_since_ns)      |
// | drawdown     | warning  | (equity_peak − equity_current) / equity_peak ≥ drawdown_fraction      |
// | daily_loss   | critical | (day_start_equity − equity_current) / day_start_equity ≥ daily_loss_fraction |
// | kill_switch  | critical | kill_switch_engaged                                                   |
// A threshold ≤ 0 (or NaN) switches that alert off. An input that is NaN, or an equity base ≤ 0,
// leaves that alert as it was (no data is not a transition).
//
// Time is the caller's (now_ns, monotonic or wall, one clock throughout). Not thread-safe; allocates
// only the log lines.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "keel/gateway/control/prometheus_writer.hpp"

namespace keel::gateway {

struct AlertRules {
  double feed_stale_seconds = 10.0;
  double book_gaps_per_minute = 5.0;
  double fix_down_seconds = 30.0;
  double drawdown_fraction = 0.10;
  double daily_loss_fraction = 0.05;
};

struct AlertInputs {
  double feed_last_message_age_s = 0.0;  // since the feed's last message (since its start when none yet)
  std::uint64_t book_gaps_total = 0;      // depth continuity breaks since start (a decrease restarts the window)
  bool fix_logged_on = false;
  std::int64_t fix_state_since_ns = 0;    // when fix_logged_on last changed (or the session started)
  double equity_peak = 0.0;
  double equity_current = 0.0;
  double day_start_equity = 0.0;
  bool kill_switch_engaged = false;
};

enum class AlertId : std::uint8_t { kFeedStale = 0, kBookGaps, kFixDown, kDrawdown, kDailyLoss, kKillSwitch };
inline constexpr std::size_t kAlertCount = 6;

enum class AlertSeverity : std::uint8_t { kWarning = 0, kCritical = 1 };

[[nodiscard]] std::string_view alert_name(AlertId id) noexcept;
[[nodiscard]] AlertSeverity alert_severity(AlertId id) noexcept;
[[nodiscard]] std::string_view severity_name(AlertSeverity s) noexcept;

class Alerts {
 public:
  using Sink = std::function<void(std::string_view line)>;
  Alerts(AlertRules rules, Sink sink);

  // Evaluates every rule; one sink line per alert that changed. Call periodically (e.g. once a second).
  void evaluate(const AlertInputs& in, std::int64_t now_ns);

  [[nodiscard]] bool active(AlertId id) const noexcept { return active_[static_cast<std::size_t>(id)]; }
  [[nodiscard]] std::size_t active_count() const noexcept;
  // keel_alert_active{alert,severity} for every alert (0 or 1). False when the writer refused the
  // family (already written earlier into the same writer).
  bool write_metrics(PrometheusWriter& out) const;

 private:
  void set(AlertId id, bool firing, std::string_view detail);

  // book_gaps_total samples at most one per second, 128 of them: the total a minute ago.
  struct GapSample {
    std::int64_t t_ns = 0;
    std::uint64_t total = 0;
  };
  std::uint64_t gaps_in_last_minute(std::uint64_t total, std::int64_t now_ns);

  AlertRules rules_;
  Sink sink_;
  std::array<bool, kAlertCount> active_{};
  std::array<GapSample, 128> gaps_{};
  std::size_t gap_head_ = 0;   // next write
  std::size_t gap_count_ = 0;
};

}  // namespace keel::gateway
