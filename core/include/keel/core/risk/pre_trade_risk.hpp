// Pre-trade risk: the check every OrderCommand passes before it reaches the output ring. It sits
// inside the engine between sizing and the OMS, so no strategy can go around it.
//
// Checks, in this order; the first failure is the verdict (and counted by reason):
//   new orders and replaces: the order venue's session (down: nothing can reach the venue;
//   reconciling after a logon: nothing new until the core and the venue agree — reducing orders
//   included) → trading state (halted: nothing; kill switch or reducing: only orders
//   that reduce the position) → the instrument's order book usable (when the engine keeps books:
//   a stale, unsynced or crossed book lets only reducing orders through) → quantity and price valid → max order qty → max order notional → price band
//   around the reference (last trade, mid, or bar close) → max position → max gross exposure (both
//   scaled by the capital ramp's fraction, risk/capital_ramp.hpp; 1 = the limits as configured) →
//   max open orders → rate limit (token bucket on event time; only an order that passed everything
//   else takes a token).
//   cancels: always pass (taking risk off is never blocked).
// The daily-loss kill switch is evaluated on every mark (on_equity) and engaged once the UTC day's
// loss passes its limit; it stays engaged until a Control kKillSwitch release, which starts a new
// baseline (the next mark). For a replace the exposure excludes the order's own leaves and the
// command's quantity is its new leaves (the engine prepares both).
// Never allocates, never throws, reads no clock: time is the event time passed in.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/risk/risk_limits.hpp"

namespace keel {

enum class RiskReject : std::uint8_t {
  kNone = 0,
  kHalted = 1,
  kKillSwitch = 2,
  kReducingOnly = 3,
  kInvalidOrder = 4,        // zero / negative quantity, a limit without a price, unknown instrument
  kNoReferencePrice = 5,    // no market price seen yet for the instrument
  kMaxOrderQty = 6,
  kMaxOrderNotional = 7,
  kPriceBand = 8,
  kMaxPosition = 9,
  kMaxGrossExposure = 10,
  kMaxOpenOrders = 11,
  kRateLimit = 12,
  kBookStale = 13,          // the engine keeps order books and this instrument's is not usable
  kVenueDown = 14,          // the order venue's session is down (Control kVenueSession kDown)
  kReconciling = 15,        // the session is back and the core is reconciling its orders with the venue
};
inline constexpr std::size_t kRiskRejectCount = 16;
std::string_view to_string(RiskReject r) noexcept;

// The order venue's session as risk sees it (the engine switches it on Control kVenueSession).
// Backtests never send that control: the gate stays open.
enum class VenueGate : std::uint8_t {
  kOpen = 0,         // logged on and reconciled (or no venue session at all: backtests)
  kDown = 1,         // no session: nothing new can reach the venue
  kReconciling = 2,  // logged on, orders being reconciled: nothing new yet
};
std::string_view to_string(VenueGate g) noexcept;

// What the risk check reads about the book of the core at the moment of the order.
struct RiskExposure {
  double reference_price = 0.0;  // instrument's last trade / mid / close; 0 = none yet
  double position = 0.0;         // base units, signed
  double working_buy = 0.0;      // leaves of open buy orders (base units)
  double working_sell = 0.0;
  double gross_exposure = 0.0;   // Σ |position| · reference over all instruments (quote)
  int open_orders = 0;
  bool book_stale = false;       // the engine keeps books and this one is stale, unsynced or crossed
};

class PreTradeRisk {
 public:
  explicit PreTradeRisk(const RiskLimits& limits) noexcept;

  [[nodiscard]] RiskReject check(const OrderCommand& command, const RiskExposure& exposure, Nanos now) noexcept;
  // Daily-loss watch: called with the portfolio's marked equity at event time `now`.
  void on_equity(double equity, Nanos now) noexcept;
  // Control events: trading state and the kill switch.
  void set_state(TradingState state) noexcept { state_ = state; }
  // `trip` false: engaged by an orderly stop (cancel everything, no new orders), which is not a
  // breach of anything: not counted in kill_switch_trips().
  void set_kill_switch(bool engaged, bool trip = true) noexcept;
  void set_venue_gate(VenueGate gate) noexcept { gate_ = gate; }
  // The capital ramp's fraction of max_gross_exposure and max_position_notional, in (0, 1]; above 1
  // counts as 1, a non-finite or non-positive value as 1 too (a bad value is ignored rather than
  // allowed to refuse everything). Exactly 1 leaves the arithmetic as without a ramp.
  void set_exposure_scale(double fraction) noexcept;

  [[nodiscard]] TradingState state() const noexcept { return state_; }
  [[nodiscard]] bool kill_switch() const noexcept { return kill_switch_; }
  [[nodiscard]] VenueGate venue_gate() const noexcept { return gate_; }
  [[nodiscard]] double exposure_scale() const noexcept { return scale_; }
  [[nodiscard]] std::uint64_t rejects(RiskReject r) const noexcept { return rejects_[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t total_rejects() const noexcept;
  [[nodiscard]] std::uint64_t passed() const noexcept { return passed_; }
  [[nodiscard]] std::uint64_t kill_switch_trips() const noexcept { return kill_trips_; }
  [[nodiscard]] const RiskLimits& limits() const noexcept { return limits_; }

 private:
  RiskReject evaluate(const OrderCommand& command, const RiskExposure& exposure, Nanos now) noexcept;
  bool take_token(Nanos now) noexcept;

  RiskLimits limits_;
  TradingState state_ = TradingState::kActive;
  bool kill_switch_ = false;
  VenueGate gate_ = VenueGate::kOpen;
  double scale_ = 1.0;
  // Token bucket in nano-tokens (one order = 10^9), refilled from event time.
  std::int64_t tokens_ = 0;
  std::int64_t token_cap_ = 0;
  std::int64_t refill_per_s_ = 0;
  Nanos last_refill_ = 0;
  bool bucket_started_ = false;
  std::int64_t day_ = INT64_MIN;
  double day_start_equity_ = 0.0;
  std::array<std::uint64_t, kRiskRejectCount> rejects_{};
  std::uint64_t passed_ = 0;
  std::uint64_t kill_trips_ = 0;
};

}  // namespace keel
