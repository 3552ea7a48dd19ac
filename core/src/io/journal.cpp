#include "keel/core/io/journal.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "keel/core/primitives/byte_order.hpp"
#include "keel/core/primitives/crc32c.hpp"

namespace keel {
namespace {

using le::get_u32;
using le::get_u64;
using le::put_u32;
using le::put_u64;

bool all_zero(std::span<const std::uint8_t> bytes) noexcept {
  for (const std::uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

// Offset of EventHeader::kind inside every event.
constexpr std::size_t kKindOffset = offsetof(EventHeader, kind);

}  // namespace

JournalWriter::JournalWriter(const std::string& path, std::uint64_t config_hash, std::size_t buffer_bytes)
    : buffer_(buffer_bytes < kMaxJournalRecord + kJournalRecordHeaderSize
                  ? kMaxJournalRecord + kJournalRecordHeaderSize
                  : buffer_bytes) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw OutputError(fmt::format("{}: cannot create the journal file", path));
  // keel buffers itself; an unbuffered FILE also avoids stdio's lazy buffer allocation on the first
  // write, which would land on the core thread after warm-up.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  std::uint8_t header[kJournalHeaderSize] = {};
  std::memcpy(header, kJournalMagic, sizeof kJournalMagic);
  put_u32(header + 8, kJournalVersion);
  put_u32(header + 12, static_cast<std::uint32_t>(kJournalHeaderSize));
  put_u64(header + 16, config_hash);
  std::memcpy(buffer_.data(), header, sizeof header);
  used_ = sizeof header;
  bytes_ = sizeof header;
}

JournalWriter::~JournalWriter() { (void)close(); }

Errc JournalWriter::append(std::span<const std::uint8_t> payload) noexcept {
  if (file_ == nullptr || failed_) return Errc::kIo;
  if (payload.empty() || payload.size() > kMaxJournalRecord) return Errc::kInvalidArgument;
  const std::size_t need = kJournalRecordHeaderSize + payload.size();
  if (used_ + need > buffer_.size()) {
    if (const Errc e = flush(); e != Errc::kOk) return e;
  }
  std::uint8_t* p = buffer_.data() + used_;
  put_u32(p, static_cast<std::uint32_t>(payload.size()));
  std::memcpy(p + kJournalRecordHeaderSize, payload.data(), payload.size());
  std::uint32_t crc = crc32c(p, 4);
  crc = crc32c_extend(crc, payload.data(), payload.size());
  put_u32(p + 4, crc);
  used_ += need;
  bytes_ += need;
  ++records_;
  return Errc::kOk;
}

Errc JournalWriter::append_event(const Event& event) noexcept {
  const std::size_t n = event_size(event.header.kind);
  if (n == 0) return Errc::kInvalidArgument;
  return append(std::span<const std::uint8_t>(event.bytes, n));
}

Errc JournalWriter::flush() noexcept {
  if (file_ == nullptr || failed_) return Errc::kIo;
  if (used_ > 0) {
    // After a short write the file's tail is unknown: the writer stays failed rather than write the
    // buffer again after bytes that may already be there.
    if (std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
      failed_ = true;
      return Errc::kIo;
    }
    used_ = 0;
  }
  if (std::fflush(file_) != 0) {
    failed_ = true;
    return Errc::kIo;
  }
  return Errc::kOk;
}

Errc JournalWriter::close() noexcept {
  if (file_ == nullptr) return Errc::kOk;
  Errc e = failed_ ? Errc::kIo : flush();
  if (std::fclose(file_) != 0 && e == Errc::kOk) e = Errc::kIo;
  file_ = nullptr;
  return e;
}

JournalScan scan_journal(std::span<const std::uint8_t> bytes) {
  JournalScan scan;
  auto fail = [&](JournalProblemKind kind, std::uint64_t index, std::uint64_t offset, std::string msg) {
    scan.problem = JournalProblem{kind, index, offset, std::move(msg)};
    return scan;
  };
  if (bytes.size() < kJournalHeaderSize)
    return fail(JournalProblemKind::kBadHeader, 0, 0,
                fmt::format("header: file has {} bytes, a journal header needs {}", bytes.size(),
                            kJournalHeaderSize));
  if (std::memcmp(bytes.data(), kJournalMagic, sizeof kJournalMagic) != 0)
    return fail(JournalProblemKind::kBadHeader, 0, 0, "header: not a keel journal (bad magic)");
  scan.header.version = get_u32(bytes.data() + 8);
  if (scan.header.version != kJournalVersion)
    return fail(JournalProblemKind::kBadHeader, 0, 8,
                fmt::format("header: unsupported journal version {}", scan.header.version));
  if (get_u32(bytes.data() + 12) != kJournalHeaderSize || get_u64(bytes.data() + 24) != 0)
    return fail(JournalProblemKind::kBadHeader, 0, 12, "header: corrupt header fields");
  scan.header.config_hash = get_u64(bytes.data() + 16);

  std::uint64_t offset = kJournalHeaderSize;
  std::uint64_t index = 0;
  while (offset < bytes.size()) {
    const std::uint64_t left = bytes.size() - offset;
    if (left < kJournalRecordHeaderSize)
      return fail(JournalProblemKind::kTornTail, index, offset,
                  fmt::format("record {} at byte {}: torn tail ({} of {} header bytes)", index, offset,
                              left, kJournalRecordHeaderSize));
    const std::uint8_t* p = bytes.data() + offset;
    const std::uint32_t length = get_u32(p);
    const bool fits = length != 0 && length <= kMaxJournalRecord && left - kJournalRecordHeaderSize >= length;
    // A crash can leave a tail of zeros (the file was extended before the data reached it): that is
    // a torn tail too, not corruption.
    if (!fits && all_zero(bytes.subspan(offset)))
      return fail(JournalProblemKind::kTornTail, index, offset,
                  fmt::format("record {} at byte {}: torn tail ({} zero bytes)", index, offset, left));
    if (length == 0 || length > kMaxJournalRecord)
      return fail(JournalProblemKind::kCorruptRecord, index, offset,
                  fmt::format("record {} at byte {}: corrupt length {}", index, offset, length));
    // A length running past the end is what a torn write leaves; a damaged length field looks the
    // same, so the message says both.
    if (left - kJournalRecordHeaderSize < length)
      return fail(JournalProblemKind::kTornTail, index, offset,
                  fmt::format("record {} at byte {}: torn tail or corrupt length ({} of {} payload bytes)",
                              index, offset, left - kJournalRecordHeaderSize, length));
    std::uint32_t crc = crc32c(p, 4);
    crc = crc32c_extend(crc, p + kJournalRecordHeaderSize, length);
    if (crc != get_u32(p + 4))
      return fail(JournalProblemKind::kCorruptRecord, index, offset,
                  fmt::format("record {} at byte {}: checksum mismatch", index, offset));
    scan.records.push_back({offset, bytes.subspan(offset + kJournalRecordHeaderSize, length)});
    offset += kJournalRecordHeaderSize + length;
    ++index;
  }
  return scan;
}

std::vector<std::uint8_t> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open file", path));
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(fmt::format("{}: read error", path));
  return data;
}

Result<Event> decode_event(std::span<const std::uint8_t> payload) noexcept {
  if (payload.size() <= kKindOffset || payload.size() > sizeof(Event)) return Errc::kCorrupt;
  const std::uint8_t kind = payload[kKindOffset];
  if (!is_valid_event_kind(kind)) return Errc::kCorrupt;
  if (event_size(static_cast<EventKind>(kind)) != payload.size()) return Errc::kCorrupt;
  Event e{};
  std::memcpy(e.bytes, payload.data(), payload.size());
  return e;
}

}  // namespace keel
