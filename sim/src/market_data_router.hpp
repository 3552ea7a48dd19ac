// MarketDataRouter: what the market-data server answers, with no socket in sight. The server hands
// it a request's method, path and query (REST and WebSocket upgrades) or one complete WebSocket
// text message and a connection's subscriptions; it returns the status and body, or the reply and
// the subscription change to apply. libwebsockets glue lives in market_data_server.cpp; this is the
// part fuzz_http_request drives with raw bytes.
//
// Single-threaded (the server's service thread). Answers point into buffers the router owns and
// stay valid until its next call. Buffers are reserved in the constructor; a request may still
// allocate (a long query, a snapshot bigger than the reserve), so every function can throw
// std::bad_alloc and the server catches it at its callback boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/protocol/binance/control.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "keel/protocol/binance/symbol_format.hpp"
#include "keel/sim/market_data_server.hpp"

namespace keel::sim {

enum class HttpMethod : std::uint8_t {
  kNone = 0,
  kGet = 1,
  kHead = 2,
  kPost = 3,
  kPut = 4,
  kDelete = 5,
  kPatch = 6,
  kOptions = 7,
  kOther = 8,
};

struct HttpAnswer {
  unsigned status = 0;    // 200, 400, 404 or 405
  std::string_view body;  // JSON; valid until the router's next call
};

enum class SubscriptionChange : std::uint8_t { kNone = 0, kAdd = 1, kRemove = 2 };

struct ControlAnswer {
  // What to do to the connection's subscriptions before replying: add `streams` (none already held,
  // no duplicates) or remove them (as the client listed them).
  SubscriptionChange change = SubscriptionChange::kNone;
  std::span<const protocol::binance::StreamName> streams;
  std::string_view reply;  // the text frame to send back; never empty
  bool error = false;      // the reply is an error (nothing was changed)
};

class MarketDataRouter {
 public:
  // Binance's per-connection stream cap and the largest control message read.
  static constexpr std::size_t kMaxStreams = protocol::binance::ControlParser::kMaxStreams;
  static constexpr std::size_t kMaxMessageBytes =
      protocol::binance::ControlParser::kMaxMessageBytes;
  // The REST depth limit: absent = 100, 0 = 1, above 5000 = 5000 (Binance truncates); a value with
  // more than 20 characters or a non-digit is "illegal characters" (-1100), one above 2^32-1
  // "overflowed" (-1108).
  static constexpr std::uint32_t kDefaultDepthLimit = 100;
  static constexpr std::uint32_t kMaxDepthLimit = 5000;

  // `provider` must outlive the router.
  MarketDataRouter(protocol::binance::Market market, DepthSnapshotProvider& provider);

  // A plain HTTP request. `path` is the decoded path without the query, `query` the decoded
  // arguments joined with '&' ("symbol=BTCUSDT&limit=5"). Only GET on the market's depth or
  // exchangeInfo path reaches the provider: another method there gets 405 (-1020), any other path
  // 404. exchangeInfo: spot honours `symbol` (an unlisted one is -1121) and ignores other
  // arguments; futures takes no arguments (as Binance's /fapi/v1/exchangeInfo).
  [[nodiscard]] HttpAnswer http(HttpMethod method, std::string_view path, std::string_view query);

  // A WebSocket upgrade: "/ws", "/ws/<s>[/<s>…]" (raw) or "/stream[?streams=<s>[/<s>…]]"
  // (combined). Fills `combined` and the initial `streams` (distinct, at most kMaxStreams); false
  // for any other path, a bad or empty stream name or too many streams.
  [[nodiscard]] bool ws_target(std::string_view path, std::string_view query, bool& combined,
                               std::vector<protocol::binance::StreamName>& streams) const;

  // One complete control message. `too_large` says the message exceeded kMaxMessageBytes (its text
  // was not kept; `message` is ignored). `held` is the connection's current subscriptions. A
  // SUBSCRIBE that would take the connection past kMaxStreams is refused whole.
  [[nodiscard]] ControlAnswer control(std::string_view message, bool too_large,
                                      std::span<const protocol::binance::StreamName> held);

 private:
  HttpAnswer depth(std::string_view query);
  HttpAnswer exchange_info(std::string_view query);

  protocol::binance::Market market_;
  DepthSnapshotProvider& provider_;
  protocol::binance::ControlParser parser_;
  std::string body_;
  std::string reply_;
  std::vector<protocol::binance::StreamName> added_;
};

// The value of argument `name` in a '&'-joined query ("a=1&b=2"): the first one; false when absent.
[[nodiscard]] bool query_arg(std::string_view query, std::string_view name,
                             std::string_view& value) noexcept;

}  // namespace keel::sim
