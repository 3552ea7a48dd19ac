#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "core_runner.hpp"
#include "keel/core/primitives/clock.hpp"
#include "keel/core/io/config.hpp"
#include "keel/core/strategy/dolphin/feature_table.hpp"
#include "keel/core/signal/eigen_signal.hpp"

namespace keel::cli {
namespace {


// 17 significant digits (round-trips every double); empty where undefined.
void put_number(std::string& line, double v) {
  line += ',';
  if (!std::isnan(v)) line += fmt::format("{:.17g}", v);
}

std::optional<std::int64_t> date_option(const Command& cmd, const char* name) {
  const auto text = cmd.get(name);
  if (!text) return std::nullopt;
  const auto day = parse_utc_date(*text);
  if (!day) throw UsageError(fmt::format("keel features: {} expects a UTC date YYYY-MM-DD, got {}", name, quote_for_message(*text)));
  return day;
}

}  // namespace

int features_command(const std::vector<std::string>& args) {
  Command cmd("features",
              "features --data DIR [--symbols FILE] [--from DATE] [--to DATE] [--interval-ms N] [--reference] --out FILE",
              "Computes the eigenvalue signal of DOLPHIN.md §2 for every bar time and writes one CSV row per bar:\n"
              "open_time_ms,lam_50,lam_150,lam_300,lam_750,v_50,v_150,v_300,v_750,vel_div (17 significant\n"
              "digits, empty where undefined). --from/--to are inclusive UTC dates; bars before --from are read\n"
              "to fill the windows, so the first row already has every window that the data allows.",
              {{"--data", "DIR", "directory of SYMBOL.csv[.gz] / SYMBOL.json bar files", true},
               {"--symbols", "FILE", "symbols, one per line, in this order (default: every bar file in DIR)"},
               {"--from", "DATE", "first UTC date written"},
               {"--to", "DATE", "last UTC date written"},
               {"--interval-ms", "N", "bar interval in milliseconds (default 300000)"},
               {"--reference", "", "use the full eigen-decomposition every bar (slow; the accuracy reference)"},
               {"--out", "FILE", "CSV file to write", true}});
  if (!cmd.parse(args)) return kExitOk;
  KeelConfig config;
  apply_bar_file_options(cmd, "features", config);
  const auto from_day = date_option(cmd, "--from");
  const auto to_day = date_option(cmd, "--to");
  if (from_day && to_day && *from_day > *to_day) throw UsageError("keel features: --from is after --to");
  validate_config(config);

  const std::unique_ptr<MarketInput> market = open_market(config);
  const std::size_t n = market->registry.size();
  SignalPipeline pipeline(n, cmd.has("--reference") ? SignalMethod::kReference : SignalMethod::kFast);
  std::vector<double> closes(n, 0.0);

  const std::string out_path = *cmd.get("--out");
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (out == nullptr) throw OutputError(out_path + ": cannot create");
  std::string line = std::string(dolphin::kFeatureCsvHeader) + "\n";
  std::uint64_t rows = 0;
  Event e{};
  while (market->source->next(e)) {
    const Bar& bar = e.bar;
    closes[bar.header.instrument] = bar.close.to_double();
    if ((bar.header.flags & kFlagEndOfBatch) == 0) continue;
    const SignalValues& v = pipeline.push_bar(closes);
    std::fill(closes.begin(), closes.end(), 0.0);
    const std::int64_t day = utc_day_number(bar.header.ts_exchange);
    if (to_day && day > *to_day) break;
    if (from_day && day < *from_day) continue;
    line += fmt::format("{}", bar.header.ts_exchange / kNanosPerMilli);
    for (const double x : v.lam) put_number(line, x);
    for (const double x : v.v) put_number(line, x);
    put_number(line, v.vel_div);
    line += '\n';
    ++rows;
    if (line.size() > (1u << 20)) {
      if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
        std::fclose(out);
        throw OutputError(out_path + ": write failed");
      }
      line.clear();
    }
  }
  const bool ok = std::fwrite(line.data(), 1, line.size(), out) == line.size() && std::fclose(out) == 0;
  if (!ok) throw OutputError(out_path + ": write failed");
  std::fprintf(stdout, "keel features: %llu rows, %zu assets -> %s\n", static_cast<unsigned long long>(rows), n,
               out_path.c_str());
  if (const FastSignalStats* s = pipeline.fast_stats())
    std::fprintf(stdout, "  power iterations %llu, fallbacks %llu, reseeds %llu, two-pass windows %llu\n",
                 static_cast<unsigned long long>(s->power_iterations), static_cast<unsigned long long>(s->fallbacks),
                 static_cast<unsigned long long>(s->reseeds), static_cast<unsigned long long>(s->two_pass_rows));
  return kExitOk;
}

}  // namespace keel::cli
