// keel's memory of its paper and live runs, under live.state_dir: runs.jsonl (one line per run that
// ended: mode, trading hash, run directory, times, digest) and ramp-<trading hash>.txt (the clean
// days the capital ramp has completed in live runs of that configuration). The trading hash is the
// configuration's hash with everything that only says where and how the session runs (venue
// endpoints, credentials references, threads, the ramp itself, the mode) set to defaults: a paper
// run and a live run of the same strategy, risk and data settings share it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keel/core/io/config.hpp"

namespace keel::cli {

[[nodiscard]] std::uint64_t trading_hash(const KeelConfig& config);

struct RunRecord {
  std::string mode;          // "paper" / "live"
  std::string trading_hash;  // 16 hex digits
  std::string out_dir;
  std::string started_utc, ended_utc;
  std::string digest;
  std::uint64_t orders = 0, fills = 0;
};

// Appends one line to state_dir/runs.jsonl (creating the directory). Throws OutputError.
void record_run(const std::string& state_dir, const RunRecord& run);
// The runs of `mode` with this trading hash, oldest first (a missing file: none; a malformed line:
// skipped, counted in `skipped`).
[[nodiscard]] std::vector<RunRecord> runs_of(const std::string& state_dir, const std::string& mode,
                                            const std::string& trading_hash, std::uint64_t* skipped = nullptr);
// The capital ramp's clean days for this trading hash (0 when none recorded) and their update.
[[nodiscard]] std::int64_t read_ramp_days(const std::string& state_dir, const std::string& trading_hash);
void write_ramp_days(const std::string& state_dir, const std::string& trading_hash, std::int64_t days);

}  // namespace keel::cli
