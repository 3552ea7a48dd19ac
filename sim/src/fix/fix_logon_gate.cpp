// Logon checks on raw bytes: see fix_logon_gate.hpp.
#include "fix_logon_gate.hpp"

#include <array>

#include "keel/protocol/fix/quickfix.hpp"

namespace keel::sim::fix_net {
namespace {

constexpr char kSoh = '\x01';

// Constant-time comparison, so a password cannot be guessed byte by byte from response times.
bool same_secret(std::string_view a, std::string_view b) noexcept {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

// Calls f(tag_text, value) for every field; stops at a field without '='.
template <class F>
void for_each_field(std::string_view message, F&& f) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    const std::size_t end = message.find(kSoh, pos);
    const std::string_view field = message.substr(pos, end == std::string_view::npos ? message.npos : end - pos);
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return;
    if (!f(field.substr(0, eq), field.substr(eq + 1))) return;
    if (end == std::string_view::npos) return;
    pos = end + 1;
  }
}

bool tag_is(std::string_view text, int tag) noexcept {
  std::array<char, 12> buf{};
  int n = 0;
  do {
    buf[static_cast<std::size_t>(n++)] = static_cast<char>('0' + tag % 10);
    tag /= 10;
  } while (tag > 0);
  if (text.size() != static_cast<std::size_t>(n)) return false;
  for (int i = 0; i < n; ++i) {
    if (text[static_cast<std::size_t>(i)] != buf[static_cast<std::size_t>(n - 1 - i)]) return false;
  }
  return true;
}

bool sending_time_ok(std::string_view value) {
  try {
    const FIX::UtcTimeStamp sent = FIX::UtcTimeStampConvertor::convert(std::string(value));
    const FIX::UtcTimeStamp now;
    const long diff = now - sent;  // seconds, as QuickFIX's isGoodTime computes it
    return diff <= kMaxLatencySeconds && -diff <= kMaxLatencySeconds;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string_view describe(LogonRefusal refusal) noexcept {
  switch (refusal) {
    case LogonRefusal::kNone: return "accepted";
    case LogonRefusal::kNotLogon: return "first message must be a Logon";
    case LogonRefusal::kBadBeginString: return "BeginString must be FIX.4.4";
    case LogonRefusal::kRepeatedTag: return "Logon repeats a header or logon field";
    case LogonRefusal::kMalformedTag: return "Logon has a tag that is not a plain number";
    case LogonRefusal::kUnknownCompId: return "unknown account or wrong password";
    case LogonRefusal::kWrongTargetCompId: return "TargetCompID is not this venue";
    case LogonRefusal::kBadMsgSeqNum: return "MsgSeqNum must be a plain positive integer";
    case LogonRefusal::kBadSendingTime: return "SendingTime missing, malformed or more than 120 s off";
    case LogonRefusal::kBadHeartBtInt: return "HeartBtInt must be a plain integer from 1 to 3600";
    case LogonRefusal::kBadResetSeqNumFlag: return "ResetSeqNumFlag must be Y or N";
    case LogonRefusal::kWrongPassword: return "unknown account or wrong password";
    case LogonRefusal::kAlreadyLoggedOn: return "account is already logged on";
  }
  return "refused";
}

std::optional<std::string_view> find_field(std::string_view message, int tag) noexcept {
  std::optional<std::string_view> found;
  for_each_field(message, [&](std::string_view t, std::string_view v) {
    if (!tag_is(t, tag)) return true;
    found = v;
    return false;
  });
  return found;
}

int count_field(std::string_view message, int tag) noexcept {
  int count = 0;
  for_each_field(message, [&](std::string_view t, std::string_view) {
    if (tag_is(t, tag)) ++count;
    return true;
  });
  return count;
}

bool is_plain_int_in(std::string_view value, std::int64_t min, std::int64_t max) noexcept {
  if (value.empty() || value.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  return v >= min && v <= max;
}

LogonVerdict check_logon(std::string_view message, std::string_view venue_comp_id,
                         std::span<const LogonAccount> accounts) {
  LogonVerdict verdict;
  const auto refuse = [&](LogonRefusal r) {
    verdict.refusal = r;
    return verdict;
  };
  if (find_field(message, 35) != std::optional<std::string_view>("A")) return refuse(LogonRefusal::kNotLogon);
  if (find_field(message, 8) != std::optional<std::string_view>("FIX.4.4")) {
    return refuse(LogonRefusal::kBadBeginString);
  }
  bool canonical = true;
  for_each_field(message, [&](std::string_view tag, std::string_view) {
    canonical = !tag.empty() && tag.size() <= 9 && tag[0] != '0' && is_plain_int_in(tag, 1, 999'999'999);
    return canonical;
  });
  if (!canonical) return refuse(LogonRefusal::kMalformedTag);
  for (const int tag : {8, 9, 35, 49, 56, 34, 52, 108, 141, 553, 554}) {
    if (count_field(message, tag) > 1) return refuse(LogonRefusal::kRepeatedTag);
  }
  // Authenticate before judging anything else: an unauthenticated client learns nothing about the
  // venue beyond "unknown account or wrong password".
  const std::string_view sender = find_field(message, 49).value_or(std::string_view{});
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (!sender.empty() && accounts[i].comp_id == sender) verdict.account = static_cast<int>(i);
  }
  if (verdict.account < 0) return refuse(LogonRefusal::kUnknownCompId);
  const LogonAccount& account = accounts[static_cast<std::size_t>(verdict.account)];
  if (!account.password.empty()) {
    const std::optional<std::string_view> password = find_field(message, 554);
    if (!password || !same_secret(*password, account.password)) return refuse(LogonRefusal::kWrongPassword);
  }
  verdict.authenticated = true;
  if (find_field(message, 56) != std::optional<std::string_view>(venue_comp_id)) {
    return refuse(LogonRefusal::kWrongTargetCompId);
  }
  if (!is_plain_int_in(find_field(message, 34).value_or(""), 1, 2'147'483'647)) {
    return refuse(LogonRefusal::kBadMsgSeqNum);
  }
  const std::optional<std::string_view> sending_time = find_field(message, 52);
  if (!sending_time || !sending_time_ok(*sending_time)) return refuse(LogonRefusal::kBadSendingTime);
  if (!is_plain_int_in(find_field(message, 108).value_or(""), 1, kMaxHeartBtInt)) {
    return refuse(LogonRefusal::kBadHeartBtInt);
  }
  if (const std::optional<std::string_view> reset = find_field(message, 141); reset && *reset != "Y" && *reset != "N") {
    return refuse(LogonRefusal::kBadResetSeqNumFlag);
  }
  return verdict;
}

std::string encode_refusal_logout(std::string_view venue_comp_id, std::string_view client_comp_id, int seq,
                                  LogonRefusal refusal) {
  std::string client;
  for (const char c : client_comp_id.substr(0, 64)) {
    if (c > ' ' && c < 0x7f && c != '=') client.push_back(c);
  }
  if (client.empty()) client = "UNKNOWN";
  FIX::Message logout;
  FIX::Header& header = logout.getHeader();
  header.setField(8, "FIX.4.4");
  header.setField(35, "5");
  header.setField(49, std::string(venue_comp_id));
  header.setField(56, client);
  header.setField(34, std::to_string(seq < 1 ? 1 : seq));
  header.setField(FIX::SendingTime(FIX::UtcTimeStamp(), 6));
  logout.setField(58, std::string(describe(refusal)));
  return logout.toString();
}

}  // namespace keel::sim::fix_net
