// FixConnection: see fix_connection.hpp.
#include "fix_connection.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace keel::sim::fix_net {

FixConnection::FixConnection(int fd, SessionTable& table, const FixLimits& limits, FixNetCounters& counters,
                             LoopHooks hooks, std::int64_t opened_at_s, std::uint64_t serial)
    : fd_(fd),
      table_(table),
      limits_(limits),
      counters_(counters),
      hooks_(hooks),
      opened_at_s_(opened_at_s),
      serial_(serial),
      framer_(limits.max_message_bytes) {}

FixConnection::~FixConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void FixConnection::request_close() noexcept {
  if (close_requested_.exchange(true, std::memory_order_acq_rel)) return;
  if (hooks_.wake_fd >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(hooks_.wake_fd, &one, sizeof one);
  }
}

void FixConnection::publish_framer_counts() {
  const FramerCounters& now = framer_.counters();
  counters_.garbage_bytes.fetch_add(now.garbage_bytes - published_.garbage_bytes, std::memory_order_relaxed);
  counters_.garbled_messages.fetch_add(now.garbled_messages - published_.garbled_messages,
                                       std::memory_order_relaxed);
  published_ = now;
}

bool FixConnection::on_input(std::string_view bytes) {
  if (slot_ == nullptr) {
    // Before Logon the framer gets at most max_prelogon_bytes in all; what follows the Logon in the
    // same read is framed once the session is bound.
    const std::size_t room = limits_.max_prelogon_bytes - std::min(prelogon_bytes_, limits_.max_prelogon_bytes);
    const std::string_view head = bytes.substr(0, room);
    prelogon_bytes_ += head.size();
    bytes.remove_prefix(head.size());
    if (!frame(head)) return false;
    if (slot_ == nullptr) {
      // Only a Logon is expected: anything that is not one (garbage, a garbled frame), or no whole
      // Logon within max_prelogon_bytes, ends the connection instead of being buffered.
      const FramerCounters& c = framer_.counters();
      if (!bytes.empty() || prelogon_bytes_ >= limits_.max_prelogon_bytes || c.garbage_bytes > 0 ||
          c.garbled_messages > 0) {
        counters_.prelogon_overflows.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      return true;
    }
  }
  return frame(bytes);
}

bool FixConnection::frame(std::string_view bytes) {
  framer_.append(bytes);
  while (!close_requested() && framer_.next(message_) == FrameStatus::kMessage) {
    if (slot_ == nullptr) {
      if (!handle_first_message(message_)) break;
    } else {
      deliver(message_);
    }
  }
  publish_framer_counts();
  return !close_requested();
}

bool FixConnection::handle_first_message(const std::string& message) {
  LogonVerdict verdict = check_logon(message, table_.venue_comp_id, table_.accounts);
  SessionSlot* slot = verdict.account >= 0 ? &table_.slots[static_cast<std::size_t>(verdict.account)] : nullptr;
  if (verdict.refusal == LogonRefusal::kNone && slot->bound != nullptr) {
    // The account's previous connection may be on its way out; then it yields its session now.
    if (slot->bound->close_requested()) slot->bound->close_session();
    if (slot->bound != nullptr) verdict.refusal = LogonRefusal::kAlreadyLoggedOn;
  }
  if (verdict.refusal != LogonRefusal::kNone) {
    counters_.logon_refusals.fetch_add(1, std::memory_order_relaxed);
    counters_.refusals_by_reason[static_cast<std::size_t>(verdict.refusal)].fetch_add(1, std::memory_order_relaxed);
    // A refused Logon changes nothing: the Logout is not stored and uses up no sequence number. It
    // carries the session's next number only to a client that authenticated (so a stranger learns
    // nothing about the account), 1 otherwise.
    int seq = 1;
    if (slot != nullptr && verdict.authenticated) {
      try {
        seq = slot->session->getExpectedSenderNum();
      } catch (const std::exception&) {
      }
    }
    try {
      write_best_effort(encode_refusal_logout(table_.venue_comp_id,
                                              find_field(message, 49).value_or(std::string_view{}), seq,
                                              verdict.refusal));
    } catch (const std::exception&) {
    }
    request_close();
    return false;
  }
  slot_ = slot;
  slot_->bound = this;
  slot_->session->setResponder(this);
  deliver(message);
  if (slot_ != nullptr && slot_->session->isLoggedOn()) {
    counters_.logons.fetch_add(1, std::memory_order_relaxed);
  } else {
    // Past the gate but refused by the session itself (e.g. MsgSeqNum lower than expected).
    counters_.logon_refusals.fetch_add(1, std::memory_order_relaxed);
    request_close();
  }
  return !close_requested();
}

void FixConnection::deliver(const std::string& message) {
  try {
    slot_->session->next(message, FIX::UtcTimeStamp());
  } catch (const FIX::InvalidMessage&) {
    // QuickFIX could not parse a message the framer accepted; after Logon that is a garbled message
    // (ignored, FIX rules); before it the session has already disconnected.
    counters_.garbled_messages.fetch_add(1, std::memory_order_relaxed);
    if (!slot_->session->isLoggedOn()) request_close();
  } catch (...) {
    counters_.session_errors.fetch_add(1, std::memory_order_relaxed);
    request_close();
  }
}

bool FixConnection::on_timer(std::int64_t now_s) {
  if (slot_ == nullptr) {
    if (now_s - opened_at_s_ >= limits_.logon_timeout_s) {
      counters_.logon_timeouts.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    return !close_requested();
  }
  try {
    slot_->session->next(FIX::UtcTimeStamp());
  } catch (...) {
    counters_.session_errors.fetch_add(1, std::memory_order_relaxed);
    request_close();
  }
  return !close_requested();
}

void FixConnection::close_session() {
  if (slot_ == nullptr) return;
  SessionSlot* slot = slot_;
  slot_ = nullptr;
  if (slot->bound == this) {
    try {
      slot->session->disconnect();  // takes the session's lock: no send() is running after it
    } catch (...) {
      counters_.session_errors.fetch_add(1, std::memory_order_relaxed);
    }
    slot->bound = nullptr;
  }
}

void FixConnection::disconnect() {
  request_close();
}

void FixConnection::set_output_interest(bool want) noexcept {
  if (want == output_interest_ || hooks_.epoll_fd < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.ptr = this;
  if (::epoll_ctl(hooks_.epoll_fd, EPOLL_CTL_MOD, fd_, &ev) == 0) output_interest_ = want;
}

bool FixConnection::write_pending_locked() {
  while (out_sent_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (out_sent_ == out_.size()) {
    out_.clear();
    out_sent_ = 0;
  } else if (out_sent_ >= 64 * 1024 && out_sent_ * 2 >= out_.size()) {
    out_.erase(0, out_sent_);
    out_sent_ = 0;
  }
  set_output_interest(out_sent_ < out_.size());
  return true;
}

bool FixConnection::send(const std::string& message) {
  if (close_requested()) return false;
  std::lock_guard lock(out_mutex_);
  const std::size_t pending = out_.size() - out_sent_;
  if (pending + message.size() > limits_.max_outbound_bytes) {
    // The peer does not read: bounded memory beats an unbounded queue. The message stays in the
    // session's store and is resent when the client logs on again and asks for it.
    counters_.outbound_overflows.fetch_add(1, std::memory_order_relaxed);
    request_close();
    return false;
  }
  out_.append(message);
  if (!write_pending_locked()) {
    request_close();
    return false;
  }
  return true;
}

bool FixConnection::flush() {
  std::lock_guard lock(out_mutex_);
  return write_pending_locked();
}

void FixConnection::write_best_effort(std::string_view bytes) noexcept {
  std::lock_guard lock(out_mutex_);
  if (out_.size() - out_sent_ + bytes.size() > limits_.max_outbound_bytes) return;
  try {
    out_.append(bytes.data(), bytes.size());
  } catch (...) {
    return;
  }
  [[maybe_unused]] const bool ok = write_pending_locked();
}

}  // namespace keel::sim::fix_net
