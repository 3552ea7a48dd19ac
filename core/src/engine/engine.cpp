#include "keel/core/engine/engine.hpp"

#include <cmath>

namespace keel {

Engine::Engine(std::size_t instrument_count)
    : instruments_(instrument_count), batch_closes_(instrument_count, 0.0) {
  batch_members_.reserve(instrument_count);
}

void Engine::on_event(const Event& event) noexcept {
  ++stats_.events;
  switch (event.header.kind) {
    case EventKind::kBar:
      on_bar(event.bar);
      break;
    case EventKind::kControl:
      if (static_cast<ControlKind>(event.header.subtype) == ControlKind::kEndOfData) {
        if (batch_open_) close_bar_time();
      } else if (strategy_ != nullptr) {
        strategy_->on_control(event.control);
      } else {
        ++stats_.ignored_events;
      }
      break;
    default:
      ++stats_.ignored_events;
      break;
  }
}

std::size_t Engine::poll(SpscRing<Event>& ring, std::size_t max_events) noexcept {
  std::size_t n = 0;
  while (n < max_events) {
    const Event* e = ring.front();
    if (e == nullptr) break;
    on_event(*e);
    ring.pop();
    ++n;
  }
  return n;
}

void Engine::on_bar(const Bar& bar) noexcept {
  const InstrumentId id = bar.header.instrument;
  const Nanos t = bar.header.ts_exchange;
  const bool bad_prices = !bar.open.is_positive() || !bar.high.is_positive() || !bar.low.is_positive() ||
                          !bar.close.is_positive();
  if (id >= instruments_.size() || bad_prices || (batch_open_ && t < batch_time_) ||
      (!batch_open_ && stats_.bar_times > 0 && t <= stats_.last_bar_time)) {
    ++stats_.rejected_events;
    return;
  }
  if (batch_open_ && t > batch_time_) close_bar_time();  // a batch without its end flag
  if (!batch_open_) {
    batch_open_ = true;
    batch_time_ = t;
  }
  InstrumentState& s = instruments_[id];
  if (s.batch_close.is_zero()) {
    batch_members_.push_back(id);
  }  // a repeated bar for the same instrument and time replaces the earlier one
  s.batch_close = bar.close;
  ++stats_.bar_events;
  clock_.advance_to(bar.header.ts_local);
  if (bar.header.ts_local > batch_close_time_) batch_close_time_ = bar.header.ts_local;
  if ((bar.header.flags & kFlagEndOfBatch) != 0) close_bar_time();
}

void Engine::close_bar_time() noexcept {
  // Equal-weight index: mean log return of the instruments that have a bar now and a close before.
  double sum = 0.0;
  std::uint64_t counted = 0;
  for (const InstrumentId id : batch_members_) {
    InstrumentState& s = instruments_[id];
    if (s.last_close.is_positive()) {
      sum += std::log(s.batch_close.to_double() / s.last_close.to_double());
      ++counted;
    }
    batch_closes_[id] = s.batch_close.to_double();
  }
  const double index_return = counted > 0 ? sum / static_cast<double>(counted) : 0.0;
  stats_.index_log_return += index_return;
  if (stats_.bar_times == 0) stats_.first_bar_time = batch_time_;
  stats_.last_bar_time = batch_time_;
  ++stats_.bar_times;
  stats_.missing_bars += instruments_.size() - batch_members_.size();

  digest_.add_i64(batch_time_);
  digest_.add_u64(batch_members_.size());
  digest_.add_double(index_return);

  if (strategy_ != nullptr) strategy_->on_bar_time(BarTime{batch_time_, batch_close_time_, batch_closes_});

  for (const InstrumentId id : batch_members_) {
    InstrumentState& s = instruments_[id];
    s.last_close = s.batch_close;
    s.batch_close = Price{};
    batch_closes_[id] = 0.0;
  }
  batch_members_.clear();
  batch_open_ = false;
  batch_close_time_ = 0;
}

}  // namespace keel
