#include "keel/core/primitives/events.hpp"

namespace keel {

std::size_t event_size(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::kTrade: return sizeof(Trade);
    case EventKind::kBookTop: return sizeof(BookTop);
    case EventKind::kBookLevel: return sizeof(BookLevel);
    case EventKind::kBar: return sizeof(Bar);
    case EventKind::kExternalFactor: return sizeof(ExternalFactor);
    case EventKind::kExecReport: return sizeof(ExecReport);
    case EventKind::kTimer: return sizeof(Timer);
    case EventKind::kControl: return sizeof(Control);
    case EventKind::kSignal: return sizeof(Signal);
    case EventKind::kAdvice: return sizeof(Advice);
    case EventKind::kFeedHealth: return sizeof(FeedHealth);
    case EventKind::kNone: break;
  }
  return 0;
}

bool is_valid_event_kind(std::uint8_t value) noexcept { return value >= 1 && value <= kMaxEventKind; }

}  // namespace keel
