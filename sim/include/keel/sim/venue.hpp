// The simulated venue's order side: a MatchingEngine behind a FixAcceptor (VENUE.md "Orders: FIX
// 4.4"). FIX requests are decoded by the acceptor, mapped to OrderRequest / CancelRequest /
// ReplaceRequest and submitted to the engine; the engine's Executions and CancelRejects go back as
// ExecutionReport (8) / OrderCancelReject (9) to the session of the order's account (the resting
// side's fills go to its own session). OrderStatusRequest (H) is answered with ExecType I.
//
// Threading (simple for now): the acceptor calls in from the FIX library's thread(s); one mutex
// serialises the engine, so every request is matched to completion before the next starts. The
// reports a request produces are sent in order after the engine is released, under a second mutex
// taken before the first is dropped, so reports of consecutive requests never interleave.
//
// Account i is the i-th [[account]] of the SimConfig; assets are numbered in sorted name order over
// the accounts' balances and the symbols' base and quote assets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/sim/sim_config.hpp"

namespace keel::sim {

class Venue {
 public:
  // Builds the engine and the acceptor (nothing is opened yet). An empty config.store_dir gets a
  // fresh directory under the system temp dir. Throws std::invalid_argument for a configuration the
  // venue cannot serve (no accounts, a symbol whose base/quote assets cannot be told apart).
  explicit Venue(const SimConfig& config);
  ~Venue();  // stops
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // Opens the FIX port (config.fix_port; 0 = any free port). Throws std::runtime_error.
  void start();
  void stop();  // idempotent
  [[nodiscard]] std::uint16_t fix_port() const noexcept;
  [[nodiscard]] bool is_logged_on(std::string_view comp_id) const;

  // An account's balance of `asset` (raw 10^-8); 0 for an unknown account or asset. Locks the engine.
  [[nodiscard]] std::int64_t balance(std::string_view comp_id, std::string_view asset) const;
  // Splits a symbol into base and quote using the known assets (longest quote suffix wins);
  // {"", ""} when no known asset is a proper suffix.
  [[nodiscard]] static std::pair<std::string, std::string> split_symbol(
      std::string_view symbol, const std::vector<std::string>& assets);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::sim
