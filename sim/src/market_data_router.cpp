#include "market_data_router.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace keel::sim {
namespace {

namespace kb = protocol::binance;
using kb::StreamName;

constexpr std::string_view kSpotDepthPath = "/api/v3/depth";
constexpr std::string_view kFuturesDepthPath = "/fapi/v1/depth";
constexpr std::string_view kSpotExchangeInfoPath = "/api/v3/exchangeInfo";
constexpr std::string_view kFuturesExchangeInfoPath = "/fapi/v1/exchangeInfo";

constexpr std::string_view kNotFound = R"({"code":-1,"msg":"Not found."})";
constexpr std::string_view kMethodNotAllowed =
    R"({"code":-1020,"msg":"This operation is not supported."})";
constexpr std::string_view kNoSymbol =
    R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})";
constexpr std::string_view kLimitIllegal =
    R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})";
constexpr std::string_view kLimitOverflow =
    R"({"code":-1108,"msg":"Parameter 'limit' overflowed."})";
constexpr std::string_view kInvalidSymbol = R"({"code":-1121,"msg":"Invalid symbol."})";

constexpr std::string_view kMsgTooLarge =
    "Invalid request: message too large (more than 65536 bytes)";
constexpr std::string_view kMsgTooManyStreams =
    "Invalid request: too many streams (at most 1024 per connection); nothing was subscribed";
static_assert(MarketDataRouter::kMaxMessageBytes == 65536 && MarketDataRouter::kMaxStreams == 1024,
              "update the error messages above");

// Splits "a/b/c" and parses each name into `out` (distinct, in order). False on an invalid or empty
// name, one the market does not serve (@markPrice in spot), or more than kMaxStreams distinct ones.
bool parse_stream_list(kb::Market market, std::string_view text, std::vector<StreamName>& out) {
  for (;;) {
    const std::size_t slash = text.find('/');
    const auto parsed = kb::parse_stream_name(text.substr(0, slash));
    if (!parsed.ok() || !kb::stream_served(market, parsed.value())) return false;
    if (std::find(out.begin(), out.end(), parsed.value()) == out.end()) {
      if (out.size() >= MarketDataRouter::kMaxStreams) return false;
      out.push_back(parsed.value());
    }
    if (slash == std::string_view::npos) return true;
    text.remove_prefix(slash + 1);
  }
}

}  // namespace

bool query_arg(std::string_view query, std::string_view name, std::string_view& value) noexcept {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      value = item.substr(name.size() + 1);
      return true;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

MarketDataRouter::MarketDataRouter(kb::Market market, DepthSnapshotProvider& provider)
    : market_(market), provider_(provider), parser_(market) {
  body_.reserve(64 * 1024);
  reply_.reserve(64 * 1024);
  added_.reserve(kMaxStreams);
}

HttpAnswer MarketDataRouter::http(HttpMethod method, std::string_view path,
                                  std::string_view query) {
  const bool futures = market_ == kb::Market::kFutures;
  const std::string_view depth_path = futures ? kFuturesDepthPath : kSpotDepthPath;
  const std::string_view info_path = futures ? kFuturesExchangeInfoPath : kSpotExchangeInfoPath;
  if (path != depth_path && path != info_path) return {404, kNotFound};
  if (method != HttpMethod::kGet) return {405, kMethodNotAllowed};
  return path == depth_path ? depth(query) : exchange_info(query);
}

HttpAnswer MarketDataRouter::exchange_info(std::string_view query) {
  std::string_view symbol;
  if (market_ == kb::Market::kFutures || !query_arg(query, "symbol", symbol)) symbol = {};
  body_.clear();
  if (provider_.exchange_info(symbol, body_)) return {200, body_};
  return symbol.empty() ? HttpAnswer{404, kNotFound} : HttpAnswer{400, kInvalidSymbol};
}

HttpAnswer MarketDataRouter::depth(std::string_view query) {
  std::string_view symbol;
  if (!query_arg(query, "symbol", symbol) || symbol.empty()) return {400, kNoSymbol};
  std::uint32_t limit = kDefaultDepthLimit;
  std::string_view limit_text;
  if (query_arg(query, "limit", limit_text)) {
    // Binance's grammar for the value is ^[0-9]{1,20}$; within it, a value that does not fit the
    // 32-bit count overflows.
    if (limit_text.empty() || limit_text.size() > 20 ||
        !std::all_of(limit_text.begin(), limit_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return {400, kLimitIllegal};
    }
    std::uint64_t value = 0;
    const auto [ptr, ec] =
        std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), value);
    if (ec != std::errc{} || ptr != limit_text.data() + limit_text.size() ||
        value > std::numeric_limits<std::uint32_t>::max()) {
      return {400, kLimitOverflow};
    }
    limit = std::clamp<std::uint32_t>(static_cast<std::uint32_t>(value), 1, kMaxDepthLimit);
  }
  body_.clear();
  if (!provider_.depth_snapshot(symbol, limit, body_)) return {400, kInvalidSymbol};
  return {200, body_};
}

bool MarketDataRouter::ws_target(std::string_view path, std::string_view query, bool& combined,
                                 std::vector<StreamName>& streams) const {
  combined = false;
  streams.clear();
  if (path == "/ws" || path == "/ws/") return true;  // raw, nothing yet (SUBSCRIBE later)
  if (path.starts_with("/ws/")) return parse_stream_list(market_, path.substr(4), streams);
  if (path == "/stream" || path == "/stream/") {
    combined = true;
    std::string_view list;
    return !query_arg(query, "streams", list) || parse_stream_list(market_, list, streams);
  }
  return false;
}

ControlAnswer MarketDataRouter::control(std::string_view message, bool too_large,
                                        std::span<const StreamName> held) {
  ControlAnswer answer;
  reply_.clear();
  if (too_large) {
    kb::encode_error_reply(reply_,
                           kb::ControlError{kb::kErrInvalidRequest, kMsgTooLarge, false, 0});
    answer.reply = reply_;
    answer.error = true;
    return answer;
  }
  const kb::ControlParse parse = parser_.parse(message);
  if (!parse.ok) {
    kb::encode_error_reply(reply_, parse.error);
    answer.reply = reply_;
    answer.error = true;
    return answer;
  }
  const kb::ControlRequest& req = parse.request;
  switch (req.method) {
    case kb::ControlMethod::kSubscribe: {
      added_.clear();
      for (const StreamName& s : req.streams) {
        if (std::find(held.begin(), held.end(), s) != held.end()) continue;
        if (std::find(added_.begin(), added_.end(), s) != added_.end()) continue;
        if (held.size() + added_.size() >= kMaxStreams) {  // all or nothing
          kb::encode_error_reply(
              reply_, kb::ControlError{kb::kErrInvalidRequest, kMsgTooManyStreams, true, req.id});
          answer.reply = reply_;
          answer.error = true;
          return answer;
        }
        added_.push_back(s);
      }
      answer.change = SubscriptionChange::kAdd;
      answer.streams = added_;
      kb::encode_result_null(reply_, req.id);
      break;
    }
    case kb::ControlMethod::kUnsubscribe:
      answer.change = SubscriptionChange::kRemove;
      answer.streams = req.streams;
      kb::encode_result_null(reply_, req.id);
      break;
    case kb::ControlMethod::kListSubscriptions:
      kb::encode_list_result(reply_, held, req.id);
      break;
    case kb::ControlMethod::kNone:  // parse() never answers ok with no method
      kb::encode_error_reply(
          reply_, kb::ControlError{kb::kErrInvalidRequest, "Invalid request", true, req.id});
      answer.error = true;
      break;
  }
  answer.reply = reply_;
  return answer;
}

}  // namespace keel::sim
