// keel record: live Binance-format market data from a venue (Binance itself or `keel sim`) through
// the gateway's feed thread into the core, recorded.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/binance/market_data_session.hpp"
#include "keel/gateway/ring_sink.hpp"
#include "market_data_output.hpp"

namespace keel::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// capture.txt: "<receive_time_us> <frame>" per line (core/io/capture.hpp), a REST snapshot as
// {"stream":"<symbol>@depth@100ms","data":<body>} so that `keel feed` seeds that symbol with it.
class CaptureWriter final : public gwb::RawFrameObserver {
 public:
  CaptureWriter(const std::string& path, const std::string& url) : path_(path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) throw OutputError(fmt::format("cannot create {}", path));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    std::fprintf(file_, "%s <-> %.6f\n", url.c_str(), std::chrono::duration<double>(now).count());
  }
  ~CaptureWriter() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  void on_raw_frame(std::string_view frame, std::int64_t t) override { line(t, {}, frame); }
  void on_snapshot_body(std::string_view symbol, std::string_view body, std::int64_t t) override {
    std::string prefix = "{\"stream\":\"";
    for (char c : symbol) prefix += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    prefix += "@depth@100ms\",\"data\":";
    line(t, prefix, body);
  }
  void close() {
    if (file_ == nullptr) return;
    const bool bad = std::ferror(file_) != 0;
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (bad || rc != 0) throw OutputError(fmt::format("cannot write {}", path_));
  }

 private:
  // One line; a frame's own line breaks (JSON whitespace) become spaces so the line stays one.
  void line(std::int64_t t, std::string_view prefix, std::string_view frame) {
    std::fprintf(file_, "%lld ", static_cast<long long>(t / 1000));
    if (!prefix.empty()) std::fwrite(prefix.data(), 1, prefix.size(), file_);  // (an empty view's data() may be null)
    std::size_t from = 0;
    while (from < frame.size()) {
      const std::size_t brk = frame.find_first_of("\r\n", from);
      const std::size_t to = brk == std::string_view::npos ? frame.size() : brk;
      if (to > from) std::fwrite(frame.data() + from, 1, to - from, file_);
      if (brk == std::string_view::npos) break;
      std::fputc(' ', file_);
      from = brk + 1;
    }
    if (!prefix.empty()) std::fputc('}', file_);
    std::fputc('\n', file_);
  }
  std::string path_;
  std::FILE* file_ = nullptr;
};

class StderrLog final : public gwb::FeedListener {
 public:
  void on_log(std::string_view line) override {
    std::fprintf(stderr, "%skeel record: %.*s\n", status_line ? "\r\033[K" : "", static_cast<int>(line.size()), line.data());
  }
  bool status_line = false;
};

bool same_book(const book::L2Book& a, const book::L2Book& b) {
  for (Side side : {Side::kBuy, Side::kSell}) {
    if (a.depth(side) != b.depth(side)) return false;
    for (std::size_t i = 0; i < a.depth(side); ++i)
      if (!(a.level(side, i) == b.level(side, i))) return false;
  }
  return true;
}

}  // namespace

int record_command(const std::vector<std::string>& args) {
  Command cmd("record",
              "record --venue URL [--rest URL] [--market spot|futures] --symbols A,B [--streams LIST] [--duration S] "
              "--out DIR [--books FILE] [--depth N] [--ca-file FILE]",
              "Connects to a Binance-format venue (Binance, or `keel sim`), subscribes, keeps every symbol's\n"
              "order book in sync (REST snapshot + diffs, continuity on every diff, resync on a gap) and\n"
              "records: DIR/capture.txt (every frame, and each REST snapshot, as `<receive_time_us> <frame>`),\n"
              "DIR/journal.bin (the core events, as the core consumed them from the feed thread's ring) and\n"
              "DIR/summary.json (counts per frame kind, gaps, resyncs, reconnects, bytes). Stops after\n"
              "--duration seconds, or on SIGINT / SIGTERM.",
              {{"--venue", "URL", "WebSocket base URL: wss://stream.binance.com:9443, ws://127.0.0.1:PORT", true},
               {"--rest", "URL", "REST base URL (default: the venue's host and port over http / https)"},
               {"--market", "spot|futures", "depth rules, REST paths and rate limits (default spot)"},
               {"--symbols", "A,B", "symbols, upper case", true},
               {"--streams", "LIST", "stream kinds per symbol (default depth@100ms,trade,bookTicker)"},
               {"--duration", "S", "seconds to record (default: until interrupted)"},
               {"--out", "DIR", "output directory", true},
               {"--books", "FILE", "after every applied depth update, one line with the top --depth levels"},
               {"--depth", "N", "levels per side in --books lines (default 20)"},
               {"--ca-file", "FILE", "PEM CA bundle for wss:// and https:// (default: the system's)"},
               {"--book-levels", "N", "levels kept per side of each book (default 1000)"}});
  if (!cmd.parse(args)) return kExitOk;
  if (!cmd.positionals().empty()) throw UsageError("keel record: unexpected argument " + clip_for_message(cmd.positionals()[0]));

  gwb::MarketDataSessionConfig config;
  const std::string market = cmd.get("--market").value_or("spot");
  if (market != "spot" && market != "futures") throw UsageError("keel record: --market must be spot or futures");
  const bool futures = market == "futures";
  config.feed.market = futures ? book::DepthVenue::kFutures : book::DepthVenue::kSpot;
  config.client.market = futures ? gateway::Market::kFutures : gateway::Market::kSpot;
  config.client.rest_weight_per_minute = futures ? 2400 : 6000;
  config.client.url = *cmd.get("--venue");
  config.client.rest_url = cmd.get("--rest").value_or("");
  config.client.ca_file = cmd.get("--ca-file").value_or("");
  config.feed.book_levels = cmd.get_u64("--book-levels").value_or(1000);
  if (config.feed.book_levels == 0 || config.feed.book_levels > 5000) throw UsageError("keel record: --book-levels must be 1..5000");
  config.snapshot_limit = config.feed.book_levels <= 1000 ? 1000 : 5000;
  if (futures && config.snapshot_limit > 1000) config.snapshot_limit = 1000;
  config.feed.symbols = split_list(*cmd.get("--symbols"));
  if (config.feed.symbols.empty()) throw UsageError("keel record: --symbols needs at least one symbol");
  for (std::string& sym : config.feed.symbols) {
    for (char& c : sym) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);  // Binance writes them upper case
    const bool ok = !sym.empty() && sym.size() <= 23 &&
                    std::all_of(sym.begin(), sym.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
    if (!ok) throw UsageError("keel record: --symbols: not a symbol: " + clip_for_message(sym));
  }
  const std::vector<std::string> kinds = split_list(cmd.get("--streams").value_or("depth@100ms,trade,bookTicker"));
  for (const std::string& s : config.feed.symbols) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const std::string& k : kinds) config.client.streams.push_back(lower + "@" + k);
  }
  const std::uint64_t depth = cmd.get_u64("--depth").value_or(20);
  if (depth == 0 || depth > 5000) throw UsageError("keel record: --depth must be 1..5000");
  std::optional<std::uint64_t> duration = cmd.get_u64("--duration");

  const std::string out_dir = *cmd.get("--out");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw OutputError(fmt::format("cannot create {}: {}", out_dir, ec.message()));
  CaptureWriter capture((std::filesystem::path(out_dir) / "capture.txt").string(), config.client.url);
  JournalWriter journal((std::filesystem::path(out_dir) / "journal.bin").string(), 0);

  // The core: an engine that keeps the books, fed from the ring on this thread.
  const std::size_t symbols = config.feed.symbols.size();
  EngineConfig engine_config;
  engine_config.instrument_count = symbols;
  engine_config.book_levels = config.feed.book_levels;
  Engine engine(engine_config);
  SpscRing<Event> ring(std::max<std::size_t>(1 << 16, 4 * config.feed.book_levels + 64));
  gateway::RingSink sink(ring);

  StderrLog log;
  log.status_line = ::isatty(STDERR_FILENO) != 0;
  std::optional<BooksWriter> books;
  if (const auto b = cmd.get("--books")) books.emplace(*b, depth, &log);
  gwb::FeedListener* listener = books ? static_cast<gwb::FeedListener*>(&*books) : &log;
  gwb::MarketDataSession session(config, sink, listener, &capture);
  if (books) books->set_feed(&session.feed());  // symbol names only: fixed at construction
  if (session.start() != Errc::kOk) throw UsageError("keel record: " + session.error());

  install_stop_signals();
  const auto started = std::chrono::steady_clock::now();
  auto next_status = started;
  std::uint64_t consumed = 0;
  bool journal_ok = true;
  auto drain = [&] {
    std::size_t n = 0;
    while (const Event* e = ring.front()) {
      if (journal.append_event(*e) != Errc::kOk) journal_ok = false;
      engine.on_event(*e);
      ring.pop();
      ++n;
    }
    consumed += n;
    return n;
  };
  while (!stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (duration && now - started >= std::chrono::seconds(*duration)) break;
    if (drain() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (log.status_line && now >= next_status) {
      const gwb::SessionCounters& c = session.counters();
      std::fprintf(stderr, "\r\033[Kkeel record: %.0f s  frames %llu  events %llu  books %u/%zu usable  gaps %llu  resyncs %llu  "
                   "reconnects %llu  malformed %llu",
                   std::chrono::duration<double>(now - started).count(), static_cast<unsigned long long>(c.frames.load()),
                   static_cast<unsigned long long>(consumed), c.synced_books.load(), symbols,
                   static_cast<unsigned long long>(c.gaps.load()), static_cast<unsigned long long>(c.resyncs.load()),
                   static_cast<unsigned long long>(session.client_stats().reconnects),
                   static_cast<unsigned long long>(c.malformed.load()));
      next_status = now + std::chrono::seconds(1);
    }
  }
  if (!session.stop()) {
    // The feed thread is stuck inside libwebsockets and still owns the feed, the capture and the
    // ring: nothing here may read or free them. What was consumed is in the journal so far.
    (void)journal.flush();
    std::fprintf(stderr, "keel record: the feed thread did not stop; outputs in %s are incomplete\n", out_dir.c_str());
    std::_Exit(kExitFailure);
  }
  drain();
  if (log.status_line) std::fputs("\r\033[K", stderr);

  const gwb::MarketDataFeed& feed = session.feed();
  // The core's books must equal the feed's: the ring carried every applied update.
  bool books_equal = true;
  for (std::size_t i = 0; i < feed.symbol_count() && i < symbols; ++i) {
    const auto id = static_cast<InstrumentId>(i);
    if (engine.books()->usable(id) != feed.book_sync(i).usable()) books_equal = false;
    if (engine.books()->live(id) && !same_book(engine.books()->book(id), feed.book_sync(i).book())) books_equal = false;
  }
  const gateway::WsClientStats cs = session.client_stats();
  ConnectionCounts counts;
  counts.reconnects = cs.reconnects;
  counts.snapshots_requested = session.counters().snapshots_requested.load();
  counts.snapshots_failed = session.counters().snapshots_failed.load();
  counts.seconds = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count());
  std::string summary = feed_summary_json(feed, market, counts);
  // Connection and core facts beside the feed's.
  std::string instruments = "[";
  for (std::size_t i = 0; i < session.rules().size(); ++i) {
    const auto& r = session.rules()[i];
    instruments += fmt::format("{}{{\"symbol\": \"{}\", \"tick_size\": \"{}\", \"lot_size\": \"{}\"}}", i ? ", " : "",
                               r.symbol.view(), r.tick_size.to_string(), r.step_size.to_string());
  }
  instruments += "]";
  const std::string extra = fmt::format(
      "  \"connection\": {{\"connects\": {}, \"disconnects\": {}, \"connect_failures\": {}, \"stale_reconnects\": {}, "
      "\"planned_reconnects\": {}, \"oversize_frames\": {}, \"binary_frames\": {}, \"tls_failures\": {}, "
      "\"upgrade_timeouts\": {}, \"control_errors\": {}, \"http_requests\": {}, \"http_failures\": {}}},\n"
      "  \"instruments\": {},\n  \"core_events\": {},\n  \"core_books_equal_feed\": {}\n}}\n",
      cs.connects, cs.disconnects, cs.connect_failures, cs.stale_reconnects, cs.planned_reconnects, cs.oversize_frames,
      cs.binary_frames, cs.tls_failures, cs.upgrade_timeouts, cs.control_errors, cs.http_requests, cs.http_failures,
      instruments, consumed, books_equal ? "true" : "false");
  summary.resize(summary.rfind('\n', summary.size() - 2));  // drop the closing "}\n"
  summary += ",\n" + extra;
  capture.close();
  if (books) books->close();
  if (journal.close() != Errc::kOk || !journal_ok) throw OutputError(fmt::format("cannot write {}/journal.bin", out_dir));
  write_text_file((std::filesystem::path(out_dir) / "summary.json").string(), summary);

  const gwb::FrameStats& st = feed.stats();
  const book::SyncCounters t = feed.book_totals();
  std::fputs(fmt::format("keel record: {} frames, {} events, {} malformed, {} gaps, {} resyncs, {} reconnects; core books {}\n",
                         st.frames, consumed, st.malformed_total(), t.gaps, t.resyncs, cs.reconnects,
                         books_equal ? "equal the feed's" : "DIFFER from the feed's")
                 .c_str(),
             stdout);
  if (cs.connects == 0) {
    std::fprintf(stderr, "keel record: never connected to %s\n", config.client.url.c_str());
    return kExitFailure;
  }
  return books_equal ? kExitOk : kExitFailure;
}

}  // namespace keel::cli
