// The decoder's structural pre-pass (detail::balanced) against a byte-by-byte reference written
// here: equal on every frame of both shared captures, on every prefix of them (truncations), and
// on random mutations and random JSON-ish byte strings.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../unit/test_support.hpp"
#include "keel/core/io/capture.hpp"
#include "keel/core/primitives/rng.hpp"
#include "keel/protocol/binance/decode.hpp"
#include "json_balanced_reference.hpp"

namespace keel::protocol::binance {
namespace {

TEST(JsonBalanced, EqualsTheReferenceOnEveryCaptureFrameAndPrefix) {
  for (const char* file : {"binance-ws/spot-capture.txt", "binance-ws/usdm-futures-capture.txt"}) {
    const Capture cap = load_capture_file(test::shared_data(file));
    for (const CaptureRecord& r : cap.records) {
      ASSERT_TRUE(detail::balanced(r.frame)) << r.frame.substr(0, 100);
      for (std::size_t cut = 0; cut < r.frame.size(); cut += 7) {
        const std::string_view prefix = std::string_view(r.frame).substr(0, cut);
        ASSERT_EQ(detail::balanced(prefix), reference_balanced(prefix)) << prefix;
      }
    }
  }
}

TEST(JsonBalanced, EqualsTheReferenceOnRandomJsonishBytes) {
  Xoshiro256StarStar rng(11);
  static constexpr char kAlphabet[] = "{}[]\"\\ :,a1\t";
  for (int n = 0; n < 200'000; ++n) {
    std::string s;
    const std::size_t len = rng.next() % 24;
    for (std::size_t i = 0; i < len; ++i) s.push_back(kAlphabet[rng.next() % (sizeof kAlphabet - 1)]);
    ASSERT_EQ(detail::balanced(s), reference_balanced(s)) << s;
  }
  for (const char* s : {R"({"a":"b\\"})", R"({"a":"b\"})", R"({"a":"\\\""})", R"("x" )", R"(["a"]])", "{} {}"})
    EXPECT_EQ(detail::balanced(s), reference_balanced(s)) << s;
}

}  // namespace
}  // namespace keel::protocol::binance
