// The one translation unit that names QuickFIX's SSL initiator (quickfix.hpp).
#define KEEL_QUICKFIX_SSL 1
#include "keel/gateway/wall_clock.hpp"
#include "keel/protocol/fix/quickfix.hpp"

#include "keel/gateway/fix/fix_order_gateway.hpp"

#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "fix/redaction.hpp"
#include "keel/gateway/thread_affinity.hpp"
#include "keel/protocol/fix/fix_codec.hpp"
#include "keel/protocol/fix/fix_mass_status.hpp"
#include "keel/protocol/fix/fix_mapping.hpp"

namespace keel::gateway {
namespace {

namespace pf = keel::protocol::fix;

constexpr int kPossDupFlag = 43;
constexpr int kMsgSeqNum = 34;
constexpr int kUsername = 553;
constexpr int kPassword = 554;

bool valid_comp_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 32) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The requests the router sent, by MsgSeqNum, so a Reject (3) / BusinessMessageReject (j) can be
// answered to the core as a reject of the request it names. A fixed ring: the last kCapacity
// requests (a reject of an older one is counted as unmatched). Written by the router thread, read
// by the session thread: one mutex, held for a copy.
class SentRequests {
 public:
  static constexpr std::size_t kCapacity = 8192;
  SentRequests() : entries_(kCapacity) {}
  void add(std::int64_t seq_num, const OrderCommand& command) {
    std::lock_guard lock(mutex_);
    entries_[static_cast<std::size_t>(seq_num) % kCapacity] = {seq_num, command};
  }
  // The command sent under seq_num; false when it is not (or no longer) remembered.
  bool find(std::int64_t seq_num, OrderCommand& out) {
    if (seq_num <= 0) return false;
    std::lock_guard lock(mutex_);
    const Entry& e = entries_[static_cast<std::size_t>(seq_num) % kCapacity];
    if (e.seq_num != seq_num) return false;
    out = e.command;
    return true;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    for (Entry& e : entries_) e = {};
  }

 private:
  struct Entry {
    std::int64_t seq_num = 0;
    OrderCommand command;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

// The command the router thread is sending right now (set around Session::send): toApp, which
// QuickFIX calls inside send with the MsgSeqNum already in the header, records the pair before the
// bytes leave — a Reject cannot arrive before its request is findable.
thread_local const OrderCommand* tls_sending = nullptr;

// The core's answer to a request that never reached the venue's order logic.
Event refusal_of(const OrderCommand& c, RejectReason reason, std::int64_t now) {
  ExecReport r{};
  r.header.ts_local = now;
  r.header.instrument = c.instrument;
  r.client_order_id = c.client_order_id;
  r.header.detail = static_cast<std::uint8_t>(reason);
  r.header.subtype = static_cast<std::uint8_t>(c.action == OrderAction::kNew ? ExecType::kRejected : ExecType::kCancelRejected);
  return to_event(r);
}

}  // namespace

struct FixOrderGateway::Impl final : public FIX::Application {
  Impl(FixSessionSettings s, std::vector<std::string> syms, ClOrdIdCodec codec, SpscRing<OrderCommand>& cmds,
       Doorbell& rbell, SpscRing<Event>& sess, SpscRing<Event>& rout, Doorbell* cbell)
      : settings(std::move(s)),
        symbols(std::move(syms)),
        ids(codec),
        commands(cmds),
        router_bell(rbell),
        session_events(sess),
        router_events(rout),
        core_bell(cbell),
        session_id("FIX.4.4", settings.sender_comp_id, settings.target_comp_id) {}

  FixSessionSettings settings;
  std::vector<std::string> symbols;
  ClOrdIdCodec ids;
  SpscRing<OrderCommand>& commands;
  Doorbell& router_bell;
  SpscRing<Event>& session_events;
  SpscRing<Event>& router_events;
  Doorbell* core_bell;
  FIX::SessionID session_id;
  FixGatewayCounters counters;
  std::function<void(std::string_view)> log = [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };

  std::unique_ptr<FIX::SessionSettings> fix_settings;
  std::unique_ptr<fix_detail::RedactingStoreFactory> store;
  std::unique_ptr<fix_detail::RedactingLogFactory> log_factory;
  std::unique_ptr<FIX::Initiator> initiator;
  SentRequests sent;
  FIX::Session* session = nullptr;  // the router thread's cached lookup
  // The venue side of a logon's reconciliation: an OrderMassStatusRequest is out since this wall
  // time (0: none). Whoever ends it — its last report or a refusal (session thread), or the
  // timeout (router thread) — takes the time with exchange(0), so kVenueReconciled goes out once.
  // A request sent while the venue is still resending (its ResendRequest answered with a gap fill,
  // which covers whatever we sent meanwhile) never arrives: the router asks again every
  // kMassStatusRetryNs, kMassStatusTries times in all, then gives up (status queries alone).
  std::atomic<std::int64_t> mass_status_since{0};
  std::atomic<std::int64_t> mass_status_sent_at{0};
  std::atomic<int> mass_status_tries{0};
  std::atomic<std::uint64_t> mass_status_seq{0};
  std::uint32_t mass_status_unknown = 0;  // session thread
  static constexpr std::int64_t kMassStatusRetryNs = 2'000'000'000;
  static constexpr int kMassStatusTries = 5;
  std::thread router;
  std::atomic<bool> running{false};
  bool started = false;

  // ---- publication to the core (each ring has one producer thread) ----
  void publish(SpscRing<Event>& ring, const Event& e) {
    while (!ring.try_push(e)) {
      counters.ring_waits.fetch_add(1, std::memory_order_relaxed);
      if (core_bell != nullptr) core_bell->ring();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (core_bell != nullptr) core_bell->ring();
  }
  void publish_session_state(VenueSessionState state, double count = 0.0) {
    Control c{};
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kVenueSession);
    c.header.ts_local = wall_clock_ns();
    c.value = static_cast<std::int64_t>(state);
    c.real = count;
    publish(session_events, to_event(c));
  }

  // ---- FIX::Application (the session thread) ----
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    counters.logons.fetch_add(1, std::memory_order_relaxed);
    counters.logged_on_since_ns.store(wall_clock_ns(), std::memory_order_relaxed);
    counters.logged_on.store(true, std::memory_order_release);
    log("fix: logged on " + settings.sender_comp_id + " -> " + settings.target_comp_id);
    publish_session_state(VenueSessionState::kLoggedOn);
    // Sequence numbers may have restarted (ResetSeqNumFlag): a Reject must never match a request
    // of the previous session.
    sent.clear();
    // The venue's own list of our open orders: every one the core does not know is reported.
    mass_status_unknown = 0;
    mass_status_tries.store(0, std::memory_order_relaxed);
    mass_status_since.store(wall_clock_ns(), std::memory_order_release);
    send_mass_status();
  }

  // OrderMassStatusRequest (AF, 585=7): a query, so asking again is safe. Session or router thread.
  void send_mass_status() {
    protocol::fix::FixMassStatusRequest af;
    char id[24];
    const int n = std::snprintf(id, sizeof id, "MS%llu", static_cast<unsigned long long>(mass_status_seq.fetch_add(1) + 1));
    af.mass_status_req_id.assign_truncated(std::string_view(id, static_cast<std::size_t>(n)));
    af.req_type = protocol::fix::kMassStatusReqTypeAllOrders;
    mass_status_tries.fetch_add(1, std::memory_order_relaxed);
    mass_status_sent_at.store(wall_clock_ns(), std::memory_order_release);
    FIX::Message message = protocol::fix::encode(af);
    try {
      (void)FIX::Session::sendToTarget(message, session_id);
    } catch (const std::exception&) {
    }
  }

  // Ends the mass status once (see mass_status_since): kVenueReconciled with the unknown count.
  void end_mass_status(SpscRing<Event>& ring, std::string_view why) {
    if (mass_status_since.exchange(0, std::memory_order_acq_rel) == 0) return;
    if (!why.empty()) log("fix: the venue's order list is not available (" + std::string(why) + "); reconciled by status queries alone");
    else if (mass_status_unknown > 0)
      log("fix: the venue holds " + std::to_string(mass_status_unknown) + " open orders this run did not send");
    Control c{};
    c.header.subtype = static_cast<std::uint8_t>(ControlKind::kVenueSession);
    c.header.ts_local = wall_clock_ns();
    c.value = static_cast<std::int64_t>(VenueSessionState::kVenueReconciled);
    c.real = why.empty() ? static_cast<double>(mass_status_unknown) : 0.0;
    publish(ring, to_event(c));
  }
  void onLogout(const FIX::SessionID&) override {
    const bool was = counters.logged_on.exchange(false, std::memory_order_acq_rel);
    counters.logged_on_since_ns.store(wall_clock_ns(), std::memory_order_relaxed);
    mass_status_since.store(0, std::memory_order_release);  // the next logon asks again
    if (!was) return;  // a failed logon attempt: the core never heard of a session
    counters.logouts.fetch_add(1, std::memory_order_relaxed);
    log("fix: session down " + settings.sender_comp_id + " -> " + settings.target_comp_id);
    publish_session_state(VenueSessionState::kDown);
  }
  void toAdmin(FIX::Message& m, const FIX::SessionID&) override {
    if (m.getHeader().getField(35) != "A") return;
    m.setField(kUsername, settings.username.empty() ? settings.sender_comp_id : settings.username);
    if (!settings.password.empty()) m.setField(kPassword, settings.password);
  }
  void toApp(FIX::Message& m, const FIX::SessionID&) override {
    // A re-send (answering the venue's ResendRequest) of an order message: never resent blindly.
    const FIX::Header& h = m.getHeader();
    if (h.isSetField(kPossDupFlag) && h.getField(kPossDupFlag) == "Y") {
      counters.resends_suppressed.fetch_add(1, std::memory_order_relaxed);
      throw FIX::DoNotSend();
    }
    if (tls_sending != nullptr && h.isSetField(kMsgSeqNum)) {
      try {
        sent.add(std::stoll(h.getField(kMsgSeqNum)), *tls_sending);
      } catch (const std::exception&) {
      }
    }
  }
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&) override {
    if (m.getHeader().getField(35) == "3") on_reject_notice(m);
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID&) override {
    const std::int64_t now = wall_clock_ns();
    const std::string& type = m.getHeader().getField(35);
    if (type == "8") on_execution_report(m, now);
    else if (type == "9") on_cancel_reject(m, now);
    else if (type == "j") on_reject_notice(m);
    else {
      counters.unsupported.fetch_add(1, std::memory_order_relaxed);
      reply(pf::make_reject(m, {pf::DecodeError::Kind::kBusinessReject, 0, pf::kBusinessRejectUnsupportedMsgType,
                                "Unsupported MsgType"}));
    }
  }

  void reply(FIX::Message reject) {
    try {
      FIX::Session::sendToTarget(reject, session_id);
    } catch (const std::exception&) {
    }
  }

  InstrumentId instrument_of(std::string_view symbol) const noexcept {
    for (std::size_t i = 0; i < symbols.size(); ++i)
      if (symbols[i] == symbol) return static_cast<InstrumentId>(i);
    return kNoInstrument;
  }

  void on_malformed(const FIX::Message& m, const pf::DecodeError& e) {
    counters.malformed.fetch_add(1, std::memory_order_relaxed);
    log("fix: malformed message from the venue (tag " + std::to_string(e.ref_tag) + ": " + std::string(e.text) +
        "); answered with a Reject");
    reply(pf::make_reject(m, e));
  }

  void on_unknown_order(std::string_view cl_ord_id, std::string_view what) {
    const std::uint64_t n = counters.unknown_orders.fetch_add(1, std::memory_order_relaxed);
    if (n < 16)
      log("fix: " + std::string(what) + " for an order this run did not send (ClOrdID " + std::string(cl_ord_id) + ")");
  }

  void on_execution_report(const FIX::Message& m, std::int64_t now) {
    pf::FixExecReport fix;
    if (const pf::DecodeError e = pf::decode(m, settings.target_comp_id, fix)) return on_malformed(m, e);
    if (!fix.mass_status_req_id.empty()) return on_mass_status_report(fix, now);
    const pf::ReportContext context{instrument_of(fix.symbol.view()), fix.transact_time_ns, now};
    const Result<ExecReport> report = pf::to_exec_report(fix, ids, context);
    if (!report.ok()) {
      if (report.error() == Errc::kUnknownSymbol) return on_unknown_order(fix.cl_ord_id.view(), "execution report");
      return on_malformed(m, {pf::DecodeError::Kind::kSessionReject, 150, pf::kRejectValueIncorrect,
                              "ExecType or OrdStatus the core cannot take"});
    }
    counters.reports.fetch_add(1, std::memory_order_relaxed);
    publish(session_events, to_event(report.value()));
  }

  // One report of the venue's order list: ours go to the core as status answers (they settle the
  // orders the core asked about, or are counted as duplicates of what it knows); another run's are
  // counted and logged; the last one (912=Y, or 911=0: no open orders) ends the list.
  void on_mass_status_report(const pf::FixExecReport& fix, std::int64_t now) {
    if (fix.tot_num_reports > 0) {
      const pf::ReportContext context{instrument_of(fix.symbol.view()), fix.transact_time_ns, now};
      const Result<ExecReport> report = pf::to_exec_report(fix, ids, context);
      if (report.ok()) {
        counters.reports.fetch_add(1, std::memory_order_relaxed);
        publish(session_events, to_event(report.value()));
      } else {
        ++mass_status_unknown;
        on_unknown_order(fix.cl_ord_id.view(), "the venue's order list names an open order");
      }
    }
    if (fix.last_rpt_requested || fix.tot_num_reports == 0) end_mass_status(session_events, "");
  }

  void on_cancel_reject(const FIX::Message& m, std::int64_t now) {
    pf::FixCancelReject fix;
    if (const pf::DecodeError e = pf::decode(m, settings.target_comp_id, fix)) return on_malformed(m, e);
    // A cancel reject names no symbol: the core finds the order by its ClOrdID.
    const pf::ReportContext context{kNoInstrument, 0, now};
    const Result<ExecReport> report = pf::to_exec_report(fix, ids, context);
    if (!report.ok()) return on_unknown_order(fix.cl_ord_id.view(), "cancel reject");
    counters.reports.fetch_add(1, std::memory_order_relaxed);
    publish(session_events, to_event(report.value()));
  }

  void on_reject_notice(const FIX::Message& m) {
    pf::FixRejectNotice notice;
    const bool business = m.getHeader().getField(35) == "j";
    (business ? counters.business_rejects : counters.session_rejects).fetch_add(1, std::memory_order_relaxed);
    if (pf::decode(m, notice)) {
      counters.rejects_unmatched.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (notice.ref_msg_type.view() == "AF") return end_mass_status(session_events, "OrderMassStatusRequest refused");
    OrderCommand command;
    if (!sent.find(notice.ref_seq_num, command)) {
      counters.rejects_unmatched.fetch_add(1, std::memory_order_relaxed);
      log("fix: the venue rejected message " + std::to_string(notice.ref_seq_num) + " (" +
          std::string(notice.text.view()) + "), which names no order request");
      return;
    }
    log("fix: the venue's session refused request " + std::string(ids.format(command.client_order_id).view()) +
        " (" + std::string(notice.text.view()) + ")");
    if (command.action == OrderAction::kStatus) return;  // the core asks again after its timeout
    counters.reports.fetch_add(1, std::memory_order_relaxed);
    publish(session_events, refusal_of(command, RejectReason::kSessionRejected, wall_clock_ns()));
  }

  // ---- the router thread ----
  void route(const OrderCommand& c) {
    counters.commands.fetch_add(1, std::memory_order_relaxed);
    if (session == nullptr) session = FIX::Session::lookupSession(session_id);  // once: it lives as long as the initiator
    if (session == nullptr || !session->isLoggedOn()) {
      if (c.action == OrderAction::kStatus) {
        counters.status_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      counters.not_sent.fetch_add(1, std::memory_order_relaxed);
      publish(router_events, refusal_of(c, RejectReason::kNotSent, wall_clock_ns()));
      return;
    }
    const std::string_view symbol = c.instrument < symbols.size() ? std::string_view(symbols[c.instrument]) : "";
    FIX::Message message;
    bool mapped = false;
    switch (c.action) {
      case OrderAction::kNew: {
        auto o = pf::to_fix_new_order(c, ids, symbol, wall_clock_ns());
        if ((mapped = o.ok())) {
          pf::FixNewOrder order = o.value();
          order.account.assign_truncated(settings.account);
          message = pf::encode(order);
        }
        break;
      }
      case OrderAction::kCancel: {
        auto o = pf::to_fix_cancel(c, ids, symbol);
        if ((mapped = o.ok())) message = pf::encode(o.value());
        break;
      }
      case OrderAction::kReplace: {
        auto o = pf::to_fix_replace(c, ids, symbol);
        if ((mapped = o.ok())) message = pf::encode(o.value());
        break;
      }
      case OrderAction::kStatus: {
        auto o = pf::to_fix_status_request(c, ids, symbol);
        if ((mapped = o.ok())) message = pf::encode(o.value());
        break;
      }
      default:
        break;
    }
    if (!mapped) {
      // Certain not to have left: answered like a command without a session (a status query is
      // dropped: the OMS asks again, and an unanswerable one is counted here each time).
      counters.unmappable.fetch_add(1, std::memory_order_relaxed);
      log("fix: a command FIX cannot carry (action " + std::to_string(static_cast<int>(c.action)) + ", ClOrdID " +
          std::string(ids.format(c.client_order_id).view()) + "): not sent");
      if (c.action != OrderAction::kStatus) publish(router_events, refusal_of(c, RejectReason::kNotSent, wall_clock_ns()));
      return;
    }
    bool ok = false;
    tls_sending = &c;
    try {
      ok = session->send(message);
    } catch (const std::exception&) {
      ok = false;
    }
    tls_sending = nullptr;
    if (!ok) {
      // It may or may not have left: the core's timeout and status query settle it.
      counters.send_failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    counters.sent.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t sent_at = wall_clock_ns();
    if (c.ts > 0) {
      const std::int64_t ns = sent_at - c.ts;
      counters.last_tick_to_send_ns.store(ns, std::memory_order_relaxed);
      std::size_t b = 0;
      while (b + 1 < kTickToSendBuckets && static_cast<double>(ns) > kTickToSendBoundsUs[b] * 1e3) ++b;
      counters.tick_to_send_bucket[b].fetch_add(1, std::memory_order_relaxed);
      counters.tick_to_send_sum_ns.fetch_add(ns, std::memory_order_relaxed);
      counters.tick_to_send_count.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void router_loop() {
    if (settings.router_cpu >= 0) (void)pin_current_thread(settings.router_cpu);
    std::int64_t next_timer = wall_clock_ns() + settings.timer_period_ns;
    std::uint64_t timer_seq = 0;
    std::int64_t idle_since = -1;
    while (running.load(std::memory_order_acquire)) {
      const std::uint32_t ticket = router_bell.ticket();
      bool worked = false;
      while (const OrderCommand* c = commands.front()) {
        route(*c);
        commands.pop();
        worked = true;
      }
      const std::int64_t now = wall_clock_ns();
      if (now >= next_timer) {
        Timer t{};
        t.header.ts_local = now;
        t.seq = ++timer_seq;
        t.deadline = next_timer;
        counters.timers.fetch_add(1, std::memory_order_relaxed);
        publish(router_events, to_event(t));
        next_timer += settings.timer_period_ns;
        if (next_timer <= now) next_timer = now + settings.timer_period_ns;  // fell behind: no burst
      }
      if (mass_status_since.load(std::memory_order_acquire) != 0 &&
          now - mass_status_sent_at.load(std::memory_order_acquire) > kMassStatusRetryNs) {
        if (mass_status_tries.load(std::memory_order_relaxed) < kMassStatusTries) send_mass_status();
        else end_mass_status(router_events, "no answer to 5 requests");
      }
      if (worked) {
        idle_since = -1;
        continue;
      }
      if (idle_since < 0) idle_since = now;
      if (now - idle_since < settings.spin_ns) continue;
      router_bell.wait(ticket, std::min<std::int64_t>(next_timer - now, 10'000'000));
    }
  }

  // ---- start / stop ----
  void build() {
    FIX::Dictionary d;
    d.setString("ConnectionType", "initiator");
    d.setString("SocketConnectHost", settings.host);
    d.setInt("SocketConnectPort", settings.port);
    d.setInt("HeartBtInt", settings.heartbeat_s);
    d.setInt("ReconnectInterval", settings.reconnect_interval_s);
    d.setString("SocketNodelay", "Y");
    d.setString("FileStorePath", settings.store_dir);
    d.setString("UseDataDictionary", "N");
    d.setString("StartTime", "00:00:00");
    d.setString("EndTime", "00:00:00");
    d.setString("ResetOnLogon", settings.reset_seq_num ? "Y" : "N");
    d.setString("ResetOnLogout", "N");
    d.setString("ResetOnDisconnect", "N");
    // Sequence numbers persist (the store's seqnums file: a restarted keel resumes them); message
    // bodies do not: keel never re-sends a request (a ResendRequest is answered with a gap fill,
    // the core's status queries settle the rest), and not writing them takes ~4 µs of file I/O
    // off every order (bench/RESULTS.md).
    d.setString("PersistMessages", "N");
    // The SSL settings are read from [DEFAULT] only, too (below). QuickFIX 1.15.1's SSL initiator
    // encrypts but never verifies the venue's certificate (it sets SSL_VERIFY_PEER on the acceptor
    // side only): docs/SECURITY.md says what that means for keel live.
    fix_settings = std::make_unique<FIX::SessionSettings>();
    // The initiator reads ReconnectInterval and SocketNodelay from the [DEFAULT] section only (in a
    // session's section they are silently ignored: 30 s between reconnects, Nagle on). Both places.
    FIX::Dictionary defaults;
    defaults.setInt("ReconnectInterval", settings.reconnect_interval_s);
    defaults.setString("SocketNodelay", "Y");
    if (settings.ssl) {
      defaults.setString("SSLProtocol", "all -SSLv2 -SSLv3 -TLSv1 -TLSv1_1");
      if (!settings.ca_file.empty()) defaults.setString("CertificationAuthoritiesFile", settings.ca_file);
    }
    fix_settings->set(defaults);
    fix_settings->set(session_id, d);
    store = std::make_unique<fix_detail::RedactingStoreFactory>(*fix_settings);
    if (!settings.log_dir.empty()) log_factory = std::make_unique<fix_detail::RedactingLogFactory>(settings.log_dir);
    if (settings.ssl) {
      initiator = log_factory ? std::make_unique<FIX::SSLSocketInitiator>(*this, *store, *fix_settings, *log_factory)
                              : std::make_unique<FIX::SSLSocketInitiator>(*this, *store, *fix_settings);
    } else {
      initiator = log_factory ? std::make_unique<FIX::SocketInitiator>(*this, *store, *fix_settings, *log_factory)
                              : std::make_unique<FIX::SocketInitiator>(*this, *store, *fix_settings);
    }
  }
};

FixOrderGateway::FixOrderGateway(FixSessionSettings settings, std::vector<std::string> symbols, ClOrdIdCodec ids,
                                 SpscRing<OrderCommand>& commands, Doorbell& router_bell,
                                 SpscRing<Event>& session_events, SpscRing<Event>& router_events, Doorbell* core_bell) {
  if (!valid_comp_id(settings.sender_comp_id) || !valid_comp_id(settings.target_comp_id))
    throw std::invalid_argument("fix: SenderCompID and TargetCompID must be 1-32 characters of [A-Za-z0-9_.-]");
  if (settings.port == 0) throw std::invalid_argument("fix: the venue's port is not set");
  if (settings.store_dir.empty()) throw std::invalid_argument("fix: store_dir is required (sequence numbers persist there)");
  if (settings.heartbeat_s < 1 || settings.heartbeat_s > 3600)
    throw std::invalid_argument("fix: heartbeat must be 1..3600 seconds");
  if (settings.reconnect_interval_s < 1) throw std::invalid_argument("fix: reconnect interval must be at least 1 second");
  if (settings.timer_period_ns <= 0) throw std::invalid_argument("fix: timer period must be positive");
  std::filesystem::create_directories(settings.store_dir);
  if (!settings.log_dir.empty()) std::filesystem::create_directories(settings.log_dir);
  impl_ = std::make_unique<Impl>(std::move(settings), std::move(symbols), ids, commands, router_bell, session_events,
                                 router_events, core_bell);
}

FixOrderGateway::~FixOrderGateway() { stop(); }

void FixOrderGateway::set_log(std::function<void(std::string_view)> log) { impl_->log = std::move(log); }

const FixGatewayCounters& FixOrderGateway::counters() const noexcept { return impl_->counters; }

void FixOrderGateway::start() {
  if (impl_->started) return;
  try {
    impl_->build();
    impl_->initiator->start();
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("fix: QuickFIX refused the session settings: ") + e.what());
  }
  impl_->started = true;
  impl_->running.store(true, std::memory_order_release);
  impl_->router = std::thread([this] { impl_->router_loop(); });
}

void FixOrderGateway::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  impl_->running.store(false, std::memory_order_release);
  impl_->router_bell.ring();
  if (impl_->router.joinable()) impl_->router.join();
  try {
    impl_->initiator->stop();  // Logout, then waits (bounded by QuickFIX) for the session thread
  } catch (const std::exception&) {
  }
}

}  // namespace keel::gateway
