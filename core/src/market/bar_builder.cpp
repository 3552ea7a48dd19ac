#include "keel/core/market/bar_builder.hpp"

#include <stdexcept>

namespace keel {

BarBuilder::BarBuilder(std::size_t instrument_count, Nanos interval_ns) : interval_(interval_ns), bars_(instrument_count) {
  if (interval_ns <= 0) throw std::invalid_argument("bar interval must be positive");
}

std::size_t BarBuilder::on_trade(const Trade& t, std::span<Event> out) noexcept {
  const InstrumentId id = t.header.instrument;
  if (id >= bars_.size() || !t.price.is_positive() || !t.qty.is_positive() || t.trade_time < 0) {
    ++stats_.refused_trades;
    return 0;
  }
  const Nanos start = t.trade_time - t.trade_time % interval_;
  std::size_t written = 0;
  if (have_open_ && start < start_) {
    ++stats_.late_trades;
    return 0;
  }
  if (have_open_ && start > start_) written = close(out);
  if (!have_open_) {
    start_ = start;
    have_open_ = true;
  }
  ++stats_.trades;
  Open& b = bars_[id];
  if (!b.traded) {
    b = Open{t.price, t.price, t.price, t.price, t.qty, true};
  } else {
    if (t.price > b.high) b.high = t.price;
    if (t.price < b.low) b.low = t.price;
    b.close = t.price;
    b.volume = saturating_add(b.volume, t.qty);  // a statistic: saturates, never wraps
  }
  return written;
}

std::size_t BarBuilder::close_until(Nanos exchange_time, std::span<Event> out) noexcept {
  if (!have_open_ || exchange_time < start_ + interval_) return 0;
  return close(out);
}

std::size_t BarBuilder::close(std::span<Event> out) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < bars_.size(); ++i) {
    Open& b = bars_[i];
    if (!b.traded) continue;
    if (n < out.size()) {
      Bar bar;
      bar.header.instrument = static_cast<InstrumentId>(i);
      bar.header.ts_exchange = start_;
      bar.header.ts_local = start_ + interval_;
      bar.open = b.open;
      bar.high = b.high;
      bar.low = b.low;
      bar.close = b.close;
      bar.volume = b.volume;
      out[n++] = to_event(bar);
    }
    b.traded = false;
  }
  if (n > 0) {
    out[n - 1].header.flags |= kFlagEndOfBatch;
    stats_.bars += n;
    ++stats_.bar_times;
  }
  have_open_ = false;
  return n;
}

}  // namespace keel
