// MarketDataServer on loopback, driven by a minimal blocking WebSocket / HTTP client written here
// over a plain socket (RFC 6455 handshake, masked client frames, unmasked server frames).
#include "keel/sim/market_data_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "raw_http_client.hpp"
#include "../support/tls_cert.hpp"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace keel::sim {
namespace {

using test::HttpReply;
using test::Reader;
using test::Socket;
using test::WsFrame;
using test::http_get;

class WsClient {
 public:
  // Opens `path` ("/ws/btcusdt@trade"); ok() tells whether the server answered 101.
  WsClient(std::uint16_t port, const std::string& path, int timeout_ms = 5000, SSL_CTX* tls = nullptr)
      : socket_(port, timeout_ms, tls), reader_(socket_) {
    if (!socket_.connected()) return;
    const std::string request = "GET " + path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";
    if (!socket_.send_all(request)) return;
    const auto head = reader_.until_blank_line();
    ok_ = head && head->starts_with("HTTP/1.1 101");
  }
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }

  bool send_text(std::string_view text) { return send_frame(0x1, text); }
  bool send_pong(std::string_view payload) { return send_frame(0xA, payload); }

  // The next frame of any kind.
  WsFrame next_frame() {
    WsFrame f;
    if (!reader_.fill(2)) return f;
    const auto b0 = static_cast<unsigned char>(reader_.buffered()[0]);
    const auto b1 = static_cast<unsigned char>(reader_.buffered()[1]);
    std::size_t header = 2;
    std::uint64_t len = b1 & 0x7fU;
    if (len == 126) {
      if (!reader_.fill(4)) return f;
      header = 4;
      len = (std::uint64_t{static_cast<unsigned char>(reader_.buffered()[2])} << 8U) |
            static_cast<unsigned char>(reader_.buffered()[3]);
    } else if (len == 127) {
      if (!reader_.fill(10)) return f;
      header = 10;
      len = 0;
      for (std::size_t i = 2; i < 10; ++i) {
        len = (len << 8U) | static_cast<unsigned char>(reader_.buffered()[i]);
      }
    }
    if (!reader_.fill(header + len)) return f;
    reader_.take(header);
    f.opcode = static_cast<int>(b0 & 0x0fU);
    f.payload = reader_.take(static_cast<std::size_t>(len));
    return f;
  }

  // The next text message; answers pings on the way. Empty optional on timeout / close.
  std::optional<std::string> next_text() {
    for (;;) {
      WsFrame f = next_frame();
      if (f.opcode == 0x1) return f.payload;
      if (f.opcode == 0x9) {
        send_frame(0xA, f.payload);
        continue;
      }
      return std::nullopt;
    }
  }

 private:
  bool send_frame(unsigned opcode, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80U | opcode));
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (payload.size() < 126) {
      frame.push_back(static_cast<char>(0x80U | payload.size()));
    } else {
      frame.push_back(static_cast<char>(0x80U | 126U));
      frame.push_back(static_cast<char>((payload.size() >> 8U) & 0xffU));
      frame.push_back(static_cast<char>(payload.size() & 0xffU));
    }
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i % 4]));
    }
    return socket_.send_all(frame);
  }

  Socket socket_;
  Reader reader_;
  bool ok_ = false;
};

class FakeProvider final : public DepthSnapshotProvider {
 public:
  bool depth_snapshot(std::string_view symbol, std::uint32_t limit, std::string& out) override {
    if (symbol != "BTCUSDT") return false;
    last_limit = limit;
    out.append(R"({"lastUpdateId":42,"bids":[["100.00000000","1.00000000"]],"asks":[["101.00000000","2.00000000"]]})");
    return true;
  }
  std::uint32_t last_limit = 0;
};

constexpr std::string_view kTrade = R"({"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"100.00","q":"1.0"})";
constexpr std::string_view kTicker = R"({"u":9,"s":"BTCUSDT","b":"100.00","B":"1","a":"101.00","A":"2"})";

class MarketDataServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(MarketDataServerConfig config) {
    server_.reset();
    server_ = std::make_unique<MarketDataServer>(std::move(config), provider_);
    ASSERT_EQ(server_->start(), Errc::kOk);
    ASSERT_NE(server_->port(), 0);
  }
  FakeProvider provider_;
  std::unique_ptr<MarketDataServer> server_;
};

TEST_F(MarketDataServerTest, RawAndCombinedConnectionsGetTheirFormat) {
  WsClient raw(server_->port(), "/ws/btcusdt@trade");
  WsClient combined(server_->port(), "/stream?streams=btcusdt@trade/btcusdt@bookTicker");
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(combined.ok());

  ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
  ASSERT_TRUE(server_->publish("btcusdt@bookTicker", kTicker));
  ASSERT_TRUE(server_->publish("ethusdt@trade", kTrade));  // nobody subscribed

  EXPECT_EQ(raw.next_text(), std::string(kTrade));
  EXPECT_EQ(combined.next_text(), R"({"stream":"btcusdt@trade","data":)" + std::string(kTrade) + "}");
  EXPECT_EQ(combined.next_text(),
            R"({"stream":"btcusdt@bookTicker","data":)" + std::string(kTicker) + "}");
  EXPECT_EQ(server_->stats().connections, 2U);
}

TEST_F(MarketDataServerTest, BadPathsAreRefused) {
  EXPECT_FALSE(WsClient(server_->port(), "/ws/BTCUSDT@trade").ok());
  EXPECT_FALSE(WsClient(server_->port(), "/stream?streams=btcusdt@trade/nonsense").ok());
  EXPECT_FALSE(WsClient(server_->port(), "/elsewhere").ok());
  WsClient good(server_->port(), "/ws/btcusdt@trade/ethusdt@aggTrade");
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(server_->publish("ethusdt@aggTrade", kTrade));
  EXPECT_EQ(good.next_text(), std::string(kTrade));
}

TEST_F(MarketDataServerTest, SubscribeListUnsubscribe) {
  WsClient c(server_->port(), "/ws");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send_text(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth@100ms"],"id":1})"));
  EXPECT_EQ(c.next_text(), R"({"result":null,"id":1})");
  ASSERT_TRUE(c.send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":2})"));
  EXPECT_EQ(c.next_text(), R"({"result":["btcusdt@trade","btcusdt@depth@100ms"],"id":2})");

  ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
  EXPECT_EQ(c.next_text(), std::string(kTrade));

  ASSERT_TRUE(c.send_text(R"({"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":3})"));
  EXPECT_EQ(c.next_text(), R"({"result":null,"id":3})");
  ASSERT_TRUE(c.send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":4})"));
  EXPECT_EQ(c.next_text(), R"({"result":["btcusdt@depth@100ms"],"id":4})");

  // No longer subscribed to trades: only the depth message arrives.
  ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
  ASSERT_TRUE(server_->publish("btcusdt@depth@100ms", kTicker));
  EXPECT_EQ(c.next_text(), std::string(kTicker));
}

TEST_F(MarketDataServerTest, MalformedControlGetsErrorAndConnectionStays) {
  WsClient c(server_->port(), "/stream?streams=btcusdt@trade");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send_text("{not json"));
  const auto reply = c.next_text();
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->starts_with(R"({"error":{"code":)")) << *reply;
  ASSERT_TRUE(c.send_text(R"({"method":"SUBSCRIBE","params":["BTCUSDT@nonsense"],"id":5})"));
  const auto reply2 = c.next_text();
  ASSERT_TRUE(reply2.has_value());
  EXPECT_TRUE(reply2->starts_with(R"({"error":{"code":)")) << *reply2;

  ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
  EXPECT_EQ(c.next_text(), R"({"stream":"btcusdt@trade","data":)" + std::string(kTrade) + "}");
}

TEST_F(MarketDataServerTest, RestDepthSnapshot) {
  const HttpReply ok = http_get(server_->port(), "/api/v3/depth?symbol=BTCUSDT&limit=5");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"lastUpdateId":42,"bids":[["100.00000000","1.00000000"]],"asks":[["101.00000000","2.00000000"]]})");
  EXPECT_EQ(provider_.last_limit, 5U);

  const HttpReply unknown = http_get(server_->port(), "/api/v3/depth?symbol=NOPE&limit=5");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body, R"({"code":-1121,"msg":"Invalid symbol."})");

  const HttpReply missing = http_get(server_->port(), "/api/v3/depth");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(missing.body.starts_with(R"({"code":-1102,)")) << missing.body;

  EXPECT_EQ(http_get(server_->port(), "/fapi/v1/depth?symbol=BTCUSDT").status, 404);
  EXPECT_EQ(http_get(server_->port(), "/nothing").status, 404);
}

TEST_F(MarketDataServerTest, FuturesServesFapiDepth) {
  MarketDataServerConfig config;
  config.market = protocol::binance::Market::kFutures;
  start(config);
  const HttpReply ok = http_get(server_->port(), "/fapi/v1/depth?symbol=BTCUSDT");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(provider_.last_limit, 100U);  // Binance's default
  EXPECT_EQ(http_get(server_->port(), "/api/v3/depth?symbol=BTCUSDT").status, 404);
}

TEST_F(MarketDataServerTest, TenThousandMessagesInOrder) {
  WsClient raw(server_->port(), "/ws/btcusdt@trade", 20000);
  WsClient combined(server_->port(), "/stream?streams=btcusdt@trade", 20000);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(combined.ok());
  constexpr int kCount = 10'000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) {
      const std::string payload = R"({"t":)" + std::to_string(i) + "}";
      while (!server_->publish("btcusdt@trade", payload)) std::this_thread::yield();
    }
  });
  // Read both connections concurrently so neither socket buffer fills.
  int raw_ok = 0;
  std::thread raw_reader([&] {
    for (int i = 0; i < kCount; ++i) {
      if (raw.next_text() != R"({"t":)" + std::to_string(i) + "}") break;
      ++raw_ok;
    }
  });
  int combined_ok = 0;
  for (int i = 0; i < kCount; ++i) {
    if (combined.next_text() != R"({"stream":"btcusdt@trade","data":{"t":)" + std::to_string(i) + "}}") break;
    ++combined_ok;
  }
  producer.join();
  raw_reader.join();
  EXPECT_EQ(raw_ok, kCount);
  EXPECT_EQ(combined_ok, kCount);
  EXPECT_EQ(server_->stats().slow_disconnects, 0U);
}

TEST_F(MarketDataServerTest, FrameLengthsAtTheHeaderBoundaries) {
  // The 7-bit, 16-bit and 64-bit payload-length encodings of RFC 6455, on both formats.
  WsClient raw(server_->port(), "/ws/btcusdt@trade", 20000);
  WsClient combined(server_->port(), "/stream?streams=btcusdt@trade", 20000);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(combined.ok());
  const std::string wrap_before = R"({"stream":"btcusdt@trade","data":)";
  std::vector<std::string> payloads;
  for (const std::size_t n : {2, 125, 126, 127, 65'535, 65'536, 70'000, 2}) {
    payloads.push_back("\"" + std::string(n - 2, static_cast<char>('a' + payloads.size())) + "\"");
  }
  for (const std::string& p : payloads) ASSERT_TRUE(server_->publish("btcusdt@trade", p));
  for (const std::string& p : payloads) {
    EXPECT_EQ(raw.next_text(), p);
    EXPECT_EQ(combined.next_text(), wrap_before + p + "}");
  }
}

TEST_F(MarketDataServerTest, SlowClientIsDisconnected) {
  MarketDataServerConfig config;
  config.connection_queue_capacity = 4;
  start(config);
  WsClient c(server_->port(), "/ws/btcusdt@trade");
  ASSERT_TRUE(c.ok());
  // Far more than the socket buffers and the 4-frame queue can hold while the client reads nothing.
  const std::string big(16 * 1024, 'x');
  const std::string payload = "\"" + big + "\"";
  for (int i = 0; i < 2000; ++i) {
    while (!server_->publish("btcusdt@trade", payload)) std::this_thread::yield();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server_->stats().slow_disconnects == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->stats().slow_disconnects, 1U);
}

TEST_F(MarketDataServerTest, PingsAndPongTimeout) {
  MarketDataServerConfig config;
  config.ping_interval_ms = 50;
  config.pong_timeout_ms = 300;
  start(config);
  WsClient c(server_->port(), "/ws/btcusdt@trade");
  ASSERT_TRUE(c.ok());
  const WsFrame ping = c.next_frame();
  EXPECT_EQ(ping.opcode, 0x9);  // a ping, not answered
  EXPECT_FALSE(ping.payload.empty());  // so that the echoed pong reaches the server
  // Without pongs the server closes the connection.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->stats().pong_timeouts == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->stats().pong_timeouts, 1U);
}

TEST_F(MarketDataServerTest, TlsServesWssAndHttps) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("keel_mds_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  MarketDataServerConfig config;
  ASSERT_TRUE(test::write_self_signed_cert(dir, config.tls_cert_path, config.tls_key_path));
  start(config);
  EXPECT_TRUE(server_->tls());

  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(tls, nullptr);
  {
    const HttpReply ok = http_get(server_->port(), "/api/v3/depth?symbol=BTCUSDT&limit=10", tls);
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(provider_.last_limit, 10U);
    WsClient c(server_->port(), "/stream?streams=btcusdt@trade", 5000, tls);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
    EXPECT_EQ(c.next_text(), R"({"stream":"btcusdt@trade","data":)" + std::string(kTrade) + "}");
    // A plain client gets no WebSocket on the TLS port.
    EXPECT_FALSE(WsClient(server_->port(), "/ws/btcusdt@trade", 2000).ok());
  }
  SSL_CTX_free(tls);
  server_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(MarketDataServerTest, AnsweredPingsKeepTheConnection) {
  MarketDataServerConfig config;
  config.ping_interval_ms = 50;
  config.pong_timeout_ms = 300;
  start(config);
  WsClient c(server_->port(), "/ws/btcusdt@trade");
  ASSERT_TRUE(c.ok());
  // Answer pings for well over the pong timeout, then check the connection still delivers.
  int pings = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  while (std::chrono::steady_clock::now() < until) {
    const WsFrame f = c.next_frame();
    ASSERT_EQ(f.opcode, 0x9);
    ++pings;
    ASSERT_TRUE(c.send_pong(f.payload));
  }
  EXPECT_GE(pings, 5);
  ASSERT_TRUE(server_->publish("btcusdt@trade", kTrade));
  EXPECT_EQ(c.next_text(), std::string(kTrade));
  EXPECT_EQ(server_->stats().pong_timeouts, 0U);
}

TEST_F(MarketDataServerTest, PublishAfterStopIsRefused) {
  server_->stop();
  server_->stop();  // idempotent
  EXPECT_FALSE(server_->publish("btcusdt@trade", kTrade));
  EXPECT_EQ(server_->stats().publish_refused, 1U);
  EXPECT_EQ(server_->stats().published, 0U);
}

TEST_F(MarketDataServerTest, StartRejectsHalfTlsConfig) {
  MarketDataServerConfig config;
  config.tls_cert_path = "/nonexistent.pem";
  MarketDataServer server(config, provider_);
  EXPECT_EQ(server.start(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace keel::sim
