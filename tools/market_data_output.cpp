#include "market_data_output.hpp"

#include <fmt/format.h>

#include "json_writer.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/fixed_point.hpp"

namespace keel::cli {

namespace {

// The shortest exact decimal of a fixed-point raw value ("0.3513", "6195"), no allocation once
// `out` has room.
void append_decimal(std::string& out, std::int64_t raw) {
  char buf[48];
  std::size_t n = format_fixed(raw, kDecimals, buf);
  std::string_view s(buf, n);
  if (s.find('.') != std::string_view::npos) {
    while (s.back() == '0') s.remove_suffix(1);
    if (s.back() == '.') s.remove_suffix(1);
  }
  out += s;
}

void append_side(std::string& out, const book::L2Book& book, Side side, std::size_t depth) {
  out += '[';
  const std::size_t n = std::min(depth, book.depth(side));
  for (std::size_t i = 0; i < n; ++i) {
    const book::PriceQty l = book.level(side, i);
    out += i == 0 ? "[\"" : ",[\"";
    append_decimal(out, l.price.raw());
    out += "\",\"";
    append_decimal(out, l.qty.raw());
    out += "\"]";
  }
  out += ']';
}

}  // namespace

BooksWriter::BooksWriter(const std::string& path, std::size_t depth, gwb::FeedListener* next)
    : path_(path), depth_(depth), next_(next) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw OutputError(fmt::format("cannot create {}", path));
  line_.reserve(256 + depth * 64);
}

BooksWriter::~BooksWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void BooksWriter::on_book_applied(std::size_t symbol, const book::L2Book& book, std::uint64_t u) {
  if (next_ != nullptr) next_->on_book_applied(symbol, book, u);
  if (file_ == nullptr || feed_ == nullptr) return;
  ++lines_;
  line_.clear();
  line_ += "{\"seq\":";
  line_ += fmt::format_int(lines_).c_str();
  line_ += ",\"symbol\":\"";
  line_ += feed_->symbol(symbol);
  line_ += "\",\"u\":";
  line_ += fmt::format_int(u).c_str();
  line_ += ",\"bids\":";
  append_side(line_, book, Side::kBuy, depth_);
  line_ += ",\"asks\":";
  append_side(line_, book, Side::kSell, depth_);
  line_ += "}\n";
  (void)std::fwrite(line_.data(), 1, line_.size(), file_);
}

void BooksWriter::close() {
  if (file_ == nullptr) return;
  const bool bad = std::ferror(file_) != 0;
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (bad || rc != 0) throw OutputError(fmt::format("cannot write {}", path_));
}

bool JournalSink::publish(std::span<const Event> events) noexcept {
  for (const Event& e : events)
    if (writer_.append_event(e) != Errc::kOk) failed_ = true;
  return true;  // a journal never runs out of room; a failed write is reported at the end
}

std::string feed_summary_json(const gwb::MarketDataFeed& feed, std::string_view market,
                              const ConnectionCounts& connection) {
  namespace bn = keel::protocol::binance;
  const gwb::FrameStats& st = feed.stats();
  std::string kinds = "{";
  for (std::size_t k = 1; k < gwb::kFrameKindCount; ++k) {
    const gwb::KindCounts& c = st.kinds[k];
    kinds += fmt::format(
        "{}\"{}\": {{\"decoded\": {}, \"malformed\": {}, \"unknown_symbol\": {}, \"duplicates\": {}, "
        "\"not_wanted\": {}}}",
        k == 1 ? "" : ", ", gwb::frame_kind_name(static_cast<bn::FrameKind>(k)), c.decoded, c.malformed,
        c.unknown_symbol, c.duplicates, c.not_wanted);
  }
  kinds += "}";
  std::string errors = "{";
  bool first = true;
  for (std::size_t e = 1; e < gwb::kDecodeErrorCount; ++e) {
    if (st.errors[e] == 0) continue;
    errors += fmt::format("{}{}: {}", first ? "" : ", ", JsonObject::quote(bn::to_string(static_cast<bn::DecodeError>(e))),
                          st.errors[e]);
    first = false;
  }
  errors += "}";
  std::string symbols = "[";
  for (std::size_t i = 0; i < feed.symbol_count(); ++i) {
    const book::BookSync& s = feed.book_sync(i);
    const book::SyncCounters& c = s.counters();
    symbols += fmt::format(
        "{}\n    {{\"symbol\": {}, \"synced\": {}, \"usable\": {}, \"last_update_id\": {}, \"bid_levels\": {}, "
        "\"ask_levels\": {}, \"applied\": {}, \"gaps\": {}, \"resyncs\": {}, \"dropped\": {}, \"buffer_overflows\": {}, "
        "\"crossed_updates\": {}}}",
        i == 0 ? "" : ",", JsonObject::quote(feed.symbol(i)), feed.synced(i) ? "true" : "false",
        s.usable() ? "true" : "false", s.last_update_id(), s.book().depth(Side::kBuy), s.book().depth(Side::kSell),
        c.applied, c.gaps, c.resyncs, c.dropped, c.buffer_overflows, c.crossed_updates);
  }
  symbols += feed.symbol_count() == 0 ? "]" : "\n  ]";
  const book::SyncCounters t = feed.book_totals();
  JsonObject o;
  o.add("market", market)
      .add("frames", st.frames)
      .add("bytes", st.bytes)
      .add("events", st.events)
      .add("events_dropped", st.events_dropped)
      .raw("kinds", kinds)
      .add("unknown_kinds", st.unknown_kinds)
      .add("malformed", st.malformed_total())
      .raw("malformed_by_error", errors)
      .add("kline_updates", st.kline_updates)
      .add("gaps", t.gaps)
      .add("resyncs", t.resyncs)
      .add("snapshots_refused", t.snapshots_refused)
      .add("buffer_overflows", t.buffer_overflows)
      .add("crossed_updates", t.crossed_updates)
      .add("reconnects", connection.reconnects)
      .add("snapshots_requested", connection.snapshots_requested)
      .add("snapshots_failed", connection.snapshots_failed)
      .add("stale_books", static_cast<std::uint64_t>(feed.stale_books()))
      .raw("symbols", symbols);
  if (connection.seconds != 0) o.add("seconds", connection.seconds);
  return o.str();
}

CaptureScan scan_capture(const Capture& cap) {
  namespace bn = keel::protocol::binance;
  CaptureScan scan;
  bn::Decoder decoder;
  bn::Frame f;
  bool snapshot_without_symbol = false;
  const bn::FrameKinds depth = bn::kinds_bit(bn::FrameKind::kDepthUpdate) | bn::kinds_bit(bn::FrameKind::kPartialDepth);
  for (const CaptureRecord& r : cap.records) {
    if (decoder.decode(r.frame, f, depth) != bn::DecodeError::kNone) continue;
    if (f.kind == bn::FrameKind::kDepthUpdate) {
      scan.depth_symbols.emplace(f.symbol.view());
      scan.futures_depth = scan.futures_depth || f.depth.has_prev_final;
    }
    if (f.kind == bn::FrameKind::kPartialDepth && r.frame.find("lastUpdateId") != std::string::npos) {
      if (f.symbol.length != 0) scan.snapshot_symbols.emplace(f.symbol.view());
      else snapshot_without_symbol = true;
    }
  }
  if (snapshot_without_symbol && scan.depth_symbols.size() == 1) scan.snapshot_symbols.insert(*scan.depth_symbols.begin());
  return scan;
}

namespace {
class VectorSink final : public gwb::EventSink {
 public:
  explicit VectorSink(std::vector<Event>& out) : out_(out) {}
  bool publish(std::span<const Event> events) noexcept override {
    try {
      out_.insert(out_.end(), events.begin(), events.end());
    } catch (...) {
      return false;
    }
    return true;
  }

 private:
  std::vector<Event>& out_;
};
}  // namespace

CaptureBooks book_events_from_capture(const std::string& path, const InstrumentRegistry& registry,
                                      std::size_t book_levels) {
  namespace bn = keel::protocol::binance;
  const Capture cap = load_capture_file(path);
  const CaptureScan scan = scan_capture(cap);
  gwb::MarketDataFeedConfig config;
  config.market = scan.futures_depth || cap.url.find("fstream") != std::string::npos ? book::DepthVenue::kFutures
                                                                                       : book::DepthVenue::kSpot;
  for (const Instrument& ins : registry.all()) config.symbols.push_back(ins.symbol);
  config.max_symbols = std::max<std::size_t>(config.symbols.size(), 1);
  config.diff_only = true;
  config.snapshot_symbols.assign(scan.snapshot_symbols.begin(), scan.snapshot_symbols.end());
  config.book_levels = book_levels;
  config.kinds = bn::kinds_bit(bn::FrameKind::kDepthUpdate) | bn::kinds_bit(bn::FrameKind::kPartialDepth);
  CaptureBooks out;
  VectorSink sink(out.events);
  gwb::MarketDataFeed feed(config, sink);
  for (const CaptureRecord& r : cap.records) feed.on_frame(r.frame, r.receive_time_ns);
  // The capture ends: its books are not known after that (kStale), so a run longer than the
  // capture never samples a frozen book as if it were live.
  if (!cap.records.empty()) feed.on_connection_lost(cap.records.back().receive_time_ns);
  if (!out.events.empty()) {
    out.first_ns = out.events.front().header.ts_local;
    out.last_ns = out.events.back().header.ts_local;
  }
  for (const std::string& s : scan.depth_symbols)
    if (feed.find_symbol(s) < feed.symbol_count()) ++out.symbols_matched;
  return out;
}

void write_text_file(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw OutputError(fmt::format("cannot create {}", path));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) throw OutputError(fmt::format("cannot write {}", path));
}

}  // namespace keel::cli
