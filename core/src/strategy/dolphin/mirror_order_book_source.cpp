#include "keel/core/strategy/dolphin/mirror_order_book_source.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace keel::dolphin {

void validate(const MirrorObParams& p) {
  const auto window = [](int w, const char* name) {
    if (w < 1 || w > MirrorOrderBookSource::kMaxWindow)
      throw std::invalid_argument(std::string("order-book mirror: ") + name + " must be 1.." +
                                  std::to_string(MirrorOrderBookSource::kMaxWindow));
  };
  window(p.levels, "levels");
  window(p.imbalance_ma_bars, "imbalance_ma_bars");
  window(p.persistence_bars, "persistence_bars");
  window(p.velocity_bars, "velocity_bars");
  window(p.depth_mean_bars, "depth_mean_bars");
  window(p.min_samples, "min_samples");
  const auto share = [](double s, const char* name) {
    if (!(s >= 0.0 && s <= 1.0))
      throw std::invalid_argument(std::string("order-book mirror: ") + name + " must be in [0, 1]");
  };
  share(p.stress_share, "stress_share");
  share(p.calm_share, "calm_share");
  share(p.calm_building_share, "calm_building_share");
  if (!(p.spread_ref_bps > 0.0))
    throw std::invalid_argument("order-book mirror: spread_ref_bps must be positive");
  if (!(p.market_min <= p.market_max))
    throw std::invalid_argument("order-book mirror: market_min > market_max");
}

MirrorOrderBookSource::MirrorOrderBookSource(std::size_t assets, const MirrorObParams& params)
    : p_(params) {
  validate(p_);
  const auto size = [](int w) { return static_cast<std::size_t>(w); };
  levels_ = size(p_.levels);
  ma_bars_ = size(p_.imbalance_ma_bars);
  persistence_bars_ = size(p_.persistence_bars);
  velocity_bars_ = size(p_.velocity_bars);
  depth_mean_bars_ = size(p_.depth_mean_bars);
  min_samples_ = size(p_.min_samples);
  history_ = std::max({ma_bars_, persistence_bars_, velocity_bars_ + 1, depth_mean_bars_});
  assets_.resize(assets);
  ring_.resize(assets * history_);
}

void MirrorOrderBookSource::reset(Asset& a) noexcept {
  a.count = 0;
  a.head = 0;
  a.has_data = false;
  a.signal = ObSignal{};
  a.placement = ObPlacement{};
}

void MirrorOrderBookSource::attach(std::size_t asset, const book::BookSync& sync) noexcept {
  if (asset >= assets_.size()) return;
  Asset& a = assets_[asset];
  reset(a);
  a.sync = &sync;
  a.book = nullptr;
}

void MirrorOrderBookSource::attach(std::size_t asset, const book::L2Book& book) noexcept {
  if (asset >= assets_.size()) return;
  Asset& a = assets_[asset];
  reset(a);
  a.sync = nullptr;
  a.book = &book;
  a.usable_flag = true;
}

void MirrorOrderBookSource::detach(std::size_t asset) noexcept {
  if (asset >= assets_.size()) return;
  Asset& a = assets_[asset];
  reset(a);
  a.sync = nullptr;
  a.book = nullptr;
}

void MirrorOrderBookSource::set_usable(std::size_t asset, bool usable) noexcept {
  if (asset < assets_.size()) assets_[asset].usable_flag = usable;
}

const MirrorOrderBookSource::Sample& MirrorOrderBookSource::sample(
    std::size_t asset, std::size_t back) const noexcept {
  const Asset& a = assets_[asset];
  const std::size_t pos = (a.head + history_ - 1 - back) % history_;
  return ring_[asset * history_ + pos];
}

bool MirrorOrderBookSource::on_bar_close(Nanos ts) noexcept {
  if (started_ && ts <= last_ts_) return false;
  started_ = true;
  last_ts_ = ts;
  for (std::size_t i = 0; i < assets_.size(); ++i) {
    Asset& a = assets_[i];
    const book::L2Book* book = nullptr;
    if (a.sync != nullptr) {
      if (a.sync->usable()) book = &a.sync->book();
    } else if (a.book != nullptr && a.usable_flag) {
      book = a.book;
    }
    if (book == nullptr || book->crossed() || book->empty(Side::kBuy) || book->empty(Side::kSell)) {
      reset(a);
      continue;
    }
    update(i, *book);
  }

  // The macro record and the market imbalance over the assets with data, in asset order.
  std::size_t n = 0, cascade = 0, thinning = 0, building = 0;
  double imbalance_sum = 0.0;
  for (const Asset& a : assets_) {
    if (!a.has_data) continue;
    ++n;
    const double v = a.signal.withdrawal_velocity;
    if (v < p_.cascade_velocity) ++cascade;
    if (v < p_.stress_velocity) ++thinning;
    if (v > 0.0) ++building;
    imbalance_sum += a.signal.imbalance_ma5;
  }
  with_data_ = n;
  macro_ = ObMacro{};
  market_imbalance_ = 0.0;
  if (n > 0) {
    const double count = static_cast<double>(n);
    const double thinning_share = static_cast<double>(thinning) / count;
    const double building_share = static_cast<double>(building) / count;
    macro_.cascade_count = static_cast<int>(cascade);
    if (thinning_share >= p_.stress_share) {
      macro_.regime_signal = 1;
    } else if (thinning_share <= p_.calm_share && building_share >= p_.calm_building_share) {
      macro_.regime_signal = -1;
    }
    market_imbalance_ = imbalance_sum / count;
  }
  return true;
}

void MirrorOrderBookSource::update(std::size_t asset, const book::L2Book& book) noexcept {
  Asset& a = assets_[asset];
  // Top levels of each side (sizes as doubles: a sum of int64 quantities could overflow).
  const std::size_t nb = std::min(levels_, book.depth(Side::kBuy));
  const std::size_t na = std::min(levels_, book.depth(Side::kSell));
  double bid = 0.0, ask = 0.0;
  for (std::size_t i = 0; i < nb; ++i) bid += book.level(Side::kBuy, i).qty.to_double();
  for (std::size_t i = 0; i < na; ++i) ask += book.level(Side::kSell, i).qty.to_double();
  const double depth = bid + ask;
  if (!(depth > 0.0)) {  // both sides non-empty with positive quantities: cannot happen; be safe
    reset(a);
    return;
  }
  Sample& s = ring_[asset * history_ + a.head];
  s.imbalance = (bid - ask) / depth;
  s.depth = depth;
  a.head = (a.head + 1) % history_;
  a.count = std::min(a.count + 1, history_);
  a.has_data = a.count >= min_samples_;
  if (!a.has_data) return;

  // imbalance_ma5: oldest to newest.
  const std::size_t m = std::min(a.count, ma_bars_);
  double sum = 0.0;
  for (std::size_t k = m; k-- > 0;) sum += sample(asset, k).imbalance;
  const double ma = sum / static_cast<double>(m);

  // Persistence: share of the last N samples with the MA's sign (strict signs; a zero MA has none).
  const std::size_t np = std::min(a.count, persistence_bars_);
  std::size_t same = 0;
  for (std::size_t k = np; k-- > 0;) {
    const double x = sample(asset, k).imbalance;
    if ((ma > 0.0 && x > 0.0) || (ma < 0.0 && x < 0.0)) ++same;
  }
  const double persistence = ma == 0.0 ? 0.0 : static_cast<double>(same) / static_cast<double>(np);

  // Withdrawal velocity over L bars.
  double velocity = 0.0;
  if (a.count > velocity_bars_) {
    const double before = sample(asset, velocity_bars_).depth;
    velocity = (depth - before) / before;
  }

  // Depth quality against the rolling mean (the current sample included).
  const std::size_t nd = std::min(a.count, depth_mean_bars_);
  double depth_sum = 0.0;
  for (std::size_t k = nd; k-- > 0;) depth_sum += sample(asset, k).depth;
  const double mean_depth = depth_sum / static_cast<double>(nd);
  const double quality = depth / mean_depth;

  // Fill probability from the spread and the queue at the touch.
  const book::PriceQty best_bid = book.level(Side::kBuy, 0);
  const book::PriceQty best_ask = book.level(Side::kSell, 0);
  const double bid_px = best_bid.price.to_double();
  const double ask_px = best_ask.price.to_double();
  const double mid = (bid_px + ask_px) / 2.0;
  const double spread_bps = (ask_px - bid_px) / mid * 1e4;
  const double spread_term = spread_bps <= p_.spread_ref_bps ? 1.0 : p_.spread_ref_bps / spread_bps;
  const double touch = (best_bid.qty.to_double() + best_ask.qty.to_double()) / 2.0;
  const double level = depth / static_cast<double>(nb + na);
  const double queue_term = 1.0 / (1.0 + touch / level);

  a.signal.imbalance_ma5 = ma;
  a.signal.imbalance_persistence = persistence;
  a.signal.withdrawal_velocity = velocity;
  a.placement.depth_quality = quality;
  a.placement.fill_probability = spread_term * queue_term;
}

bool MirrorOrderBookSource::signal(std::size_t asset, ObSignal& out) const noexcept {
  if (asset >= assets_.size() || !assets_[asset].has_data) return false;
  out = assets_[asset].signal;
  return true;
}

bool MirrorOrderBookSource::placement(std::size_t asset, ObPlacement& out) const noexcept {
  if (asset >= assets_.size() || !assets_[asset].has_data) return false;
  out = assets_[asset].placement;
  return true;
}

bool MirrorOrderBookSource::market_placement(ObPlacement& out) const noexcept {
  if (with_data_ == 0) return false;
  double depth = 0.0, fill = 0.0;
  for (const Asset& a : assets_) {
    if (!a.has_data) continue;
    depth += a.placement.depth_quality;
    fill += a.placement.fill_probability;
  }
  const double n = static_cast<double>(with_data_);
  out.depth_quality = depth / n;
  out.fill_probability = fill / n;
  return true;
}

double MirrorOrderBookSource::market_multiplier(int direction) const noexcept {
  if (with_data_ == 0) return 1.0;
  const double eff = direction < 0 ? -market_imbalance_ : market_imbalance_;
  return std::clamp(1.0 + p_.market_gain * eff, p_.market_min, p_.market_max);
}

}  // namespace keel::dolphin
