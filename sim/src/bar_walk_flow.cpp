#include "keel/sim/bar_walk_flow.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "keel/sim/matching_rules.hpp"

namespace keel::sim {

namespace {

__extension__ using Int128 = __int128;  // GCC/Clang extension: exact products of large raws

constexpr std::int64_t kDefaultIntervalNs = 5LL * 60 * 1'000'000'000;
constexpr double kMaxQtyRaw = 1e17;  // 10^9 units: far above any sensible level
// Largest quote notional of one house order (10^9 units, raw): keeps every product, and the sums
// the engine keeps of them, far from the 9.2·10^10 limit of the fixed-point scale.
constexpr std::int64_t kMaxOrderNotionalRaw = 100'000'000'000'000'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) noexcept {
  return -floor_div(-a, b);
}
std::int64_t round_div(std::int64_t a, std::int64_t b) noexcept {  // b > 0, half away from zero
  const Int128 n = static_cast<Int128>(a) * 2 + (a >= 0 ? b : -b);
  return static_cast<std::int64_t>(n / (static_cast<Int128>(b) * 2));
}

}  // namespace

BarWalkFlow::BarWalkFlow(EventSource& bars, std::vector<InstrumentId> venue_ids,
                         std::span<const VenueSymbol> symbols, FlowAccounts accounts,
                         std::uint64_t run_seed, const BarWalkParams& params)
    : bars_(bars),
      venue_ids_(std::move(venue_ids)),
      symbols_(symbols.begin(), symbols.end()),
      accounts_(accounts),
      rng_("flow", run_seed),
      params_(params) {
  if (params.levels < 1 || params.levels > 1000)
    throw std::invalid_argument("bar walk: levels must be 1..1000");
  if (params.spread_ticks < 1)
    throw std::invalid_argument("bar walk: spread_ticks must be at least 1");
  if (!(params.level_notional > 0.0) || !std::isfinite(params.level_notional)) {
    throw std::invalid_argument("bar walk: level_notional must be positive");
  }
  if (!(params.depth_jitter >= 0.0 && params.depth_jitter < 1.0)) {
    throw std::invalid_argument("bar walk: depth_jitter must be in [0, 1)");
  }
  if (params.steps_per_bar < 4)
    throw std::invalid_argument("bar walk: steps_per_bar must be at least 4");
  if (!(params.volume_fraction >= 0.0 && params.volume_fraction <= 1.0)) {
    throw std::invalid_argument("bar walk: volume_fraction must be in [0, 1]");
  }
  if (params.bar_interval_ns < 0)
    throw std::invalid_argument("bar walk: bar_interval_ns must not be negative");
  if (accounts.maker == accounts.taker)
    throw std::invalid_argument("bar walk: maker and taker must differ");
  for (const InstrumentId id : venue_ids_) {
    if (id != kNoInstrument && id >= symbols_.size()) {
      throw std::invalid_argument("bar walk: venue instrument id " + std::to_string(id) +
                                  " out of range");
    }
  }
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i].instrument.id != i || !symbols_[i].instrument.tick_size.is_positive() ||
        !symbols_[i].instrument.lot_size.is_positive()) {
      throw std::invalid_argument("bar walk: symbol " + std::to_string(i) +
                                  " has a bad id, tick or lot");
    }
  }
  state_.resize(symbols_.size());
  for (auto& st : state_) st.orders.resize(static_cast<std::size_t>(2 * params.levels + 16));
  batch_.reserve(symbols_.size());
  in_batch_.assign(symbols_.size(), 0);
}

bool BarWalkFlow::load_batch() {
  for (;;) {
    batch_.clear();
    std::fill(in_batch_.begin(), in_batch_.end(), 0);
    bool have_time = false;
    for (;;) {
      Event e;
      if (have_pending_) {
        e = pending_;
        have_pending_ = false;
      } else if (source_done_ || !bars_.next(e)) {
        source_done_ = true;
        break;
      }
      if (e.header.kind != EventKind::kBar) continue;
      if (!have_time) {
        have_time = true;
        batch_time_ = e.header.ts_exchange;
        const std::int64_t span = e.header.ts_local - e.header.ts_exchange;
        interval_ns_ = params_.bar_interval_ns > 0 ? params_.bar_interval_ns
                       : span > 0                  ? span
                                                   : kDefaultIntervalNs;
      } else if (e.header.ts_exchange != batch_time_) {
        pending_ = e;
        have_pending_ = true;
        break;
      }
      const Bar& bar = e.bar;
      const InstrumentId src = bar.header.instrument;
      const InstrumentId venue = src < venue_ids_.size() ? venue_ids_[src] : kNoInstrument;
      if (venue == kNoInstrument || in_batch_[venue] != 0) continue;
      if (!bar.open.is_positive() || !bar.high.is_positive() || !bar.low.is_positive() ||
          !bar.close.is_positive()) {
        continue;
      }
      in_batch_[venue] = 1;
      BarPlan plan;
      plan.venue = venue;
      const std::int64_t tick = symbols_[venue].instrument.tick_size.raw();
      plan.tick = tick;
      std::int64_t high = bar.high.raw();
      std::int64_t low = bar.low.raw();
      if (high < low) std::swap(high, low);
      std::int64_t hi = floor_div(high, tick);
      std::int64_t lo = ceil_div(low, tick);
      if (lo > hi) lo = hi = round_div(bar.close.raw(), tick);
      lo = std::max<std::int64_t>(lo, 1);
      hi = std::max(hi, lo);
      plan.lo = lo;
      plan.hi = hi;
      const std::int64_t open = std::clamp(round_div(bar.open.raw(), tick), lo, hi);
      const std::int64_t close = std::clamp(round_div(bar.close.raw(), tick), lo, hi);
      const double coin = rng_.uniform();
      const std::int64_t up = hi - open;
      const std::int64_t down = open - lo;
      const bool high_first = up < down || (up == down && coin < 0.5);
      plan.v[0] = open;
      plan.v[1] = high_first ? hi : lo;
      plan.v[2] = high_first ? lo : hi;
      plan.v[3] = close;
      const int n = params_.steps_per_bar;
      const std::int64_t d1 = std::abs(plan.v[1] - plan.v[0]);
      const std::int64_t d2 = std::abs(plan.v[2] - plan.v[1]);
      const std::int64_t d3 = std::abs(plan.v[3] - plan.v[2]);
      const std::int64_t extra = n - 4;  // intervals beyond one per leg
      const Int128 total = static_cast<Int128>(d1) + d2 + d3;
      std::int64_t e1 = extra / 3;
      std::int64_t e2 = extra / 3;
      if (total > 0) {
        e1 = static_cast<std::int64_t>(static_cast<Int128>(extra) * d1 / total);
        e2 = static_cast<std::int64_t>(static_cast<Int128>(extra) * d2 / total);
      }
      plan.at[0] = 0;
      plan.at[1] = static_cast<int>(1 + e1);
      plan.at[2] = static_cast<int>(plan.at[1] + 1 + e2);
      plan.at[3] = n - 1;
      const double vol = static_cast<double>(bar.volume.raw());
      const std::int64_t lot = symbols_[venue].instrument.lot_size.raw();
      double slice = 0.0;
      if (vol > 0.0 && params_.volume_fraction > 0.0) {
        slice = std::floor(std::min(vol * params_.volume_fraction / n, kMaxQtyRaw) /
                           static_cast<double>(lot));
        slice = std::max(slice, 1.0) * static_cast<double>(lot);
      }
      plan.slice = Qty::from_raw(static_cast<std::int64_t>(slice));
      batch_.push_back(plan);
      ++bars_walked_;
    }
    if (!batch_.empty()) return true;
    if (source_done_ && !have_pending_) return false;
  }
}

Price BarWalkFlow::path_price(const BarPlan& plan, int k) const noexcept {
  int a = 0;
  if (k > plan.at[1]) a = 1;
  if (k > plan.at[2]) a = 2;
  const std::int64_t va = plan.v[a];
  const std::int64_t vb = plan.v[a + 1];
  const std::int64_t ia = plan.at[a];
  const std::int64_t ib = plan.at[a + 1];
  std::int64_t t = vb;
  if (ib > ia) {
    const Int128 num = static_cast<Int128>(vb - va) * (k - ia);
    const Int128 den = ib - ia;
    const Int128 twice = num * 2 + (num >= 0 ? den : -den);
    t = va + static_cast<std::int64_t>(twice / (den * 2));
  }
  t = std::clamp(t, plan.lo, plan.hi);
  return Price::from_raw(t * plan.tick);
}

Qty BarWalkFlow::min_qty(InstrumentId id, Price price) const noexcept {
  const Instrument& ins = symbols_[id].instrument;
  const std::int64_t lot = ins.lot_size.raw();
  std::int64_t q = lot;
  if (ins.min_notional.is_positive() && price.is_positive()) {
    const Int128 need = static_cast<Int128>(ins.min_notional.raw()) * kScale;
    const Int128 raw = (need + price.raw() - 1) / price.raw();
    const Int128 lots = (raw + lot - 1) / lot;
    q = static_cast<std::int64_t>(std::max<Int128>(lots, 1) * lot);
  }
  Qty qty = Qty::from_raw(q);
  for (int i = 0; i < 4 && !rules::meets_min_notional(ins, price, qty); ++i) qty += ins.lot_size;
  return qty;
}

Qty BarWalkFlow::capped(InstrumentId id, Price price, Qty qty) const noexcept {
  const std::int64_t lot = symbols_[id].instrument.lot_size.raw();
  const Int128 most = static_cast<Int128>(kMaxOrderNotionalRaw) * kScale / price.raw() / lot * lot;
  if (static_cast<Int128>(qty.raw()) > most) qty = Qty::from_raw(static_cast<std::int64_t>(most));
  return std::max(qty, min_qty(id, price));
}

Qty BarWalkFlow::level_qty(InstrumentId id, Price price) noexcept {
  const double u = rng_.uniform();
  const double notional = params_.level_notional * (1.0 + params_.depth_jitter * (2.0 * u - 1.0));
  const std::int64_t lot = symbols_[id].instrument.lot_size.raw();
  const double raw =
      std::min(notional / price.to_double() * static_cast<double>(kScale), kMaxQtyRaw);
  const auto lots = static_cast<std::int64_t>(std::floor(raw / static_cast<double>(lot)));
  return capped(id, price, Qty::from_raw(lots * lot));
}

Price BarWalkFlow::ladder_price(Side side, int j) const noexcept {
  const std::int64_t tick = batch_[pos_].tick;
  return side == Side::kBuy ? bid0_ - Price::from_raw(tick * j) : ask0_ + Price::from_raw(tick * j);
}

bool BarWalkFlow::on_ladder(const MakerOrder& o) const noexcept {
  const std::int64_t tick = batch_[pos_].tick;
  const std::int64_t off =
      o.side == Side::kBuy ? bid0_.raw() - o.price.raw() : o.price.raw() - ask0_.raw();
  return off >= 0 && off % tick == 0 && off / tick < params_.levels;
}

bool BarWalkFlow::primary(const InstrumentState& st, const MakerOrder& o) const noexcept {
  for (const MakerOrder& r : st.orders) {
    if (&r == &o) return true;
    if (r.id != 0 && r.side == o.side && r.price == o.price) return false;
  }
  return true;
}

BarWalkFlow::MakerOrder* BarWalkFlow::find_order(InstrumentId id, OrderId order) noexcept {
  if (id >= state_.size() || order == 0) return nullptr;
  for (MakerOrder& r : state_[id].orders) {
    if (r.id == order) return &r;
  }
  return nullptr;
}

void BarWalkFlow::make_id(char prefix, std::uint64_t n, ClOrdId& out) noexcept {
  char buf[24];
  buf[0] = prefix;
  const auto res = std::to_chars(buf + 1, buf + sizeof buf, n);
  out.assign(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

void BarWalkFlow::emit_place(FlowAction& out, AccountId account, Side side, TimeInForce tif,
                             Price price, Qty qty, ClOrdId cl) {
  out = FlowAction{};
  out.kind = FlowAction::Kind::kPlace;
  out.ts = step_ts_;
  OrderRequest& r = out.place;
  r.ts = step_ts_;
  r.account = account;
  r.instrument = batch_[pos_].venue;
  r.cl_ord_id = cl;
  r.side = side;
  r.type = OrderType::kLimit;
  r.tif = tif;
  r.price = price;
  r.qty = qty;
  ++actions_;
}

void BarWalkFlow::emit_replace(FlowAction& out, const MakerOrder& o, Price price, Qty qty) {
  out = FlowAction{};
  out.kind = FlowAction::Kind::kReplace;
  out.ts = step_ts_;
  ReplaceRequest& r = out.replace;
  r.ts = step_ts_;
  r.account = accounts_.maker;
  r.instrument = batch_[pos_].venue;
  make_id('m', ++maker_ids_, r.cl_ord_id);
  r.orig_cl_ord_id = o.cl;
  r.side = o.side;
  r.price = price;
  r.qty = qty;
  ++actions_;
}

void BarWalkFlow::emit_cancel(FlowAction& out, const MakerOrder& o) {
  out = FlowAction{};
  out.kind = FlowAction::Kind::kCancel;
  out.ts = step_ts_;
  CancelRequest& r = out.cancel;
  r.ts = step_ts_;
  r.account = accounts_.maker;
  r.instrument = batch_[pos_].venue;
  make_id('m', ++maker_ids_, r.cl_ord_id);
  r.orig_cl_ord_id = o.cl;
  r.side = o.side;
  ++actions_;
}

void BarWalkFlow::begin_instrument_step() {
  const BarPlan& plan = batch_[pos_];
  InstrumentState& st = state_[plan.venue];
  target_ = path_price(plan, step_);
  Side side = st.last_side;
  if (st.last_price.is_positive() && target_ > st.last_price) side = Side::kBuy;
  if (st.last_price.is_positive() && target_ < st.last_price) side = Side::kSell;
  if (side == Side::kNone) side = plan.v[3] >= plan.v[0] ? Side::kBuy : Side::kSell;
  const Price spread = Price::from_raw(plan.tick * params_.spread_ticks);
  if (side == Side::kBuy && !(target_ - spread).is_positive()) side = Side::kSell;
  take_side_ = side;
  if (side == Side::kBuy) {
    ask0_ = target_;
    bid0_ = target_ - spread;
  } else {
    bid0_ = target_;
    ask0_ = target_ + spread;
  }
  st.last_side = side;
  st.last_price = target_;
  const std::int64_t ts =
      batch_time_ +
      static_cast<std::int64_t>(static_cast<Int128>(interval_ns_) * step_ / params_.steps_per_bar);
  step_ts_ = std::max(ts, last_ts_);
  last_ts_ = step_ts_;
  phase_ = kPhaseCancelCrossers;
  sweeps_ = 0;
  ladder_actions_ = 0;
  ++serial_;
}

bool BarWalkFlow::next(const MatchingEngine& engine, FlowAction& out) {
  for (;;) {
    if (!batch_active_) {
      if (!load_batch()) return false;
      batch_active_ = true;
      step_ = 0;
      pos_ = 0;
      begin_instrument_step();
    }
    if (step_action(engine, out)) return true;
    // This instrument's step is complete: the next instrument, step or batch.
    if (++pos_ == batch_.size()) {
      pos_ = 0;
      if (++step_ == params_.steps_per_bar) {
        batch_active_ = false;
        continue;
      }
    }
    begin_instrument_step();
  }
}

bool BarWalkFlow::step_action(const MatchingEngine& engine, FlowAction& out) {
  const BarPlan& plan = batch_[pos_];
  const InstrumentId id = plan.venue;
  InstrumentState& st = state_[id];
  const OrderBook& book = engine.book(id);
  for (;;) {
    switch (phase_) {
      case kPhaseCancelCrossers: {
        for (MakerOrder& o : st.orders) {
          if (o.id == 0 || o.touched == serial_) continue;
          const bool crosses = o.side == Side::kSell ? o.price <= bid0_ : o.price >= ask0_;
          if (!crosses) continue;
          o.touched = serial_;
          emit_cancel(out, o);
          return true;
        }
        phase_ = kPhaseSweep;
        break;
      }
      case kPhaseSweep: {
        if (sweeps_ < 4) {
          Qty asks;
          const auto ask_levels = book.levels(Side::kSell);
          for (auto it = ask_levels.rbegin(); it != ask_levels.rend() && it->price <= bid0_; ++it)
            asks += it->total;
          Qty bids;
          const auto bid_levels = book.levels(Side::kBuy);
          for (auto it = bid_levels.rbegin(); it != bid_levels.rend() && it->price >= ask0_; ++it)
            bids += it->total;
          if (asks.is_positive() || bids.is_positive()) {
            ++sweeps_;
            const bool buy = asks.is_positive();
            const Price limit = buy ? bid0_ : ask0_;
            ClOrdId cl;
            make_id('t', ++taker_ids_, cl);
            emit_place(out, accounts_.taker, buy ? Side::kBuy : Side::kSell, TimeInForce::kIoc,
                       limit, capped(id, limit, buy ? asks : bids), cl);
            return true;
          }
        }
        phase_ = kPhaseLadder;
        break;
      }
      case kPhaseLadder: {
        if (ladder_actions_ < 4 * params_.levels + 16) {
          ++ladder_actions_;
          for (const Side side : {Side::kBuy, Side::kSell}) {
            for (int j = 0; j < params_.levels; ++j) {
              const Price p = ladder_price(side, j);
              if (!p.is_positive()) break;
              const bool touch = j == 0 && side != take_side_ && plan.slice.is_positive();
              const Qty slice = touch ? capped(id, p, plan.slice) : Qty{};
              MakerOrder* at = nullptr;
              for (MakerOrder& o : st.orders) {
                if (o.id != 0 && o.side == side && o.price == p) {
                  at = &o;
                  break;
                }
              }
              if (at != nullptr) {
                if (at->touched == serial_) continue;
                const bool thin = Qty::from_raw(at->leaves().raw() * 2) < at->placed ||
                                  (touch && at->leaves() < slice + min_qty(id, p));
                if (!thin) continue;
                at->touched = serial_;
                emit_replace(out, *at, p, at->cum + level_qty(id, p) + slice);
                return true;
              }
              MakerOrder* movable = nullptr;
              std::size_t free_records = 0;
              for (MakerOrder& o : st.orders) {
                if (o.id == 0) {
                  ++free_records;
                  continue;
                }
                if (movable == nullptr && o.side == side && o.touched != serial_ &&
                    (!on_ladder(o) || !primary(st, o))) {
                  movable = &o;
                }
              }
              if (movable != nullptr) {
                movable->touched = serial_;
                emit_replace(out, *movable, p, movable->cum + level_qty(id, p) + slice);
                return true;
              }
              if (free_records == 0) continue;
              ClOrdId cl;
              make_id('m', ++maker_ids_, cl);
              const Qty q = level_qty(id, p) + slice;
              emit_place(out, accounts_.maker, side, TimeInForce::kGtc, p, q, cl);
              return true;
            }
          }
          // Leftovers off the ladder (or duplicates of a level) are cancelled.
          for (MakerOrder& o : st.orders) {
            if (o.id == 0 || o.touched == serial_) continue;
            if (on_ladder(o) && primary(st, o)) continue;
            o.touched = serial_;
            emit_cancel(out, o);
            return true;
          }
        }
        phase_ = kPhaseTake;
        break;
      }
      case kPhaseTake: {
        phase_ = kPhaseDone;
        if (plan.slice.is_positive()) {
          ClOrdId cl;
          make_id('t', ++taker_ids_, cl);
          emit_place(out, accounts_.taker, take_side_, TimeInForce::kIoc, target_,
                     capped(id, target_, plan.slice), cl);
          return true;
        }
        break;
      }
      default:
        return false;
    }
  }
}

void BarWalkFlow::on_execution(const Execution& e) {
  if (e.account != accounts_.maker) {
    if (e.account == accounts_.taker && e.exec_type == VenueExecType::kRejected) ++house_rejects_;
    return;
  }
  if (e.exec_type == VenueExecType::kRejected) {
    ++house_rejects_;
    return;
  }
  if (e.instrument >= state_.size()) return;
  MakerOrder* o = find_order(e.instrument, e.order_id);
  switch (e.exec_type) {
    case VenueExecType::kNew: {
      if (o == nullptr) {
        for (MakerOrder& r : state_[e.instrument].orders) {
          if (r.id == 0) {
            o = &r;
            break;
          }
        }
      }
      if (o == nullptr) return;  // not tracked (cannot happen: places need a free record)
      o->id = e.order_id;
      o->cl = e.cl_ord_id;
      o->side = e.side;
      o->price = e.price;
      o->qty = e.order_qty;
      o->cum = e.cum_qty;
      o->placed = e.leaves_qty;
      o->touched = serial_;
      if (!e.leaves_qty.is_positive()) *o = MakerOrder{};
      break;
    }
    case VenueExecType::kReplaced:
      if (o == nullptr) return;
      o->cl = e.cl_ord_id;
      o->price = e.price;
      o->qty = e.order_qty;
      o->cum = e.cum_qty;
      o->placed = e.leaves_qty;
      if (!e.leaves_qty.is_positive()) *o = MakerOrder{};
      break;
    case VenueExecType::kTrade:
      if (o == nullptr) return;
      o->qty = e.order_qty;
      o->cum = e.cum_qty;
      if (!e.leaves_qty.is_positive()) *o = MakerOrder{};
      break;
    case VenueExecType::kCanceled:
      if (o != nullptr) *o = MakerOrder{};
      break;
    default:
      break;
  }
}

}  // namespace keel::sim
