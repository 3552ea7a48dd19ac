// The core's execution interface over FIX 4.4 (paper against keel's simulator, live against a
// broker): OrderCommands leave the core's output ring as FIX requests; the venue's answers come back
// as ExecReport events on rings to the core. Nothing on the core thread waits for the network.
//
// Threads:
//  * the session thread — QuickFIX's SocketInitiator (or SSLSocketInitiator): connects, logs on,
//    reconnects every reconnect_interval, keeps sequence numbers in a FileStore under store_dir (a
//    restarted keel resumes them), heartbeats, resends. It decodes ExecutionReport (8),
//    OrderCancelReject (9), Reject (3) and BusinessMessageReject (j) with the protocol's FIX codec
//    and mapping into ExecReport events on `session_events`, and tells the core of every logon and
//    logout (Control kVenueSession);
//  * the router thread — drains the core's command ring: each command is mapped
//    (protocol/fix/fix_mapping.hpp), encoded (fix_codec.hpp) and sent on the session; it also
//    publishes a Timer event every timer_period on `router_events`, so the core's request timeouts
//    run when the market is quiet.
// Each ring to the core has one producer. A full ring makes its producer wait (reports are never
// dropped); every wait is counted.
//
// Orders are never sent twice. A command that arrives while no session is logged on is not sent:
// the router answers it at once (new order: Rejected kNotSent; cancel / replace: CancelRejected
// kNotSent; status query: dropped — the core asks again). Nothing is re-sent after a reconnect: the
// store keeps sequence numbers but no message bodies (PersistMessages=N), so QuickFIX answers the
// venue's ResendRequest with a gap fill, and an application message it would still re-send
// (PossDupFlag) is refused in toApp. The core's timeouts and status queries settle whatever the
// venue did not answer, never a blind resend.
// A Reject (3) or BusinessMessageReject (j) of a request is answered to the core as a reject of
// that request (RefSeqNum → the command sent under it). Reports naming a ClOrdID of another run are
// counted and logged (unknown_orders); the core never sees them.
//
// Secrets: the password is sent in Logon (554) only; the message log written under log_dir has
// every 554 value replaced by "***".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/oms/cl_ord_ids.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/spsc_ring.hpp"
#include "keel/gateway/doorbell.hpp"

namespace keel::gateway {

struct FixSessionSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string sender_comp_id;   // ours (49)
  std::string target_comp_id;   // the venue's (56)
  int heartbeat_s = 30;         // HeartBtInt (108)
  int reconnect_interval_s = 1;
  bool reset_seq_num = false;   // ResetSeqNumFlag (141=Y) on every Logon
  bool ssl = false;             // TLS (QuickFIX's SSLSocketInitiator)
  std::string ca_file;          // ssl: the certificate authorities to verify the venue with
  std::string username;         // Username (553); empty = sender_comp_id
  std::string password;         // Password (554); empty = not sent. Never logged.
  std::string account;          // Account (1) on new orders; empty = absent
  std::string store_dir;        // the FileStore (sequence numbers, sent messages); required
  std::string log_dir;          // the message log (password redacted); empty = none
  std::int64_t timer_period_ns = 100'000'000;  // Timer events to the core
  // The router thread spins this long after its last work before it sleeps on its doorbell
  // (0: sleep at once; a dedicated core can afford a long spin and gains a few µs per command).
  std::int64_t spin_ns = 50'000;
  int router_cpu = -1;          // pin the router thread to this CPU (−1: no pinning)
};

// Upper bounds (µs) of the tick-to-send latency histogram's buckets (a last, +Inf, bucket follows).
inline constexpr double kTickToSendBoundsUs[] = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000};
inline constexpr std::size_t kTickToSendBuckets = sizeof(kTickToSendBoundsUs) / sizeof(double) + 1;

// Counters, readable from any thread (metrics).
struct FixGatewayCounters {
  std::atomic<std::uint64_t> commands{0};          // taken from the command ring
  std::atomic<std::uint64_t> sent{0};              // requests handed to the session
  std::atomic<std::uint64_t> send_failed{0};       // the session refused (disconnected meanwhile): left to the core's timeout
  std::atomic<std::uint64_t> not_sent{0};          // answered kNotSent (no session)
  std::atomic<std::uint64_t> status_dropped{0};    // status queries dropped (no session)
  std::atomic<std::uint64_t> unmappable{0};        // commands FIX cannot carry (a bug upstream): answered kNotSent
  std::atomic<std::uint64_t> reports{0};           // ExecReport events published (execution reports and cancel rejects)
  std::atomic<std::uint64_t> session_rejects{0};   // Reject (3) received
  std::atomic<std::uint64_t> business_rejects{0};  // BusinessMessageReject (j) received
  std::atomic<std::uint64_t> rejects_unmatched{0}; // rejects naming no request we remember
  std::atomic<std::uint64_t> malformed{0};         // reports that failed to decode (answered with Reject)
  std::atomic<std::uint64_t> unknown_orders{0};    // reports for ClOrdIDs of another run
  std::atomic<std::uint64_t> unsupported{0};       // application messages of other types (answered with j)
  std::atomic<std::uint64_t> resends_suppressed{0};// PossDup application messages refused in toApp (the second guard)
  std::atomic<std::uint64_t> logons{0};
  std::atomic<std::uint64_t> logouts{0};
  std::atomic<std::uint64_t> ring_waits{0};        // a ring to the core was full; the producer waited
  std::atomic<std::uint64_t> timers{0};
  std::atomic<bool> logged_on{false};
  std::atomic<std::int64_t> logged_on_since_ns{0}; // wall clock of the last logon / logout
  std::atomic<std::int64_t> last_tick_to_send_ns{-1}; // the last command: its cause's receive time → sent
  // Every sent command's tick-to-send latency (its cause's receive time → handed to the socket):
  // per bucket (not cumulative), their sum and count.
  std::atomic<std::uint64_t> tick_to_send_bucket[kTickToSendBuckets] = {};
  std::atomic<std::int64_t> tick_to_send_sum_ns{0};
  std::atomic<std::uint64_t> tick_to_send_count{0};
};

class FixOrderGateway {
 public:
  // symbols[i] = the venue symbol of instrument i. `ids` formats and parses this run's ClOrdIDs.
  // The rings and bells outlive the gateway; `core_bell` (may be null) is rung after every
  // publication to the core; `router_bell` is the one the core rings after writing commands.
  // Throws std::invalid_argument for unusable settings (no CompIDs, no store_dir, no port).
  FixOrderGateway(FixSessionSettings settings, std::vector<std::string> symbols, ClOrdIdCodec ids,
                  SpscRing<OrderCommand>& commands, Doorbell& router_bell, SpscRing<Event>& session_events,
                  SpscRing<Event>& router_events, Doorbell* core_bell);
  ~FixOrderGateway();  // stops
  FixOrderGateway(const FixOrderGateway&) = delete;
  FixOrderGateway& operator=(const FixOrderGateway&) = delete;

  // Starts the session and router threads; the session connects and logs on in the background.
  // Throws std::runtime_error when QuickFIX refuses the configuration.
  void start();
  // Stops both threads: a Logout when logged on, then the connection closes. Bounded; idempotent.
  void stop();
  [[nodiscard]] const FixGatewayCounters& counters() const noexcept;
  // Log lines (errors, unknown orders, logons) go here; default: stderr. Set before start().
  void set_log(std::function<void(std::string_view)> log);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::gateway
