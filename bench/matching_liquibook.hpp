// Liquibook (github.com/enewhuis/liquibook, header-only) behind the commands of a bench_matching
// workload, for BM_VersusLiquibook. Only compiled when the build is configured with
// -DKEEL_LIQUIBOOK_DIR=<liquibook checkout>/src; nothing of Liquibook is part of this repository.
//
// Translation: a submit is an add of a pre-built order (IOC as the oc_immediate_or_cancel condition); a cancel
// is cancel(order); a replace is replace(order, size_delta, new_price) with the delta of the total
// quantity, after which the order object is given its new price and quantity (Liquibook finds a
// resting order by the price its object reports). Prices are ticks and quantities lots. Liquibook
// has no accounts and no self-trade prevention, and a replace always re-queues, so only the
// shallow_2acct and deep scenarios give both matchers the same fills (checked before timing through
// FillDigest: maker and taker order number, price, quantity, per fill, in order).
// Liquibook allocates per order (std::multimap nodes) inside the timed region: that is its design.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <book/order.h>
#include <book/order_book.h>

#include "fill_digest.hpp"

namespace keel::bench::lb {

namespace lbb = liquibook::book;

// Liquibook's base classes have virtual functions but no virtual destructor; these are never deleted
// through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"

class Order final : public lbb::Order {
 public:
  Order(std::uint64_t id, bool buy, lbb::Price price, lbb::Quantity qty, bool ioc)
      : id_(id), buy_(buy), price_(price), qty_(qty), ioc_(ioc) {}
  [[nodiscard]] bool is_buy() const override { return buy_; }
  [[nodiscard]] lbb::Price price() const override { return price_; }
  [[nodiscard]] lbb::Quantity order_qty() const override { return qty_; }
  [[nodiscard]] bool immediate_or_cancel() const override { return ioc_; }
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  void amend(lbb::Price price, lbb::Quantity qty) noexcept {
    price_ = price;
    qty_ = qty;
  }

 private:
  std::uint64_t id_;
  bool buy_;
  lbb::Price price_;
  lbb::Quantity qty_;
  bool ioc_;
};

class Book final : public lbb::OrderBook<Order*> {
 public:
  void on_fill(Order* const& order, Order* const& matched, lbb::Quantity qty, lbb::Price price, bool /*in_filled*/,
               bool /*matched_filled*/) override {
    fills.add(matched->id(), order->id(), static_cast<std::int64_t>(price), static_cast<std::int64_t>(qty));
  }
  FillDigest fills;
};

#pragma GCC diagnostic pop

// One command in Liquibook's terms.
struct Command {
  enum class Kind : std::uint8_t { kAdd, kCancel, kReplace } kind = Kind::kAdd;
  std::uint32_t order = 0;  // index into the run's orders (= venue order id − 1)
  std::int64_t size_delta = 0;
  lbb::Price new_price = 0;   // price after a replace (also passed as PRICE_UNCHANGED when equal)
  lbb::Quantity new_qty = 0;  // total quantity after a replace
  bool price_changes = false;
};

// The translated workload: the orders as first submitted, and the commands in order.
struct Program {
  std::vector<Order> orders;
  std::vector<Command> commands;
  std::size_t prefill = 0;
};

// A fresh book and fresh copies of the orders; run() applies commands [begin, end).
class Run {
 public:
  explicit Run(const Program& p) : program_(p), orders_(p.orders), book_(std::make_unique<Book>()) {}
  void apply(const Command& c) {
    Order* o = &orders_[c.order];
    switch (c.kind) {
      case Command::Kind::kAdd: book_->add(o, o->immediate_or_cancel() ? lbb::oc_immediate_or_cancel : 0); break;
      case Command::Kind::kCancel: book_->cancel(o); break;
      case Command::Kind::kReplace:
        book_->replace(o, c.size_delta, c.price_changes ? c.new_price : lbb::PRICE_UNCHANGED);
        o->amend(c.new_price, c.new_qty);
        break;
    }
  }
  [[nodiscard]] const Program& program() const noexcept { return program_; }
  [[nodiscard]] const Book& book() const noexcept { return *book_; }
  [[nodiscard]] std::size_t resting() const { return book_->bids().size() + book_->asks().size(); }

 private:
  const Program& program_;
  std::vector<Order> orders_;
  std::unique_ptr<Book> book_;
};

}  // namespace keel::bench::lb
