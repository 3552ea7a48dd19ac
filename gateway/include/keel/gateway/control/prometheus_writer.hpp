// Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/)
// written into a caller-owned std::string: the body of GET /metrics.
//
//   # HELP keel_book_gaps_total Depth continuity breaks since start.
//   # TYPE keel_book_gaps_total counter
//   keel_book_gaps_total{symbol="BTCUSDT"} 3
//
// A metric family (one name) is written as one group: its HELP and TYPE lines once, then a sample
// line per call — call counter()/gauge()/histogram() again with the same name and another label set
// to add one. A family may not be resumed after another family was written (the format requires
// each family's lines to be contiguous) nor written again with another type: such a call writes
// nothing and returns false, as does an invalid metric or label name. Names: [a-zA-Z_:][a-zA-Z0-9_:]*;
// label names: [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__" (reserved), at most once per sample.
// Label values are escaped (\\, \", \n); HELP text escapes \\ and \n. Values are written in the
// shortest form that reads back exactly; NaN, +Inf and -Inf as Prometheus spells them.
//
// Appends only (never clears `out`); allocates as the string grows; not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keel::gateway {

struct MetricLabel {
  std::string_view name;
  std::string_view value;
};

class PrometheusWriter {
 public:
  explicit PrometheusWriter(std::string& out) noexcept : out_(out) {}

  // A monotonically increasing value (by convention the name ends in _total).
  bool counter(std::string_view name, std::string_view help, double value,
               std::span<const MetricLabel> labels = {});
  // A value that goes up and down.
  bool gauge(std::string_view name, std::string_view help, double value, std::span<const MetricLabel> labels = {});
  // A histogram: `bounds` are the finite upper bounds of the buckets, strictly increasing; `cumulative`
  // the count of observations ≤ each bound (non-decreasing, each ≤ count). The +Inf bucket (= count),
  // name_sum and name_count are added. `labels` may not contain "le". False (nothing written) when
  // the sizes differ or the rules above are broken.
  bool histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const std::uint64_t> cumulative, double sum, std::uint64_t count,
                 std::span<const MetricLabel> labels = {});

  // Calls refused (invalid names, labels or histogram, a family resumed or retyped).
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }

 private:
  enum class Type : std::uint8_t { kCounter, kGauge, kHistogram };
  bool begin_family(std::string_view name, std::string_view help, Type type);
  bool labels_ok(std::span<const MetricLabel> labels, bool histogram) const noexcept;
  void sample(std::string_view name, std::string_view suffix, std::span<const MetricLabel> labels,
              std::string_view le, double value);

  std::string& out_;
  std::vector<std::string> families_;  // every family written so far; the last is open
  Type last_type_ = Type::kCounter;
  std::uint64_t refused_ = 0;
};

// The syntax rules above, for callers that build names from data.
[[nodiscard]] bool is_valid_metric_name(std::string_view name) noexcept;
[[nodiscard]] bool is_valid_label_name(std::string_view name) noexcept;
// Appends a sample value as the format spells it (shortest exact form, NaN, +Inf, -Inf).
void append_metric_value(std::string& out, double value);

}  // namespace keel::gateway
