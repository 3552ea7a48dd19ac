// Fuzzes the FIX port's input path with raw bytes: a real FixAcceptor (keel's framer, Logon gate and
// connection over QuickFIX sessions with a file store) on loopback, one TCP connection per input.
//
// The first byte picks how the rest is sent:
//   0  as is, from the first byte (framing, garbage, the Logon gate);
//   1  after a valid Logon for BOB (141=Y): the bytes reach a logged-on session raw;
//   2  after a valid Logon: the bytes are split at "|" into message bodies, each wrapped in a correct
//      "8=FIX.4.4 9=<length> … 10=<checksum>" frame, so they pass the framer and exercise QuickFIX's
//      session layer, the acceptor's application checks and the order decoders; "52=NOW" in a body
//      becomes the current SendingTime (QuickFIX refuses a stale one).
// After writing, the harness half-closes the connection and waits for the venue to close its end,
// which happens only once every byte has been handled — so a crash belongs to this input — and
// aborts if that takes more than 10 s (a stall).
//
// Invariants (trap on violation): no crash, no sanitizer report, no uncaught exception, no stall;
// the venue still accepts a fresh Logon afterwards (checked every 256 inputs).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/sim/fix_acceptor.hpp"
#include "raw_fix_client.hpp"

namespace {

using namespace keel::sim;

using keel::test::fix_frame;

std::string utc_now() { return keel::test::fix_utc_now(); }

std::string logon() {
  return fix_frame("35=A\x01" "49=BOB\x01" "56=KEELSIM\x01" "34=1\x01" "52=" + utc_now() +
               "\x01" "98=0\x01" "108=30\x01" "141=Y\x01");
}

// Answers orders with a report and cancels with a cancel reject, like the venue, so the outbound
// path runs too.
class Handler final : public FixOrderHandler {
 public:
  FixAcceptor* acceptor = nullptr;
  void on_new_order(const FixNewOrder& o) override {
    FixExecReport r;
    r.session = o.session;
    (void)r.order_id.assign("O1");
    (void)r.exec_id.assign("E1");
    r.cl_ord_id = o.cl_ord_id;
    r.symbol = o.symbol;
    r.side = o.side;
    r.exec_type = keel::ExecType::kNew;
    r.ord_status = keel::OrderStatus::kNew;
    r.leaves_qty = o.qty;
    acceptor->send_execution_report(r);
  }
  void on_cancel(const FixCancel& c) override {
    FixCancelReject r;
    r.session = c.session;
    r.cl_ord_id = c.cl_ord_id;
    r.orig_cl_ord_id = c.orig_cl_ord_id;
    r.ord_status = keel::OrderStatus::kRejected;
    r.response_to = keel::OrderAction::kCancel;
    r.reason = keel::RejectReason::kUnknownOrder;
    acceptor->send_cancel_reject(r);
  }
  void on_replace(const FixReplace&) override {}
  void on_status_request(const FixStatusRequest&) override {}
};

struct Venue {
  Venue() {
    dir = std::filesystem::temp_directory_path() / ("keel_fuzz_fix_input_" + std::to_string(::getpid()));
    FixAcceptorConfig config;
    config.comp_id = "KEELSIM";
    config.accounts = {{"ALICE", "secret"}, {"BOB", ""}};
    config.store_dir = dir.string();
    acceptor = std::make_unique<FixAcceptor>(config, handler);
    handler.acceptor = acceptor.get();
    acceptor->start();
  }
  ~Venue() {
    acceptor.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  Handler handler;
  std::unique_ptr<FixAcceptor> acceptor;
};

Venue& venue() {
  static Venue v;
  return v;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  KEEL_FUZZ_CHECK(fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// Writes everything (the venue may close early: then the rest is dropped), half-closes, and reads
// until the venue closes; traps after 10 s. Returns what the venue sent.
std::string exchange(std::string_view bytes) {
  const int fd = connect_to(venue().acceptor->port());
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[65536];
  bool writing = true;
  for (;;) {
    KEEL_FUZZ_CHECK(std::chrono::steady_clock::now() < deadline);  // a stall
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (writing && (p.revents & POLLOUT) != 0) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) bytes.remove_prefix(static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN && errno != EINTR) bytes = {};
      if (bytes.empty()) {
        ::shutdown(fd, SHUT_WR);
        writing = false;
      }
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        break;
      }
    }
  }
  ::close(fd);
  return received;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::uint64_t runs = 0;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string bytes;
  switch (data[0] % 3) {
    case 0:
      bytes.assign(input);
      break;
    case 1:
      bytes = logon();
      bytes.append(input);
      break;
    default: {
      bytes = logon();
      std::size_t pos = 0;
      while (pos <= input.size()) {
        const std::size_t bar = input.find('|', pos);
        std::string body(input.substr(pos, bar == std::string_view::npos ? input.npos : bar - pos));
        for (std::size_t at; (at = body.find("52=NOW")) != std::string::npos;) body.replace(at + 3, 3, utc_now());
        bytes += fix_frame(body);
        if (bar == std::string_view::npos) break;
        pos = bar + 1;
      }
    }
  }
  exchange(bytes);
  if (++runs % 256 == 0) {
    // The venue still serves: a fresh Logon is answered with a Logon.
    const std::string answer = exchange(logon());
    KEEL_FUZZ_CHECK(answer.find("\x01" "35=A\x01") != std::string::npos);
  }
  return 0;
}
