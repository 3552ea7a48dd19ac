#include "keel/sim/sim_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "keel/core/io/toml_reader.hpp"
#include "keel/sim/matching_engine.hpp"
#include "tcp_listener.hpp"

namespace keel::sim {
namespace {


using toml_reader::TableReader;
using toml_reader::type_name;

// CompIDs name the FIX session store's files (store_dir/<FIX.4.4-venue-account>.*): only a charset
// that is safe in a file name, so that no CompID can reach outside the store ("../x", "/", NUL).
constexpr std::size_t kMaxCompIdLength = 32;  // protocol::fix::CompId holds 32 bytes
void check_comp_id(TableReader& r, const std::string& id) {
  const bool safe_chars = std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '-';
  });
  if (!safe_chars || id.front() == '.' || id.size() > kMaxCompIdLength) {
    r.fail(*r.take("comp_id"), "comp_id",
           fmt::format("{} is not a safe CompID: 1 to {} characters of A-Z a-z 0-9 _ . -, not starting with '.'",
                       quote_for_message(id), kMaxCompIdLength));
  }
}

// A string key holding one of `names`: out = the matching enum value (unchanged when absent).
template <class E, std::size_t N>
void read_enum(TableReader& r, std::string_view key, E& out, const std::string_view (&names)[N]) {
  const toml::node* n = r.take(key);
  if (n == nullptr) return;
  if (!n->is_string()) r.fail(*n, key, fmt::format("expected a string, got {}", type_name(n->type())));
  const std::string& v = n->as_string()->get();
  for (std::size_t i = 0; i < N; ++i) {
    if (v == names[i]) {
      out = static_cast<E>(i);
      return;
    }
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) list += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", names[i]);
  r.fail(*n, key, fmt::format("{} is not one of {}", quote_for_message(v), list));
}

void read_port(TableReader& r, std::string_view key, std::uint16_t& out) {
  std::int64_t v = out;
  r.read(key, v, 0, 65535);
  out = static_cast<std::uint16_t>(v);
}

// A decimal string node (signed only when allow_negative). Returns the parsed value (raw 10^-8).
ParsedDecimal parse_node_decimal(TableReader& r, const toml::node& n, std::string_view key, bool allow_negative) {
  if (!n.is_string())
    r.fail(n, key, fmt::format("expected a decimal string, got {}", type_name(n.type())));
  const std::string& v = n.as_string()->get();
  const auto parsed = allow_negative ? parse_signed_decimal(v) : parse_decimal(v);
  if (!parsed.ok()) r.fail(n, key, fmt::format("{} is not a valid decimal", quote_for_message(v)));
  return parsed.value();
}

ParsedDecimal read_decimal(TableReader& r, std::string_view key, bool required, bool allow_negative,
                           const toml::node& parent) {
  const toml::node* n = r.take(key);
  if (n == nullptr) {
    if (required) r.fail(parent, key, "missing (required)");
    return {};
  }
  return parse_node_decimal(r, *n, key, allow_negative);
}

ParsedDecimal read_positive(TableReader& r, std::string_view key, const toml::node& parent) {
  const ParsedDecimal d = read_decimal(r, key, true, false, parent);
  if (d.raw <= 0) r.fail(*r.take(key), key, "must be positive");
  return d;
}

void read_fee(TableReader& r, std::string_view key, std::int64_t& millionths) {
  const toml::node* n = r.take(key);
  if (n == nullptr) return;
  const ParsedDecimal d = parse_node_decimal(r, *n, key, true);
  if (d.raw % 100 != 0) r.fail(*n, key, "at most 6 decimals (the fee is kept in millionths)");
  if (d.raw <= -kScale || d.raw >= kScale) r.fail(*n, key, "must be a fraction in (-1, 1)");
  millionths = d.raw / 100;
}

// A funding rate: a signed decimal string in (-1, 1), exact to 10^-8.
void read_funding_rate(TableReader& r, std::string_view key, std::int64_t& e8, bool* present = nullptr) {
  const toml::node* n = r.take(key);
  if (n == nullptr) return;
  const ParsedDecimal d = parse_node_decimal(r, *n, key, true);
  if (d.raw <= -kScale || d.raw >= kScale) r.fail(*n, key, "must be a fraction in (-1, 1)");
  e8 = d.raw;
  if (present != nullptr) *present = true;
}

void read_required_string(TableReader& r, std::string_view key, std::string& out, const toml::node& parent) {
  if (r.take(key) == nullptr) r.fail(parent, key, "missing (required)");
  r.read(key, out);
  if (out.empty()) r.fail(*r.take(key), key, "must not be empty");
}

// Calls fn(TableReader&, const toml::table&) for each table of the array of tables `key`.
template <class Fn>
void each_table(TableReader& top, std::string_view key, Fn&& fn) {
  const toml::node* n = top.take(key);
  if (n == nullptr) return;
  if (!n->is_array_of_tables())
    top.fail(*n, key, fmt::format("expected an array of tables ([[{}]]), got {}", key, type_name(n->type())));
  const toml::array& arr = *n->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const toml::table& t = *arr.get(i)->as_table();
    TableReader r(t, fmt::format("{}[{}]", top.full(key), i), top.source());
    fn(r, static_cast<const toml::node&>(t));
    r.finish();
  }
}

// Every symbol's book reserves room for orders_per_book orders (and the open-order index for all of
// them); pages are touched only as orders use them, but a venue whose books could fill must fit the
// machine. Refuses what would reserve more than max_book_memory_mb, or more orders than the index's
// 32-bit references hold, naming the figure and the keys.
void check_book_memory(const SimConfig& c, std::string_view source_name) {
  const std::size_t symbols = c.symbols.size();
  const auto per_book = static_cast<std::size_t>(c.orders_per_book);
  if (symbols > 0 && symbols > (OpenOrderIndex::kNoRef - 1) / per_book) {
    throw ConfigError(fmt::format("{}: venue.orders_per_book: {} symbols × {} orders exceed the venue's {} order "
                                  "references; lower venue.orders_per_book",
                                  source_name, symbols, per_book, OpenOrderIndex::kNoRef - 1));
  }
  const std::size_t bytes = MatchingEngine::reserved_bytes(symbols, per_book);
  const std::size_t mib = (bytes + (std::size_t{1} << 20) - 1) >> 20;
  if (mib > static_cast<std::size_t>(c.max_book_memory_mb)) {
    throw ConfigError(fmt::format(
        "{}: venue.max_book_memory_mb: {} symbols × {} orders each (venue.orders_per_book) need {} MiB for "
        "order books (about {} KiB per symbol), above the limit of {} MiB; lower venue.orders_per_book or "
        "raise venue.max_book_memory_mb",
        source_name, symbols, per_book, mib, MatchingEngine::reserved_bytes(1, per_book) >> 10,
        c.max_book_memory_mb));
  }
}

}  // namespace

std::string_view to_string(MarketKind kind) noexcept {
  return kind == MarketKind::kFutures ? "futures" : "spot";
}

std::string_view to_string(FlowKind kind) noexcept {
  switch (kind) {
    case FlowKind::kNone: return "none";
    case FlowKind::kSynthetic: return "synthetic";
    case FlowKind::kBars: return "bars";
    case FlowKind::kCaptures: return "captures";
  }
  return "none";
}

SimConfig parse_sim_config(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", source_name, e.source().begin.line, e.description()));
  }
  SimConfig c;
  TableReader top(root, "", source_name);
  top.section("venue", [&](TableReader& r) {
    static constexpr std::string_view kMarkets[] = {"spot", "futures"};
    read_enum(r, "market", c.market, kMarkets);
    r.read("comp_id", c.comp_id);
    if (c.comp_id.empty()) r.fail(*r.take("comp_id"), "comp_id", "must not be empty");
    check_comp_id(r, c.comp_id);
    read_port(r, "http_port", c.http_port);
    read_port(r, "fix_port", c.fix_port);
    r.read("tls_cert", c.tls_cert);
    r.read("tls_key", c.tls_key);
    if (c.tls_cert.empty() != c.tls_key.empty()) {
      const std::string_view set = c.tls_cert.empty() ? "tls_key" : "tls_cert";
      r.fail(*r.take(set), set, "tls_cert and tls_key must be set together");
    }
    r.read("bind", c.bind);
    if (!net::is_numeric_address(c.bind)) {  // both ports bind exactly this (docs/SECURITY.md)
      r.fail(*r.take("bind"), "bind",
             "must be a numeric IPv4 or IPv6 address (127.0.0.1, ::1; 0.0.0.0 or :: for every interface)");
    }
    r.read("max_fix_connections", c.max_fix_connections, 1, 65536);
    r.read("max_http_connections", c.max_http_connections, 1, 65536);
    r.read("store_dir", c.store_dir);
    read_fee(r, "maker_fee", c.maker_fee_millionths);
    read_fee(r, "taker_fee", c.taker_fee_millionths);
    r.read("orders_per_book", c.orders_per_book, 1, std::int64_t{1} << 24);
    r.read("max_book_memory_mb", c.max_book_memory_mb, 1, std::int64_t{1} << 24);
    read_funding_rate(r, "funding_rate", c.funding_rate_e8);
    r.read("finished_order_memory", c.finished_order_memory, 0, std::int64_t{1} << 24);
  });
  top.section("flow", [&](TableReader& r) {
    static constexpr std::string_view kFlows[] = {"none", "synthetic", "bars", "captures"};
    read_enum(r, "kind", c.flow, kFlows);
    r.read("speed", c.flow_speed, 0.0, 1e9);
    r.read("seed", c.flow_seed);
    BarWalkParams& w = c.bar_walk;
    r.read("levels", w.levels, 1, 1000);
    r.read("spread_ticks", w.spread_ticks, 1, 1'000'000);
    r.read("level_notional", w.level_notional, 1e-8, 1e9);
    r.read("depth_jitter", w.depth_jitter, 0.0, 0.999);
    r.read("steps_per_bar", w.steps_per_bar, 4, 100'000);
    r.read("volume_fraction", w.volume_fraction, 0.0, 1.0);
    r.read("data", c.bars_dir);
    r.read("interval_ms", c.bars_interval_ms, 1000, 7LL * 86'400'000);
    r.read_date_or_empty("from", c.bars_from);
    r.read_date_or_empty("to", c.bars_to);
    if (const toml::node* n = r.take("captures")) {
      const toml::array* arr = n->as_array();
      if (arr == nullptr) r.fail(*n, "captures", fmt::format("expected an array of file names, got {}", type_name(n->type())));
      for (const toml::node& f : *arr) {
        if (!f.is_string() || f.as_string()->get().empty())
          r.fail(f, "captures", "expected non-empty file name strings");
        c.capture_files.push_back(f.as_string()->get());
      }
    }
    {
      static constexpr std::string_view kQueueModels[] = {"none", "back", "front"};
      QueueModel model = c.capture_replay.cancels_from;
      read_enum(r, "cancels_from", model, kQueueModels);
      if (model == QueueModel::kNone) r.fail(*r.take("cancels_from"), "cancels_from", "expected \"back\" or \"front\"");
      c.capture_replay.cancels_from = model;
    }
    r.section("synthetic", [&](TableReader& sr) {
      if (sr.take("assets") != nullptr)
        sr.fail(*sr.take("assets"), "assets", "is the number of [[symbol]] tables; do not set it");
      toml_reader::read_synthetic(sr, c.synthetic);
    });
  });
  top.section("latency", [&](TableReader& r) {
    constexpr std::int64_t kMaxDelayUs = 60'000'000;  // one minute
    r.read("order_entry_us", c.order_entry_delay_us, 0, kMaxDelayUs);
    r.read("market_data_us", c.market_data_delay_us, 0, kMaxDelayUs);
  });
  std::set<std::string, std::less<>> names;
  each_table(top, "symbol", [&](TableReader& r, const toml::node& t) {
    SimSymbol s;
    read_required_string(r, "name", s.name, t);
    if (!names.insert(s.name).second) r.fail(*r.take("name"), "name", fmt::format("duplicate symbol {}", quote_for_message(s.name)));
    const ParsedDecimal tick = read_positive(r, "tick_size", t);
    const ParsedDecimal lot = read_positive(r, "lot_size", t);
    const ParsedDecimal min_notional = read_decimal(r, "min_notional", false, false, t);
    s.tick_size = Price::from_raw(tick.raw);
    s.price_decimals = std::min(tick.decimals, kDecimals);
    s.lot_size = Qty::from_raw(lot.raw);
    s.qty_decimals = std::min(lot.decimals, kDecimals);
    s.min_notional = Notional::from_raw(min_notional.raw);
    read_funding_rate(r, "funding_rate", s.funding_rate_e8, &s.has_funding_rate);
    c.symbols.push_back(std::move(s));
  });
  std::set<std::string, std::less<>> comp_ids;
  each_table(top, "account", [&](TableReader& r, const toml::node& t) {
    SimAccount a;
    read_required_string(r, "comp_id", a.comp_id, t);
    check_comp_id(r, a.comp_id);
    if (a.comp_id == c.comp_id)
      r.fail(*r.take("comp_id"), "comp_id", "must differ from venue.comp_id");
    if (!comp_ids.insert(a.comp_id).second)
      r.fail(*r.take("comp_id"), "comp_id", fmt::format("duplicate account {}", quote_for_message(a.comp_id)));
    r.read("password", a.password);
    if (const toml::node* b = r.take("balances")) {
      if (!b->is_table()) r.fail(*b, "balances", fmt::format("expected a table, got {}", type_name(b->type())));
      TableReader br(*b->as_table(), r.full("balances"), r.source());
      for (auto&& [k, v] : *b->as_table()) {
        const std::string asset(k.str());
        if (asset.empty()) br.fail(v, asset, "empty asset name");
        const ParsedDecimal d = parse_node_decimal(br, v, asset, false);
        (void)br.take(asset);
        a.balances.emplace_back(asset, d.raw);
      }
      std::sort(a.balances.begin(), a.balances.end());
    }
    c.accounts.push_back(std::move(a));
  });
  top.finish();
  if (c.flow == FlowKind::kBars && c.bars_dir.empty())
    throw ConfigError(fmt::format("{}: flow.data: required when flow.kind = \"bars\" (the bar files' directory)", source_name));
  if (c.flow == FlowKind::kCaptures && c.capture_files.empty())
    throw ConfigError(fmt::format("{}: flow.captures: required when flow.kind = \"captures\" (the capture files)", source_name));
  if (c.flow != FlowKind::kNone && c.symbols.empty())
    throw ConfigError(fmt::format("{}: flow.kind: \"{}\" needs at least one [[symbol]]", source_name, to_string(c.flow)));
  check_book_memory(c, source_name);
  c.synthetic.assets = static_cast<int>(std::max<std::size_t>(c.symbols.size(), 1));
  return c;
}

void check_sim_environment(const SimConfig& c, std::string_view source_name) {
  auto fail = [&](std::string_view key, const std::string& why) {
    throw ConfigError(fmt::format("{}: venue.{}: {}", source_name, key, why));
  };
  for (const auto& [key, path] : {std::pair<std::string_view, const std::string&>{"tls_cert", c.tls_cert},
                                  std::pair<std::string_view, const std::string&>{"tls_key", c.tls_key}}) {
    if (path.empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      fail(key, fmt::format("{} is not a readable file", quote_for_message(path)));
    if (!std::ifstream(path, std::ios::binary)) fail(key, fmt::format("cannot read {}", quote_for_message(path)));
  }
  if (!c.store_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(c.store_dir, ec);
    if (ec || !std::filesystem::is_directory(c.store_dir, ec))
      fail("store_dir", fmt::format("cannot create the directory {}: {}", quote_for_message(c.store_dir),
                                    ec ? ec.message() : std::string("not a directory")));
  }
}

SimConfig load_sim_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open config file", clip_for_message(path)));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sim_config(text.str(), path);
}

}  // namespace keel::sim
