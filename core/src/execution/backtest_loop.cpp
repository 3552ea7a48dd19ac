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

Errc BacktestLoop::deliver() noexcept {
  while (const Event* e = queue_.front()) {
    const Event report = *e;
    queue_.pop();
    if (consume(report) != Errc::kOk) return Errc::kIo;
  }
  return Errc::kOk;
}

Errc BacktestLoop::pump() noexcept {
  SpscRing<OrderCommand>& commands = engine_.commands();
  while (const OrderCommand* c = commands.front()) {
    const OrderCommand command = *c;
    commands.pop();
    if (venue_ == nullptr) {
      ++commands_dropped_;
      continue;
    }
    venue_->submit(command, *this);
    if (deliver() != Errc::kOk) return Errc::kIo;
  }
  return Errc::kOk;
}

Errc BacktestLoop::feed(const Event& event) noexcept {
  if (venue_ != nullptr) {
    venue_->on_market_event(event, *this);
    if (deliver() != Errc::kOk) return Errc::kIo;
    if (pump() != Errc::kOk) return Errc::kIo;  // the strategy may have answered a report
  }
  if (consume(event) != Errc::kOk) return Errc::kIo;
  return pump();
}

Errc BacktestLoop::finish() noexcept {
  // The input's end is an event like any other (journaled, so a replay ends the same way): it
  // closes an open bar time, whose orders are answered before the strategy's last word.
  Control end{};
  end.header.subtype = static_cast<std::uint8_t>(ControlKind::kEndOfData);
  end.header.ts_exchange = engine_.now();
  end.header.ts_local = engine_.now();
  if (feed(to_event(end)) != Errc::kOk) return Errc::kIo;
  engine_.finish();
  return pump();
}

}  // namespace keel
