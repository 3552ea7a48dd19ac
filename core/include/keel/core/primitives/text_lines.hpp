// Splits text into lines ('\n', with a trailing '\r' removed), numbering them from 1, without
// copying. `fn(line, line_number, is_last)` is called for every line; a final newline does not start
// an extra line.
#pragma once

#include <cstddef>
#include <string_view>

namespace keel {

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++line_no, pos >= text.size());
  }
}

}  // namespace keel
