// ACB v6 (bible §10, DOLPHIN.md §4 and §8): factor weights, Fear&Greed confirmation, base boost,
// the factor table's loader, and the dynamic beta's expanding percentile. Expected values are
// computed by hand (and checked against the bible's printed figures).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "keel/core/primitives/alloc_counter.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/strategy/dolphin/acb.hpp"
#include "test_support.hpp"

using namespace keel;
using namespace keel::dolphin;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

DailyFactors factors(double funding, double dvol, double fng, double taker) {
  DailyFactors f;
  f.funding_btc = funding;
  f.dvol_btc = dvol;
  f.fng = fng;
  f.taker = taker;
  return f;
}

double signals(double funding, double dvol, double fng, double taker) {
  return acb_signals(factors(funding, dvol, fng, taker), AcbParams{});
}

}  // namespace

// ---------------------------------------------------------------- base boost

TEST(AcbBaseBoost, BibleValues) {
  // 1 + 0.5·ln 2, 1 + 0.5·ln 3, 1 + 0.5·ln 4 = 1 + ln 2 (bible: 1.347x, 1.549x, 1.693x).
  EXPECT_DOUBLE_EQ(base_boost(1.0), 1.3465735902799727);
  EXPECT_DOUBLE_EQ(base_boost(2.0), 1.5493061443340548);
  EXPECT_DOUBLE_EQ(base_boost(3.0), 1.6931471805599454);
  EXPECT_NEAR(base_boost(1.0), 1.347, 5e-4);
  EXPECT_NEAR(base_boost(2.0), 1.549, 5e-4);
  EXPECT_NEAR(base_boost(3.0), 1.693, 5e-4);
  EXPECT_DOUBLE_EQ(base_boost(1.5), 1.4581453659370776);  // 1 + 0.5·ln 2.5
  EXPECT_DOUBLE_EQ(base_boost(4.0),
                   1.8047189562170503);  // 1 + 0.5·ln 5: every factor at full weight
}

TEST(AcbBaseBoost, BelowOneSignalIsNeutral) {
  EXPECT_EQ(base_boost(0.0), 1.0);
  EXPECT_EQ(base_boost(0.5), 1.0);
  EXPECT_EQ(base_boost(std::nextafter(1.0, 0.0)), 1.0);
  EXPECT_GT(base_boost(1.0), 1.0);  // the threshold is inclusive
}

// ---------------------------------------------------------------- signals

TEST(AcbSignals, NoFactorsGiveNoSignal) {
  EXPECT_EQ(acb_signals(DailyFactors{}, AcbParams{}), 0.0);
  EXPECT_EQ(base_boost(acb_signals(DailyFactors{}, AcbParams{})), 1.0);
  // Neutral values: funding 0, dvol 55, fng 40, taker 0.90 sit exactly on the mild thresholds.
  EXPECT_EQ(signals(0.0, 55.0, 40.0, 0.90), 0.0);
}

TEST(AcbSignals, Funding) {
  EXPECT_EQ(signals(-0.0002, kNaN, kNaN, kNaN), 1.0);
  EXPECT_EQ(signals(-0.0001, kNaN, kNaN, kNaN), 0.5);  // not < −0.0001, but < 0
  EXPECT_EQ(signals(-0.00005, kNaN, kNaN, kNaN), 0.5);
  EXPECT_EQ(signals(0.0, kNaN, kNaN, kNaN), 0.0);
  EXPECT_EQ(signals(0.0001, kNaN, kNaN, kNaN), 0.0);
}

TEST(AcbSignals, Dvol) {
  EXPECT_EQ(signals(kNaN, 81.0, kNaN, kNaN), 1.0);
  EXPECT_EQ(signals(kNaN, 80.0, kNaN, kNaN), 0.5);  // not > 80, but > 55
  EXPECT_EQ(signals(kNaN, 56.0, kNaN, kNaN), 0.5);
  EXPECT_EQ(signals(kNaN, 55.0, kNaN, kNaN), 0.0);
  EXPECT_EQ(signals(kNaN, 30.0, kNaN, kNaN), 0.0);
}

TEST(AcbSignals, Taker) {
  EXPECT_EQ(signals(kNaN, kNaN, kNaN, 0.79), 1.0);
  EXPECT_EQ(signals(kNaN, kNaN, kNaN, 0.80), 0.5);  // not < 0.80, but < 0.90
  EXPECT_EQ(signals(kNaN, kNaN, kNaN, 0.85), 0.5);
  EXPECT_EQ(signals(kNaN, kNaN, kNaN, 0.90), 0.0);
  EXPECT_EQ(signals(kNaN, kNaN, kNaN, 1.10), 0.0);
}

TEST(AcbSignals, FearAndGreedNeedsConfirmation) {
  // Alone, even extreme fear counts for nothing.
  EXPECT_EQ(signals(kNaN, kNaN, 10.0, kNaN), 0.0);
  EXPECT_EQ(signals(0.0, 30.0, 10.0, 1.0), 0.0);  // others present but not signalling
  EXPECT_EQ(base_boost(signals(kNaN, kNaN, 10.0, kNaN)), 1.0);
  // With a mild dvol signal (0.5) it counts: 0.5 + 1.0, 0.5 + 0.5, 0.5 + 0.
  EXPECT_EQ(signals(kNaN, 60.0, 10.0, kNaN), 1.5);
  EXPECT_EQ(signals(kNaN, 60.0, 25.0, kNaN), 1.0);  // 25 is not < 25, but < 40
  EXPECT_EQ(signals(kNaN, 60.0, 39.0, kNaN), 1.0);
  EXPECT_EQ(signals(kNaN, 60.0, 40.0, kNaN), 0.5);
  // The confirmation turns a sub-threshold day into a boosted one: 0.5 → 1.0 + 0.5·ln 2.5.
  EXPECT_EQ(base_boost(signals(kNaN, 60.0, 90.0, kNaN)), 1.0);
  EXPECT_DOUBLE_EQ(base_boost(signals(kNaN, 60.0, 10.0, kNaN)), 1.4581453659370776);
  // Confirmed by funding or by taker alike.
  EXPECT_EQ(signals(-0.00005, kNaN, 24.0, kNaN), 1.5);
  EXPECT_EQ(signals(kNaN, kNaN, 24.0, 0.85), 1.5);
}

TEST(AcbSignals, WeightsAdd) {
  EXPECT_EQ(signals(-0.0002, 81.0, 10.0, 0.79), 4.0);
  EXPECT_EQ(signals(-0.00005, 60.0, 30.0, 0.85), 2.0);
  EXPECT_EQ(signals(-0.0002, 60.0, kNaN, 0.85), 2.0);
  EXPECT_DOUBLE_EQ(base_boost(signals(-0.00005, 60.0, 30.0, 0.85)), 1.5493061443340548);
}

TEST(AcbSignals, ThresholdsComeFromParams) {
  AcbParams p;
  p.dvol_extreme = 100.0;
  p.dvol_elevated = 90.0;
  EXPECT_EQ(acb_signals(factors(kNaN, 85.0, kNaN, kNaN), p), 0.0);
  EXPECT_EQ(acb_signals(factors(kNaN, 95.0, kNaN, kNaN), p), 0.5);
}

// ---------------------------------------------------------------- factor table

namespace {

constexpr const char* kGoodTable =
    "date,funding_btc,dvol_btc,fng,taker\n"
    "2024-01-01,-0.00012,62.5,20,0.85\n"
    "2024-01-02,,,,\n"
    "2024-01-04,+0.0001,1e2,,0.95\r\n"
    "\n";

std::int64_t day_of(const char* date) {
  return *parse_utc_date(date);
}

// The DataError of parsing `text` (fails the test when nothing is thrown).
DataError parse_error(const std::string& text) {
  try {
    (void)FactorTable::parse(text, "f.csv");
  } catch (const DataError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text;
  return DataError("", 0, "");
}

std::string table_with_row(const std::string& row) {
  return "date,funding_btc,dvol_btc,fng,taker\n2024-01-01,0,50,50,1\n" + row + "\n";
}

}  // namespace

TEST(FactorTable, ParsesRowsAndAbsentCells) {
  const FactorTable t = FactorTable::parse(kGoodTable, "f.csv");
  EXPECT_EQ(t.size(), 3u);
  const DailyFactors a = t.at(day_of("2024-01-01"));
  EXPECT_EQ(a.funding_btc, -0.00012);
  EXPECT_EQ(a.dvol_btc, 62.5);
  EXPECT_EQ(a.fng, 20.0);
  EXPECT_EQ(a.taker, 0.85);
  const DailyFactors b = t.at(day_of("2024-01-02"));  // a row of absent cells
  EXPECT_TRUE(std::isnan(b.funding_btc) && std::isnan(b.dvol_btc) && std::isnan(b.fng) &&
              std::isnan(b.taker));
  const DailyFactors c = t.at(day_of("2024-01-04"));  // '+', exponent, CRLF
  EXPECT_EQ(c.funding_btc, 0.0001);
  EXPECT_EQ(c.dvol_btc, 100.0);
  EXPECT_TRUE(std::isnan(c.fng));
  EXPECT_EQ(c.taker, 0.95);
  // Missing dates (between rows, before, after): all absent.
  for (const char* d : {"2024-01-03", "2023-12-31", "2024-01-05"}) {
    const DailyFactors m = t.at(day_of(d));
    EXPECT_TRUE(std::isnan(m.funding_btc) && std::isnan(m.dvol_btc) && std::isnan(m.fng) &&
                std::isnan(m.taker))
        << d;
  }
  // The 2024-01-01 row signals funding 1.0 + dvol 0.5 + taker 0.5 + confirmed F&G 1.0 = 3.
  EXPECT_EQ(acb_signals(a, AcbParams{}), 3.0);
  EXPECT_EQ(acb_signals(FactorTable{}.at(day_of("2024-01-01")), AcbParams{}), 0.0);
}

TEST(FactorTable, LoadsFileAndReportsMissingFile) {
  test::ScratchDir dir("dolphin-acb");
  const std::string path = dir.write("factors.csv", kGoodTable);
  EXPECT_EQ(FactorTable::load(path).size(), 3u);
  try {
    (void)FactorTable::load(dir.file("absent.csv"));
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.kind(), DataError::Kind::kMissing);
  }
  const std::string bad = dir.write("bad.csv", table_with_row("2024-01-02,nan,,,"));
  try {
    (void)FactorTable::load(bad);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad + ":3: ", 0), 0u) << e.what();  // file:line: reason
  }
}

TEST(FactorTable, RefusesEmptyFileAndWrongHeader) {
  DataError e = parse_error("");
  EXPECT_EQ(e.line(), 0u);
  EXPECT_EQ(e.reason(), "empty file");
  e = parse_error("date,funding,dvol,fng,taker\n2024-01-01,0,0,0,0\n");
  EXPECT_EQ(e.line(), 1u);
  EXPECT_NE(e.reason().find("expected header"), std::string::npos);
  EXPECT_EQ(std::string(e.what()), "f.csv:1: " + e.reason());
  e = parse_error("2024-01-01,0,0,0,0\n");  // no header at all
  EXPECT_EQ(e.line(), 1u);
  e = parse_error("date,funding_btc,dvol_btc,fng,taker\n");
  EXPECT_EQ(e.reason(), "no rows after the header");
}

TEST(FactorTable, RefusesWrongColumnCountAndEmptyLines) {
  DataError e = parse_error(table_with_row("2024-01-02,0,0,0"));
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.reason(), "expected 5 columns, found 4");
  e = parse_error(table_with_row("2024-01-02,0,0,0,0,0"));
  EXPECT_EQ(e.reason(), "expected 5 columns, found 6");
  e = parse_error("date,funding_btc,dvol_btc,fng,taker\n\n2024-01-01,0,0,0,0\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.reason(), "empty line");
}

TEST(FactorTable, RefusesBadDates) {
  for (const char* d :
       {"2024-02-30", "2024-13-01", "2024/01/02", "24-01-02", "", "2024-01-2", " 2024-01-02"}) {
    const DataError e = parse_error(table_with_row(std::string(d) + ",0,0,0,0"));
    EXPECT_EQ(e.line(), 3u) << d;
    EXPECT_NE(e.reason().find("date is not a UTC date"), std::string::npos)
        << d << ": " << e.reason();
  }
}

TEST(FactorTable, RefusesNanAndInfText) {
  for (const char* v : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity", "+inf"}) {
    for (int column = 1; column <= 4; ++column) {
      std::string row = "2024-01-02";
      for (int c = 1; c <= 4; ++c) row += c == column ? std::string(",") + v : std::string(",1");
      const DataError e = parse_error(table_with_row(row));
      EXPECT_EQ(e.line(), 3u) << row;
      EXPECT_NE(e.reason().find("NaN/Inf are not allowed"), std::string::npos)
          << row << ": " << e.reason();
    }
  }
}

TEST(FactorTable, RefusesValuesThatAreNotDecimals) {
  for (const char* v :
       {"abc", "1.2.3", "1e", " 1", "1 ", "0x10", "--1", "+-1", "++1", "+", "1e400"}) {
    const DataError e = parse_error(table_with_row(std::string("2024-01-02,") + v + ",1,1,1"));
    EXPECT_EQ(e.line(), 3u) << v;
    EXPECT_NE(e.reason().find("funding_btc is not a decimal number"), std::string::npos)
        << v << ": " << e.reason();
  }
}

TEST(FactorTable, RefusesRepeatedAndDecreasingDates) {
  DataError e = parse_error(table_with_row("2024-01-01,0,0,0,0"));
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.reason(), "date 2024-01-01 repeats");
  e = parse_error(table_with_row("2023-12-31,0,0,0,0"));
  EXPECT_EQ(e.line(), 3u);
  EXPECT_NE(e.reason().find("does not increase"), std::string::npos);
}

// ---------------------------------------------------------------- dynamic beta

namespace {

// One value per day (its mean is the value itself).
void feed_days(DynamicBeta& beta, std::int64_t first_day, std::initializer_list<double> values) {
  std::int64_t d = first_day;
  for (const double v : values) {
    (void)beta.beta_for_day(d);
    beta.add_v750(d, v);
    ++d;
  }
}

}  // namespace

TEST(DynamicBeta, FewerThanFiveEarlierDaysIsBetaLow) {
  const AcbParams p;
  DynamicBeta beta(p);
  // Day 100 and 101: no previous day at all.
  EXPECT_EQ(beta.beta_for_day(100), p.beta_low);
  EXPECT_TRUE(std::isnan(beta.last_w750_vel()));
  beta.add_v750(100, 1.0);
  EXPECT_EQ(beta.beta_for_day(101), p.beta_low);  // value 1.0, no history
  EXPECT_EQ(beta.last_w750_vel(), 1.0);
  EXPECT_EQ(beta.last_history_size(), 0u);
  beta.add_v750(101, 3.0);
  feed_days(beta, 102, {0.0, 4.0, 2.0});  // calls 102, 103, 104
  // Day 105: value = mean of 104 = 2.0; earlier days' values = means of 100..103 = 4 values.
  EXPECT_EQ(beta.beta_for_day(105), p.beta_low);
  EXPECT_EQ(beta.last_w750_vel(), 2.0);
  EXPECT_EQ(beta.last_history_size(), 4u);
  EXPECT_TRUE(std::isnan(beta.last_threshold()));
}

TEST(DynamicBeta, ExactInterpolationAndInclusiveComparison) {
  // History {1, 3, 0, 4, 2} → sorted {0, 1, 2, 3, 4}; h = 4·0.6 = 2.4 (exact: ×4 scales), i = 2,
  // threshold = 2 + 0.4·(3 − 2) = 2.4 exactly as doubles.
  static_assert(60.0 / 100.0 == 0.6);
  const AcbParams p;
  for (const double today : {2.4, std::nextafter(2.4, 0.0), 2.5, 0.0}) {
    DynamicBeta beta(p);
    feed_days(beta, 100, {1.0, 3.0, 0.0, 4.0, 2.0, today});  // value of day 106 = mean of 105
    const double b = beta.beta_for_day(106);
    EXPECT_EQ(beta.last_history_size(), 5u);
    EXPECT_EQ(beta.last_threshold(), 2.4);
    EXPECT_EQ(beta.last_w750_vel(), today);
    EXPECT_EQ(b, today >= 2.4 ? p.beta_high : p.beta_low) << today;
  }
}

TEST(DynamicBeta, TheDaysOwnValueJoinsTheHistoryOnlyAfterwards) {
  // Value 2.2 against the earlier days {0,1,2,3,4}: threshold 2.4 → BETA_LOW. Had 2.2 joined first,
  // {0,1,2,2.2,3,4} would give h = 5·0.6 = 3, threshold v[3] = 2.2 → BETA_HIGH.
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 100, {1.0, 3.0, 0.0, 4.0, 2.0, 2.2});
  EXPECT_EQ(beta.beta_for_day(106), p.beta_low);
  EXPECT_EQ(beta.last_threshold(), 2.4);
  // Next day: 2.2 has joined; 6 values, h = 3.0, threshold v[3] = 2.2; today's value 2.2 → HIGH.
  beta.add_v750(106, 2.2);
  EXPECT_EQ(beta.beta_for_day(107), p.beta_high);
  EXPECT_EQ(beta.last_history_size(), 6u);
  EXPECT_EQ(beta.last_threshold(), 2.2);
}

TEST(DynamicBeta, NonIntegerRankInterpolates) {
  // 7 earlier values: h = 6·0.6 = 3.5999999999999996, i = 3; sorted {0,10,20,30,40,50,60} →
  // 30 + (h − 3)·10 with h − 3 = 0.5999999999999996.
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 10, {60.0, 0.0, 50.0, 10.0, 40.0, 20.0, 30.0, 35.0});
  (void)beta.beta_for_day(18);
  const double h = 6.0 * 0.6;
  EXPECT_EQ(h, 3.5999999999999996);
  EXPECT_EQ(beta.last_threshold(), 30.0 + (h - 3.0) * 10.0);
  EXPECT_DOUBLE_EQ(beta.last_threshold(), 36.0);
  EXPECT_EQ(beta.beta_for_day(18), p.beta_low);  // 35 < 36
}

TEST(DynamicBeta, AllEqualAndTopRank) {
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 0, {5.0, 5.0, 5.0, 5.0, 5.0, 5.0});
  EXPECT_EQ(beta.beta_for_day(6), p.beta_high);  // 5 >= 5
  EXPECT_EQ(beta.last_threshold(), 5.0);
  // pct 100: h = n − 1 → v[n−1] (no v[n] read).
  AcbParams top = p;
  top.w750_threshold_pct = 100.0;
  DynamicBeta b2(top);
  feed_days(b2, 0, {1.0, 2.0, 3.0, 4.0, 5.0, 5.0});
  EXPECT_EQ(b2.beta_for_day(6), top.beta_high);
  EXPECT_EQ(b2.last_threshold(), 5.0);
}

TEST(DynamicBeta, MeanSumsLeftToRightInBarOrder) {
  const AcbParams p;
  DynamicBeta beta(p);
  (void)beta.beta_for_day(1);
  beta.add_v750(1, 0.1);
  beta.add_v750(1, std::numeric_limits<double>::quiet_NaN());  // undefined: ignored
  beta.add_v750(1, 0.2);
  beta.add_v750(1, 0.3);
  (void)beta.beta_for_day(2);
  // ((0.1 + 0.2) + 0.3) / 3 = 0.6000000000000001 / 3 = 0.20000000000000004 (the other order
  // ((0.3 + 0.2) + 0.1) / 3 would give 0.19999999999999998).
  EXPECT_EQ(beta.last_w750_vel(), 0.20000000000000004);
}

TEST(DynamicBeta, PreviousDayWithoutValuesIsUndefinedAndSkipped) {
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 1, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0});  // days 1..6
  // Day 7 has bars but no defined v_750 (only NaN).
  (void)beta.beta_for_day(7);
  beta.add_v750(7, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(beta.beta_for_day(8), p.beta_low);
  EXPECT_TRUE(std::isnan(beta.last_w750_vel()));
  EXPECT_EQ(beta.last_history_size(), 6u);  // the means of dates 1..6 (values of days 2..7)
  // Day 9: value of day 8 (fed 100 → above any threshold); day 7 added nothing to the history.
  beta.add_v750(8, 100.0);
  EXPECT_EQ(beta.beta_for_day(9), p.beta_high);
  EXPECT_EQ(beta.last_history_size(), 6u);
  EXPECT_EQ(beta.last_w750_vel(), 100.0);
}

TEST(DynamicBeta, ExactlyThePreviousDate) {
  // Day 11 had no bars at all (no call either): day 12's value is undefined even though day 10 has
  // one, and day 10's mean still joins the history.
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 5, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0});  // days 5..10
  EXPECT_EQ(beta.beta_for_day(12), p.beta_low);
  EXPECT_TRUE(std::isnan(beta.last_w750_vel()));
  EXPECT_EQ(beta.last_history_size(), 6u);  // days 5..10
  beta.add_v750(12, 7.0);
  EXPECT_EQ(beta.beta_for_day(13), p.beta_high);  // 7 against {1..6}: h = 3, threshold 4
  EXPECT_EQ(beta.last_threshold(), 4.0);
}

TEST(DynamicBeta, OncePerDay) {
  const AcbParams p;
  DynamicBeta beta(p);
  feed_days(beta, 1, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0});  // days 1..6
  const double first = beta.beta_for_day(7);
  EXPECT_EQ(first, p.beta_high);  // 6 against {1..5}: threshold 1 + 4·0.6 = 3.4
  // Bars of day 7 arrive, then a repeated start-of-day call: same answer, no new history.
  beta.add_v750(7, -50.0);
  EXPECT_EQ(beta.beta_for_day(7), first);
  EXPECT_EQ(beta.last_history_size(), 5u);
  EXPECT_EQ(beta.last_w750_vel(), 6.0);
  // An earlier day is refused: the last answer again.
  EXPECT_EQ(beta.beta_for_day(3), first);
  // A late bar of day 6 no longer changes day 6's mean.
  beta.add_v750(6, -1000.0);
  EXPECT_EQ(beta.beta_for_day(8), p.beta_low);  // −50 against {1..6}
  EXPECT_EQ(beta.last_w750_vel(), -50.0);
  EXPECT_EQ(beta.last_history_size(), 6u);
  EXPECT_DOUBLE_EQ(beta.last_threshold(), 1.0 + 5.0 * 0.6);  // h = 3: v[3] = 4
  EXPECT_EQ(beta.last_threshold(), 4.0);
}

TEST(DynamicBeta, DoesNotAllocateAfterConstruction) {
  if (!allocation_hooks_installed()) GTEST_SKIP() << "allocation hooks not linked";
  const AcbParams p;
  DynamicBeta beta(p, 400);
  AllocationScope scope;
  for (std::int64_t d = 0; d < 365; ++d) {
    (void)beta.beta_for_day(d);
    for (int b = 0; b < 288; ++b) beta.add_v750(d, static_cast<double>((d * 7 + b) % 13) * 1e-4);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  const FactorTable t = FactorTable::parse(kGoodTable, "f.csv");
  scope.restart();
  double sum = 0.0;
  for (std::int64_t d = 19'700; d < 19'800; ++d) sum += acb_signals(t.at(d), p);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(sum, 4.0);  // 2024-01-01 (day 19723): 3; 2024-01-04: dvol 100 → 1
}

// Live ACB inputs (DECISIONS 260-266): range checks, the day a value counts for, the merge order.
TEST(LiveFactors, RangesRefuseNanInfAndOutOfRange) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (FactorKind k : {FactorKind::kFunding, FactorKind::kImpliedVol, FactorKind::kFearGreed, FactorKind::kTakerRatio}) {
    EXPECT_FALSE(LiveFactors::in_range(k, nan));
    EXPECT_FALSE(LiveFactors::in_range(k, inf));
    EXPECT_FALSE(LiveFactors::in_range(k, -inf));
  }
  EXPECT_TRUE(LiveFactors::in_range(FactorKind::kFunding, -1.0));
  EXPECT_FALSE(LiveFactors::in_range(FactorKind::kFunding, 1.0001));
  EXPECT_FALSE(LiveFactors::in_range(FactorKind::kImpliedVol, -0.1));
  EXPECT_FALSE(LiveFactors::in_range(FactorKind::kFearGreed, 100.5));
  EXPECT_TRUE(LiveFactors::in_range(FactorKind::kFearGreed, 100.0));
  EXPECT_FALSE(LiveFactors::in_range(FactorKind::kTakerRatio, 1e6));
  EXPECT_FALSE(LiveFactors::in_range(FactorKind::kOpenInterestChange, 0.1));
  LiveFactors live;
  EXPECT_EQ(live.offer(FactorKind::kFearGreed, 250.0, 10), LiveFactorOutcome::kInvalid);
  EXPECT_EQ(live.offer(FactorKind::kOpenInterestChange, 0.1, 10), LiveFactorOutcome::kUnused);
  EXPECT_EQ(live.offer(static_cast<FactorKind>(77), 0.1, 10), LiveFactorOutcome::kUnused);
  EXPECT_FALSE(live.any_for(10));
}

TEST(LiveFactors, AValueCountsForItsDayAndTheNextAndOverridesTheTable) {
  LiveFactors live;
  DailyFactors table;
  table.funding_btc = 0.0002;
  table.fng = 60.0;
  ASSERT_EQ(live.offer(FactorKind::kFunding, -0.0005, 10), LiveFactorOutcome::kApplied);
  ASSERT_EQ(live.offer(FactorKind::kImpliedVol, 90.0, 10), LiveFactorOutcome::kApplied);
  EXPECT_FALSE(live.any_for(9));  // no look-back: a value never counts for an earlier day
  for (std::int64_t day : {10, 11}) {
    const DailyFactors f = live.merge(day, table);
    EXPECT_EQ(f.funding_btc, -0.0005);  // overrides the table
    EXPECT_EQ(f.dvol_btc, 90.0);        // fills the table's NaN
    EXPECT_EQ(f.fng, 60.0);             // the table's value where nothing live
    EXPECT_TRUE(std::isnan(f.taker));
  }
  const DailyFactors stale = live.merge(12, table);
  EXPECT_EQ(stale.funding_btc, 0.0002);
  EXPECT_TRUE(std::isnan(stale.dvol_btc));
  ASSERT_EQ(live.offer(FactorKind::kFunding, 0.0001, 12), LiveFactorOutcome::kApplied);  // a newer value replaces
  EXPECT_EQ(live.merge(12, table).funding_btc, 0.0001);
  EXPECT_EQ(live.merge(10, table).funding_btc, -0.0005);  // still day 10's own value
}

// A value already dated the next day leaves the current day its own value (a recompute of the
// current day between midnight and the next day's first bar).
TEST(LiveFactors, ANextDayValueKeepsTheCurrentDaysValue) {
  LiveFactors live;
  ASSERT_EQ(live.offer(FactorKind::kFunding, -0.0005, 10), LiveFactorOutcome::kApplied);
  ASSERT_EQ(live.offer(FactorKind::kFunding, 0.0003, 11), LiveFactorOutcome::kApplied);
  EXPECT_EQ(live.merge(10, {}).funding_btc, -0.0005);
  EXPECT_EQ(live.merge(11, {}).funding_btc, 0.0003);
  EXPECT_EQ(live.merge(12, {}).funding_btc, 0.0003);
  ASSERT_EQ(live.offer(FactorKind::kFunding, 0.0004, 11), LiveFactorOutcome::kApplied);  // same day: replaces
  EXPECT_EQ(live.merge(10, {}).funding_btc, -0.0005);
  EXPECT_EQ(live.merge(11, {}).funding_btc, 0.0004);
}

TEST(LiveFactors, UndatedValuesWaitForTheFirstDay) {
  LiveFactors live;
  ASSERT_EQ(live.offer(FactorKind::kTakerRatio, 0.7, LiveFactors::kUndated), LiveFactorOutcome::kApplied);
  EXPECT_FALSE(live.any_for(100));
  live.date_undated(100);
  EXPECT_EQ(live.merge(100, {}).taker, 0.7);
  EXPECT_FALSE(live.any_for(102));
}
