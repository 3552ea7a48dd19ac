#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>

#include "keel/core/io/bar_data.hpp"
#include "test_support.hpp"

using namespace keel;

namespace {
constexpr const char* kHeader = "open_time_ms,open,high,low,close,volume\n";

// The "file:line: reason" message of the DataError parse_bar_csv throws ("" when it parses).
std::string csv_error(const std::string& body) {
  try {
    (void)parse_bar_csv(body, "X.csv", "X");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}
std::string json_error(const std::string& body) {
  try {
    (void)parse_bar_json(body, "X.json", "X");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(BarCsv, ParsesRowsExactly) {
  const BarSeries s = parse_bar_csv(std::string(kHeader) +
                                        "1606780800000,19695.87,19720.0,19578.96,19607.03,794.500517\n"
                                        "1606781100000,19607.02,19607.02,19505.9,19537.95,710.941254\r\n",
                                    "BTCUSDT.csv", "BTCUSDT");
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.symbol, "BTCUSDT");
  EXPECT_EQ(s.rows[0].open_time_ms, 1606780800000);
  EXPECT_EQ(s.rows[0].open.raw(), 1969587000000);
  EXPECT_EQ(s.rows[0].volume.raw(), 79450051700);
  EXPECT_EQ(s.rows[1].low.to_string(), "19505.9");
}

TEST(BarCsv, EveryRuleHasItsError) {
  const std::string h = kHeader;
  EXPECT_EQ(csv_error(""), "X.csv: empty file");
  EXPECT_EQ(csv_error(h), "X.csv: no bars after the header");
  EXPECT_EQ(csv_error("time,o,h,l,c,v\n1,1,1,1,1,1\n"),
            "X.csv:1: expected header \"open_time_ms,open,high,low,close,volume\"");
  EXPECT_EQ(csv_error(h + "1,1,1,1,1\n"), "X.csv:2: expected 6 columns, found 5");
  EXPECT_EQ(csv_error(h + "1,1,1,1,1,1,1\n"), "X.csv:2: expected 6 columns, found 7");
  EXPECT_EQ(csv_error(h + "1,1,1,1,NaN,1\n"), "X.csv:2: close is NaN (NaN/Inf are not allowed)");
  EXPECT_EQ(csv_error(h + "1,inf,1,1,1,1\n"), "X.csv:2: open is inf (NaN/Inf are not allowed)");
  EXPECT_EQ(csv_error(h + "1,1,1,0,1,1\n"), "X.csv:2: low price is not positive (0)");
  EXPECT_EQ(csv_error(h + "1,1,1,-2,1,1\n"), "X.csv:2: low is negative (-2)");
  EXPECT_EQ(csv_error(h + "1,1,1,1,1,-5\n"), "X.csv:2: volume is negative (-5)");
  EXPECT_EQ(csv_error(h + "1,1,1,1,1,1\n1,1,1,1,1,1\n"), "X.csv:3: timestamp 1 does not increase (previous 1)");
  EXPECT_EQ(csv_error(h + "5,1,1,1,1,1\n4,1,1,1,1,1\n"), "X.csv:3: timestamp 4 does not increase (previous 5)");
  EXPECT_EQ(csv_error(h + "1,1,1,1,1,1\n\n2,1,1,1,1,1\n"), "X.csv:3: empty line");
  EXPECT_EQ(csv_error(h + "x,1,1,1,1,1\n"), "X.csv:2: open_time_ms: invalid characters (\"x\")");
  EXPECT_EQ(csv_error(h + "1,1.123456789,1,1,1,1\n"), "X.csv:2: open: too many decimals (\"1.123456789\")");
  EXPECT_EQ(csv_error(h + "1,,1,1,1,1\n"), "X.csv:2: open is empty");
  // Timestamps in microseconds would overflow nanosecond event times: refused with a hint.
  EXPECT_EQ(csv_error(h + "1735689600000000,1,1,1,1,1\n"),
            "X.csv:2: open_time_ms 1735689600000000 is after the year 2200 (microseconds instead of milliseconds?)");
}

TEST(BarJson, ParsesFreqtradeFormat) {
  const BarSeries s = parse_bar_json(
      "[[1606780800000,19695.87,19720.0,19578.96,19607.03,794.500517],\n"
      " [1606781100000, 1.5e-05, 2E-5, 0.00001, 0.000015, 1e3]]\n",
      "X.json", "X");
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].close.raw(), 1960703000000);
  EXPECT_EQ(s.rows[1].open.raw(), 1500);
  EXPECT_EQ(s.rows[1].high.raw(), 2000);
  EXPECT_EQ(s.rows[1].volume.raw(), 100000000000);
}

TEST(BarJson, EveryRuleHasItsError) {
  EXPECT_EQ(json_error(""), "X.json: empty file");
  EXPECT_EQ(json_error("[]"), "X.json:1: no bars in the array");
  EXPECT_EQ(json_error("[[1,1,1,1,1]]"), "X.json:1: expected ',' before volume, found ']'");
  EXPECT_EQ(json_error("[[1,1,1,1,1,1,1]]"), "X.json:1: expected 6 columns, found more");
  EXPECT_EQ(json_error("[[1,1,1,1,NaN,1]]"), "X.json:1: close is NaN (NaN/Inf are not allowed)");
  EXPECT_EQ(json_error("[[1,1,1,0,1,1]]"), "X.json:1: low price is not positive (0)");
  EXPECT_EQ(json_error("[[2,1,1,1,1,1],\n[2,1,1,1,1,1]]"), "X.json:2: timestamp 2 does not increase (previous 2)");
  EXPECT_EQ(json_error("[[1,1,1,1,1,1]"), "X.json:1: unexpected end of file, expected ',' or ']' after a bar");
  EXPECT_EQ(json_error("[[1,1,1,1,1,1]] x"), "X.json:1: unexpected content after the bar array");
  EXPECT_EQ(json_error("{\"a\":1}"), "X.json:1: expected '[' opening the bar array, found '{'");
}

TEST(BarFiles, LoadsGzip) {
  test::ScratchDir dir("bars");
  const std::string csv = std::string(kHeader) + "1000,1,2,0.5,1.5,10\n2000,1.5,2,1,1,3\n";
  const std::string gz = dir.file("ABCUSDT.csv.gz");
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, csv.data(), static_cast<unsigned>(csv.size()));
  gzclose(f);
  const BarSeries s = load_bar_file(gz);
  EXPECT_EQ(s.symbol, "ABCUSDT");
  EXPECT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[1].close.to_string(), "1");
}

TEST(BarFiles, TruncatedGzipIsRefused) {
  test::ScratchDir dir("bars-trunc");
  std::string csv = kHeader;
  for (int i = 1; i <= 2000; ++i) csv += std::to_string(i * 1000) + ",1.5,2,1,1.25,3\n";
  const std::string gz = dir.file("T.csv.gz");
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, csv.data(), static_cast<unsigned>(csv.size()));
  gzclose(f);
  std::ifstream in(gz, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = dir.write("CUT.csv.gz", data.substr(0, data.size() / 2));
  EXPECT_THROW(load_bar_file(cut), DataError);
}

TEST(BarFiles, DirectoryLoadingAndSymbolsFile) {
  test::ScratchDir dir("bar-dir");
  const std::string good = std::string(kHeader) + "1000,1,1,1,1,1\n";
  (void)dir.write("AAA.csv", good);
  (void)dir.write("BBB.json", "[[1000,2,2,2,2,2]]");
  (void)dir.write("CCC.csv", std::string(kHeader) + "1000,1,1,nan,1,1\n");
  const std::string syms = dir.write("symbols.txt", "# ordered\nBBB\nAAA\n\n");
  const auto loaded = load_bar_directory(dir.path().string(), read_symbols_file(syms), false, 1000);
  ASSERT_EQ(loaded.series.size(), 2u);
  EXPECT_EQ(loaded.series[0].symbol, "BBB");
  EXPECT_EQ(loaded.series[1].symbol, "AAA");

  // Without a list every bar file is loaded; the bad one stops the run, naming file and line...
  try {
    (void)load_bar_directory(dir.path().string(), {}, false, 1000);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("CCC.csv:2: low is nan"), std::string::npos) << e.what();
  }
  // ...or is skipped and reported when the config says so.
  const auto skipped = load_bar_directory(dir.path().string(), {}, true, 1000);
  EXPECT_EQ(skipped.series.size(), 2u);
  ASSERT_EQ(skipped.skipped.size(), 1u);
  EXPECT_EQ(skipped.skipped[0].rfind("CCC: ", 0), 0u);
  try {
    (void)load_bar_directory(dir.path().string(), {"ZZZ"}, false, 1000);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.kind(), DataError::Kind::kMissing);
  }
  // Bars off the interval grid (a 1-second file read as 1-minute bars) are refused.
  try {
    (void)load_bar_directory(dir.path().string(), {"AAA"}, false, 60'000);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("is not on the 60000 ms grid"), std::string::npos) << e.what();
  }
  // Two files for one symbol, and a file name without a symbol, are ambiguous: refused.
  (void)dir.write("AAA.json", "[[1000,2,2,2,2,2]]");
  EXPECT_THROW(load_bar_directory(dir.path().string(), {"AAA"}, false, 1000), DataError);
  std::filesystem::remove(dir.path() / "AAA.json");
  (void)dir.write(".csv", good);
  EXPECT_THROW(load_bar_directory(dir.path().string(), {}, false, 1000), DataError);
  EXPECT_THROW(read_symbols_file(dir.write("dup.txt", "AAA\nAAA\n")), DataError);
  EXPECT_THROW(read_symbols_file(dir.write("empty.txt", "# nothing\n")), DataError);
}

TEST(BarMerger, OrdersByTimeThenSymbolAndKeepsGaps) {
  std::vector<BarSeries> series(2);
  auto row = [](std::int64_t t, std::int64_t c) {
    BarRow r;
    r.open_time_ms = t;
    r.open = r.high = r.low = r.close = Price::from_raw(c);
    return r;
  };
  series[0].rows = {row(0, 1), row(300000, 2), row(1200000, 3)};  // gap: 600000 and 900000 missing
  series[1].rows = {row(300000, 10), row(600000, 11), row(1200000, 12)};
  BarMerger m(series, {5, 6}, 300000);
  std::vector<std::tuple<std::int64_t, InstrumentId, bool>> got;
  Event e{};
  while (m.next(e)) {
    got.emplace_back(e.header.ts_exchange / 1'000'000, e.header.instrument, (e.header.flags & kFlagEndOfBatch) != 0);
    EXPECT_EQ(e.header.ts_local - e.header.ts_exchange, 300000LL * 1'000'000);
  }
  const std::vector<std::tuple<std::int64_t, InstrumentId, bool>> want = {
      {0, 5, true}, {300000, 5, false}, {300000, 6, true}, {600000, 6, true}, {1200000, 5, false}, {1200000, 6, true}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(m.bar_times(), 4u);  // 900000 does not exist: no bar was invented
  EXPECT_EQ(m.gaps(), 1u);
  EXPECT_EQ(m.missing_bar_times(), 1u);
  EXPECT_THROW(BarMerger(series, {5, 6}, 0), std::invalid_argument);
  const GapStats g = find_gaps(series[0], 300000);
  EXPECT_EQ(g.gaps, 1);
  EXPECT_EQ(g.missing_bars, 2);
  EXPECT_EQ(g.longest_gap_bars, 2);
}
