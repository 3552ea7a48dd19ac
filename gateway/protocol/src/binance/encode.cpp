#include "keel/protocol/binance/encode.hpp"

#include "json_writer.hpp"

namespace keel::protocol::binance {

using namespace detail;

// ---- Payload encoders ----

void encode_trade(std::string& out, Market market, const SymbolFormat& fmt, const TradeMsg& msg) {
  put(out, "{\"e\":\"trade\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.trade_time_ms);
  }
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "t");
  put_int(out, msg.trade_id);
  put_key(out, "p");
  put_decimal(out, msg.price.raw(), fmt.price_decimals);
  put_key(out, "q");
  put_decimal(out, msg.qty.raw(), fmt.qty_decimals);
  if (market == Market::kFutures) {
    put(out, ",\"X\":\"MARKET\"");
  } else {
    put_key(out, "T");
    put_int(out, msg.trade_time_ms);
  }
  put_key(out, "m");
  put_bool(out, msg.buyer_is_maker);
  if (market != Market::kFutures) put(out, ",\"M\":true");
  out.push_back('}');
}

void encode_mark_price(std::string& out, const SymbolFormat& fmt, const MarkPriceMsg& msg) {
  put(out, "{\"e\":\"markPriceUpdate\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "p");
  put_decimal(out, msg.mark_price.raw(), kDecimals);
  put_key(out, "i");
  put_decimal(out, msg.index_price.raw(), kDecimals);
  put_key(out, "P");
  put_decimal(out, msg.estimated_settle_price.raw(), kDecimals);
  put_key(out, "r");
  if (msg.has_funding_rate) put_decimal(out, msg.funding_rate.e8, kDecimals);
  else put(out, "\"\"");
  put_key(out, "T");
  put_int(out, msg.next_funding_time_ms);
  out.push_back('}');
}

void encode_agg_trade(std::string& out, Market market, const SymbolFormat& fmt, const AggTradeMsg& msg) {
  put(out, "{\"e\":\"aggTrade\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  // Spot writes the symbol before the aggregate id, futures after it (as captured).
  if (market == Market::kFutures) {
    put_key(out, "a");
    put_int(out, msg.agg_id);
    put_key(out, "s");
    put_symbol(out, fmt);
  } else {
    put_key(out, "s");
    put_symbol(out, fmt);
    put_key(out, "a");
    put_int(out, msg.agg_id);
  }
  put_key(out, "p");
  put_decimal(out, msg.price.raw(), fmt.price_decimals);
  put_key(out, "q");
  put_decimal(out, msg.qty.raw(), fmt.qty_decimals);
  put_key(out, "f");
  put_int(out, msg.first_trade_id);
  put_key(out, "l");
  put_int(out, msg.last_trade_id);
  put_key(out, "T");
  put_int(out, msg.trade_time_ms);
  put_key(out, "m");
  put_bool(out, msg.buyer_is_maker);
  if (market != Market::kFutures) put(out, ",\"M\":true");
  out.push_back('}');
}

void encode_book_ticker(std::string& out, Market market, const SymbolFormat& fmt, const BookTickerMsg& msg) {
  if (market == Market::kFutures) {
    put(out, "{\"e\":\"bookTicker\",\"u\":");
  } else {
    put(out, "{\"u\":");
  }
  put_int(out, msg.update_id);
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "b");
  put_decimal(out, msg.bid_price.raw(), fmt.price_decimals);
  put_key(out, "B");
  put_decimal(out, msg.bid_qty.raw(), fmt.qty_decimals);
  put_key(out, "a");
  put_decimal(out, msg.ask_price.raw(), fmt.price_decimals);
  put_key(out, "A");
  put_decimal(out, msg.ask_qty.raw(), fmt.qty_decimals);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.transaction_time_ms);
    put_key(out, "E");
    put_int(out, msg.event_time_ms);
  }
  out.push_back('}');
}

void encode_depth_diff(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg) {
  put(out, "{\"e\":\"depthUpdate\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  if (market == Market::kFutures) {
    put_key(out, "T");
    put_int(out, msg.transaction_time_ms);
  }
  put_key(out, "s");
  put_symbol(out, fmt);
  put_key(out, "U");
  put_int(out, msg.first_update_id);
  put_key(out, "u");
  put_int(out, msg.final_update_id);
  if (market == Market::kFutures) {
    put_key(out, "pu");
    put_int(out, msg.prev_final_update_id);
  }
  put_key(out, "b");
  put_levels(out, fmt, msg.bids);
  put_key(out, "a");
  put_levels(out, fmt, msg.asks);
  out.push_back('}');
}

void encode_partial_depth(std::string& out, Market market, const SymbolFormat& fmt, const DepthMsg& msg) {
  if (market == Market::kFutures) {
    encode_depth_diff(out, market, fmt, msg);
    return;
  }
  put(out, "{\"lastUpdateId\":");
  put_int(out, msg.final_update_id);
  put_key(out, "bids");
  put_levels(out, fmt, msg.bids);
  put_key(out, "asks");
  put_levels(out, fmt, msg.asks);
  out.push_back('}');
}

void encode_kline(std::string& out, const SymbolFormat& fmt, const KlineMsg& msg) {
  put(out, "{\"e\":\"kline\"");
  put_key(out, "E");
  put_int(out, msg.event_time_ms);
  put_key(out, "s");
  put_symbol(out, fmt);
  put(out, ",\"k\":{\"t\":");
  put_int(out, msg.open_time_ms);
  put_key(out, "T");
  put_int(out, msg.close_time_ms);
  put_key(out, "s");
  put_symbol(out, fmt);
  put(out, ",\"i\":\"");
  put(out, to_string(msg.interval));
  out.push_back('"');
  put_key(out, "f");
  put_int(out, msg.first_trade_id);
  put_key(out, "L");
  put_int(out, msg.last_trade_id);
  put_key(out, "o");
  put_decimal(out, msg.open.raw(), fmt.price_decimals);
  put_key(out, "c");
  put_decimal(out, msg.close.raw(), fmt.price_decimals);
  put_key(out, "h");
  put_decimal(out, msg.high.raw(), fmt.price_decimals);
  put_key(out, "l");
  put_decimal(out, msg.low.raw(), fmt.price_decimals);
  put_key(out, "v");
  put_decimal(out, msg.volume.raw(), fmt.qty_decimals);
  put_key(out, "n");
  put_int(out, msg.trade_count);
  put_key(out, "x");
  put_bool(out, msg.closed);
  put_key(out, "q");
  put_decimal(out, msg.quote_volume.raw(), fmt.quote_decimals);
  put_key(out, "V");
  put_decimal(out, msg.taker_buy_volume.raw(), fmt.qty_decimals);
  put_key(out, "Q");
  put_decimal(out, msg.taker_buy_quote_volume.raw(), fmt.quote_decimals);
  put(out, ",\"B\":\"0\"}}");
}

void encode_depth_snapshot(std::string& out, Market market, const SymbolFormat& fmt, const DepthSnapshot& snap) {
  put(out, "{\"lastUpdateId\":");
  put_int(out, snap.last_update_id);
  if (market == Market::kFutures) {
    put_key(out, "E");
    put_int(out, snap.event_time_ms);
    put_key(out, "T");
    put_int(out, snap.transaction_time_ms);
  }
  put_key(out, "bids");
  put_levels(out, fmt, snap.bids);
  put_key(out, "asks");
  put_levels(out, fmt, snap.asks);
  out.push_back('}');
}

void begin_combined(std::string& out, std::string_view stream) {
  put(out, "{\"stream\":\"");
  put(out, stream);
  put(out, "\",\"data\":");
}

void end_combined(std::string& out) { out.push_back('}'); }
}  // namespace keel::protocol::binance
