// The simulator's FIX 4.4 acceptor (VENUE.md "Orders: FIX 4.4"): the venue's order port.
//
// It owns the FIX sessions (Logon with CompID and Password checks, heartbeats, sequence numbers
// kept in a persistent file store, ResetSeqNumFlag honoured), decodes NewOrderSingle,
// OrderCancelRequest, OrderCancelReplaceRequest and OrderStatusRequest into keel::protocol::fix values
// for a FixOrderHandler, and answers malformed messages itself with a session Reject (3) or a
// BusinessMessageReject (j), leaving the session up. The matching engine only sees FixOrderHandler
// calls and answers through send_execution_report / send_cancel_reject. The FIX library stays
// behind this header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/protocol/fix/fix_messages.hpp"

namespace keel::sim {

// The FIX messages the acceptor exchanges are the protocol's (gateway/protocol, fix_messages.hpp).
using protocol::fix::FixCancel;
using protocol::fix::FixCancelReject;
using protocol::fix::FixExecReport;
using protocol::fix::FixNewOrder;
using protocol::fix::FixReplace;
using protocol::fix::FixStatusRequest;

// One client account: its FIX SenderCompID and optional Logon password (empty = none required).
struct FixAccount {
  std::string comp_id;
  std::string password;
};

struct FixAcceptorConfig {
  std::string comp_id = "KEELSIM";   // the venue's SenderCompID
  std::uint16_t port = 0;            // 0 = pick a free port (FixAcceptor::port() reports it)
  std::vector<FixAccount> accounts;  // one FIX session per account; other CompIDs are refused
  std::string store_dir;             // FileStore directory (created if missing); required
};

// Receives decoded order messages. Calls come from the FIX library's network thread, one at a time;
// a handler may call FixAcceptor::send_* from inside a call. It must not throw.
class FixOrderHandler {
 public:
  virtual ~FixOrderHandler() = default;
  virtual void on_new_order(const FixNewOrder& order) = 0;
  virtual void on_cancel(const FixCancel& cancel) = 0;
  virtual void on_replace(const FixReplace& replace) = 0;
  virtual void on_status_request(const FixStatusRequest& request) = 0;
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
  // account without comp_id, a duplicate comp_id). Does not open sockets or files.
  FixAcceptor(FixAcceptorConfig config, FixOrderHandler& handler);
  ~FixAcceptor();  // stops
  FixAcceptor(const FixAcceptor&) = delete;
  FixAcceptor& operator=(const FixAcceptor&) = delete;

  // Opens the file store (resuming its sequence numbers) and starts listening; returns once the
  // port is bound. Throws std::runtime_error when the port cannot be bound or the store cannot be
  // opened. Requires: not started.
  void start();
  // Logs the sessions out, closes the port and joins the network thread. Blocks (up to the FIX
  // library's logout wait). Idempotent.
  void stop();
  // The bound port; 0 before start().
  [[nodiscard]] std::uint16_t port() const noexcept;

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
