// DOLPHIN's NDAlphaEngine (bible §13, DOLPHIN.md §3–§8) as a strategy of the core.
//
// Per bar time, in this order (DOLPHIN.md §8 "Evaluation order" and the bible's bar loop):
//   0. the previous bar time's equity is recorded (its fills have all been answered by now);
//   1. a pending sub-day ACB update (with its §7.3 force exit at this bar's close);
//      daily work, once per UTC date before its first bar: ACB boost (factor table) and dynamic
//      beta, MC-Forewarner status, the day's entry halt;
//   2. the signal (eigen pipeline, or precomputed features), price histories, bar count, the
//      vel_div history (defined values only);
//   3. the regime size multiplier for this bar; the survival stack (when enabled);
//   4. exits of the open position (HIBERNATE_HALT, FIXED_TP, STOP_LOSS, MAX_HOLD): an exit intent
//      (a stop-loss order, a take-profit order, or a market order) for the whole position;
//   5. an entry when flat, past the lookback, not halted, not on the exit bar and not before the
//      trading start: signal gate → IRP asset → direction confirmation → an entry intent (a limit at
//      the close), sized by DolphinSizer (fraction, leverage, notional).
// Fills come back as ExecReports. The trade ledger (trades, capital, equity) is kept two ways:
//   * model (the bar-close venue): the bible's accounting exactly — entry at the close, exit at
//     close·(1 ∓ slip), SP refunds where the venue's fill was maker (kFlagMaker), the legacy OB edge
//     where it granted an improvement (kFlagPriceImproved), fees at the bible's blended rates;
//   * fills (any other venue): the reported fills — VWAP prices, filled notional, reported fees; an
//     entry left unfilled at the next bar is cancelled, a partly exited position exits again.
// Everything it needs is allocated at construction; no callback allocates.
#pragma once

#include <array>
#include <memory>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "keel/core/primitives/digest.hpp"
#include "keel/core/strategy/dolphin/acb.hpp"
#include "keel/core/strategy/dolphin/irp.hpp"
#include "keel/core/strategy/dolphin/mc_forewarner.hpp"
#include "keel/core/strategy/dolphin/mirror_order_book_source.hpp"
#include "keel/core/strategy/dolphin/order_book.hpp"
#include "keel/core/strategy/dolphin/params.hpp"
#include "keel/core/strategy/dolphin/records.hpp"
#include "keel/core/strategy/dolphin/survival.hpp"
#include "keel/core/signal/eigen_signal.hpp"
#include "keel/core/engine/strategy.hpp"
#include "keel/core/execution/bar_close_model.hpp"
#include "keel/core/strategy/dolphin/sizer.hpp"

namespace keel::dolphin {

struct DayRecord {
  std::int64_t day = 0;
  double base_boost = 1.0;
  double beta = 0.0;
  McStatus mc_status = McStatus::kOk;
  bool halted = false;
};

struct DolphinStats {
  std::uint64_t bars = 0;
  std::uint64_t signal_bars = 0;       // entry attempts whose vel_div passed the gate
  std::uint64_t no_asset = 0;          // gate passed, IRP found no asset
  std::uint64_t dc_contradictions = 0;
  std::uint64_t halted_bars = 0;
  std::uint64_t late_bars = 0;         // repeated or older bar times, dropped
  std::uint64_t acb_updates = 0;
  std::uint64_t subday_exits = 0;
  std::uint64_t ob_skips = 0;          // entries voided by a persistent order-book contradiction (OB-2)
  std::uint64_t ob_bars_with_data = 0; // bar times at which the engine's books gave an asset OB data
  std::uint64_t entries_refused = 0;   // entry intents the order path refused (sizing, risk, OMS)
  std::uint64_t exits_refused = 0;     // exit intents refused (the position is managed again next bar)
  std::uint64_t entries_unfilled = 0;  // entry orders that ended without a fill
  // Live ACB inputs (ExternalFactor events, DECISIONS 260-266).
  std::uint64_t factors_applied = 0;   // taken as the day's value
  std::uint64_t factors_invalid = 0;   // NaN/Inf or out of range: ignored, never fed to the math
  std::uint64_t factors_ignored = 0;   // not an ACB input: open interest, another instrument's
                                       // funding, ACB disabled
  std::uint64_t factor_recomputes = 0; // sub-day ACB updates a live value scheduled (boost changed)
  std::uint64_t posture_controls = 0;  // operator postures taken (Control kPosture)
  std::uint64_t bad_controls = 0;      // controls with a value DOLPHIN has no meaning for
};

// Precomputed signal values for the bars of a run (keel backtest --features). Returns the values
// for a bar open time, or nullptr when the table has no row for it (the bar's signal is undefined).
class FeatureSource {
 public:
  virtual ~FeatureSource() = default;
  virtual const SignalValues* at(Nanos open_time) noexcept = 0;
};

enum class LedgerMode : std::uint8_t { kModel = 0, kFills = 1 };

class DolphinStrategy final : public Strategy {
 public:
  // `symbols[i]` names instrument i (IRP ties keep this order). `digest` receives every output.
  // `expected_bars` and `max_trades` size the output buffers (no allocation while running).
  DolphinStrategy(const DolphinParams& params, std::vector<std::string> symbols, std::uint64_t run_seed,
                  RunDigest& digest, std::size_t expected_bars, std::size_t max_trades = 1u << 18);

  void set_trading_start(Nanos t) noexcept { trading_start_ = t; }  // no entries before (--from)
  void set_factor_table(const FactorTable* table) noexcept { factors_ = table; }
  // The instrument whose funding rate is the ACB's funding_btc (DECISIONS 262). Default: the first
  // symbol that starts with "BTC", else instrument 0. Funding events without an instrument
  // (kNoInstrument, e.g. an operator's value with no symbol) always count.
  void set_funding_instrument(InstrumentId instrument) noexcept { funding_instrument_ = instrument; }
  [[nodiscard]] InstrumentId funding_instrument() const noexcept { return funding_instrument_; }
  [[nodiscard]] const LiveFactors& live_factors() const noexcept { return live_; }
  void set_feature_source(FeatureSource* features) noexcept { features_ = features; }
  void set_ledger_mode(LedgerMode mode) noexcept { ledger_ = mode; }
  // Lot size per instrument (sized quantities are rounded down to it); default 10^-8.
  void set_lot_sizes(std::vector<Qty> lots) { lots_ = std::move(lots); }
  // An order-book source switches on OB-1…OB-5 and the real OB edge (DOLPHIN.md §3, bible §9);
  // without one (bar backtests) the OB terms are neutral and the venue's legacy edge draw applies.
  void set_order_book_source(const OrderBookSource* source, const OrderBookParams& params = {}) noexcept {
    ob_ = source;
    obp_ = params;
  }
  // The engine's order books (EngineConfig::book_levels) as the order-book source: a
  // MirrorOrderBookSource over them, sampled at every bar time (DECISIONS 109-121). Allocates (setup).
  void use_engine_order_books(const MirrorObParams& params = {});
  [[nodiscard]] const MirrorOrderBookSource* mirror_order_books() const noexcept { return mirror_.get(); }
  // The bar-close venue's parameters for this configuration (the bible's fill model).
  [[nodiscard]] BarCloseModel bar_close_model() const noexcept;
  [[nodiscard]] Sizer& sizer() noexcept { return sizer_; }

  void on_bar_time(const BarTime& bar) noexcept override;
  void on_book(InstrumentId instrument, const book::BookReplicas& books) noexcept override;
  void on_feed_health(const FeedHealth& health) noexcept override;
  void on_exec_report(const ExecReport& report, const OmsOrder& order) noexcept override;
  void on_control(const Control& control) noexcept override;
  // Funding (of the funding instrument), implied vol, Fear&Greed and taker ratio become the live
  // ACB inputs of the event's UTC day: the day of ts_exchange when it is set, else the market's
  // current day (that of the latest bar time), never earlier than the current day. A value for the
  // current day that changes the boost schedules a sub-day ACB update, applied at the next bar like
  // a Control kStrategyUpdate (§7.3 force exit included); a value for a later day is used by that
  // day's daily work. Invalid values are counted and ignored. Never allocates.
  void on_external_factor(const ExternalFactor& factor) noexcept override;
  void on_finish() noexcept override;

  [[nodiscard]] const std::vector<TradeRecord>& trades() const noexcept { return trades_; }
  [[nodiscard]] const std::vector<EquityPoint>& equity() const noexcept { return equity_; }
  [[nodiscard]] const std::vector<DayRecord>& days() const noexcept { return days_; }
  [[nodiscard]] const std::optional<OpenPosition>& position() const noexcept { return position_; }
  [[nodiscard]] double capital() const noexcept { return capital_; }
  [[nodiscard]] const DolphinStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept { return symbols_; }
  [[nodiscard]] const DolphinParams& params() const noexcept { return p_; }
  // True when a trade, equity or day record did not fit the buffers sized at construction.
  [[nodiscard]] bool output_overflow() const noexcept { return overflow_; }

  // DOLPHIN's strategy updates (Control kStrategyUpdate, value = the id): the sub-day ACB update,
  // real = new boost, real2 = new beta (DOLPHIN.md §4).
  static constexpr std::int64_t kAcbUpdate = 0;

 private:
  // Prices of one asset's present bars, newest last, kept contiguous for IRP and DC.
  class PriceHistory {
   public:
    void init(std::size_t keep);
    void push(double price) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] std::span<const double> last(std::size_t n) const noexcept {
      return {buf_.data() + end_ - n, n};
    }
    [[nodiscard]] double back() const noexcept { return buf_[end_ - 1]; }

   private:
    std::vector<double> buf_;
    std::size_t keep_ = 0;
    std::size_t end_ = 0;
    std::size_t count_ = 0;  // prices seen, capped at keep_
  };
  // An entry or exit request on its way (the order id the OMS gave it, and what the ledger needs).
  struct PendingEntry {
    std::uint32_t order_id = 0;
    OpenPosition pos;          // as intended; entry_price = the bar close
    bool maker = false;        // the entry fill was maker (model ledger: the SP entry refund)
    bool cancel_sent = false;  // unfilled at a later bar: a cancel is on its way
    Nanos bar_time = 0;
    double filled_qty = 0.0;   // fills ledger
    double filled_value = 0.0;
    double fees = 0.0;
  };
  struct PendingExit {
    std::uint32_t order_id = 0;
    ExitReason reason = ExitReason::kNone;
    OrderType type = OrderType::kNone;  // the exit order's type (stop-loss, take-profit, market)
    Nanos bar_time = 0;       // open time of the exit bar
    double mark = 0.0;        // the close the exit was decided at
    bool maker = false;       // the venue's outcomes (model ledger: SP exit refund, legacy edge)
    bool improved = false;
    double filled_qty = 0.0;  // fills ledger
    double filled_value = 0.0;
    double fees = 0.0;
  };

  void start_day(std::int64_t day) noexcept;
  [[nodiscard]] DailyFactors day_factors(std::int64_t day) const noexcept;  // table + live
  void apply_acb_update(const BarTime& bar) noexcept;
  void evaluate_survival(const BarTime& bar) noexcept;
  void manage_position(const BarTime& bar) noexcept;
  void try_entry(const BarTime& bar, double vel_div) noexcept;
  void request_exit(const BarTime& bar, ExitReason reason, double price) noexcept;
  void on_entry_report(const ExecReport& report, const OmsOrder& order) noexcept;
  void on_exit_report(const ExecReport& report, const OmsOrder& order) noexcept;
  void close_trade_model() noexcept;
  void close_trade_fills(Qty exited) noexcept;
  void finish_trade(TradeRecord& t, const OpenPosition& pos, const PendingExit& exit) noexcept;
  double mark_price(std::uint32_t asset, const BarTime& bar) const noexcept;
  void record_trade(const TradeRecord& t) noexcept;
  void record_equity(Nanos bar_time) noexcept;

  DolphinParams p_;
  std::vector<std::string> symbols_;
  std::size_t n_;
  RunDigest& digest_;
  SignalPipeline pipeline_;
  FeatureSource* features_ = nullptr;
  const FactorTable* factors_ = nullptr;
  LiveFactors live_;
  InstrumentId funding_instrument_ = 0;
  const OrderBookSource* ob_ = nullptr;
  std::unique_ptr<MirrorOrderBookSource> mirror_;  // use_engine_order_books()
  std::vector<std::uint8_t> mirror_attached_;       // per instrument
  bool have_feed_health_ = false;                   // FeedHealth seen: a live feed (survival Cat1)
  bool feed_up_ = true;
  double feed_age_s_ = 0.0;
  Nanos feed_health_time_ = 0;                      // event time of the last FeedHealth
  OrderBookParams obp_;
  McForewarner mc_;
  DynamicBeta beta_;
  SurvivalStack survival_;
  LedgerMode ledger_ = LedgerMode::kModel;

  std::vector<PriceHistory> prices_;
  std::vector<double> last_close_;       // carried close per asset (0 before its first bar)
  std::vector<IrpInput> irp_inputs_;     // scratch
  std::vector<Qty> lots_;

  double capital_;
  DolphinSizer sizer_;                   // reads capital_
  double peak_equity_;
  double last_equity_;
  std::optional<OpenPosition> position_;
  std::optional<PendingEntry> pending_entry_;
  std::optional<PendingExit> pending_exit_;
  bool entry_maker_ = false;             // the open position's entry fill was maker
  double entry_fees_ = 0.0;              // fees reported for the open position's entry (fills ledger)
  std::int64_t bar_index_ = -1;
  std::int64_t bar_count_ = 0;
  std::int64_t last_exit_bar_ = -1;
  Nanos trading_start_ = 0;

  std::int64_t current_day_ = INT64_MIN;
  double day_base_boost_ = 1.0;
  double day_beta_ = 0.0;
  double day_raw_beta_ = 0.0;            // before OB-4's modulation (what a sub-day update carries)
  double day_mc_scale_ = 1.0;
  McStatus day_mc_status_ = McStatus::kOk;
  bool regime_dd_halt_ = false;
  double regime_size_mult_ = 1.0;
  Posture posture_ = Posture::kApex;
  Posture operator_posture_ = Posture::kApex;  // Control kPosture: a floor under the stack's posture
  bool pending_acb_ = false;
  double pending_boost_ = 1.0;
  double pending_beta_ = 0.0;
  Nanos previous_bar_time_ = 0;
  bool equity_due_ = false;              // the previous bar time's equity is not recorded yet

  std::vector<TradeRecord> trades_;
  std::vector<EquityPoint> equity_;
  std::vector<DayRecord> days_;
  bool overflow_ = false;
  DolphinStats stats_;
};

}  // namespace keel::dolphin
