// The simulated venue (VENUE.md): a MatchingEngine behind a FixAcceptor (orders) and a
// MarketDataServer (Binance WebSocket streams and the REST depth snapshot), moved by an optional
// background OrderFlow ([flow] kind) and shaped by a latency model ([latency]).
//
// Orders: FIX requests are decoded by the acceptor, mapped to OrderRequest / CancelRequest /
// ReplaceRequest and submitted to the engine; the engine's Executions and CancelRejects go back as
// ExecutionReport (8) / OrderCancelReject (9) to the session of the order's account (the resting
// side's fills go to its own session). OrderStatusRequest (H) is answered with ExecType I: for a
// resting order its state, for a finished one (filled, canceled) its final state from a bounded memory
// ([venue] finished_order_memory, FIFO; finished_orders.hpp), for a replaced order's old ClOrdID the
// order's current state under its current ClOrdID (41 = the id asked about), else 39=8 "Unknown
// order". OrderMassStatusRequest (AF, 585=7) is answered with one 150=I per open order of the
// account, all symbols, in OrderID order (584, 911 = their number, 912=Y on the last); with none,
// one report 150=I, 911=0, 912=Y, 37=NONE, 11=NONE, 55=[N/A], 54=1, 39=8 (DECISIONS 244).
//
// Market data: the engine's trades and level changes feed a MarketDataPublisher; its messages wait in
// an outbox until their publication time (event + market_data_us) and the driver thread hands them
// to the server. Depth diffs are cut every 100 ms of venue time; in futures mode the mark prices
// (@markPrice@1s, @markPrice) every whole second ([venue] funding_rate; market_data_publisher.hpp).
//
// Time: venue time (ns since the Unix epoch) stamps every request and message. With flow "none" it is
// the wall clock. With a flow it starts at the flow's first action and runs at `speed` venue seconds
// per wall second; speed 0 applies the flow's actions as fast as the market-data consumer takes them
// (venue time jumps to each action), and once the flow has ended venue time runs on in real time.
//
// Threads: the FIX acceptor's network thread calls in; one driver thread applies delayed client requests
// (order_entry_us > 0), flow actions and depth flushes, and is the server's only publisher. One mutex
// serialises the engine, so every request is matched to completion before the next starts; the
// reports a request produces are sent in order after the engine is released, under a second mutex
// taken before the first is dropped, so reports of consecutive requests never interleave.
//
// Accounts: account i is the i-th [[account]] of the SimConfig; the flow's house accounts follow
// (maker = accounts.size(), taker = accounts.size() + 1; see house_accounts()). Instrument i is the
// i-th [[symbol]]. Assets are numbered in sorted name order over the accounts' balances and the
// symbols' base and quote assets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/core/primitives/events.hpp"
#include "keel/protocol/binance/symbol_format.hpp"
#include "keel/sim/fix_acceptor.hpp"
#include "keel/sim/market_data_server.hpp"
#include "keel/sim/order_flow.hpp"
#include "keel/sim/sim_config.hpp"

namespace keel::sim {

// One open (resting) order of an account, as Venue::open_orders reports it.
struct VenueOpenOrder {
  std::uint64_t order_id = 0;  // OrderID (37)
  std::string cl_ord_id;       // its current ClOrdID (the last accepted replace's)
  std::string symbol;
  Side side = Side::kNone;
  Price price;
  Qty order_qty;               // total, including what has filled (after the last replace)
  Qty cum_qty;
  Qty leaves_qty;              // order_qty − cum_qty
};

// What one account's FIX session asked and got since the venue was built (Venue::order_counts).
// Requests count when they reach the matching engine (after [latency] order_entry_us).
struct VenueOrderCounts {
  std::uint64_t new_orders = 0;            // NewOrderSingle (D) received
  std::uint64_t accepted = 0;              // … answered 150=0 (New)
  std::uint64_t rejected = 0;              // … answered 150=8 (Rejected), duplicates included
  std::uint64_t duplicate_cl_ord_ids = 0;  // D, F or G refused for a ClOrdID already in use
  std::uint64_t cancels = 0;               // OrderCancelRequest (F) received
  std::uint64_t replaces = 0;              // OrderCancelReplaceRequest (G) received
  std::uint64_t status_requests = 0;       // OrderStatusRequest (H) received
  std::uint64_t mass_status_requests = 0;  // OrderMassStatusRequest (AF, 585=7) received
  std::uint64_t fills = 0;                 // 150=F reports (the account's fills, maker or taker)
  friend bool operator==(const VenueOrderCounts&, const VenueOrderCounts&) = default;
};

class Venue {
 public:
  // Builds the engine, the acceptor, the market-data server and the flow (nothing is opened yet).
  // `flow` replaces the flow config.flow names (tests, tools); without one, make_order_flow(config)
  // builds it. An empty config.store_dir gets a fresh directory under the system temp dir. Throws
  // std::invalid_argument for a configuration the venue cannot serve (no accounts, a symbol whose
  // base/quote assets cannot be told apart) and keel::ConfigError / DataError for a flow whose data
  // cannot be loaded.
  explicit Venue(const SimConfig& config, std::unique_ptr<OrderFlow> flow = nullptr);
  ~Venue();  // stops
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // Opens the HTTP/WebSocket port and the FIX port (0 = any free port), then starts the driver.
  // Throws std::runtime_error naming the port that could not be opened.
  void start();
  void stop();  // idempotent
  [[nodiscard]] std::uint16_t fix_port() const noexcept;
  [[nodiscard]] std::uint16_t http_port() const noexcept;
  // "ready http=<scheme>://<address>:<port> fix=<address>:<port>" (VENUE.md) with the addresses and
  // ports actually bound (an IPv6 address in brackets).
  [[nodiscard]] std::string ready_line() const;
  // One line per account without a password that the configured bind address exposes beyond
  // loopback (anyone who can reach the port can log on as it); empty when there is none.
  [[nodiscard]] static std::vector<std::string> security_warnings(const SimConfig& config);
  [[nodiscard]] bool is_logged_on(std::string_view comp_id) const;

  // File descriptors the venue may hold at once: 4 per account (QuickFIX's FileStore keeps its body,
  // header, sequence-number and session files open), one per FIX and HTTP connection allowed, and a
  // reserve for listeners, event descriptors, data files and the libraries. start() refuses (ConfigError)
  // when the process limit (RLIMIT_NOFILE, raised towards its hard limit if needed) is lower.
  [[nodiscard]] static std::size_t descriptors_needed(const SimConfig& config) noexcept;

  // The house accounts a flow trades with.
  [[nodiscard]] static FlowAccounts house_accounts(const SimConfig& config) noexcept;
  // True once the flow has no more actions (always true without a flow).
  [[nodiscard]] bool flow_finished() const;
  // Flow actions applied so far.
  [[nodiscard]] std::uint64_t flow_actions() const;
  // Venue time now (ns since the Unix epoch).
  [[nodiscard]] std::int64_t venue_time() const;

  // The engine's book of `symbol`, best first; empty for an unknown symbol. Locks the engine.
  [[nodiscard]] std::vector<protocol::binance::Level> book_side(std::string_view symbol, Side side) const;
  // The FIX port's and the market-data port's counters (connections refused, logons refused, …).
  [[nodiscard]] FixAcceptorStats fix_stats() const noexcept;
  [[nodiscard]] MarketDataServerStats market_data_stats() const noexcept;
  // Market-data messages the server refused for a moment (hand-off queue full) and were retried.
  [[nodiscard]] std::uint64_t publish_retries() const;
  // ExecutionReports and OrderCancelRejects the FIX acceptor refused to send (each is also logged to
  // stderr once, with its session and ClOrdID).
  [[nodiscard]] std::uint64_t send_failures() const;

  // The account's open orders, in OrderID order (the order the venue accepted them); empty for an
  // unknown CompID. Thread-safe: takes the engine lock, so the list is one consistent moment of the
  // venue (end-to-end tests compare it with keel's OMS, order by order). Allocates.
  [[nodiscard]] std::vector<VenueOpenOrder> open_orders(std::string_view comp_id) const;
  // The account's request and report counters (VenueOrderCounts); all zero for an unknown CompID.
  // Thread-safe (engine lock).
  [[nodiscard]] VenueOrderCounts order_counts(std::string_view comp_id) const;

  // An account's balance of `asset` (raw 10^-8); 0 for an unknown account or asset. Locks the engine.
  [[nodiscard]] std::int64_t balance(std::string_view comp_id, std::string_view asset) const;
  // Splits a symbol into base and quote using the known assets (longest quote suffix wins);
  // {"", ""} when no known asset is a proper suffix.
  [[nodiscard]] static std::pair<std::string, std::string> split_symbol(
      std::string_view symbol, const std::vector<std::string>& assets);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::sim
