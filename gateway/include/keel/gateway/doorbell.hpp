// A doorbell for a thread that waits for work on SPSC rings without spinning forever: producers
// ring() after publishing; the consumer spins a while, then sleeps in wait() until rung or a timeout.
//
// The classic event-count handshake makes it race-free: the consumer reads the ticket, checks its
// rings, and sleeps only if the ticket is unchanged (the futex compares it atomically); a producer
// bumps the ticket after publishing, so a publication after the check changes the ticket and the
// futex returns at once. ring() costs one atomic add, plus a FUTEX_WAKE syscall only while the
// consumer is asleep — the core thread (which rings the FIX thread's bell) never blocks on it.
// Linux only (futex).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace keel::gateway {

class Doorbell {
 public:
  // The ticket to pass to wait(): read it BEFORE checking the rings.
  [[nodiscard]] std::uint32_t ticket() const noexcept { return ticket_.load(std::memory_order_acquire); }

  // Producer side, after publishing.
  // The ticket bump and the sleeper check (and the consumer's mirror image in wait()) are seq_cst:
  // a store followed by a load of another variable needs a full fence (Dekker), or both sides could
  // miss each other.
  void ring() noexcept {
    ticket_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&ticket_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

  // Consumer side: sleeps until the ticket differs from `seen` or `timeout_ns` passes (spurious
  // wake-ups are possible; the caller re-checks its rings).
  void wait(std::uint32_t seen, std::int64_t timeout_ns) noexcept {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (ticket_.load(std::memory_order_seq_cst) == seen) {
      timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&ticket_), FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
    }
    sleepers_.fetch_sub(1, std::memory_order_acq_rel);
  }

 private:
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  alignas(64) std::atomic<std::uint32_t> ticket_{0};
  std::atomic<std::uint32_t> sleepers_{0};
};

}  // namespace keel::gateway
