#include "keel/core/config.hpp"

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "keel/core/clock.hpp"
#include "keel/core/rng.hpp"

namespace keel {
namespace {

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Reads one TOML table into struct fields, remembering which keys it consumed; finish() rejects the
// rest. Every error names source:line and the full key path.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, std::string_view source)
      : table_(table), path_(std::move(path)), source_(source) {}

  [[noreturn]] void fail(const toml::node& node, std::string_view key, std::string_view reason) const {
    throw ConfigError(fmt::format("{}:{}: {}: {}", source_, node.source().begin.line, full(key), reason));
  }

  std::string full(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  const toml::node* take(std::string_view key) {
    seen_.emplace(key);
    return table_.get(key);
  }

  void read(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_integer()) fail(*n, key, fmt::format("expected an integer, got {}", type_name(n->type())));
    const std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) fail(*n, key, fmt::format("{} is outside [{}, {}]", v, min, max));
    out = v;
  }
  void read(std::string_view key, int& out, int min, int max) {
    std::int64_t v = out;
    read(key, v, min, max);
    out = static_cast<int>(v);
  }
  void read(std::string_view key, std::uint64_t& out) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_integer()) fail(*n, key, fmt::format("expected an integer, got {}", type_name(n->type())));
    const std::int64_t v = n->as_integer()->get();
    if (v < 0) fail(*n, key, "must not be negative");
    out = static_cast<std::uint64_t>(v);
  }
  void read(std::string_view key, double& out, double min, double max) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    double v;
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    else if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else fail(*n, key, fmt::format("expected a number, got {}", type_name(n->type())));
    if (!std::isfinite(v)) fail(*n, key, "must be a finite number (nan and inf are not allowed)");
    if (v < min || v > max) fail(*n, key, fmt::format("{} is outside [{}, {}]", v, min, max));
    out = v;
  }
  void read(std::string_view key, bool& out) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_boolean()) fail(*n, key, fmt::format("expected a boolean, got {}", type_name(n->type())));
    out = n->as_boolean()->get();
  }
  void read(std::string_view key, std::string& out) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_string()) fail(*n, key, fmt::format("expected a string, got {}", type_name(n->type())));
    out = n->as_string()->get();
  }
  void read_secret_ref(std::string_view key, std::string& out) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_string()) fail(*n, key, fmt::format("expected a string, got {}", type_name(n->type())));
    const std::string& v = n->as_string()->get();
    if (!is_secret_reference(v))
      fail(*n, key, "secrets may not be written in a config file; use \"env:NAME\" or \"file:PATH\"");
    out = v;
  }

  // Calls fn(TableReader&) on sub-table `key` when present.
  template <class Fn>
  void section(std::string_view key, Fn&& fn) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_table()) fail(*n, key, fmt::format("expected a table, got {}", type_name(n->type())));
    TableReader sub(*n->as_table(), full(key), source_);
    fn(sub);
    sub.finish();
  }

  void finish() const {
    for (auto&& [k, v] : table_) {
      if (!seen_.count(std::string(k.str())))
        throw ConfigError(fmt::format("{}:{}: {}: unknown key", source_, k.source().begin.line,
                                      full(k.str())));
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  std::string_view source_;
  std::set<std::string, std::less<>> seen_;
};

// TOML basic-string escaping, so any path survives dump → parse unchanged.
std::string toml_quote(std::string_view v) {
  std::string out = "\"";
  for (const char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) out += fmt::format("\\u{:04X}", static_cast<int>(c));
        else out += c;
    }
  }
  return out + "\"";
}

}  // namespace

KeelConfig parse_config(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", source_name, e.source().begin.line, e.description()));
  }
  KeelConfig c;
  TableReader top(root, "", source_name);
  top.section("run", [&](TableReader& r) {
    r.read("seed", c.run.seed);
    r.read("initial_capital", c.run.initial_capital, 1e-8, 1e15);
  });
  top.section("data", [&](TableReader& r) {
    r.read("dir", c.data.dir);
    r.read("symbols_file", c.data.symbols_file);
    r.read("bar_interval_ms", c.data.bar_interval_ms, 1, 7LL * 86'400'000);
    r.read("skip_bad_symbols", c.data.skip_bad_symbols);
  });
  top.section("synthetic", [&](TableReader& r) {
    auto& s = c.synthetic;
    r.read("assets", s.assets, 1, 4096);
    r.read("days", s.days, 1, 3650);
    r.read("bar_interval_ms", s.bar_interval_ms, 1000, 86'400'000);
    if (const toml::node* n = r.take("start")) {
      if (!n->is_string() || !parse_utc_date(n->as_string()->get()).has_value())
        r.fail(*n, "start", "expected a UTC date string \"YYYY-MM-DD\"");
      s.start = n->as_string()->get();
    }
    r.read("start_price", s.start_price, 1e-6, 1e9);
    r.read("price_decimals", s.price_decimals, 0, 8);
    r.read("qty_decimals", s.qty_decimals, 0, 8);
    r.read("bar_volatility", s.bar_volatility, 0.0, 0.1);
    r.read("factor_share_calm", s.factor_share_calm, 0.0, 1.0);
    r.read("factor_share_stressed", s.factor_share_stressed, 0.0, 1.0);
    r.read("regime_switch_probability", s.regime_switch_probability, 0.0, 1.0);
    r.read("shock_probability", s.shock_probability, 0.0, 1.0);
    r.read("shock_size", s.shock_size, 0.0, 1.0);
    r.read("substeps", s.substeps, 1, 1000);
    r.read("base_volume", s.base_volume, 0.0, 1e9);
    r.read("gap_every_bars", s.gap_every_bars, 0, std::numeric_limits<std::int32_t>::max());
    r.read("gap_length_bars", s.gap_length_bars, 1, 100'000);
  });
  top.section("journal", [&](TableReader& r) { r.read("enabled", c.journal.enabled); });
  top.section("credentials", [&](TableReader& r) {
    r.read_secret_ref("api_key", c.credentials.api_key);
    r.read_secret_ref("api_secret", c.credentials.api_secret);
  });
  top.finish();
  try {
    validate_config(c);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", source_name, e.what()));
  }
  return c;
}

void validate_config(const KeelConfig& c) {
  auto fail = [](std::string_view key, std::string_view why) {
    throw ConfigError(fmt::format("{}: {}", key, why));
  };
  if (c.run.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail("run.seed", "must be at most 9223372036854775807 (a TOML integer)");
  if (!(c.run.initial_capital > 0.0) || !std::isfinite(c.run.initial_capital))
    fail("run.initial_capital", "must be a positive finite number");
  if (c.data.bar_interval_ms < 1 || c.data.bar_interval_ms > 7LL * 86'400'000)
    fail("data.bar_interval_ms", "must be between 1 ms and 7 days");
  const auto& s = c.synthetic;
  if (s.gap_every_bars > 0 && s.gap_length_bars >= s.gap_every_bars)
    fail("synthetic.gap_length_bars", "must be shorter than synthetic.gap_every_bars (or no bar would be left)");
  if (!parse_utc_date(s.start).has_value()) fail("synthetic.start", "expected a UTC date \"YYYY-MM-DD\"");
  if (s.assets < 1 || s.days < 1 || s.substeps < 1) fail("synthetic", "assets, days and substeps must be positive");
  if (s.price_decimals < 0 || s.price_decimals > 8 || s.qty_decimals < 0 || s.qty_decimals > 8)
    fail("synthetic", "price_decimals and qty_decimals must be within 0..8");
  if (!is_secret_reference(c.credentials.api_key)) fail("credentials.api_key", "must be \"env:NAME\" or \"file:PATH\"");
  if (!is_secret_reference(c.credentials.api_secret))
    fail("credentials.api_secret", "must be \"env:NAME\" or \"file:PATH\"");
}

std::optional<std::int64_t> parse_utc_date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const auto m = static_cast<unsigned>((s[5] - '0') * 10 + (s[6] - '0'));
  const auto d = static_cast<unsigned>((s[8] - '0') * 10 + (s[9] - '0'));
  const CivilDate date{y, m, d};
  const std::int64_t days = days_from_civil(date);
  if (m < 1 || m > 12 || d < 1 || civil_from_days(days) != date) return std::nullopt;  // 2021-02-31
  return days;
}

KeelConfig load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open config file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::string dump_config(const KeelConfig& c) {
  // Doubles use the shortest round-trip form so the hash is stable and exact.
  std::string out;
  auto line = [&](std::string_view k, auto v) { out += fmt::format("{} = {}\n", k, v); };
  auto str = [&](std::string_view k, std::string_view v) { out += fmt::format("{} = {}\n", k, toml_quote(v)); };
  out += "[run]\n";
  line("seed", c.run.seed);
  line("initial_capital", c.run.initial_capital);
  out += "\n[data]\n";
  str("dir", c.data.dir);
  str("symbols_file", c.data.symbols_file);
  line("bar_interval_ms", c.data.bar_interval_ms);
  line("skip_bad_symbols", c.data.skip_bad_symbols);
  const auto& s = c.synthetic;
  out += "\n[synthetic]\n";
  line("assets", s.assets);
  line("days", s.days);
  line("bar_interval_ms", s.bar_interval_ms);
  str("start", s.start);
  line("start_price", s.start_price);
  line("price_decimals", s.price_decimals);
  line("qty_decimals", s.qty_decimals);
  line("bar_volatility", s.bar_volatility);
  line("factor_share_calm", s.factor_share_calm);
  line("factor_share_stressed", s.factor_share_stressed);
  line("regime_switch_probability", s.regime_switch_probability);
  line("shock_probability", s.shock_probability);
  line("shock_size", s.shock_size);
  line("substeps", s.substeps);
  line("base_volume", s.base_volume);
  line("gap_every_bars", s.gap_every_bars);
  line("gap_length_bars", s.gap_length_bars);
  out += "\n[journal]\n";
  line("enabled", c.journal.enabled);
  out += "\n[credentials]\n";
  str("api_key", c.credentials.api_key);
  str("api_secret", c.credentials.api_secret);
  return out;
}

std::uint64_t config_hash(const KeelConfig& config) { return fnv1a64(dump_config(config)); }

bool is_secret_reference(std::string_view ref) noexcept {
  if (ref.empty()) return true;
  if (ref.starts_with("env:")) return ref.size() > 4;
  if (ref.starts_with("file:")) return ref.size() > 5;
  return false;
}

std::string read_secret(std::string_view ref, std::string_view what) {
  if (ref.starts_with("env:")) {
    const std::string name(ref.substr(4));
    const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
    if (v == nullptr || *v == '\0')
      throw ConfigError(fmt::format("{}: environment variable {} is not set", what, name));
    return v;
  }
  if (ref.starts_with("file:")) {
    const std::string path(ref.substr(5));
    struct stat st {};
    if (path.empty() || ::stat(path.c_str(), &st) != 0)
      throw ConfigError(fmt::format("{}: secret file {} does not exist", what, path));
    if (!S_ISREG(st.st_mode)) throw ConfigError(fmt::format("{}: {} is not a regular file", what, path));
    if ((st.st_mode & 0077) != 0)  // owner-only: no group or other permission bits
      throw ConfigError(fmt::format("{}: secret file {} is readable by others (mode {:o}); use chmod 600",
                                    what, path, st.st_mode & 0777));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(fmt::format("{}: cannot read secret file {}", what, path));
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.empty()) throw ConfigError(fmt::format("{}: secret file {} is empty", what, path));
    return s;
  }
  throw ConfigError(fmt::format("{}: not a secret reference (use \"env:NAME\" or \"file:PATH\")", what));
}

}  // namespace keel
