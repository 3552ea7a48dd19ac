#include "fix/redaction.hpp"

#include <time.h>

#include <filesystem>

namespace keel::gateway::fix_detail {

std::string redact_password(std::string_view message) {
  static constexpr std::string_view kTag = "554=";
  std::string out;
  out.reserve(message.size());
  std::size_t pos = 0;
  while (pos < message.size()) {
    const bool field_start = pos == 0 || message[pos - 1] == '\x01';
    if (field_start && message.substr(pos, kTag.size()) == kTag) {
      out.append(kTag);
      out.append("***");
      const std::size_t end = message.find('\x01', pos);
      if (end == std::string_view::npos) break;
      pos = end;  // the SOH is copied next
      continue;
    }
    out.push_back(message[pos]);
    ++pos;
  }
  return out;
}

RedactingLog::RedactingLog(const std::string& path) { file_ = std::fopen(path.c_str(), "a"); }

RedactingLog::~RedactingLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void RedactingLog::write(std::string_view kind, const std::string& text) {
  if (file_ == nullptr) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const std::string safe = redact_password(text);
  std::lock_guard lock(mutex_);
  std::fprintf(file_, "%lld.%06ld %.*s%s\n", static_cast<long long>(ts.tv_sec), ts.tv_nsec / 1000,
               static_cast<int>(kind.size()), kind.data(), safe.c_str());
  std::fflush(file_);
}

FIX::Log* RedactingLogFactory::create() { return new RedactingLog((std::filesystem::path(dir_) / "fix-global.log").string()); }

FIX::Log* RedactingLogFactory::create(const FIX::SessionID& id) {
  const std::string name = "fix-" + id.getSenderCompID().getValue() + "-" + id.getTargetCompID().getValue() + ".log";
  return new RedactingLog((std::filesystem::path(dir_) / name).string());
}

}  // namespace keel::gateway::fix_detail
