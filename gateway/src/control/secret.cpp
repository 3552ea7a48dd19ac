#include "keel/gateway/control/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace keel::gateway {
namespace {

std::string octal_mode(mode_t mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

void trim_line_ends(std::string& value) {
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
}

// Closes the descriptor on every return path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

SecretResult refuse(std::string why) {
  SecretResult r;
  r.error = std::move(why);
  return r;
}

SecretResult from_file(const std::string& path) {
  // O_NONBLOCK: a FIFO put where the file should be must not block start-up (it is refused below).
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
  if (f.fd < 0) {
    return refuse("secret file " + path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return refuse("secret file " + path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refuse("secret file " + path + " is not a regular file");
  if (st.st_uid != ::geteuid()) {
    return refuse("secret file " + path + " is owned by uid " + std::to_string(st.st_uid) +
                  ", not by the current user (uid " + std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 077) != 0) {
    return refuse("secret file " + path + " has mode " + octal_mode(st.st_mode) +
                  ": group and other must have no access (chmod 600 " + path + ")");
  }
  if (st.st_size > static_cast<off_t>(kMaxSecretFileBytes)) {
    return refuse("secret file " + path + " is larger than " + std::to_string(kMaxSecretFileBytes) + " bytes");
  }
  std::string value;
  value.reserve(static_cast<std::size_t>(st.st_size) + 1);
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(f.fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Secret wipe_on_exit{std::move(value)};
      return refuse("secret file " + path + ": read failed: " + std::strerror(errno));
    }
    if (n == 0) break;
    value.append(chunk, static_cast<std::size_t>(n));
    if (value.size() > kMaxSecretFileBytes) {  // grew while being read
      Secret wipe_on_exit{std::move(value)};
      return refuse("secret file " + path + " is larger than " + std::to_string(kMaxSecretFileBytes) + " bytes");
    }
  }
  volatile char* c = chunk;
  for (std::size_t i = 0; i < sizeof chunk; ++i) c[i] = 0;
  trim_line_ends(value);
  if (value.empty()) return refuse("secret file " + path + " is empty");
  SecretResult r;
  r.secret = Secret(std::move(value));
  return r;
}

}  // namespace

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

void Secret::wipe() noexcept {
  // The whole buffer, not only [0, size): a moved-from short string keeps its old bytes past its
  // new size. resize() within capacity does not reallocate (noexcept in practice) and zeroes the
  // tail; the volatile stores zero the rest and may not be dropped as dead before the free.
  value_.resize(value_.capacity(), '\0');
  volatile char* p = value_.data();
  for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
  value_.clear();
}

SecretResult load_secret(const SecretSource& source) {
  if (!source.env_var.empty()) {
    if (const char* env = std::getenv(source.env_var.c_str()); env != nullptr) {
      std::string value(env);
      trim_line_ends(value);
      if (value.empty()) {
        return refuse("environment variable " + source.env_var + " is set but empty");
      }
      SecretResult r;
      r.secret = Secret(std::move(value));
      return r;
    }
  }
  if (!source.file.empty()) return from_file(source.file);
  if (!source.env_var.empty()) {
    return refuse("no secret: environment variable " + source.env_var + " is not set and no file is configured");
  }
  return refuse("no secret: neither an environment variable nor a file is configured");
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Every byte of a is compared, whatever the earlier bytes were; the accumulator goes through an
  // empty asm statement each round so the compiler cannot turn the loop into an early exit. b is
  // read cyclically (index j wraps), so the loop runs a.size() times whatever b's length is.
  std::size_t diff = a.size() ^ b.size();
  if (b.empty()) return a.empty();
  std::size_t j = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<std::size_t>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[j]));
#if defined(__GNUC__) || defined(__clang__)
    __asm__ volatile("" : "+r"(diff));
#endif
    ++j;
    j = j == b.size() ? 0 : j;
  }
  return diff == 0;
}

}  // namespace keel::gateway
