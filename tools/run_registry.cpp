#include "run_registry.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "json_writer.hpp"
#include "keel/core/io/journal.hpp"
#include "keel/core/primitives/digest.hpp"

namespace keel::cli {
namespace {

// The value of "key": "text" or "key": digits in one runs.jsonl line ("" when absent). The lines
// are keel's own (JsonObject): no escapes inside the values read here.
std::string field(const std::string& line, const std::string& key) {
  const std::string tag = "\"" + key + "\":";
  std::size_t at = line.find(tag);
  if (at == std::string::npos) return "";
  at += tag.size();
  while (at < line.size() && line[at] == ' ') ++at;
  if (at < line.size() && line[at] == '"') {
    const std::size_t end = line.find('"', at + 1);
    return end == std::string::npos ? "" : line.substr(at + 1, end - at - 1);
  }
  std::size_t end = at;
  while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
  return line.substr(at, end - at);
}

}  // namespace

std::uint64_t trading_hash(const KeelConfig& config) {
  KeelConfig c = config;
  const LiveConfig defaults;
  const std::int64_t bar_interval = c.live.bar_interval_ms;
  const std::int64_t book_levels = c.live.book_levels;
  c.live = defaults;
  c.live.bar_interval_ms = bar_interval;  // these two shape what the strategy sees
  c.live.book_levels = book_levels;
  c.run.mode = RunMode::kBacktest;
  c.credentials = CredentialsConfig{};
  c.journal = JournalConfig{};
  return config_hash(c);
}

void record_run(const std::string& state_dir, const RunRecord& run) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) throw OutputError(fmt::format("{}: cannot create the state directory: {}", state_dir, ec.message()));
  JsonObject o;
  o.add("mode", run.mode)
      .add("trading_hash", run.trading_hash)
      .add("out_dir", run.out_dir)
      .add("started", run.started_utc)
      .add("ended", run.ended_utc)
      .add("digest", run.digest)
      .add("orders", run.orders)
      .add("fills", run.fills);
  std::string line = o.str();
  for (char& ch : line)
    if (ch == '\n') ch = ' ';
  std::ofstream out(std::filesystem::path(state_dir) / "runs.jsonl", std::ios::app);
  out << line << "\n";
  if (!out) throw OutputError(fmt::format("{}/runs.jsonl: cannot write", state_dir));
}

std::vector<RunRecord> runs_of(const std::string& state_dir, const std::string& mode, const std::string& hash,
                               std::uint64_t* skipped) {
  std::vector<RunRecord> out;
  std::ifstream in(std::filesystem::path(state_dir) / "runs.jsonl");
  for (std::string line; std::getline(in, line);) {
    RunRecord r;
    r.mode = field(line, "mode");
    r.trading_hash = field(line, "trading_hash");
    if (r.mode.empty() || r.trading_hash.size() != 16) {
      if (skipped != nullptr && !line.empty()) ++*skipped;
      continue;
    }
    if (r.mode != mode || r.trading_hash != hash) continue;
    r.out_dir = field(line, "out_dir");
    r.started_utc = field(line, "started");
    r.ended_utc = field(line, "ended");
    r.digest = field(line, "digest");
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t read_ramp_days(const std::string& state_dir, const std::string& hash) {
  std::ifstream in(std::filesystem::path(state_dir) / ("ramp-" + hash + ".txt"));
  std::int64_t days = 0;
  if (in >> days && days >= 0 && days <= 1'000'000) return days;
  return 0;
}

void write_ramp_days(const std::string& state_dir, const std::string& hash, std::int64_t days) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  const auto path = std::filesystem::path(state_dir) / ("ramp-" + hash + ".txt");
  std::ofstream out(path, std::ios::trunc);
  out << days << "\n";
  if (!out) throw OutputError(fmt::format("{}: cannot write", path.string()));
}

}  // namespace keel::cli
