#include "keel/protocol/binance/stream_name.hpp"

#include <cstring>

#include "json_writer.hpp"

namespace keel::protocol::binance {
using detail::put_int;

bool operator==(const StreamName& a, const StreamName& b) noexcept {
  return a.symbol_view() == b.symbol_view() && a.kind == b.kind && a.depth_levels == b.depth_levels &&
         a.interval == b.interval && a.period_s == b.period_s;
}

bool stream_served(Market market, const StreamName& name) noexcept {
  return name.kind != StreamKind::kMarkPrice || market == Market::kFutures;
}

Result<StreamName> parse_stream_name(std::string_view text) noexcept {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at > StreamName::kMaxSymbol) return Errc::kGarbage;
  const std::string_view symbol = text.substr(0, at);
  for (const char c : symbol) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return Errc::kGarbage;
  }
  StreamName name;
  std::memcpy(name.symbol, symbol.data(), symbol.size());
  name.symbol_len = static_cast<std::uint8_t>(symbol.size());
  const std::string_view kind = text.substr(at + 1);
  if (kind == "trade") {
    name.kind = StreamKind::kTrade;
  } else if (kind == "aggTrade") {
    name.kind = StreamKind::kAggTrade;
  } else if (kind == "bookTicker") {
    name.kind = StreamKind::kBookTicker;
  } else if (kind == "depth@100ms") {
    name.kind = StreamKind::kDepthDiff;
  } else if (kind == "depth5@100ms" || kind == "depth10@100ms" || kind == "depth20@100ms") {
    name.kind = StreamKind::kPartialDepth;
    name.depth_levels = kind[6] == '@' ? std::uint8_t{5} : kind[5] == '1' ? std::uint8_t{10} : std::uint8_t{20};
  } else if (kind == "markPrice" || kind == "markPrice@1s") {
    name.kind = StreamKind::kMarkPrice;
    name.period_s = kind.size() == 9 ? std::uint8_t{3} : std::uint8_t{1};
  } else if (kind.starts_with("kline_")) {
    const auto interval = parse_kline_interval(kind.substr(6));
    if (!interval.ok()) return Errc::kGarbage;
    name.kind = StreamKind::kKline;
    name.interval = interval.value();
  } else {
    return Errc::kGarbage;
  }
  return name;
}

void append_stream_name(std::string& out, const StreamName& name) {
  out.append(name.symbol_view());
  switch (name.kind) {
    case StreamKind::kTrade: out.append("@trade"); break;
    case StreamKind::kAggTrade: out.append("@aggTrade"); break;
    case StreamKind::kBookTicker: out.append("@bookTicker"); break;
    case StreamKind::kDepthDiff: out.append("@depth@100ms"); break;
    case StreamKind::kPartialDepth:
      out.append("@depth");
      put_int(out, static_cast<unsigned>(name.depth_levels));
      out.append("@100ms");
      break;
    case StreamKind::kKline:
      out.append("@kline_");
      out.append(to_string(name.interval));
      break;
    case StreamKind::kMarkPrice:
      out.append(name.period_s == 1 ? "@markPrice@1s" : "@markPrice");
      break;
    case StreamKind::kNone: break;
  }
}
}  // namespace keel::protocol::binance
