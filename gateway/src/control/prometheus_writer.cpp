#include "keel/gateway/control/prometheus_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace keel::gateway {
namespace {

bool name_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) noexcept { return name_start(c) || (c >= '0' && c <= '9'); }

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string_view type_name(int type) noexcept {
  switch (type) {
    case 0: return "counter";
    case 1: return "gauge";
    default: return "histogram";
  }
}

}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || !(name_start(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !name_start(name[0]) || name.substr(0, 2) == "__") return false;
  return std::all_of(name.begin() + 1, name.end(), name_char);
}

void append_metric_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    if (ec == std::errc{}) {
      out.append(text, end);
    } else {
      out += "NaN";  // cannot happen: 32 bytes hold every double's shortest form
    }
  }
}

bool PrometheusWriter::labels_ok(std::span<const MetricLabel> labels, bool histogram) const noexcept {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!is_valid_label_name(labels[i].name)) return false;
    if (histogram && labels[i].name == "le") return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].name == labels[i].name) return false;
    }
  }
  return true;
}

bool PrometheusWriter::begin_family(std::string_view name, std::string_view help, Type type) {
  if (!families_.empty() && families_.back() == name) return last_type_ == type;
  if (std::find(families_.begin(), families_.end(), name) != families_.end()) return false;
  families_.emplace_back(name);
  last_type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type_name(static_cast<int>(type));
  out_ += '\n';
  return true;
}

void PrometheusWriter::sample(std::string_view name, std::string_view suffix, std::span<const MetricLabel> labels,
                              std::string_view le, double value) {
  out_ += name;
  out_ += suffix;
  if (!labels.empty() || !le.empty()) {
    out_ += '{';
    bool first = true;
    for (const MetricLabel& l : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      append_escaped(out_, l.value, true);
      out_ += '"';
    }
    if (!le.empty()) {
      if (!first) out_ += ',';
      out_ += "le=\"";
      out_ += le;
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  append_metric_value(out_, value);
  out_ += '\n';
}

bool PrometheusWriter::counter(std::string_view name, std::string_view help, double value,
                               std::span<const MetricLabel> labels) {
  if (!is_valid_metric_name(name) || !labels_ok(labels, false) || !begin_family(name, help, Type::kCounter)) {
    ++refused_;
    return false;
  }
  sample(name, "", labels, "", value);
  return true;
}

bool PrometheusWriter::gauge(std::string_view name, std::string_view help, double value,
                             std::span<const MetricLabel> labels) {
  if (!is_valid_metric_name(name) || !labels_ok(labels, false) || !begin_family(name, help, Type::kGauge)) {
    ++refused_;
    return false;
  }
  sample(name, "", labels, "", value);
  return true;
}

bool PrometheusWriter::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                                 std::span<const std::uint64_t> cumulative, double sum, std::uint64_t count,
                                 std::span<const MetricLabel> labels) {
  bool ok = is_valid_metric_name(name) && labels_ok(labels, true) && bounds.size() == cumulative.size();
  for (std::size_t i = 0; ok && i < bounds.size(); ++i) {
    ok = std::isfinite(bounds[i]) && cumulative[i] <= count && (i == 0 || (bounds[i - 1] < bounds[i] &&
                                                                           cumulative[i - 1] <= cumulative[i]));
  }
  if (!ok || !begin_family(name, help, Type::kHistogram)) {
    ++refused_;
    return false;
  }
  std::string le;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    le.clear();
    append_metric_value(le, bounds[i]);
    sample(name, "_bucket", labels, le, static_cast<double>(cumulative[i]));
  }
  sample(name, "_bucket", labels, "+Inf", static_cast<double>(count));
  sample(name, "_sum", labels, "", sum);
  sample(name, "_count", labels, "", static_cast<double>(count));
  return true;
}

}  // namespace keel::gateway
