// Error values for the hot path: an error enum and a [[nodiscard]] result type (simdjson's
// error_code + simdjson_result<T>). Exceptions are used only at start-up and configuration.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

namespace keel {

// 0 = no error. Values are stable: they are counted and may be journaled.
enum class Errc : std::uint8_t {
  kOk = 0,
  kEmpty = 1,             // an empty field or input
  kGarbage = 2,           // characters that do not belong to the expected syntax
  kOverflow = 3,          // the value does not fit the destination type
  kTooManyDecimals = 4,   // more significant decimals than the fixed-point scale holds
  kNegative = 5,          // a sign where only non-negative values are allowed
  kNotANumber = 6,        // NaN or Inf spelled out
  kOutOfRange = 7,        // a valid number outside the allowed domain
  kUnknownSymbol = 8,
  kFull = 9,              // a bounded container is full
  kCorrupt = 10,          // a checksum or structural check failed
  kTruncated = 11,        // the input ends inside a record
  kIo = 12,               // the operating system refused a read or write
  kInvalidArgument = 13,
  kUnsupported = 14,
};

constexpr std::string_view to_string(Errc e) noexcept {
  switch (e) {
    case Errc::kOk: return "ok";
    case Errc::kEmpty: return "empty";
    case Errc::kGarbage: return "invalid characters";
    case Errc::kOverflow: return "overflow";
    case Errc::kTooManyDecimals: return "too many decimals";
    case Errc::kNegative: return "negative value";
    case Errc::kNotANumber: return "not a number";
    case Errc::kOutOfRange: return "out of range";
    case Errc::kUnknownSymbol: return "unknown symbol";
    case Errc::kFull: return "full";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kTruncated: return "truncated";
    case Errc::kIo: return "i/o error";
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kUnsupported: return "unsupported";
  }
  return "unknown error";
}

// A value or an error. T must be default-constructible (the value is unspecified on error).
template <class T>
class [[nodiscard]] Result {
 public:
  constexpr Result(T value) noexcept : value_(std::move(value)) {}  // NOLINT: implicit by design
  constexpr Result(Errc error) noexcept : error_(error) {}          // NOLINT: implicit by design

  [[nodiscard]] constexpr bool ok() const noexcept { return error_ == Errc::kOk; }
  [[nodiscard]] constexpr Errc error() const noexcept { return error_; }
  // Requires ok().
  [[nodiscard]] constexpr const T& value() const& noexcept { return value_; }
  [[nodiscard]] constexpr T& value() & noexcept { return value_; }
  [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return ok() ? value_ : fallback; }

 private:
  T value_{};
  Errc error_ = Errc::kOk;
};

}  // namespace keel
