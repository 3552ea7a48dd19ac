// Writing a whole text file (run outputs: summaries, CSVs, reports). Start-up / end-of-run code.
#pragma once

#include <string>

namespace keel {

// Writes `text` to `path`, checking every step (open, write, close). Throws OutputError (journal.hpp).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace keel
