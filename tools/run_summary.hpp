// The parts of a run's summary.json every trading command writes the same way (backtest, paper,
// live): the strategy's own summary and the order path's counts.
#pragma once

#include <string>
#include <string_view>

#include "json_writer.hpp"
#include "keel/core/engine/engine.hpp"
#include "keel/core/strategy/strategies.hpp"

namespace keel::cli {

// The summary object as a strategy's SummaryWriter.
class JsonSummary final : public SummaryWriter {
 public:
  explicit JsonSummary(JsonObject& o) : o_(o) {}
  void number(std::string_view key, double value) override { o_.add(key, value); }
  void count(std::string_view key, std::uint64_t value) override { o_.add(key, value); }
  void text(std::string_view key, std::string_view value) override { o_.add(key, value); }
  void flag(std::string_view key, bool value) override { o_.add(key, value); }
  void json(std::string_view key, std::string_view raw) override;

 private:
  JsonObject& o_;
};

// Line breaks of a JSON value turned into spaces (summary.json keeps one key per line).
std::string flat(std::string s);

// The order path: what went out, what came back, what was refused and why; the portfolio.
void add_order_path(JsonObject& summary, const Engine& engine);

}  // namespace keel::cli
