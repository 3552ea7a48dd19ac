// Fuzzes the feed capture parser (capture.hpp). keel::DataError is the expected outcome for bad
// input; any other exception, a sanitizer report (signed overflow included) or a broken invariant
// is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "keel/core/io/bar_data.hpp"
#include "keel/core/io/capture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  keel::Capture cap;
  try {
    cap = keel::parse_capture(text, "fuzz");
  } catch (const keel::DataError& e) {
    KEEL_FUZZ_CHECK(e.file() == "fuzz");
    return 0;
  }
  KEEL_FUZZ_CHECK(!cap.records.empty());
  std::size_t frame_bytes = cap.url.size();
  for (const keel::CaptureRecord& r : cap.records) {
    KEEL_FUZZ_CHECK(!r.frame.empty());
    KEEL_FUZZ_CHECK(r.receive_time_ns >= 0);
    KEEL_FUZZ_CHECK(r.frame.find('\n') == std::string::npos);
    frame_bytes += r.frame.size();
  }
  KEEL_FUZZ_CHECK(frame_bytes <= size);
  return 0;
}
