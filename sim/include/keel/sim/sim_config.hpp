// The simulator's configuration (config/sim.toml; ../shared/spec/VENUE.md "Endpoints and start-up"),
// loaded strictly like keel's own configuration (config.hpp): unknown keys, wrong types, bad decimals,
// duplicate symbols or accounts are keel::ConfigError "file:line: key.path: reason".
//
//   [venue]  market = "spot" | "futures", comp_id, http_port, fix_port (0 = any free port), tls_cert,
//            tls_key (both or neither), bind (a numeric IPv4/IPv6 address both ports bind exactly;
//            default 127.0.0.1), max_fix_connections (64), max_http_connections (512), store_dir (FIX store; "" = a fresh
//            directory under the system temp dir), maker_fee, taker_fee (decimal strings, fractions of
//            the notional: "0.001" = 0.1 %, negative = rebate, at most 6 decimals), orders_per_book
//            (resting orders per symbol, default 65536), max_book_memory_mb (default 4096: start-up
//            is refused when the books and open-order index of all symbols would reserve more),
//            funding_rate (futures @markPrice "r": a signed decimal string, at most 8 decimals, in
//            (-1, 1); default "0.0001"), finished_order_memory (finished client orders the venue
//            remembers for OrderStatusRequest, FIFO; default 65536, 0 = none)
//   [flow]   kind = "none" | "synthetic" | "bars" | "captures", speed (1 = real time, N = ×N, 0 = as
//            fast as possible), seed (the flow's RNG seed); the book the bar walk keeps: levels,
//            spread_ticks, level_notional, depth_jitter, steps_per_bar, volume_fraction;
//            bars: data (directory of SYMBOL.csv[.gz]/.json[.gz] bar files of the venue's symbols),
//            interval_ms, from / to (UTC dates, inclusive);
//            captures: captures (list of capture files, merged by receive time), cancels_from =
//            "back" | "front" (the queue model: which maker orders a recorded decrease removes);
//            [flow.synthetic] the synthetic market's settings (keel's [synthetic] table; `assets` is
//            the number of venue symbols: synthetic asset i drives venue symbol i)
//   [latency] order_entry_us (client request → matching), market_data_us (book/trade → publication)
//   [[symbol]]  name, tick_size, lot_size, min_notional (decimal strings, keel::parse_decimal),
//               funding_rate (optional: this symbol's rate instead of venue.funding_rate)
//   [[account]] comp_id, password (optional), balances = { ASSET = "decimal", … }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/io/config.hpp"
#include "keel/core/primitives/fixed_point.hpp"
#include "keel/sim/bar_walk_flow.hpp"
#include "keel/sim/capture_replay_flow.hpp"

namespace keel::sim {

enum class MarketKind : std::uint8_t { kSpot = 0, kFutures = 1 };
enum class FlowKind : std::uint8_t { kNone = 0, kSynthetic = 1, kBars = 2, kCaptures = 3 };

struct SimSymbol {
  std::string name;  // "BTCUSDT"
  Price tick_size;
  Qty lot_size;
  Notional min_notional;
  int price_decimals = 0;  // decimals of tick_size as written
  int qty_decimals = 0;    // decimals of lot_size as written
  bool has_funding_rate = false;   // [[symbol]] funding_rate set: overrides venue.funding_rate
  std::int64_t funding_rate_e8 = 0;  // signed, 10^-8 (protocol::binance::FundingRate)
};

struct SimAccount {
  std::string comp_id;   // the client's SenderCompID
  std::string password;  // "" = no Logon password required
  std::vector<std::pair<std::string, std::int64_t>> balances;  // asset → raw (10^-8), sorted by asset
};

struct SimConfig {
  MarketKind market = MarketKind::kSpot;
  std::string comp_id = "KEELSIM";
  std::uint16_t http_port = 0;
  std::uint16_t fix_port = 0;
  std::string tls_cert;
  std::string tls_key;
  std::string bind = "127.0.0.1";
  int max_fix_connections = 64;    // open FIX connections; more are refused and counted
  int max_http_connections = 512;  // open HTTP/WebSocket connections; more are refused and counted
  std::string store_dir;
  std::int64_t maker_fee_millionths = 0;
  std::int64_t taker_fee_millionths = 0;
  std::int64_t orders_per_book = 1 << 16;     // resting orders per symbol (the engine's book capacity)
  std::int64_t max_book_memory_mb = 4096;     // MiB all books and the open-order index may reserve
  std::int64_t funding_rate_e8 = 10'000;      // futures @markPrice "r", 10^-8 (0.0001 = 0.01 %)
  std::int64_t finished_order_memory = 1 << 16;  // finished client orders remembered (FIFO), 0 = none
  FlowKind flow = FlowKind::kNone;
  double flow_speed = 1.0;       // venue seconds per wall second; 0 = as fast as possible
  std::uint64_t flow_seed = 42;  // RNG seed of seeded flows
  BarWalkParams bar_walk;        // bars and synthetic: the book the flow keeps and how it walks
  std::string bars_dir;          // bars: the bar files
  std::int64_t bars_interval_ms = 300'000;
  std::string bars_from, bars_to;  // bars: UTC dates (inclusive); "" = no bound
  SyntheticConfig synthetic;     // synthetic: the market model (assets = number of symbols)
  std::vector<std::string> capture_files;  // captures: the files, in the order given
  CaptureReplayParams capture_replay;      // captures: the queue model
  std::int64_t order_entry_delay_us = 0;  // added between a FIX request's arrival and its matching
  std::int64_t market_data_delay_us = 0;  // added between a book change or trade and its publication
  std::vector<SimSymbol> symbols;    // in file order
  std::vector<SimAccount> accounts;  // in file order
};

// Parses TOML text; `source_name` prefixes every error. Throws keel::ConfigError.
SimConfig parse_sim_config(std::string_view toml_text, std::string_view source_name);
// Reads and parses a file. Throws keel::ConfigError (also when the file cannot be read).
SimConfig load_sim_config(const std::string& path);

// The checks of a configuration against the machine, done before the venue starts so that they are
// configuration errors (exit 78) rather than start-up failures: tls_cert / tls_key name readable
// regular files, store_dir (when set) is or can be made a directory (it is created). (bind is checked
// when the file is parsed: a numeric address.) Throws keel::ConfigError "source: venue.key: reason".
void check_sim_environment(const SimConfig& config, std::string_view source_name);

std::string_view to_string(MarketKind kind) noexcept;
std::string_view to_string(FlowKind kind) noexcept;

}  // namespace keel::sim
