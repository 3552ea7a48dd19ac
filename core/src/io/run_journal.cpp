#include "keel/core/io/run_journal.hpp"

#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/primitives/byte_order.hpp"

namespace keel {
RunJournalWriter::RunJournalWriter(const std::string& path, const KeelConfig& config,
                                   const InstrumentRegistry& registry)
    : writer_(path, config_hash(config)) {
  const std::string text = dump_config(config);
  std::vector<std::uint8_t> rec;
  rec.push_back(static_cast<std::uint8_t>(RecordType::kConfig));
  rec.insert(rec.end(), text.begin(), text.end());
  if (writer_.append(rec) != Errc::kOk) throw OutputError(path + ": cannot write the config record");
  for (const Instrument& ins : registry.all()) {
    rec.clear();
    rec.push_back(static_cast<std::uint8_t>(RecordType::kInstrument));
    std::uint8_t fields[28];
    le::put_u32(fields, ins.id);
    le::put_u64(fields + 4, static_cast<std::uint64_t>(ins.tick_size.raw()));
    le::put_u64(fields + 12, static_cast<std::uint64_t>(ins.lot_size.raw()));
    le::put_u64(fields + 20, static_cast<std::uint64_t>(ins.min_notional.raw()));
    rec.insert(rec.end(), fields, fields + sizeof fields);
    rec.insert(rec.end(), ins.symbol.begin(), ins.symbol.end());
    if (writer_.append(rec) != Errc::kOk) throw OutputError(path + ": cannot write an instrument record");
  }
}

Errc RunJournalWriter::append(const Event& event) noexcept {
  const std::size_t n = event_size(event.header.kind);
  if (n == 0) return Errc::kInvalidArgument;
  std::uint8_t buf[1 + sizeof(Event)];
  buf[0] = static_cast<std::uint8_t>(RecordType::kEvent);
  std::memcpy(buf + 1, event.bytes, n);
  return writer_.append(std::span<const std::uint8_t>(buf, n + 1));
}

RunJournal read_run_journal(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw DataError(path, 0, "cannot open file", DataError::Kind::kMissing);
  const std::vector<std::uint8_t> bytes = read_binary_file(path);
  const JournalScan scan = scan_journal(bytes);
  if (scan.problem.kind == JournalProblemKind::kBadHeader) throw DataError(path, 0, scan.problem.message);
  RunJournal run;
  run.config_hash = scan.header.config_hash;
  run.problem = scan.problem;
  bool have_config = false;
  for (std::size_t i = 0; i < scan.records.size(); ++i) {
    const auto& rec = scan.records[i];
    auto where = [&] { return fmt::format("record {} at byte {}", i, rec.offset); };
    const auto type = static_cast<RecordType>(rec.payload[0]);
    const auto body = rec.payload.subspan(1);
    if (!have_config) {
      if (type != RecordType::kConfig) throw DataError(path, 0, where() + ": expected the config record first");
      const std::string text(body.begin(), body.end());
      try {
        run.config = parse_config(text, path + " (embedded config)");
      } catch (const ConfigError& e) {
        throw DataError(path, 0, where() + ": " + e.what());
      }
      if (config_hash(run.config) != run.config_hash)
        throw DataError(path, 0, where() + ": embedded config does not match the header's config hash");
      have_config = true;
      continue;
    }
    if (type == RecordType::kInstrument) {
      if (!run.events.empty()) throw DataError(path, 0, where() + ": instrument record after events");
      if (body.size() < 4 + 24 + 1) throw DataError(path, 0, where() + ": short instrument record");
      const std::uint32_t id = le::get_u32(body.data());
      InstrumentSpec spec;
      spec.tick_size = Price::from_raw(le::get_i64(body.data() + 4));
      spec.lot_size = Qty::from_raw(le::get_i64(body.data() + 12));
      spec.min_notional = Notional::from_raw(le::get_i64(body.data() + 20));
      spec.symbol.assign(body.begin() + 28, body.end());
      if (id != run.registry.size()) throw DataError(path, 0, where() + ": instrument ids out of order");
      try {
        (void)run.registry.add(spec);
      } catch (const std::exception& e) {
        throw DataError(path, 0, where() + ": " + e.what());
      }
      if (run.registry.size() != id + 1u) throw DataError(path, 0, where() + ": duplicate instrument " + spec.symbol);
      continue;
    }
    if (type != RecordType::kEvent) throw DataError(path, 0, fmt::format("{}: unknown record type {}", where(), rec.payload[0]));
    const auto ev = decode_event(body);
    if (!ev.ok()) throw DataError(path, 0, where() + ": not a valid event");
    const InstrumentId ins = ev.value().header.instrument;
    if (ins != kNoInstrument && ins >= run.registry.size())
      throw DataError(path, 0, fmt::format("{}: event for unknown instrument id {}", where(), ins));
    run.events.push_back(ev.value());
  }
  if (!have_config) throw DataError(path, 0, scan.clean() ? "journal has no config record" : scan.problem.message);
  return run;
}

}  // namespace keel
