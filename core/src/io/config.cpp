#include "keel/core/io/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "keel/core/primitives/clock.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/core/io/toml_reader.hpp"
#include "keel/core/strategy/dolphin/config_keys.hpp"

namespace keel {
namespace {

using toml_reader::TableReader;
using toml_reader::type_name;

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

template <class E>
using Choices = std::initializer_list<std::pair<std::string_view, E>>;

// Reads [dolphin.<section>] tables through TableReader.
class DolphinReader {
 public:
  explicit DolphinReader(TableReader& dolphin) : dolphin_(dolphin) {}
  // Checks the last section for unknown keys; call after visiting. (Never from a destructor: the
  // check throws.)
  void finish() { close(); }
  void section(std::string_view name) {
    close();
    const toml::node* n = dolphin_.take(name);
    if (n == nullptr) return;
    if (!n->is_table()) dolphin_.fail(*n, name, "expected a table");
    current_ = std::make_unique<TableReader>(*n->as_table(), dolphin_.full(name), dolphin_.source());
  }
  void num(std::string_view k, double& f, double lo, double hi) {
    if (current_) current_->read(k, f, lo, hi);
  }
  void integer(std::string_view k, int& f, int lo, int hi) {
    if (current_) current_->read(k, f, lo, hi);
  }
  void flag(std::string_view k, bool& f) {
    if (current_) current_->read(k, f);
  }
  void text(std::string_view k, std::string& f) {
    if (current_) current_->read(k, f);
  }
  template <class E>
  void choice(std::string_view k, E& f, Choices<E> choices) {
    if (!current_) return;
    const toml::node* n = current_->take(k);
    if (n == nullptr) return;
    std::string names;
    for (const auto& [name, value] : choices) {
      if (n->is_string() && n->as_string()->get() == name) {
        f = value;
        return;
      }
      names += names.empty() ? fmt::format("\"{}\"", name) : fmt::format(" or \"{}\"", name);
    }
    current_->fail(*n, k, "expected " + names);
  }

 private:
  void close() {
    const std::unique_ptr<TableReader> done = std::move(current_);  // released even when finish() throws
    if (done) done->finish();
  }
  TableReader& dolphin_;
  std::unique_ptr<TableReader> current_;  // (std::optional trips a GCC 12 false -Wmaybe-uninitialized)
};

// Shortest round-trip form, always with a '.' or exponent so TOML reads a float back.
std::string toml_number(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

class DolphinDumper {
 public:
  explicit DolphinDumper(std::string& out) : out_(out) {}
  void section(std::string_view name) { out_ += fmt::format("\n[dolphin.{}]\n", name); }
  void num(std::string_view k, double& f, double, double) { out_ += fmt::format("{} = {}\n", k, toml_number(f)); }
  void integer(std::string_view k, int& f, int, int) { out_ += fmt::format("{} = {}\n", k, f); }
  void flag(std::string_view k, bool& f) { out_ += fmt::format("{} = {}\n", k, f); }
  void text(std::string_view k, std::string& f) { out_ += fmt::format("{} = {}\n", k, toml_quote(f)); }
  template <class E>
  void choice(std::string_view k, E& f, Choices<E> choices) {
    for (const auto& [name, value] : choices)
      if (value == f) out_ += fmt::format("{} = \"{}\"\n", k, name);
  }

 private:
  std::string& out_;
};

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
    if (const toml::node* n = r.take("mode")) {
      const std::string_view v = n->is_string() ? std::string_view(n->as_string()->get()) : std::string_view();
      if (v == "backtest") c.run.mode = RunMode::kBacktest;
      else if (v == "paper") c.run.mode = RunMode::kPaper;
      else if (v == "live") c.run.mode = RunMode::kLive;
      else r.fail(*n, "mode", "expected \"backtest\", \"paper\" or \"live\"");
    }
  });
  top.section("data", [&](TableReader& r) {
    r.read("dir", c.data.dir);
    r.read("symbols_file", c.data.symbols_file);
    r.read("bar_interval_ms", c.data.bar_interval_ms, 1, 7LL * 86'400'000);
    r.read("skip_bad_symbols", c.data.skip_bad_symbols);
    r.read("features", c.data.features);
    r.read("book_capture", c.data.book_capture);
    r.read("book_levels", c.data.book_levels, 1, 5000);
    r.read_date_or_empty("from", c.data.from);
    r.read_date_or_empty("to", c.data.to);
  });
  top.section("synthetic", [&](TableReader& r) { toml_reader::read_synthetic(r, c.synthetic); });
  top.section("journal", [&](TableReader& r) { r.read("enabled", c.journal.enabled); });
  top.section("credentials", [&](TableReader& r) {
    r.read_secret_ref("api_key", c.credentials.api_key);
    r.read_secret_ref("api_secret", c.credentials.api_secret);
  });
  top.section("strategy", [&](TableReader& r) {
    if (const toml::node* n = r.take("name")) {
      if (n->is_string() && n->as_string()->get() == "dolphin") c.strategy.kind = StrategyKind::kDolphin;
      else if (n->is_string() && n->as_string()->get() == "none") c.strategy.kind = StrategyKind::kNone;
      else r.fail(*n, "name", "expected \"dolphin\" or \"none\"");
    }
  });
  top.section("execution", [&](TableReader& r) {
    if (const toml::node* n = r.take("venue")) {
      if (n->is_string() && n->as_string()->get() == "bar-close") c.execution.venue = VenueKind::kBarClose;
      else if (n->is_string() && n->as_string()->get() == "matching") c.execution.venue = VenueKind::kMatching;
      else r.fail(*n, "venue", "expected \"bar-close\" or \"matching\"");
    }
    r.section("matching", [&](TableReader& m) {
      auto& x = c.execution.matching;
      m.read("order_entry_us", x.order_entry_us, 0, 60'000'000);
      m.read("report_us", x.report_us, 0, 60'000'000);
      m.read("levels", x.levels, 1, 1000);
      m.read("spread_ticks", x.spread_ticks, 1, 1'000'000);
      m.read("level_notional", x.level_notional, 1e-8, 1e12);
      m.read("depth_jitter", x.depth_jitter, 0.0, 0.999999);
      m.read("steps_per_bar", x.steps_per_bar, 4, 100'000);
      m.read("volume_fraction", x.volume_fraction, 0.0, 1.0);
      m.read("maker_fee", x.maker_fee, -0.01, 0.1);
      m.read("taker_fee", x.taker_fee, -0.01, 0.1);
      m.read("orders_per_book", x.orders_per_book, 64, 1 << 20);
    });
  });
  top.section("risk", [&](TableReader& r) {
    auto& k = c.risk;
    r.read("max_order_qty", k.max_order_qty, 0.0, 1e15);
    r.read("max_order_notional", k.max_order_notional, 0.0, 1e15);
    r.read("price_band", k.price_band, 0.0, 100.0);
    r.read("max_position_notional", k.max_position_notional, 0.0, 1e15);
    r.read("max_gross_exposure", k.max_gross_exposure, 0.0, 1e15);
    r.read("max_open_orders", k.max_open_orders, 0, 1'000'000);
    r.read("orders_per_second", k.orders_per_second, 0.0, 1e9);
    r.read("order_burst", k.order_burst, 0, 1'000'000);
    r.read("max_daily_loss", k.max_daily_loss, 0.0, 1e15);
    r.read("max_daily_loss_fraction", k.max_daily_loss_fraction, 0.0, 1.0);
    r.read("require_usable_book", k.require_usable_book);
  });
  top.section("oms", [&](TableReader& r) {
    r.read("capacity", c.oms.capacity, 16, 1 << 22);
    r.read("ack_timeout_s", c.oms.ack_timeout_s, 0.0, 86'400.0);
  });
  top.section("live", [&](TableReader& r) {
    auto& l = c.live;
    r.read("bar_interval_ms", l.bar_interval_ms, 1, 86'400'000);
    r.read("book_levels", l.book_levels, 0, 5000);
    r.read("market", l.market);
    r.read("market_data_url", l.market_data_url);
    r.read("rest_url", l.rest_url);
    r.read("ca_file", l.ca_file);
    r.read("fix_host", l.fix_host);
    r.read("fix_port", l.fix_port, 0, 65535);
    r.read("sender_comp_id", l.sender_comp_id);
    r.read("target_comp_id", l.target_comp_id);
    r.read("username", l.username);
    r.read_secret_ref("password", l.password);
    r.read("account", l.account);
    r.read("heartbeat_s", l.heartbeat_s, 1, 3600);
    r.read("reconnect_interval_s", l.reconnect_interval_s, 1, 3600);
    r.read("reset_seq_num", l.reset_seq_num);
    r.read("fix_ssl", l.fix_ssl);
    r.read("core_cpu", l.core_cpu, -1, 4095);
    r.read("feed_cpu", l.feed_cpu, -1, 4095);
    r.read("fix_cpu", l.fix_cpu, -1, 4095);
    r.read("fix_spin_us", l.fix_spin_us, 0, 3'600'000'000LL);
    r.read("sim_config", l.sim_config);
    r.read("control_bind", l.control_bind);
    r.read("control_port", l.control_port, -1, 65535);
    r.read_secret_ref("control_token", l.control_token);
    r.read("factor_file", l.factor_file);
    r.read("symbols", l.symbols);
    r.read("ramp_start_fraction", l.ramp_start_fraction, 1e-6, 1.0);
    r.read("ramp_daily_step", l.ramp_daily_step, 0.0, 1.0);
    r.read("ramp_clean_days", l.ramp_clean_days, 0, 1'000'000);
    r.read("state_dir", l.state_dir);
    r.read("trading_start_ms", l.trading_start_ms, 0, 9'000'000'000'000);
    r.read("allow_plaintext", l.allow_plaintext);
  });
  top.section("dolphin", [&](TableReader& r) {
    DolphinReader reader(r);
    dolphin::visit_params(c.dolphin, reader);
    reader.finish();
  });
  top.finish();
  c.dolphin.initial_capital = c.run.initial_capital;
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
  if (!c.data.from.empty() && !parse_utc_date(c.data.from)) fail("data.from", "expected a UTC date \"YYYY-MM-DD\"");
  if (!c.data.to.empty() && !parse_utc_date(c.data.to)) fail("data.to", "expected a UTC date \"YYYY-MM-DD\"");
  if (!c.data.from.empty() && !c.data.to.empty() && *parse_utc_date(c.data.from) > *parse_utc_date(c.data.to))
    fail("data.from", "is after data.to");
  const auto& s = c.synthetic;
  if (s.gap_every_bars > 0 && s.gap_length_bars >= s.gap_every_bars)
    fail("synthetic.gap_length_bars", "must be shorter than synthetic.gap_every_bars (or no bar would be left)");
  if (!parse_utc_date(s.start).has_value()) fail("synthetic.start", "expected a UTC date \"YYYY-MM-DD\"");
  if (const auto why = synthetic_span_error(s)) throw ConfigError(*why);
  if (s.assets < 1 || s.days < 1 || s.substeps < 1) fail("synthetic", "assets, days and substeps must be positive");
  if (s.price_decimals < 0 || s.price_decimals > 8 || s.qty_decimals < 0 || s.qty_decimals > 8)
    fail("synthetic", "price_decimals and qty_decimals must be within 0..8");
  if (const auto problem = dolphin::check_params(c.dolphin)) fail(problem->key, problem->reason);
  if (c.live.market != "spot" && c.live.market != "futures") fail("live.market", "expected \"spot\" or \"futures\"");
  if (!is_secret_reference(c.live.password)) fail("live.password", "must be \"env:NAME\" or \"file:PATH\"");
  if (!is_secret_reference(c.live.control_token))
    fail("live.control_token", "must be \"env:NAME\" or \"file:PATH\"");
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

std::optional<std::string> synthetic_span_error(const SyntheticConfig& s) {
  const auto start_day = parse_utc_date(s.start);
  if (!start_day) return std::nullopt;  // refused as "expected a UTC date" by the caller
  if (*start_day < 0) {
    return fmt::format("synthetic.start: {} is before 1970-01-01 (bar times are nanoseconds since the epoch)",
                       quote_for_message(s.start));
  }
  // The last bar closes at most a day after start + days; every bar time in ns must fit int64.
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  std::int64_t end_ns = 0;
  if (!__builtin_mul_overflow(*start_day + s.days + 1, kNsPerDay, &end_ns)) return std::nullopt;
  return fmt::format("synthetic.start: {} + {} days runs past 2262-04-11, the last date nanosecond timestamps "
                     "hold; use an earlier start",
                     quote_for_message(s.start), s.days);
}

namespace {
constexpr std::size_t kShownBytes = 64;
// The first kShownBytes of `value`, cut before a UTF-8 continuation byte.
std::string_view shown_prefix(std::string_view value) {
  std::size_t cut = kShownBytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut);
}
}  // namespace

std::string quote_for_message(std::string_view value) {
  if (value.size() <= kShownBytes) return fmt::format("\"{}\"", value);
  return fmt::format("\"{}\"… ({} bytes)", shown_prefix(value), value.size());
}

std::string clip_for_message(std::string_view value) {
  if (value.size() <= kShownBytes) return std::string(value);
  return fmt::format("{}… ({} bytes)", shown_prefix(value), value.size());
}

void check_secrets(const KeelConfig& c) {
  if (!c.credentials.api_key.empty()) (void)read_secret(c.credentials.api_key, "credentials.api_key");
  if (!c.credentials.api_secret.empty()) (void)read_secret(c.credentials.api_secret, "credentials.api_secret");
  if (!c.live.password.empty()) (void)read_secret(c.live.password, "live.password");
  if (!c.live.control_token.empty()) (void)read_secret(c.live.control_token, "live.control_token");
}

KeelConfig load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open config file", clip_for_message(path)));
  std::ostringstream text;
  text << in.rdbuf();
  KeelConfig c = parse_config(text.str(), path);
  try {
    check_secrets(c);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
  return c;
}

std::string dump_config(const KeelConfig& c) {
  // Doubles use the shortest round-trip form so the hash is stable and exact.
  std::string out;
  auto line = [&](std::string_view k, auto v) { out += fmt::format("{} = {}\n", k, v); };
  auto str = [&](std::string_view k, std::string_view v) { out += fmt::format("{} = {}\n", k, toml_quote(v)); };
  out += "[run]\n";
  line("seed", c.run.seed);
  line("initial_capital", c.run.initial_capital);
  str("mode", to_string(c.run.mode));
  out += "\n[data]\n";
  str("dir", c.data.dir);
  str("symbols_file", c.data.symbols_file);
  line("bar_interval_ms", c.data.bar_interval_ms);
  line("skip_bad_symbols", c.data.skip_bad_symbols);
  str("from", c.data.from);
  str("to", c.data.to);
  str("features", c.data.features);
  str("book_capture", c.data.book_capture);
  line("book_levels", c.data.book_levels);
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
  out += "\n[strategy]\n";
  str("name", c.strategy.kind == StrategyKind::kDolphin ? "dolphin" : "none");
  auto num = [&](std::string_view k, double v) { out += fmt::format("{} = {}\n", k, toml_number(v)); };
  out += "\n[execution]\n";
  str("venue", c.execution.venue == VenueKind::kMatching ? "matching" : "bar-close");
  const auto& x = c.execution.matching;
  out += "\n[execution.matching]\n";
  line("order_entry_us", x.order_entry_us);
  line("report_us", x.report_us);
  line("levels", x.levels);
  line("spread_ticks", x.spread_ticks);
  num("level_notional", x.level_notional);
  num("depth_jitter", x.depth_jitter);
  line("steps_per_bar", x.steps_per_bar);
  num("volume_fraction", x.volume_fraction);
  num("maker_fee", x.maker_fee);
  num("taker_fee", x.taker_fee);
  line("orders_per_book", x.orders_per_book);
  const auto& k = c.risk;
  out += "\n[risk]\n";
  num("max_order_qty", k.max_order_qty);
  num("max_order_notional", k.max_order_notional);
  num("price_band", k.price_band);
  num("max_position_notional", k.max_position_notional);
  num("max_gross_exposure", k.max_gross_exposure);
  line("max_open_orders", k.max_open_orders);
  num("orders_per_second", k.orders_per_second);
  line("order_burst", k.order_burst);
  num("max_daily_loss", k.max_daily_loss);
  num("max_daily_loss_fraction", k.max_daily_loss_fraction);
  out += fmt::format("require_usable_book = {}\n", k.require_usable_book);
  out += "\n[oms]\n";
  line("capacity", c.oms.capacity);
  num("ack_timeout_s", c.oms.ack_timeout_s);
  const auto& l = c.live;
  out += "\n[live]\n";
  line("bar_interval_ms", l.bar_interval_ms);
  line("book_levels", l.book_levels);
  str("market", l.market);
  str("market_data_url", l.market_data_url);
  str("rest_url", l.rest_url);
  str("ca_file", l.ca_file);
  str("fix_host", l.fix_host);
  line("fix_port", l.fix_port);
  str("sender_comp_id", l.sender_comp_id);
  str("target_comp_id", l.target_comp_id);
  str("username", l.username);
  str("password", l.password);
  str("account", l.account);
  line("heartbeat_s", l.heartbeat_s);
  line("reconnect_interval_s", l.reconnect_interval_s);
  line("reset_seq_num", l.reset_seq_num);
  line("fix_ssl", l.fix_ssl);
  line("core_cpu", l.core_cpu);
  line("feed_cpu", l.feed_cpu);
  line("fix_cpu", l.fix_cpu);
  line("fix_spin_us", l.fix_spin_us);
  str("sim_config", l.sim_config);
  str("control_bind", l.control_bind);
  line("control_port", l.control_port);
  str("control_token", l.control_token);
  str("factor_file", l.factor_file);
  str("symbols", l.symbols);
  num("ramp_start_fraction", l.ramp_start_fraction);
  num("ramp_daily_step", l.ramp_daily_step);
  line("ramp_clean_days", l.ramp_clean_days);
  str("state_dir", l.state_dir);
  line("trading_start_ms", l.trading_start_ms);
  line("allow_plaintext", l.allow_plaintext);
  dolphin::DolphinParams d = c.dolphin;
  DolphinDumper dumper(out);
  dolphin::visit_params(d, dumper);
  return out;
}

std::uint64_t config_hash(const KeelConfig& config) { return fnv1a64(dump_config(config)); }

std::string_view to_string(RunMode mode) noexcept {
  switch (mode) {
    case RunMode::kPaper: return "paper";
    case RunMode::kLive: return "live";
    case RunMode::kBacktest: break;
  }
  return "backtest";
}

std::string read_secret_file(const std::string& path, std::string_view what) {
  auto refuse = [&](std::string_view why) {
    return ConfigError(fmt::format("{}: secret file {} {}", what, clip_for_message(path), why));
  };
  if (path.empty()) throw refuse("is not named");
  // Opened first, judged on the descriptor (no race between the check and the read); O_NONBLOCK so
  // a FIFO put where the file should be cannot block start-up (it is refused as not regular).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) throw refuse("does not exist");
    throw refuse(fmt::format("cannot be opened: {}", std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw refuse(fmt::format("cannot be read: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw refuse("is not a regular file");
  if (st.st_uid != ::geteuid())
    throw refuse(fmt::format("is owned by uid {}, not by the current user (uid {})", st.st_uid, ::geteuid()));
  if ((st.st_mode & 0077) != 0)  // owner-only: no group or other permission bits
    throw refuse(fmt::format("is readable by others (mode {:04o}): group and other must have no access (chmod 600 {})",
                             st.st_mode & 07777,
                             clip_for_message(path)));
  if (st.st_size > static_cast<off_t>(kMaxSecretFileBytes))
    throw refuse(fmt::format("is larger than {} bytes", kMaxSecretFileBytes));
  std::string value;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw refuse(fmt::format("cannot be read: {}", std::strerror(errno)));
    if (n == 0) break;
    value.append(chunk, static_cast<std::size_t>(n));
    if (value.size() > kMaxSecretFileBytes) throw refuse(fmt::format("is larger than {} bytes", kMaxSecretFileBytes));
  }
  volatile char* c = chunk;  // the stack copy of the secret
  for (std::size_t i = 0; i < sizeof chunk; ++i) c[i] = 0;
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) throw refuse("is empty");
  return value;
}

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
      throw ConfigError(fmt::format("{}: environment variable {} is not set", what, clip_for_message(name)));
    return v;
  }
  if (ref.starts_with("file:")) return read_secret_file(std::string(ref.substr(5)), what);
  throw ConfigError(fmt::format("{}: not a secret reference (use \"env:NAME\" or \"file:PATH\")", what));
}

}  // namespace keel
