// Fuzzes the POST /control body decoder (keel/gateway/control/control_request.hpp).
//
// Invariants checked (trap on violation):
//  * decode_control_request never throws or crashes; bodies over 4 KiB are refused;
//  * an error leaves the event all zero and its message is printable ASCII that holds none of the
//    input's bytes beyond what the decoder itself names (checked: no byte ≥ 0x80 or control byte);
//  * an accepted body gives a Control of one of the five kinds with a value in its domain, or an
//    ExternalFactor of a known FactorKind with a finite value and an instrument the resolver gave;
//    seq and both timestamps are 0;
//  * the event written back as canonical JSON decodes to the same 64 bytes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/gateway/control/control_request.hpp"

namespace {

namespace kg = keel::gateway;
using keel::ControlKind;
using keel::Event;
using keel::EventKind;

std::optional<keel::InstrumentId> resolve(std::string_view symbol) {
  if (symbol == "BTCUSDT") return 1;
  if (symbol == "ETHUSDT") return 2;
  return std::nullopt;
}

std::string canonical(const Event& e) {
  if (e.header.kind == EventKind::kExternalFactor) {
    std::string out = R"({"action":"factor","factor":")";
    out += kg::factor_name(static_cast<keel::FactorKind>(e.header.subtype));
    char value[64];
    std::snprintf(value, sizeof value, "%.17g", e.factor.value);
    out += R"(","value":)";
    out += value;
    if (e.header.instrument == 1) out += R"(,"symbol":"BTCUSDT")";
    if (e.header.instrument == 2) out += R"(,"symbol":"ETHUSDT")";
    return out + "}";
  }
  switch (static_cast<ControlKind>(e.header.subtype)) {
    case ControlKind::kKillSwitch:
      return e.control.value == 1 ? R"({"action":"kill_switch","engage":true})" : R"({"action":"kill_switch","engage":false})";
    case ControlKind::kFlatten: return R"({"action":"flatten"})";
    case ControlKind::kConfigReload: return R"({"action":"config_reload"})";
    case ControlKind::kTradingState: {
      const char* names[] = {"active", "reducing", "halted"};
      return std::string(R"({"action":"trading_state","state":")") + names[e.control.value] + "\"}";
    }
    case ControlKind::kPosture:
      return std::string(R"({"action":"posture","posture":")") +
             std::string(kg::posture_name(static_cast<keel::dolphin::Posture>(e.control.value))) + "\"}";
    default: return "";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kg::SymbolResolver resolver = resolve;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const kg::ControlDecodeResult r = kg::decode_control_request(body, resolver);
  if (!r.ok()) {
    const Event zero{};
    KEEL_FUZZ_CHECK(std::memcmp(r.event.bytes, zero.bytes, sizeof zero.bytes) == 0);
    for (const char c : r.error) KEEL_FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    return 0;
  }
  KEEL_FUZZ_CHECK(size <= kg::kMaxControlBodyBytes);
  const Event& e = r.event;
  KEEL_FUZZ_CHECK(e.header.ts_exchange == 0 && e.header.ts_local == 0 && e.header.flags == 0 && e.header.detail == 0);
  if (e.header.kind == EventKind::kExternalFactor) {
    KEEL_FUZZ_CHECK(e.header.subtype >= 1 && e.header.subtype <= 5);
    KEEL_FUZZ_CHECK(std::isfinite(e.factor.value));
    KEEL_FUZZ_CHECK(e.factor.seq == 0);
    KEEL_FUZZ_CHECK(e.header.instrument == keel::kNoInstrument || e.header.instrument == 1 || e.header.instrument == 2);
  } else {
    KEEL_FUZZ_CHECK(e.header.kind == EventKind::kControl);
    KEEL_FUZZ_CHECK(e.header.instrument == keel::kNoInstrument && e.control.seq == 0);
    const auto kind = static_cast<ControlKind>(e.header.subtype);
    const std::int64_t v = e.control.value;
    switch (kind) {
      case ControlKind::kKillSwitch: KEEL_FUZZ_CHECK(v == 0 || v == 1); break;
      case ControlKind::kFlatten:
      case ControlKind::kConfigReload: KEEL_FUZZ_CHECK(v == 0); break;
      case ControlKind::kTradingState: KEEL_FUZZ_CHECK(v >= 0 && v <= keel::kMaxTradingState); break;
      case ControlKind::kPosture: KEEL_FUZZ_CHECK(v >= 0 && v <= 3); break;
      default: KEEL_FUZZ_CHECK(false);
    }
  }
  const std::string again = canonical(e);
  const kg::ControlDecodeResult back = kg::decode_control_request(again, resolver);
  KEEL_FUZZ_CHECK(back.ok());
  KEEL_FUZZ_CHECK(std::memcmp(back.event.bytes, e.bytes, sizeof e.bytes) == 0);
  return 0;
}
