// Feed capture files (ARCHITECTURE.md "Data formats"): raw WebSocket frames with their receive time.
//   <receive_time_seconds>: <frame>     e.g. "1633998512.0633569: {...}" (the shared captures)
//   <receive_time_us> <frame>           e.g. "1633998512063356 {...}"
// An optional first line "<url> <-> <time>" names the connection. Receive times are parsed exactly
// (decimal seconds to integer nanoseconds, never through double).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel {

struct CaptureRecord {
  std::int64_t receive_time_ns = 0;
  std::string frame;
};

struct Capture {
  std::string url;  // from the header line, empty when absent
  std::vector<CaptureRecord> records;
};

// Throws DataError (bar_data.hpp) with file and line for a malformed line or an empty file.
Capture parse_capture(std::string_view text, std::string_view source);
Capture load_capture_file(const std::string& path);

}  // namespace keel
