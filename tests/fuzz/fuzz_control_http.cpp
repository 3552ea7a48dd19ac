// Fuzzes the control endpoint's request handling without sockets: parse_http_head and ControlRouter
// (keel/gateway/control/control_router.hpp), fed the way ControlServer feeds them — a growing buffer
// of what one connection sent, in pieces, capped at max_request_bytes.
//
// Input: byte 0 picks the piece sizes (1 … 256 bytes, or all at once); the rest is what the client
// sends. A token is configured ("fuzz-token-0123"); the dictionary holds it, so authorised requests
// are reachable.
//
// Invariants checked (trap on violation):
//  * nothing throws or crashes; the router answers at the latest once the buffer is full;
//  * every answer is one well-formed response: "HTTP/1.1 NNN …", a Content-Length equal to the body,
//    "Connection: close"; the token never appears in it;
//  * the deliver handler is called at most once per request, only for an answer 200 or 503 on
//    POST /control with the right Authorization, and a 200 names the seq it delivered;
//  * parse_http_head: a complete head lies within the input, its path starts with '/'.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/gateway/control/control_router.hpp"
#include "keel/gateway/control/http_request.hpp"

namespace {

namespace kg = keel::gateway;
constexpr std::string_view kToken = "fuzz-token-0123";
constexpr std::size_t kMaxRequest = 16 * 1024;

struct State {
  kg::ControlCounters counters;
  int delivered = 0;
  bool refuse = false;
  std::uint64_t last_seq = 0;
  kg::ControlRouter router{kg::Secret{std::string(kToken)}, kMaxRequest, handlers(), counters};

  kg::ControlHandlers handlers() {
    kg::ControlHandlers h;
    h.metrics = [](std::string& out) { out += "# HELP keel_up up\n# TYPE keel_up gauge\nkeel_up 1\n"; };
    h.status = [](std::string& out) { out += "{\"ok\":true}"; };
    h.deliver = [this](const keel::Event& e) {
      ++delivered;
      last_seq = e.header.kind == keel::EventKind::kExternalFactor ? e.factor.seq : e.control.seq;
      return !refuse;
    };
    h.resolve_symbol = [](std::string_view s) -> std::optional<keel::InstrumentId> {
      if (s == "BTCUSDT") return 0;
      return std::nullopt;
    };
    return h;
  }
};

void check_response(std::string_view r) {
  KEEL_FUZZ_CHECK(r.substr(0, 9) == "HTTP/1.1 ");
  KEEL_FUZZ_CHECK(r.size() > 13 && r[12] == ' ');
  const std::size_t end = r.find("\r\n\r\n");
  KEEL_FUZZ_CHECK(end != std::string_view::npos);
  const std::string_view head = r.substr(0, end + 2);
  const std::string_view body = r.substr(end + 4);
  const std::size_t cl = head.find("\r\nContent-Length: ");
  KEEL_FUZZ_CHECK(cl != std::string_view::npos);
  KEEL_FUZZ_CHECK(std::stoul(std::string(head.substr(cl + 18))) == body.size());
  KEEL_FUZZ_CHECK(head.find("\r\nConnection: close\r\n") != std::string_view::npos);
  KEEL_FUZZ_CHECK(r.find(kToken) == std::string_view::npos);
}

int status_of(std::string_view r) {
  return (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State state;
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? kMaxRequest : data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  state.refuse = (data[0] & 1) != 0;

  // The head parser on its own.
  const kg::HttpHeadParse p = kg::parse_http_head(input, kMaxRequest);
  if (p.status == kg::HttpHeadStatus::kComplete) {
    KEEL_FUZZ_CHECK(p.head.head_bytes <= input.size() && p.head.head_bytes <= kMaxRequest);
    KEEL_FUZZ_CHECK(!p.head.path.empty() && p.head.path[0] == '/');
    KEEL_FUZZ_CHECK(p.head.head_bytes + p.head.content_length <= kMaxRequest);
  } else if (p.status == kg::HttpHeadStatus::kError) {
    KEEL_FUZZ_CHECK(p.error_status == 400 || p.error_status == 413 || p.error_status == 505);
  } else {
    KEEL_FUZZ_CHECK(input.size() < kMaxRequest);
  }

  // The router as the server drives it.
  std::string received;
  std::string response;
  const int delivered_before = state.delivered;
  const std::uint64_t next_seq_before = state.router.next_seq();
  bool answered = false;
  for (std::size_t at = 0; at < input.size() && received.size() < kMaxRequest && !answered; at += piece) {
    const std::string_view chunk = input.substr(at, piece);
    received.append(chunk.substr(0, kMaxRequest - received.size()));
    answered = state.router.on_bytes(received, response) == kg::ControlRouter::Step::kRespond;
  }
  if (!answered && received.size() >= kMaxRequest) KEEL_FUZZ_CHECK(false);  // a full buffer is always answered
  const int calls = state.delivered - delivered_before;
  KEEL_FUZZ_CHECK(calls == 0 || calls == 1);
  if (!answered) {
    KEEL_FUZZ_CHECK(calls == 0);
    return 0;
  }
  check_response(response);
  const int status = status_of(response);
  if (calls == 1) {
    KEEL_FUZZ_CHECK(status == 200 || status == 503);
    const kg::HttpHeadParse head = kg::parse_http_head(received, kMaxRequest);
    KEEL_FUZZ_CHECK(head.status == kg::HttpHeadStatus::kComplete);
    KEEL_FUZZ_CHECK(head.head.method == kg::HttpMethod::kPost && head.head.path == "/control");
    KEEL_FUZZ_CHECK(head.head.authorization.size() >= kToken.size() &&
                    head.head.authorization.substr(head.head.authorization.size() - kToken.size()) == kToken);
    KEEL_FUZZ_CHECK(state.last_seq == next_seq_before);
    if (status == 200) {
      KEEL_FUZZ_CHECK(state.router.next_seq() == next_seq_before + 1);
      const std::string expected = "{\"ok\":true,\"seq\":" + std::to_string(next_seq_before) + "}";
      KEEL_FUZZ_CHECK(response.size() >= expected.size() &&
                      response.compare(response.size() - expected.size(), expected.size(), expected) == 0);
    } else {
      KEEL_FUZZ_CHECK(state.router.next_seq() == next_seq_before);
    }
  } else {
    KEEL_FUZZ_CHECK(status != 200 || response.find("\"seq\"") == std::string::npos);
    KEEL_FUZZ_CHECK(state.router.next_seq() == next_seq_before);
  }
  return 0;
}
