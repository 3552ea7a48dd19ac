// The core's order path, per call, on one thread (ARCHITECTURE.md "The order path"):
//
//  * BM_RiskCheck: PreTradeRisk::check on pre-generated new orders against pre-computed exposures
//    (a mix that passes and fails at every rule). Correctness first: the verdicts of the whole set
//    are compared with an independent evaluation of the limits before timing.
//  * BM_OmsReport: OrderManager::on_report for fills (two partials then the last fill) of 4,096
//    live orders. Correctness first: every order ends Filled with the summed quantity.
//  * BM_IntentToRing: Engine::submit(intent) — explicit-qty sizing, risk, OMS, the command written
//    to the output ring — until the command is in the ring. Correctness first: each command in the
//    ring has the intent's fields and the next ClOrdID. Outside the timed call the order is filled
//    (a report through Engine::on_event) so the table recycles.
//
// Every call is timed with the TSC (LFENCE-fenced); the median cost of an empty measurement is
// subtracted. Reported in ns: p50/p99/p99.9/max counters, and items/s from the total.
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/engine/engine.hpp"
#include "keel/core/oms/order_manager.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/core/risk/pre_trade_risk.hpp"
#include "latency_histogram.hpp"
#include "tsc.hpp"

namespace {

using namespace keel;
using keel::bench::tsc_now;

std::uint64_t net(std::uint64_t t0, std::uint64_t t1) {
  const std::uint64_t d = t1 - t0;
  const std::uint64_t o = keel::bench::tsc_overhead();
  return d > o ? d - o : 0;
}

struct RiskCase {
  OrderCommand command;
  RiskExposure exposure;
};

std::vector<RiskCase> risk_cases(std::size_t n) {
  RngStream rng("bench_risk", 42);
  std::vector<RiskCase> out(n);
  for (auto& c : out) {
    const double ref = 100.0 + 50.0 * rng.uniform();
    c.exposure.reference_price = ref;
    c.exposure.position = (rng.uniform() - 0.5) * 1000.0;
    c.exposure.gross_exposure = 1e6 + rng.uniform() * 9e7;
    c.exposure.open_orders = static_cast<int>(rng.uniform() * 70);
    c.command.action = OrderAction::kNew;
    c.command.side = rng.uniform() < 0.5 ? Side::kBuy : Side::kSell;
    c.command.type = rng.uniform() < 0.8 ? OrderType::kLimit : OrderType::kMarket;
    c.command.price = price_from_double(ref * (0.85 + 0.3 * rng.uniform())).value();
    c.command.qty = Qty::from_raw(1 + static_cast<std::int64_t>(rng.uniform() * 3e12));
  }
  return out;
}

// The limits' meaning, written again without the class (rate limit off in this benchmark).
RiskReject expected(const RiskLimits& l, const RiskCase& c) {
  const double qty = c.command.qty.to_double();
  const double ref = c.exposure.reference_price;
  const double price = c.command.type == OrderType::kLimit ? c.command.price.to_double() : ref;
  if (qty * price > l.max_order_notional) return RiskReject::kMaxOrderNotional;
  if (c.command.type == OrderType::kLimit && (price > ref * (1 + l.price_band) || price < ref * (1 - l.price_band)))
    return RiskReject::kPriceBand;
  const double after = c.exposure.position + (c.command.side == Side::kBuy ? qty : -qty);
  const bool increases = std::abs(after) > std::abs(c.exposure.position);
  if (increases && std::abs(after) * ref > l.max_position_notional) return RiskReject::kMaxPosition;
  if (increases && c.exposure.gross_exposure - std::abs(c.exposure.position) * ref + std::abs(after) * ref >
                       l.max_gross_exposure)
    return RiskReject::kMaxGrossExposure;
  if (c.exposure.open_orders >= l.max_open_orders) return RiskReject::kMaxOpenOrders;
  return RiskReject::kNone;
}

void BM_RiskCheck(benchmark::State& state) {
  RiskLimits limits;
  limits.orders_per_second = 0.0;  // no rate limit: every call does the full evaluation
  const auto cases = risk_cases(1u << 16);
  {
    PreTradeRisk check(limits);
    std::size_t bad = 0;
    for (const auto& c : cases)
      if (check.check(c.command, c.exposure, 0) != expected(limits, c)) ++bad;
    if (bad != 0) {
      state.SkipWithError("risk verdicts disagree with the limits");
      return;
    }
  }
  PreTradeRisk check(limits);
  bench::LatencyHistogram hist;
  hist.reserve(cases.size() * 64);
  std::uint64_t calls = 0;
  for (auto _ : state) {
    for (const auto& c : cases) {
      const std::uint64_t t0 = tsc_now();
      benchmark::DoNotOptimize(check.check(c.command, c.exposure, 0));
      const std::uint64_t t1 = tsc_now();
      hist.record(net(t0, t1));
    }
    calls += cases.size();
  }
  bench::report_latency(state, hist.summarize(keel::bench::ns_per_tick()), "ns_");
  state.SetItemsProcessed(static_cast<std::int64_t>(calls));
  state.counters["passed_share"] = static_cast<double>(check.passed()) / static_cast<double>(calls);
}
BENCHMARK(BM_RiskCheck)->Iterations(16)->Unit(benchmark::kMillisecond);

void BM_OmsReport(benchmark::State& state) {
  constexpr std::size_t kOrders = 4096;
  bench::LatencyHistogram hist;
  hist.reserve(kOrders * 3 * 64);
  std::uint64_t reports = 0;
  for (auto _ : state) {
    state.PauseTiming();
    OrderManager oms(kOrders, 8, 0);
    std::vector<std::uint32_t> ids(kOrders);
    std::vector<ExecReport> plan;
    plan.reserve(kOrders * 3);
    for (std::size_t i = 0; i < kOrders; ++i) {
      OrderCommand c;
      c.instrument = static_cast<InstrumentId>(i % 8);
      c.side = i % 2 ? Side::kBuy : Side::kSell;
      c.type = OrderType::kLimit;
      c.price = Price::from_units(100);
      c.qty = Qty::from_units(3);
      (void)oms.add_new(c, 0, 0);
      ids[i] = c.client_order_id;
    }
    std::uint32_t exec = 1;
    for (int k = 1; k <= 3; ++k)
      for (std::size_t i = 0; i < kOrders; ++i) {
        ExecReport r{};
        r.header.kind = EventKind::kExecReport;
        r.header.subtype = static_cast<std::uint8_t>(k < 3 ? ExecType::kPartialFill : ExecType::kFill);
        r.client_order_id = ids[i];
        r.exec_id = exec++;
        r.last_price = Price::from_units(100);
        r.last_qty = Qty::from_units(1);
        r.cum_qty = Qty::from_units(k);
        plan.push_back(r);
      }
    state.ResumeTiming();
    for (const ExecReport& r : plan) {
      const std::uint64_t t0 = tsc_now();
      benchmark::DoNotOptimize(oms.on_report(r));
      const std::uint64_t t1 = tsc_now();
      hist.record(net(t0, t1));
    }
    reports += plan.size();
    state.PauseTiming();
    if (oms.stats().filled != kOrders || oms.open_orders() != 0) {
      state.SkipWithError("orders did not all end Filled");
      return;
    }
    state.ResumeTiming();
  }
  bench::report_latency(state, hist.summarize(keel::bench::ns_per_tick()), "ns_");
  state.SetItemsProcessed(static_cast<std::int64_t>(reports));
}
BENCHMARK(BM_OmsReport)->Iterations(32)->Unit(benchmark::kMillisecond);

void BM_IntentToRing(benchmark::State& state) {
  EngineConfig ec;
  ec.instrument_count = 8;
  ec.initial_cash = Notional::from_units(1'000'000);
  ec.risk.orders_per_second = 0.0;
  ec.risk.max_open_orders = 0;
  ec.oms_capacity = 1024;
  Engine engine(ec);
  for (InstrumentId i = 0; i < 8; ++i) {  // reference prices
    Trade t{};
    t.header.instrument = i;
    t.price = Price::from_units(100);
    t.qty = Qty::from_units(1);
    engine.on_event(to_event(t));
  }
  constexpr std::size_t kCalls = 1u << 16;
  bench::LatencyHistogram hist;
  hist.reserve(kCalls * 16);
  std::uint64_t calls = 0;
  std::uint32_t exec = 1;
  bool ok = true;
  for (auto _ : state) {
    for (std::size_t k = 0; k < kCalls; ++k) {
      Intent in;
      in.kind = IntentKind::kOrder;
      in.instrument = static_cast<InstrumentId>(k % 8);
      in.side = (k / 8) % 2 ? Side::kBuy : Side::kSell;  // each instrument alternates: positions stay flat
      in.type = OrderType::kLimit;
      in.tif = TimeInForce::kGtc;
      in.limit_price = Price::from_units(100);
      in.qty = Qty::from_units(1);
      const std::uint64_t t0 = tsc_now();
      const SubmitResult r = engine.submit(in);
      const std::uint64_t t1 = tsc_now();
      hist.record(net(t0, t1));
      const OrderCommand* c = engine.commands().front();
      ok = ok && r.sent() && c != nullptr && c->client_order_id == r.order_id && c->instrument == in.instrument &&
           c->qty == in.qty && c->price == in.limit_price;
      engine.commands().pop();
      ExecReport f{};  // filled at once, outside the timed call
      f.header.subtype = static_cast<std::uint8_t>(ExecType::kFill);
      f.header.instrument = in.instrument;
      f.client_order_id = r.order_id;
      f.exec_id = exec++;
      f.last_price = in.limit_price;
      f.last_qty = in.qty;
      f.cum_qty = in.qty;
      engine.on_event(to_event(f));
    }
    calls += kCalls;
  }
  if (!ok) {
    state.SkipWithError("a command in the ring does not match its intent");
    return;
  }
  bench::report_latency(state, hist.summarize(keel::bench::ns_per_tick()), "ns_");
  state.SetItemsProcessed(static_cast<std::int64_t>(calls));
}
BENCHMARK(BM_IntentToRing)->Iterations(16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
