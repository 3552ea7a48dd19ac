// keel feed CAPTURE: the gateway's Binance decoder and book mirror over a capture file.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/io/config.hpp"
#include "market_data_output.hpp"

namespace keel::cli {

namespace {

namespace bn = keel::protocol::binance;

class StderrLog : public gwb::FeedListener {
 public:
  void on_log(std::string_view line) override { std::fprintf(stderr, "keel feed: %.*s\n", static_cast<int>(line.size()), line.data()); }
};

class NullSink : public gwb::EventSink {
 public:
  bool publish(std::span<const Event>) noexcept override { return true; }
};

}  // namespace

int feed_command(const std::vector<std::string>& args) {
  Command cmd("feed", "feed CAPTURE [--snapshot [SYMBOL=]FILE] [--market spot|futures] [--books FILE] [--depth N] [--speed N] [--out DIR]",
              "Runs the gateway's Binance decoder and order-book mirror over a capture file (the format of\n"
              "../shared/data/binance-ws/ and of `keel record`): every frame decoded into core events, every\n"
              "symbol's book kept by Binance's snapshot + diff rules with continuity checked on every diff.\n"
              "A REST depth snapshot (--snapshot, or a {\"lastUpdateId\",…} line in the capture) seeds its\n"
              "symbol's book; without one a book starts empty and is built from the diffs alone (unsynced in\n"
              "the summary, still checked for gaps). Symbols are taken from the frames.",
              {{"--snapshot", "[SYMBOL=]FILE", "a REST depth snapshot body (SYMBOL may be omitted when the capture has one depth symbol)"},
               {"--market", "spot|futures", "the depth rules (default: futures when the capture's URL is fstream / dstream or a depthUpdate carries \"pu\", else spot)"},
               {"--books", "FILE", "after every applied depth update, one line with the top --depth levels"},
               {"--depth", "N", "levels per side in --books lines (default 20)"},
               {"--speed", "N", "0: as fast as possible (default); 1: recorded speed; N: N times faster"},
               {"--out", "DIR", "write DIR/summary.json and DIR/journal.bin (the core events)"}},
              "CAPTURE");
  if (!cmd.parse(args)) return kExitOk;
  if (cmd.positionals().size() != 1) throw UsageError("keel feed: expected exactly one CAPTURE");
  const std::string capture_path = cmd.positionals()[0];
  const Capture cap = load_capture_file(capture_path);

  const CaptureScan scan = scan_capture(cap);
  book::DepthVenue market = cap.url.find("fstream") != std::string::npos || cap.url.find("dstream") != std::string::npos ||
                                    scan.futures_depth
                                ? book::DepthVenue::kFutures
                                : book::DepthVenue::kSpot;
  if (const auto m = cmd.get("--market")) {
    if (*m == "spot") market = book::DepthVenue::kSpot;
    else if (*m == "futures") market = book::DepthVenue::kFutures;
    else throw UsageError("keel feed: --market must be spot or futures, got " + clip_for_message(*m));
  }
  const std::uint64_t depth = cmd.get_u64("--depth").value_or(20);
  if (depth == 0 || depth > 5000) throw UsageError("keel feed: --depth must be 1..5000");
  const std::uint64_t speed = cmd.get_u64("--speed").value_or(0);

  gwb::MarketDataFeedConfig config;
  config.market = market;
  config.learn_symbols = true;
  config.diff_only = true;
  config.snapshot_symbols.assign(scan.snapshot_symbols.begin(), scan.snapshot_symbols.end());

  // --snapshot [SYMBOL=]FILE
  std::string snapshot_symbol, snapshot_body;
  if (const auto s = cmd.get("--snapshot")) {
    std::string file = *s;
    if (const std::size_t eq = s->find('='); eq != std::string::npos && !std::filesystem::exists(*s)) {
      snapshot_symbol = s->substr(0, eq);
      file = s->substr(eq + 1);
    }
    snapshot_body = read_text_file(file);
    if (snapshot_symbol.empty()) {
      if (scan.depth_symbols.size() != 1)
        throw UsageError(fmt::format("keel feed: the capture has {} depth symbols: name the snapshot's, --snapshot SYMBOL=FILE",
                                     scan.depth_symbols.size()));
      snapshot_symbol = *scan.depth_symbols.begin();
    }
    config.symbols.push_back(snapshot_symbol);
    config.snapshot_symbols.push_back(snapshot_symbol);
  }

  std::optional<std::string> out_dir = cmd.get("--out");
  if (out_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*out_dir, ec);
    if (ec) throw OutputError(fmt::format("cannot create {}: {}", *out_dir, ec.message()));
  }
  std::optional<JournalWriter> journal;
  if (out_dir) journal.emplace((std::filesystem::path(*out_dir) / "journal.bin").string(), 0);
  NullSink null_sink;
  std::optional<JournalSink> journal_sink;
  if (journal) journal_sink.emplace(*journal);
  gwb::EventSink& sink = journal_sink ? static_cast<gwb::EventSink&>(*journal_sink) : null_sink;

  StderrLog log;
  std::optional<BooksWriter> books;
  if (const auto b = cmd.get("--books")) books.emplace(*b, depth, &log);
  gwb::FeedListener* listener = books ? static_cast<gwb::FeedListener*>(&*books) : &log;
  gwb::MarketDataFeed feed(config, sink, listener);
  if (books) books->set_feed(&feed);

  if (!snapshot_body.empty()) {
    book::SnapshotOutcome outcome{};
    const bn::DecodeError err = feed.on_snapshot(feed.find_symbol(snapshot_symbol), snapshot_body, 0, outcome);
    if (err != bn::DecodeError::kNone)
      throw DataError(*cmd.get("--snapshot"), 0, fmt::format("not a depth snapshot: {}", bn::to_string(err)));
  }

  const auto wall_start = std::chrono::steady_clock::now();
  const std::int64_t first_ns = cap.records.empty() ? 0 : cap.records.front().receive_time_ns;
  for (const CaptureRecord& r : cap.records) {
    if (speed != 0) {
      const auto due = wall_start + std::chrono::nanoseconds((r.receive_time_ns - first_ns) / static_cast<std::int64_t>(speed));
      std::this_thread::sleep_until(due);
    }
    feed.on_frame(r.frame, r.receive_time_ns);
  }

  ConnectionCounts counts;
  const std::string summary = feed_summary_json(feed, market == book::DepthVenue::kSpot ? "spot" : "futures", counts);
  if (books) books->close();
  if (journal) {
    if (journal->close() != Errc::kOk || journal_sink->failed())
      throw OutputError(fmt::format("cannot write {}/journal.bin", *out_dir));
  }
  if (out_dir) write_text_file((std::filesystem::path(*out_dir) / "summary.json").string(), summary);

  const gwb::FrameStats& st = feed.stats();
  const book::SyncCounters t = feed.book_totals();
  std::size_t synced = 0;
  for (std::size_t i = 0; i < feed.symbol_count(); ++i) synced += feed.synced(i) ? 1 : 0;
  std::fputs(fmt::format("keel feed: {} frames, {} events, {} malformed, {} unknown kinds, {} symbols ({} synced by a "
                         "snapshot), {} gaps, {} resyncs{}\n",
                         st.frames, st.events, st.malformed_total(), st.unknown_kinds, feed.symbol_count(), synced, t.gaps,
                         t.resyncs, books ? fmt::format(", {} book lines", books->lines()) : std::string())
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli
