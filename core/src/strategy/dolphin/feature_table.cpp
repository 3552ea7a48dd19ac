#include "keel/core/strategy/dolphin/feature_table.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/text_lines.hpp"

namespace keel::dolphin {
namespace {

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) {
    out = std::numeric_limits<double>::quiet_NaN();  // undefined
    return true;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}
}  // namespace

FeatureTable FeatureTable::parse(std::string_view text, std::string_view source) {
  FeatureTable t;
  bool header = false;
  for_each_line(text, [&](std::string_view line, std::size_t line_no, bool is_last) {
    const std::string src(source);
    if (line.empty()) {
      if (is_last) return;
      throw DataError(src, line_no, "empty line");
    }
    if (!header) {
      if (line != kFeatureCsvHeader)
        throw DataError(src, line_no, fmt::format("expected header \"{}\"", kFeatureCsvHeader));
      header = true;
      return;
    }
    std::string_view f[10];
    std::size_t n = 0, start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      if (n < 10) f[n] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      ++n;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (n != 10) throw DataError(src, line_no, fmt::format("expected 10 columns, found {}", n));
    std::int64_t ms = 0;
    const auto r = std::from_chars(f[0].data(), f[0].data() + f[0].size(), ms);
    if (r.ec != std::errc() || r.ptr != f[0].data() + f[0].size() || ms < 0 || ms > kMaxOpenTimeMs)
      throw DataError(src, line_no, fmt::format("open_time_ms is not a valid time ({:?})", std::string(f[0])));
    if (!t.times_.empty() && ms <= t.times_.back())
      throw DataError(src, line_no, fmt::format("open_time_ms {} does not increase", ms));
    SignalValues v;
    double* slots[9] = {&v.lam[0], &v.lam[1], &v.lam[2], &v.lam[3], &v.v[0], &v.v[1], &v.v[2], &v.v[3], &v.vel_div};
    for (int k = 0; k < 9; ++k)
      if (!parse_double(f[k + 1], *slots[k]))
        throw DataError(src, line_no, fmt::format("column {} is not a finite number ({:?})", k + 2, std::string(f[k + 1])));
    t.times_.push_back(ms);
    t.values_.push_back(v);
  });
  if (!header) throw DataError(std::string(source), 0, "empty file");
  return t;
}

FeatureTable FeatureTable::load(const std::string& path) { return parse(read_text_file(path), path); }

const SignalValues* FeatureTable::at(Nanos open_time) noexcept {
  const std::int64_t ms = open_time / kNanosPerMilli;
  while (cursor_ < times_.size() && times_[cursor_] < ms) ++cursor_;
  if (cursor_ < times_.size() && times_[cursor_] == ms) return &values_[cursor_];
  return nullptr;
}

}  // namespace keel::dolphin
