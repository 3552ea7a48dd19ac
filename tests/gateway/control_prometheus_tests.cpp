// PrometheusWriter against the text exposition format 0.0.4, checked by a small independent parser
// written from the format's description (not from the writer): every sample line belongs to a family
// declared earlier by exactly one TYPE (and at most one HELP) line, families are contiguous, label
// values unescape to what was written.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "keel/gateway/control/prometheus_writer.hpp"

namespace {

using keel::gateway::MetricLabel;
using keel::gateway::PrometheusWriter;

struct Sample {
  std::string family;
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0.0;
};

struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;
  std::vector<Sample> samples;
};

bool name_ok(const std::string& n, bool metric) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Parses the whole text; nullopt (with a gtest failure naming the line) when it breaks the format.
std::optional<Exposition> parse(const std::string& text) {
  Exposition out;
  std::string current;  // the family whose lines are being read
  std::set<std::string> closed;
  if (!text.empty() && text.back() != '\n') {
    ADD_FAILURE() << "the text must end with a line feed";
    return std::nullopt;
  }
  std::istringstream in(text);
  std::string line;
  const auto open_family = [&](const std::string& name) {
    if (name == current) return true;
    if (closed.count(name) != 0 || out.types.count(name) != 0) return false;
    if (!current.empty()) closed.insert(current);
    current = name;
    return true;
  };
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const bool help = line[2] == 'H';
      const std::string rest = line.substr(7);
      const std::size_t sp = rest.find(' ');
      const std::string name = rest.substr(0, sp);
      const std::string arg = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (!name_ok(name, true)) {
        ADD_FAILURE() << "bad family name: " << line;
        return std::nullopt;
      }
      auto& seen = help ? out.helps : out.types;
      if (seen.count(name) != 0) {
        ADD_FAILURE() << "second " << (help ? "HELP" : "TYPE") << " for " << name;
        return std::nullopt;
      }
      if (!help && out.helps.count(name) == 0 && name != current) {
        // TYPE may come without HELP, but the writer always writes HELP first.
        ADD_FAILURE() << "TYPE without a HELP before it: " << line;
        return std::nullopt;
      }
      if (help && !open_family(name)) {
        ADD_FAILURE() << "family resumed: " << line;
        return std::nullopt;
      }
      if (!help && name != current) {
        ADD_FAILURE() << "TYPE after the family's samples or of another family: " << line;
        return std::nullopt;
      }
      if (!help && arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" && arg != "untyped") {
        ADD_FAILURE() << "bad type: " << line;
        return std::nullopt;
      }
      seen[name] = arg;
      continue;
    }
    if (line.empty() || line[0] == '#') {
      ADD_FAILURE() << "unexpected line: '" << line << "'";
      return std::nullopt;
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!name_ok(s.name, true)) {
      ADD_FAILURE() << "bad sample name: " << line;
      return std::nullopt;
    }
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          ADD_FAILURE() << "bad label: " << line;
          return std::nullopt;
        }
        const std::string lname = line.substr(i, eq - i);
        if (!name_ok(lname, false) || s.labels.count(lname) != 0) {
          ADD_FAILURE() << "bad or repeated label name: " << line;
          return std::nullopt;
        }
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            if (j >= line.size()) break;
            if (line[j] == 'n') {
              value += '\n';
            } else if (line[j] == '\\' || line[j] == '"') {
              value += line[j];
            } else {
              ADD_FAILURE() << "bad escape: " << line;
              return std::nullopt;
            }
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) {
          ADD_FAILURE() << "unterminated label value: " << line;
          return std::nullopt;
        }
        s.labels[lname] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) {
        ADD_FAILURE() << "unterminated label set: " << line;
        return std::nullopt;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      ADD_FAILURE() << "no value: " << line;
      return std::nullopt;
    }
    const std::string v = line.substr(i + 1);
    if (v == "NaN") {
      s.value = std::numeric_limits<double>::quiet_NaN();
    } else if (v == "+Inf") {
      s.value = std::numeric_limits<double>::infinity();
    } else if (v == "-Inf") {
      s.value = -std::numeric_limits<double>::infinity();
    } else {
      char* end = nullptr;
      s.value = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || v.find_first_of("iInN") != std::string::npos) {
        ADD_FAILURE() << "bad value: " << line;
        return std::nullopt;
      }
    }
    // The family: the sample's name, or for a histogram the name less _bucket/_sum/_count.
    s.family = s.name;
    if (out.types.count(s.family) == 0) {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string sfx = suffix;
        if (s.name.size() > sfx.size() && s.name.compare(s.name.size() - sfx.size(), sfx.size(), sfx) == 0) {
          const std::string base = s.name.substr(0, s.name.size() - sfx.size());
          if (out.types.count(base) != 0 && out.types[base] == "histogram") s.family = base;
        }
      }
    }
    if (out.types.count(s.family) == 0 || s.family != current) {
      ADD_FAILURE() << "sample of a family not declared just before it: " << line;
      return std::nullopt;
    }
    if (out.types[s.family] == "histogram" && s.name == s.family) {
      ADD_FAILURE() << "histogram sample without a suffix: " << line;
      return std::nullopt;
    }
    out.samples.push_back(std::move(s));
  }
  return out;
}

TEST(PrometheusWriter, GoldenCounterGaugeHistogram) {
  std::string out;
  PrometheusWriter w(out);
  const MetricLabel btc[] = {{"symbol", "BTCUSDT"}};
  const MetricLabel eth[] = {{"symbol", "ETHUSDT"}};
  EXPECT_TRUE(w.counter("keel_book_gaps_total", "Depth continuity breaks.", 3, btc));
  EXPECT_TRUE(w.counter("keel_book_gaps_total", "Depth continuity breaks.", 0, eth));
  EXPECT_TRUE(w.gauge("keel_fix_logged_on", "1 while logged on.", 1));
  const double bounds[] = {0.001, 0.01, 0.1};
  const std::uint64_t counts[] = {2, 5, 9};
  EXPECT_TRUE(w.histogram("keel_tick_to_order_seconds", "Tick to order.", bounds, counts, 0.25, 10));
  EXPECT_EQ(out,
            "# HELP keel_book_gaps_total Depth continuity breaks.\n"
            "# TYPE keel_book_gaps_total counter\n"
            "keel_book_gaps_total{symbol=\"BTCUSDT\"} 3\n"
            "keel_book_gaps_total{symbol=\"ETHUSDT\"} 0\n"
            "# HELP keel_fix_logged_on 1 while logged on.\n"
            "# TYPE keel_fix_logged_on gauge\n"
            "keel_fix_logged_on 1\n"
            "# HELP keel_tick_to_order_seconds Tick to order.\n"
            "# TYPE keel_tick_to_order_seconds histogram\n"
            "keel_tick_to_order_seconds_bucket{le=\"0.001\"} 2\n"
            "keel_tick_to_order_seconds_bucket{le=\"0.01\"} 5\n"
            "keel_tick_to_order_seconds_bucket{le=\"0.1\"} 9\n"
            "keel_tick_to_order_seconds_bucket{le=\"+Inf\"} 10\n"
            "keel_tick_to_order_seconds_sum 0.25\n"
            "keel_tick_to_order_seconds_count 10\n");
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->samples.size(), 9u);
  EXPECT_EQ(parsed->types.at("keel_tick_to_order_seconds"), "histogram");
  EXPECT_EQ(w.refused(), 0u);
}

TEST(PrometheusWriter, ManyLabelSetsOneHelpAndType) {
  std::string out;
  PrometheusWriter w(out);
  const char* names[] = {"a", "b", "c", "d"};
  for (const char* n : names) {
    const MetricLabel l[] = {{"alert", n}, {"severity", "critical"}};
    ASSERT_TRUE(w.gauge("keel_alert_active", "help", 0, l));
  }
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->samples.size(), 4u);
  std::size_t type_lines = 0;
  for (std::size_t p = out.find("# TYPE"); p != std::string::npos; p = out.find("# TYPE", p + 1)) ++type_lines;
  EXPECT_EQ(type_lines, 1u);
}

TEST(PrometheusWriter, LabelValuesAndHelpAreEscaped) {
  std::string out;
  PrometheusWriter w(out);
  const std::string nasty = "back\\slash \"quoted\"\nnew line } , =";
  const MetricLabel l[] = {{"detail", nasty}, {"other", ""}};
  ASSERT_TRUE(w.gauge("keel_x", "help with \\ and\nnewline", 1.5, l));
  EXPECT_NE(out.find("# HELP keel_x help with \\\\ and\\nnewline\n"), std::string::npos) << out;
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->samples.size(), 1u);
  EXPECT_EQ(parsed->samples[0].labels.at("detail"), nasty);
  EXPECT_EQ(parsed->samples[0].labels.at("other"), "");
  EXPECT_EQ(parsed->samples[0].value, 1.5);
}

TEST(PrometheusWriter, NaNAndInfinitiesAsPrometheusSpellsThem) {
  std::string out;
  PrometheusWriter w(out);
  const MetricLabel a[] = {{"k", "nan"}};
  const MetricLabel b[] = {{"k", "pinf"}};
  const MetricLabel c[] = {{"k", "minf"}};
  const MetricLabel d[] = {{"k", "tiny"}};
  ASSERT_TRUE(w.gauge("keel_v", "v", std::numeric_limits<double>::quiet_NaN(), a));
  ASSERT_TRUE(w.gauge("keel_v", "v", std::numeric_limits<double>::infinity(), b));
  ASSERT_TRUE(w.gauge("keel_v", "v", -std::numeric_limits<double>::infinity(), c));
  ASSERT_TRUE(w.gauge("keel_v", "v", 1e-300, d));
  EXPECT_NE(out.find("keel_v{k=\"nan\"} NaN\n"), std::string::npos);
  EXPECT_NE(out.find("keel_v{k=\"pinf\"} +Inf\n"), std::string::npos);
  EXPECT_NE(out.find("keel_v{k=\"minf\"} -Inf\n"), std::string::npos);
  EXPECT_NE(out.find("keel_v{k=\"tiny\"} 1e-300\n"), std::string::npos);
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(std::isnan(parsed->samples[0].value));
}

TEST(PrometheusWriter, ValuesReadBackExactly) {
  std::string out;
  PrometheusWriter w(out);
  const double values[] = {0.1, 1.0 / 3.0, 123456789012345.0, -2.5e-7, 9007199254740993.0, 0.0, -0.0};
  for (std::size_t i = 0; i < std::size(values); ++i) {
    const std::string idx = std::to_string(i);
    const MetricLabel l[] = {{"i", idx}};
    ASSERT_TRUE(w.gauge("keel_exact", "e", values[i], l));
  }
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  for (std::size_t i = 0; i < std::size(values); ++i) EXPECT_EQ(parsed->samples[i].value, values[i]) << i;
}

TEST(PrometheusWriter, InvalidNamesAreRefusedAndWriteNothing) {
  std::string out;
  PrometheusWriter w(out);
  EXPECT_FALSE(w.gauge("", "h", 1));
  EXPECT_FALSE(w.gauge("9lives", "h", 1));
  EXPECT_FALSE(w.gauge("has-dash", "h", 1));
  EXPECT_FALSE(w.gauge("has space", "h", 1));
  EXPECT_FALSE(w.counter("héllo", "h", 1));
  const MetricLabel colon[] = {{"a:b", "v"}};
  const MetricLabel reserved[] = {{"__name__", "v"}};
  const MetricLabel empty[] = {{"", "v"}};
  const MetricLabel twice[] = {{"a", "1"}, {"a", "2"}};
  EXPECT_FALSE(w.gauge("ok_name", "h", 1, colon));
  EXPECT_FALSE(w.gauge("ok_name", "h", 1, reserved));
  EXPECT_FALSE(w.gauge("ok_name", "h", 1, empty));
  EXPECT_FALSE(w.gauge("ok_name", "h", 1, twice));
  EXPECT_EQ(out, "");
  EXPECT_EQ(w.refused(), 9u);
  EXPECT_TRUE(w.gauge("ok:name_2", "h", 1));
  EXPECT_TRUE(w.gauge("_x", "h", 1));
  EXPECT_TRUE(parse(out));
}

TEST(PrometheusWriter, FamilyResumedOrRetypedIsRefused) {
  std::string out;
  PrometheusWriter w(out);
  ASSERT_TRUE(w.counter("keel_a_total", "a", 1));
  ASSERT_TRUE(w.gauge("keel_b", "b", 1));
  EXPECT_FALSE(w.counter("keel_a_total", "a", 2));  // resumed after keel_b
  EXPECT_FALSE(w.counter("keel_b", "b", 2));        // same family, another type
  ASSERT_TRUE(w.gauge("keel_b", "b", 3));
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->samples.size(), 3u);
  EXPECT_EQ(w.refused(), 2u);
}

TEST(PrometheusWriter, HistogramRulesAndLabels) {
  std::string out;
  PrometheusWriter w(out);
  const double bounds[] = {1, 2};
  const std::uint64_t ok[] = {1, 2};
  const std::uint64_t decreasing[] = {2, 1};
  const std::uint64_t above_count[] = {1, 5};
  const double unordered[] = {2, 1};
  const double infinite[] = {1, std::numeric_limits<double>::infinity()};
  const std::uint64_t one[] = {1};
  const MetricLabel le[] = {{"le", "1"}};
  EXPECT_FALSE(w.histogram("keel_h", "h", bounds, decreasing, 1, 3));
  EXPECT_FALSE(w.histogram("keel_h", "h", bounds, above_count, 1, 3));
  EXPECT_FALSE(w.histogram("keel_h", "h", unordered, ok, 1, 3));
  EXPECT_FALSE(w.histogram("keel_h", "h", infinite, ok, 1, 3));
  EXPECT_FALSE(w.histogram("keel_h", "h", bounds, one, 1, 3));
  EXPECT_FALSE(w.histogram("keel_h", "h", bounds, ok, 1, 3, le));
  EXPECT_EQ(out, "");
  const MetricLabel x[] = {{"stage", "x\"y"}};
  const MetricLabel y[] = {{"stage", "z"}};
  EXPECT_TRUE(w.histogram("keel_h", "h", bounds, ok, 1.5, 3, x));
  EXPECT_TRUE(w.histogram("keel_h", "h", bounds, ok, 0, 2, y));
  EXPECT_TRUE(w.histogram("keel_empty", "no buckets", {}, {}, 0, 0));
  const auto parsed = parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->samples.size(), 2 * 5u + 3u);
  EXPECT_EQ(parsed->samples[0].labels.at("stage"), "x\"y");
  EXPECT_EQ(parsed->samples[0].labels.at("le"), "1");
  EXPECT_EQ(parsed->samples[2].labels.at("le"), "+Inf");
  EXPECT_EQ(parsed->samples[2].value, 3);
}

TEST(PrometheusWriter, TheCheckerRejectsBrokenText) {
  // The checker itself: it must catch what it is there to catch.
  const char* broken[] = {
      "keel_a 1\n",                                                            // no TYPE
      "# HELP keel_a a\n# TYPE keel_a gauge\n# TYPE keel_a gauge\nkeel_a 1\n",  // TYPE twice
      "# HELP keel_a a\n# TYPE keel_a gauge\nkeel_a 1\n# HELP keel_b b\n# TYPE keel_b gauge\nkeel_b 1\nkeel_a 2\n",
      "# HELP keel_a a\n# TYPE keel_a gauge\nkeel_a{x=\"1} 1\n",
      "# HELP keel_a a\n# TYPE keel_a gauge\nkeel_a nan\n",
  };
  for (const char* text : broken) {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      EXPECT_FALSE(parse(text)) << text;
    }
    EXPECT_GT(failures.size(), 0) << text;
  }
}

}  // namespace
