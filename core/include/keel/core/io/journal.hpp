// The journal: an append-only binary file of records (ARCHITECTURE.md "Data formats").
//
//   file   := header record*
//   header := magic "KEELJNL\0" (8) | u32 version (1) | u32 header size (32) | u64 config hash |
//             u64 reserved (0)                                   — 32 bytes, little-endian
//   record := u32 length | u32 crc32c | length bytes
//
// The checksum covers the 4 length bytes followed by the payload, so a damaged length is caught
// like a damaged payload. A record is at most kMaxJournalRecord bytes. Event records hold the
// event's own bytes (events.hpp: event_size(kind) bytes, canonical by construction).
//
// Reading stops at the first problem and keeps every record before it: a torn tail (the file ends
// inside a record, or the rest of the file is zeros) or a corrupt record (bad checksum, impossible
// length), with the record index and byte offset named. A length field damaged so that it runs past
// the end of the file cannot be told from a torn write; it is reported as "torn tail or corrupt
// length".
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/result.hpp"

namespace keel {

inline constexpr char kJournalMagic[8] = {'K', 'E', 'E', 'L', 'J', 'N', 'L', '\0'};
inline constexpr std::uint32_t kJournalVersion = 1;
inline constexpr std::size_t kJournalHeaderSize = 32;
inline constexpr std::size_t kJournalRecordHeaderSize = 8;
inline constexpr std::uint32_t kMaxJournalRecord = 1u << 20;

// An output file cannot be created or written (the `keel` program exits 73).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalHeader {
  std::uint32_t version = kJournalVersion;
  std::uint64_t config_hash = 0;
};

// Buffered writer. Appends never allocate (the buffer is allocated at open); the buffer is written
// to the file when full and on flush()/close(). Not thread-safe: one writer thread.
class JournalWriter {
 public:
  // Creates (truncates) `path` and writes the header. Throws OutputError naming the path when the
  // file cannot be created (start-up).
  JournalWriter(const std::string& path, std::uint64_t config_hash, std::size_t buffer_bytes = 1u << 20);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // kInvalidArgument for an empty or oversized record, kIo when the OS refuses the write (after
  // which the writer stays failed).
  [[nodiscard]] Errc append(std::span<const std::uint8_t> payload) noexcept;
  // Writes the event's canonical bytes.
  [[nodiscard]] Errc append_event(const Event& event) noexcept;
  [[nodiscard]] Errc flush() noexcept;
  [[nodiscard]] Errc close() noexcept;  // flush + fsync-free close; idempotent

  [[nodiscard]] std::uint64_t records_written() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_; }

 private:
  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  std::size_t used_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
  bool failed_ = false;  // a write failed: every later call returns kIo
};

enum class JournalProblemKind : std::uint8_t { kNone = 0, kBadHeader = 1, kTornTail = 2, kCorruptRecord = 3 };

struct JournalProblem {
  JournalProblemKind kind = JournalProblemKind::kNone;
  std::uint64_t record_index = 0;  // index of the first record not returned
  std::uint64_t byte_offset = 0;   // offset of that record (or of the header problem)
  std::string message;             // e.g. "record 12 at byte 812: checksum mismatch"
};

struct JournalRecordView {
  std::uint64_t offset = 0;  // byte offset of the record header in the file
  std::span<const std::uint8_t> payload;
};

struct JournalScan {
  JournalHeader header;
  std::vector<JournalRecordView> records;  // every intact record before the first problem
  JournalProblem problem;
  [[nodiscard]] bool clean() const noexcept { return problem.kind == JournalProblemKind::kNone; }
};

// Scans a journal image in memory; the views point into `bytes`. Never throws for bad content.
JournalScan scan_journal(std::span<const std::uint8_t> bytes);

// Reads a whole file into memory. Throws std::runtime_error naming the path when it cannot be read.
std::vector<std::uint8_t> read_binary_file(const std::string& path);

// Decodes an event record. kCorrupt when the payload is not a valid event (unknown kind, wrong size).
[[nodiscard]] Result<Event> decode_event(std::span<const std::uint8_t> payload) noexcept;

}  // namespace keel
