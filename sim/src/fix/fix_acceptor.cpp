// FixAcceptor: QuickFIX sessions with a FileStore, one per configured account, behind keel's own
// epoll network thread (fix_connection.hpp). QuickFIX's SocketAcceptor is not used: it watches
// sockets with select(), which aborts the process once a descriptor reaches FD_SETSIZE (1024), and
// it queues output without bound.
#include "keel/sim/fix_acceptor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "fix_connection.hpp"
#include "tcp_listener.hpp"
#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/fix_mass_status.hpp"
#include "keel/protocol/fix/quickfix.hpp"

namespace keel::sim {
namespace {

using fix_net::FixConnection;
using fix_net::SessionSlot;
using fix_net::SessionTable;

constexpr const char* kBeginString = "FIX.4.4";
constexpr int kPasswordTag = 554;
constexpr int kMsgTypeTag = 35;
constexpr int kBeginSeqNoTag = 7;
constexpr int kEndSeqNoTag = 16;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kReadsPerWakeup = 4;  // fairness: one busy client cannot starve the others
constexpr int kAcceptsPerWakeup = 64;
constexpr auto kAcceptPause = std::chrono::milliseconds(100);  // out of descriptors: retry after this

FIX::SessionID session_id(const std::string& venue, const std::string& account) {
  return FIX::SessionID(kBeginString, venue, account);
}

FIX::SessionSettings make_settings(const FixAcceptorConfig& config) {
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "acceptor");
  defaults.setString("FileStorePath", config.store_dir);
  defaults.setString("UseDataDictionary", "N");
  defaults.setString("StartTime", "00:00:00");  // start == end: one session per UTC day
  defaults.setString("EndTime", "00:00:00");
  defaults.setString("TimestampPrecision", "6");
  defaults.setString("CheckLatency", "Y");
  defaults.setInt("MaxLatency", static_cast<int>(fix_net::kMaxLatencySeconds));
  FIX::SessionSettings settings;
  settings.set(defaults);
  for (const FixAccount& account : config.accounts) {
    settings.set(session_id(config.comp_id, account.comp_id), FIX::Dictionary());
  }
  return settings;
}

// The QuickFIX application: decoding; everything else goes to the FixOrderHandler. Logons reach it
// only after fix_net::check_logon has authenticated them; the password check here is a second line.
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

  void fromAdmin(const FIX::Message& msg, const FIX::SessionID& id) override {
    const std::string& type = msg.getHeader().getField(kMsgTypeTag);
    if (type == "A") {
      const FixAccount* account = find_account(id.getTargetCompID().getValue());
      if (account == nullptr) throw FIX::RejectLogon("Unknown CompID");
      if (account->password.empty()) return;
      if (!msg.isSetField(kPasswordTag) || msg.getField(kPasswordTag) != account->password) {
        throw FIX::RejectLogon("Wrong password");
      }
    } else if (type == "2") {
      // QuickFIX takes BeginSeqNo / EndSeqNo as they come (7=-1 was answered with 34=-1). A
      // ResendRequest asks for [BeginSeqNo ≥ 1, EndSeqNo] with EndSeqNo 0 = "to the end".
      const std::string begin = msg.isSetField(kBeginSeqNoTag) ? msg.getField(kBeginSeqNoTag) : "";
      const std::string end = msg.isSetField(kEndSeqNoTag) ? msg.getField(kEndSeqNoTag) : "";
      // BeginSeqNo must name a message already sent (QuickFIX would answer a range beyond it with a
      // SequenceReset whose MsgSeqNum is the client's number).
      FIX::Session* session = FIX::Session::lookupSession(id);
      const int next_sender = session != nullptr ? session->getExpectedSenderNum() : 2'147'483'647;
      if (!fix_net::is_plain_int_in(begin, 1, next_sender - 1)) throw FIX::IncorrectTagValue(kBeginSeqNoTag);
      if (!fix_net::is_plain_int_in(end, 0, 2'147'483'647)) throw FIX::IncorrectTagValue(kEndSeqNoTag);
      if (end != "0" && std::stoll(end) < std::stoll(begin)) throw FIX::IncorrectTagValue(kEndSeqNoTag);
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
    } else if (type == "AF") {
      deliver<FixMassStatusRequest>(msg, id, [&](const FixMassStatusRequest& v) {
        if (!handler_.on_mass_status_request(v)) unsupported(msg, id);
      });
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

  static void unsupported(const FIX::Message& msg, const FIX::SessionID& id) {
    answer(msg, id,
           {protocol::fix::DecodeError::Kind::kBusinessReject, 0,
            protocol::fix::kBusinessRejectUnsupportedMsgType, "Unsupported MsgType"});
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
  if (!net::is_numeric_address(config.bind_address)) {
    throw std::invalid_argument("FIX acceptor: bind address \"" + config.bind_address.substr(0, 64) +
                                "\" is not a numeric IPv4 or IPv6 address");
  }
  const FixAcceptorLimits& l = config.limits;
  if (l.max_connections == 0 || l.max_message_bytes == 0 || l.max_prelogon_bytes == 0 ||
      l.max_outbound_bytes == 0 || l.logon_timeout_s <= 0) {
    throw std::invalid_argument("FIX acceptor: every limit must be positive");
  }
  std::set<std::string> seen;
  for (const FixAccount& a : config.accounts) {
    if (a.comp_id.empty()) throw std::invalid_argument("FIX acceptor: account without comp_id");
    if (!seen.insert(a.comp_id).second) {
      throw std::invalid_argument("FIX acceptor: duplicate account comp_id " + a.comp_id);
    }
  }
}

std::int64_t monotonic_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct FixAcceptor::Impl {
  Impl(FixAcceptorConfig c, FixOrderHandler& handler) : config(std::move(c)), app(config, handler) {}
  ~Impl() { close_descriptors(); }

  FixAcceptorConfig config;
  Application app;

  // Guards the sessions' lifetime against senders on other threads: send_* and the lookups take
  // it shared; start and stop take it exclusively while they create or destroy the sessions.
  mutable std::shared_mutex lifetime;
  std::unique_ptr<FIX::SessionSettings> settings;
  std::unique_ptr<FIX::FileStoreFactory> store;
  std::unique_ptr<FIX::SessionFactory> factory;
  SessionTable table;
  std::unordered_map<std::string, std::size_t> slot_of;  // comp_id → table.slots index

  std::uint16_t port = 0;
  std::string bound_address;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;  // given up to accept (and refuse) a connection when descriptors run out
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::unordered_map<FixConnection*, std::unique_ptr<FixConnection>> connections;  // network thread
  fix_net::FixNetCounters counters;
  fix_net::FixLimits limits;
  std::uint64_t connection_serial = 0;  // accept order, for eviction
  bool accept_paused = false;  // out of descriptors: the listener is not watched until then
  std::chrono::steady_clock::time_point accept_paused_until;
  // Tags for the epoll data pointer of the two non-connection descriptors.
  char listen_tag = 0;
  char wake_tag = 0;

  void close_descriptors() {
    for (int* fd : {&listen_fd, &epoll_fd, &wake_fd, &spare_fd}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  FIX::Session* session(std::string_view comp_id) const {
    const auto it = slot_of.find(std::string(comp_id));
    return it == slot_of.end() ? nullptr : table.slots[it->second].session;
  }

  bool send(FIX::Message msg, std::string_view comp_id) {
    std::shared_lock lock(lifetime);
    FIX::Session* s = session(comp_id);
    if (s == nullptr) return false;
    try {
      return s->send(msg);
    } catch (const std::exception&) {
      return false;
    }
  }

  void create_sessions() {
    settings = std::make_unique<FIX::SessionSettings>(make_settings(config));
    store = std::make_unique<FIX::FileStoreFactory>(*settings);
    factory = std::make_unique<FIX::SessionFactory>(app, *store, nullptr);
    table.venue_comp_id = config.comp_id;
    table.slots.clear();
    table.slots.reserve(config.accounts.size());
    for (const FixAccount& account : config.accounts) {
      const FIX::SessionID id = session_id(config.comp_id, account.comp_id);
      SessionSlot slot;
      slot.comp_id = account.comp_id;
      slot.password = account.password;
      slot.session = factory->create(id, settings->get(id));
      table.slots.push_back(std::move(slot));
    }
    table.accounts.clear();
    for (std::size_t i = 0; i < table.slots.size(); ++i) {
      table.accounts.push_back({table.slots[i].comp_id, table.slots[i].password});
      slot_of[table.slots[i].comp_id] = i;
    }
  }

  void destroy_sessions() {
    for (SessionSlot& slot : table.slots) {
      if (slot.session != nullptr && factory) factory->destroy(slot.session);
      slot.session = nullptr;
    }
    table.slots.clear();
    table.accounts.clear();
    slot_of.clear();
    factory.reset();
    store.reset();
    settings.reset();
  }

  void open_listener() {
    const net::TcpListener listener = net::listen_tcp(config.bind_address, config.port, 128);
    if (listener.fd < 0) {
      const std::string why = std::strerror(errno);
      throw std::runtime_error("FIX acceptor: cannot bind " + config.bind_address + ":" +
                               std::to_string(config.port) + ": " + why);
    }
    listen_fd = listener.fd;
    port = listener.port;
    bound_address = listener.address;

    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error("FIX acceptor: epoll/eventfd failed");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
    ev.data.ptr = &wake_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  // ---- network thread ----

  // At the connection cap, a connection that has not logged on yet makes room for a new one (the
  // oldest goes): silent sockets cannot lock the accounts out by filling the cap. Logged-on
  // connections are never evicted. False when every connection is logged on.
  bool evict_oldest_before_logon() {
    FixConnection* oldest = nullptr;
    for (const auto& [key, c] : connections) {
      if (!c->logged_on() && (oldest == nullptr || c->serial() < oldest->serial())) oldest = key;
    }
    if (oldest == nullptr) return false;
    close_connection(oldest);
    counters.evicted_before_logon.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void accept_all() {
    // Bounded per wakeup: a connect flood must not keep the thread from the logged-on sessions.
    for (int accepted = 0; accepted < kAcceptsPerWakeup; ++accepted) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: the spare one is given up to take the connection off the backlog
          // and close it. Without that the listener stays readable and the loop spins.
          if (spare_fd >= 0) {
            ::close(spare_fd);
            fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) {
              ::close(fd);
              counters.refused_connections.fetch_add(1, std::memory_order_relaxed);
            }
            spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd >= 0 && spare_fd >= 0) continue;
          }
          // Another thread took the freed descriptor (or there is no spare): stop watching the
          // listener for a moment rather than spin; connections wait in the backlog meanwhile.
          pause_accepting();
        }
        return;  // EAGAIN, or an error the next readiness will retry
      }
      if (connections.size() >= config.limits.max_connections && !evict_oldest_before_logon()) {
        ::close(fd);
        counters.refused_connections.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto connection = std::make_unique<FixConnection>(fd, table, limits, counters,
                                                        fix_net::LoopHooks{epoll_fd, wake_fd}, monotonic_seconds(),
                                                        ++connection_serial);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = connection.get();
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        counters.refused_connections.fetch_add(1, std::memory_order_relaxed);
        continue;  // the connection's destructor closes fd
      }
      counters.accepted.fetch_add(1, std::memory_order_relaxed);
      FixConnection* key = connection.get();
      connections.emplace(key, std::move(connection));
    }
  }

  void set_listening(bool on) {
    epoll_event ev{};
    ev.events = on ? EPOLLIN : 0u;
    ev.data.ptr = &listen_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
  }
  void pause_accepting() {
    set_listening(false);
    accept_paused_until = std::chrono::steady_clock::now() + kAcceptPause;
    accept_paused = true;
  }
  void resume_accepting_when_due() {
    if (!accept_paused || std::chrono::steady_clock::now() < accept_paused_until) return;
    if (spare_fd < 0) spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    accept_paused = false;
    set_listening(true);
  }

  // Reads what the peer sent; false when the connection must close.
  bool read_from(FixConnection& c) {
    static thread_local std::string chunk(kReadChunk, '\0');
    for (int i = 0; i < kReadsPerWakeup; ++i) {
      const ssize_t n = ::recv(c.fd(), chunk.data(), chunk.size(), MSG_DONTWAIT);
      if (n > 0) {
        if (!c.on_input(std::string_view(chunk.data(), static_cast<std::size_t>(n)))) return false;
        if (static_cast<std::size_t>(n) < chunk.size()) return true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;  // peer closed or error
    }
    return true;
  }

  void close_connection(FixConnection* c) {
    c->close_session();
    c->flush();  // best effort: a Logout just sent goes out if the socket takes it
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd(), nullptr);
    connections.erase(c);
    counters.closed.fetch_add(1, std::memory_order_relaxed);
  }

  void close_requested() {
    std::vector<FixConnection*> doomed;
    for (const auto& [key, c] : connections) {
      if (c->close_requested()) doomed.push_back(key);
    }
    for (FixConnection* c : doomed) close_connection(c);
  }

  void run() {
    std::array<epoll_event, 64> events{};
    std::int64_t next_tick = monotonic_seconds() + 1;
    std::vector<FixConnection*> doomed;
    while (!stopping.load(std::memory_order_acquire)) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), accept_paused ? 20 : 250);
      doomed.clear();
      for (int i = 0; i < n; ++i) {
        void* tag = events[static_cast<std::size_t>(i)].data.ptr;
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        if (tag == &listen_tag) {
          accept_all();
        } else if (tag == &wake_tag) {
          std::uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_fd, &count, sizeof count);
        } else {
          auto* c = static_cast<FixConnection*>(tag);
          bool keep = true;
          if ((what & EPOLLOUT) != 0) keep = c->flush();
          if (keep && (what & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) keep = read_from(*c);
          if (!keep) doomed.push_back(c);
        }
      }
      // Closed after the batch: a later event of the same batch may still name the connection.
      for (FixConnection* c : doomed) {
        if (connections.count(c) != 0) close_connection(c);
      }
      close_requested();
      resume_accepting_when_due();
      const std::int64_t now = monotonic_seconds();
      if (now >= next_tick) {
        next_tick = now + 1;
        doomed.clear();
        for (const auto& [key, c] : connections) {
          if (!c->on_timer(now)) doomed.push_back(key);
        }
        for (FixConnection* c : doomed) close_connection(c);
        close_requested();
      }
    }
    // Stopping: a Logout to every logged-on session, without waiting for the answers.
    for (const auto& [key, c] : connections) {
      (void)key;
      if (!c->logged_on()) continue;
      for (SessionSlot& slot : table.slots) {
        if (slot.bound != c.get()) continue;
        try {
          slot.session->logout("venue stopping");
          slot.session->next(FIX::UtcTimeStamp());
        } catch (...) {
        }
      }
    }
    while (!connections.empty()) close_connection(connections.begin()->first);
  }
};

FixAcceptor::FixAcceptor(FixAcceptorConfig config, FixOrderHandler& handler) {
  validate(config);
  impl_ = std::make_unique<Impl>(std::move(config), handler);
  const FixAcceptorLimits& l = impl_->config.limits;
  impl_->limits = fix_net::FixLimits{l.max_message_bytes, l.max_prelogon_bytes, l.max_outbound_bytes,
                                     l.logon_timeout_s};
}

FixAcceptor::~FixAcceptor() {
  stop();
}

void FixAcceptor::start() {
  if (impl_->thread.joinable()) throw std::logic_error("FIX acceptor: already started");
  std::error_code ec;
  std::filesystem::create_directories(impl_->config.store_dir, ec);
  if (ec) throw std::runtime_error("FIX acceptor: cannot create store directory " + impl_->config.store_dir + ": " + ec.message());
  std::unique_lock lock(impl_->lifetime);
  try {
    impl_->open_listener();
    impl_->create_sessions();
  } catch (const FIX::Exception& e) {
    impl_->destroy_sessions();
    impl_->close_descriptors();
    throw std::runtime_error(std::string("FIX acceptor: ") + e.what());
  } catch (...) {
    impl_->destroy_sessions();
    impl_->close_descriptors();
    throw;
  }
  impl_->stopping.store(false, std::memory_order_release);
  impl_->thread = std::thread([this] { impl_->run(); });
}

void FixAcceptor::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping.store(true, std::memory_order_release);
  impl_->wake();
  impl_->thread.join();
  std::unique_lock lock(impl_->lifetime);
  impl_->destroy_sessions();
  impl_->close_descriptors();
  impl_->port = 0;
  impl_->bound_address.clear();
}

std::uint16_t FixAcceptor::port() const noexcept {
  return impl_->port;
}

std::string FixAcceptor::bound_address() const {
  return impl_->bound_address;
}

FixAcceptorStats FixAcceptor::stats() const noexcept {
  const fix_net::FixNetCounters& c = impl_->counters;
  const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  FixAcceptorStats s;
  s.accepted = get(c.accepted);
  s.refused_connections = get(c.refused_connections);
  s.logons = get(c.logons);
  s.logon_refusals = get(c.logon_refusals);
  s.logon_timeouts = get(c.logon_timeouts);
  s.prelogon_overflows = get(c.prelogon_overflows);
  s.garbage_bytes = get(c.garbage_bytes);
  s.garbled_messages = get(c.garbled_messages);
  s.outbound_overflows = get(c.outbound_overflows);
  s.session_errors = get(c.session_errors);
  s.evicted_before_logon = get(c.evicted_before_logon);
  s.open_connections = s.accepted - get(c.closed);
  return s;
}

bool FixAcceptor::send_execution_report(const FixExecReport& report) {
  return impl_->send(protocol::fix::encode(report), report.session.view());
}

bool FixAcceptor::send_cancel_reject(const FixCancelReject& reject) {
  return impl_->send(protocol::fix::encode(reject), reject.session.view());
}

std::optional<FixSeqNums> FixAcceptor::sequence_numbers(std::string_view comp_id) const {
  std::shared_lock lock(impl_->lifetime);
  FIX::Session* s = impl_->session(comp_id);
  if (s == nullptr) return std::nullopt;
  return FixSeqNums{s->getExpectedSenderNum(), s->getExpectedTargetNum()};
}

bool FixAcceptor::is_logged_on(std::string_view comp_id) const {
  std::shared_lock lock(impl_->lifetime);
  FIX::Session* s = impl_->session(comp_id);
  return s != nullptr && s->isLoggedOn();
}

}  // namespace keel::sim
