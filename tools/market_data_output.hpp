// What `keel record` and `keel feed` write beside the feed: the --books lines, the event journal
// and summary.json (docs/FORMATS.md "Market-data outputs").
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

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

// `text` into a file (truncating). Throws OutputError naming it.
void write_text_file(const std::string& path, std::string_view text);

}  // namespace keel::cli
