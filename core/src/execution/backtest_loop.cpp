#include "keel/core/execution/backtest_loop.hpp"

namespace keel {

BacktestLoop::BacktestLoop(Engine& engine, ExecutionVenue* venue, RunJournalWriter* journal)
    : engine_(engine), venue_(venue), journal_(journal), queue_(kQueue) {}

void BacktestLoop::on_report(const ExecReport& report) noexcept {
  if (!queue_.try_push(to_event(report))) ++dropped_;
}

Errc BacktestLoop::consume(const Event& event) noexcept {
  if (journal_ != nullptr && journal_->append(event) != Errc::kOk) return Errc::kIo;
  engine_.on_event(event);
  return Errc::kOk;
}

Errc BacktestLoop::pump() noexcept {
  // One report at a time, and after each the commands it caused go out before the next report is
  // consumed — exactly what a replay (no venue) does, so the core's output ring sees the same
  // sequence either way.
  SpscRing<OrderCommand>& commands = engine_.commands();
  for (;;) {
    while (const OrderCommand* c = commands.front()) {
      const OrderCommand command = *c;
      commands.pop();
      if (venue_ == nullptr) ++commands_dropped_;
      else venue_->submit(command, *this);
    }
    const Event* e = queue_.front();
    if (e == nullptr) return Errc::kOk;
    const Event report = *e;
    queue_.pop();
    if (consume(report) != Errc::kOk) return Errc::kIo;
  }
}

Errc BacktestLoop::feed(const Event& event) noexcept {
  if (venue_ != nullptr) {
    venue_->on_market_event(event, *this);
    if (pump() != Errc::kOk) return Errc::kIo;  // what came due, and whatever the strategy answered
  }
  if (consume(event) != Errc::kOk) return Errc::kIo;
  return pump();
}

Errc BacktestLoop::finish(bool end_of_data) noexcept {
  // The input's end is an event like any other (journaled, so a replay ends the same way): it
  // closes an open bar time, whose orders are answered before the strategy's last word.
  if (end_of_data) {
    Control end{};
    end.header.subtype = static_cast<std::uint8_t>(ControlKind::kEndOfData);
    end.header.ts_exchange = engine_.now();
    end.header.ts_local = engine_.now();
    if (feed(to_event(end)) != Errc::kOk) return Errc::kIo;
  }
  engine_.finish();
  return pump();
}

}  // namespace keel
