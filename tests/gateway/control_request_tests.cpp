// decode_control_request: every action to the exact Event, and every refusal with the field named.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "keel/gateway/control/control_request.hpp"

namespace {

using keel::Control;
using keel::ControlKind;
using keel::Event;
using keel::EventKind;
using keel::ExternalFactor;
using keel::FactorKind;
using keel::InstrumentId;
using keel::kNoInstrument;
using keel::TradingState;
using keel::dolphin::Posture;
using keel::gateway::ControlDecodeResult;
using keel::gateway::decode_control_request;
using keel::gateway::kMaxControlBodyBytes;
using keel::gateway::SymbolResolver;

const SymbolResolver kResolver = [](std::string_view symbol) -> std::optional<InstrumentId> {
  if (symbol == "BTCUSDT") return 0;
  if (symbol == "ETHUSDT") return 7;
  return std::nullopt;
};

ControlDecodeResult decode(std::string_view body) {
  return decode_control_request(body, kResolver);
}

Event control(ControlKind kind, std::int64_t value) {
  Control c{};
  c.header.subtype = static_cast<std::uint8_t>(kind);
  c.value = value;
  return keel::to_event(c);
}

Event factor(FactorKind kind, double value, InstrumentId instrument) {
  ExternalFactor f{};
  f.header.subtype = static_cast<std::uint8_t>(kind);
  f.header.instrument = instrument;
  f.value = value;
  return keel::to_event(f);
}

void expect_event(std::string_view body, const Event& expected) {
  const ControlDecodeResult r = decode(body);
  ASSERT_TRUE(r.ok()) << body << ": " << r.error;
  EXPECT_EQ(std::memcmp(r.event.bytes, expected.bytes, sizeof expected.bytes), 0) << body;
}

// Refused, with `needle` in the message.
void expect_error(std::string_view body, std::string_view needle) {
  const ControlDecodeResult r = decode(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_NE(r.error.find(needle), std::string::npos) << body << " → " << r.error;
  const Event none{};
  EXPECT_EQ(std::memcmp(r.event.bytes, none.bytes, sizeof none.bytes), 0) << "an error leaves the event zero";
}

TEST(ControlRequest, KillSwitch) {
  expect_event(R"({"action":"kill_switch","engage":true})", control(ControlKind::kKillSwitch, 1));
  expect_event(R"({"engage":false,"action":"kill_switch"})", control(ControlKind::kKillSwitch, 0));
  expect_event(" \r\n\t{ \"action\" : \"kill_switch\" ,\n \"engage\" : true } \n", control(ControlKind::kKillSwitch, 1));
}

TEST(ControlRequest, FlattenAndConfigReload) {
  expect_event(R"({"action":"flatten"})", control(ControlKind::kFlatten, 0));
  expect_event(R"({"action":"config_reload"})", control(ControlKind::kConfigReload, 0));
}

TEST(ControlRequest, TradingState) {
  expect_event(R"({"action":"trading_state","state":"active"})",
               control(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kActive)));
  expect_event(R"({"action":"trading_state","state":"reducing"})",
               control(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kReducing)));
  expect_event(R"({"action":"trading_state","state":"halted"})",
               control(ControlKind::kTradingState, static_cast<std::int64_t>(TradingState::kHalted)));
}

TEST(ControlRequest, Posture) {
  const std::pair<const char*, Posture> cases[] = {{"apex", Posture::kApex},
                                                   {"stalker", Posture::kStalker},
                                                   {"turtle", Posture::kTurtle},
                                                   {"hibernate", Posture::kHibernate}};
  for (const auto& [name, code] : cases) {
    expect_event(std::string(R"({"action":"posture","posture":")") + name + "\"}",
                 control(ControlKind::kPosture, static_cast<std::int64_t>(code)));
    EXPECT_EQ(keel::gateway::posture_from_name(name), code);
    EXPECT_EQ(keel::gateway::posture_name(code), name);
  }
  // An escape that decodes to the same ASCII name is the same name.
  expect_event(R"({"action":"posture","posture":"\u0061pex"})", control(ControlKind::kPosture, 0));
}

TEST(ControlRequest, Factors) {
  expect_event(R"({"action":"factor","factor":"funding","value":-0.0001})",
               factor(FactorKind::kFunding, -0.0001, kNoInstrument));
  expect_event(R"({"action":"factor","factor":"implied_vol","value":55.5,"symbol":"BTCUSDT"})",
               factor(FactorKind::kImpliedVol, 55.5, 0));
  expect_event(R"({"action":"factor","factor":"fear_greed","value":25})", factor(FactorKind::kFearGreed, 25, kNoInstrument));
  expect_event(R"({"action":"factor","factor":"taker_ratio","value":0.8E0,"symbol":"ETHUSDT"})",
               factor(FactorKind::kTakerRatio, 0.8, 7));
  expect_event(R"({"action":"factor","factor":"open_interest_change","value":-1.5e-2})",
               factor(FactorKind::kOpenInterestChange, -0.015, kNoInstrument));
  expect_event(R"({"action":"factor","factor":"funding","value":0})", factor(FactorKind::kFunding, 0, kNoInstrument));
  for (const FactorKind k : {FactorKind::kFunding, FactorKind::kImpliedVol, FactorKind::kFearGreed,
                             FactorKind::kTakerRatio, FactorKind::kOpenInterestChange}) {
    EXPECT_EQ(keel::gateway::factor_from_name(keel::gateway::factor_name(k)), k);
  }
}

TEST(ControlRequest, FactorSymbols) {
  expect_error(R"({"action":"factor","factor":"funding","value":1,"symbol":"DOGEUSDT"})", "field \"symbol\": unknown symbol");
  expect_error(R"({"action":"factor","factor":"funding","value":1,"symbol":""})", "field \"symbol\"");
  expect_error(R"({"action":"factor","factor":"funding","value":1,"symbol":"BTC USDT"})", "field \"symbol\"");
  expect_error(R"({"action":"factor","factor":"funding","value":1,"symbol":7})", "field \"symbol\": expected a string");
  // Without a resolver every symbol is unknown.
  const auto r = decode_control_request(R"({"action":"factor","factor":"funding","value":1,"symbol":"BTCUSDT"})", {});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(decode_control_request(R"({"action":"factor","factor":"funding","value":1})", {}).ok());
}

TEST(ControlRequest, RefusalsNameTheField) {
  expect_error(R"({})", "field \"action\": missing");
  expect_error(R"({"engage":true})", "field \"action\": missing");
  expect_error(R"({"action":1})", "field \"action\": expected a string");
  expect_error(R"({"action":"launch_missiles"})", "field \"action\": unknown action");
  expect_error(R"({"action":"kill_switch"})", "field \"engage\": missing");
  expect_error(R"({"action":"kill_switch","engage":1})", "field \"engage\": expected true or false");
  expect_error(R"({"action":"kill_switch","engage":"true"})", "field \"engage\"");
  expect_error(R"({"action":"kill_switch","engage":null})", "field \"engage\"");
  expect_error(R"({"action":"kill_switch","engage":true,"force":true})", "field \"force\": unexpected field");
  expect_error(R"({"action":"flatten","symbol":"BTCUSDT"})", "field \"symbol\": unexpected field");
  expect_error(R"({"action":"trading_state"})", "field \"state\": missing");
  expect_error(R"({"action":"trading_state","state":"ACTIVE"})", "field \"state\": expected one of");
  expect_error(R"({"action":"posture","posture":"shark"})", "field \"posture\": expected one of \"apex\"");
  expect_error(R"({"action":"posture","posture":2})", "field \"posture\": expected a string");
  expect_error(R"({"action":"factor","value":1})", "field \"factor\": missing");
  expect_error(R"({"action":"factor","factor":"rsi","value":1})", "field \"factor\"");
  expect_error(R"({"action":"factor","factor":"funding"})", "field \"value\": missing");
  expect_error(R"({"action":"factor","factor":"funding","value":"1"})", "field \"value\": expected a number");
  expect_error(R"({"action":"factor","factor":"funding","value":true})", "field \"value\": expected a number");
}

TEST(ControlRequest, NonFiniteNumbersAreRefused) {
  expect_error(R"({"action":"factor","factor":"funding","value":NaN})", "field \"value\"");
  expect_error(R"({"action":"factor","factor":"funding","value":nan})", "field \"value\"");
  expect_error(R"({"action":"factor","factor":"funding","value":Infinity})", "field \"value\"");
  expect_error(R"({"action":"factor","factor":"funding","value":-Infinity})", "field \"value\"");
  expect_error(R"({"action":"factor","factor":"funding","value":1e999})", "field \"value\": not a finite number");
  expect_error(R"({"action":"factor","factor":"funding","value":-1e400})", "field \"value\": not a finite number");
  expect_error(R"({"action":"factor","factor":"funding","value":"NaN"})", "field \"value\": expected a number");
}

TEST(ControlRequest, MalformedNumbers) {
  for (const char* v : {"01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "1_000", "--1", "1.2.3"}) {
    const std::string body = std::string(R"({"action":"factor","factor":"funding","value":)") + v + "}";
    EXPECT_FALSE(decode(body).ok()) << body;
  }
}

TEST(ControlRequest, DuplicateKeysAreRefused) {
  expect_error(R"({"action":"kill_switch","engage":false,"engage":true})", "field \"engage\": duplicate field");
  expect_error(R"({"action":"flatten","action":"flatten"})", "field \"action\": duplicate field");
  // The same key spelled with an escape is the same key.
  expect_error(R"({"action":"flatten","\u0061ction":"kill_switch"})", "duplicate field");
}

TEST(ControlRequest, SyntaxErrors) {
  expect_error("", "empty body");
  expect_error("   ", "malformed JSON");
  expect_error(R"([{"action":"flatten"}])", "malformed JSON");
  expect_error(R"("flatten")", "malformed JSON");
  expect_error(R"({"action":"flatten"} x)", "unexpected bytes after the object");
  expect_error(R"({"action":"flatten"}{"action":"flatten"})", "unexpected bytes after the object");
  expect_error(R"({"action":"flatten"},)", "unexpected bytes after the object");
  expect_error(std::string(R"({"action":"flatten"})") + '\0', "unexpected bytes");
  expect_error(R"({"action":"flatten",})", "malformed JSON");
  expect_error(R"({"action" "flatten"})", "expected ':'");
  expect_error(R"({action:"flatten"})", "expected a field name");
  expect_error(R"({'action':'flatten'})", "expected a field name");
  expect_error(R"({"action":"flatten")", "malformed JSON");
  expect_error(R"({"action":"flat)", "field \"action\": malformed string");
  expect_error(R"({"action":"kill_switch","engage":{"now":true}})", "field \"engage\": nested values are not accepted");
  expect_error(R"({"action":"kill_switch","engage":[true]})", "field \"engage\": nested values are not accepted");
  expect_error(R"({"action":"kill_switch","engage":tru})", "field \"engage\": malformed value");
  expect_error(R"({"action":"kill_switch","engage":True})", "field \"engage\": malformed value");
  expect_error("{\"action\":\"flat\ten\"}", "malformed string");   // a raw control character
  expect_error(R"({"action":"flat\ten"})", "field \"action\": unknown action");  // escaped: well formed, unknown
  expect_error(R"({"action":"\x41"})", "malformed string");
  expect_error(R"({"action":"\u00"})", "malformed string");
  expect_error(R"({"action":"\u00zz"})", "malformed string");
  expect_error("\xEF\xBB\xBF{\"action\":\"flatten\"}", "malformed JSON");  // a byte-order mark
}

TEST(ControlRequest, TooManyFieldsAndUnknownKeysAreNotEchoed) {
  expect_error(R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9})", "too many fields");
  const auto r = decode(R"({"action":"flatten","<script>":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "unexpected field");
  const auto v = decode(R"({"action":"posture","posture":"<img src=x>"})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error.find("img"), std::string::npos) << v.error;
  const auto u = decode("{\"action\":\"posture\",\"posture\":\"\xC3\xA9\"}");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error.find('\xC3'), std::string::npos);
}

TEST(ControlRequest, BodySizeLimit) {
  const std::string core = R"({"action":"flatten"})";
  std::string exact = core;
  exact.insert(1, kMaxControlBodyBytes - core.size(), ' ');
  ASSERT_EQ(exact.size(), kMaxControlBodyBytes);
  EXPECT_TRUE(decode(exact).ok());
  std::string over = core;
  over.insert(1, kMaxControlBodyBytes - core.size() + 1, ' ');
  expect_error(over, "body larger than 4096 bytes");
  // A long string value is well formed but names nothing.
  const std::string long_value = R"({"action":")" + std::string(3000, 'a') + "\"}";
  expect_error(long_value, "field \"action\": unknown action");
}

TEST(ControlRequest, TimestampsAndSeqAreLeftToTheCaller) {
  const auto r = decode(R"({"action":"kill_switch","engage":true})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.event.header.kind, EventKind::kControl);
  EXPECT_EQ(r.event.header.ts_exchange, 0);
  EXPECT_EQ(r.event.header.ts_local, 0);
  EXPECT_EQ(r.event.header.instrument, kNoInstrument);
  EXPECT_EQ(r.event.control.seq, 0u);
}

}  // namespace
