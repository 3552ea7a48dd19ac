// FixAcceptor: QuickFIX's SocketAcceptor with a FileStore, one session per configured account.
#include "keel/sim/fix_acceptor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <utility>

#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/quickfix.hpp"

namespace keel::sim {
namespace {

constexpr const char* kBeginString = "FIX.4.4";
constexpr int kPasswordTag = 554;
constexpr int kMsgTypeTag = 35;

// Asks the kernel for a free loopback port. QuickFIX 1.15.1 cannot report the port it bound, so the
// port is chosen here and handed to it; start() retries when another process takes it in between.
std::uint16_t pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("FIX acceptor: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("FIX acceptor: no free port");
  return ntohs(addr.sin_port);
}

FIX::SessionID session_id(const std::string& venue, const std::string& account) {
  return FIX::SessionID(kBeginString, venue, account);
}

FIX::SessionSettings make_settings(const FixAcceptorConfig& config, std::uint16_t port) {
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "acceptor");
  defaults.setInt("SocketAcceptPort", port);
  defaults.setString("SocketNodelay", "Y");
  defaults.setString("SocketReuseAddress", "Y");
  defaults.setString("FileStorePath", config.store_dir);
  defaults.setString("UseDataDictionary", "N");
  defaults.setString("StartTime", "00:00:00");  // start == end: one session per UTC day
  defaults.setString("EndTime", "00:00:00");
  defaults.setString("TimestampPrecision", "6");
  FIX::SessionSettings settings;
  settings.set(defaults);
  for (const FixAccount& account : config.accounts) {
    settings.set(session_id(config.comp_id, account.comp_id), FIX::Dictionary());
  }
  return settings;
}

// The QuickFIX application: Logon checks and decoding; everything else goes to the FixOrderHandler.
class Application final : public FIX::Application {
 public:
  Application(const FixAcceptorConfig& config, FixOrderHandler& handler)
      : config_(config), handler_(handler) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    handler_.on_logon(id.getTargetCompID().getValue());
  }
  void onLogout(const FIX::SessionID& id) override {
    handler_.on_logout(id.getTargetCompID().getValue());
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}

  // Unknown CompIDs never get here (QuickFIX finds no session and drops the connection); a Logon
  // with a wrong or missing password is answered with Logout and disconnected.
  void fromAdmin(const FIX::Message& msg, const FIX::SessionID& id) override {
    if (msg.getHeader().getField(kMsgTypeTag) != "A") return;
    const FixAccount* account = find_account(id.getTargetCompID().getValue());
    if (account == nullptr) throw FIX::RejectLogon("Unknown CompID");
    if (account->password.empty()) return;
    if (!msg.isSetField(kPasswordTag) || msg.getField(kPasswordTag) != account->password) {
      throw FIX::RejectLogon("Wrong password");
    }
  }

  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    const std::string& type = msg.getHeader().getField(kMsgTypeTag);
    if (type == "D") {
      deliver<FixNewOrder>(msg, id, [this](const FixNewOrder& v) { handler_.on_new_order(v); });
    } else if (type == "F") {
      deliver<FixCancel>(msg, id, [this](const FixCancel& v) { handler_.on_cancel(v); });
    } else if (type == "G") {
      deliver<FixReplace>(msg, id, [this](const FixReplace& v) { handler_.on_replace(v); });
    } else if (type == "H") {
      deliver<FixStatusRequest>(
          msg, id, [this](const FixStatusRequest& v) { handler_.on_status_request(v); });
    } else {
      answer(msg, id,
             {protocol::fix::DecodeError::Kind::kBusinessReject, 0,
              protocol::fix::kBusinessRejectUnsupportedMsgType, "Unsupported MsgType"});
    }
  }

 private:
  const FixAccount* find_account(const std::string& comp_id) const {
    for (const FixAccount& a : config_.accounts) {
      if (a.comp_id == comp_id) return &a;
    }
    return nullptr;
  }

  template <class T, class F>
  void deliver(const FIX::Message& msg, const FIX::SessionID& id, F&& to_handler) {
    T value;
    const protocol::fix::DecodeError error =
        protocol::fix::decode(msg, id.getTargetCompID().getValue(), value);
    if (error) {
      answer(msg, id, error);
      return;
    }
    to_handler(value);
  }

  static void answer(const FIX::Message& msg, const FIX::SessionID& id,
                     const protocol::fix::DecodeError& error) {
    FIX::Message reject = protocol::fix::make_reject(msg, error);
    FIX::Session::sendToTarget(reject, id);
  }

  const FixAcceptorConfig& config_;
  FixOrderHandler& handler_;
};

void validate(const FixAcceptorConfig& config) {
  if (config.comp_id.empty()) throw std::invalid_argument("FIX acceptor: empty venue comp_id");
  if (config.store_dir.empty()) throw std::invalid_argument("FIX acceptor: empty store_dir");
  std::set<std::string> seen;
  for (const FixAccount& a : config.accounts) {
    if (a.comp_id.empty()) throw std::invalid_argument("FIX acceptor: account without comp_id");
    if (!seen.insert(a.comp_id).second) {
      throw std::invalid_argument("FIX acceptor: duplicate account comp_id " + a.comp_id);
    }
  }
}

}  // namespace

struct FixAcceptor::Impl {
  Impl(FixAcceptorConfig c, FixOrderHandler& handler)
      : config(std::move(c)), app(config, handler) {}

  FixAcceptorConfig config;
  Application app;
  std::uint16_t port = 0;
  std::unique_ptr<FIX::SessionSettings> settings;
  std::unique_ptr<FIX::FileStoreFactory> store;
  std::unique_ptr<FIX::SocketAcceptor> acceptor;

  // The account's session while started; nullptr otherwise.
  FIX::Session* session(std::string_view comp_id) const {
    if (!acceptor) return nullptr;
    return FIX::Session::lookupSession(session_id(config.comp_id, std::string(comp_id)));
  }

  bool send(FIX::Message msg, std::string_view comp_id) const {
    if (session(comp_id) == nullptr) return false;
    try {
      return FIX::Session::sendToTarget(msg, session_id(config.comp_id, std::string(comp_id)));
    } catch (const FIX::SessionNotFound&) {
      return false;
    }
  }

  // One attempt at binding `p`; false when the port is taken.
  bool try_start(std::uint16_t p) {
    settings = std::make_unique<FIX::SessionSettings>(make_settings(config, p));
    store = std::make_unique<FIX::FileStoreFactory>(*settings);
    acceptor = std::make_unique<FIX::SocketAcceptor>(app, *store, *settings);
    try {
      acceptor->start();
    } catch (const FIX::RuntimeError&) {
      acceptor.reset();
      return false;
    }
    port = p;
    return true;
  }
};

FixAcceptor::FixAcceptor(FixAcceptorConfig config, FixOrderHandler& handler) {
  validate(config);
  impl_ = std::make_unique<Impl>(std::move(config), handler);
}

FixAcceptor::~FixAcceptor() {
  stop();
}

void FixAcceptor::start() {
  if (impl_->acceptor) throw std::logic_error("FIX acceptor: already started");
  std::filesystem::create_directories(impl_->config.store_dir);
  try {
    const bool pick = impl_->config.port == 0;
    constexpr int kAttempts = 5;
    for (int i = 0; i < (pick ? kAttempts : 1); ++i) {
      if (impl_->try_start(pick ? pick_free_port() : impl_->config.port)) return;
    }
  } catch (const FIX::Exception& e) {
    impl_->acceptor.reset();
    throw std::runtime_error(std::string("FIX acceptor: ") + e.what());
  }
  throw std::runtime_error("FIX acceptor: cannot bind port " + std::to_string(impl_->config.port));
}

void FixAcceptor::stop() {
  if (!impl_ || !impl_->acceptor) return;
  impl_->acceptor->stop();
  impl_->acceptor.reset();
  impl_->store.reset();
  impl_->settings.reset();
  impl_->port = 0;
}

std::uint16_t FixAcceptor::port() const noexcept {
  return impl_->port;
}

bool FixAcceptor::send_execution_report(const FixExecReport& report) {
  return impl_->send(protocol::fix::encode(report), report.session.view());
}

bool FixAcceptor::send_cancel_reject(const FixCancelReject& reject) {
  return impl_->send(protocol::fix::encode(reject), reject.session.view());
}

std::optional<FixSeqNums> FixAcceptor::sequence_numbers(std::string_view comp_id) const {
  FIX::Session* s = impl_->session(comp_id);
  if (s == nullptr) return std::nullopt;
  return FixSeqNums{s->getExpectedSenderNum(), s->getExpectedTargetNum()};
}

bool FixAcceptor::is_logged_on(std::string_view comp_id) const {
  FIX::Session* s = impl_->session(comp_id);
  return s != nullptr && s->isLoggedOn();
}

}  // namespace keel::sim
