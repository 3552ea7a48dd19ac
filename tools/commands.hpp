// The `keel` subcommands. Each takes the arguments after its name and returns an exit code
// (cli.hpp); each prints its own --help.
#pragma once

#include <string>
#include <vector>

namespace keel::cli {

int backtest_command(const std::vector<std::string>& args);
int replay_command(const std::vector<std::string>& args);
int convert_command(const std::vector<std::string>& args);
int features_command(const std::vector<std::string>& args);
int sim_command(const std::vector<std::string>& args);
int feed_command(const std::vector<std::string>& args);
int record_command(const std::vector<std::string>& args);
int paper_command(const std::vector<std::string>& args);
int version_command(const std::vector<std::string>& args);

}  // namespace keel::cli
