// The FIX port's input path without sockets: FixFramer (whole, checksum-verified messages out of
// any byte stream, bounded memory) and the Logon gate (check_logon and its raw field scan).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fix_framer.hpp"
#include "fix_logon_gate.hpp"
#include "raw_fix_client.hpp"

namespace keel::sim::fix_net {
namespace {

using ::keel::test::fix_message;
using ::keel::test::fix_utc_now;
using ::keel::test::FixFields;

std::vector<std::string> drain(FixFramer& f) {
  std::vector<std::string> out;
  std::string m;
  while (f.next(m) == FrameStatus::kMessage) out.push_back(m);
  return out;
}

const std::string kOrder = fix_message({{35, "D"}, {49, "BOB"}, {56, "KEELSIM"}, {34, "2"}, {11, "c1"}});

TEST(FixFramer, MessageSplitAtEveryByteComesOutWhole) {
  for (std::size_t cut = 0; cut <= kOrder.size(); ++cut) {
    FixFramer f(1024);
    f.append(std::string_view(kOrder).substr(0, cut));
    auto first = drain(f);
    f.append(std::string_view(kOrder).substr(cut));
    auto second = drain(f);
    first.insert(first.end(), second.begin(), second.end());
    ASSERT_EQ(first.size(), 1u) << "cut at " << cut;
    EXPECT_EQ(first[0], kOrder);
    EXPECT_EQ(f.buffered(), 0u);
    EXPECT_EQ(f.counters().garbage_bytes, 0u);
  }
}

TEST(FixFramer, GarbageIsSkippedAndCounted) {
  FixFramer f(1024);
  f.append("junk junk" + kOrder + "xx8");
  const auto out = drain(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], kOrder);
  EXPECT_EQ(f.counters().garbage_bytes, 11u);  // "junk junk" + "xx"; the last '8' may start a message
  EXPECT_EQ(f.buffered(), 1u);
}

TEST(FixFramer, EndlessGarbageIsNeverBuffered) {
  FixFramer f(1024);
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 16; ++i) {
    f.append(chunk);
    EXPECT_TRUE(drain(f).empty());
    EXPECT_EQ(f.buffered(), 0u);
  }
  EXPECT_EQ(f.counters().garbage_bytes, 16u * chunk.size());
}

TEST(FixFramer, BadChecksumLengthOrTrailerDropsTheMessageAndResyncs) {
  std::string bad_sum = kOrder;
  bad_sum[bad_sum.size() - 2] = bad_sum[bad_sum.size() - 2] == '0' ? '1' : '0';
  std::string short_length = kOrder;
  short_length.replace(short_length.find("9=") + 2, 2, "10");
  const std::vector<std::string> broken = {
      bad_sum, short_length, "8=FIX.4.4\x01" "9=abc\x01", "8=FIX.4.4\x01" "9=\x01",
      "8=FIX.4.4\x01" "9=99999999\x01", "8=" + std::string(40, 'F') + "\x01"};
  for (const std::string& b : broken) {
    FixFramer f(1024);
    f.append(b + kOrder);
    const auto out = drain(f);
    ASSERT_EQ(out.size(), 1u) << b;
    EXPECT_EQ(out[0], kOrder);
    EXPECT_EQ(f.counters().garbled_messages, 1u) << b;
  }
}

// Nested headers whose BodyLengths all end at one well-formed trailer with a wrong checksum: the
// frame is dropped whole, so the inner headers are never checksummed one by one (quadratic work).
TEST(FixFramer, WrongChecksumDropsTheWholeFrameNotOneByte) {
  std::string inner;
  for (int i = 0; i < 200; ++i) inner += "8=FIX.4.4\x01" "9=1\x01";
  const std::string head = "8=FIX.4.4\x01" "9=" + std::to_string(inner.size() + 1) + "\x01";
  std::string frame = head + inner + "\x01" "10=000\x01";
  if (fix_checksum(std::string_view(frame).substr(0, frame.size() - 7)) == 0) frame[frame.size() - 2] = '1';
  FixFramer f(1 << 20);
  f.append(frame + kOrder);
  const auto out = drain(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], kOrder);
  EXPECT_EQ(f.counters().garbled_messages, 1u);
}

TEST(FixFramer, OversizeBodyLengthIsNotWaitedFor) {
  FixFramer f(100);
  f.append("8=FIX.4.4\x01" "9=101\x01" + std::string(50, 'a'));
  EXPECT_TRUE(drain(f).empty());
  EXPECT_EQ(f.counters().oversize_messages, 1u);
  EXPECT_LE(f.buffered(), 1u);
}

TEST(LogonGate, FieldScanAndPlainIntegers) {
  const std::string m = fix_message({{35, "A"}, {49, "BOB"}, {108, "30"}, {108, "31"}});
  EXPECT_EQ(find_field(m, 108), std::optional<std::string_view>("30"));
  EXPECT_EQ(find_field(m, 10).has_value(), true);
  EXPECT_FALSE(find_field(m, 554).has_value());
  EXPECT_FALSE(find_field(m, 8 * 10 + 0).has_value());  // "80" is not "8"
  EXPECT_EQ(count_field(m, 108), 2);
  EXPECT_TRUE(is_plain_int_in("30", 1, 3600));
  for (const char* bad : {"", " 30", "+30", "30.5", "1e3", "0", "-1", "3601", "99999999999999999999"})
    EXPECT_FALSE(is_plain_int_in(bad, 1, 3600)) << bad;
}

TEST(LogonGate, EveryRefusalReason) {
  const LogonAccount accounts[] = {{"ALICE", "secret"}, {"BOB", ""}};
  const auto logon = [](const std::string& sender, const FixFields& extra, const std::string& type = "A") {
    FixFields f = {{35, type}, {49, sender}, {56, "KEELSIM"}, {34, "1"}, {52, fix_utc_now()}};
    f.insert(f.end(), extra.begin(), extra.end());
    return fix_message(f);
  };
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30"}}), "KEELSIM", accounts).refusal, LogonRefusal::kNone);
  EXPECT_EQ(check_logon(logon("ALICE", {{108, "30"}, {554, "secret"}}), "KEELSIM", accounts).refusal,
            LogonRefusal::kNone);
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30"}}, "D"), "KEELSIM", accounts).refusal, LogonRefusal::kNotLogon);
  EXPECT_EQ(check_logon(logon("EVE", {{108, "30"}}), "KEELSIM", accounts).refusal, LogonRefusal::kUnknownCompId);
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30"}}), "OTHER", accounts).refusal, LogonRefusal::kWrongTargetCompId);
  EXPECT_EQ(check_logon(logon("ALICE", {{108, "30"}, {554, "secreT"}}), "KEELSIM", accounts).refusal,
            LogonRefusal::kWrongPassword);
  EXPECT_EQ(check_logon(logon("ALICE", {{108, "30"}}), "KEELSIM", accounts).refusal, LogonRefusal::kWrongPassword);
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30.5"}}), "KEELSIM", accounts).refusal, LogonRefusal::kBadHeartBtInt);
  EXPECT_EQ(check_logon(logon("BOB", {}), "KEELSIM", accounts).refusal, LogonRefusal::kBadHeartBtInt);
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30"}, {141, "y"}}), "KEELSIM", accounts).refusal,
            LogonRefusal::kBadResetSeqNumFlag);
  EXPECT_EQ(check_logon(logon("BOB", {{108, "30"}, {108, "30"}}), "KEELSIM", accounts).refusal,
            LogonRefusal::kRepeatedTag);
  const std::string stale = fix_message({{35, "A"}, {49, "BOB"}, {56, "KEELSIM"}, {34, "1"},
                                         {52, "20200101-00:00:00"}, {108, "30"}});
  EXPECT_EQ(check_logon(stale, "KEELSIM", accounts).refusal, LogonRefusal::kBadSendingTime);
  const std::string bad_seq = fix_message({{35, "A"}, {49, "BOB"}, {56, "KEELSIM"}, {34, "-1"},
                                           {52, fix_utc_now()}, {108, "30"}});
  EXPECT_EQ(check_logon(bad_seq, "KEELSIM", accounts).refusal, LogonRefusal::kBadMsgSeqNum);
  EXPECT_EQ(check_logon(fix_message({{35, "A"}, {49, "BOB"}, {56, "KEELSIM"}, {34, "1"}, {52, fix_utc_now()},
                                     {108, "30"}, {141, "N"}, {10141, "x"}}),
                        "KEELSIM", accounts).refusal,
            LogonRefusal::kNone);
  // QuickFIX reads "0108" as tag 108: a tag with a leading zero would slip past the gate's checks.
  const std::string zero = "8=FIX.4.4\x01" "9=5\x01" "35=A\x01" "49=BOB\x01" "0108=abc\x01";
  EXPECT_EQ(check_logon(zero, "KEELSIM", accounts).refusal, LogonRefusal::kMalformedTag);
  // Unknown accounts and wrong passwords read the same, and only an authenticated client is told more.
  EXPECT_EQ(describe(LogonRefusal::kUnknownCompId), describe(LogonRefusal::kWrongPassword));
  EXPECT_FALSE(check_logon(logon("ALICE", {{108, "30"}}), "KEELSIM", accounts).authenticated);
  EXPECT_TRUE(check_logon(logon("BOB", {{108, "x"}}), "KEELSIM", accounts).authenticated);
  EXPECT_FALSE(check_logon(logon("ALICE", {{108, "30"}, {554, "secret"}}), "OTHER", accounts).refusal ==
               LogonRefusal::kNone);
  std::string fix42 = logon("BOB", {{108, "30"}});
  fix42.replace(2, 7, "FIX.4.2");
  EXPECT_EQ(check_logon(fix42, "KEELSIM", accounts).refusal, LogonRefusal::kBadBeginString);
}

TEST(LogonGate, RefusalLogoutIsAWellFormedMessage) {
  const std::string logout = encode_refusal_logout("KEELSIM", "B\x01" "OB=", 7, LogonRefusal::kWrongPassword);
  FixFramer f(1024);
  f.append(logout);
  const auto out = drain(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(find_field(out[0], 35), std::optional<std::string_view>("5"));
  EXPECT_EQ(find_field(out[0], 56), std::optional<std::string_view>("BOB"));
  EXPECT_EQ(find_field(out[0], 34), std::optional<std::string_view>("7"));
  EXPECT_EQ(find_field(out[0], 58), std::optional<std::string_view>("unknown account or wrong password"));
}

}  // namespace
}  // namespace keel::sim::fix_net
