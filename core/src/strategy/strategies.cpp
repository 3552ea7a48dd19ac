#include "keel/core/strategy/strategies.hpp"

#include "keel/core/strategy/dolphin/instance.hpp"

namespace keel {

std::unique_ptr<StrategyInstance> make_strategy(const StrategyEnvironment& env) {
  switch (env.config.strategy.kind) {
    case StrategyKind::kDolphin: return std::make_unique<dolphin::DolphinInstance>(env);
    case StrategyKind::kNone: break;
  }
  if (!env.config.data.features.empty())
    throw ConfigError("data.features: precomputed features need a strategy (strategy.name = \"dolphin\")");
  return nullptr;
}

}  // namespace keel
