// Internal (not a public keel header): the strict TOML table reader behind keel's configuration
// files, shared by core/src/config.cpp and sim/src/sim_config.cpp. Errors are ConfigError
// "source:line: key.path: reason"; finish() rejects keys nobody read. Requires toml++ and fmt.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "keel/core/io/config.hpp"

namespace keel::toml_reader {

inline std::string_view type_name(toml::node_type t) {
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

  std::string_view source() const { return source_; }

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

  // A UTC date "YYYY-MM-DD", or "" for no bound (what dump_config writes for an unset date).
  void read_date_or_empty(std::string_view key, std::string& out) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    if (!n->is_string() || (!n->as_string()->get().empty() && !parse_utc_date(n->as_string()->get())))
      fail(*n, key, "expected a UTC date string \"YYYY-MM-DD\" (or \"\" for none)");
    out = n->as_string()->get();
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
      (void)v;
      if (!seen_.count(std::string(k.str())))
        throw ConfigError(fmt::format("{}:{}: {}: unknown key", source_, k.source().begin.line,
                                      clip_for_message(full(k.str()))));
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  std::string_view source_;
  std::set<std::string, std::less<>> seen_;
};

// The keys of a synthetic-market table ([synthetic] in keel's config, [flow.synthetic] in sim.toml)
// into `s`; ranges as documented in docs/CONFIG.md. Cross-field checks are validate_config's.
inline void read_synthetic(TableReader& r, SyntheticConfig& s) {
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
  if (const auto why = synthetic_span_error(s)) {
    const toml::node* n = r.take("start");  // set: the default start fits with any days
    if (n == nullptr) throw ConfigError(*why);
    r.fail(*n, "start", why->substr(why->find(": ") + 2));
  }
}

}  // namespace keel::toml_reader
