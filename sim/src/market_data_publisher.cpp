#include "keel/sim/market_data_publisher.hpp"

#include "keel/protocol/binance/encode.hpp"
#include "keel/protocol/binance/messages.hpp"

#include <algorithm>
#include <stdexcept>

namespace keel::sim {

using protocol::binance::Level;

struct MarketDataPublisher::SymbolState {
  InstrumentId instrument = kNoInstrument;
  protocol::binance::SymbolFormat fmt;
  std::string upper;  // "BTCUSDT" (REST symbol)
  std::string trade_stream, agg_stream, ticker_stream, depth_stream, kline_stream;
  std::string partial_stream[3];  // depth5, depth10, depth20
  std::string mark_stream, mark_1s_stream;  // futures only

  // markPrice: the funding rate published, and the last trade's price (the mark of a one-sided book).
  protocol::binance::FundingRate funding_rate;
  bool have_last_trade = false;
  Price last_trade_px;

  // Changes since the last flush: price raw → final quantity raw, per side.
  std::map<std::int64_t, std::int64_t> changed_bids, changed_asks;

  // Published book (guarded by published_mutex_): what the diffs so far describe.
  std::map<std::int64_t, std::int64_t> bids, asks;
  protocol::binance::DepthStreamState depth_ids{protocol::binance::Market::kSpot};
  protocol::binance::DepthIds last_ids;
  std::int64_t last_diff_ms = 0;  // "E"/"T" of the last diff (the futures snapshot's E and T)

  // aggTrade being built: fills of one taker order at one price.
  bool agg_open = false;
  OrderId agg_taker = 0;
  std::uint64_t agg_next_id = 1;
  protocol::binance::AggTradeMsg agg;

  // bookTicker: the last top published.
  bool ticker_known = false;
  Price bid_px, ask_px;
  Qty bid_qty, ask_qty;

  // kline_1m: the current minute.
  bool kline_open = false;
  bool kline_dirty = false;
  protocol::binance::KlineMsg kline;
};

namespace {

std::string stream_name(std::string_view lower, protocol::binance::StreamKind kind, std::uint8_t depth = 0,
                        std::uint8_t period_s = 0) {
  protocol::binance::StreamName n;
  n.period_s = period_s;
  std::copy(lower.begin(), lower.end(), n.symbol);
  n.symbol_len = static_cast<std::uint8_t>(lower.size());
  n.kind = kind;
  n.depth_levels = depth;
  if (kind == protocol::binance::StreamKind::kKline) n.interval = protocol::binance::KlineInterval::k1m;
  std::string out;
  protocol::binance::append_stream_name(out, n);
  return out;
}

__extension__ using Int128 = __int128;  // GCC/Clang extension, as in fixed_point.cpp

std::int64_t to_ms(std::int64_t ns) noexcept { return ns / 1'000'000; }

// Best-first copy of at most `limit` levels of a published side.
template <class It>
void take_levels(It first, It last, std::uint32_t limit, std::vector<Level>& out) {
  out.clear();
  for (; first != last && out.size() < limit; ++first)
    out.push_back(Level{Price::from_raw(first->first), Qty::from_raw(first->second)});
}

}  // namespace

MarketDataPublisher::MarketDataPublisher(protocol::binance::Market market, std::span<const VenueSymbol> symbols,
                                         MarketDataSink& sink)
    : market_(market), sink_(sink) {
  for (const VenueSymbol& v : symbols) {
    auto fmt = protocol::binance::symbol_format_for(v.instrument, market);
    if (!fmt.ok()) throw std::invalid_argument("market data: symbol \"" + v.instrument.symbol + "\" cannot be published");
    auto s = std::make_unique<SymbolState>();
    s->instrument = v.instrument.id;
    s->fmt = fmt.value();
    s->upper = v.instrument.symbol;
    std::string lower = s->upper;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    s->trade_stream = stream_name(lower, protocol::binance::StreamKind::kTrade);
    s->agg_stream = stream_name(lower, protocol::binance::StreamKind::kAggTrade);
    s->ticker_stream = stream_name(lower, protocol::binance::StreamKind::kBookTicker);
    s->depth_stream = stream_name(lower, protocol::binance::StreamKind::kDepthDiff);
    s->kline_stream = stream_name(lower, protocol::binance::StreamKind::kKline);
    const std::uint8_t depths[3] = {5, 10, 20};
    for (int i = 0; i < 3; ++i) s->partial_stream[i] = stream_name(lower, protocol::binance::StreamKind::kPartialDepth, depths[i]);
    if (market == protocol::binance::Market::kFutures) {
      s->mark_stream = stream_name(lower, protocol::binance::StreamKind::kMarkPrice, 0, 3);
      s->mark_1s_stream = stream_name(lower, protocol::binance::StreamKind::kMarkPrice, 0, 1);
    }
    s->depth_ids = protocol::binance::DepthStreamState(market);
    if (states_.size() != v.instrument.id) throw std::invalid_argument("market data: instrument ids must be 0, 1, 2, …");
    states_.push_back(std::move(s));
  }
  scratch_.reserve(64 * 1024);
}

MarketDataPublisher::~MarketDataPublisher() = default;

void MarketDataPublisher::on_public_trade(const PublicTrade& t) {
  if (t.instrument >= states_.size()) return;
  SymbolState& s = *states_[t.instrument];
  const bool buyer_is_maker = t.aggressor == Side::kSell;
  const std::int64_t ms = to_ms(t.ts);

  protocol::binance::TradeMsg trade;
  trade.event_time_ms = ms;
  trade.trade_time_ms = ms;
  trade.trade_id = t.trade_id;
  trade.price = t.price;
  trade.qty = t.qty;
  trade.buyer_is_maker = buyer_is_maker;
  scratch_.clear();
  protocol::binance::encode_trade(scratch_, market_, s.fmt, trade);
  sink_.emit(s.trade_stream, scratch_);
  s.have_last_trade = true;
  s.last_trade_px = t.price;

  if (s.agg_open && (s.agg_taker != t.taker_order_id || s.agg.price != t.price)) emit_agg_trade(s);
  if (!s.agg_open) {
    s.agg_open = true;
    s.agg_taker = t.taker_order_id;
    s.agg = protocol::binance::AggTradeMsg{};
    s.agg.agg_id = s.agg_next_id++;
    s.agg.first_trade_id = t.trade_id;
    s.agg.price = t.price;
    s.agg.buyer_is_maker = buyer_is_maker;
    s.agg.trade_time_ms = ms;
  }
  s.agg.last_trade_id = t.trade_id;
  s.agg.qty = saturating_add(s.agg.qty, t.qty);  // one taker's fills: ≤ its quantity
  s.agg.event_time_ms = ms;

  // The kline of the trade's minute (a trade in a later minute closes the one before).
  const std::int64_t open_ms = ms - ms % kKlineIntervalMs;
  if (s.kline_open && open_ms > s.kline.open_time_ms) emit_kline(s, ms, true);
  protocol::binance::KlineMsg& k = s.kline;
  if (!s.kline_open) {
    s.kline_open = true;
    k = protocol::binance::KlineMsg{};
    k.interval = protocol::binance::KlineInterval::k1m;
    k.open_time_ms = open_ms;
    k.close_time_ms = open_ms + kKlineIntervalMs - 1;
    k.first_trade_id = static_cast<std::int64_t>(t.trade_id);
    k.open = k.high = k.low = t.price;
  }
  k.last_trade_id = static_cast<std::int64_t>(t.trade_id);
  k.close = t.price;
  k.high = std::max(k.high, t.price);
  k.low = std::min(k.low, t.price);
  // Volumes sum over every order of the minute: statistics that saturate instead of wrapping
  // (fixed_point.hpp's rule). A fill's own notional fits: the engine computed it.
  k.volume = saturating_add(k.volume, t.qty);
  const Notional quote = t.price * t.qty;
  k.quote_volume = saturating_add(k.quote_volume, quote);
  if (t.aggressor == Side::kBuy) {
    k.taker_buy_volume = saturating_add(k.taker_buy_volume, t.qty);
    k.taker_buy_quote_volume = saturating_add(k.taker_buy_quote_volume, quote);
  }
  ++k.trade_count;
  s.kline_dirty = true;
}

void MarketDataPublisher::on_book_level(const BookLevelChange& c) {
  if (c.instrument >= states_.size()) return;
  SymbolState& s = *states_[c.instrument];
  auto& changed = c.side == Side::kBuy ? s.changed_bids : s.changed_asks;
  changed[c.price.raw()] = c.qty.raw();
}

void MarketDataPublisher::emit_agg_trade(SymbolState& s) {
  scratch_.clear();
  protocol::binance::encode_agg_trade(scratch_, market_, s.fmt, s.agg);
  sink_.emit(s.agg_stream, scratch_);
  s.agg_open = false;
}

void MarketDataPublisher::emit_kline(SymbolState& s, std::int64_t event_ms, bool closed) {
  s.kline.event_time_ms = event_ms;
  s.kline.closed = closed;
  scratch_.clear();
  protocol::binance::encode_kline(scratch_, s.fmt, s.kline);
  sink_.emit(s.kline_stream, scratch_);
  s.kline_dirty = false;
  if (closed) s.kline_open = false;
}

void MarketDataPublisher::end_of_request(const MatchingEngine& engine, std::int64_t ts) {
  for (auto& ptr : states_) {
    SymbolState& s = *ptr;
    if (s.agg_open) emit_agg_trade(s);
    if (s.changed_bids.empty() && s.changed_asks.empty() && s.ticker_known) continue;
    const OrderBook& book = engine.book(s.instrument);
    const PriceLevel* bid = book.best(Side::kBuy);
    const PriceLevel* ask = book.best(Side::kSell);
    const Price bid_px = bid != nullptr ? bid->price : Price{};
    const Qty bid_qty = bid != nullptr ? bid->total : Qty{};
    const Price ask_px = ask != nullptr ? ask->price : Price{};
    const Qty ask_qty = ask != nullptr ? ask->total : Qty{};
    const bool changed = !s.ticker_known || bid_px != s.bid_px || bid_qty != s.bid_qty ||
                         ask_px != s.ask_px || ask_qty != s.ask_qty;
    if (!changed) continue;
    s.ticker_known = true;
    s.bid_px = bid_px;
    s.bid_qty = bid_qty;
    s.ask_px = ask_px;
    s.ask_qty = ask_qty;
    if (bid == nullptr && ask == nullptr) continue;  // an empty book has no ticker
    protocol::binance::BookTickerMsg m;
    m.event_time_ms = to_ms(ts);
    m.transaction_time_ms = to_ms(ts);
    {
      // The id of the last book change, as Binance's bookTicker "u" (changes not yet in a diff
      // count: the ticker is live, the diff stream batched).
      std::lock_guard lock(published_mutex_);
      m.update_id = s.depth_ids.last_update_id() + s.changed_bids.size() + s.changed_asks.size();
    }
    m.bid_price = bid_px;
    m.bid_qty = bid_qty;
    m.ask_price = ask_px;
    m.ask_qty = ask_qty;
    scratch_.clear();
    protocol::binance::encode_book_ticker(scratch_, market_, s.fmt, m);
    sink_.emit(s.ticker_stream, scratch_);
  }
}

void MarketDataPublisher::flush(std::int64_t ts) {
  const std::int64_t ms = to_ms(ts);
  for (auto& ptr : states_) {
    SymbolState& s = *ptr;
    if (s.kline_open && ms > s.kline.close_time_ms) emit_kline(s, ms, true);
    else if (s.kline_dirty) emit_kline(s, ms, false);

    const std::size_t n = s.changed_bids.size() + s.changed_asks.size();
    if (n == 0) continue;
    bid_scratch_.clear();
    ask_scratch_.clear();
    for (auto it = s.changed_bids.rbegin(); it != s.changed_bids.rend(); ++it)
      bid_scratch_.push_back(Level{Price::from_raw(it->first), Qty::from_raw(it->second)});
    for (const auto& [px, qty] : s.changed_asks) ask_scratch_.push_back(Level{Price::from_raw(px), Qty::from_raw(qty)});
    protocol::binance::DepthMsg diff;
    diff.event_time_ms = ms;
    diff.transaction_time_ms = ms;
    {
      std::lock_guard lock(published_mutex_);
      for (const Level& l : bid_scratch_) {
        if (l.qty.is_zero()) s.bids.erase(l.price.raw());
        else s.bids[l.price.raw()] = l.qty.raw();
      }
      for (const Level& l : ask_scratch_) {
        if (l.qty.is_zero()) s.asks.erase(l.price.raw());
        else s.asks[l.price.raw()] = l.qty.raw();
      }
      s.last_ids = s.depth_ids.next_diff(static_cast<std::uint32_t>(n));
      s.last_diff_ms = ms;
    }
    s.changed_bids.clear();
    s.changed_asks.clear();
    diff.first_update_id = s.last_ids.first;
    diff.final_update_id = s.last_ids.final;
    diff.prev_final_update_id = s.last_ids.previous;
    diff.bids = bid_scratch_;
    diff.asks = ask_scratch_;
    scratch_.clear();
    protocol::binance::encode_depth_diff(scratch_, market_, s.fmt, diff);
    sink_.emit(s.depth_stream, scratch_);

    // Partial books: the top of the published book after this diff (only this thread writes it).
    const std::uint32_t depths[3] = {5, 10, 20};
    for (int i = 0; i < 3; ++i) {
      take_levels(s.bids.rbegin(), s.bids.rend(), depths[i], bid_scratch_);
      take_levels(s.asks.begin(), s.asks.end(), depths[i], ask_scratch_);
      diff.bids = bid_scratch_;
      diff.asks = ask_scratch_;
      scratch_.clear();
      protocol::binance::encode_partial_depth(scratch_, market_, s.fmt, diff);
      sink_.emit(s.partial_stream[i], scratch_);
    }
  }
}

void MarketDataPublisher::set_funding_rate(InstrumentId instrument, protocol::binance::FundingRate rate) noexcept {
  if (instrument < states_.size()) states_[instrument]->funding_rate = rate;
}

bool MarketDataPublisher::mark_of(const SymbolState& s, const OrderBook& book, Price& mark) noexcept {
  const PriceLevel* bid = book.best(Side::kBuy);
  const PriceLevel* ask = book.best(Side::kSell);
  if (bid != nullptr && ask != nullptr) {
    // (bid + ask) / 2 in 128 bits, the half raw unit rounded to even (fixed_point.hpp's one rule).
    const Int128 sum = static_cast<Int128>(bid->price.raw()) + ask->price.raw();
    std::int64_t half = static_cast<std::int64_t>(sum / 2);
    if (sum % 2 != 0 && half % 2 != 0) ++half;
    mark = Price::from_raw(half);
    return true;
  }
  if (bid == nullptr && ask == nullptr) return false;  // an empty book has no mark
  if (!s.have_last_trade) return false;
  mark = s.last_trade_px;
  return true;
}

void MarketDataPublisher::publish_marks(const MatchingEngine& engine, std::int64_t ts) {
  if (market_ != protocol::binance::Market::kFutures) return;
  const std::int64_t ms = to_ms(ts);
  const bool three = ts % (3 * kMarkIntervalNs) == 0;
  for (auto& ptr : states_) {
    SymbolState& s = *ptr;
    protocol::binance::MarkPriceMsg m;
    if (!mark_of(s, engine.book(s.instrument), m.mark_price)) continue;
    m.event_time_ms = ms;
    m.index_price = m.mark_price;
    m.estimated_settle_price = m.mark_price;
    m.funding_rate = s.funding_rate;
    m.has_funding_rate = true;
    m.next_funding_time_ms = ms - ms % kFundingIntervalMs + kFundingIntervalMs;
    scratch_.clear();
    protocol::binance::encode_mark_price(scratch_, s.fmt, m);
    sink_.emit(s.mark_1s_stream, scratch_);
    if (three) sink_.emit(s.mark_stream, scratch_);
  }
}

bool MarketDataPublisher::has_pending() const noexcept {
  for (const auto& ptr : states_)
    if (!ptr->changed_bids.empty() || !ptr->changed_asks.empty() || ptr->kline_dirty) return true;
  return false;
}

bool MarketDataPublisher::snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) const {
  for (const auto& ptr : states_) {
    const SymbolState& s = *ptr;
    if (s.upper != symbol) continue;
    std::vector<Level> bids, asks;
    protocol::binance::DepthSnapshot snap;
    {
      std::lock_guard lock(published_mutex_);
      take_levels(s.bids.rbegin(), s.bids.rend(), limit, bids);
      take_levels(s.asks.begin(), s.asks.end(), limit, asks);
      snap.last_update_id = s.depth_ids.last_update_id();
      snap.event_time_ms = s.last_diff_ms;  // E / T (futures): the time of the last diff; 0 before any
    }
    snap.transaction_time_ms = snap.event_time_ms;
    snap.bids = bids;
    snap.asks = asks;
    protocol::binance::encode_depth_snapshot(out, market_, s.fmt, snap);
    return true;
  }
  return false;
}

std::vector<Level> MarketDataPublisher::published_levels(InstrumentId instrument, Side side) const {
  std::vector<Level> out;
  if (instrument >= states_.size()) return out;
  const SymbolState& s = *states_[instrument];
  std::lock_guard lock(published_mutex_);
  if (side == Side::kBuy) take_levels(s.bids.rbegin(), s.bids.rend(), UINT32_MAX, out);
  else take_levels(s.asks.begin(), s.asks.end(), UINT32_MAX, out);
  return out;
}

}  // namespace keel::sim
