// The strategies keel can run, built from the config by name (`[strategy] name`). The engine loop
// and the CLI know only this factory and the interfaces (engine/strategy.hpp): a new strategy adds
// its folder under strategy/, its config keys there, and one line in make_strategy().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/engine/strategy.hpp"
#include "keel/core/execution/bar_close_model.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/primitives/digest.hpp"
#include "keel/core/primitives/instrument.hpp"

namespace keel {

// Where a strategy writes its part of a run's summary (the CLI's JSON object implements it).
class SummaryWriter {
 public:
  virtual ~SummaryWriter() = default;
  virtual void number(std::string_view key, double value) = 0;  // non-finite: null
  virtual void count(std::string_view key, std::uint64_t value) = 0;
  virtual void text(std::string_view key, std::string_view value) = 0;
  virtual void flag(std::string_view key, bool value) = 0;
  virtual void json(std::string_view key, std::string_view raw_json) = 0;  // a JSON value as written
};

// The bar times a strategy's results cover (from the trading start on; earlier bars only warmed up).
struct ResultPeriod {
  std::uint64_t bars = 0;
  Nanos first = 0;
  Nanos last = 0;
};

// What a configured strategy brings to a run. Owns everything the strategy needs (tables, feature
// files); lives as long as the run.
class StrategyInstance {
 public:
  virtual ~StrategyInstance() = default;
  [[nodiscard]] virtual Strategy& strategy() noexcept = 0;
  [[nodiscard]] virtual Sizer* sizer() noexcept = 0;  // null: intents carry their quantities
  // The bar-close venue's fill model for this configuration.
  [[nodiscard]] virtual BarCloseModel bar_close_model() const noexcept = 0;

  // After the run (start-up code: may allocate and throw OutputError):
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual ResultPeriod period() const = 0;
  // The strategy's results into the summary (metrics, open position, its counters).
  virtual void summarize(SummaryWriter& out) const = 0;
  // One line for the console ("337 trades, final equity 73585.98").
  [[nodiscard]] virtual std::string headline() const = 0;
  // The strategy's files in the run directory (DOLPHIN: trades.csv, equity.csv, report.html);
  // `summary_json` and `config_toml` are the run's, for a report to embed.
  virtual void write_files(const std::string& run_dir, const std::string& summary_json,
                           const std::string& config_toml) const = 0;
  // Names of the files write_files() writes (a reused run directory drops stale ones).
  [[nodiscard]] virtual std::vector<std::string> file_names() const = 0;
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
