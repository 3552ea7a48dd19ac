#include <gtest/gtest.h>

#include "keel/core/primitives/instrument.hpp"

using namespace keel;

namespace {
InstrumentSpec spec(const char* symbol, const char* tick, const char* lot) {
  return InstrumentSpec{symbol, Price::parse(tick).value(), Qty::parse(lot).value(), Notional::from_units(5)};
}
}  // namespace

TEST(InstrumentRegistry, InternsSymbolsToDenseIds) {
  InstrumentRegistry reg;
  EXPECT_EQ(reg.add(spec("BTCUSDT", "0.01", "0.00001")), 0u);
  EXPECT_EQ(reg.add(spec("ETHUSDT", "0.01", "0.0001")), 1u);
  EXPECT_EQ(reg.add(spec("BTCUSDT", "0.01", "0.00001")), 0u);  // same spec: same id
  EXPECT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg.find("ETHUSDT").value(), 1u);
  EXPECT_EQ(reg.find("XRPUSDT").error(), Errc::kUnknownSymbol);
  const Instrument& btc = reg.get(0);
  EXPECT_EQ(btc.symbol, "BTCUSDT");
  EXPECT_EQ(btc.price_decimals, 2);
  EXPECT_EQ(btc.qty_decimals, 5);
  EXPECT_TRUE(btc.price_on_tick(Price::parse("19695.87").value()));
  EXPECT_FALSE(btc.price_on_tick(Price::parse("19695.875").value()));
  EXPECT_TRUE(btc.qty_on_lot(Qty::parse("0.12345").value()));
  EXPECT_FALSE(btc.qty_on_lot(Qty::parse("0.123456").value()));
}

TEST(InstrumentRegistry, RefusesBadSpecs) {
  InstrumentRegistry reg;
  EXPECT_THROW(reg.add(spec("", "0.01", "1")), std::invalid_argument);
  EXPECT_THROW(reg.add(spec("X", "0", "1")), std::invalid_argument);
  EXPECT_THROW(reg.add(spec("X", "0.01", "0")), std::invalid_argument);
  (void)reg.add(spec("X", "0.01", "1"));
  EXPECT_THROW(reg.add(spec("X", "0.1", "1")), std::invalid_argument);
}

TEST(InstrumentRegistry, DecimalsOf) {
  EXPECT_EQ(decimals_of(100000000), 0);
  EXPECT_EQ(decimals_of(1000000), 2);
  EXPECT_EQ(decimals_of(1), 8);
  EXPECT_EQ(decimals_of(50000000), 1);
}
