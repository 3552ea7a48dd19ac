// One TCP connection to the FIX port: raw bytes in, whole messages to its QuickFIX session, the
// session's messages out — every buffer bounded.
//
//   bytes ──FixFramer──► first message ──check_logon──► bind to the account's session
//                        later messages ───────────────► FIX::Session::next (exceptions caught)
//   FIX::Session::send ──► FixConnection::send (any thread) ──► socket, or the outbound buffer
//
// Limits (FixLimits): before Logon the connection may hold at most `max_prelogon_bytes` of
// unframed input and garbage, and must log on within `logon_timeout_s`; a message may be at most
// `max_message_bytes`; bytes the peer does not read may pile up to `max_outbound_bytes`. Past any
// of them the connection is closed and the event counted (FixNetCounters). Nothing a client sends
// can throw out of here: QuickFIX's exceptions are caught, counted and end the connection.
//
// Threads: on_input, on_timer, flush and close_session run on the acceptor's network thread.
// send and disconnect are QuickFIX's Responder calls: they come from any thread, always under the
// session's lock, and only while the connection is bound to the session. The network thread
// deletes a connection only after close_session, which unbinds it under that same lock.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fix_framer.hpp"
#include "fix_logon_gate.hpp"
#include "keel/protocol/fix/quickfix.hpp"

namespace keel::sim::fix_net {

struct FixLimits {
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_prelogon_bytes = 4 * 1024;
  std::size_t max_outbound_bytes = 16 * 1024 * 1024;
  int logon_timeout_s = 10;
};

// Process-wide event counts of one acceptor; any thread reads them.
struct FixNetCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> closed{0};
  std::atomic<std::uint64_t> refused_connections{0};  // over max_connections or out of descriptors
  std::atomic<std::uint64_t> logons{0};
  std::atomic<std::uint64_t> logon_refusals{0};
  std::atomic<std::uint64_t> logon_timeouts{0};
  std::atomic<std::uint64_t> prelogon_overflows{0};
  std::atomic<std::uint64_t> garbage_bytes{0};
  std::atomic<std::uint64_t> garbled_messages{0};
  std::atomic<std::uint64_t> outbound_overflows{0};
  std::atomic<std::uint64_t> session_errors{0};  // exceptions QuickFIX threw on a client's message
  std::atomic<std::uint64_t> evicted_before_logon{0};  // made room at the cap for a newer connection
  std::array<std::atomic<std::uint64_t>, kLogonRefusalCount> refusals_by_reason{};
};

// One configured account and its session, as the network thread sees it.
struct SessionSlot {
  std::string comp_id;
  std::string password;
  FIX::Session* session = nullptr;
  class FixConnection* bound = nullptr;  // network thread only
};

struct SessionTable {
  std::string venue_comp_id;
  std::vector<SessionSlot> slots;
  std::vector<LogonAccount> accounts;  // views of slots, for check_logon
};

// How a connection asks the network thread for attention from another thread.
struct LoopHooks {
  int epoll_fd = -1;  // the connection re-arms its own interest (EPOLLOUT while output waits)
  int wake_fd = -1;   // eventfd: written when a close is requested
};

class FixConnection final : public FIX::Responder {
 public:
  // Takes ownership of `fd` (non-blocking, registered for EPOLLIN with this as its data pointer).
  FixConnection(int fd, SessionTable& table, const FixLimits& limits, FixNetCounters& counters,
                LoopHooks hooks, std::int64_t opened_at_s, std::uint64_t serial);
  ~FixConnection() override;  // closes the descriptor; close_session() must have run
  FixConnection(const FixConnection&) = delete;
  FixConnection& operator=(const FixConnection&) = delete;

  // Network thread. Received bytes; returns false when the connection must close now.
  bool on_input(std::string_view bytes);
  // Network thread, about once a second: the session's timers (heartbeats, test requests) and the
  // Logon deadline. Returns false when the connection must close now.
  bool on_timer(std::int64_t now_s);
  // Network thread: writes buffered output (EPOLLOUT). Returns false on a write error.
  bool flush();
  // Network thread: unbinds from the session (QuickFIX's disconnect: onLogout, responder cleared).
  // Idempotent.
  void close_session();
  // Whether the session or a limit asked for the connection to close.
  [[nodiscard]] bool close_requested() const noexcept { return close_requested_.load(std::memory_order_acquire); }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] bool logged_on() const noexcept { return slot_ != nullptr; }
  [[nodiscard]] std::uint64_t serial() const noexcept { return serial_; }  // accept order

  // FIX::Responder: any thread, under the session's lock.
  bool send(const std::string& message) override;
  void disconnect() override;

 private:
  // Frames `bytes` and handles every whole message; false when the connection must close.
  bool frame(std::string_view bytes);
  bool handle_first_message(const std::string& message);
  void deliver(const std::string& message);
  void request_close() noexcept;
  void set_output_interest(bool want) noexcept;  // out_mutex_ held
  // Writes out_ from out_sent_ (out_mutex_ held); false on a hard error.
  bool write_pending_locked();
  void write_best_effort(std::string_view bytes) noexcept;
  void publish_framer_counts();

  int fd_;
  SessionTable& table_;
  const FixLimits& limits_;
  FixNetCounters& counters_;
  LoopHooks hooks_;
  std::int64_t opened_at_s_;
  std::uint64_t serial_;
  FixFramer framer_;
  FramerCounters published_{};  // framer counts already added to counters_
  SessionSlot* slot_ = nullptr;  // the bound session; network thread only
  std::string message_;          // scratch for framed messages
  std::size_t prelogon_bytes_ = 0;  // bytes handed to the framer before the Logon

  std::mutex out_mutex_;
  std::string out_;             // bytes not yet written, from out_sent_
  std::size_t out_sent_ = 0;
  bool output_interest_ = false;
  std::atomic<bool> close_requested_{false};
};

}  // namespace keel::sim::fix_net
