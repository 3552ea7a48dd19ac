#include "keel/gateway/control/alerts.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

namespace keel::gateway {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kNsPerSecond;

bool rule_on(double threshold) noexcept { return threshold > 0.0; }  // false for NaN too

std::string fmt(const char* format, double a, double b) {
  char text[128];
  std::snprintf(text, sizeof text, format, a, b);
  return text;
}

}  // namespace

std::string_view alert_name(AlertId id) noexcept {
  switch (id) {
    case AlertId::kFeedStale: return "feed_stale";
    case AlertId::kBookGaps: return "book_gaps";
    case AlertId::kFixDown: return "fix_down";
    case AlertId::kDrawdown: return "drawdown";
    case AlertId::kDailyLoss: return "daily_loss";
    case AlertId::kKillSwitch: return "kill_switch";
  }
  return "unknown";
}

AlertSeverity alert_severity(AlertId id) noexcept {
  return id == AlertId::kBookGaps || id == AlertId::kDrawdown ? AlertSeverity::kWarning : AlertSeverity::kCritical;
}

std::string_view severity_name(AlertSeverity s) noexcept {
  return s == AlertSeverity::kCritical ? "critical" : "warning";
}

Alerts::Alerts(AlertRules rules, Sink sink) : rules_(rules), sink_(std::move(sink)) {}

std::size_t Alerts::active_count() const noexcept {
  std::size_t n = 0;
  for (const bool a : active_) n += a ? 1 : 0;
  return n;
}

void Alerts::set(AlertId id, bool firing, std::string_view detail) {
  bool& state = active_[static_cast<std::size_t>(id)];
  if (state == firing) return;
  state = firing;
  if (!sink_) return;
  std::string line = "ALERT ";
  line += firing ? "firing" : "resolved";
  line += " severity=";
  line += severity_name(alert_severity(id));
  line += " name=";
  line += alert_name(id);
  if (!detail.empty()) {
    line += ' ';
    line += detail;
  }
  sink_(line);
}

std::uint64_t Alerts::gaps_in_last_minute(std::uint64_t total, std::int64_t now_ns) {
  const std::size_t cap = gaps_.size();
  if (gap_count_ > 0) {
    const GapSample& newest = gaps_[(gap_head_ + cap - 1) % cap];
    if (total < newest.total || now_ns < newest.t_ns) gap_count_ = 0;  // a restart, or time went back
  }
  if (gap_count_ == 0 || now_ns - gaps_[(gap_head_ + cap - 1) % cap].t_ns >= kNsPerSecond) {
    gaps_[gap_head_] = {now_ns, total};
    gap_head_ = (gap_head_ + 1) % cap;
    if (gap_count_ < cap) ++gap_count_;
  }
  // The newest sample at least a minute old; without one, the oldest (the window since start).
  std::uint64_t base = gaps_[(gap_head_ + cap - gap_count_) % cap].total;
  for (std::size_t k = 1; k <= gap_count_; ++k) {
    const GapSample& s = gaps_[(gap_head_ + cap - k) % cap];
    if (now_ns - s.t_ns >= kMinute) {
      base = s.total;
      break;
    }
  }
  return total - base;
}

void Alerts::evaluate(const AlertInputs& in, std::int64_t now_ns) {
  if (rule_on(rules_.feed_stale_seconds) && !std::isnan(in.feed_last_message_age_s)) {
    set(AlertId::kFeedStale, in.feed_last_message_age_s >= rules_.feed_stale_seconds,
        fmt("age_s=%.3g threshold_s=%.3g", in.feed_last_message_age_s, rules_.feed_stale_seconds));
  }
  const std::uint64_t gaps = gaps_in_last_minute(in.book_gaps_total, now_ns);
  if (rule_on(rules_.book_gaps_per_minute)) {
    set(AlertId::kBookGaps, static_cast<double>(gaps) >= rules_.book_gaps_per_minute,
        fmt("gaps_last_minute=%.0f threshold=%.3g", static_cast<double>(gaps), rules_.book_gaps_per_minute));
  }
  if (rule_on(rules_.fix_down_seconds)) {
    const double down_s =
        in.fix_logged_on ? 0.0 : static_cast<double>(now_ns - in.fix_state_since_ns) / static_cast<double>(kNsPerSecond);
    set(AlertId::kFixDown, !in.fix_logged_on && down_s >= rules_.fix_down_seconds,
        fmt("down_s=%.3g threshold_s=%.3g", down_s, rules_.fix_down_seconds));
  }
  if (rule_on(rules_.drawdown_fraction) && in.equity_peak > 0.0 && !std::isnan(in.equity_current)) {
    const double dd = (in.equity_peak - in.equity_current) / in.equity_peak;
    set(AlertId::kDrawdown, dd >= rules_.drawdown_fraction,
        fmt("drawdown=%.4g threshold=%.4g", dd, rules_.drawdown_fraction));
  }
  if (rule_on(rules_.daily_loss_fraction) && in.day_start_equity > 0.0 && !std::isnan(in.equity_current)) {
    const double loss = (in.day_start_equity - in.equity_current) / in.day_start_equity;
    set(AlertId::kDailyLoss, loss >= rules_.daily_loss_fraction,
        fmt("daily_loss=%.4g threshold=%.4g", loss, rules_.daily_loss_fraction));
  }
  set(AlertId::kKillSwitch, in.kill_switch_engaged, "");
}

bool Alerts::write_metrics(PrometheusWriter& out) const {
  bool ok = true;
  for (std::size_t i = 0; i < kAlertCount; ++i) {
    const auto id = static_cast<AlertId>(i);
    const MetricLabel labels[] = {{"alert", alert_name(id)}, {"severity", severity_name(alert_severity(id))}};
    ok = out.gauge("keel_alert_active", "1 while the named built-in alert is firing (gateway/control/alerts.hpp).",
                   active_[i] ? 1.0 : 0.0, labels) &&
         ok;
  }
  return ok;
}

}  // namespace keel::gateway
