// The fixed-size events that reach the core, and the OrderCommand that leaves it
// (ARCHITECTURE.md "The core"). Every event is trivially copyable, at most 64 bytes, and starts with
// the same 24-byte EventHeader, so `Event` (a union of all kinds) can be read through `header`.
//
// Layout rules: fields are ordered widest first and padding is explicit (`pad_…` members that are
// always zero), so an event's bytes are fully determined by its field values. That makes the raw
// bytes a canonical serialisation: the journal stores them and the run digest hashes them.
// Events are built from a value-initialised (all-zero) object: `Trade t{};` then assign fields.
//
// Venue sequence numbers: every kind except Bar carries `seq` (the venue's update id, trade id or
// execution sequence; 0 when the source has none). A Bar is identified by its open time
// (ts_exchange), as Binance identifies klines, and uses those 8 bytes for its volume.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "keel/core/primitives/fixed_point.hpp"
#include "keel/core/primitives/instrument.hpp"
#include "keel/core/primitives/orders.hpp"

namespace keel {

enum class EventKind : std::uint8_t {
  kNone = 0,
  kTrade = 1,
  kBookTop = 2,
  kBookLevel = 3,
  kBar = 4,
  kExternalFactor = 5,
  kExecReport = 6,
  kTimer = 7,
  kControl = 8,
  kSignal = 9,
  kAdvice = 10,
  kFeedHealth = 11,
};
inline constexpr std::uint8_t kMaxEventKind = 11;


// Header flags (bit set).
inline constexpr std::uint8_t kFlagEndOfBatch = 1u << 0;  // last event of a batch (depth message, bar time)
inline constexpr std::uint8_t kFlagSnapshot = 1u << 1;    // part of a book snapshot rather than a diff
inline constexpr std::uint8_t kFlagReplayed = 1u << 2;    // re-read from a journal or capture
// ExecReport only: how a fill happened (FIX 851 LastLiquidityInd, and a model venue's price improvement).
inline constexpr std::uint8_t kFlagMaker = 1u << 3;          // the fill added liquidity (maker)
inline constexpr std::uint8_t kFlagPriceImproved = 1u << 4;  // the venue's model granted a price improvement

struct EventHeader {
  std::int64_t ts_exchange = 0;  // venue time, ns since the Unix epoch (bar: open time)
  std::int64_t ts_local = 0;     // receive time, ns (simulated in backtests)
  InstrumentId instrument = kNoInstrument;
  EventKind kind = EventKind::kNone;
  std::uint8_t flags = 0;
  std::uint8_t subtype = 0;      // per-kind discriminator (ExecType, ControlKind, FactorKind, …)
  std::uint8_t detail = 0;       // per-kind extra code (reject reason, regime, …)
};
static_assert(sizeof(EventHeader) == 24);

struct Trade {
  EventHeader header{.kind = EventKind::kTrade};
  std::uint64_t seq = 0;        // trade id (or aggregate trade id)
  Price price;
  Qty qty;
  std::int64_t trade_time = 0;  // ns
  Side aggressor = Side::kNone; // the taker's side
  std::uint8_t pad_[7] = {};
};

struct BookTop {
  EventHeader header{.kind = EventKind::kBookTop};
  std::uint64_t seq = 0;  // book update id
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// One price level of a depth message; a message becomes several, the last flagged kFlagEndOfBatch.
// qty == 0 removes the level. The gateway sends only what its book sync applied (core/book/
// book_replica.hpp has the contract): diffs as they link, and after a (re)sync the whole book as
// one batch flagged kFlagSnapshot (side kNone, price 0 = an empty book).
struct BookLevel {
  EventHeader header{.kind = EventKind::kBookLevel};
  std::uint64_t seq = 0;       // final update id of the message (Binance `u`)
  std::uint64_t first_seq = 0; // first update id of the message (Binance `U`)
  Price price;
  Qty qty;
  Side side = Side::kNone;
  std::uint8_t pad_[7] = {};
};

// A closed bar. header.ts_exchange = open time; header.flags has kFlagEndOfBatch on the last bar of
// a bar time in a merged multi-symbol stream.
struct Bar {
  EventHeader header{.kind = EventKind::kBar};
  Price open;
  Price high;
  Price low;
  Price close;
  Qty volume;  // base-asset volume
};

enum class FactorKind : std::uint8_t {
  kNone = 0,
  kFunding = 1,
  kImpliedVol = 2,
  kFearGreed = 3,
  kTakerRatio = 4,
  kOpenInterestChange = 5,
};

// header.subtype = FactorKind.
struct ExternalFactor {
  EventHeader header{.kind = EventKind::kExternalFactor};
  std::uint64_t seq = 0;
  double value = 0.0;
};

// An answer from a venue about one of the core's orders (acks, fills, cancels, rejects, status).
// header.subtype = ExecType. header.detail = the order's OrderStatus after this report, except for
// kRejected and kCancelRejected, where it is the RejectReason (a rejected new order is kRejected; a
// rejected cancel or replace leaves the order as the OMS knew it).
//
// 64 bytes leave room for four 8-byte values after the ids, so leaves is not carried: it is
// order_qty − cum_qty while the order is live and 0 once it is terminal (FIX's 151 = 38 − 14), and
// the OMS, which knows order_qty (and the quantity a replace asked for), derives it.
struct ExecReport {
  EventHeader header{.kind = EventKind::kExecReport};
  std::uint32_t client_order_id = 0;  // ClOrdID sequence of the request answered (oms/cl_ord_ids.hpp)
  std::uint32_t exec_id = 0;          // the venue's execution id: the OMS's duplicate key (0 = none)
  Price last_price;                   // price of this fill (0 when there is none)
  Qty last_qty;                       // quantity of this fill
  Qty cum_qty;                        // the order's filled quantity after this report
  Notional fee;                       // fee of this fill in the quote asset (negative = rebate)
};

// header.subtype = timer id (0..255).
struct Timer {
  EventHeader header{.kind = EventKind::kTimer};
  std::uint64_t seq = 0;
  std::int64_t deadline = 0;  // ns, the simulated time the timer was due
};

enum class ControlKind : std::uint8_t {
  kNone = 0,
  kPosture = 1,       // value = posture code
  kConfigReload = 2,  // value = config generation
  kKillSwitch = 3,    // value = 1 engage, 0 release, kKillSwitchShutdown: engaged by an orderly stop
  kMode = 4,          // value = mode code
  kStrategyUpdate = 5, // value = an update id the strategy defines, real / real2 its arguments
  kEndOfData = 6,     // the source has no more events
  kTradingState = 7,  // value = TradingState (risk/trading_state.hpp): active, reducing, halted
  kBookState = 8,     // header.instrument's order book: value = BookState (book/book_replica.hpp)
  kFlatten = 9,       // close every position with reduce-only orders through risk (value unused)
  kVenueSession = 10, // the order venue's session: value = VenueSessionState, real = its count (below)
};

// Control kKillSwitch's value when a paper / live session stops: open orders cancelled and no new
// ones, like the operator's kill switch, but not a risk breach (the capital ramp does not step back).
inline constexpr std::int64_t kKillSwitchShutdown = 2;

// Control kVenueSession values, sent by the order gateway (paper / live). kLoggedOn starts the
// core's reconciliation (a status query for every order it holds open; no new orders until every
// one is answered); kVenueReconciled says the venue's own list of open orders has been read,
// `real` = how many of them this core did not know (reported by the gateway; > 0 ⇒ reducing only).
enum class VenueSessionState : std::int64_t {
  kDown = 0,
  kLoggedOn = 1,
  kVenueReconciled = 2,
};

// header.subtype = ControlKind.
struct Control {
  EventHeader header{.kind = EventKind::kControl};
  std::uint64_t seq = 0;
  std::int64_t value = 0;
  double real = 0.0;
  double real2 = 0.0;
};

enum class SignalAction : std::uint8_t {
  kNone = 0,
  kStrongSell = 1,
  kSell = 2,
  kHold = 3,
  kBuy = 4,
  kStrongBuy = 5,
};

// HIMARI TacticalSignal. header.subtype = SignalAction, header.detail = regime code.
struct Signal {
  EventHeader header{.kind = EventKind::kSignal};
  std::uint64_t seq = 0;
  double confidence = 0.0;
  double risk_score = 0.0;
  double expected_return = 0.0;
  std::uint32_t strategy_id = 0;
  std::uint8_t pad_[4] = {};
};

// An external sizer's answer to request `request_id`. header.subtype = 1 when the sizer succeeded.
struct Advice {
  EventHeader header{.kind = EventKind::kAdvice};
  std::uint64_t seq = 0;
  std::uint64_t request_id = 0;
  double position_fraction = 0.0;
  double confidence = 0.0;
};

// A market-data connection's health, sent by the gateway's feed on a fixed wall-clock period (and on
// every connect / disconnect). header.subtype = connection id (0..255), header.detail = 1 while
// the connection is up. Counters are totals since the feed started (saturating at 2^32 − 1).
struct FeedHealth {
  EventHeader header{.kind = EventKind::kFeedHealth};
  std::int64_t last_message_age_us = -1;  // since the connection's last message; −1 = none yet
  std::uint32_t messages_per_s = 0;       // over the last period
  std::uint32_t reconnects = 0;
  std::uint32_t gaps = 0;                 // depth continuity breaks, all symbols
  std::uint32_t resyncs = 0;
  std::uint32_t stale_books = 0;          // books not usable right now
  std::uint32_t malformed = 0;            // frames refused by the decoder
};

// Everything the core reads from an input ring: one 64-byte slot. Value-initialise (`Event e{};`)
// to zero all 64 bytes, then assign one member.
union Event {
  Event() noexcept : bytes{} {}  // all 64 bytes zero
  unsigned char bytes[64];
  EventHeader header;
  Trade trade;
  BookTop book_top;
  BookLevel book_level;
  Bar bar;
  ExternalFactor factor;
  ExecReport exec;
  Timer timer;
  Control control;
  Signal signal;
  Advice advice;
  FeedHealth feed_health;
};

// What leaves the core: one request to a venue. client_order_id is the request's ClOrdID sequence,
// a deterministic function of the run (oms/cl_ord_ids.hpp), never of wall time.
struct OrderCommand {
  std::int64_t ts = 0;                      // the event time that caused the command
  std::uint32_t client_order_id = 0;        // this request's id (new, cancel or replace)
  std::uint32_t orig_client_order_id = 0;   // cancel / replace: the order's current id
  Price price;                              // limit price (0 for market, stop-loss, take-profit)
  Qty qty;                                  // new: order quantity; replace: new total quantity
  InstrumentId instrument = kNoInstrument;
  OrderAction action = OrderAction::kNone;
  Side side = Side::kNone;
  OrderType type = OrderType::kNone;
  TimeInForce tif = TimeInForce::kNone;
  std::uint8_t post_only = 0;
  std::uint8_t pad_[7] = {};
};

#define KEEL_EVENT_CHECKS(T, no_padding)                                          \
  static_assert(std::is_trivially_copyable_v<T>, #T " must be trivially copyable"); \
  static_assert(std::is_standard_layout_v<T>, #T " must be standard layout");      \
  static_assert(sizeof(T) <= 64, #T " must fit one cache line");                  \
  static_assert(!(no_padding) || std::has_unique_object_representations_v<T>,     \
                #T " must have no hidden padding")

KEEL_EVENT_CHECKS(EventHeader, true);
KEEL_EVENT_CHECKS(Trade, true);
KEEL_EVENT_CHECKS(BookTop, true);
KEEL_EVENT_CHECKS(BookLevel, true);
KEEL_EVENT_CHECKS(Bar, true);
KEEL_EVENT_CHECKS(ExternalFactor, false);  // double members: no unique representation, but no padding
KEEL_EVENT_CHECKS(ExecReport, true);
KEEL_EVENT_CHECKS(Timer, true);
KEEL_EVENT_CHECKS(Control, false);
KEEL_EVENT_CHECKS(Signal, false);
KEEL_EVENT_CHECKS(Advice, false);
KEEL_EVENT_CHECKS(FeedHealth, true);
KEEL_EVENT_CHECKS(OrderCommand, true);
static_assert(sizeof(Event) == 64 && std::is_trivially_copyable_v<Event>);
#undef KEEL_EVENT_CHECKS

// Wraps one event struct into a zeroed 64-byte slot (the tail past sizeof(T) stays zero).
template <class T>
[[nodiscard]] inline Event to_event(const T& event) noexcept {
  static_assert(sizeof(T) <= sizeof(Event) && std::is_trivially_copyable_v<T>);
  Event slot{};
  std::memcpy(slot.bytes, &event, sizeof(T));
  return slot;
}

// Size in bytes of the event kind's struct (0 for kNone or an unknown kind).
std::size_t event_size(EventKind kind) noexcept;
// Checked decoder from a wire/journal byte: false for values outside EventKind.
bool is_valid_event_kind(std::uint8_t value) noexcept;

}  // namespace keel
