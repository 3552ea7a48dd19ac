// The strategies keel can run, built from the config by name (`[strategy] name`). The engine loop
// and the CLI know only this factory and the interfaces (engine/strategy.hpp): a new strategy adds
// its folder under strategy/, its config keys there, and one line in make_strategy().
#pragma once

#include <cstdint>
#include <memory>

#include "keel/core/engine/strategy.hpp"
#include "keel/core/execution/bar_close_model.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/core/primitives/instrument.hpp"

namespace keel {

// What a configured strategy brings to a run. Owns everything the strategy needs (tables, feature
// files); lives as long as the run.
class StrategyInstance {
 public:
  virtual ~StrategyInstance() = default;
  [[nodiscard]] virtual Strategy& strategy() noexcept = 0;
  [[nodiscard]] virtual Sizer* sizer() noexcept = 0;  // null: intents carry their quantities
  // The bar-close venue's fill model for this configuration.
  [[nodiscard]] virtual BarCloseModel bar_close_model() const noexcept = 0;
};

struct StrategyEnvironment {
  const KeelConfig& config;
  const InstrumentRegistry& registry;
  RunDigest& digest;              // the run's digest (the strategy adds its outputs)
  std::uint64_t expected_bars = 0;
  Nanos trading_start = 0;        // no positions open before (--from)
};

// The configured strategy, or null for `name = "none"`. Start-up: throws ConfigError / DataError.
std::unique_ptr<StrategyInstance> make_strategy(const StrategyEnvironment& env);

}  // namespace keel
