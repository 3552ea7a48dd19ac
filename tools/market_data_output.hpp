// What `keel record` and `keel feed` write beside the feed: the --books lines, the event journal
// and summary.json (docs/FORMATS.md "Market-data outputs").
#pragma once

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/instrument.hpp"

#include "keel/core/io/journal.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"

namespace keel::cli {

namespace gwb = keel::gateway::binance;

// Appends one line per applied depth update to a file:
//   {"seq":n,"symbol":"BTCUSDT","u":u,"bids":[["price","qty"],…],"asks":[…]}
// the top `depth` levels, best first, decimals in their shortest exact form; n counts lines from 1.
// Everything else a listener hears goes on to `next` (may be null).
class BooksWriter : public gwb::FeedListener {
 public:
  // Opens `path` (truncates). Throws OutputError naming it.
  BooksWriter(const std::string& path, std::size_t depth, gwb::FeedListener* next);
  ~BooksWriter() override;
  BooksWriter(const BooksWriter&) = delete;
  BooksWriter& operator=(const BooksWriter&) = delete;
  void set_feed(const gwb::MarketDataFeed* feed) noexcept { feed_ = feed; }

  void on_book_applied(std::size_t symbol, const book::L2Book& book, std::uint64_t u) override;
  void on_snapshot_needed(std::size_t symbol) override {
    if (next_ != nullptr) next_->on_snapshot_needed(symbol);
  }
  void on_log(std::string_view line) override {
    if (next_ != nullptr) next_->on_log(line);
  }
  // Flushes and closes; throws OutputError when a write failed.
  void close();
  [[nodiscard]] std::uint64_t lines() const noexcept { return lines_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::size_t depth_;
  gwb::FeedListener* next_;
  const gwb::MarketDataFeed* feed_ = nullptr;
  std::uint64_t lines_ = 0;
  std::string line_;
};

// Writes every published event to an event journal (journal.hpp), in order.
class JournalSink : public gwb::EventSink {
 public:
  explicit JournalSink(JournalWriter& writer) : writer_(writer) {}
  bool publish(std::span<const Event> events) noexcept override;
  [[nodiscard]] bool failed() const noexcept { return failed_; }

 private:
  JournalWriter& writer_;
  bool failed_ = false;
};

// Counts the feed itself does not know (the connection's).
struct ConnectionCounts {
  std::uint64_t reconnects = 0;
  std::uint64_t snapshots_requested = 0;
  std::uint64_t snapshots_failed = 0;
  std::uint64_t seconds = 0;
};

// summary.json: counts per frame kind (decoded, malformed, unknown symbol, duplicates), unknown
// kinds, malformed by error, gaps, resyncs, reconnects, bytes, and one record per symbol.
[[nodiscard]] std::string feed_summary_json(const gwb::MarketDataFeed& feed, std::string_view market,
                                            const ConnectionCounts& connection);

// What a capture holds for the depth rules: the symbols whose depth is kept by diffs, those a
// {"lastUpdateId",…} line seeds (from its combined stream, or the capture's only depth symbol), and
// whether a depthUpdate carries "pu" (USD-M futures).
struct CaptureScan {
  std::set<std::string> depth_symbols;
  std::set<std::string> snapshot_symbols;
  bool futures_depth = false;
};
[[nodiscard]] CaptureScan scan_capture(const Capture& capture);

// A capture's order books as core events (keel backtest's data.book_capture): its depth frames
// (diffs and snapshots; trades and tickers are left out, the bars price the run) through the Binance
// adapter, for the registry's symbols (instrument ids as registered); other symbols are skipped.
// The books go stale (kStale) at the capture's last frame.
struct CaptureBooks {
  std::vector<Event> events;
  std::uint64_t symbols_matched = 0;
  std::int64_t first_ns = 0, last_ns = 0;  // receive times of the first and last book event
};
// Throws DataError for an unreadable or malformed capture file.
[[nodiscard]] CaptureBooks book_events_from_capture(const std::string& path, const InstrumentRegistry& registry,
                                                    std::size_t book_levels);

// `text` into a file (truncating). Throws OutputError naming it.
void write_text_file(const std::string& path, std::string_view text);

}  // namespace keel::cli
