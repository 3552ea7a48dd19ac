#include "keel/sim/capture_replay_flow.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "keel/protocol/binance/decode.hpp"
#include "keel/sim/matching_rules.hpp"

namespace keel::sim {

namespace {

enum class FrameClass : std::uint8_t { kMalformed, kIgnored, kDepth, kTrade };

// The level at `price` on `side`, or nullptr. Bids are stored ascending, asks descending.
const PriceLevel* find_level(const OrderBook& book, Side side, Price price) noexcept {
  const auto levels = book.levels(side);
  const auto it =
      std::lower_bound(levels.begin(), levels.end(), price, [side](const PriceLevel& l, Price p) {
        return side == Side::kBuy ? l.price < p : l.price > p;
      });
  return it != levels.end() && it->price == price ? &*it : nullptr;
}

// Slots of `account`'s orders at `level`, oldest first.
void account_orders(const OrderBook& book, const PriceLevel* level, AccountId account,
                    std::vector<Slot>& out) {
  out.clear();
  if (level == nullptr) return;
  for (Slot s = level->head; s != kNoSlot; s = book.order(s).next) {
    if (book.order(s).account == account) out.push_back(s);
  }
}

}  // namespace

// Frames through the one Binance decoder (keel::protocol::binance::Decoder), reduced to what the
// flow replays: depth diffs as level changes and trades as a taker side, price and quantity.
struct CaptureReplayFlow::Parser {
  protocol::binance::Decoder decoder;
  protocol::binance::Frame frame;
  // The parsed frame.
  std::string_view symbol;
  std::vector<LevelOp> levels;  // bids then asks
  LevelOp trade;                // side = taker side

  explicit Parser(std::size_t max_frame) : decoder(max_frame) { levels.reserve(256); }

  // Classifies one frame; for kDepth / kTrade fills symbol and levels / trade. `symbol` is valid
  // until the next call. Kinds the flow does not replay (bookTicker, kline, partial depth, event
  // types keel does not decode) are ignored without being checked.
  FrameClass parse(std::string_view text) {
    using protocol::binance::DecodeError;
    using protocol::binance::FrameKind;
    using protocol::binance::kinds_bit;
    constexpr auto kReplayed = static_cast<protocol::binance::FrameKinds>(
        kinds_bit(FrameKind::kTrade) | kinds_bit(FrameKind::kAggTrade) | kinds_bit(FrameKind::kDepthUpdate));
    const DecodeError err = decoder.decode(text, frame, kReplayed);
    if (err == DecodeError::kUnknownKind) return FrameClass::kIgnored;
    if (err != DecodeError::kNone) return FrameClass::kMalformed;
    symbol = frame.symbol.view();
    if (frame.kind == FrameKind::kDepthUpdate) {
      levels.clear();
      for (const protocol::binance::Level& l : frame.depth.bids) {
        if (!l.price.is_positive()) return FrameClass::kMalformed;
        levels.push_back(LevelOp{Side::kBuy, l.price, l.qty});
      }
      for (const protocol::binance::Level& l : frame.depth.asks) {
        if (!l.price.is_positive()) return FrameClass::kMalformed;
        levels.push_back(LevelOp{Side::kSell, l.price, l.qty});
      }
      return FrameClass::kDepth;
    }
    if (frame.kind == FrameKind::kTrade || frame.kind == FrameKind::kAggTrade) {
      const protocol::binance::TradeFrame& t = frame.trade;
      if (!t.price.is_positive() || !t.qty.is_positive()) return FrameClass::kMalformed;
      trade = LevelOp{t.buyer_is_maker ? Side::kSell : Side::kBuy, t.price, t.qty};
      return FrameClass::kTrade;
    }
    return FrameClass::kIgnored;
  }
};

CaptureReplayFlow::CaptureReplayFlow(std::vector<Capture> captures,
                                     std::span<const VenueSymbol> symbols,
                                     const FlowAccounts& accounts,
                                     const CaptureReplayParams& params)
    : captures_(std::move(captures)),
      symbols_(symbols.begin(), symbols.end()),
      accounts_(accounts),
      params_(params) {
  if (params_.cancels_from != QueueModel::kBack && params_.cancels_from != QueueModel::kFront) {
    throw std::invalid_argument("capture replay: cancels_from must be back or front");
  }
  if (accounts_.maker == accounts_.taker) {
    throw std::invalid_argument("capture replay: the maker and taker accounts must differ");
  }
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    const Instrument& ins = symbols_[i].instrument;
    if (ins.id != i || !ins.tick_size.is_positive() || !ins.lot_size.is_positive()) {
      throw std::invalid_argument("capture replay: symbol " + ins.symbol +
                                  ": id must equal its index, tick and lot must be positive");
    }
    by_symbol_.emplace(ins.symbol, static_cast<InstrumentId>(i));
  }
  std::size_t max_frame = 0;
  for (std::uint32_t c = 0; c < captures_.size(); ++c) {
    const auto& records = captures_[c].records;
    for (std::uint32_t r = 0; r < records.size(); ++r) {
      order_.emplace_back(c, r);
      max_frame = std::max(max_frame, records[r].frame.size());
    }
  }
  // Receive-time order; ties keep capture order, then file order.
  std::stable_sort(order_.begin(), order_.end(), [this](const auto& a, const auto& b) {
    return captures_[a.first].records[a.second].receive_time_ns <
           captures_[b.first].records[b.second].receive_time_ns;
  });
  parser_ = std::make_unique<Parser>(max_frame);
  levels_.reserve(256);
  pending_.reserve(256);
  scratch_.reserve(256);
}

CaptureReplayFlow::~CaptureReplayFlow() = default;

bool CaptureReplayFlow::load_next_frame() {
  while (cursor_ < order_.size()) {
    const auto [c, r] = order_[cursor_++];
    const CaptureRecord& record = captures_[c].records[r];
    ++frames_total_;
    const FrameClass cls = parser_->parse(record.frame);
    if (cls == FrameClass::kMalformed) {
      ++frames_malformed_;
      continue;
    }
    if (cls == FrameClass::kIgnored) {
      ++frames_ignored_;
      continue;
    }
    const auto it = by_symbol_.find(parser_->symbol);
    if (it == by_symbol_.end()) {
      ++frames_unknown_symbol_;
      continue;
    }
    instrument_ = it->second;
    const Instrument& ins = symbols_[instrument_].instrument;
    ts_ = record.receive_time_ns;
    level_pos_ = 0;
    // Quantities round down to the lot; the caller checked they are not negative.
    const auto on_lot = [this, &ins](Qty q) {
      if (ins.qty_on_lot(q)) return q;
      ++quantities_rounded_;
      return Qty::from_raw(q.raw() - q.raw() % ins.lot_size.raw());
    };
    if (cls == FrameClass::kDepth) {
      levels_.clear();
      for (const LevelOp& l : parser_->levels) {
        if (!ins.price_on_tick(l.price)) {
          ++levels_off_tick_;
          continue;
        }
        levels_.push_back(LevelOp{l.side, l.price, on_lot(l.qty)});
      }
      phase_ = Phase::kDecrease;
    } else {
      const LevelOp& t = parser_->trade;
      if (!ins.price_on_tick(t.price)) {
        ++trades_off_tick_;
        trade_ = LevelOp{};
      } else {
        trade_ = LevelOp{t.side, t.price, on_lot(t.qty)};
      }
      phase_ = Phase::kTrade;
    }
    return true;
  }
  return false;
}

bool CaptureReplayFlow::next(const MatchingEngine& engine, FlowAction& out) {
  for (;;) {
    if (pending_pos_ < pending_.size()) {
      out = pending_[pending_pos_++];
      ++actions_;
      digest_.add_u64(static_cast<std::uint64_t>(out.kind));
      digest_.add_i64(out.ts);
      switch (out.kind) {
        case FlowAction::Kind::kPlace:
          digest_.add_u64(out.place.account);
          digest_.add_u64(out.place.instrument);
          digest_.add_string(out.place.cl_ord_id.view());
          digest_.add_u64(static_cast<std::uint64_t>(out.place.side));
          digest_.add_u64(static_cast<std::uint64_t>(out.place.tif));
          digest_.add_i64(out.place.price.raw());
          digest_.add_i64(out.place.qty.raw());
          break;
        case FlowAction::Kind::kCancel:
          digest_.add_u64(out.cancel.instrument);
          digest_.add_string(out.cancel.cl_ord_id.view());
          digest_.add_string(out.cancel.orig_cl_ord_id.view());
          break;
        case FlowAction::Kind::kReplace:
          digest_.add_u64(out.replace.instrument);
          digest_.add_string(out.replace.cl_ord_id.view());
          digest_.add_string(out.replace.orig_cl_ord_id.view());
          digest_.add_i64(out.replace.price.raw());
          digest_.add_i64(out.replace.qty.raw());
          break;
        case FlowAction::Kind::kNone:
          break;
      }
      return true;
    }
    pending_.clear();
    pending_pos_ = 0;
    if (phase_ == Phase::kIdle) {
      if (!load_next_frame()) return false;
      continue;
    }
    plan_step(engine);
  }
}

void CaptureReplayFlow::plan_step(const MatchingEngine& engine) {
  const auto finish = [this] {
    phase_ = Phase::kIdle;
    ++frames_applied_;
  };
  if (instrument_ >=
      engine.instrument_count()) {  // an engine built from other symbols: nothing to do
    finish();
    return;
  }
  const OrderBook& book = engine.book(instrument_);
  const Instrument& ins = symbols_[instrument_].instrument;
  switch (phase_) {
    case Phase::kDecrease:
      if (level_pos_ < levels_.size()) {
        plan_decrease(book, ins, levels_[level_pos_++]);
      } else {
        phase_ = Phase::kIncrease;
        level_pos_ = 0;
      }
      return;
    case Phase::kIncrease:
      if (level_pos_ < levels_.size()) {
        plan_increase(book, ins, levels_[level_pos_++]);
      } else {
        finish();
      }
      return;
    case Phase::kTrade:
      if (level_pos_ == 0) {
        ++level_pos_;
        plan_trade(ins);
      } else {
        finish();
      }
      return;
    case Phase::kIdle:
      return;
  }
}

void CaptureReplayFlow::plan_decrease(const OrderBook& book, const Instrument& ins,
                                      const LevelOp& level) {
  account_orders(book, find_level(book, level.side, level.price), accounts_.maker, scratch_);
  Qty current;
  for (const Slot s : scratch_) current += book.order(s).leaves();
  if (current <= level.qty) return;
  Qty excess = current - level.qty;
  if (params_.cancels_from == QueueModel::kBack) std::reverse(scratch_.begin(), scratch_.end());
  for (const Slot s : scratch_) {
    if (!excess.is_positive()) break;
    const RestingOrder& o = book.order(s);
    if (o.leaves() <= excess) {
      push_cancel(o);
      excess -= o.leaves();
      continue;
    }
    const Qty reduced = o.qty - excess;  // > cum_qty: excess < leaves
    if (rules::meets_min_notional(ins, o.price, reduced)) {
      push_replace(o, reduced);
    } else {
      // The remainder alone would be below the minimum: cancel the order; the increase pass then
      // finds the level short and folds the difference into another maker order (or counts it).
      push_cancel(o);
    }
    excess = Qty{};
  }
}

void CaptureReplayFlow::plan_increase(const OrderBook& book, const Instrument& ins,
                                      const LevelOp& level) {
  if (!level.qty.is_positive()) return;
  // Stale maker orders on the opposite side that a level at this price would cross.
  const Side other = rules::opposite(level.side);
  const auto opposite_levels = book.levels(other);
  for (auto it = opposite_levels.rbegin(); it != opposite_levels.rend(); ++it) {  // best first
    const bool crosses =
        level.side == Side::kBuy ? it->price <= level.price : it->price >= level.price;
    if (!crosses) break;
    for (Slot s = it->head; s != kNoSlot; s = book.order(s).next) {
      if (book.order(s).account != accounts_.maker) continue;
      push_cancel(book.order(s));
      ++stale_orders_cancelled_;
    }
  }
  account_orders(book, find_level(book, level.side, level.price), accounts_.maker, scratch_);
  Qty current;
  for (const Slot s : scratch_) current += book.order(s).leaves();
  if (current >= level.qty) return;
  const Qty missing = level.qty - current;
  if (rules::meets_min_notional(ins, level.price, missing)) {
    push_place(level.side, TimeInForce::kGtc, accounts_.maker, level.price, missing);
    return;
  }
  // Too small for an order of its own: fold it into the maker's newest order at the level (a
  // replace up, which sends that order to the back of the queue).
  if (!scratch_.empty()) {
    const RestingOrder& newest = book.order(scratch_.back());
    const Qty grown = newest.qty + missing;
    if (rules::meets_min_notional(ins, newest.price, grown)) {
      push_replace(newest, grown);
      return;
    }
  }
  ++min_notional_shortfalls_;
}

void CaptureReplayFlow::plan_trade(const Instrument& ins) {
  if (trade_.side == Side::kNone) return;  // off tick (counted at load)
  if (!trade_.qty.is_positive() || !rules::meets_min_notional(ins, trade_.price, trade_.qty)) {
    ++trades_skipped_;
    return;
  }
  push_place(trade_.side, TimeInForce::kIoc, accounts_.taker, trade_.price, trade_.qty);
}

ClOrdId CaptureReplayFlow::next_id(char prefix) {
  char buf[24];
  buf[0] = prefix;
  std::uint64_t v = ++id_counter_;
  char digits[21];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; ++i) buf[1 + i] = digits[n - 1 - i];
  return ClOrdId(std::string_view(buf, static_cast<std::size_t>(n) + 1));
}

void CaptureReplayFlow::push_place(Side side, TimeInForce tif, AccountId account, Price price,
                                   Qty qty) {
  FlowAction a;
  a.kind = FlowAction::Kind::kPlace;
  a.ts = ts_;
  a.place.ts = ts_;
  a.place.account = account;
  a.place.instrument = instrument_;
  a.place.cl_ord_id = next_id(account == accounts_.maker ? 'm' : 't');
  a.place.side = side;
  a.place.type = OrderType::kLimit;
  a.place.tif = tif;
  a.place.price = price;
  a.place.qty = qty;
  pending_.push_back(a);
}

void CaptureReplayFlow::push_cancel(const RestingOrder& order) {
  FlowAction a;
  a.kind = FlowAction::Kind::kCancel;
  a.ts = ts_;
  a.cancel.ts = ts_;
  a.cancel.account = order.account;
  a.cancel.instrument = instrument_;
  a.cancel.cl_ord_id = next_id('c');
  a.cancel.orig_cl_ord_id = order.cl_ord_id;
  a.cancel.side = order.side;
  pending_.push_back(a);
}

void CaptureReplayFlow::push_replace(const RestingOrder& order, Qty qty) {
  FlowAction a;
  a.kind = FlowAction::Kind::kReplace;
  a.ts = ts_;
  a.replace.ts = ts_;
  a.replace.account = order.account;
  a.replace.instrument = instrument_;
  a.replace.cl_ord_id = next_id('r');
  a.replace.orig_cl_ord_id = order.cl_ord_id;
  a.replace.side = order.side;
  a.replace.price = order.price;
  a.replace.qty = qty;
  pending_.push_back(a);
}

void CaptureReplayFlow::on_execution(const Execution& execution) {
  if (execution.exec_type == VenueExecType::kRejected) ++house_rejects_;
}

void CaptureReplayFlow::on_cancel_reject(const CancelReject& /*reject*/) noexcept {
  ++house_cancel_rejects_;
}

}  // namespace keel::sim
