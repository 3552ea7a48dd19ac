// Alerts: each rule fires once and resolves once (one log line per transition), and the gauges.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keel/gateway/control/alerts.hpp"

namespace {

using keel::gateway::AlertId;
using keel::gateway::AlertInputs;
using keel::gateway::AlertRules;
using keel::gateway::Alerts;
using keel::gateway::PrometheusWriter;

constexpr std::int64_t kS = 1'000'000'000;

// Healthy inputs: nothing fires.
AlertInputs healthy() {
  AlertInputs in;
  in.feed_last_message_age_s = 0.5;
  in.book_gaps_total = 0;
  in.fix_logged_on = true;
  in.fix_state_since_ns = 0;
  in.equity_peak = 1000;
  in.equity_current = 1000;
  in.day_start_equity = 1000;
  return in;
}

struct Harness {
  std::vector<std::string> lines;
  Alerts alerts{AlertRules{}, [this](std::string_view l) { lines.emplace_back(l); }};
};

std::size_t count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

TEST(Alerts, HealthyInputsFireNothing) {
  Harness h;
  for (int i = 0; i < 100; ++i) h.alerts.evaluate(healthy(), i * kS);
  EXPECT_TRUE(h.lines.empty());
  EXPECT_EQ(h.alerts.active_count(), 0u);
}

TEST(Alerts, FeedStaleFiresOnceAndResolvesOnce) {
  Harness h;
  AlertInputs in = healthy();
  h.alerts.evaluate(in, 0);
  in.feed_last_message_age_s = 12.5;
  for (int i = 1; i <= 5; ++i) h.alerts.evaluate(in, i * kS);
  ASSERT_EQ(h.lines.size(), 1u);
  EXPECT_EQ(h.lines[0], "ALERT firing severity=critical name=feed_stale age_s=12.5 threshold_s=10");
  EXPECT_TRUE(h.alerts.active(AlertId::kFeedStale));
  in.feed_last_message_age_s = 0.2;
  for (int i = 6; i <= 10; ++i) h.alerts.evaluate(in, i * kS);
  ASSERT_EQ(h.lines.size(), 2u);
  EXPECT_EQ(h.lines[1], "ALERT resolved severity=critical name=feed_stale age_s=0.2 threshold_s=10");
  EXPECT_FALSE(h.alerts.active(AlertId::kFeedStale));
  // The threshold itself fires (≥).
  in.feed_last_message_age_s = 10;
  h.alerts.evaluate(in, 11 * kS);
  EXPECT_TRUE(h.alerts.active(AlertId::kFeedStale));
}

TEST(Alerts, FixDownAfterTheConfiguredTime) {
  Harness h;
  AlertInputs in = healthy();
  in.fix_logged_on = false;
  in.fix_state_since_ns = 100 * kS;
  h.alerts.evaluate(in, 110 * kS);
  h.alerts.evaluate(in, 129 * kS);
  EXPECT_TRUE(h.lines.empty());
  h.alerts.evaluate(in, 130 * kS);
  h.alerts.evaluate(in, 200 * kS);
  ASSERT_EQ(h.lines.size(), 1u);
  EXPECT_EQ(h.lines[0], "ALERT firing severity=critical name=fix_down down_s=30 threshold_s=30");
  in.fix_logged_on = true;
  in.fix_state_since_ns = 201 * kS;
  h.alerts.evaluate(in, 202 * kS);
  h.alerts.evaluate(in, 203 * kS);
  ASSERT_EQ(h.lines.size(), 2u);
  EXPECT_EQ(count_prefix(h.lines, "ALERT resolved severity=critical name=fix_down"), 1u);
}

TEST(Alerts, BookGapsPerMinuteOverASlidingWindow) {
  Harness h;
  AlertInputs in = healthy();
  // 4 gaps within a minute: below the default 5.
  for (int t = 0; t <= 40; ++t) {
    in.book_gaps_total = static_cast<std::uint64_t>(t / 10);
    h.alerts.evaluate(in, t * kS);
  }
  EXPECT_FALSE(h.alerts.active(AlertId::kBookGaps));
  // 5 more within the next 10 s: 9 − 4 (at t = 0..) ≥ 5 in the last minute.
  for (int t = 41; t <= 50; ++t) {
    in.book_gaps_total = 4 + static_cast<std::uint64_t>(t - 40) / 2;
    h.alerts.evaluate(in, t * kS);
  }
  EXPECT_TRUE(h.alerts.active(AlertId::kBookGaps));
  EXPECT_EQ(count_prefix(h.lines, "ALERT firing severity=warning name=book_gaps"), 1u);
  // No new gaps: after a minute the window holds none and it resolves, once.
  for (int t = 51; t <= 200; ++t) h.alerts.evaluate(in, t * kS);
  EXPECT_FALSE(h.alerts.active(AlertId::kBookGaps));
  EXPECT_EQ(count_prefix(h.lines, "ALERT resolved severity=warning name=book_gaps"), 1u);
  EXPECT_EQ(h.lines.size(), 2u);
}

TEST(Alerts, BookGapsCounterRestartDoesNotFire) {
  Harness h;
  AlertInputs in = healthy();
  in.book_gaps_total = 1000;
  h.alerts.evaluate(in, 0);
  in.book_gaps_total = 0;  // the runtime restarted its counter
  h.alerts.evaluate(in, kS);
  in.book_gaps_total = 2;
  h.alerts.evaluate(in, 2 * kS);
  EXPECT_FALSE(h.alerts.active(AlertId::kBookGaps));
  EXPECT_TRUE(h.lines.empty());
}

TEST(Alerts, DrawdownDailyLossAndKillSwitch) {
  Harness h;
  AlertInputs in = healthy();
  in.equity_peak = 1000;
  in.day_start_equity = 980;
  in.equity_current = 925;  // drawdown 7.5 %, daily loss 5.6 %
  h.alerts.evaluate(in, 0);
  EXPECT_FALSE(h.alerts.active(AlertId::kDrawdown));
  EXPECT_TRUE(h.alerts.active(AlertId::kDailyLoss));
  in.equity_current = 900;  // drawdown 10 %
  in.kill_switch_engaged = true;
  h.alerts.evaluate(in, kS);
  h.alerts.evaluate(in, 2 * kS);
  EXPECT_TRUE(h.alerts.active(AlertId::kDrawdown));
  EXPECT_TRUE(h.alerts.active(AlertId::kKillSwitch));
  ASSERT_EQ(h.lines.size(), 3u);
  EXPECT_EQ(h.lines[0].rfind("ALERT firing severity=critical name=daily_loss daily_loss=0.05612", 0), 0u) << h.lines[0];
  EXPECT_EQ(h.lines[1].rfind("ALERT firing severity=warning name=drawdown drawdown=0.1 ", 0), 0u) << h.lines[1];
  EXPECT_EQ(h.lines[2], "ALERT firing severity=critical name=kill_switch");
  h.alerts.evaluate(healthy(), 3 * kS);
  EXPECT_EQ(h.alerts.active_count(), 0u);
  EXPECT_EQ(count_prefix(h.lines, "ALERT resolved"), 3u);
}

TEST(Alerts, MissingDataIsNotATransition) {
  Harness h;
  AlertInputs in = healthy();
  in.feed_last_message_age_s = 20;
  h.alerts.evaluate(in, 0);
  ASSERT_TRUE(h.alerts.active(AlertId::kFeedStale));
  in.feed_last_message_age_s = std::numeric_limits<double>::quiet_NaN();
  in.equity_peak = 0;
  in.day_start_equity = 0;
  h.alerts.evaluate(in, kS);
  EXPECT_TRUE(h.alerts.active(AlertId::kFeedStale));
  EXPECT_EQ(h.lines.size(), 1u);
}

TEST(Alerts, AZeroThresholdSwitchesTheRuleOff) {
  std::vector<std::string> lines;
  AlertRules rules;
  rules.feed_stale_seconds = 0;
  rules.fix_down_seconds = 0;
  Alerts alerts(rules, [&](std::string_view l) { lines.emplace_back(l); });
  AlertInputs in = healthy();
  in.feed_last_message_age_s = 1e9;
  in.fix_logged_on = false;
  alerts.evaluate(in, 1000 * kS);
  EXPECT_TRUE(lines.empty());
}

TEST(Alerts, GaugesForEveryAlert) {
  Harness h;
  AlertInputs in = healthy();
  in.feed_last_message_age_s = 60;
  h.alerts.evaluate(in, 0);
  std::string out;
  PrometheusWriter w(out);
  ASSERT_TRUE(h.alerts.write_metrics(w));
  EXPECT_NE(out.find("# TYPE keel_alert_active gauge\n"), std::string::npos);
  EXPECT_NE(out.find("keel_alert_active{alert=\"feed_stale\",severity=\"critical\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("keel_alert_active{alert=\"book_gaps\",severity=\"warning\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("keel_alert_active{alert=\"kill_switch\",severity=\"critical\"} 0\n"), std::string::npos) << out;
  std::size_t samples = 0;
  for (std::size_t p = out.find("\nkeel_alert_active{"); p != std::string::npos; p = out.find("\nkeel_alert_active{", p + 1)) {
    ++samples;
  }
  EXPECT_EQ(samples, keel::gateway::kAlertCount);
  ASSERT_TRUE(w.gauge("keel_other", "another family", 1));
  EXPECT_FALSE(h.alerts.write_metrics(w));  // the family resumed in the same writer
}

}  // namespace
