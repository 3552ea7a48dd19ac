// The watched factor file (gateway/factor_file.hpp) on real files: the line parser, change
// detection, malformed lines, a file that disappears, is emptied, or is caught mid-write.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "keel/gateway/factor_file.hpp"

using namespace keel;
using namespace keel::gateway;

namespace {

std::optional<InstrumentId> resolve(std::string_view symbol) {
  if (symbol == "BTCUSDT") return 0;
  if (symbol == "ETHUSDT") return 1;
  return std::nullopt;
}

struct Watch {
  std::vector<ExternalFactor> got;
  std::vector<std::string> logs;
  bool accept = true;
  std::unique_ptr<FactorFileWatcher> w;
  explicit Watch(const std::string& path) {
    FactorFileOptions o;
    o.path = path;
    o.resolve = resolve;
    o.deliver = [this](const Event& e) {
      if (!accept) return false;
      got.push_back(e.factor);
      return true;
    };
    o.log = [this](std::string_view line) { logs.emplace_back(line); };
    w = std::make_unique<FactorFileWatcher>(std::move(o));
  }
};

// Replaces the file through a rename (a new inode: what a careful writer does).
void replace(const test::ScratchDir& dir, const std::string& name, const std::string& text) {
  const std::string tmp = dir.write(name + ".tmp", text);
  std::filesystem::rename(tmp, dir.file(name));
}

// Rewrites the file in place and moves its mtime on by `seconds` (same-size rewrites inside one
// timestamp tick are invisible to any mtime/size watcher; the test makes the tick explicit).
void rewrite_in_place(const std::string& path, const std::string& text, int seconds) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  timespec times[2] = {st.st_atim, st.st_mtim};
  times[1].tv_sec += seconds;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

}  // namespace

TEST(FactorLine, ParsesValuesCommentsAndBlanks) {
  FactorLine l = parse_factor_line("fear_greed 23");
  ASSERT_EQ(l.status, FactorLineStatus::kValue);
  EXPECT_EQ(l.kind, FactorKind::kFearGreed);
  EXPECT_EQ(l.value, 23.0);
  EXPECT_TRUE(l.symbol.empty());
  l = parse_factor_line("\tfunding   -0.00012 BTCUSDT\r");
  ASSERT_EQ(l.status, FactorLineStatus::kValue);
  EXPECT_EQ(l.kind, FactorKind::kFunding);
  EXPECT_EQ(l.value, -0.00012);
  EXPECT_EQ(l.symbol, "BTCUSDT");
  EXPECT_EQ(parse_factor_line("implied_vol 1e2").value, 100.0);
  EXPECT_EQ(parse_factor_line("taker_ratio 0.8").kind, FactorKind::kTakerRatio);
  EXPECT_EQ(parse_factor_line("open_interest_change -0.1").kind, FactorKind::kOpenInterestChange);
  for (const char* skip : {"", "   ", "\r", "# a comment", "   # indented comment x y z w"})
    EXPECT_EQ(parse_factor_line(skip).status, FactorLineStatus::kSkip) << skip;
}

TEST(FactorLine, RefusesMalformedLines) {
  for (const char* bad :
       {"fear_greed", "fear_greed 23 BTCUSDT extra", "fear 23", "FEAR_GREED 23", "fear_greed x",
        "fear_greed 23x", "fear_greed +23", "fear_greed nan", "fear_greed inf", "fear_greed -inf",
        "fear_greed 1e999", "fear_greed 0x10", "fear_greed 23 BTC/USDT",
        "fear_greed 23 AVERYLONGSYMBOLNAMEOVERTHIRTYTWOCHARS", "23 fear_greed", "fear_greed\v23"}) {
    const FactorLine l = parse_factor_line(bad);
    EXPECT_EQ(l.status, FactorLineStatus::kMalformed) << bad;
    EXPECT_FALSE(l.error.empty()) << bad;
  }
}

TEST(FactorFile, DeliversNewAndChangedValuesOnly) {
  test::ScratchDir dir("factor-file-changes");
  replace(dir, "f.txt", "# today\nfear_greed 23\nimplied_vol 61.5\nfunding -0.0001 BTCUSDT\n");
  Watch w(dir.file("f.txt"));
  EXPECT_EQ(w.w->poll(), 3u);
  ASSERT_EQ(w.got.size(), 3u);
  EXPECT_EQ(w.got[0].header.subtype, static_cast<std::uint8_t>(FactorKind::kFearGreed));
  EXPECT_EQ(w.got[0].header.instrument, kNoInstrument);
  EXPECT_EQ(w.got[0].value, 23.0);
  EXPECT_EQ(w.got[0].seq, 1u);
  EXPECT_EQ(w.got[0].header.ts_local, 0);
  EXPECT_EQ(w.got[0].header.ts_exchange, 0);
  EXPECT_EQ(w.got[2].header.instrument, 0u);
  EXPECT_EQ(w.got[2].seq, 3u);
  EXPECT_EQ(w.w->poll(), 0u);  // unchanged: not even read
  EXPECT_EQ(w.w->stats().reads, 1u);

  // Changed: only fear_greed moved; a new instrument's funding is a new key.
  replace(dir, "f.txt",
          "fear_greed 30\nimplied_vol 61.5\nfunding -0.0001 BTCUSDT\nfunding 0.0002 ETHUSDT\n");
  EXPECT_EQ(w.w->poll(), 2u);
  ASSERT_EQ(w.got.size(), 5u);
  EXPECT_EQ(w.got[3].value, 30.0);
  EXPECT_EQ(w.got[4].header.instrument, 1u);
  EXPECT_EQ(w.got[4].seq, 5u);

  // Same size, rewritten in place: the mtime tells.
  rewrite_in_place(
      dir.file("f.txt"),
      "fear_greed 31\nimplied_vol 61.5\nfunding -0.0001 BTCUSDT\nfunding 0.0002 ETHUSDT\n", 5);
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.got.back().value, 31.0);

  // Within one read the last line of a factor wins.
  replace(dir, "f.txt", "fear_greed 40\nfear_greed 41\n");
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.got.back().value, 41.0);
  EXPECT_TRUE(w.logs.empty());
}

TEST(FactorFile, MalformedLinesAreCountedAndLoggedOnceWithFileAndLine) {
  test::ScratchDir dir("factor-file-malformed");
  replace(dir, "f.txt",
          "fear_greed 23\nfear_greed nan\nbogus 1\nfunding 0.1 DOGEUSDT\nimplied_vol 70\n");
  Watch w(dir.file("f.txt"));
  EXPECT_EQ(w.w->poll(), 2u);
  EXPECT_EQ(w.w->stats().malformed_lines, 3u);
  EXPECT_EQ(w.w->stats().unknown_symbols, 1u);
  ASSERT_EQ(w.logs.size(), 3u);
  EXPECT_NE(w.logs[0].find("f.txt:2: the value is not finite"), std::string::npos) << w.logs[0];
  EXPECT_NE(w.logs[1].find("f.txt:3: unknown factor name"), std::string::npos) << w.logs[1];
  EXPECT_NE(w.logs[2].find("f.txt:4: unknown symbol"), std::string::npos) << w.logs[2];
  // Read again (the file changed elsewhere): the same bad lines count again but are not logged
  // again.
  replace(dir, "f.txt",
          "fear_greed 24\nfear_greed nan\nbogus 1\nfunding 0.1 DOGEUSDT\nimplied_vol 70\n");
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.w->stats().malformed_lines, 6u);
  EXPECT_EQ(w.logs.size(), 3u);
  // Binary garbage never crashes.
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) & 0xff);
  replace(dir, "f.txt", junk + "\nfear_greed 25\n");
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.got.back().value, 25.0);
}

TEST(FactorFile, MissingFileThenAppearsAndDisappears) {
  test::ScratchDir dir("factor-file-missing");
  Watch w(dir.file("f.txt"));
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.w->stats().missing, 2u);
  ASSERT_EQ(w.logs.size(), 1u);  // logged once, not per poll
  EXPECT_NE(w.logs[0].find("missing"), std::string::npos);
  replace(dir, "f.txt", "fear_greed 23\n");
  EXPECT_EQ(w.w->poll(), 1u);
  std::filesystem::remove(dir.file("f.txt"));
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.logs.size(), 2u);
  // Back with the same value: nothing new to deliver; with another: delivered.
  replace(dir, "f.txt", "fear_greed 23\n");
  EXPECT_EQ(w.w->poll(), 0u);
  replace(dir, "f.txt", "fear_greed 22\n");
  EXPECT_EQ(w.w->poll(), 1u);
  // Emptied (truncated): nothing delivered, the values stay as they were.
  rewrite_in_place(dir.file("f.txt"), "", 3);
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.got.size(), 2u);
}

TEST(FactorFile, AnUnterminatedLineWaitsForTheWriter) {
  test::ScratchDir dir("factor-file-partial");
  const std::string path = dir.file("f.txt");
  std::ofstream(path, std::ios::binary) << "fear_greed 23\nimplied_vol 6";  // caught mid-write
  Watch w(path);
  EXPECT_EQ(w.w->poll(), 1u);  // the complete line only
  EXPECT_EQ(w.w->stats().partial_lines, 1u);
  {
    std::ofstream(path, std::ios::binary | std::ios::app) << "1.5\n";  // the writer finishes
  }
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.got.back().value, 61.5);
  // A last line that never gets its newline is taken once the file has stayed unchanged for a poll.
  rewrite_in_place(path, "fear_greed 23\nimplied_vol 62", 7);
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.w->poll(), 1u);
  EXPECT_EQ(w.got.back().value, 62.0);
  EXPECT_EQ(w.w->poll(), 0u);
}

TEST(FactorFile, ARefusedDeliveryIsRetriedAtTheNextPoll) {
  test::ScratchDir dir("factor-file-retry");
  replace(dir, "f.txt", "fear_greed 23\nimplied_vol 70\n");
  Watch w(dir.file("f.txt"));
  w.accept = false;
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.w->stats().deliver_refused, 2u);
  w.accept = true;
  EXPECT_EQ(w.w->poll(), 2u);  // the file did not change, but the values never reached the core
  EXPECT_EQ(w.got[0].seq, 1u);
  EXPECT_EQ(w.w->poll(), 0u);
}

TEST(FactorFile, OversizedOrNotARegularFile) {
  test::ScratchDir dir("factor-file-size");
  replace(dir, "f.txt", std::string(kMaxFactorFileBytes + 10, '#'));
  Watch w(dir.file("f.txt"));
  EXPECT_EQ(w.w->poll(), 0u);
  EXPECT_EQ(w.w->stats().read_errors, 1u);
  EXPECT_EQ(w.logs.size(), 1u);
  Watch d(dir.path().string());  // a directory
  EXPECT_EQ(d.w->poll(), 0u);
  EXPECT_EQ(d.w->stats().read_errors, 1u);
  EXPECT_THROW(FactorFileWatcher(FactorFileOptions{}), std::invalid_argument);
}
