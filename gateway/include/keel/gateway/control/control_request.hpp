// The body of POST /control: one flat JSON object that becomes one core Event.
//
//   {"action":"kill_switch","engage":true|false}            → Control kKillSwitch, value 1 / 0
//   {"action":"flatten"}                                    → Control kFlatten
//   {"action":"trading_state","state":"active"|"reducing"|"halted"}
//                                                           → Control kTradingState, value = TradingState
//   {"action":"posture","posture":"apex"|"stalker"|"turtle"|"hibernate"}
//                                                           → Control kPosture, value = dolphin::Posture
//   {"action":"config_reload"}                              → Control kConfigReload
//   {"action":"factor","factor":"funding"|"implied_vol"|"fear_greed"|"taker_ratio"|"open_interest_change",
//    "value":<finite number>,"symbol":"BTCUSDT"}            → ExternalFactor, subtype = FactorKind;
//                                                             "symbol" optional (kNoInstrument)
//
// Strict: an object of string keys to strings, numbers and booleans only; any other field, a
// field of the wrong type, a duplicate key, NaN/Infinity (not JSON) or a number out of double's
// range, an unknown action or name, anything after the object, or a body over
// kMaxControlBodyBytes is an error whose message names the field (never echoes a value). The event's
// timestamps and seq are left 0 (the caller stamps them); instrument is kNoInstrument except for a
// factor with a symbol.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "keel/core/primitives/events.hpp"
#include "keel/core/risk/risk_limits.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel::gateway {

inline constexpr std::size_t kMaxControlBodyBytes = 4096;

// Symbol → instrument id; std::nullopt for a symbol the runtime does not trade.
using SymbolResolver = std::function<std::optional<InstrumentId>(std::string_view symbol)>;

struct ControlDecodeResult {
  Event event;        // valid when ok()
  std::string error;  // why the body was refused: names the field, ASCII, no input bytes
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// Decodes one body. `resolve` is asked only for a factor's symbol (an empty resolver refuses any
// symbol). Never throws except std::bad_alloc; allocates only the error message.
[[nodiscard]] ControlDecodeResult decode_control_request(std::string_view body, const SymbolResolver& resolve);

// The name tables, one place each (also used to write /status): name ↔ code.
[[nodiscard]] std::optional<dolphin::Posture> posture_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view posture_name(dolphin::Posture posture) noexcept;  // "" when unknown
[[nodiscard]] std::optional<TradingState> trading_state_from_name(std::string_view name) noexcept;
[[nodiscard]] std::optional<FactorKind> factor_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view factor_name(FactorKind kind) noexcept;  // "" when unknown

}  // namespace keel::gateway
