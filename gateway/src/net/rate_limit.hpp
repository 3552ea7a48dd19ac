// The venue's rate limits as the client keeps them (gateway-private). Times are monotonic ns.
#pragma once

#include <cstdint>
#include <vector>

namespace keel::gateway::net {

// Outgoing messages on one WebSocket connection: at most `per_second`, evenly spaced (a bucket of
// one token, refilled every 1/per_second s). No bursts: Binance counts messages per second per
// connection (pings and pongs included) and disconnects past the limit, so spacing them is the
// safe reading of "5 per second".
class MessagePacer {
 public:
  explicit MessagePacer(int per_second = 5) noexcept { set_rate(per_second); }
  void set_rate(int per_second) noexcept {
    interval_ns_ = 1'000'000'000LL / (per_second > 0 ? per_second : 1);
  }
  [[nodiscard]] bool ready(std::int64_t now_ns) const noexcept { return now_ns >= next_ns_; }
  // Call when a message goes out (only when ready()).
  void sent(std::int64_t now_ns) noexcept { next_ns_ = now_ns + interval_ns_; }
  void reset() noexcept { next_ns_ = 0; }

 private:
  std::int64_t interval_ns_ = 200'000'000;
  std::int64_t next_ns_ = 0;
};

// REST request weight within any sliding 60-s window (Binance counts per minute): a request of
// weight w may go out when the weights sent in the last 60 s plus w stay within the budget.
// Stricter than a token bucket, which could spend twice the budget across one calendar minute. The
// log of sends is a ring sized in the constructor (each request weighs at least 1), so nothing
// allocates.
class WeightWindow {
 public:
  static constexpr std::int64_t kWindowNs = 60'000'000'000LL;

  explicit WeightWindow(int budget)
      : budget_(budget > 0 ? budget : 1), ring_(static_cast<std::size_t>(budget_)) {}

  [[nodiscard]] int budget() const noexcept { return budget_; }
  [[nodiscard]] bool fits(int weight, std::int64_t now_ns) noexcept {
    expire(now_ns);
    return weight <= budget_ && used_ + weight <= budget_;
  }
  // Records a send; requires fits(weight, now_ns).
  void spend(int weight, std::int64_t now_ns) noexcept {
    Entry& e = ring_[(head_ + count_) % ring_.size()];
    e = {now_ns, weight};
    ++count_;
    used_ += weight;
  }
  [[nodiscard]] int used() const noexcept { return used_; }

 private:
  struct Entry {
    std::int64_t at_ns;
    int weight;
  };
  void expire(std::int64_t now_ns) noexcept {
    while (count_ > 0 && now_ns - ring_[head_].at_ns >= kWindowNs) {
      used_ -= ring_[head_].weight;
      head_ = (head_ + 1) % ring_.size();
      --count_;
    }
  }
  int budget_;
  std::vector<Entry> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  int used_ = 0;
};

}  // namespace keel::gateway::net
