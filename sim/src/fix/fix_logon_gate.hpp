// The checks a connection's first message must pass before QuickFIX sees it.
//
// QuickFIX acts on a Logon before it authenticates it: ResetSeqNumFlag (141=Y) resets the session's
// store before the password is checked, and a HeartBtInt it cannot parse ends in an exception it
// does not catch. So the acceptor authenticates and validates the Logon itself, on the raw bytes,
// and only a Logon that passes reaches the session. A refused Logon changes nothing: it is answered
// with a Logout that is not stored (and does not use up a sequence number) and the connection closes.
//
// What a Logon must carry (VENUE.md "Orders: FIX 4.4"; docs/SECURITY.md), checked in this order:
//   8=FIX.4.4, 35=A, every tag a plain number (no leading zero), none of the header and logon tags
//   twice; 49 = a configured account and 554 = its password when it has one (an unknown account and
//   a wrong password get the same answer, so accounts cannot be enumerated); then 56 = the venue's
//   CompID, 34 = a plain positive integer, 52 = a UTC timestamp within kMaxLatencySeconds of the
//   system clock, 108 = a plain integer in [1, kMaxHeartBtInt], 141 absent or Y/N.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace keel::sim::fix_net {

inline constexpr int kMaxHeartBtInt = 3600;       // seconds
inline constexpr long kMaxLatencySeconds = 120;   // QuickFIX's MaxLatency default, which the sessions use

enum class LogonRefusal : std::uint8_t {
  kNone = 0,
  kNotLogon,          // the first message is not a Logon
  kBadBeginString,
  kRepeatedTag,
  kUnknownCompId,     // 49 names no configured account
  kWrongTargetCompId, // 56 is not the venue
  kBadMsgSeqNum,
  kBadSendingTime,
  kBadHeartBtInt,
  kBadResetSeqNumFlag,
  kWrongPassword,     // missing or wrong 554
  kAlreadyLoggedOn,   // the account has a connection already (decided by the caller)
  kMalformedTag,      // a tag that is not a plain number without leading zeros (QuickFIX reads "0108" as 108)
};
inline constexpr int kLogonRefusalCount = 13;

// The reason as sent in the refusal Logout's Text (58).
[[nodiscard]] std::string_view describe(LogonRefusal refusal) noexcept;

// The value of the first `tag=` field of a raw FIX message; nullopt when absent.
[[nodiscard]] std::optional<std::string_view> find_field(std::string_view message, int tag) noexcept;
// How many times `tag=` occurs as a field.
[[nodiscard]] int count_field(std::string_view message, int tag) noexcept;
// Digits only, no sign or spaces, value in [min, max].
[[nodiscard]] bool is_plain_int_in(std::string_view value, std::int64_t min, std::int64_t max) noexcept;

struct LogonAccount {
  std::string_view comp_id;
  std::string_view password;  // empty = none required
};

struct LogonVerdict {
  LogonRefusal refusal = LogonRefusal::kNone;
  int account = -1;            // index into the accounts span once 49 names a configured account
  bool authenticated = false;  // the account and its password checked out (then only formats failed)
};

// Checks a whole, framed message (FixFramer output) as a connection's first message.
[[nodiscard]] LogonVerdict check_logon(std::string_view message, std::string_view venue_comp_id,
                                       std::span<const LogonAccount> accounts);

// The Logout (35=5) that answers a refused Logon: from the venue to `client_comp_id` (whatever the
// client sent, cleaned to printable characters), MsgSeqNum `seq`, Text = the reason. Not stored.
[[nodiscard]] std::string encode_refusal_logout(std::string_view venue_comp_id, std::string_view client_comp_id,
                                                int seq, LogonRefusal refusal);

}  // namespace keel::sim::fix_net
