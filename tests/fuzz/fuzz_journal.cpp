// Fuzzes the journal reader and writer (journal.hpp). The first input byte picks the mode:
//
//  odd   (a journal file starts with 'K', which is odd) — the whole input is a journal image:
//        scan_journal must not throw, every record it returns must lie inside the buffer, records
//        must be contiguous from byte 32 with intact lengths and checksums, and the problem (if any)
//        must name the first record not returned. Each record payload after its one-byte record type
//        (run_journal.hpp) goes to decode_event. The image is then scanned again with every
//        checksum repaired, so the fuzzer reaches decode_event and the record walk past the CRCs.
//  even  the rest is a list of payloads, each `u16 length (little-endian) | bytes` (the last one
//        truncated to what is left). They are written with JournalWriter to a temporary file, read
//        back with read_binary_file and scanned: the scan must be clean and hold the same payloads.
//        Prefixes of the file must scan as a prefix of the records.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "keel/core/primitives/crc32c.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/io/journal.hpp"

namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint32_t get_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t record_crc(const std::uint8_t* record, std::size_t length) {
  return keel::crc32c_extend(keel::crc32c(record, 4), record + keel::kJournalRecordHeaderSize, length);
}

void check_decode(Bytes record_payload) {
  if (record_payload.empty()) return;
  const Bytes event_bytes = record_payload.subspan(1);  // after the record type byte
  const auto decoded = keel::decode_event(event_bytes);
  if (!decoded.ok()) {
    KEEL_FUZZ_CHECK(decoded.error() == keel::Errc::kCorrupt);
    return;
  }
  const keel::Event& e = decoded.value();
  KEEL_FUZZ_CHECK(keel::is_valid_event_kind(static_cast<std::uint8_t>(e.header.kind)));
  KEEL_FUZZ_CHECK(keel::event_size(e.header.kind) == event_bytes.size());
  KEEL_FUZZ_CHECK(event_bytes.size() <= sizeof e.bytes);
  KEEL_FUZZ_CHECK(std::memcmp(e.bytes, event_bytes.data(), event_bytes.size()) == 0);
  for (std::size_t i = event_bytes.size(); i < sizeof e.bytes; ++i) KEEL_FUZZ_CHECK(e.bytes[i] == 0);
}

// Structural invariants of any scan of `image`; returns the end offset of the last record.
std::uint64_t check_scan(Bytes image, const keel::JournalScan& scan) {
  if (image.size() < keel::kJournalHeaderSize) {
    KEEL_FUZZ_CHECK(scan.problem.kind == keel::JournalProblemKind::kBadHeader);
  }
  if (scan.problem.kind == keel::JournalProblemKind::kBadHeader) {
    KEEL_FUZZ_CHECK(scan.records.empty());
    KEEL_FUZZ_CHECK(!scan.problem.message.empty());
    return 0;
  }
  std::uint64_t expected = keel::kJournalHeaderSize;
  const std::uint8_t* const base = image.data();
  for (const keel::JournalRecordView& r : scan.records) {
    KEEL_FUZZ_CHECK(r.offset == expected);
    KEEL_FUZZ_CHECK(!r.payload.empty() && r.payload.size() <= keel::kMaxJournalRecord);
    KEEL_FUZZ_CHECK(r.offset + keel::kJournalRecordHeaderSize + r.payload.size() <= image.size());
    KEEL_FUZZ_CHECK(r.payload.data() == base + r.offset + keel::kJournalRecordHeaderSize);
    KEEL_FUZZ_CHECK(get_u32(base + r.offset) == r.payload.size());
    KEEL_FUZZ_CHECK(get_u32(base + r.offset + 4) == record_crc(base + r.offset, r.payload.size()));
    expected += keel::kJournalRecordHeaderSize + r.payload.size();
    check_decode(r.payload);
  }
  if (scan.clean()) {
    KEEL_FUZZ_CHECK(expected == image.size());
    KEEL_FUZZ_CHECK(scan.problem.message.empty());
  } else {
    KEEL_FUZZ_CHECK(scan.problem.kind == keel::JournalProblemKind::kTornTail ||
                    scan.problem.kind == keel::JournalProblemKind::kCorruptRecord);
    KEEL_FUZZ_CHECK(scan.problem.record_index == scan.records.size());
    KEEL_FUZZ_CHECK(scan.problem.byte_offset == expected);
    KEEL_FUZZ_CHECK(expected < image.size());
    KEEL_FUZZ_CHECK(!scan.problem.message.empty());
  }
  return expected;
}

void fuzz_scan(Bytes image) {
  const keel::JournalScan scan = keel::scan_journal(image);
  check_scan(image, scan);
  if (scan.problem.kind == keel::JournalProblemKind::kBadHeader) return;

  // Repair every checksum along the record walk, then the walk must get exactly as far.
  std::vector<std::uint8_t> fixed(image.begin(), image.end());
  std::size_t offset = keel::kJournalHeaderSize;
  std::size_t walked = 0;
  while (fixed.size() - offset >= keel::kJournalRecordHeaderSize) {
    const std::uint32_t length = get_u32(fixed.data() + offset);
    if (length == 0 || length > keel::kMaxJournalRecord ||
        fixed.size() - offset - keel::kJournalRecordHeaderSize < length)
      break;
    put_u32(fixed.data() + offset + 4, record_crc(fixed.data() + offset, length));
    offset += keel::kJournalRecordHeaderSize + length;
    ++walked;
  }
  const keel::JournalScan repaired = keel::scan_journal(fixed);
  check_scan(fixed, repaired);
  KEEL_FUZZ_CHECK(repaired.records.size() == walked);
  KEEL_FUZZ_CHECK(repaired.records.size() >= scan.records.size());
  KEEL_FUZZ_CHECK(repaired.header.config_hash == scan.header.config_hash);
  if (offset == fixed.size()) KEEL_FUZZ_CHECK(repaired.clean());
}

const std::string& temp_path() {
  static const std::string path = "/tmp/keel_fuzz_journal_" + std::to_string(::getpid()) + ".bin";
  return path;
}

void fuzz_round_trip(Bytes rest) {
  std::vector<Bytes> payloads;
  std::size_t pos = 0;
  while (rest.size() - pos >= 2) {
    std::size_t length = rest[pos] | static_cast<std::size_t>(rest[pos + 1]) << 8;
    pos += 2;
    if (length > rest.size() - pos) length = rest.size() - pos;
    payloads.push_back(rest.subspan(pos, length));
    pos += length;
  }
  const std::uint64_t config_hash = 0x9E3779B97F4A7C15ull * (rest.size() + 1);

  std::vector<Bytes> written;
  std::uint64_t bytes = keel::kJournalHeaderSize;
  {
    keel::JournalWriter writer(temp_path(), config_hash);
    for (const Bytes p : payloads) {
      const keel::Errc e = writer.append(p);
      if (p.empty()) {
        KEEL_FUZZ_CHECK(e == keel::Errc::kInvalidArgument);
        continue;
      }
      KEEL_FUZZ_CHECK(e == keel::Errc::kOk);
      written.push_back(p);
      bytes += keel::kJournalRecordHeaderSize + p.size();
    }
    KEEL_FUZZ_CHECK(writer.records_written() == written.size());
    KEEL_FUZZ_CHECK(writer.bytes_written() == bytes);
    KEEL_FUZZ_CHECK(writer.close() == keel::Errc::kOk);
    KEEL_FUZZ_CHECK(writer.close() == keel::Errc::kOk);  // idempotent
  }
  const std::vector<std::uint8_t> image = keel::read_binary_file(temp_path());
  std::remove(temp_path().c_str());
  KEEL_FUZZ_CHECK(image.size() == bytes);

  const keel::JournalScan scan = keel::scan_journal(image);
  KEEL_FUZZ_CHECK(scan.clean());
  check_scan(image, scan);
  KEEL_FUZZ_CHECK(scan.header.version == keel::kJournalVersion);
  KEEL_FUZZ_CHECK(scan.header.config_hash == config_hash);
  KEEL_FUZZ_CHECK(scan.records.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    KEEL_FUZZ_CHECK(scan.records[i].payload.size() == written[i].size());
    KEEL_FUZZ_CHECK(std::memcmp(scan.records[i].payload.data(), written[i].data(), written[i].size()) == 0);
  }

  // A prefix of the file (a crash mid-write) keeps exactly the records that are complete in it.
  if (!rest.empty()) {
    const std::size_t cut = (static_cast<std::size_t>(rest[0]) * 257 + rest.size()) % (image.size() + 1);
    const Bytes prefix(image.data(), cut);
    const keel::JournalScan part = keel::scan_journal(prefix);
    const std::uint64_t end = check_scan(prefix, part);
    if (cut < keel::kJournalHeaderSize) {
      KEEL_FUZZ_CHECK(part.problem.kind == keel::JournalProblemKind::kBadHeader);
    } else {
      std::size_t complete = 0;
      std::uint64_t boundary = keel::kJournalHeaderSize;
      while (complete < written.size() &&
             boundary + keel::kJournalRecordHeaderSize + written[complete].size() <= cut) {
        boundary += keel::kJournalRecordHeaderSize + written[complete].size();
        ++complete;
      }
      KEEL_FUZZ_CHECK(part.records.size() == complete);
      KEEL_FUZZ_CHECK(end == boundary);
      KEEL_FUZZ_CHECK(part.clean() == (boundary == cut));
      if (!part.clean()) KEEL_FUZZ_CHECK(part.problem.kind == keel::JournalProblemKind::kTornTail);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes input(data, size);
  if ((data[0] & 1) != 0) {
    fuzz_scan(input);
  } else {
    fuzz_round_trip(input.subspan(1));
  }
  return 0;
}
