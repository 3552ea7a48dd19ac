#include "keel/core/io/text_file.hpp"

#include <cstdio>

#include "keel/core/io/journal.hpp"

namespace keel {

void write_text_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw OutputError(path + ": cannot create");
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) throw OutputError(path + ": write failed");
}
}  // namespace keel
