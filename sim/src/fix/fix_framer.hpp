// Cuts the raw bytes of one FIX connection into whole messages, with bounded memory.
//
// A message is "8=FIX.4.4<SOH>9=<length><SOH>" + <length> bytes of body + "10=ddd<SOH>" with the
// checksum over everything before the "10=" field. The framer never hands out anything else:
//   * bytes before a "8=" that starts a message are garbage: discarded and counted, never buffered
//     beyond the few bytes that could be the start of the next "8=";
//   * a message whose BodyLength is not plain digits, is larger than `max_message_bytes` or whose
//     trailer is not where BodyLength says is garbled: its "8=" is dropped and framing resumes at the
//     next "8=" (FIX: garbled messages are ignored, not answered); a well-formed frame with a wrong
//     checksum is dropped whole. Each byte is checksummed at most once, whatever the input;
//   * the framer keeps at most `max_message_bytes` + one read's worth of bytes.
// The connection decides what garbage means (before Logon it closes; after, it counts and goes on).
// Single-threaded; no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keel::sim::fix_net {

enum class FrameStatus : std::uint8_t {
  kMessage,   // `out` holds one whole, checksum-verified message
  kNeedMore,  // no whole message buffered yet
};

struct FramerCounters {
  std::uint64_t garbage_bytes = 0;     // bytes skipped while looking for "8="
  std::uint64_t garbled_messages = 0;  // framed-looking messages dropped (length, trailer, checksum)
  std::uint64_t oversize_messages = 0; // BodyLength above the limit (counted in garbled too)
};

class FixFramer {
 public:
  explicit FixFramer(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Appends received bytes. Call next() until it answers kNeedMore before appending again, so the
  // buffer stays bounded.
  void append(std::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }

  // Extracts the next whole message into `out` (replacing its contents).
  FrameStatus next(std::string& out);

  // Bytes buffered and not yet framed.
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size() - start_; }
  [[nodiscard]] const FramerCounters& counters() const noexcept { return counters_; }

 private:
  // Drops everything before the next "8=" at or after `from` (keeping a trailing '8' that may start
  // one); counts the dropped bytes as garbage.
  void skip_to_next_begin(std::size_t from);
  void compact();

  std::size_t max_message_bytes_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  FramerCounters counters_;
};

// FIX checksum: the sum of the bytes modulo 256.
[[nodiscard]] std::uint8_t fix_checksum(std::string_view bytes) noexcept;

}  // namespace keel::sim::fix_net
