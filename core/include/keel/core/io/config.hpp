// keel's configuration: typed structs with defaults, loaded from TOML (toml++). Loading is start-up
// code and throws ConfigError; the message names the file, line, key path and reason, e.g.
//   "backtest.toml:7: run.seed: expected an integer, got a string".
// Unknown keys and wrong types are errors, never ignored. Secrets are never written in a config
// file: a secret setting holds a reference, "env:NAME" or "file:PATH" (the file must have owner-only
// permissions: no group or other bits, e.g. 0600), resolved with read_secret() when needed.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "keel/core/risk/risk_limits.hpp"
#include "keel/core/strategy/dolphin/params.hpp"

namespace keel {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What kind of run: a backtest feeds the core bars from files; paper and live feed it the gateway's
// market data (bars built from trades, [live]). Written by the command, recorded in the journal, so
// `keel replay` builds the same core.
enum class RunMode : std::uint8_t { kBacktest = 0, kPaper = 1, kLive = 2 };
std::string_view to_string(RunMode mode) noexcept;

struct RunConfig {
  std::uint64_t seed = 42;            // RNG.md run seed
  double initial_capital = 100'000.0; // quote currency
  RunMode mode = RunMode::kBacktest;
};

// Bars from files (`keel backtest --data DIR`).
struct DataConfig {
  std::string dir;                    // empty: use the synthetic market
  std::string symbols_file;           // empty: every SYMBOL.csv[.gz]/.json in dir, sorted by name
  std::int64_t bar_interval_ms = 300'000;
  bool skip_bad_symbols = false;      // false: a bad file stops the run before it starts
  std::string from;                   // first trading date (UTC, inclusive); "" = from the start
  std::string to;                     // last date processed (UTC, inclusive); "" = to the end
  std::string features;               // precomputed signal columns (keel features CSV); "" = compute
  std::string book_capture;           // a Binance capture whose depth streams feed the core's order books
  std::int64_t book_levels = 1000;    // levels per side of each order book (with book_capture)
};

// The built-in synthetic market (sim/synthetic_market.hpp explains the model).
struct SyntheticConfig {
  int assets = 8;
  int days = 30;
  std::int64_t bar_interval_ms = 300'000;
  std::string start = "2021-01-01";   // UTC date of the first bar
  double start_price = 100.0;
  int price_decimals = 4;
  int qty_decimals = 3;
  double bar_volatility = 0.002;       // per-bar standard deviation of log returns
  double factor_share_calm = 0.35;     // share of variance in the market factor, calm regime
  double factor_share_stressed = 0.85; // … stressed regime
  double regime_switch_probability = 0.002;  // per bar
  double shock_probability = 0.0004;         // per bar, market-wide jump
  double shock_size = 0.03;                  // jump size (log return, sign drawn)
  int substeps = 12;                         // intrabar steps that shape high and low
  double base_volume = 1000.0;
  std::int64_t gap_every_bars = 0;           // 0 = no gaps; else an exchange-wide gap every N bars
  int gap_length_bars = 6;
};

struct JournalConfig {
  bool enabled = true;  // write journal.bin into the run directory
};

struct CredentialsConfig {
  std::string api_key;     // "env:NAME" or "file:PATH" (or empty)
  std::string api_secret;
};

// Where a backtest's orders go ([execution]; ARCHITECTURE.md "One execution interface").
enum class VenueKind : std::uint8_t {
  kBarClose = 0,  // "bar-close": the bar-close fill model (execution/bar_close_venue.hpp)
  kMatching = 1,  // "matching": the simulator's matching engine in-process, with a background flow
};

// [execution.matching]: the in-process matching venue (sim/matching_venue.hpp). The background flow
// walks the run's own bars (bar files or the synthetic market) as `keel sim`'s bar flow does.
struct MatchingVenueConfig {
  std::int64_t order_entry_us = 0;   // latency of a command to the venue (venue time)
  std::int64_t report_us = 0;        // latency of a report back to the core
  int levels = 10;                   // maker price levels per side
  int spread_ticks = 1;
  double level_notional = 5000.0;    // quote notional per maker level
  double depth_jitter = 0.5;
  int steps_per_bar = 20;
  double volume_fraction = 0.5;      // share of each bar's volume the flow's taker trades
  double maker_fee = 0.0002;         // fee rates charged to the core's account (fraction of notional)
  double taker_fee = 0.0005;
  int orders_per_book = 4096;        // resting orders per instrument
};

struct ExecutionConfig {
  VenueKind venue = VenueKind::kBarClose;
  MatchingVenueConfig matching;
};

// [oms]
struct OmsConfig {
  int capacity = 4096;          // orders held at once (live and recently done)
  double ack_timeout_s = 5.0;   // a request unanswered this long (event time) becomes Unknown and is queried
};

enum class StrategyKind : std::uint8_t { kNone = 0, kDolphin = 1 };

struct StrategyConfig {
  StrategyKind kind = StrategyKind::kDolphin;  // "none": only the market tracker runs
};

// Paper and live trading (`keel paper`, `keel live`; [live]). bar_interval_ms and book_levels shape
// the core (and so are replayed with the journal like every key); the rest says where the venue is
// and how the gateway's threads run.
struct LiveConfig {
  std::int64_t bar_interval_ms = 300'000;  // bars built from the feed's trades on event time
  std::int64_t book_levels = 0;            // per side; 0 = no order books in the core (no depth stream)
  std::string market = "spot";             // the venue's market-data flavour: "spot" or "futures"
  std::string market_data_url;             // ws(s)://host:port; paper: empty = the in-process simulator
  std::string rest_url;                    // http(s)://host:port; empty = market_data_url's host and scheme
  std::string ca_file;                     // TLS: certificate authorities (empty = the system's)
  std::string fix_host = "127.0.0.1";
  std::int64_t fix_port = 0;               // paper: 0 = the in-process simulator's
  std::string sender_comp_id = "KEEL";
  std::string target_comp_id = "KEELSIM";
  std::string username;                    // Logon 553; empty = sender_comp_id
  std::string password;                    // Logon 554: a secret reference ("env:NAME" / "file:PATH")
  std::string account;                     // Account (1) on orders; empty = absent
  int heartbeat_s = 30;
  int reconnect_interval_s = 1;
  bool reset_seq_num = false;              // ResetSeqNumFlag on every Logon
  bool fix_ssl = false;
  int core_cpu = -1;                       // pin the core thread (−1: the last CPU the process may use)
  int feed_cpu = -1;                       // −1: not pinned
  int fix_cpu = -1;                        // the FIX router thread; −1: not pinned
  std::int64_t fix_spin_us = 50;           // the router spins this long after its last command before it sleeps
  std::string sim_config;                  // paper: the in-process simulator's config; "" = built-in
  // The control and metrics endpoint (HTTP: /metrics, /status, POST /control).
  std::string control_bind = "127.0.0.1";  // numeric address, bound exactly
  std::int64_t control_port = 0;           // 0 = any free port (printed at start); −1 = no endpoint
  std::string control_token;               // bearer token for POST /control: a secret reference; "" = control refused
  std::string factor_file;                 // a watched file of external factors ("" = none)
  std::string symbols;                     // a running venue's symbols, "A,B" (their rules come from exchangeInfo)
  // keel live's capital ramp (risk/capital_ramp.hpp): gross exposure starts at this fraction of the
  // limits and grows by daily_step per clean UTC day; ramp_clean_days is what earlier live runs of
  // this configuration completed (keel live reads it from state_dir and records it here, so the
  // journal replays the same limits).
  double ramp_start_fraction = 0.1;
  double ramp_daily_step = 0.1;
  std::int64_t ramp_clean_days = 0;
  std::string state_dir = ".keel-state";   // runs.jsonl (every paper / live run) and the ramp's days
  // Set by the command from --warmup-data: no position opens on a bar that opened before this (ms
  // since the epoch; 0 = no such bound). Recorded, so a replay keeps the same bound.
  std::int64_t trading_start_ms = 0;
  // keel live refuses a FIX session to a non-loopback host without TLS and a control endpoint bound
  // beyond loopback (both would carry a secret in clear text) unless this is set.
  bool allow_plaintext = false;
};

struct KeelConfig {
  RunConfig run;
  DataConfig data;
  SyntheticConfig synthetic;
  JournalConfig journal;
  CredentialsConfig credentials;
  StrategyConfig strategy;
  ExecutionConfig execution;
  RiskLimits risk;
  OmsConfig oms;
  LiveConfig live;
  dolphin::DolphinParams dolphin;  // [dolphin.*]; capital comes from run.initial_capital
};

// Parses TOML text. `source_name` is used in messages (usually the file name). Throws ConfigError.
KeelConfig parse_config(std::string_view toml_text, std::string_view source_name);
// Reads and parses a file. Throws ConfigError (also for a missing or unreadable file).
KeelConfig load_config_file(const std::string& path);

// Cross-field and range checks shared by the loader and by command-line overrides. Throws
// ConfigError naming the key.
void validate_config(const KeelConfig& config);

// Days since 1970-01-01 of a "YYYY-MM-DD" UTC date, or nullopt for anything else (2021-02-31 too).
std::optional<std::int64_t> parse_utc_date(std::string_view text) noexcept;

// Canonical TOML of every setting (defaults included), in a fixed order. Secrets appear as their
// references, never resolved.
std::string dump_config(const KeelConfig& config);
// 64-bit FNV-1a of dump_config(): recorded in journals and summaries.
std::uint64_t config_hash(const KeelConfig& config);

// Resolves "env:NAME" (the variable must be set and non-empty) or "file:PATH" (owner-only
// permissions: no group or other bits; trailing newline removed). Throws ConfigError naming `what`.
std::string read_secret(std::string_view reference, std::string_view what);
// The largest secret file read (a token or a password, not a document).
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
// A secret file: a regular file owned by the current user, with no group or other permission bits,
// at most kMaxSecretFileBytes, judged on the opened descriptor; trailing CR / LF removed, empty
// refused. Throws ConfigError naming `what`, the path and (for a refused mode) the mode — never the
// content. The one reader of secret files (the gateway's load_secret uses it too).
std::string read_secret_file(const std::string& path, std::string_view what);
// True when `reference` is empty or has the form read_secret() accepts.
bool is_secret_reference(std::string_view reference) noexcept;
// Resolves every secret reference of `config` (read_secret) and discards the values: what loading a
// configuration file does, so that a world-readable or missing file, or an unset variable, is
// refused at start-up as this header promises. Throws ConfigError naming the key. (Replaying a
// journal's embedded configuration does not call it: a replay never uses the secrets.)
void check_secrets(const KeelConfig& config);

// Why the synthetic market's bars would not fit nanosecond timestamps (int64 ns since 1970 reach
// 2262-04-11): "synthetic.start: …", or nullopt when start ≥ 1970-01-01 and start + days + 1 fits.
std::optional<std::string> synthetic_span_error(const SyntheticConfig& synthetic);

// A value as error messages echo it: quoted, and when longer than 64 bytes only its first 64 bytes
// (cut at a UTF-8 character boundary) followed by "… (N bytes)", so a hostile 10 MB value never
// floods a terminal or a log.
std::string quote_for_message(std::string_view value);
// The same without the quotes (for names and paths that messages show bare).
std::string clip_for_message(std::string_view value);

}  // namespace keel
