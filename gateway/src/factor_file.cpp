#include "keel/gateway/factor_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace keel::gateway {
namespace {

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

bool symbol_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

FactorLine malformed(std::string_view why) noexcept {
  FactorLine l;
  l.status = FactorLineStatus::kMalformed;
  l.error = why;
  return l;
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) noexcept {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}
std::uint64_t fnv1a(std::uint64_t h, std::uint64_t v) noexcept {
  char b[8];
  std::memcpy(b, &v, 8);
  return fnv1a(h, std::string_view(b, 8));
}
constexpr std::uint64_t kFnvBasis = 14695981039346656037ull;

// At most 80 printable ASCII characters of a line, for a log message (the file is the operator's
// own, but a log line stays one line).
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 80) out += "...";
  return out;
}

}  // namespace

FactorLine parse_factor_line(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, 3> field{};
  std::size_t n = 0;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    if (n == 0 && line[i] == '#') return FactorLine{};  // a comment
    if (n == field.size()) return malformed("too many fields (expected <factor> <value> [SYMBOL])");
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    field[n++] = line.substr(start, i - start);
  }
  if (n == 0) return FactorLine{};  // blank
  if (n == 1) return malformed("no value (expected <factor> <value> [SYMBOL])");
  const std::optional<FactorKind> kind = factor_from_name(field[0]);
  if (!kind) return malformed("unknown factor name");
  double value = 0.0;
  const char* first = field[1].data();
  const char* last = first + field[1].size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last) return malformed("the value is not a decimal number");
  if (!std::isfinite(value)) return malformed("the value is not finite");
  if (n == 3) {
    if (field[2].size() > kMaxFactorSymbolBytes) return malformed("the symbol is too long");
    for (const char c : field[2])
      if (!symbol_char(c))
        return malformed("the symbol has a character other than A-Z a-z 0-9 _ - .");
  }
  FactorLine out;
  out.status = FactorLineStatus::kValue;
  out.kind = *kind;
  out.value = value;
  out.symbol = n == 3 ? field[2] : std::string_view{};
  return out;
}

FactorFileWatcher::FactorFileWatcher(FactorFileOptions options) : opt_(std::move(options)) {
  if (opt_.path.empty()) throw std::invalid_argument("factor file: empty path");
  if (!opt_.deliver) throw std::invalid_argument("factor file: no deliver function");
}

void FactorFileWatcher::log_once(std::uint64_t key, const std::string& line) {
  if (!opt_.log || logged_.size() >= 4096 || !logged_.insert(key).second) return;
  opt_.log(line);
}

std::size_t FactorFileWatcher::poll() {
  ++stats_.polls;
  struct stat st {};
  if (::stat(opt_.path.c_str(), &st) != 0) {
    const int err = errno;
    ++stats_.missing;
    if (seen_.present || stats_.polls == 1) {
      if (opt_.log)
        opt_.log("factor file " + opt_.path + ": missing (" + std::strerror(err) +
                 "); values stay as delivered");
    }
    seen_ = Signature{};
    tail_pending_ = false;
    return 0;
  }
  Signature now;
  now.present = true;
  now.dev = static_cast<std::uint64_t>(st.st_dev);
  now.ino = static_cast<std::uint64_t>(st.st_ino);
  now.size = static_cast<std::uint64_t>(st.st_size);
  now.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (now == seen_ && !retry_) {
    if (!tail_pending_) return 0;
    return read_and_deliver(now, true);  // unchanged for a poll: the unterminated line is complete
  }
  return read_and_deliver(now, false);
}

std::size_t FactorFileWatcher::read_and_deliver(const Signature& stated, bool take_unterminated) {
  retry_ = false;
  tail_pending_ = false;
  const int fd = ::open(opt_.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    // Tried again at every poll (a permission fixed with chmod moves no mtime), logged once per
    // version of the file.
    ++stats_.read_errors;
    seen_ = Signature{};
    const std::uint64_t key = fnv1a(fnv1a(fnv1a(kFnvBasis, stated.ino), stated.size),
                                    static_cast<std::uint64_t>(stated.mtime_ns));
    log_once(fnv1a(key, "open"),
             "factor file " + opt_.path + ": cannot open (" + std::strerror(err) + ")");
    return 0;
  }
  struct stat st {};
  Signature sig;
  if (::fstat(fd, &st) == 0) {
    sig.present = true;
    sig.dev = static_cast<std::uint64_t>(st.st_dev);
    sig.ino = static_cast<std::uint64_t>(st.st_ino);
    sig.size = static_cast<std::uint64_t>(st.st_size);
    sig.mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  seen_ = sig;
  const std::uint64_t sig_key =
      fnv1a(fnv1a(fnv1a(kFnvBasis, sig.ino), sig.size), static_cast<std::uint64_t>(sig.mtime_ns));
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    ++stats_.read_errors;
    log_once(fnv1a(sig_key, "notreg"), "factor file " + opt_.path + ": not a regular file");
    return 0;
  }
  std::string text;
  text.resize(kMaxFactorFileBytes + 1);
  std::size_t got = 0;
  bool failed = false;
  while (got < text.size()) {
    const ssize_t r = ::read(fd, text.data() + got, text.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      failed = true;
      break;
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  if (failed || got > kMaxFactorFileBytes) {
    ++stats_.read_errors;
    log_once(
        fnv1a(sig_key, "read"),
        "factor file " + opt_.path + (failed ? ": read failed" : ": larger than 1 MiB, not read"));
    return 0;
  }
  text.resize(got);
  ++stats_.reads;

  // Parse: the last line of a (kind, instrument) wins; values in order of first appearance.
  std::vector<Known> found;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos && !take_unterminated) {
      ++stats_.partial_lines;
      tail_pending_ = true;
      break;
    }
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    const FactorLine parsed = parse_factor_line(line);
    if (parsed.status == FactorLineStatus::kSkip) continue;
    std::string_view error = parsed.error;
    InstrumentId instrument = kNoInstrument;
    if (parsed.status == FactorLineStatus::kValue && !parsed.symbol.empty()) {
      const std::optional<InstrumentId> id =
          opt_.resolve ? opt_.resolve(parsed.symbol) : std::optional<InstrumentId>{};
      if (id)
        instrument = *id;
      else {
        ++stats_.unknown_symbols;
        error = "unknown symbol";
      }
    }
    if (!error.empty()) {
      ++stats_.malformed_lines;
      log_once(fnv1a(fnv1a(kFnvBasis, line_no), line),
               "factor file " + opt_.path + ":" + std::to_string(line_no) + ": " +
                   std::string(error) + " (" + printable(line) + ")");
      continue;
    }
    bool merged = false;
    for (Known& k : found)
      if (k.kind == parsed.kind && k.instrument == instrument) {
        k.value = parsed.value;
        merged = true;
      }
    if (!merged) found.push_back(Known{parsed.kind, instrument, parsed.value});
  }

  std::size_t delivered = 0;
  for (const Known& v : found) {
    Known* prior = nullptr;
    for (Known& k : known_)
      if (k.kind == v.kind && k.instrument == v.instrument) prior = &k;
    // Bitwise: 0.0 and -0.0 are different text, NaN never gets here.
    if (prior != nullptr && std::memcmp(&prior->value, &v.value, sizeof(double)) == 0) continue;
    ExternalFactor f{};
    f.header.subtype = static_cast<std::uint8_t>(v.kind);
    f.header.instrument = v.instrument;
    f.seq = seq_ + 1;
    f.value = v.value;
    if (!opt_.deliver(to_event(f))) {
      ++stats_.deliver_refused;
      retry_ = true;
      continue;
    }
    ++seq_;
    ++delivered;
    ++stats_.values_delivered;
    if (prior != nullptr)
      prior->value = v.value;
    else
      known_.push_back(v);
  }
  return delivered;
}

}  // namespace keel::gateway
