// Builds the background flow a SimConfig's [flow] section names (VENUE.md `[flow] kind`).
#pragma once

#include <memory>
#include <span>

#include "keel/sim/matching_engine.hpp"
#include "keel/sim/order_flow.hpp"
#include "keel/sim/sim_config.hpp"

namespace keel::sim {

// nullptr for kind "none". `symbols` are the venue's instruments (id = index in config.symbols).
// Throws keel::ConfigError for settings the flow cannot use and keel::DataError for data files that
// cannot be read, naming the file and line.
std::unique_ptr<OrderFlow> make_order_flow(const SimConfig& config, std::span<const VenueSymbol> symbols,
                                           FlowAccounts accounts);

}  // namespace keel::sim
