#include <gtest/gtest.h>

#include <cstring>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/crc32c.hpp"
#include "keel/core/io/journal.hpp"
#include "keel/core/io/run_journal.hpp"
#include "test_support.hpp"

using namespace keel;

namespace {

std::vector<std::vector<std::uint8_t>> sample_payloads() {
  std::vector<std::vector<std::uint8_t>> out;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::uint8_t> p(static_cast<std::size_t>(3 + i * 5));
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = static_cast<std::uint8_t>(i * 31 + k);
    out.push_back(p);
  }
  return out;
}

std::vector<std::uint8_t> write_journal(const test::ScratchDir& dir, const std::vector<std::vector<std::uint8_t>>& payloads) {
  const std::string path = dir.file("j.bin");
  {
    JournalWriter w(path, 0x1122334455667788ull);
    for (const auto& p : payloads) EXPECT_EQ(w.append(p), Errc::kOk);
    EXPECT_EQ(w.close(), Errc::kOk);
    EXPECT_EQ(w.records_written(), payloads.size());
  }
  return read_binary_file(path);
}

}  // namespace

TEST(Crc32c, KnownVectorsAndBothImplementationsAgree) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  std::vector<std::uint8_t> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t n = 0; n <= data.size(); n += 13)
    EXPECT_EQ(crc32c(data.data(), n), crc32c_extend_portable(0, data.data(), n));
  const auto whole = crc32c(data.data(), 1000);
  EXPECT_EQ(crc32c_extend(crc32c(data.data(), 400), data.data() + 400, 600), whole);
}

TEST(Journal, RoundTrip) {
  test::ScratchDir dir("journal-rt");
  const auto payloads = sample_payloads();
  const auto bytes = write_journal(dir, payloads);
  const JournalScan scan = scan_journal(bytes);
  ASSERT_TRUE(scan.clean()) << scan.problem.message;
  EXPECT_EQ(scan.header.config_hash, 0x1122334455667788ull);
  ASSERT_EQ(scan.records.size(), payloads.size());
  for (std::size_t i = 0; i < payloads.size(); ++i)
    EXPECT_TRUE(std::equal(payloads[i].begin(), payloads[i].end(), scan.records[i].payload.begin(),
                           scan.records[i].payload.end()));
}

TEST(Journal, RejectsEmptyAndOversizedRecords) {
  test::ScratchDir dir("journal-bad");
  JournalWriter w(dir.file("j.bin"), 0);
  EXPECT_EQ(w.append({}), Errc::kInvalidArgument);
  std::vector<std::uint8_t> big(kMaxJournalRecord + 1);
  EXPECT_EQ(w.append(big), Errc::kInvalidArgument);
  EXPECT_EQ(w.close(), Errc::kOk);
}

TEST(Journal, UnwritablePathThrowsWithThePath) {
  try {
    JournalWriter w("/nonexistent-dir/j.bin", 0);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/j.bin"), std::string::npos);
  }
}

// Cut the file at every byte offset: the reader returns exactly the records that are complete, and
// names a torn tail (or a bad header) wherever the cut is not on a record boundary.
TEST(Journal, TruncationAtEveryOffset) {
  test::ScratchDir dir("journal-trunc");
  const auto payloads = sample_payloads();
  const auto bytes = write_journal(dir, payloads);
  std::vector<std::size_t> boundaries{kJournalHeaderSize};
  for (const auto& p : payloads) boundaries.push_back(boundaries.back() + kJournalRecordHeaderSize + p.size());
  ASSERT_EQ(boundaries.back(), bytes.size());
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    const JournalScan scan = scan_journal(std::span(bytes.data(), cut));
    if (cut < kJournalHeaderSize) {
      EXPECT_EQ(scan.problem.kind, JournalProblemKind::kBadHeader) << cut;
      EXPECT_TRUE(scan.records.empty());
      continue;
    }
    std::size_t complete = 0;
    while (complete + 1 < boundaries.size() && boundaries[complete + 1] <= cut) ++complete;
    EXPECT_EQ(scan.records.size(), complete) << "cut at " << cut;
    const bool on_boundary = boundaries[complete] == cut;
    if (on_boundary) {
      EXPECT_TRUE(scan.clean()) << "cut at " << cut << ": " << scan.problem.message;
    } else {
      EXPECT_EQ(scan.problem.kind, JournalProblemKind::kTornTail) << "cut at " << cut;
      EXPECT_EQ(scan.problem.record_index, complete);
      EXPECT_EQ(scan.problem.byte_offset, boundaries[complete]);
      EXPECT_NE(scan.problem.message.find("torn tail"), std::string::npos);
    }
    for (std::size_t i = 0; i < scan.records.size(); ++i)
      EXPECT_TRUE(std::equal(payloads[i].begin(), payloads[i].end(), scan.records[i].payload.begin(),
                             scan.records[i].payload.end()));
  }
}

// Flip every byte in turn: the damage is always detected, at the record that holds the byte (or in
// the header), and every record before it is returned intact.
TEST(Journal, CorruptionAtEveryByte) {
  test::ScratchDir dir("journal-corrupt");
  const auto payloads = sample_payloads();
  const auto bytes = write_journal(dir, payloads);
  std::vector<std::size_t> boundaries{kJournalHeaderSize};
  for (const auto& p : payloads) boundaries.push_back(boundaries.back() + kJournalRecordHeaderSize + p.size());
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0xFF}}) {
      auto damaged = bytes;
      damaged[pos] ^= mask;
      const JournalScan scan = scan_journal(damaged);
      if (pos >= 16 && pos < 24) {  // the config hash is data, not structure: it changes, nothing breaks
        EXPECT_TRUE(scan.clean());
        EXPECT_NE(scan.header.config_hash, 0x1122334455667788ull);
        continue;
      }
      ASSERT_FALSE(scan.clean()) << "byte " << pos << " mask " << int(mask);
      if (pos < kJournalHeaderSize) {
        EXPECT_EQ(scan.problem.kind, JournalProblemKind::kBadHeader);
        continue;
      }
      std::size_t rec = 0;
      while (boundaries[rec + 1] <= pos) ++rec;
      EXPECT_EQ(scan.problem.record_index, rec) << "byte " << pos;
      EXPECT_EQ(scan.problem.byte_offset, boundaries[rec]) << "byte " << pos;
      EXPECT_EQ(scan.records.size(), rec);
      const std::size_t in_record = pos - boundaries[rec];
      if (in_record >= 4) {
        // Checksum or payload damage: always a corrupt record.
        EXPECT_EQ(scan.problem.kind, JournalProblemKind::kCorruptRecord) << "byte " << pos;
      } else {
        // A damaged length is corrupt, or — when it now runs past the end — indistinguishable from a
        // torn write, and then named as both.
        if (scan.problem.kind == JournalProblemKind::kTornTail)
          EXPECT_NE(scan.problem.message.find("torn tail or corrupt length"), std::string::npos) << pos;
        else
          EXPECT_EQ(scan.problem.kind, JournalProblemKind::kCorruptRecord) << "byte " << pos;
      }
    }
  }
}

// A crash can leave the file extended with zeros: a torn tail, not corruption.
TEST(Journal, ZeroFilledTailIsTorn) {
  test::ScratchDir dir("journal-zero");
  const auto payloads = sample_payloads();
  auto bytes = write_journal(dir, payloads);
  const std::size_t intact = bytes.size();
  bytes.resize(bytes.size() + 4096, 0);
  const JournalScan scan = scan_journal(bytes);
  EXPECT_EQ(scan.records.size(), payloads.size());
  EXPECT_EQ(scan.problem.kind, JournalProblemKind::kTornTail);
  EXPECT_EQ(scan.problem.byte_offset, intact);
}

TEST(Journal, DecodeEventChecksKindAndSize) {
  Bar b{};
  b.header.instrument = 1;
  b.close = Price::from_raw(5);
  const Event e = to_event(b);
  const auto ok = decode_event(std::span<const std::uint8_t>(e.bytes, sizeof(Bar)));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().bar.close.raw(), 5);
  EXPECT_EQ(decode_event(std::span<const std::uint8_t>(e.bytes, sizeof(Bar) - 1)).error(), Errc::kCorrupt);
  Event bad = e;
  bad.bytes[offsetof(EventHeader, kind)] = 200;
  EXPECT_EQ(decode_event(std::span<const std::uint8_t>(bad.bytes, sizeof(Bar))).error(), Errc::kCorrupt);
}

TEST(RunJournal, RecordsConfigInstrumentsAndEvents) {
  test::ScratchDir dir("run-journal");
  KeelConfig config;
  config.run.seed = 7;
  InstrumentRegistry reg;
  (void)reg.add({"AAAUSDT", Price::from_raw(100), Qty::from_raw(1000), Notional::from_units(5)});
  (void)reg.add({"BBBUSDT", Price::from_raw(1), Qty::from_raw(1), Notional{}});
  const std::string path = dir.file("run.bin");
  {
    RunJournalWriter w(path, config, reg);
    for (int i = 0; i < 10; ++i) {
      Bar b{};
      b.header.instrument = static_cast<InstrumentId>(i % 2);
      b.header.ts_exchange = i;
      b.open = b.high = b.low = b.close = Price::from_raw(100 + i);
      ASSERT_EQ(w.append(to_event(b)), Errc::kOk);
    }
    ASSERT_EQ(w.close(), Errc::kOk);
  }
  const RunJournal run = read_run_journal(path);
  EXPECT_EQ(run.config.run.seed, 7u);
  EXPECT_EQ(run.config_hash, config_hash(config));
  ASSERT_EQ(run.registry.size(), 2u);
  EXPECT_EQ(run.registry.get(0).symbol, "AAAUSDT");
  EXPECT_EQ(run.registry.get(0).tick_size.raw(), 100);
  ASSERT_EQ(run.events.size(), 10u);
  EXPECT_EQ(run.events[9].bar.close.raw(), 109);
  EXPECT_TRUE(run.problem.message.empty());

  // A torn tail keeps every event before it and says where it is.
  auto bytes = read_binary_file(path);
  bytes.resize(bytes.size() - 3);
  const std::string torn = dir.write("torn.bin", std::string(bytes.begin(), bytes.end()));
  const RunJournal partial = read_run_journal(torn);
  EXPECT_EQ(partial.events.size(), 9u);
  EXPECT_EQ(partial.problem.kind, JournalProblemKind::kTornTail);

  // Not a journal at all.
  const std::string junk = dir.write("junk.bin", "hello");
  EXPECT_THROW(read_run_journal(junk), DataError);
}
