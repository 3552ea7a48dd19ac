// Fuzzes the market-data server's request handling (sim/src/market_data_router.hpp), the
// socket-free part of MarketDataServer: REST requests, WebSocket upgrade targets and control
// messages applied to one connection's subscriptions.
//
// Input: the first byte picks the mode, the rest is the request.
//  * 0 — REST: "<METHOD> <path>[?<query>]" (a missing space: the whole text is the path of a GET);
//  * 1 — upgrade: "<path>[?<query>]";
//  * 2 — control messages separated by '\n' (byte 0xff stands for a message over 64 KiB); the
//        second byte pre-fills the connection with up to 1,020 subscriptions so that the stream cap
//        is within reach.
//
// Invariants checked (trap on violation):
//  * nothing throws or crashes; every answer is JSON that simdjson accepts;
//  * REST: status 200 only for GET on the depth path, the provider is asked only then, with a
//    limit in [1, 5000]; 405 only on the depth path;
//  * upgrade: at most 1,024 distinct streams, each canonical name parses back to itself;
//  * control: a connection never holds more than 1,024 streams or one twice; an addition never
//    re-adds a held stream; a refused SUBSCRIBE changes nothing; LIST answers exactly what is held.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "market_data_router.hpp"

namespace {

namespace kb = keel::protocol::binance;
using keel::sim::HttpMethod;
using keel::sim::MarketDataRouter;
using keel::sim::SubscriptionChange;

class FuzzProvider final : public keel::sim::DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) override {
    ++calls;
    last_limit = limit;
    if (symbol != "BTCUSDT") return false;
    out.append(R"({"lastUpdateId":1,"bids":[["1.0","2.0"]],"asks":[]})");
    return true;
  }
  int calls = 0;
  std::uint32_t last_limit = 0;
};

HttpMethod method_of(std::string_view m) {
  if (m == "GET") return HttpMethod::kGet;
  if (m == "HEAD") return HttpMethod::kHead;
  if (m == "POST") return HttpMethod::kPost;
  if (m == "PUT") return HttpMethod::kPut;
  if (m == "DELETE") return HttpMethod::kDelete;
  if (m == "PATCH") return HttpMethod::kPatch;
  if (m == "OPTIONS") return HttpMethod::kOptions;
  return HttpMethod::kOther;
}

void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  const std::size_t q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

bool is_json(simdjson::dom::parser& checker, std::string_view text) {
  simdjson::dom::element root;
  return checker.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS;
}

void fuzz_rest(MarketDataRouter& router, FuzzProvider& provider, simdjson::dom::parser& checker,
               std::string_view text, kb::Market market) {
  HttpMethod method = HttpMethod::kGet;
  std::string_view target = text;
  if (const std::size_t space = text.find(' '); space != std::string_view::npos) {
    method = method_of(text.substr(0, space));
    target = text.substr(space + 1);
  }
  std::string_view path;
  std::string_view query;
  split_target(target, path, query);
  const int calls_before = provider.calls;
  const keel::sim::HttpAnswer a = router.http(method, path, query);
  const std::string_view depth_path =
      market == kb::Market::kFutures ? "/fapi/v1/depth" : "/api/v3/depth";
  KEEL_FUZZ_CHECK(a.status == 200 || a.status == 400 || a.status == 404 || a.status == 405);
  KEEL_FUZZ_CHECK(is_json(checker, a.body));
  const bool asked = provider.calls != calls_before;
  KEEL_FUZZ_CHECK(!asked || (method == HttpMethod::kGet && path == depth_path));
  KEEL_FUZZ_CHECK(!asked || (provider.last_limit >= 1 && provider.last_limit <= 5000));
  KEEL_FUZZ_CHECK(a.status != 200 || asked);
  KEEL_FUZZ_CHECK(a.status != 405 || (path == depth_path && method != HttpMethod::kGet));
  KEEL_FUZZ_CHECK(a.status != 404 || path != depth_path);
}

void fuzz_upgrade(MarketDataRouter& router, std::string_view text) {
  std::string_view path;
  std::string_view query;
  split_target(text, path, query);
  bool combined = false;
  std::vector<kb::StreamName> streams;
  const bool ok = router.ws_target(path, query, combined, streams);
  KEEL_FUZZ_CHECK(streams.size() <= MarketDataRouter::kMaxStreams);
  if (!ok) return;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    KEEL_FUZZ_CHECK(std::count(streams.begin(), streams.end(), streams[i]) == 1);
    std::string name;
    kb::append_stream_name(name, streams[i]);
    const auto back = kb::parse_stream_name(name);
    KEEL_FUZZ_CHECK(back.ok() && back.value() == streams[i]);
  }
}

void fuzz_control(MarketDataRouter& router, simdjson::dom::parser& checker, std::string_view text,
                  std::uint8_t prefill) {
  static const std::vector<kb::StreamName> kPrefill = [] {
    std::vector<kb::StreamName> v;
    for (int i = 0; i < 1020; ++i)
      v.push_back(kb::parse_stream_name("p" + std::to_string(i) + "usdt@trade").value());
    return v;
  }();
  std::vector<kb::StreamName> held(kPrefill.begin(),
                                   kPrefill.begin() + std::min<std::ptrdiff_t>(prefill * 4, 1020));
  for (int n = 0; n < 64 && !text.empty(); ++n) {
    const std::size_t nl = text.find('\n');
    const std::string_view message = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const bool too_large = message.size() == 1 && static_cast<unsigned char>(message[0]) == 0xff;
    const std::vector<kb::StreamName> before = held;
    const keel::sim::ControlAnswer a = router.control(message, too_large, held);
    KEEL_FUZZ_CHECK(!a.reply.empty());
    KEEL_FUZZ_CHECK(is_json(checker, a.reply));
    KEEL_FUZZ_CHECK(!too_large || a.change == SubscriptionChange::kNone);
    if (a.change == SubscriptionChange::kAdd) {
      // Held streams are distinct (the prefill is, and every addition is checked here).
      for (const kb::StreamName& s : a.streams) {
        KEEL_FUZZ_CHECK(std::find(held.begin(), held.end(), s) == held.end());
        held.push_back(s);
      }
    } else if (a.change == SubscriptionChange::kRemove) {
      for (const kb::StreamName& s : a.streams) std::erase(held, s);
    }
    KEEL_FUZZ_CHECK(held.size() <= MarketDataRouter::kMaxStreams);
    KEEL_FUZZ_CHECK(a.error == a.reply.starts_with(R"({"error")"));
    KEEL_FUZZ_CHECK(!a.error || (a.change == SubscriptionChange::kNone && held == before));
    // LIST answers exactly what is held, in order.
    const keel::sim::ControlAnswer list =
        router.control(R"({"method":"LIST_SUBSCRIPTIONS","id":1})", false, held);
    std::string expected;
    kb::encode_list_result(expected, held, 1);
    KEEL_FUZZ_CHECK(list.change == SubscriptionChange::kNone && list.reply == expected);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzProvider provider;
  static MarketDataRouter spot(kb::Market::kSpot, provider);
  static MarketDataRouter futures(kb::Market::kFutures, provider);
  static simdjson::dom::parser checker;
  if (size < 2) return 0;
  const std::uint8_t mode = data[0] % 3;
  const bool fut = (data[0] & 0x80U) != 0;
  MarketDataRouter& router = fut ? futures : spot;
  const kb::Market market = fut ? kb::Market::kFutures : kb::Market::kSpot;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (mode) {
    case 0:
      fuzz_rest(router, provider, checker, text, market);
      break;
    case 1:
      fuzz_upgrade(router, text);
      break;
    default:
      fuzz_control(router, checker, text.substr(1), data[1]);
      break;
  }
  return 0;
}
