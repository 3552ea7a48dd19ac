// Journal append throughput: 64-byte event records into a buffered file under /tmp.
//
//  * BM_JournalAppend: JournalWriter::append_event of keel::Trade events (64-byte payload, 72 bytes
//    with the record header), the writer's default 1 MiB buffer.
//  * BM_RunJournalAppend: RunJournalWriter::append(Event) (65-byte payload: record type + event).
//
// One iteration = one appended record; the iteration count is fixed so the file stays a few hundred
// MB. The timed region (wall clock) covers the appends and the buffer flushes they trigger
// (page-cache writes, no fsync); opening the file and the final close() are outside it. Afterwards,
// outside the timed region, the file is read back with scan_journal: it must be clean, hold exactly
// the records written, and every event must decode with the expected sequence number, else
// SkipWithError.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/io/config.hpp"
#include "keel/core/primitives/events.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/io/journal.hpp"
#include "keel/core/io/run_journal.hpp"

namespace {

constexpr std::int64_t kRecords = 1 << 22;  // records per benchmark run (~300 MB of journal)

// A unique journal path under /tmp for this process and benchmark.
std::string temp_path(const char* name) {
  return "/tmp/keel_bench_" + std::string(name) + "_" + std::to_string(::getpid()) + ".jnl";
}

keel::Event make_trade(std::uint64_t seq) noexcept {
  keel::Trade t{};
  t.header.ts_exchange = 1'606'780'800'000'000'000 + static_cast<std::int64_t>(seq);
  t.header.ts_local = t.header.ts_exchange + 150'000;
  t.header.instrument = 0;
  t.seq = seq;
  t.price = keel::Price::from_raw(1'969'587'000'000);  // 19695.87
  t.qty = keel::Qty::from_raw(1'000'000);               // 0.01
  t.trade_time = t.header.ts_exchange;
  t.aggressor = keel::Side::kSell;
  return keel::to_event(t);
}

// Checks that `path` is a clean journal whose records from index `first_event` on are exactly
// `events` trades with sequence numbers 0, 1, 2, … (after skipping `prefix_bytes` of each payload).
// Returns an empty string when it is, else what is wrong.
std::string verify(const std::string& path, std::size_t first_event, std::uint64_t events, std::size_t prefix_bytes) {
  std::vector<std::uint8_t> bytes;
  try {
    bytes = keel::read_binary_file(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  const keel::JournalScan scan = keel::scan_journal(bytes);
  if (!scan.clean()) return "scan_journal: " + scan.problem.message;
  if (scan.records.size() != first_event + events) {
    return "scan_journal found " + std::to_string(scan.records.size()) + " records, expected " +
           std::to_string(first_event + events);
  }
  for (std::uint64_t i = 0; i < events; ++i) {
    const auto payload = scan.records[first_event + i].payload;
    const auto event = keel::decode_event(payload.subspan(prefix_bytes));
    if (!event.ok() || event.value().header.kind != keel::EventKind::kTrade || event.value().trade.seq != i) {
      return "record " + std::to_string(first_event + i) + " is not trade " + std::to_string(i);
    }
  }
  return {};
}

// Reports throughput and the verification result; removes the file.
void finish(benchmark::State& state, const std::string& path, const std::string& problem, std::int64_t record_bytes) {
  std::remove(path.c_str());
  if (!problem.empty()) {
    state.SkipWithError(problem.c_str());
    return;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * record_bytes);
}

void BM_JournalAppend(benchmark::State& state) {
  const std::string path = temp_path("journal");
  std::string problem;
  try {
    keel::JournalWriter writer(path, /*config_hash=*/0x6b65656c);
    std::uint64_t seq = 0;
    std::uint64_t failures = 0;
    for (auto _ : state) {
      failures += writer.append_event(make_trade(seq++)) != keel::Errc::kOk ? 1 : 0;
    }
    if (failures != 0) problem = std::to_string(failures) + " appends failed";
    if (writer.close() != keel::Errc::kOk) problem = "close failed";
  } catch (const std::exception& e) {  // the file could not be created (start-up)
    problem = e.what();
  }
  if (problem.empty()) problem = verify(path, 0, static_cast<std::uint64_t>(state.iterations()), 0);
  finish(state, path, problem, static_cast<std::int64_t>(keel::kJournalRecordHeaderSize + sizeof(keel::Event)));
}
BENCHMARK(BM_JournalAppend)->Iterations(kRecords)->UseRealTime()->Unit(benchmark::kNanosecond);

void BM_RunJournalAppend(benchmark::State& state) {
  const std::string path = temp_path("run_journal");
  keel::InstrumentRegistry registry;
  keel::InstrumentSpec spec;
  spec.symbol = "BTCUSDT";
  spec.tick_size = keel::Price::from_raw(1'000'000);  // 0.01
  spec.lot_size = keel::Qty::from_raw(1'000);         // 0.00001
  registry.add(spec);
  std::string problem;
  try {
    keel::RunJournalWriter writer(path, keel::KeelConfig{}, registry);
    std::uint64_t seq = 0;
    std::uint64_t failures = 0;
    for (auto _ : state) {
      failures += writer.append(make_trade(seq++)) != keel::Errc::kOk ? 1 : 0;
    }
    if (failures != 0) problem = std::to_string(failures) + " appends failed";
    if (writer.close() != keel::Errc::kOk) problem = "close failed";
  } catch (const std::exception& e) {  // the file could not be created (start-up)
    problem = e.what();
  }
  // Records: one config, one per instrument, then the events, each prefixed by its record type.
  if (problem.empty()) problem = verify(path, 1 + registry.size(), static_cast<std::uint64_t>(state.iterations()), 1);
  finish(state, path, problem, static_cast<std::int64_t>(keel::kJournalRecordHeaderSize + 1 + sizeof(keel::Event)));
}
BENCHMARK(BM_RunJournalAppend)->Iterations(kRecords)->UseRealTime()->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
