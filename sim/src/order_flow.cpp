#include "keel/sim/order_flow.hpp"

#include "keel/sim/matching_engine.hpp"

namespace keel::sim {

void apply(MatchingEngine& engine, const FlowAction& action) noexcept {
  switch (action.kind) {
    case FlowAction::Kind::kPlace: engine.submit(action.place); break;
    case FlowAction::Kind::kCancel: engine.cancel(action.cancel); break;
    case FlowAction::Kind::kReplace: engine.replace(action.replace); break;
    case FlowAction::Kind::kNone: break;
  }
}

}  // namespace keel::sim
