// FixFramer: see fix_framer.hpp.
#include "fix_framer.hpp"

namespace keel::sim::fix_net {
namespace {

constexpr char kSoh = '\x01';
constexpr std::size_t kMaxBeginStringField = 32;  // "8=" + value + SOH
constexpr std::size_t kMaxBodyLengthDigits = 7;
constexpr std::size_t kTrailerBytes = 7;          // "10=ddd" + SOH

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::uint8_t fix_checksum(std::string_view bytes) noexcept {
  unsigned sum = 0;
  for (const char c : bytes) sum += static_cast<unsigned char>(c);
  return static_cast<std::uint8_t>(sum & 0xFFu);
}

void FixFramer::skip_to_next_begin(std::size_t from) {
  const std::size_t found = buffer_.find("8=", from);
  std::size_t keep_from;
  if (found != std::string::npos) {
    keep_from = found;
  } else {
    // A trailing '8' may be the first byte of the next "8=".
    keep_from = (buffer_.size() > from && buffer_.back() == '8') ? buffer_.size() - 1 : buffer_.size();
  }
  if (keep_from > start_) counters_.garbage_bytes += keep_from - start_;
  start_ = keep_from;
}

void FixFramer::compact() {
  if (start_ == 0) return;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ >= 4096 || start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
}

FrameStatus FixFramer::next(std::string& out) {
  for (;;) {
    const std::string_view view = std::string_view(buffer_).substr(start_);
    if (view.size() < 2) {
      if (!view.empty() && view[0] != '8') skip_to_next_begin(start_);
      compact();
      return FrameStatus::kNeedMore;
    }
    if (view[0] != '8' || view[1] != '=') {
      skip_to_next_begin(start_);
      continue;
    }
    const auto garbled = [&](bool oversize) {
      ++counters_.garbled_messages;
      if (oversize) ++counters_.oversize_messages;
      skip_to_next_begin(start_ + 1);
    };

    // 8=<BeginString><SOH>
    const std::size_t soh1 = view.find(kSoh);
    if (soh1 == std::string_view::npos || soh1 >= kMaxBeginStringField) {
      if (view.size() < kMaxBeginStringField && soh1 == std::string_view::npos) {
        compact();
        return FrameStatus::kNeedMore;
      }
      garbled(false);
      continue;
    }
    // 9=<digits><SOH>
    std::size_t pos = soh1 + 1;
    if (view.size() < pos + 2) {
      compact();
      return FrameStatus::kNeedMore;
    }
    if (view[pos] != '9' || view[pos + 1] != '=') {
      garbled(false);
      continue;
    }
    pos += 2;
    std::size_t body_length = 0;
    std::size_t digits = 0;
    bool need_more = false;
    bool bad = false;
    for (;;) {
      if (pos >= view.size()) {
        need_more = true;
        break;
      }
      const char c = view[pos];
      if (c == kSoh) break;
      if (!is_digit(c) || ++digits > kMaxBodyLengthDigits) {
        bad = true;
        break;
      }
      body_length = body_length * 10 + static_cast<std::size_t>(c - '0');
      ++pos;
    }
    if (bad || (!need_more && digits == 0)) {
      garbled(false);
      continue;
    }
    if (need_more) {
      compact();
      return FrameStatus::kNeedMore;
    }
    if (body_length > max_message_bytes_) {
      garbled(true);
      continue;
    }
    const std::size_t trailer = pos + 1 + body_length;
    const std::size_t total = trailer + kTrailerBytes;
    if (view.size() < total) {
      compact();
      return FrameStatus::kNeedMore;
    }
    const std::string_view t = view.substr(trailer, kTrailerBytes);
    if (t[0] != '1' || t[1] != '0' || t[2] != '=' || !is_digit(t[3]) || !is_digit(t[4]) ||
        !is_digit(t[5]) || t[6] != kSoh || (trailer > 0 && view[trailer - 1] != kSoh)) {
      garbled(false);
      continue;
    }
    const unsigned declared = static_cast<unsigned>((t[3] - '0') * 100 + (t[4] - '0') * 10 + (t[5] - '0'));
    if (declared != fix_checksum(view.substr(0, trailer))) {
      // The frame is well formed and only its checksum is wrong: drop all of it. Resuming one byte
      // further would let a crafted buffer of nested headers cost a checksum pass per byte.
      ++counters_.garbled_messages;
      start_ += total;
      skip_to_next_begin(start_);
      continue;
    }
    out.assign(view.data(), total);
    start_ += total;
    compact();
    return FrameStatus::kMessage;
  }
}

}  // namespace keel::sim::fix_net
