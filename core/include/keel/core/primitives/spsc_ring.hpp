// Single-producer single-consumer ring for cross-thread handoff, built like rigtorp's SPSCQueue:
// capacity fixed at construction (the only allocation), head and tail on their own cache lines, and
// each side caching the other side's index so the common case touches no shared cache line.
//
// Slot storage starts on a cache-line boundary and is padded to whole lines, so a 64-byte element
// (keel::Event) occupies exactly one line: a slot never straddles two lines (which would make every
// push and pop move two lines between the cores) and no other heap object shares the ring's lines.
//
// Contract: exactly one producer thread calls try_push/try_stage/publish; exactly one consumer thread
// calls front/pop/try_pop. Neither side blocks or allocates. T must be trivially copyable.
//
// Batched publication: try_stage() writes an element without making it visible and publish() makes
// every staged element visible with one store of the tail index. On a machine where moving a cache
// line between cores is slow, publishing the tail once per element makes a caught-up consumer pull
// the tail's line across for every element; a producer that decodes one network frame into several
// events stages them and publishes once per frame.
#pragma once

#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace keel {

inline constexpr std::size_t kCacheLine = 64;

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "ring elements are copied as bytes");
  static_assert(alignof(T) <= kCacheLine, "slots are aligned to a cache line, not more");

 public:
  // Holds at least `capacity` elements: the slot count is the smallest power of two above capacity
  // (one slot stays empty), so capacity() is 2^k − 1 ≥ capacity. Throws std::invalid_argument for 0
  // or more than 2^40 and std::bad_alloc when the memory cannot be had (start-up only).
  explicit SpscRing(std::size_t capacity) {
    if (capacity == 0 || capacity > (std::size_t{1} << 40))
      throw std::invalid_argument("SpscRing capacity must be within 1 .. 2^40");
    std::size_t size = 1;
    while (size < capacity + 1) size <<= 1;  // one slot stays empty to tell full from empty
    mask_ = size - 1;
    if (size > (std::numeric_limits<std::size_t>::max() - kCacheLine) / sizeof(T)) throw std::bad_alloc();
    // Whole cache lines, the first slot on a line boundary (aligned operator new throws std::bad_alloc).
    const std::size_t bytes = (size * sizeof(T) + kCacheLine - 1) / kCacheLine * kCacheLine;
    slots_.reset(static_cast<T*>(::operator new(bytes, std::align_val_t{kCacheLine})));
    std::uninitialized_value_construct_n(slots_.get(), size);  // all slots value-initialised
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  [[nodiscard]] std::size_t capacity() const noexcept { return mask_; }

  // Producer. Returns false when the ring is full. Publishes anything staged before it too.
  [[nodiscard]] bool try_push(const T& value) noexcept {
    if (!try_stage(value)) return false;
    publish();
    return true;
  }

  // Producer. Writes the element after any staged ones without publishing it; false when full
  // (staged elements count against the capacity).
  [[nodiscard]] bool try_stage(const T& value) noexcept {
    const std::size_t next = (staged_tail_ + 1) & mask_;
    if (next == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (next == head_cache_) return false;
    }
    slots_[staged_tail_] = value;
    staged_tail_ = next;
    return true;
  }

  // Producer. How many more elements try_stage() would take now (at least; the consumer may free
  // more meanwhile). Lets a producer publish a batch whole or not at all.
  [[nodiscard]] std::size_t producer_free() noexcept {
    head_cache_ = head_.load(std::memory_order_acquire);
    return mask_ - ((staged_tail_ - head_cache_) & mask_);
  }

  // Producer. Makes every staged element visible to the consumer.
  void publish() noexcept { tail_.store(staged_tail_, std::memory_order_release); }

  // Consumer. Returns the oldest element, or nullptr when the ring is empty. The pointer is valid
  // until pop().
  [[nodiscard]] const T* front() noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return nullptr;
    }
    return &slots_[head];
  }

  // Consumer. Requires front() != nullptr.
  void pop() noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    head_.store((head + 1) & mask_, std::memory_order_release);
  }

  // Consumer convenience: copies the oldest element out. Returns false when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    const T* v = front();
    if (v == nullptr) return false;
    out = *v;
    pop();
    return true;
  }

  // Approximate when called concurrently; exact when both sides are quiescent.
  [[nodiscard]] std::size_t size() const noexcept {
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    return (tail - head) & mask_;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  // T is trivially copyable, hence trivially destructible: freeing the storage ends the slots.
  struct AlignedDelete {
    void operator()(T* p) const noexcept { ::operator delete(p, std::align_val_t{kCacheLine}); }
  };
  std::unique_ptr<T[], AlignedDelete> slots_;
  std::size_t mask_ = 0;
  // Consumer-owned line: head index plus the consumer's cached copy of tail. Separate lines stop the
  // producer's writes from invalidating the consumer's line (false sharing) on every element.
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
  std::size_t tail_cache_ = 0;
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
  std::size_t head_cache_ = 0;
  std::size_t staged_tail_ = 0;  // producer-only: where the next staged element goes
  char pad_[kCacheLine - sizeof(std::size_t) * 3] = {};
};

}  // namespace keel
