#include "keel/gateway/binance/market_data_feed.hpp"

#include <array>
#include <cstddef>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>

namespace keel::gateway::binance {

namespace {

constexpr std::int64_t kNanosPerMs = 1'000'000;

// Milliseconds since the epoch to nanoseconds; false when it does not fit (a hostile "E").
bool ms_to_ns(std::int64_t ms, std::int64_t& ns) noexcept {
  if (ms < 0 || ms > std::numeric_limits<std::int64_t>::max() / kNanosPerMs) return false;
  ns = ms * kNanosPerMs;
  return true;
}

// Codes LogOnce keeps beside the DecodeErrors (0..10).
constexpr std::uint8_t kLogUnknownSymbol = 20;
constexpr std::uint8_t kLogDropped = 22;
constexpr std::uint8_t kLogGap = 23;

struct SymbolState {
  SymbolState(std::string symbol, book::DepthVenue market, const book::BookSync::Limits& limits)
      : name(std::move(symbol)), sync(market, limits) {}
  std::string name;
  book::BookSync sync;
  // What the core was last actually told (a publish that succeeded), not what was meant:
  bool core_live = false;        // the core's replica holds kLive for this book
  bool core_in_step = false;     // …and equals this sync's book, so diffs may go as levels
  bool stale_owed = false;       // core_live, but the book it holds is wrong: kStale not yet delivered
  bool synced = false;           // a snapshot brought the book in step at least once
  bool has_diff_stream = false;  // depthUpdate frames arrive for this symbol
  bool snapshot_requested = false;
  bool have_trade = false, have_agg = false, have_ticker = false, have_partial = false;
  std::uint64_t last_trade_id = 0, last_agg_id = 0, last_ticker_u = 0, last_partial_u = 0;
  // Per kline interval (KlineInterval 0..16): the last event time delivered, 0 = none.
  std::array<std::int64_t, 17> last_kline_time{};
  std::int64_t last_mark_time = 0;  // E of the last markPriceUpdate delivered, 0 = none
  // A new connection starts new streams: nothing it sends can be a duplicate of the old one's.
  void forget_delivered() noexcept {
    have_trade = have_agg = have_ticker = have_partial = false;
    last_kline_time.fill(0);
    last_mark_time = 0;
  }
};

}  // namespace

struct MarketDataFeed::Impl {
  Impl(const MarketDataFeedConfig& c, EventSink& s, FeedListener* l)
      : config(c), sink(s), listener(l), decoder(c.max_frame_bytes, c.max_frame_levels) {
    limits.max_levels = c.book_levels;
    limits.buffer_diffs = c.buffer_diffs;
    if (c.book_levels == 0 || c.max_frame_levels == 0) throw std::invalid_argument("book levels must be positive");
    symbols.reserve(c.max_symbols);
    for (const std::string& name : c.symbols) {
      if (add_symbol(name) == kNone) throw std::invalid_argument("bad or duplicate symbol: " + name);
    }
    const std::size_t most = 2 * std::max(c.book_levels, c.max_frame_levels) + 4;
    events.reserve(most);
    bids.reserve(c.max_frame_levels);
    asks.reserve(c.max_frame_levels);
    log_line.reserve(256);
  }

  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

  std::size_t add_symbol(std::string_view name) {
    if (name.empty() || name.size() > bn::Symbol::kCapacity || symbols.size() >= config.max_symbols ||
        by_name.contains(name))
      return kNone;
    for (char c : name)
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return kNone;
    symbols.push_back(std::make_unique<SymbolState>(std::string(name), config.market, limits));
    if (diff_only(name)) symbols.back()->sync.start_diff_only();
    by_name.emplace(std::string(name), symbols.size() - 1);
    return symbols.size() - 1;
  }

  bool diff_only(std::string_view name) const noexcept {
    if (!config.diff_only) return false;
    for (const std::string& s : config.snapshot_symbols)
      if (s == name) return false;
    return true;
  }

  std::size_t find(std::string_view name) const noexcept {
    const auto it = by_name.find(name);
    return it == by_name.end() ? kNone : it->second;
  }

  void log(bn::FrameKind kind, std::uint8_t code, std::string_view what, std::string_view frame) {
    if (listener == nullptr) return;
    try {
      if (once.first(kind, code, what, stats.frames, frame, log_line)) listener->on_log(log_line);
    } catch (...) {  // a log line that cannot be had is not worth a frame
    }
  }

  void malformed(bn::FrameKind kind, bn::DecodeError err, std::string_view what, std::string_view frame) {
    ++stats.kinds[static_cast<std::size_t>(kind)].malformed;
    ++stats.errors[static_cast<std::size_t>(err)];
    log(kind, static_cast<std::uint8_t>(err), what, frame);
  }

  EventHeader header(EventKind kind, std::size_t sym, std::int64_t ts_exchange, std::int64_t ts_local) const noexcept {
    EventHeader h;
    h.kind = kind;
    h.instrument = static_cast<InstrumentId>(sym);
    h.ts_exchange = ts_exchange;
    h.ts_local = ts_local;
    return h;
  }

  // Publishes `events` whole, after every owed kStale (so the core never hears anything of this
  // feed before a kStale it is owed); false, and counted, when the ring has no room for all of it.
  bool publish() noexcept {
    if (events.empty()) return true;
    if ((stale_owed_count > 0 && !pay_stale_debts(events.front().header.ts_local)) || !sink.publish(events)) {
      stats.events_dropped += events.size();
      return false;
    }
    stats.events += events.size();
    return true;
  }

  void push_state(std::size_t sym, book::BookState state, std::int64_t ts_exchange, std::int64_t ts_local) {
    Control c;
    c.header = header(EventKind::kControl, sym, ts_exchange, ts_local);
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kBookState);
    c.value = static_cast<std::int64_t>(state);
    c.seq = symbols[sym]->sync.last_update_id();
    events.push_back(to_event(c));
  }

  // BookLevel events for `levels`: `templ` (header, ids, side) into the first slot, each next slot
  // copied from the one before it (already in memory) and given its price and quantity. Copying
  // from a local template instead made the compiler rebuild the 64 bytes on the stack for every
  // level and reload them across a store-forwarding stall — measured, a third of the adapter's
  // cost on a 40-level depth frame. Capacity is reserved: the vector never reallocates here.
  void append_levels(const Event& templ, std::span<const book::PriceQty> levels) noexcept {
    static_assert(offsetof(BookLevel, qty) == offsetof(BookLevel, price) + sizeof(Price));
    static_assert(sizeof(book::PriceQty) == sizeof(Price) + sizeof(Qty));
    if (levels.empty()) return;
    const std::size_t first = events.size();
    events.resize(first + levels.size());
    Event* slot = events.data() + first;
    std::memcpy(slot[0].bytes, templ.bytes, sizeof(Event));
    std::memcpy(slot[0].bytes + offsetof(BookLevel, price), &levels[0], sizeof(book::PriceQty));
    for (std::size_t i = 1; i < levels.size(); ++i) {
      std::memcpy(slot[i].bytes, slot[i - 1].bytes, sizeof(Event));
      std::memcpy(slot[i].bytes + offsetof(BookLevel, price), &levels[i], sizeof(book::PriceQty));
    }
  }

  // The whole book as one snapshot batch, then kLive (book_replica.hpp).
  void push_snapshot_batch(std::size_t sym, std::int64_t ts_exchange, std::int64_t ts_local) {
    const book::L2Book& b = symbols[sym]->sync.book();
    const std::uint64_t u = symbols[sym]->sync.last_update_id();
    BookLevel level;
    level.header = header(EventKind::kBookLevel, sym, ts_exchange, ts_local);
    level.header.flags = kFlagSnapshot;
    level.seq = u;
    level.first_seq = u;
    for (Side side : {Side::kBuy, Side::kSell}) {
      level.side = side;
      const Event templ = to_event(level);
      for (std::size_t i = 0; i < b.depth(side); ++i) {
        const book::PriceQty pq = b.level(side, i);
        append_levels(templ, std::span<const book::PriceQty>(&pq, 1));
      }
    }
    if (events.empty() || events.back().header.kind != EventKind::kBookLevel) {
      level.side = Side::kNone;  // an empty book: one "no level" event
      level.price = Price{};
      level.qty = Qty{};
      events.push_back(to_event(level));
    }
    events.back().header.flags |= kFlagEndOfBatch;
    push_state(sym, book::BookState::kLive, ts_exchange, ts_local);
  }

  // The sink refused a depth batch: the book the core holds missed it. Invalidate ours too; if the
  // core holds the book as live it is owed a kStale (delivered before anything else is published).
  void lost_depth(std::size_t sym, std::string_view frame) {
    SymbolState& s = *symbols[sym];
    s.sync.invalidate();
    s.core_in_step = false;
    if (s.core_live) owe_stale(s);
    log(bn::FrameKind::kDepthUpdate, kLogDropped, "no room in the core's ring: the book is stale and resyncs", frame);
    request_snapshot(sym);
  }

  void owe_stale(SymbolState& s) noexcept {
    if (s.stale_owed) return;
    s.stale_owed = true;
    ++stale_owed_count;
  }
  void debt_paid(SymbolState& s) noexcept {
    if (!s.stale_owed) return;
    s.stale_owed = false;
    --stale_owed_count;
  }

  // This feed's book of `sym` is no longer the one the core holds (a gap, a lost connection): the
  // core hears kStale now, or as soon as the ring has room.
  void tell_stale(std::size_t sym, std::int64_t ts_exchange, std::int64_t ts_local) {
    SymbolState& s = *symbols[sym];
    s.core_in_step = false;
    if (!s.core_live || s.stale_owed) return;
    events.clear();
    push_state(sym, book::BookState::kStale, ts_exchange, ts_local);
    if (publish()) s.core_live = false;
    else owe_stale(s);
  }

  // Delivers every owed kStale; false when the ring still has no room for one.
  bool pay_stale_debts(std::int64_t ts_local) noexcept {
    for (std::size_t i = 0; i < symbols.size() && stale_owed_count > 0; ++i) {
      SymbolState& s = *symbols[i];
      if (!s.stale_owed) continue;
      Control c;
      c.header = header(EventKind::kControl, i, 0, ts_local);
      c.header.subtype = static_cast<std::uint8_t>(ControlKind::kBookState);
      c.value = static_cast<std::int64_t>(book::BookState::kStale);
      c.seq = s.sync.last_update_id();
      const Event e = to_event(c);
      if (!sink.publish(std::span<const Event>(&e, 1))) return false;
      ++stats.events;
      s.core_live = false;
      debt_paid(s);
    }
    return true;
  }

  // `events` hold the whole book of `sym` and kLive (push_snapshot_batch): on success the core's
  // replica is this book, live, and any debt is paid by it; on a refusal the book goes stale.
  bool publish_book(std::size_t sym, std::string_view frame) {
    SymbolState& s = *symbols[sym];
    if (!publish()) {
      lost_depth(sym, frame);
      return false;
    }
    s.core_live = true;
    s.core_in_step = true;
    debt_paid(s);
    applied(sym);
    return true;
  }

  void request_snapshot(std::size_t sym) {
    SymbolState& s = *symbols[sym];
    if (s.sync.diff_only()) return;
    s.snapshot_requested = true;
    if (listener != nullptr) listener->on_snapshot_needed(sym);
  }

  // Copies a depth message's levels into the scratch vectors; false when a price is not positive
  // (the decoder accepts "0"; a book level at price 0 is malformed and must not reach the mirror).
  bool copy_levels(const bn::DepthFrame& d) noexcept {
    bids.clear();
    asks.clear();
    for (const bn::Level& l : d.bids) {
      if (!l.price.is_positive()) return false;
      bids.push_back({l.price, l.qty});
    }
    for (const bn::Level& l : d.asks) {
      if (!l.price.is_positive()) return false;
      asks.push_back({l.price, l.qty});
    }
    return true;
  }

  // Seeds `sym`'s book from a snapshot or a partial book (bids / asks already in the scratch vectors)
  // by Binance's rules (the buffered diffs that follow it applied) and tells the core.
  book::SnapshotOutcome seed(std::size_t sym, std::uint64_t last_update_id, std::int64_t ts_exchange,
                             std::int64_t ts_local, std::string_view frame) {
    SymbolState& s = *symbols[sym];
    s.snapshot_requested = false;
    const book::SnapshotOutcome outcome = s.sync.on_snapshot(last_update_id, bids, asks);
    if (outcome != book::SnapshotOutcome::kSynced) {
      request_snapshot(sym);
      return outcome;
    }
    s.synced = true;
    events.clear();
    push_snapshot_batch(sym, ts_exchange, ts_local);
    (void)publish_book(sym, frame);
    return outcome;
  }

  // Publishes `events` for a depth change of `sym`; on a refusal the book goes stale.
  void publish_depth(std::size_t sym, std::string_view frame) {
    if (!publish()) lost_depth(sym, frame);
  }

  void applied(std::size_t sym) {
    if (listener != nullptr) listener->on_book_applied(sym, symbols[sym]->sync.book(), symbols[sym]->sync.last_update_id());
  }

  // A depthUpdate whose levels copy_levels() accepted.
  void on_depth(std::size_t sym, std::int64_t ts_exchange, std::int64_t ts_local, std::string_view frame) {
    SymbolState& s = *symbols[sym];
    s.has_diff_stream = true;
    const bn::DepthFrame& d = f.depth;
    const book::DepthDiff diff{d.first_update_id, d.final_update_id, d.prev_final_update_id, bids, asks};
    const book::DiffOutcome outcome = s.sync.on_diff(diff);
    events.clear();
    switch (outcome) {
      case book::DiffOutcome::kApplied: {
        if (!s.core_in_step) {  // the core's replica is not this book (a diff-only start): send it whole
          push_snapshot_batch(sym, ts_exchange, ts_local);
          (void)publish_book(sym, frame);
          return;
        }
        BookLevel level;
        level.header = header(EventKind::kBookLevel, sym, ts_exchange, ts_local);
        level.seq = d.final_update_id;
        level.first_seq = d.first_update_id;
        level.side = Side::kBuy;
        Event templ = to_event(level);
        append_levels(templ, bids);
        templ.book_level.side = Side::kSell;
        append_levels(templ, asks);
        if (!events.empty()) events.back().header.flags |= kFlagEndOfBatch;
        if (!publish()) {
          lost_depth(sym, frame);
          return;
        }
        applied(sym);
        return;
      }
      case book::DiffOutcome::kBuffered:
        if (!s.snapshot_requested) request_snapshot(sym);
        return;
      case book::DiffOutcome::kDropped:
        ++stats.kinds[static_cast<std::size_t>(bn::FrameKind::kDepthUpdate)].duplicates;
        return;
      case book::DiffOutcome::kGap:
        log(bn::FrameKind::kDepthUpdate, kLogGap, "gap in the update ids: the book is stale and resyncs", frame);
        tell_stale(sym, ts_exchange, ts_local);
        if (s.sync.diff_only()) {  // BookSync restarted the book from this diff: the core gets it whole
          events.clear();
          push_snapshot_batch(sym, ts_exchange, ts_local);
          (void)publish_book(sym, frame);
          return;
        }
        request_snapshot(sym);
        return;
    }
  }

  MarketDataFeedConfig config;
  EventSink& sink;
  FeedListener* listener;
  bn::Decoder decoder;
  bn::Frame f;
  book::BookSync::Limits limits;
  std::vector<std::unique_ptr<SymbolState>> symbols;
  std::map<std::string, std::size_t, std::less<>> by_name;
  std::vector<Event> events;
  std::vector<book::PriceQty> bids, asks;
  FrameStats stats;
  LogOnce once;
  std::string log_line;
  std::size_t stale_owed_count = 0;
};

MarketDataFeed::MarketDataFeed(const MarketDataFeedConfig& config, EventSink& sink, FeedListener* listener)
    : impl_(std::make_unique<Impl>(config, sink, listener)) {}
MarketDataFeed::~MarketDataFeed() = default;

void MarketDataFeed::on_frame(std::string_view frame, std::int64_t receive_time_ns) noexcept {
  Impl& m = *impl_;
  ++m.stats.frames;
  m.stats.bytes += frame.size();
  if (m.stale_owed_count > 0) (void)m.pay_stale_debts(receive_time_ns);
  const bn::DecodeError err = m.decoder.decode(frame, m.f, m.config.kinds);
  const bn::FrameKind kind = m.f.kind;
  if (err == bn::DecodeError::kUnknownKind) {
    ++m.stats.unknown_kinds;
    ++m.stats.errors[static_cast<std::size_t>(err)];
    m.log(bn::FrameKind::kNone, static_cast<std::uint8_t>(err), "unknown event kind", frame);
    return;
  }
  if (err != bn::DecodeError::kNone) {
    m.malformed(err == bn::DecodeError::kTooLarge ? bn::FrameKind::kNone : kind, err, bn::to_string(err), frame);
    return;
  }
  const auto k = static_cast<std::size_t>(kind);
  if ((m.config.kinds & bn::kinds_bit(kind)) == 0) {
    ++m.stats.kinds[k].not_wanted;
    return;
  }
  std::string_view name = m.f.symbol.view();
  std::size_t sym = Impl::kNone;
  if (name.empty()) {
    if (m.symbols.size() == 1) sym = 0;  // a raw partial-depth frame names no symbol: the only one
  } else {
    sym = m.find(name);
    if (sym == Impl::kNone && m.config.learn_symbols) {
      try {
        sym = m.add_symbol(name);
      } catch (...) {
        sym = Impl::kNone;
      }
    }
  }
  if (sym == Impl::kNone) {
    ++m.stats.kinds[k].unknown_symbol;
    m.log(kind, kLogUnknownSymbol, "unknown symbol", frame);
    return;
  }
  SymbolState& s = *m.symbols[sym];
  m.events.clear();
  std::int64_t ts_exchange = 0;
  switch (kind) {
    case bn::FrameKind::kTrade:
    case bn::FrameKind::kAggTrade: {
      const bn::TradeFrame& t = m.f.trade;
      std::int64_t trade_ns = 0;
      if (!ms_to_ns(t.event_time_ms, ts_exchange) || !ms_to_ns(t.trade_time_ms, trade_ns) ||
          !t.price.is_positive() || !t.qty.is_positive()) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time, price or quantity out of range", frame);
        return;
      }
      const bool agg = kind == bn::FrameKind::kAggTrade;
      bool& have = agg ? s.have_agg : s.have_trade;
      std::uint64_t& last = agg ? s.last_agg_id : s.last_trade_id;
      if (have && t.id <= last) {
        ++m.stats.kinds[k].duplicates;
        return;
      }
      Trade e;
      e.header = m.header(EventKind::kTrade, sym, ts_exchange, receive_time_ns);
      e.seq = t.id;
      e.price = t.price;
      e.qty = t.qty;
      e.trade_time = trade_ns;
      e.aggressor = t.buyer_is_maker ? Side::kSell : Side::kBuy;
      m.events.push_back(to_event(e));
      if (m.publish()) {
        have = true;
        last = t.id;
      }
      break;
    }
    case bn::FrameKind::kBookTicker: {
      const bn::BookTickerFrame& t = m.f.book_ticker;
      // An empty side is written as price 0, quantity 0; a price 0 with a quantity is malformed.
      const bool bid_ok = t.bid_price.is_positive() || (t.bid_price.raw() == 0 && t.bid_qty.raw() == 0);
      const bool ask_ok = t.ask_price.is_positive() || (t.ask_price.raw() == 0 && t.ask_qty.raw() == 0);
      if (!ms_to_ns(t.event_time_ms, ts_exchange) || !bid_ok || !ask_ok) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time or price out of range", frame);
        return;
      }
      if (s.have_ticker && t.update_id <= s.last_ticker_u) {
        ++m.stats.kinds[k].duplicates;
        return;
      }
      BookTop e;
      e.header = m.header(EventKind::kBookTop, sym, ts_exchange, receive_time_ns);
      e.seq = t.update_id;
      e.bid_price = t.bid_price;
      e.bid_qty = t.bid_qty;
      e.ask_price = t.ask_price;
      e.ask_qty = t.ask_qty;
      m.events.push_back(to_event(e));
      if (m.publish()) {
        s.have_ticker = true;
        s.last_ticker_u = t.update_id;
      }
      break;
    }
    case bn::FrameKind::kKline: {
      const bn::KlineMsg& kl = m.f.kline;
      std::int64_t open_ns = 0;
      if (!ms_to_ns(kl.event_time_ms, ts_exchange) || !ms_to_ns(kl.open_time_ms, open_ns)) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time out of range", frame);
        return;
      }
      std::int64_t& last = s.last_kline_time[static_cast<std::size_t>(kl.interval) % s.last_kline_time.size()];
      if (last != 0 && kl.event_time_ms <= last) {
        ++m.stats.kinds[k].duplicates;
        return;
      }
      last = kl.event_time_ms;
      if (!kl.closed) {
        ++m.stats.kline_updates;
        break;
      }
      if (!kl.low.is_positive() || kl.high < kl.low || kl.open < kl.low || kl.open > kl.high || kl.close < kl.low ||
          kl.close > kl.high) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "kline prices out of order", frame);
        return;
      }
      Bar e;
      e.header = m.header(EventKind::kBar, sym, open_ns, receive_time_ns);
      e.header.detail = static_cast<std::uint8_t>(kl.interval);  // FORMATS.md: a feed's bar names its interval
      e.open = kl.open;
      e.high = kl.high;
      e.low = kl.low;
      e.close = kl.close;
      e.volume = kl.volume;
      m.events.push_back(to_event(e));
      (void)m.publish();
      break;
    }
    case bn::FrameKind::kDepthUpdate: {
      const bn::DepthFrame& d = m.f.depth;
      if (d.event_time_ms != 0 && !ms_to_ns(d.event_time_ms, ts_exchange)) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time out of range", frame);
        return;
      }
      if (!m.copy_levels(d)) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "a depth level with a zero price", frame);
        return;
      }
      m.on_depth(sym, ts_exchange, receive_time_ns, frame);
      break;
    }
    case bn::FrameKind::kPartialDepth: {
      const bn::DepthFrame& d = m.f.depth;
      if (d.event_time_ms != 0 && !ms_to_ns(d.event_time_ms, ts_exchange)) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time out of range", frame);
        return;
      }
      // A book kept by diffs takes a {"lastUpdateId",…} object only as the snapshot it waits for (a
      // REST snapshot recorded in a capture, raw or under a diff stream's name) — never a depth<N>
      // stream's top-N book, which would leave the deep levels out; otherwise (no diff stream) it
      // is a partial book that replaces the last one.
      const bool waits = s.has_diff_stream && s.sync.needs_snapshot() &&
                         m.f.stream.kind != bn::StreamKind::kPartialDepth;
      if (s.has_diff_stream && !waits) break;
      if (!waits && s.have_partial && d.final_update_id <= s.last_partial_u) {
        ++m.stats.kinds[k].duplicates;
        return;
      }
      if (!m.copy_levels(d)) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "a depth level with a zero price", frame);
        return;
      }
      (void)m.seed(sym, d.final_update_id, ts_exchange, receive_time_ns, frame);
      if (!waits) {
        s.have_partial = true;
        s.last_partial_u = d.final_update_id;
      }
      break;
    }
    case bn::FrameKind::kMarkPrice: {
      const bn::MarkPriceMsg& mp = m.f.mark_price;
      if (!ms_to_ns(mp.event_time_ms, ts_exchange) || !mp.mark_price.is_positive()) {
        m.malformed(kind, bn::DecodeError::kBadDecimal, "time or mark price out of range", frame);
        return;
      }
      // @markPrice and @markPrice@1s of one symbol meet every 3 s with the same E: one event.
      if (s.last_mark_time != 0 && mp.event_time_ms <= s.last_mark_time) {
        ++m.stats.kinds[k].duplicates;
        return;
      }
      if (!mp.has_funding_rate) {  // a delivery contract ("r":""): no funding to report
        s.last_mark_time = mp.event_time_ms;
        break;
      }
      ExternalFactor e;
      e.header = m.header(EventKind::kExternalFactor, sym, ts_exchange, receive_time_ns);
      e.header.subtype = static_cast<std::uint8_t>(FactorKind::kFunding);
      e.seq = static_cast<std::uint64_t>(mp.event_time_ms);
      e.value = mp.funding_rate.as_double();
      m.events.push_back(to_event(e));
      if (m.publish()) s.last_mark_time = mp.event_time_ms;
      break;
    }
    case bn::FrameKind::kNone:
      break;
  }
  ++m.stats.kinds[k].decoded;
}

bn::DecodeError MarketDataFeed::on_snapshot(std::size_t symbol, std::string_view body, std::int64_t receive_time_ns,
                                            book::SnapshotOutcome& outcome) noexcept {
  Impl& m = *impl_;
  outcome = book::SnapshotOutcome::kGap;
  if (symbol >= m.symbols.size()) return bn::DecodeError::kBadSymbol;
  bn::DecodeError err = m.decoder.decode(body, m.f, bn::kinds_bit(bn::FrameKind::kPartialDepth));
  if (err == bn::DecodeError::kNone && m.f.kind != bn::FrameKind::kPartialDepth) err = bn::DecodeError::kUnknownKind;
  if (err != bn::DecodeError::kNone) {
    m.log(bn::FrameKind::kPartialDepth, static_cast<std::uint8_t>(err), "REST depth snapshot refused", body);
    m.request_snapshot(symbol);
    return err;
  }
  if (!m.copy_levels(m.f.depth)) {
    m.log(bn::FrameKind::kPartialDepth, static_cast<std::uint8_t>(bn::DecodeError::kBadDecimal),
          "REST depth snapshot refused: a level with a zero price", body);
    m.request_snapshot(symbol);
    return bn::DecodeError::kBadDecimal;
  }
  if (!m.symbols[symbol]->sync.needs_snapshot()) {  // a late answer for a book that synced meanwhile
    outcome = book::SnapshotOutcome::kSynced;
    return err;
  }
  std::int64_t ts_exchange = 0;
  if (!ms_to_ns(m.f.depth.event_time_ms, ts_exchange)) ts_exchange = 0;
  outcome = m.seed(symbol, m.f.depth.final_update_id, ts_exchange, receive_time_ns, body);
  return err;
}

void MarketDataFeed::on_connection_lost(std::int64_t now_ns) noexcept {
  Impl& m = *impl_;
  for (std::size_t i = 0; i < m.symbols.size(); ++i) {
    SymbolState& s = *m.symbols[i];
    s.forget_delivered();
    if (!s.has_diff_stream && !s.core_live) continue;
    s.sync.invalidate();
    m.tell_stale(i, 0, now_ns);
    m.request_snapshot(i);
  }
}

std::size_t MarketDataFeed::symbol_count() const noexcept { return impl_->symbols.size(); }
std::string_view MarketDataFeed::symbol(std::size_t i) const noexcept { return impl_->symbols[i]->name; }
std::size_t MarketDataFeed::find_symbol(std::string_view symbol) const noexcept {
  const std::size_t i = impl_->find(symbol);
  return i == Impl::kNone ? impl_->symbols.size() : i;
}
const book::BookSync& MarketDataFeed::book_sync(std::size_t i) const noexcept { return impl_->symbols[i]->sync; }
bool MarketDataFeed::synced(std::size_t i) const noexcept { return impl_->symbols[i]->synced; }
bool MarketDataFeed::needs_snapshot(std::size_t i) const noexcept { return impl_->symbols[i]->sync.needs_snapshot(); }
const FrameStats& MarketDataFeed::stats() const noexcept { return impl_->stats; }

book::SyncCounters MarketDataFeed::book_totals() const noexcept {
  book::SyncCounters t;
  for (const auto& s : impl_->symbols) {
    const book::SyncCounters& c = s->sync.counters();
    t.applied += c.applied;
    t.dropped += c.dropped;
    t.buffered += c.buffered;
    t.gaps += c.gaps;
    t.resyncs += c.resyncs;
    t.snapshots_refused += c.snapshots_refused;
    t.buffer_overflows += c.buffer_overflows;
    t.crossed_updates += c.crossed_updates;
  }
  return t;
}

std::uint32_t MarketDataFeed::stale_books() const noexcept {
  std::uint32_t n = 0;
  for (const auto& s : impl_->symbols)
    if ((s->has_diff_stream || s->have_partial) && !s->sync.usable()) ++n;
  return n;
}

}  // namespace keel::gateway::binance
