// The simulator's FIX 4.4 acceptor (VENUE.md "Orders: FIX 4.4"): the venue's order port.
//
// It owns the FIX sessions (Logon with CompID and Password checks, heartbeats, sequence numbers
// kept in a persistent file store, ResetSeqNumFlag honoured), decodes NewOrderSingle,
// OrderCancelRequest, OrderCancelReplaceRequest, OrderStatusRequest and OrderMassStatusRequest into keel::protocol::fix values
// for a FixOrderHandler, and answers malformed messages itself with a session Reject (3) or a
// BusinessMessageReject (j), leaving the session up. The matching engine only sees FixOrderHandler
// calls and answers through send_execution_report / send_cancel_reject. The FIX library stays
// behind this header.
//
// The network side is keel's own (sim/src/fix/): one epoll thread listens on exactly the configured
// address, frames the bytes, authenticates and validates each Logon before QuickFIX sees it, and
// feeds whole messages to QuickFIX's Session (sequence numbers, resends, heartbeats, the store).
// Every resource a client can make the venue spend is bounded (FixAcceptorLimits); past a bound the
// connection is refused or closed and the event counted (FixAcceptorStats). docs/SECURITY.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/protocol/fix/fix_messages.hpp"
#include "keel/protocol/fix/fix_mass_status.hpp"

namespace keel::sim {

// The FIX messages the acceptor exchanges are the protocol's (gateway/protocol, fix_messages.hpp).
using protocol::fix::FixCancel;
using protocol::fix::FixCancelReject;
using protocol::fix::FixExecReport;
using protocol::fix::FixNewOrder;
using protocol::fix::FixReplace;
using protocol::fix::FixStatusRequest;
using protocol::fix::FixMassStatusRequest;

// One client account: its FIX SenderCompID and optional Logon password (empty = none required).
struct FixAccount {
  std::string comp_id;
  std::string password;
};

// What one client can make the acceptor hold. Defaults suit a co-located venue with a few accounts.
struct FixAcceptorLimits {
  std::size_t max_connections = 64;              // open TCP connections; at the cap the oldest
                                                 // one not logged on makes room, else refused
  std::size_t max_message_bytes = 64 * 1024;     // BodyLength above this: the message is dropped
  std::size_t max_prelogon_bytes = 4 * 1024;     // input before a Logon; more closes the connection
  std::size_t max_outbound_bytes = 16 * 1024 * 1024;  // unread output per connection; more closes it
  int logon_timeout_s = 10;                      // a connection must log on within this
};

// Counters since start(); from any thread.
struct FixAcceptorStats {
  std::uint64_t accepted = 0;             // connections accepted
  std::uint64_t refused_connections = 0;  // closed at accept: over max_connections or no descriptor
  std::uint64_t open_connections = 0;
  std::uint64_t logons = 0;
  std::uint64_t logon_refusals = 0;       // Logons refused (wrong password, bad fields, …)
  std::uint64_t logon_timeouts = 0;
  std::uint64_t prelogon_overflows = 0;   // closed for sending too much, or garbage, before Logon
  std::uint64_t garbage_bytes = 0;        // bytes skipped while looking for a message start
  std::uint64_t garbled_messages = 0;     // framed messages dropped (length, trailer, checksum)
  std::uint64_t outbound_overflows = 0;   // closed for not reading their messages
  std::uint64_t session_errors = 0;       // exceptions from the session layer, caught
  std::uint64_t evicted_before_logon = 0; // closed at the cap to make room (had not logged on yet)
};

struct FixAcceptorConfig {
  std::string comp_id = "KEELSIM";   // the venue's SenderCompID
  std::string bind_address = "127.0.0.1";  // numeric IPv4 or IPv6 address; "0.0.0.0" / "::" = all
  std::uint16_t port = 0;            // 0 = pick a free port (FixAcceptor::port() reports it)
  FixAcceptorLimits limits;
  std::vector<FixAccount> accounts;  // one FIX session per account; other CompIDs are refused
  std::string store_dir;             // FileStore directory (created if missing); required
};

// Receives decoded order messages. Calls come from the acceptor's network thread, one at a time;
// a handler may call FixAcceptor::send_* from inside a call. It must not throw. on_logon and
// on_logout run under the session's lock: they must not wait for a lock that a thread holds while it
// calls send_* (that thread waits for the session's lock: deadlock).
class FixOrderHandler {
 public:
  virtual ~FixOrderHandler() = default;
  virtual void on_new_order(const FixNewOrder& order) = 0;
  virtual void on_cancel(const FixCancel& cancel) = 0;
  virtual void on_replace(const FixReplace& replace) = 0;
  virtual void on_status_request(const FixStatusRequest& request) = 0;
  // OrderMassStatusRequest (AF, 585=7). Returns false when the handler does not serve AF: the
  // acceptor then answers BusinessMessageReject (j, 380=3 unsupported MsgType), as for any other.
  virtual bool on_mass_status_request(const FixMassStatusRequest& /*request*/) { return false; }
  virtual void on_logon(std::string_view /*comp_id*/) {}
  virtual void on_logout(std::string_view /*comp_id*/) {}
};

// Next outgoing and next expected incoming sequence numbers of one session.
struct FixSeqNums {
  int next_sender = 0;
  int next_target = 0;
};

class FixAcceptor {
 public:
  // Validates the configuration; throws std::invalid_argument (empty comp_id or store_dir, an
  // account without comp_id, a duplicate comp_id, a bind address that is not a numeric IPv4/IPv6
  // address, a zero limit). Does not open sockets or files.
  FixAcceptor(FixAcceptorConfig config, FixOrderHandler& handler);
  ~FixAcceptor();  // stops
  FixAcceptor(const FixAcceptor&) = delete;
  FixAcceptor& operator=(const FixAcceptor&) = delete;

  // Opens the file store (resuming its sequence numbers) and starts listening; returns once the
  // port is bound. Throws std::runtime_error when the port cannot be bound or the store cannot be
  // opened. Requires: not started.
  void start();
  // Sends Logout to the logged-on sessions (without waiting for the answers), closes every
  // connection and the port, and joins the network thread: bounded time whatever the clients do.
  // Idempotent.
  void stop();
  // The bound port; 0 before start().
  [[nodiscard]] std::uint16_t port() const noexcept;
  // The address actually bound (numeric, e.g. "127.0.0.1" or "::1"); empty before start().
  [[nodiscard]] std::string bound_address() const;
  [[nodiscard]] FixAcceptorStats stats() const noexcept;

  // Sends to report.session / reject.session. Thread-safe (the FIX library serialises sends per
  // session). Returns false when the session is unknown or the acceptor is not started; a message
  // to a session that is not logged on is stored and delivered on resend, as FIX does. Allocates.
  bool send_execution_report(const FixExecReport& report);
  bool send_cancel_reject(const FixCancelReject& reject);

  // Sequence numbers of the account's session; nullopt for an unknown comp_id or before start().
  [[nodiscard]] std::optional<FixSeqNums> sequence_numbers(std::string_view comp_id) const;
  // Whether the account's session is logged on now.
  [[nodiscard]] bool is_logged_on(std::string_view comp_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::sim
