// parse_http_head and ControlRouter without sockets: every prefix of a valid request, the head rules
// one by one, and the router's ready_at hint.
#include <gtest/gtest.h>

#include <string>

#include "keel/gateway/control/control_router.hpp"
#include "keel/gateway/control/http_request.hpp"

namespace {

using keel::gateway::HttpHeadStatus;
using keel::gateway::HttpMethod;
using keel::gateway::parse_http_head;

constexpr std::size_t kMax = 16 * 1024;

TEST(HttpHead, EveryPrefixOfAValidRequestIsIncomplete) {
  const std::string request =
      "POST /control?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization:  Bearer abc \t\r\n"
      "Content-Length: 20\r\n\r\n{\"action\":\"flatten\"}";
  const std::size_t head_end = request.find("\r\n\r\n") + 4;
  for (std::size_t n = 0; n < head_end; ++n) {
    EXPECT_EQ(parse_http_head(std::string_view(request).substr(0, n), kMax).status, HttpHeadStatus::kIncomplete) << n;
  }
  for (std::size_t n = head_end; n <= request.size(); ++n) {
    const auto p = parse_http_head(std::string_view(request).substr(0, n), kMax);
    ASSERT_EQ(p.status, HttpHeadStatus::kComplete) << n;
    EXPECT_EQ(p.head.method, HttpMethod::kPost);
    EXPECT_EQ(p.head.path, "/control");
    EXPECT_EQ(p.head.authorization, "Bearer abc");
    EXPECT_TRUE(p.head.has_content_length);
    EXPECT_EQ(p.head.content_length, 20u);
    EXPECT_EQ(p.head.head_bytes, head_end);
  }
}

TEST(HttpHead, Refusals) {
  const auto status = [](const std::string& text, std::size_t max = kMax) {
    const auto p = parse_http_head(text, max);
    return p.status == HttpHeadStatus::kError ? p.error_status : p.status == HttpHeadStatus::kComplete ? 200 : 0;
  };
  EXPECT_EQ(status("GET /m HTTP/1.1\r\n\r\n"), 200);
  EXPECT_EQ(status("GET /m HTTP/1.0\r\n\r\n"), 200);
  EXPECT_EQ(status("GET /m HTTP/1.1\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\rX"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r"), 0);  // the LF may still come
  EXPECT_EQ(status("\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1 \r\n\r\n"), 400);
  EXPECT_EQ(status("GET  /m HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET m HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m\x7f HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/3.0\r\n\r\n"), 505);
  EXPECT_EQ(status("GET /m HTTP/1.10\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m http/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status("ABCDEFGHIJKLMNOPQ /m HTTP/1.1\r\n\r\n"), 400);  // a method over 16 characters
  EXPECT_EQ(status("G(T /m HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nA : b\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\n: b\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nA: b\x01\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nA: caf\xc3\xa9\r\n\r\n"), 200);  // obs-text is allowed
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: +1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: 1 1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length:\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: 0000000000000000001\r\n\r\n"), 413);  // 19 digits
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nAuthorization: a\r\nauthorization: a\r\n\r\n"), 400);
  // The limit: the head, and the head with its declared body.
  EXPECT_EQ(status("GET /m HTTP/1.1\r\n\r\n", 10), 413);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: 10\r\n\r\n", 48), 413);
  EXPECT_EQ(status("GET /m HTTP/1.1\r\nContent-Length: 10\r\n\r\n", 49), 200);
  // 64 fields pass; 65 are refused, before the head ends.
  std::string fields = "GET /m HTTP/1.1\r\n";
  for (int i = 0; i < 64; ++i) fields += "X: y\r\n";
  EXPECT_EQ(status(fields + "\r\n"), 200);
  EXPECT_EQ(status(fields + "X: y\r\n\r\n"), 400);
  EXPECT_EQ(status(fields + "X: y\r\n"), 400);
}

TEST(ControlRouter, ReadyAtIsTheEndOfTheBody) {
  keel::gateway::ControlCounters counters;
  keel::gateway::ControlHandlers h;
  int delivered = 0;
  h.deliver = [&](const keel::Event&) { return ++delivered > 0; };
  keel::gateway::ControlRouter router(keel::gateway::Secret{std::string("tok")}, kMax, h, counters);
  const std::string request =
      "POST /control HTTP/1.1\r\nAuthorization: Bearer tok\r\nContent-Length: 20\r\n\r\n{\"action\":\"flatten\"}";
  std::string response;
  std::size_t ready_at = 99;
  const std::size_t head_end = request.find("\r\n\r\n") + 4;
  EXPECT_EQ(router.on_bytes(request.substr(0, 10), response, &ready_at), keel::gateway::ControlRouter::Step::kNeedMore);
  EXPECT_EQ(ready_at, 0u);
  EXPECT_EQ(router.on_bytes(request.substr(0, head_end), response, &ready_at),
            keel::gateway::ControlRouter::Step::kNeedMore);
  EXPECT_EQ(ready_at, request.size());
  for (std::size_t n = head_end; n < request.size(); ++n) {
    EXPECT_EQ(router.on_bytes(request.substr(0, n), response), keel::gateway::ControlRouter::Step::kNeedMore);
  }
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(router.on_bytes(request, response, &ready_at), keel::gateway::ControlRouter::Step::kRespond);
  EXPECT_EQ(ready_at, 0u);
  EXPECT_EQ(delivered, 1);
  EXPECT_NE(response.find("{\"ok\":true,\"seq\":1}"), std::string::npos);
  EXPECT_EQ(router.next_seq(), 2u);
  EXPECT_EQ(counters.snapshot().requests, 1u);
}

}  // namespace
