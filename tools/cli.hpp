// Small command-line toolkit for the `keel` program: an option parser that rejects unknown options
// and prints per-command help, and the exit codes every subcommand uses.
#pragma once

#include <map>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "keel/core/io/config.hpp"

namespace keel::cli {

// Exit codes (sysexits.h values where one fits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;     // the command ran and failed (e.g. digest mismatch)
inline constexpr int kExitUsage = 2;       // bad command line
inline constexpr int kExitDataError = 65;  // bad input data (bar file, journal)
inline constexpr int kExitNoInput = 66;    // an input file does not exist
inline constexpr int kExitCantCreate = 73; // an output cannot be written
inline constexpr int kExitConfig = 78;     // bad configuration

struct OptionSpec {
  std::string name;         // "--data"
  std::string value_name;   // "DIR"; empty for a flag
  std::string help;
  bool required = false;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Command {
 public:
  Command(std::string name, std::string synopsis, std::string description, std::vector<OptionSpec> options,
          std::string positional = {});
  // Parses argv after the subcommand name. Throws UsageError. Returns false when --help was given
  // (help has been printed).
  bool parse(const std::vector<std::string>& args);
  [[nodiscard]] std::string help() const;

  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
  [[nodiscard]] const std::vector<std::string>& positionals() const { return positionals_; }
  // Parses an unsigned integer option. Throws UsageError naming the option.
  [[nodiscard]] std::optional<std::uint64_t> get_u64(const std::string& name) const;

 private:
  std::string name_, synopsis_, description_, positional_;
  std::vector<OptionSpec> options_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positionals_;
};

// --data DIR, --symbols FILE and --interval-ms N of the file-reading commands, into `config.data`.
// Throws UsageError for an interval outside 1 ms … 7 days.
void apply_bar_file_options(const Command& cmd, const std::string& command, KeelConfig& config);

// SIGINT / SIGTERM ask a long-running command (sim, record) to stop; SIGPIPE is ignored (a peer
// that went away is an error on the socket, not a dead process).
void install_stop_signals();
[[nodiscard]] bool stop_requested() noexcept;

}  // namespace keel::cli
