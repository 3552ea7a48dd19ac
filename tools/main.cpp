// keel — one binary, git-style subcommands (ARCHITECTURE.md "Modes").
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/signal/cuda_info.hpp"
#include "keel/core/io/journal.hpp"

namespace {

constexpr const char* kUsage =
    "usage: keel <command> [options]\n"
    "\n"
    "commands:\n"
    "  backtest   run the core over bars or the built-in synthetic market, write a run directory\n"
    "  replay     re-run a journal through the core and print (or check) its digest\n"
    "  convert    convert bar files into a journal\n"
    "  features   compute the eigenvalue signal (lam_w, v_w, vel_div) of bar files into a CSV\n"
    "  sim        run the exchange simulator (WebSocket market data, REST depth, FIX orders)\n"
    "  record     record live Binance-format market data (books synced) into a capture and a journal\n"
    "  feed       run the Binance decoder and order-book mirror over a capture file\n"
    "  paper      paper trading: the simulator, the gateway (WebSocket + FIX) and the core with DOLPHIN\n"
    "  config     print the effective configuration (every setting, defaults included) as TOML\n"
    "  version    print the version and build facts\n"
    "\n"
    "`keel <command> --help` describes each command.\n"
    "exit codes: 0 ok, 1 failed (e.g. digest mismatch), 2 usage, 65 bad data, 66 missing input,\n"
    "            73 cannot write output, 78 bad configuration\n";

}  // namespace

namespace keel::cli {

int config_command(const std::vector<std::string>& args) {
  Command cmd("config", "config [--config FILE]",
              "Prints the effective configuration: FILE (or the defaults) with every setting spelled out, in\n"
              "the canonical form whose hash runs record. Refuses a bad file like every other command.",
              {{"--config", "FILE", "TOML configuration to check and print"}});
  if (!cmd.parse(args)) return kExitOk;
  KeelConfig config;
  if (const auto path = cmd.get("--config")) config = load_config_file(*path);
  std::fputs(dump_config(config).c_str(), stdout);
  return kExitOk;
}

int version_command(const std::vector<std::string>& args) {
  Command cmd("version", "version", "Prints keel's version, compiler and CUDA availability.", {});
  if (!cmd.parse(args)) return kExitOk;
  const CudaInfo cuda = query_cuda();
  std::fputs(fmt::format("keel {}\ncompiler {}\ncuda {}\n", KEEL_VERSION, __VERSION__,
                         cuda.compiled ? (cuda.devices > 0 ? "available: " + cuda.name : "compiled, no device: " + cuda.status)
                                       : std::string("not built"))
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace keel::cli

int main(int argc, char** argv) {
  using namespace keel::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (command == "--version") return version_command({});
    if (command == "backtest") return backtest_command(args);
    if (command == "replay") return replay_command(args);
    if (command == "convert") return convert_command(args);
    if (command == "features") return features_command(args);
    if (command == "sim") return sim_command(args);
    if (command == "feed") return feed_command(args);
    if (command == "record") return record_command(args);
    if (command == "paper") return paper_command(args);
    if (command == "version") return version_command(args);
    if (command == "config") return config_command(args);
    std::fprintf(stderr, "keel: unknown command '%s'\n\n%s", keel::clip_for_message(command).c_str(), kUsage);
    return kExitUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n(see keel %s --help)\n", e.what(), command.c_str());
    return kExitUsage;
  } catch (const keel::ConfigError& e) {
    std::fprintf(stderr, "keel %s: configuration error: %s\n", command.c_str(), e.what());
    return kExitConfig;
  } catch (const keel::DataError& e) {
    std::fprintf(stderr, "keel %s: bad input: %s\n", command.c_str(), e.what());
    return e.kind() == keel::DataError::Kind::kMissing ? kExitNoInput : kExitDataError;
  } catch (const keel::OutputError& e) {
    std::fprintf(stderr, "keel %s: cannot write output: %s\n", command.c_str(), e.what());
    return kExitCantCreate;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keel %s: %s\n", command.c_str(), e.what());
    return kExitFailure;
  }
}
