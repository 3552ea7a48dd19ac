#include <gtest/gtest.h>

#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/capture.hpp"
#include "test_support.hpp"

using namespace keel;

TEST(Capture, ParsesBothLineFormatsExactly) {
  const Capture c = parse_capture(
      "wss://example/stream?streams=a <-> 1633998511.159679\n"
      "1633998512.0633569: {\"e\":\"x\"}\n"
      "1633998512063357 {\"e\":\"y\"}\n",
      "t.txt");
  EXPECT_EQ(c.url, "wss://example/stream?streams=a");
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].receive_time_ns, 1633998512063356900);
  EXPECT_EQ(c.records[0].frame, "{\"e\":\"x\"}");
  EXPECT_EQ(c.records[1].receive_time_ns, 1633998512063357000);
}

TEST(Capture, BadLinesNameFileAndLine) {
  try {
    (void)parse_capture("1.5: {}\nnot a line\n", "cap.txt");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), "cap.txt:2: expected \"<seconds>: <frame>\" or \"<microseconds> <frame>\"");
  }
  EXPECT_THROW(parse_capture("", "cap.txt"), DataError);
  EXPECT_THROW(parse_capture("1.5: \n", "cap.txt"), DataError);
  EXPECT_THROW(parse_capture("1.0000000001: {}\n", "cap.txt"), DataError);  // finer than 1 ns
}

// Regression (fuzz_capture, issue 2): huge receive times overflowed int64 nanoseconds (UB).
TEST(Capture, ReceiveTimesThatDoNotFitAreRefused) {
  EXPECT_THROW(parse_capture("9999999999: x\n", "cap.txt"), DataError);
  EXPECT_THROW(parse_capture("99999999999999999 x\n", "cap.txt"), DataError);
  EXPECT_EQ(parse_capture("9000000000: x\n", "cap.txt").records[0].receive_time_ns, 9'000'000'000'000'000'000);
  EXPECT_THROW(parse_capture("9999999999999999 x\n", "cap.txt"), DataError);
  EXPECT_EQ(parse_capture("9223372036854775 x\n", "cap.txt").records[0].receive_time_ns, 9'223'372'036'854'775'000);
}

TEST(Capture, ReadsTheSharedCaptures) {
  const Capture spot = load_capture_file(test::shared_data("binance-ws/spot-capture.txt"));
  EXPECT_NE(spot.url.find("stream.binance.com"), std::string::npos);
  EXPECT_GT(spot.records.size(), 100u);
  const Capture fut = load_capture_file(test::shared_data("binance-ws/usdm-futures-capture.txt"));
  EXPECT_GT(fut.records.size(), 1000u);
  for (const auto* cap : {&spot, &fut}) {
    for (const auto& r : cap->records) {
      ASSERT_GT(r.receive_time_ns, 1'500'000'000'000'000'000);
      ASSERT_EQ(r.frame.front(), '{');
      ASSERT_EQ(r.frame.back(), '}');
    }
  }
}
