#include "cli.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "keel/core/io/config.hpp"

namespace keel::cli {

Command::Command(std::string name, std::string synopsis, std::string description,
                 std::vector<OptionSpec> options, std::string positional)
    : name_(std::move(name)),
      synopsis_(std::move(synopsis)),
      description_(std::move(description)),
      positional_(std::move(positional)),
      options_(std::move(options)) {}

std::string Command::help() const {
  std::string out = fmt::format("usage: keel {}\n\n{}\n", synopsis_, description_);
  if (!options_.empty()) out += "\noptions:\n";
  for (const auto& o : options_) {
    const std::string left = o.value_name.empty() ? o.name : o.name + " " + o.value_name;
    out += fmt::format("  {:<24} {}{}\n", left, o.help, o.required ? " (required)" : "");
  }
  out += fmt::format("  {:<24} {}\n", "-h, --help", "show this help");
  return out;
}

bool Command::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (a.rfind("--", 0) == 0) {
      std::string key = a;
      std::optional<std::string> inline_value;
      if (const auto eq = a.find('='); eq != std::string::npos) {
        key = a.substr(0, eq);
        inline_value = a.substr(eq + 1);
      }
      const OptionSpec* spec = nullptr;
      for (const auto& o : options_)
        if (o.name == key) spec = &o;
      if (spec == nullptr) throw UsageError(fmt::format("keel {}: unknown option {}", name_, clip_for_message(key)));
      if (values_.count(key)) throw UsageError(fmt::format("keel {}: {} given twice", name_, key));
      if (spec->value_name.empty()) {
        if (inline_value) throw UsageError(fmt::format("keel {}: {} takes no value", name_, key));
        values_[key] = "";
      } else if (inline_value) {
        values_[key] = *inline_value;
      } else {
        if (i + 1 >= args.size()) throw UsageError(fmt::format("keel {}: {} needs a {}", name_, key, spec->value_name));
        values_[key] = args[++i];
      }
      continue;
    }
    if (positional_.empty()) throw UsageError(fmt::format("keel {}: unexpected argument {}", name_, clip_for_message(a)));
    positionals_.push_back(a);
  }
  for (const auto& o : options_)
    if (o.required && !values_.count(o.name))
      throw UsageError(fmt::format("keel {}: {} {} is required", name_, o.name, o.value_name));
  return true;
}

std::optional<std::string> Command::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> Command::get_u64(const std::string& name) const {
  const auto v = get(name);
  if (!v) return std::nullopt;
  if (v->empty() || v->size() > 20) throw UsageError(fmt::format("keel {}: {} expects a non-negative integer", name_, name));
  std::uint64_t out = 0;
  for (const char c : *v) {
    if (c < '0' || c > '9') throw UsageError(fmt::format("keel {}: {} expects a non-negative integer, got {}", name_, name, *v));
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (out > (UINT64_MAX - d) / 10) throw UsageError(fmt::format("keel {}: {} is too large", name_, name));
    out = out * 10 + d;
  }
  return out;
}

void apply_bar_file_options(const Command& cmd, const std::string& command, KeelConfig& config) {
  if (const auto d = cmd.get("--data")) config.data.dir = *d;
  if (const auto s = cmd.get("--symbols")) config.data.symbols_file = *s;
  if (const auto n = cmd.get_u64("--interval-ms")) {
    constexpr std::uint64_t kMaxIntervalMs = 7ULL * 86'400'000;
    if (*n == 0 || *n > kMaxIntervalMs)
      throw UsageError(fmt::format("keel {}: --interval-ms must be between 1 and {}", command, kMaxIntervalMs));
    config.data.bar_interval_ms = static_cast<std::int64_t>(*n);
  }
}

namespace {
std::atomic<bool> g_stop_requested{false};
extern "C" void keel_cli_on_stop_signal(int /*signal*/) { g_stop_requested.store(true); }
}  // namespace

void install_stop_signals() {
  g_stop_requested.store(false);
  std::signal(SIGINT, keel_cli_on_stop_signal);
  std::signal(SIGTERM, keel_cli_on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() noexcept { return g_stop_requested.load(); }

}  // namespace keel::cli
