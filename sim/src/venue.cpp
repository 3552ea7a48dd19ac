#include "keel/sim/venue.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "keel/sim/fix_acceptor.hpp"
#include "keel/sim/fix_messages.hpp"
#include "keel/sim/matching_engine.hpp"
#include "keel/sim/venue_types.hpp"

namespace keel::sim {
namespace {

// Quote assets recognised in symbol names even when no account holds them.
constexpr std::string_view kKnownQuotes[] = {"USDT", "USDC", "BUSD", "FDUSD", "TUSD", "BTC", "ETH", "BNB", "EUR"};

std::string fresh_store_dir() {
  static std::atomic<int> counter{0};
  namespace fs = std::filesystem;
  const fs::path p = fs::temp_directory_path() /
                     ("keel_sim_fix_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::error_code ec;
  fs::remove_all(p, ec);
  return p.string();
}

Side to_side(FixSide s) noexcept {
  switch (s) {
    case FixSide::kBuy: return Side::kBuy;
    case FixSide::kSell: return Side::kSell;
    case FixSide::kNone: break;
  }
  return Side::kNone;
}
FixSide to_fix(Side s) noexcept {
  switch (s) {
    case Side::kBuy: return FixSide::kBuy;
    case Side::kSell: return FixSide::kSell;
    case Side::kNone: break;
  }
  return FixSide::kNone;
}
OrderType to_type(FixOrdType t) noexcept {
  switch (t) {
    case FixOrdType::kMarket: return OrderType::kMarket;
    case FixOrdType::kLimit: return OrderType::kLimit;
    case FixOrdType::kNone: break;
  }
  return OrderType::kNone;
}
TimeInForce to_tif(FixTimeInForce t) noexcept {
  switch (t) {
    case FixTimeInForce::kGtc: return TimeInForce::kGtc;
    case FixTimeInForce::kIoc: return TimeInForce::kIoc;
    case FixTimeInForce::kFok: return TimeInForce::kFok;
    case FixTimeInForce::kNone: break;
  }
  return TimeInForce::kNone;
}
FixExecType to_fix(VenueExecType t) noexcept {
  switch (t) {
    case VenueExecType::kNew: return FixExecType::kNew;
    case VenueExecType::kTrade: return FixExecType::kTrade;
    case VenueExecType::kCanceled: return FixExecType::kCanceled;
    case VenueExecType::kReplaced: return FixExecType::kReplaced;
    case VenueExecType::kRejected: return FixExecType::kRejected;
    case VenueExecType::kNone: break;
  }
  return FixExecType::kNone;
}
FixOrdStatus to_fix(OrdStatus s) noexcept {
  switch (s) {
    case OrdStatus::kNew: return FixOrdStatus::kNew;
    case OrdStatus::kPartiallyFilled: return FixOrdStatus::kPartiallyFilled;
    case OrdStatus::kFilled: return FixOrdStatus::kFilled;
    case OrdStatus::kCanceled: return FixOrdStatus::kCanceled;
    case OrdStatus::kRejected: return FixOrdStatus::kRejected;
    case OrdStatus::kNone: break;
  }
  return FixOrdStatus::kNone;
}
FixCxlRejResponseTo to_fix(CxlRejResponseTo r) noexcept {
  switch (r) {
    case CxlRejResponseTo::kCancel: return FixCxlRejResponseTo::kCancel;
    case CxlRejResponseTo::kReplace: return FixCxlRejResponseTo::kReplace;
    case CxlRejResponseTo::kNone: break;
  }
  return FixCxlRejResponseTo::kNone;
}
FixCxlRejReason to_fix(CxlRejReason r) noexcept {
  switch (r) {
    case CxlRejReason::kTooLate: return FixCxlRejReason::kTooLate;
    case CxlRejReason::kUnknownOrder: return FixCxlRejReason::kUnknownOrder;
    case CxlRejReason::kDuplicateClOrdId: return FixCxlRejReason::kDuplicateClOrdId;
    case CxlRejReason::kOther: return FixCxlRejReason::kBrokerOption;
    case CxlRejReason::kNone: break;
  }
  return FixCxlRejReason::kNone;
}

template <std::size_t N>
void set_id(FixText<N>& out, std::uint64_t id) {
  out.assign_truncated(std::to_string(id));
}

}  // namespace

struct Venue::Impl final : FixOrderHandler, VenueListener {
  struct Outgoing {
    bool is_report = true;
    FixExecReport report;
    FixCancelReject reject;
  };

  SimConfig config;
  std::vector<std::string> assets;  // sorted; AssetId = index
  std::vector<VenueSymbol> symbols;
  std::unique_ptr<MatchingEngine> engine;
  std::unique_ptr<FixAcceptor> acceptor;
  mutable std::mutex engine_mutex;  // the engine and everything below
  std::mutex send_mutex;            // sends of one request's reports stay together
  std::vector<Outgoing> pending;    // reports of the request being handled
  FixSymbol current_symbol;         // the request's symbol text (for an unknown symbol's reject)
  std::uint64_t status_reports = 0;

  explicit Impl(const SimConfig& c) : config(c) {
    if (config.accounts.empty()) throw std::invalid_argument("venue: no [[account]] configured");
    std::vector<std::string> known;
    for (const auto& a : config.accounts)
      for (const auto& [asset, raw] : a.balances) known.push_back(asset);
    for (auto q : kKnownQuotes) known.emplace_back(q);
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    std::vector<std::pair<std::string, std::string>> parts;
    for (const auto& s : config.symbols) {
      auto split = split_symbol(s.name, known);
      if (split.first.empty())
        throw std::invalid_argument("venue: cannot tell the base and quote assets of " + s.name);
      assets.push_back(split.first);
      assets.push_back(split.second);
      parts.push_back(std::move(split));
    }
    for (const auto& a : config.accounts)
      for (const auto& [asset, raw] : a.balances) assets.push_back(asset);
    std::sort(assets.begin(), assets.end());
    assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
      const SimSymbol& s = config.symbols[i];
      VenueSymbol v;
      v.instrument.id = static_cast<InstrumentId>(i);
      v.instrument.symbol = s.name;
      v.instrument.tick_size = s.tick_size;
      v.instrument.lot_size = s.lot_size;
      v.instrument.min_notional = s.min_notional;
      v.instrument.price_decimals = s.price_decimals;
      v.instrument.qty_decimals = s.qty_decimals;
      v.base = asset_id(parts[i].first);
      v.quote = asset_id(parts[i].second);
      symbols.push_back(std::move(v));
    }
    EngineConfig ec;
    ec.accounts = config.accounts.size();
    ec.assets = std::max<std::size_t>(assets.size(), 1);
    ec.maker_fee_millionths = config.maker_fee_millionths;
    ec.taker_fee_millionths = config.taker_fee_millionths;
    engine = std::make_unique<MatchingEngine>(symbols, ec, *this);
    for (std::size_t i = 0; i < config.accounts.size(); ++i)
      for (const auto& [asset, raw] : config.accounts[i].balances)
        engine->accounts().deposit(static_cast<AccountId>(i), asset_id(asset), raw);
    FixAcceptorConfig fc;
    fc.comp_id = config.comp_id;
    fc.port = config.fix_port;
    fc.store_dir = config.store_dir.empty() ? fresh_store_dir() : config.store_dir;
    for (const auto& a : config.accounts) fc.accounts.push_back({a.comp_id, a.password});
    acceptor = std::make_unique<FixAcceptor>(std::move(fc), *this);
  }

  [[nodiscard]] AssetId asset_id(std::string_view name) const {
    return static_cast<AssetId>(std::lower_bound(assets.begin(), assets.end(), name) - assets.begin());
  }
  [[nodiscard]] std::int64_t account_of(std::string_view comp_id) const {
    for (std::size_t i = 0; i < config.accounts.size(); ++i)
      if (config.accounts[i].comp_id == comp_id) return static_cast<std::int64_t>(i);
    return -1;
  }
  [[nodiscard]] InstrumentId instrument_of(const FixSymbol& symbol) const {
    for (const auto& s : symbols)
      if (s.instrument.symbol == symbol.view()) return s.instrument.id;
    return kNoInstrument;
  }
  [[nodiscard]] AccountId account_id(const CompId& session) const {
    const auto a = account_of(session.view());
    // The acceptor refuses unknown CompIDs at Logon, so a request always has an account; an
    // out-of-range id makes the engine answer kUnknownAccount should that ever change.
    return a < 0 ? static_cast<AccountId>(config.accounts.size()) : static_cast<AccountId>(a);
  }

  // Runs fn on the engine, then sends what it reported, in order.
  template <class Fn>
  void handle(const FixSymbol& symbol, Fn&& fn) {
    std::unique_lock lock(engine_mutex);
    current_symbol = symbol;
    fn();
    std::vector<Outgoing> out;
    out.swap(pending);
    std::lock_guard send_lock(send_mutex);
    lock.unlock();
    for (const Outgoing& o : out) {
      if (o.is_report) (void)acceptor->send_execution_report(o.report);
      else (void)acceptor->send_cancel_reject(o.reject);
    }
  }

  void on_new_order(const FixNewOrder& o) override {
    handle(o.symbol, [&] {
      OrderRequest r;
      r.ts = o.transact_time_ns;
      r.account = account_id(o.session);
      r.instrument = instrument_of(o.symbol);
      r.cl_ord_id = ClOrdId(o.cl_ord_id.view());
      r.side = to_side(o.side);
      r.type = to_type(o.ord_type);
      r.tif = to_tif(o.time_in_force);
      r.post_only = o.post_only;
      r.price = o.price;
      r.qty = o.qty;
      engine->submit(r);
    });
  }
  void on_cancel(const FixCancel& c) override {
    handle(c.symbol, [&] {
      CancelRequest r;
      r.account = account_id(c.session);
      r.instrument = instrument_of(c.symbol);
      r.cl_ord_id = ClOrdId(c.cl_ord_id.view());
      r.orig_cl_ord_id = ClOrdId(c.orig_cl_ord_id.view());
      r.side = to_side(c.side);
      engine->cancel(r);
    });
  }
  void on_replace(const FixReplace& g) override {
    handle(g.symbol, [&] {
      ReplaceRequest r;
      r.account = account_id(g.session);
      r.instrument = instrument_of(g.symbol);
      r.cl_ord_id = ClOrdId(g.cl_ord_id.view());
      r.orig_cl_ord_id = ClOrdId(g.orig_cl_ord_id.view());
      r.side = to_side(g.side);
      r.price = g.price;
      r.qty = g.qty;
      engine->replace(r);
    });
  }
  void on_status_request(const FixStatusRequest& h) override {
    handle(h.symbol, [&] {
      Outgoing o;
      FixExecReport& x = o.report;
      x.session = h.session;
      x.cl_ord_id = h.cl_ord_id;
      x.symbol = h.symbol;
      x.side = h.side;
      x.exec_type = FixExecType::kOrderStatus;
      x.exec_id.assign_truncated("S" + std::to_string(++status_reports));
      const RestingOrder* found = find_resting(account_id(h.session), instrument_of(h.symbol),
                                               ClOrdId(h.cl_ord_id.view()));
      if (found == nullptr) {
        (void)x.order_id.assign("NONE");
        x.ord_status = FixOrdStatus::kRejected;
        x.text.assign_truncated("Unknown order");
      } else {
        set_id(x.order_id, found->id);
        x.side = to_fix(found->side);
        x.ord_status = found->cum_qty.raw() > 0 ? FixOrdStatus::kPartiallyFilled : FixOrdStatus::kNew;
        x.cum_qty = found->cum_qty;
        x.leaves_qty = found->leaves();
        x.avg_px = average_price(found->cum_notional, found->cum_qty);
      }
      pending.push_back(o);
    });
  }

  // The account's open order with this ClOrdID on the instrument's book; nullptr when none.
  [[nodiscard]] const RestingOrder* find_resting(AccountId account, InstrumentId instrument,
                                                 const ClOrdId& id) const {
    if (instrument >= engine->instrument_count()) return nullptr;
    const OrderBook& book = engine->book(instrument);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (const PriceLevel& level : book.levels(side)) {
        for (Slot s = level.head; s != kNoSlot; s = book.order(s).next) {
          const RestingOrder& o = book.order(s);
          if (o.account == account && o.cl_ord_id == id) return &o;
        }
      }
    }
    return nullptr;
  }

  void on_execution(const Execution& e) override {
    if (e.account >= config.accounts.size()) return;  // no session to tell
    Outgoing o;
    FixExecReport& x = o.report;
    x.session.assign_truncated(config.accounts[e.account].comp_id);
    if (e.order_id == 0) (void)x.order_id.assign("NONE");
    else set_id(x.order_id, e.order_id);
    set_id(x.exec_id, e.exec_id);
    (void)x.cl_ord_id.assign(e.cl_ord_id.view());
    (void)x.orig_cl_ord_id.assign(e.orig_cl_ord_id.view());
    if (e.instrument < symbols.size()) x.symbol.assign_truncated(symbols[e.instrument].instrument.symbol);
    else x.symbol = current_symbol;
    x.side = to_fix(e.side);
    x.exec_type = to_fix(e.exec_type);
    x.ord_status = to_fix(e.ord_status);
    x.cum_qty = e.cum_qty;
    x.leaves_qty = e.leaves_qty;
    x.avg_px = average_price(e.cum_notional, e.cum_qty);
    if (e.exec_type == VenueExecType::kTrade) {
      x.last_px = e.last_px;
      x.last_qty = e.last_qty;
    }
    if (e.exec_type == VenueExecType::kRejected) {
      x.ord_rej_reason = static_cast<std::uint16_t>(fix_ord_rej_reason(e.reject_reason));
      x.text.assign_truncated(to_text(e.reject_reason));
    } else if (e.exec_type == VenueExecType::kCanceled && e.cancel_cause != CancelCause::kNone) {
      x.text.assign_truncated(to_text(e.cancel_cause));
    }
    pending.push_back(o);
  }

  void on_cancel_reject(const CancelReject& r) override {
    if (r.account >= config.accounts.size()) return;
    Outgoing o;
    o.is_report = false;
    FixCancelReject& x = o.reject;
    x.session.assign_truncated(config.accounts[r.account].comp_id);
    if (r.order_id != 0) set_id(x.order_id, r.order_id);
    (void)x.cl_ord_id.assign(r.cl_ord_id.view());
    (void)x.orig_cl_ord_id.assign(r.orig_cl_ord_id.view());
    x.ord_status = to_fix(r.ord_status);
    x.response_to = to_fix(r.response_to);
    x.reason = to_fix(r.reason);
    if (r.detail != RejectReason::kNone) x.text.assign_truncated(to_text(r.detail));
    else if (r.reason == CxlRejReason::kUnknownOrder) x.text.assign_truncated("Unknown order");
    else if (r.reason == CxlRejReason::kTooLate) x.text.assign_truncated("Too late to cancel");
    pending.push_back(o);
  }
};

Venue::Venue(const SimConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Venue::~Venue() { stop(); }

void Venue::start() { impl_->acceptor->start(); }
void Venue::stop() { impl_->acceptor->stop(); }
std::uint16_t Venue::fix_port() const noexcept { return impl_->acceptor->port(); }
bool Venue::is_logged_on(std::string_view comp_id) const { return impl_->acceptor->is_logged_on(comp_id); }

std::int64_t Venue::balance(std::string_view comp_id, std::string_view asset) const {
  std::lock_guard lock(impl_->engine_mutex);
  const auto a = impl_->account_of(comp_id);
  const auto it = std::lower_bound(impl_->assets.begin(), impl_->assets.end(), asset);
  if (a < 0 || it == impl_->assets.end() || *it != asset) return 0;
  return impl_->engine->accounts().balance(static_cast<AccountId>(a),
                                           static_cast<AssetId>(it - impl_->assets.begin()));
}

std::pair<std::string, std::string> Venue::split_symbol(std::string_view symbol,
                                                        const std::vector<std::string>& assets) {
  std::string_view best;
  for (const std::string& q : assets) {
    if (q.size() < symbol.size() && symbol.substr(symbol.size() - q.size()) == q && q.size() > best.size())
      best = q;
  }
  if (best.empty()) return {};
  return {std::string(symbol.substr(0, symbol.size() - best.size())), std::string(best)};
}

}  // namespace keel::sim
