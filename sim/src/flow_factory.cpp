#include "keel/sim/flow_factory.hpp"

#include <string>

#include "keel/core/config.hpp"

namespace keel::sim {

std::unique_ptr<OrderFlow> make_order_flow(const SimConfig& config, std::span<const VenueSymbol> /*symbols*/,
                                           FlowAccounts /*accounts*/) {
  if (config.flow == FlowKind::kNone) return nullptr;
  throw ConfigError(std::string("flow.kind: \"") + std::string(to_string(config.flow)) + "\" is not available yet");
}

}  // namespace keel::sim
