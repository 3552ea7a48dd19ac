// Secrets (FIX credentials, the control endpoint's bearer token): where they are read from, how
// they are held, and how they are compared. Start-up code; nothing here is on the hot path.
//
// A secret comes from an environment variable or, when that variable is not set, from a file that
// only its owner can read: a regular file owned by the current user whose mode has no group or
// other bits (mode & 077 == 0, e.g. 0600 or 0400). Error messages name the variable or the path
// and, for a refused file, its owner and mode — never any of its content.
#pragma once

#include <string>
#include <string_view>

namespace keel::gateway {

struct SecretSource {
  std::string env_var;  // read first; empty = no variable
  std::string file;     // read when the variable is not set; empty = no file
};

// A secret value. It has no stream operator and no implicit conversion to a string, so it cannot
// be logged by accident: view() is for the one place that needs the value. The bytes are wiped
// when the Secret is destroyed or assigned over (best effort: copies the caller made are its own).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) noexcept : value_(std::move(value)) {}
  Secret(const Secret& other) = default;
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  [[nodiscard]] std::string_view view() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }

 private:
  void wipe() noexcept;
  std::string value_;
};

// load_secret's answer: a secret, or (error non-empty) why there is none.
struct SecretResult {
  Secret secret;
  std::string error;
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// The largest secret file read (a token or a password, not a document).
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// Reads the secret: the environment variable when it is set, else the file. Trailing CR and LF are
// trimmed. Refused (error set): a variable that is set but empty, neither source available, a file
// that cannot be opened, is not a regular file, is owned by another user, has any group/other
// permission bit, is larger than kMaxSecretFileBytes, or holds nothing but line ends. Follows a
// symbolic link and judges the file it names (checked on the opened descriptor: no race between
// check and read). Does not throw except std::bad_alloc.
[[nodiscard]] SecretResult load_secret(const SecretSource& source);

// True when a and b are equal. The time taken depends only on a.size() — not on where the inputs
// differ, nor on b's length (b's bytes are read cyclically): pass the presented value as `a` and
// the secret as `b`, so that neither the secret's content nor its length leaks through timing.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace keel::gateway
