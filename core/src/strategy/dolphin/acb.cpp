#include "keel/core/strategy/dolphin/acb.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/text_lines.hpp"

namespace keel::dolphin {
namespace {

constexpr std::string_view kFactorHeader = "date,funding_btc,dvol_btc,fng,taker";
constexpr const char* kFactorColumn[] = {"date", "funding_btc", "dvol_btc", "fng", "taker"};
constexpr std::size_t kFactorColumns = 5;

std::string shown(std::string_view text) {
  return text.size() > 40 ? std::string(text.substr(0, 40)) + "…" : std::string(text);
}

// A cell: empty → NaN (absent); otherwise a finite decimal or a DataError.
double parse_factor(std::string_view cell, std::string_view column, std::string_view source,
                    std::size_t line) {
  if (cell.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::string_view digits = cell;
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-' && digits[1] != '+')
    digits.remove_prefix(1);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size())
    throw DataError(std::string(source), line,
                    fmt::format("{} is not a decimal number ({:?})", column, shown(cell)));
  if (!std::isfinite(v))
    throw DataError(
        std::string(source), line,
        fmt::format("{} is {} (NaN/Inf are not allowed; leave the cell empty for absent)", column,
                    shown(cell)));
  return v;
}

// Weight of one factor: 1.0 past the strong threshold, 0.5 past the mild one, else (or absent) 0.
double weight_below(double value, double strong, double mild) noexcept {
  if (std::isnan(value)) return 0.0;
  if (value < strong) return 1.0;
  if (value < mild) return 0.5;
  return 0.0;
}

double weight_above(double value, double strong, double mild) noexcept {
  if (std::isnan(value)) return 0.0;
  if (value > strong) return 1.0;
  if (value > mild) return 0.5;
  return 0.0;
}

}  // namespace

FactorTable FactorTable::parse(std::string_view text, std::string_view source) {
  FactorTable table;
  table.days_.reserve(text.size() / 24 + 1);
  table.rows_.reserve(text.size() / 24 + 1);
  bool header_seen = false;
  for_each_line(text, [&](std::string_view line, std::size_t line_no, bool is_last) {
    if (line.empty()) {
      if (is_last) return;  // a blank last line is the file's end
      throw DataError(std::string(source), line_no, "empty line");
    }
    if (!header_seen) {
      if (line != kFactorHeader)
        throw DataError(std::string(source), line_no,
                        fmt::format("expected header \"{}\"", kFactorHeader));
      header_seen = true;
      return;
    }
    std::string_view field[kFactorColumns];
    std::size_t columns = 0;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      const std::string_view f = line.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (columns < kFactorColumns) field[columns] = f;
      ++columns;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (columns != kFactorColumns)
      throw DataError(std::string(source), line_no,
                      fmt::format("expected {} columns, found {}", kFactorColumns, columns));
    const auto day = parse_utc_date(field[0]);
    if (!day)
      throw DataError(std::string(source), line_no,
                      fmt::format("date is not a UTC date YYYY-MM-DD ({:?})", shown(field[0])));
    if (!table.days_.empty() && *day <= table.days_.back())
      throw DataError(
          std::string(source), line_no,
          *day == table.days_.back()
              ? fmt::format("date {} repeats", field[0])
              : fmt::format("date {} does not increase (dates must be in order)", field[0]));
    DailyFactors row;
    row.funding_btc = parse_factor(field[1], kFactorColumn[1], source, line_no);
    row.dvol_btc = parse_factor(field[2], kFactorColumn[2], source, line_no);
    row.fng = parse_factor(field[3], kFactorColumn[3], source, line_no);
    row.taker = parse_factor(field[4], kFactorColumn[4], source, line_no);
    table.days_.push_back(*day);
    table.rows_.push_back(row);
  });
  if (!header_seen) throw DataError(std::string(source), 0, "empty file");
  if (table.days_.empty()) throw DataError(std::string(source), 0, "no rows after the header");
  return table;
}

FactorTable FactorTable::load(const std::string& path) {
  return parse(read_text_file(path), path);
}

DailyFactors FactorTable::at(std::int64_t day) const noexcept {
  const auto it = std::lower_bound(days_.begin(), days_.end(), day);
  if (it == days_.end() || *it != day) return DailyFactors{};
  return rows_[static_cast<std::size_t>(it - days_.begin())];
}

bool LiveFactors::in_range(FactorKind kind, double value) noexcept {
  if (!std::isfinite(value)) return false;
  switch (kind) {
    case FactorKind::kFunding: return value >= -1.0 && value <= 1.0;
    case FactorKind::kImpliedVol: return value >= 0.0 && value <= 1000.0;
    case FactorKind::kFearGreed: return value >= 0.0 && value <= 100.0;
    case FactorKind::kTakerRatio: return value >= 0.0 && value <= 1000.0;
    default: return false;
  }
}

LiveFactorOutcome LiveFactors::offer(FactorKind kind, double value, std::int64_t day) noexcept {
  Slot* slot = nullptr;
  switch (kind) {
    case FactorKind::kFunding: slot = &funding_; break;
    case FactorKind::kImpliedVol: slot = &dvol_; break;
    case FactorKind::kFearGreed: slot = &fng_; break;
    case FactorKind::kTakerRatio: slot = &taker_; break;
    default: return LiveFactorOutcome::kUnused;
  }
  if (!in_range(kind, value)) return LiveFactorOutcome::kInvalid;
  if (slot->latest.set && slot->latest.day != kUndated && slot->latest.day < day) slot->earlier = slot->latest;
  slot->latest = Value{true, day, value};
  return LiveFactorOutcome::kApplied;
}

DailyFactors LiveFactors::merge(std::int64_t day, const DailyFactors& table) const noexcept {
  DailyFactors f = table;
  if (const Value* v = for_day(funding_, day)) f.funding_btc = v->value;
  if (const Value* v = for_day(dvol_, day)) f.dvol_btc = v->value;
  if (const Value* v = for_day(fng_, day)) f.fng = v->value;
  if (const Value* v = for_day(taker_, day)) f.taker = v->value;
  return f;
}

void LiveFactors::date_undated(std::int64_t day) noexcept {
  for (Slot* s : {&funding_, &dvol_, &fng_, &taker_})
    if (s->latest.set && s->latest.day == kUndated) s->latest.day = day;
}

bool LiveFactors::any_for(std::int64_t day) const noexcept {
  return for_day(funding_, day) != nullptr || for_day(dvol_, day) != nullptr || for_day(fng_, day) != nullptr ||
         for_day(taker_, day) != nullptr;
}

double acb_signals(const DailyFactors& f, const AcbParams& p) noexcept {
  // Weights are 0, 0.5 or 1, so every partial sum is exact and the order cannot matter; it is the
  // bible's table order with Fear&Greed last because it depends on the others.
  const double others = weight_below(f.funding_btc, p.funding_very_bearish, p.funding_bearish) +
                        weight_above(f.dvol_btc, p.dvol_extreme, p.dvol_elevated) +
                        weight_below(f.taker, p.taker_selling, p.taker_mild);
  if (!(others > 0.0)) return others;
  return others + weight_below(f.fng, p.fng_extreme_fear, p.fng_fear);
}

double base_boost(double signals) noexcept {
  if (signals >= 1.0) return 1.0 + 0.5 * std::log1p(signals);
  return 1.0;
}

DynamicBeta::DynamicBeta(const AcbParams& params, std::size_t reserve_days)
    : params_(params), last_beta_(params.beta_low) {
  days_.reserve(reserve_days);
  sorted_.reserve(reserve_days);
}

void DynamicBeta::add_v750(std::int64_t day, double v750) noexcept {
  if (!std::isfinite(v750)) return;
  if (called_ && day < last_day_) return;                 // its date is already over
  if (!days_.empty() && day <= days_.back().day) return;  // ditto
  if (open_ && day < open_day_) return;
  if (open_ && day > open_day_) close_open_day(day);
  if (!open_) {
    open_ = true;
    open_day_ = day;
    open_sum_ = 0.0;
    open_count_ = 0;
  }
  open_sum_ = open_sum_ + v750;  // left to right, in bar order
  ++open_count_;
}

void DynamicBeta::close_open_day(std::int64_t before_day) noexcept {
  if (!open_ || open_day_ >= before_day) return;
  days_.push_back(DayMean{open_day_, open_sum_ / static_cast<double>(open_count_)});
  open_ = false;
}

void DynamicBeta::commit_before(std::int64_t day) noexcept {
  while (committed_ < days_.size() && days_[committed_].day < day) {
    const double v = days_[committed_].mean;
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), v), v);
    ++committed_;
  }
}

double DynamicBeta::percentile() const noexcept {
  const std::size_t n = sorted_.size();
  const double h = static_cast<double>(n - 1) * (params_.w750_threshold_pct / 100.0);
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i >= n - 1) return sorted_[n - 1];
  return sorted_[i] + (h - static_cast<double>(i)) * (sorted_[i + 1] - sorted_[i]);
}

double DynamicBeta::beta_for_day(std::int64_t day) noexcept {
  if (called_ && day <= last_day_) return last_beta_;
  called_ = true;
  last_day_ = day;
  close_open_day(day);
  commit_before(day - 1);  // the history: values of the days before `day` = means of dates < day−1
  last_value_ = (!days_.empty() && days_.back().day == day - 1)
                    ? days_.back().mean
                    : std::numeric_limits<double>::quiet_NaN();
  last_history_ = sorted_.size();
  const auto min_history = static_cast<std::size_t>(std::max(params_.min_beta_history_days, 1));
  last_threshold_ =
      last_history_ >= min_history ? percentile() : std::numeric_limits<double>::quiet_NaN();
  // NaN compares false: an undefined value or threshold gives BETA_LOW.
  last_beta_ = last_value_ >= last_threshold_ ? params_.beta_high : params_.beta_low;
  return last_beta_;
}

}  // namespace keel::dolphin
