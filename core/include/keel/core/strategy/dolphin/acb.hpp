// ACB v6 (bible §10, DOLPHIN.md §4 and §8 "ACB factors", "Dynamic beta"): the daily external-factor
// boost (Scale 1) and the dynamic beta switch (Scale 3). The per-bar meta-boost (Scale 2) and the
// sub-day force exit (§7.3) belong to the engine.
//
//   signals    = Σ weights of the bearish factors (funding, dvol, taker; Fear&Greed only when the
//                other three sum to more than 0 — "requires confirmation"); absent (NaN) factors
//                contribute nothing
//   base_boost = 1 + 0.5·log1p(signals) when signals ≥ 1, else 1
//   beta(D)    = BETA_HIGH iff w750_vel(D) ≥ the 60th percentile of the earlier days' w750_vel
//                (≥ 5 of them), else BETA_LOW; w750_vel(D) = mean of the defined v_750 of date D−1
//
// Days are UTC day numbers (days since 1970-01-01, keel::parse_utc_date); the day of a bar is the
// UTC date of its open time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::dolphin {

// One date's external factors. NaN means absent (no value for that date).
struct DailyFactors {
  double funding_btc = std::numeric_limits<double>::quiet_NaN();
  double dvol_btc = std::numeric_limits<double>::quiet_NaN();
  double fng = std::numeric_limits<double>::quiet_NaN();
  double taker = std::numeric_limits<double>::quiet_NaN();
};

// The optional daily factor table, CSV with the header `date,funding_btc,dvol_btc,fng,taker`:
//   * date YYYY-MM-DD (a real calendar date), strictly increasing from row to row;
//   * a value is a finite decimal (std::from_chars syntax, an optional leading '+'); an empty cell
//     means absent; "nan", "inf" and anything else that is not a finite decimal are refused;
//   * exactly 5 columns; no empty line except a final one; at least one row after the header.
// Loading is start-up work (allocates, throws keel::DataError "file:line: reason").
class FactorTable {
 public:
  FactorTable() = default;  // empty: every date absent

  // Parses a whole file's text; `source` names it in errors.
  static FactorTable parse(std::string_view text, std::string_view source);
  // Reads `path` (gunzipping .gz) and parses it. DataError kind kMissing when it cannot be opened.
  static FactorTable load(const std::string& path);

  // The factors of UTC day `day`, all NaN when the table has no row for it. Never allocates.
  [[nodiscard]] DailyFactors at(std::int64_t day) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return days_.size(); }
  [[nodiscard]] bool empty() const noexcept { return days_.empty(); }

 private:
  std::vector<std::int64_t> days_;  // strictly increasing
  std::vector<DailyFactors> rows_;  // rows_[i] belongs to days_[i]
};

// Live ACB inputs (paper/live: ExternalFactor events; DECISIONS 260-266). Per factor the latest
// accepted value with the UTC day it arrived on (and the one before it, when of an earlier day). A value counts for its arrival day and the
// next one (the value known at 00:00 UTC of D is the latest one received on D−1, as a table row of D
// would hold it) and is absent after that unless refreshed. For a day D, merge() takes the table's
// row of D and lets every live value that counts for D override it (so it also fills the table's
// NaN). Fixed size, never allocates.
enum class LiveFactorOutcome : std::uint8_t {
  kApplied = 0,  // stored
  kInvalid = 1,  // NaN/Inf or out of range (factor_in_range): ignored
  kUnused = 2,   // a kind the ACB has no input for (open interest change, kNone, unknown)
};

class LiveFactors {
 public:
  // The accepted ranges (closed): funding rate [−1, 1] (a fraction per funding interval), implied
  // vol [0, 1000] (annualised %, DVOL), Fear&Greed [0, 100], taker buy/sell ratio [0, 1000].
  [[nodiscard]] static bool in_range(FactorKind kind, double value) noexcept;

  // Offers a value of `kind` that arrived on UTC day `day`. An accepted value replaces the
  // previous one of its kind whatever its day.
  LiveFactorOutcome offer(FactorKind kind, double value, std::int64_t day) noexcept;

  // `table` (the table's row of `day`, all NaN when none) with the live values that count for
  // `day` (arrived on day or day − 1) in their place.
  [[nodiscard]] DailyFactors merge(std::int64_t day, const DailyFactors& table) const noexcept;

  // True when any live value counts for `day`.
  [[nodiscard]] bool any_for(std::int64_t day) const noexcept;

  // A value offered with this day arrived before the market had a day (no bar seen, no exchange
  // time on the event): it counts for no day until date_undated() gives it the first day started.
  static constexpr std::int64_t kUndated = std::numeric_limits<std::int64_t>::min();
  void date_undated(std::int64_t day) noexcept;

 private:
  struct Value {
    bool set = false;
    std::int64_t day = 0;
    double value = 0.0;
  };
  // The latest value, and the one before it when that arrived on an earlier day: a value already
  // dated the next day (exchange-stamped after midnight, before that day's first bar) must not take
  // the current day's value away from a sub-day recompute of the current day.
  struct Slot {
    Value latest;
    Value earlier;
  };
  [[nodiscard]] static bool counts(const Value& v, std::int64_t day) noexcept {
    return v.set && v.day != kUndated && v.day <= day && day - v.day <= 1;
  }
  [[nodiscard]] static const Value* for_day(const Slot& s, std::int64_t day) noexcept {
    if (counts(s.latest, day)) return &s.latest;
    if (counts(s.earlier, day)) return &s.earlier;
    return nullptr;
  }
  Slot funding_, dvol_, fng_, taker_;
};

// Scale 1 signal count (bible §10.2 weights, each 0, 0.5 or 1.0): funding < −0.0001 → 1, < 0 → 0.5;
// dvol > 80 → 1, > 55 → 0.5; taker < 0.80 → 1, < 0.90 → 0.5; Fear&Greed < 25 → 1, < 40 → 0.5,
// counted only when the other three sum to more than 0. Absent (NaN) factors give 0.
[[nodiscard]] double acb_signals(const DailyFactors& f, const AcbParams& p) noexcept;

// 1.0 + 0.5·log1p(signals) when signals ≥ 1.0, else 1.0 (1 → 1.347, 2 → 1.549, 3 → 1.693).
[[nodiscard]] double base_boost(double signals) noexcept;

// Scale 3: the expanding-percentile beta switch.
//
// History. The value of day D is w750_vel(D) = (Σ defined v_750 of date D−1, in bar order) / count.
// The threshold for D is the percentile (w750_threshold_pct, default 60) of every earlier day's
// value, i.e. of w750_vel(D') for D' < D, which are the means of the dates ≤ D−2. D's own value
// (the mean of D−1) is compared with that threshold and joins the history only afterwards, so a
// value is never compared with a percentile that contains itself. The history is a property of the
// data, not of the calls: a date whose next date had no bars (no beta_for_day call) still joins it.
// Dates without a defined v_750 have no value and are not in the history.
//
// Percentile over the sorted history v[0..n−1]: h = (n − 1)·(pct/100), i = floor(h),
// v[i] + (h − i)·(v[i+1] − v[i]) (v[i] when i = n − 1). BETA_LOW when D−1 has no value or fewer
// than min_beta_history_days values precede it; else BETA_HIGH iff w750_vel ≥ threshold.
//
// No allocation while the number of dates stays within `reserve_days` (the constructor reserves).
class DynamicBeta {
 public:
  explicit DynamicBeta(const AcbParams& params, std::size_t reserve_days = 8192);

  // Feeds one defined v_750 of a bar of UTC day `day`; call for every bar in bar order, days
  // non-decreasing. NaN/Inf values are ignored (undefined v_750), and so are values for a day
  // earlier than one already fed or already passed to beta_for_day (a late bar cannot change a
  // finished day's mean).
  void add_v750(std::int64_t day, double v750) noexcept;

  // The beta of UTC day `day`, called once at the start of the date, before its first bar is fed.
  // Calling it again for the same day returns the same value; days must not decrease (an earlier
  // day returns the last result unchanged).
  double beta_for_day(std::int64_t day) noexcept;

  // Of the latest beta_for_day: w750_vel (NaN when undefined), threshold (NaN when fewer than
  // min_beta_history_days earlier values) and the number of earlier values.
  [[nodiscard]] double last_w750_vel() const noexcept { return last_value_; }
  [[nodiscard]] double last_threshold() const noexcept { return last_threshold_; }
  [[nodiscard]] std::size_t last_history_size() const noexcept { return last_history_; }

 private:
  struct DayMean {
    std::int64_t day;
    double mean;
  };
  void close_open_day(std::int64_t before_day) noexcept;
  void commit_before(std::int64_t day) noexcept;
  [[nodiscard]] double percentile() const noexcept;

  AcbParams params_;
  // The date being fed (its sum and count), not yet a value.
  bool open_ = false;
  std::int64_t open_day_ = 0;
  double open_sum_ = 0.0;
  std::int64_t open_count_ = 0;
  // Finished dates in date order; the first `committed_` of them are in `sorted_`.
  std::vector<DayMean> days_;
  std::size_t committed_ = 0;
  std::vector<double> sorted_;  // history, ascending
  bool called_ = false;
  std::int64_t last_day_ = 0;
  double last_beta_ = 0.0;
  double last_value_ = std::numeric_limits<double>::quiet_NaN();
  double last_threshold_ = std::numeric_limits<double>::quiet_NaN();
  std::size_t last_history_ = 0;
};

}  // namespace keel::dolphin
