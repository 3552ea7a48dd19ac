// `keel feed` end to end: the shared spot capture's --books lines equal a naive book built here
// from the same frames (an independent string parse, std::map book), line by line; a REST snapshot
// seeds its symbol's book by Binance's rules; bad frames are counted and the run goes on; a broken
// or missing capture is refused with its exit code.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "../support/binance_text_scan.hpp"
#include "keel/core/io/capture.hpp"
#include "../unit/test_support.hpp"

namespace keel {
namespace {

using test::run_keel;
using test::slurp;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}
using test::field;
using test::Levels;
using test::levels;
using test::payload;
using test::raw_of;
// Units of 1e-8 → the shortest exact decimal ("0.3513", "6195").
std::string text_of(std::int64_t raw) {
  std::string s = std::to_string(raw / 100'000'000);
  std::string frac = std::to_string(raw % 100'000'000);
  frac = std::string(8 - frac.size(), '0') + frac;
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? s : s + "." + frac;
}
struct NaiveBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  void apply(const Levels& b, const Levels& a) {
    for (auto [p, q] : b) q == 0 ? (void)bids.erase(p) : (void)(bids[p] = q);
    for (auto [p, q] : a) q == 0 ? (void)asks.erase(p) : (void)(asks[p] = q);
  }
  template <class M>
  static std::string side(const M& m, std::size_t depth) {
    std::string s = "[";
    std::size_t i = 0;
    for (auto it = m.begin(); it != m.end() && i < depth; ++it, ++i)
      s += (i ? ",[\"" : "[\"") + text_of(it->first) + "\",\"" + text_of(it->second) + "\"]";
    return s + "]";
  }
  std::string line(std::uint64_t seq, std::string_view symbol, std::uint64_t u, std::size_t depth) const {
    return "{\"seq\":" + std::to_string(seq) + ",\"symbol\":\"" + std::string(symbol) + "\",\"u\":" + std::to_string(u) +
           ",\"bids\":" + side(bids, depth) + ",\"asks\":" + side(asks, depth) + "}";
  }
};

class KeelFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keel_feed_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(KeelFeed, BooksLinesEqualANaiveBookAfterEveryDiff) {
  const std::string capture = test::shared_data("binance-ws/spot-capture.txt");
  const auto o = run_keel("feed " + capture + " --books " + path("books.jsonl") + " --depth 5 --out " + path("out"));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("0 malformed"), std::string::npos) << o.output;
  const std::vector<std::string> got = lines_of(slurp(path("books.jsonl")));
  // The expected lines, from the capture's depth diffs applied to naive books.
  const Capture cap = load_capture_file(capture);
  std::map<std::string, NaiveBook, std::less<>> books;
  std::vector<std::string> want;
  for (const CaptureRecord& r : cap.records) {
    const std::string_view d = payload(r.frame);
    if (field(d, "e") != "depthUpdate") continue;
    NaiveBook& b = books[std::string(field(d, "s"))];
    b.apply(levels(d, "b"), levels(d, "a"));
    want.push_back(b.line(want.size() + 1, field(d, "s"), std::stoull(std::string(field(d, "u"))), 5));
  }
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "line " << i + 1;
  const std::string summary = slurp(path("out/summary.json"));
  EXPECT_NE(summary.find("\"frames\": 265"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"malformed\": 0,"), std::string::npos);
  EXPECT_NE(summary.find("\"depthUpdate\": {\"decoded\": 177,"), std::string::npos);
  EXPECT_NE(summary.find("\"synced\": false"), std::string::npos);  // diff-only: never synced
  EXPECT_GT(std::filesystem::file_size(path("out/journal.bin")), 32u);
}

// One symbol's frames; a REST snapshot taken at diff k (the naive book then) seeds the book; from
// there the lines follow the diffs, the first one being the sync itself.
TEST_F(KeelFeed, ARestSnapshotSeedsTheBookByBinancesRules) {
  const Capture cap = load_capture_file(test::shared_data("binance-ws/spot-capture.txt"));
  std::ofstream one(path("one.txt"));
  NaiveBook naive;
  std::vector<std::pair<std::uint64_t, NaiveBook>> after;  // (u, book) after each diff
  for (const CaptureRecord& r : cap.records) {
    const std::string_view d = payload(r.frame);
    if (field(d, "s") != "NKNUSDT") continue;
    one << r.receive_time_ns / 1000 << ' ' << r.frame << '\n';
    if (field(d, "e") == "depthUpdate") {
      naive.apply(levels(d, "b"), levels(d, "a"));
      after.emplace_back(std::stoull(std::string(field(d, "u"))), naive);
    }
  }
  one.close();
  ASSERT_GT(after.size(), 20u);
  const std::size_t k = 10;
  const NaiveBook& snap = after[k].second;
  std::string body = "{\"lastUpdateId\":" + std::to_string(after[k].first) + ",\"bids\":" + NaiveBook::side(snap.bids, 1000) +
                     ",\"asks\":" + NaiveBook::side(snap.asks, 1000) + "}";
  std::ofstream(path("snap.json")) << body;
  const auto o = run_keel("feed " + path("one.txt") + " --snapshot " + path("snap.json") + " --books " + path("b.jsonl") +
                          " --depth 1000 --out " + path("out"));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("(1 synced by a snapshot)"), std::string::npos) << o.output;
  const std::vector<std::string> got = lines_of(slurp(path("b.jsonl")));
  ASSERT_EQ(got.size(), after.size() - k);  // the sync, then every diff after k
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], after[k + i].second.line(i + 1, "NKNUSDT", after[k + i].first, 1000)) << "line " << i + 1;
  EXPECT_NE(slurp(path("out/summary.json")).find("\"synced\": true"), std::string::npos);
}

TEST_F(KeelFeed, BadFramesAreCountedAndTheRunGoesOn) {
  std::ofstream c(path("bad.txt"));
  c << "1700000000000000 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"NaN\",\"q\":\"1\",\"T\":1,\"m\":true}}\n";
  c << "1700000000000001 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":2,\"p\":\"1e999\",\"q\":\"1\",\"T\":1,\"m\":true}}\n";
  // truncated: not JSON, so not classified either (counted as "unclassified")
  c << "1700000000000002 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":3,\"p\":\"1\"\n";
  c << "1700000000000003 {\"stream\":\"btcusdt@ticker\",\"data\":{\"e\":\"24hrTicker\",\"E\":1,\"s\":\"BTCUSDT\"}}\n";
  c << "1700000000000004 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":4,\"p\":\"99999999999999999999999\",\"q\":\"1\",\"T\":1,\"m\":true}}\n";
  c << "1700000000000005 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":5,\"p\":\"2.5\",\"q\":\"1\",\"T\":1,\"m\":true}}\n";
  c.close();
  const auto o = run_keel("feed " + path("bad.txt") + " --out " + path("out"));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("4 malformed, 1 unknown kinds"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("logged once"), std::string::npos) << o.output;
  const std::string summary = slurp(path("out/summary.json"));
  EXPECT_NE(summary.find("\"trade\": {\"decoded\": 1, \"malformed\": 3,"), std::string::npos) << summary;
}

TEST_F(KeelFeed, ABrokenOrMissingCaptureIsRefused) {
  std::ofstream(path("broken.txt")) << "1700000000000000 {}\nnot a capture line\n";
  const auto bad = run_keel("feed " + path("broken.txt"));
  EXPECT_EQ(bad.exit_code, 65) << bad.output;
  EXPECT_NE(bad.output.find("broken.txt:2"), std::string::npos) << bad.output;
  const auto missing = run_keel("feed " + path("nope.txt"));
  EXPECT_EQ(missing.exit_code, 66) << missing.output;
  const auto usage = run_keel("feed " + test::shared_data("binance-ws/spot-capture.txt") + " --market options");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

// keel backtest --book-capture: a capture's depth becomes the core's order books, merged with the
// (synthetic) bars by receive time; DOLPHIN has order-book data exactly while the capture lasts; the
// journal holds the book events, so `keel replay` gives the same digest.
TEST_F(KeelFeed, ABacktestTakesACaptureAsItsOrderBookSource) {
  std::ofstream cap(path("books.txt"));
  const std::int64_t start_us = 1609459200LL * 1'000'000;  // 2021-01-01T00:00Z, the synthetic start
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t t = start_us + (30 + 60LL * i) * 1'000'000;
    const int bid_qty = 10 + (i * 7) % 50, ask_qty = 10 + (i * 13) % 40;
    cap << t << " {\"stream\":\"syn000usdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":" << t / 1000
        << ",\"s\":\"SYN000USDT\",\"U\":" << 2 * i + 1 << ",\"u\":" << 2 * i + 2 << ",\"b\":[[\"99.5\",\"" << bid_qty
        << "\"]],\"a\":[[\"100.5\",\"" << ask_qty << "\"]]}}\n";
  }
  cap.close();
  std::ofstream(path("cfg.toml")) << "[synthetic]\ndays = 3\n[risk]\nrequire_usable_book = false\n";
  const auto with = run_keel("backtest --config " + path("cfg.toml") + " --book-capture " + path("books.txt") + " --out " +
                             path("with"));
  ASSERT_EQ(with.exit_code, 0) << with.output;
  const std::string summary = slurp(path("with/summary.json"));
  // The first diff starts the (diff-only) book: a 2-level snapshot batch and kLive; then 1999 diffs
  // of 2 levels; the capture's end: kStale.
  EXPECT_NE(summary.find("\"book_events\": 4002,"), std::string::npos) << summary;
  // DOLPHIN had order-book data at the bar times the capture covers (2000 minutes = 400 bars, less
  // the 5 bars the source needs to warm up), and none after it: the book went stale at its end.
  const std::size_t ob = summary.find("\"ob_bars_with_data\": ");
  ASSERT_NE(ob, std::string::npos) << summary;
  const int bars_with_data = std::stoi(summary.substr(ob + 21));
  EXPECT_GE(bars_with_data, 390);
  EXPECT_LE(bars_with_data, 400);
  EXPECT_NE(summary.find("\"book_symbols\": 1"), std::string::npos) << summary;
  const std::size_t at = summary.find("\"digest\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::string digest = summary.substr(at + 11, 16);
  const auto replay = run_keel("replay " + path("with/journal.bin") + " --expect " + digest);
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  const auto without = run_keel("backtest --config " + path("cfg.toml") + " --out " + path("without"));
  ASSERT_EQ(without.exit_code, 0) << without.output;
  EXPECT_NE(slurp(path("without/summary.json")).find("\"ob_bars_with_data\": 0,"), std::string::npos);
}

}  // namespace
}  // namespace keel
