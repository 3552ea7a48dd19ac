// keel::parse_decimal over realistic Binance price and quantity strings: ns per field.
//
// Data sets (values as Binance writes them, taken from ../shared/data):
//   kline  short CSV kline values ("19695.87", "794.500517", "0.17207")
//   depth  WebSocket depth/trade strings padded to 8 decimals ("0.35130000", "6195.00000000")
//   mixed  both, plus the extremes ("123456789.12345678", "0.00000001")
// Correctness first: every string is checked against a hand-written expected mantissa and against a
// naive reference parser before timing; a mismatch fails the benchmark with SkipWithError.
// BM_FromCharsDouble times std::from_chars to double on the same strings, for scale only (it is not
// exact and keel never uses it for money).
#include <charconv>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "keel/core/primitives/fixed_point.hpp"

namespace {

struct Field {
  std::string_view text;
  std::int64_t raw;  // expected mantissa at scale 10^-8
};

constexpr Field kKline[] = {
    {"19695.87", 1'969'587'000'000},   {"19720.0", 1'972'000'000'000},
    {"19578.96", 1'957'896'000'000},   {"794.500517", 79'450'051'700},
    {"251.34441", 25'134'441'000},     {"0.17207", 17'207'000},
    {"9394135.2", 939'413'520'000'000}, {"0.01731", 1'731'000},
};

constexpr Field kDepth[] = {
    {"0.01000000", 1'000'000},           {"6195.00000000", 619'500'000'000},
    {"0.35130000", 35'130'000},          {"0.00112926", 112'926},
    {"9116.04600000", 911'604'600'000},  {"27122.00000000", 2'712'200'000'000},
    {"177.00000000", 17'700'000'000},    {"0.34750000", 34'750'000},
};

constexpr Field kExtremes[] = {
    {"123456789.12345678", 12'345'678'912'345'678}, {"0.00000001", 1},
    {"999", 99'900'000'000},                        {"19695.87000000", 1'969'587'000'000},
    {"0", 0},                                       {"0.5", 50'000'000},
    {"63000.01", 6'300'001'000'000},                {"1.00000000", 100'000'000},
};

std::vector<Field> concat(std::initializer_list<std::span<const Field>> parts) {
  std::vector<Field> out;
  for (const auto part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

const std::vector<Field> kKlineSet = concat({kKline});
const std::vector<Field> kDepthSet = concat({kDepth});
const std::vector<Field> kMixedSet = concat({kKline, kDepth, kExtremes});

// The obviously-right reference: digits, optionally '.', then digits; the fraction padded or
// trimmed (trailing zeros only) to 8 decimals. No overflow handling: the data sets stay far below.
std::optional<std::int64_t> reference_parse(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  std::string frac = dot == std::string_view::npos ? std::string() : std::string(s.substr(dot + 1));
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  while (frac.size() > 8 && frac.back() == '0') frac.pop_back();
  if (frac.size() > 8) return std::nullopt;
  frac.resize(8, '0');
  std::int64_t v = 0;
  for (const char c : std::string(whole) + frac) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Empty when every field parses to its expected value (and the reference agrees); else a message.
std::string verify(const std::vector<Field>& fields) {
  for (const Field& f : fields) {
    const auto parsed = keel::parse_decimal(f.text);
    const auto ref = reference_parse(f.text);
    if (!ref || *ref != f.raw) return "reference disagrees with the expected value of \"" + std::string(f.text) + "\"";
    if (!parsed.ok()) {
      return "parse_decimal(\"" + std::string(f.text) + "\") failed: " + std::string(keel::to_string(parsed.error()));
    }
    if (parsed.value().raw != f.raw) {
      return "parse_decimal(\"" + std::string(f.text) + "\") = " + std::to_string(parsed.value().raw) +
             ", expected " + std::to_string(f.raw);
    }
  }
  return {};
}

// Runs `parse_all` (which parses every field once) in the benchmark loop and reports ns per field,
// measured with steady_clock around the whole loop.
template <class ParseAll>
void run(benchmark::State& state, std::size_t fields, ParseAll parse_all) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) parse_all();
  const auto t1 = std::chrono::steady_clock::now();
  const auto total = static_cast<double>(state.iterations()) * static_cast<double>(fields);
  const auto ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fields));
  state.counters["ns_per_field"] = benchmark::Counter(ns / total);
  state.counters["fields"] = benchmark::Counter(static_cast<double>(fields));
}

void BM_ParseDecimal(benchmark::State& state, const std::vector<Field>* fields) {
  if (const std::string problem = verify(*fields); !problem.empty()) {
    state.SkipWithError(problem.c_str());
    return;
  }
  run(state, fields->size(), [fields] {
    for (const Field& f : *fields) {
      auto r = keel::parse_decimal(f.text);
      benchmark::DoNotOptimize(r);
    }
  });
}
BENCHMARK_CAPTURE(BM_ParseDecimal, kline, &kKlineSet)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParseDecimal, depth, &kDepthSet)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParseDecimal, mixed, &kMixedSet)->UseRealTime();

// Baseline for scale: the standard library's double parser on the same strings (inexact).
void BM_FromCharsDouble(benchmark::State& state, const std::vector<Field>* fields) {
  run(state, fields->size(), [fields] {
    for (const Field& f : *fields) {
      double v = 0;
      auto r = std::from_chars(f.text.data(), f.text.data() + f.text.size(), v);
      benchmark::DoNotOptimize(v);
      benchmark::DoNotOptimize(r);
    }
  });
}
BENCHMARK_CAPTURE(BM_FromCharsDouble, mixed, &kMixedSet)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
