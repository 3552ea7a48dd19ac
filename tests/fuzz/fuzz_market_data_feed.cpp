// Fuzzes the Binance adapter (gateway/binance/market_data_feed) on arbitrary frame sequences.
// Input: a control byte (bit 0 futures, bit 1 diff-only, bit 2 refuse every 3rd publish), then
// lines; a line starting with '!' is a REST snapshot body for symbol 0, any other a frame.
// Invariants after every line:
//  * nothing crashes, traps or reads past the input;
//  * every published event is well formed (a known kind, a known instrument, positive prices, a
//    finite funding rate);
//  * the core's replica, fed only the published events, equals the feed's own book for every symbol
//    whose replica is live (when the sink never refuses).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/core/book/book_replica.hpp"
#include "keel/gateway/binance/market_data_feed.hpp"

namespace gwb = keel::gateway::binance;

namespace {

constexpr std::size_t kSymbols = 8;

class Sink : public gwb::EventSink {
 public:
  bool publish(std::span<const keel::Event> events) noexcept override {
    if (refuse_some && ++calls % 3 == 0) return false;
    for (const keel::Event& e : events) {
      KEEL_FUZZ_CHECK(e.header.instrument < kSymbols);
      switch (e.header.kind) {
        case keel::EventKind::kTrade: KEEL_FUZZ_CHECK(e.trade.price.is_positive() && e.trade.qty.is_positive()); break;
        case keel::EventKind::kBookTop: KEEL_FUZZ_CHECK(e.book_top.bid_price.is_positive()); break;
        case keel::EventKind::kBookLevel:
          KEEL_FUZZ_CHECK(e.book_level.side == keel::Side::kNone || e.book_level.price.is_positive());
          KEEL_FUZZ_CHECK(e.book_level.qty.raw() >= 0);
          break;
        case keel::EventKind::kBar: KEEL_FUZZ_CHECK(e.bar.low.is_positive() && !(e.bar.high < e.bar.low)); break;
        case keel::EventKind::kControl: break;
        case keel::EventKind::kExternalFactor:  // markPriceUpdate: a funding rate, exact to 10^-8
          KEEL_FUZZ_CHECK(e.header.subtype == static_cast<std::uint8_t>(keel::FactorKind::kFunding));
          KEEL_FUZZ_CHECK(e.factor.value > -1e11 && e.factor.value < 1e11);  // |e8| < 2^63: finite, bounded
          break;
        default: KEEL_FUZZ_CHECK(false);
      }
      (void)replicas.on_event(e);
    }
    return true;
  }
  bool refuse_some = false;
  std::uint64_t calls = 0;
  keel::book::BookReplicas replicas{kSymbols, 64};
};

bool same(const keel::book::L2Book& a, const keel::book::L2Book& b) {
  for (keel::Side side : {keel::Side::kBuy, keel::Side::kSell}) {
    if (a.depth(side) != b.depth(side)) return false;
    for (std::size_t i = 0; i < a.depth(side); ++i)
      if (!(a.level(side, i) == b.level(side, i))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  gwb::MarketDataFeedConfig config;
  config.market = (control & 1) != 0 ? keel::book::DepthVenue::kFutures : keel::book::DepthVenue::kSpot;
  config.diff_only = (control & 2) != 0;
  config.learn_symbols = true;
  config.max_symbols = kSymbols;
  config.book_levels = 64;
  config.buffer_diffs = 16;
  config.max_frame_bytes = 1 << 16;
  config.max_frame_levels = 256;
  Sink sink;
  sink.refuse_some = (control & 4) != 0;
  gwb::MarketDataFeed feed(config, sink);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::int64_t t = 0;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++t;
    if (!line.empty() && line[0] == '!') {
      if (feed.symbol_count() > 0) {
        keel::book::SnapshotOutcome outcome{};
        (void)feed.on_snapshot(0, line.substr(1), t, outcome);
      }
    } else {
      feed.on_frame(line, t);
    }
    for (std::size_t s = 0; s < feed.symbol_count(); ++s) {
      const auto id = static_cast<keel::InstrumentId>(s);
      // (While the ring refuses, the core cannot hear kStale yet: that window is the ring's, and
      // only well-formedness is checked.)
      if (!sink.refuse_some && sink.replicas.live(id)) {
        KEEL_FUZZ_CHECK(same(sink.replicas.book(id), feed.book_sync(s).book()));
      }
    }
  }
  return 0;
}
