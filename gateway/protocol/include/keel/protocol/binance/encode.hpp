// Binance market-data encoders (VENUE.md "Market data"): stream payloads, the REST depth snapshot
// and the combined-stream wrapper.
//
// Encoders append to a caller-provided std::string; once its capacity has grown to the largest
// message they never allocate. Field order and number formatting follow the real captures in
// ../shared/data/binance-ws byte for byte: prices and quantities are quoted decimal strings with a
// per-symbol number of decimals (SymbolFormat), integers and booleans are bare.
#pragma once

#include <string>
#include <string_view>

#include "keel/protocol/binance/messages.hpp"
#include "keel/protocol/binance/symbol_format.hpp"

namespace keel::protocol::binance {


// Each encoder appends one payload object to `out` (it does not clear it). Never throws except
// std::bad_alloc while `out` grows; no allocation once out.capacity() suffices.
void encode_trade(std::string& out, Market market, const SymbolFormat& fmt, const TradeMsg& msg);
void encode_agg_trade(std::string& out, Market market, const SymbolFormat& fmt, const AggTradeMsg& msg);
void encode_book_ticker(std::string& out, Market market, const SymbolFormat& fmt, const BookTickerMsg& msg);
void encode_depth_diff(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg);
// Spot: {"lastUpdateId":u,"bids":…,"asks":…} (only msg.final_update_id and the levels are used);
// futures: the depthUpdate event, as encode_depth_diff.
void encode_partial_depth(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg);
void encode_kline(std::string& out, const SymbolFormat& fmt, const KlineMsg& msg);
// markPriceUpdate (futures only). Prices and the funding rate with 8 decimals, as Binance writes them
// whatever the symbol's tick ("p":"11794.15000000","r":"0.00038167").
void encode_mark_price(std::string& out, const SymbolFormat& fmt, const MarkPriceMsg& msg);
void encode_depth_snapshot(std::string& out, Market market, const SymbolFormat& fmt, const DepthSnapshot& snap);

// Combined-stream wrapper {"stream":"<name>","data":<payload>}: append the prefix, then a payload
// encoder, then the suffix. `stream` must be a valid stream name (no escaping is done).
void begin_combined(std::string& out, std::string_view stream);
void end_combined(std::string& out);
}  // namespace keel::protocol::binance
