#include "keel/gateway/wall_clock.hpp"
#include "keel/gateway/binance/market_data_session.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "keel/protocol/binance/rest_weight.hpp"

namespace keel::gateway::binance {

namespace {

constexpr std::int64_t kNanosPerMs = 1'000'000;

std::uint32_t saturate(std::uint64_t v) noexcept {
  return v > 0xFFFF'FFFFu ? 0xFFFF'FFFFu : static_cast<std::uint32_t>(v);
}

protocol::binance::Market protocol_market(book::DepthVenue v) noexcept {
  return v == book::DepthVenue::kFutures ? protocol::binance::Market::kFutures : protocol::binance::Market::kSpot;
}

}  // namespace

MarketDataSession::MarketDataSession(MarketDataSessionConfig config, EventSink& sink, FeedListener* listener,
                                     RawFrameObserver* raw)
    : config_(std::move(config)),
      sink_(sink),
      listener_(listener),
      raw_(raw),
      feed_(config_.feed, sink, static_cast<FeedListener*>(this)),
      client_(config_.client, *this) {
  snapshots_.resize(std::max(config_.feed.max_symbols, config_.feed.symbols.size()));
  handover_bytes_.reserve(config_.handover_buffer_bytes);
  handover_frames_.reserve(config_.handover_buffer_bytes / 64 + 1);
  open_.reserve(4);
  scratch_.reserve(256);
}

MarketDataSession::~MarketDataSession() { (void)stop(); }

Errc MarketDataSession::start() { return client_.start(); }

bool MarketDataSession::stop() { return client_.stop(); }

void MarketDataSession::log(std::string_view line) noexcept {
  if (listener_ == nullptr) return;
  try {
    listener_->on_log(line);
  } catch (...) {
  }
}

void MarketDataSession::on_frame(std::string_view text, std::int64_t receive_time_ns, std::uint32_t connection) noexcept {
  last_message_ns_ = receive_time_ns;
  ++period_frames_;
  if (primary_ == 0) primary_ = connection;
  if (connection == primary_) {
    process(text, receive_time_ns);
    return;
  }
  // A second connection during a planned handover: its frames wait, in order, until the primary
  // closes. Interleaving two connections' frames could show the sync a diff before the one that
  // links to it (a false gap); old-then-new lets the feed drop the overlap as duplicates.
  if (handover_overflow_ || handover_bytes_.size() + text.size() > handover_bytes_.capacity() ||
      handover_frames_.size() == handover_frames_.capacity()) {
    handover_overflow_ = true;  // the new connection's early frames are lost: a gap (and a resync) may follow
    counters_.handover_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  handover_frames_.push_back({handover_bytes_.size(), text.size(), receive_time_ns});
  handover_bytes_.insert(handover_bytes_.end(), text.begin(), text.end());
}

void MarketDataSession::process(std::string_view text, std::int64_t receive_time_ns) noexcept {
  if (raw_ != nullptr) {
    try {
      raw_->on_raw_frame(text, receive_time_ns);
    } catch (...) {  // a recorder that cannot write does not stop the feed (it reports at the end)
    }
  }
  feed_.on_frame(text, receive_time_ns);
  update_counters();
}

// The primary connection is gone and `next` takes over: its waiting frames first, in order.
void MarketDataSession::promote(std::uint32_t next) noexcept {
  primary_ = next;
  for (const HandoverFrame& f : handover_frames_)
    process(std::string_view(handover_bytes_.data() + f.offset, f.length), f.receive_time_ns);
  handover_frames_.clear();
  handover_bytes_.clear();
  handover_overflow_ = false;
}

void MarketDataSession::update_counters() noexcept {
  const FrameStats& st = feed_.stats();
  counters_.frames.store(st.frames, std::memory_order_relaxed);
  counters_.bytes.store(st.bytes, std::memory_order_relaxed);
  counters_.events.store(st.events, std::memory_order_relaxed);
  counters_.malformed.store(st.malformed_total() + st.unknown_kinds, std::memory_order_relaxed);
}

void MarketDataSession::on_connected(std::uint32_t connection_id) noexcept {
  if (std::find(open_.begin(), open_.end(), connection_id) == open_.end() && open_.size() < open_.capacity())
    open_.push_back(connection_id);
  counters_.open_connections.store(static_cast<std::uint32_t>(open_.size()), std::memory_order_relaxed);
  const std::int64_t now = wall_clock_ns();
  if (config_.fetch_exchange_info && !exchange_info_asked_) {
    exchange_info_asked_ = true;
    const auto market = protocol_market(config_.feed.market);
    const char* path = market == protocol::binance::Market::kFutures ? "/fapi/v1/exchangeInfo" : "/api/v3/exchangeInfo";
    exchange_info_request_ = client_.http_get(
        path, static_cast<int>(protocol::binance::rest_weight(market, protocol::binance::RestEndpoint::kExchangeInfo, 0)));
  }
  publish_health(now, true);
}

void MarketDataSession::on_disconnected(std::uint32_t connection_id, std::string_view reason) noexcept {
  const auto it = std::find(open_.begin(), open_.end(), connection_id);
  const bool was_open = it != open_.end();
  if (was_open) open_.erase(it);
  if (connection_id == primary_) {
    if (!open_.empty()) {
      promote(open_.front());  // a planned handover: the new connection carries on
    } else {
      primary_ = 0;  // the next connection to deliver becomes primary; what waited is stale
      handover_frames_.clear();
      handover_bytes_.clear();
      handover_overflow_ = false;
    }
  } else if (was_open && open_.size() == 1 && open_.front() == primary_) {
    handover_frames_.clear();  // the new connection failed: its waiting frames were duplicates anyway
    handover_bytes_.clear();
    handover_overflow_ = false;
  }
  counters_.open_connections.store(static_cast<std::uint32_t>(open_.size()), std::memory_order_relaxed);
  const std::int64_t now = wall_clock_ns();
  if (was_open && open_.empty()) {
    // Every book misses the diffs from now until the next connection delivers: stale at once.
    feed_.on_connection_lost(now);
    for (SnapshotState& s : snapshots_) s.request = 0;  // answers to old requests no longer count
  }
  try {
    scratch_.assign("connection lost: ");
    scratch_.append(reason.substr(0, 200));
    log(scratch_);
  } catch (...) {
  }
  publish_health(now, !open_.empty());
  update_counters();
}

void MarketDataSession::on_control_reply(std::uint64_t /*id*/, bool ok, std::string_view error) noexcept {
  if (ok) return;
  try {
    scratch_.assign("the venue refused a subscription: ");
    scratch_.append(error.substr(0, 200));
    log(scratch_);
  } catch (...) {
  }
}

void MarketDataSession::on_snapshot_needed(std::size_t symbol) {
  if (symbol < snapshots_.size()) snapshots_[symbol].wanted = true;
  if (listener_ != nullptr) listener_->on_snapshot_needed(symbol);
}

void MarketDataSession::on_book_applied(std::size_t symbol, const book::L2Book& book, std::uint64_t u) {
  if (listener_ != nullptr) listener_->on_book_applied(symbol, book, u);
}

void MarketDataSession::on_log(std::string_view line) { log(line); }

void MarketDataSession::on_http_response(std::uint64_t request_id, int status, std::string_view body) noexcept {
  const std::int64_t now = wall_clock_ns();
  if (request_id != 0 && request_id == exchange_info_request_) {
    exchange_info_request_ = 0;
    if (status != 200) {
      log("exchangeInfo request failed: tick and lot sizes unknown");
      return;
    }
    try {
      protocol::binance::ExchangeInfoDecoder decoder(std::max<std::size_t>(body.size() + 64, 1024));
      protocol::binance::ExchangeInfo info;
      const protocol::binance::ExchangeInfoFault fault = decoder.decode(body, info);
      if (!fault.ok()) {
        scratch_.assign("exchangeInfo refused: ");
        scratch_.append(protocol::binance::to_string(fault.error));
        scratch_.append(" at ");
        scratch_.append(fault.field);
        log(scratch_);
        return;
      }
      rules_.clear();
      for (const auto& r : info.symbols)
        if (feed_.find_symbol(r.symbol.view()) < feed_.symbol_count()) rules_.push_back(r);
      counters_.exchange_info_ok.store(true, std::memory_order_relaxed);
    } catch (...) {
      log("exchangeInfo could not be decoded (out of memory)");
    }
    return;
  }
  for (std::size_t i = 0; i < snapshots_.size() && i < feed_.symbol_count(); ++i) {
    SnapshotState& s = snapshots_[i];
    if (s.request == 0 || s.request != request_id) continue;
    s.request = 0;
    if (status != 200) {
      counters_.snapshots_failed.fetch_add(1, std::memory_order_relaxed);
      s.wanted = true;
      s.not_before = now + config_.snapshot_retry_ms * kNanosPerMs;
      try {
        scratch_.assign("depth snapshot for ");
        scratch_.append(feed_.symbol(i));
        scratch_.append(status == 0 ? " failed: " : " answered with an error: ");
        scratch_.append(body.substr(0, 160));
        log(scratch_);
      } catch (...) {
      }
      return;
    }
    if (raw_ != nullptr) {
      try {
        raw_->on_snapshot_body(feed_.symbol(i), body, now);
      } catch (...) {
      }
    }
    book::SnapshotOutcome outcome{};
    const protocol::binance::DecodeError err = feed_.on_snapshot(i, body, now, outcome);
    if (err != protocol::binance::DecodeError::kNone || outcome != book::SnapshotOutcome::kSynced) {
      counters_.snapshots_failed.fetch_add(1, std::memory_order_relaxed);
      // kTooOld: the diffs moved on; kGap: wait for more diffs. Either way, ask again shortly.
      s.not_before = now + (outcome == book::SnapshotOutcome::kTooOld ? 50 : config_.snapshot_retry_ms) * kNanosPerMs;
    }
    const book::SyncCounters t = feed_.book_totals();
    counters_.resyncs.store(t.resyncs, std::memory_order_relaxed);
    update_counters();
    return;
  }
}

void MarketDataSession::on_tick(std::int64_t now_ns) noexcept {
  if (!open_.empty()) {
    const auto market = protocol_market(config_.feed.market);
    const int weight = static_cast<int>(
        protocol::binance::rest_weight(market, protocol::binance::RestEndpoint::kDepth, config_.snapshot_limit));
    for (std::size_t i = 0; i < feed_.symbol_count() && i < snapshots_.size(); ++i) {
      SnapshotState& s = snapshots_[i];
      if (!s.wanted || s.request != 0 || now_ns < s.not_before) continue;
      if (!feed_.needs_snapshot(i)) {  // synced meanwhile (or never needed one)
        s.wanted = false;
        continue;
      }
      try {
        scratch_.assign(market == protocol::binance::Market::kFutures ? "/fapi/v1/depth?symbol=" : "/api/v3/depth?symbol=");
        scratch_.append(feed_.symbol(i));
        scratch_.append("&limit=");
        scratch_.append(std::to_string(config_.snapshot_limit));
        s.request = client_.http_get(scratch_, weight);
      } catch (...) {
        continue;
      }
      if (s.request != 0) {
        s.wanted = false;
        counters_.snapshots_requested.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  if (now_ns >= next_health_ns_) {
    publish_health(now_ns, !open_.empty());
    next_health_ns_ = now_ns + config_.health_interval_ms * kNanosPerMs;
  }
}

void MarketDataSession::publish_health(std::int64_t now_ns, bool up) noexcept {
  const FrameStats& st = feed_.stats();
  const book::SyncCounters t = feed_.book_totals();
  const std::int64_t period = now_ns - period_start_ns_;
  if (period >= 1'000'000'000 || period_start_ns_ == 0) {
    last_rate_ = period_start_ns_ == 0 || period <= 0
                     ? 0
                     : saturate(period_frames_ * 1'000'000'000ull / static_cast<std::uint64_t>(period));
    period_frames_ = 0;
    period_start_ns_ = now_ns;
  }
  FeedHealth h;
  h.header.ts_local = now_ns;
  h.header.subtype = config_.connection_id;
  h.header.detail = up ? 1 : 0;
  h.header.instrument = kNoInstrument;
  h.last_message_age_us = last_message_ns_ == 0 ? -1 : (now_ns - last_message_ns_) / 1000;
  h.messages_per_s = last_rate_;
  h.reconnects = saturate(client_.stats().reconnects);
  h.gaps = saturate(t.gaps);
  h.resyncs = saturate(t.resyncs);
  h.stale_books = feed_.stale_books();
  h.malformed = saturate(st.malformed_total());
  const Event e = to_event(h);
  (void)sink_.publish(std::span<const Event>(&e, 1));  // a health event that finds no room waits for the next
  counters_.gaps.store(t.gaps, std::memory_order_relaxed);
  counters_.resyncs.store(t.resyncs, std::memory_order_relaxed);
  counters_.stale_books.store(h.stale_books, std::memory_order_relaxed);
  std::uint32_t synced = 0;
  for (std::size_t i = 0; i < feed_.symbol_count(); ++i) synced += feed_.book_sync(i).usable() ? 1 : 0;
  counters_.synced_books.store(synced, std::memory_order_relaxed);
}

}  // namespace keel::gateway::binance
