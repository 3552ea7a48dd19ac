// The FIX order gateway over TLS (live.fix_ssl): QuickFIX's own SSL acceptor plays the venue with a
// self-signed certificate; the gateway, given that certificate as its CA file, logs on over TLS and
// the core hears of the session. keel's simulator has no TLS on its FIX port, hence this venue.
// (QuickFIX 1.15.1's initiator does not verify the venue's certificate — it logs on without the CA
// file too — so this shows encryption, not authentication: docs/SECURITY.md.)
#define KEEL_QUICKFIX_SSL 1
#include "keel/protocol/fix/quickfix.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "keel/gateway/fix/fix_order_gateway.hpp"
#include "../support/tls_cert.hpp"

using namespace keel;
using namespace keel::gateway;
using namespace std::chrono_literals;

// LeakSanitizer (asan builds): QuickFIX 1.15.1's SSL set-up leaks what it reads once per start —
// the CA list in loadCAInfo (initiator and acceptor) and the certificate and key in loadSSLCert
// (acceptor) — a few KB at start-up inside the library, never on a path that repeats.
// The allocations happen in libcrypto, which has no frame pointers: the slow unwinder is needed for
// the QuickFIX frames to be on the recorded stacks the suppressions match.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:FIX::loadCAInfo\nleak:FIX::loadSSLCert\n";
}
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0:malloc_context_size=64"; }

namespace {

class VenueApp final : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logons.fetch_add(1); }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message&, const FIX::SessionID&) override {}
  std::atomic<int> logons{0};
};

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST(FixTls, TheGatewayLogsOnOverTlsWithTheVenuesCertificate) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("keel_fix_tls_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cert, key;
  ASSERT_TRUE(test::write_self_signed_cert(dir, cert, key, /*rsa=*/true));
  const std::uint16_t port = free_port();

  FIX::Dictionary d;
  d.setString("ConnectionType", "acceptor");
  d.setInt("SocketAcceptPort", port);
  d.setString("FileStorePath", (dir / "venue").string());
  d.setString("UseDataDictionary", "N");
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("ServerCertificateFile", cert);
  d.setString("ServerCertificateKeyFile", key);
  d.setString("SSLProtocol", "all -SSLv2 -SSLv3 -TLSv1 -TLSv1_1");
  FIX::SessionSettings settings;
  settings.set(d);
  settings.set(FIX::SessionID("FIX.4.4", "KEELSIM", "KEEL"), d);
  VenueApp app;
  FIX::FileStoreFactory store(settings);
  FIX::SSLSocketAcceptor acceptor(app, store, settings);
  acceptor.start();

  SpscRing<OrderCommand> commands{8};
  SpscRing<Event> session_events{64}, router_events{4096};
  Doorbell bell;
  FixSessionSettings s;
  s.port = port;
  s.sender_comp_id = "KEEL";
  s.target_comp_id = "KEELSIM";
  s.store_dir = (dir / "keel").string();
  s.ssl = true;
  s.ca_file = cert;
  s.reset_seq_num = true;
  FixOrderGateway gateway(s, {"BTCUSDT"}, ClOrdIdCodec(1), commands, bell, session_events, router_events, nullptr);
  gateway.set_log([](std::string_view) {});
  gateway.start();
  bool logged_on = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!logged_on && std::chrono::steady_clock::now() < deadline) {
    Event e;
    while (session_events.try_pop(e))
      if (e.header.kind == EventKind::kControl && e.control.value == static_cast<std::int64_t>(VenueSessionState::kLoggedOn))
        logged_on = true;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(logged_on) << "no logon over TLS";
  EXPECT_EQ(app.logons.load(), 1);
  gateway.stop();
  acceptor.stop(true);
  std::filesystem::remove_all(dir);
}
