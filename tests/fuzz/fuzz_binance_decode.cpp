// Fuzzes the Binance market-data decoder (keel/protocol/binance/decode.hpp) on arbitrary bytes.
// Invariants:
//  * decode() returns an error value or a frame; it never crashes, traps or reads past the input;
//  * a decoded frame has a kind, and a decoded trade, depth diff or markPriceUpdate re-encodes
//    (8 decimals) to a frame that decodes to the same values (the funding rate exactly, its sign too).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/protocol/binance/decode.hpp"
#include "keel/protocol/binance/encode.hpp"

namespace kb = keel::protocol::binance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static kb::Decoder decoder(1 << 16, 256);
  static kb::Decoder checker(1 << 20, 256);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kb::Frame f;
  if (decoder.decode(text, f) != kb::DecodeError::kNone) return 0;
  KEEL_FUZZ_CHECK(f.kind != kb::FrameKind::kNone);
  KEEL_FUZZ_CHECK(f.symbol.length <= kb::Symbol::kCapacity);
  const auto fmt = kb::make_symbol_format(f.symbol.view().empty() ? "X" : f.symbol.view(), 8, 8, 8);
  KEEL_FUZZ_CHECK(fmt.ok());
  std::string wire;
  kb::Frame g;
  if (f.kind == kb::FrameKind::kAggTrade) {
    kb::AggTradeMsg m{f.trade.event_time_ms, f.trade.trade_time_ms, f.trade.id, f.trade.first_trade_id,
                      f.trade.last_trade_id, f.trade.price, f.trade.qty, f.trade.buyer_is_maker};
    kb::encode_agg_trade(wire, kb::Market::kSpot, fmt.value(), m);
    KEEL_FUZZ_CHECK(checker.decode(wire, g) == kb::DecodeError::kNone);
    KEEL_FUZZ_CHECK(g.trade.price == f.trade.price && g.trade.qty == f.trade.qty && g.trade.id == f.trade.id);
  } else if (f.kind == kb::FrameKind::kDepthUpdate) {
    kb::DepthMsg m;
    m.event_time_ms = f.depth.event_time_ms;
    m.first_update_id = f.depth.first_update_id;
    m.final_update_id = f.depth.final_update_id;
    m.bids = f.depth.bids;
    m.asks = f.depth.asks;
    kb::encode_depth_diff(wire, kb::Market::kSpot, fmt.value(), m);
    const std::size_t bids = f.depth.bids.size();
    const std::size_t asks = f.depth.asks.size();
    KEEL_FUZZ_CHECK(checker.decode(wire, g) == kb::DecodeError::kNone);
    KEEL_FUZZ_CHECK(g.depth.bids.size() == bids && g.depth.asks.size() == asks);
    KEEL_FUZZ_CHECK(g.depth.final_update_id == f.depth.final_update_id);
  } else if (f.kind == kb::FrameKind::kMarkPrice) {
    kb::encode_mark_price(wire, fmt.value(), f.mark_price);
    KEEL_FUZZ_CHECK(checker.decode(wire, g) == kb::DecodeError::kNone);
    KEEL_FUZZ_CHECK(g.kind == kb::FrameKind::kMarkPrice);
    const kb::MarkPriceMsg& a = f.mark_price;
    const kb::MarkPriceMsg& b = g.mark_price;
    KEEL_FUZZ_CHECK(a.event_time_ms == b.event_time_ms && a.next_funding_time_ms == b.next_funding_time_ms);
    KEEL_FUZZ_CHECK(a.mark_price == b.mark_price && a.index_price == b.index_price &&
                    a.estimated_settle_price == b.estimated_settle_price);
    KEEL_FUZZ_CHECK(a.has_funding_rate == b.has_funding_rate && a.funding_rate == b.funding_rate);
  }
  return 0;
}
