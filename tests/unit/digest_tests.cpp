#include <gtest/gtest.h>

#include "keel/core/primitives/digest.hpp"

using namespace keel;

TEST(RunDigest, IsFnv1a64OverLittleEndianBytes) {
  RunDigest empty;
  EXPECT_EQ(empty.value(), 0xCBF29CE484222325ull);
  RunDigest a;
  a.add_bytes("a", 1);
  EXPECT_EQ(a.value(), 0xaf63dc4c8601ec8cull);  // FNV-1a 64 of "a"
  RunDigest u;
  u.add_u64(1);
  RunDigest bytes;
  const unsigned char le[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  bytes.add_bytes(le, 8);
  EXPECT_EQ(u.value(), bytes.value());
}

TEST(RunDigest, OrderAndFramingMatter) {
  RunDigest x, y, s1, s2;
  x.add_u64(1);
  x.add_u64(2);
  y.add_u64(2);
  y.add_u64(1);
  EXPECT_NE(x.value(), y.value());
  s1.add_string("ab");
  s1.add_string("c");
  s2.add_string("a");
  s2.add_string("bc");
  EXPECT_NE(s1.value(), s2.value());
  RunDigest d1, d2;
  d1.add_double(0.0);
  d2.add_double(-0.0);
  EXPECT_NE(d1.value(), d2.value());
}

TEST(RunDigest, HexRoundTrip) {
  EXPECT_EQ(digest_hex(0x00ab), "00000000000000ab");
  std::uint64_t v = 0;
  EXPECT_TRUE(parse_digest_hex("b324a7164b2b699c", v));
  EXPECT_EQ(v, 0xb324a7164b2b699cull);
  EXPECT_TRUE(parse_digest_hex("0xAB", v));
  EXPECT_EQ(v, 0xabull);
  EXPECT_FALSE(parse_digest_hex("", v));
  EXPECT_FALSE(parse_digest_hex("xyz", v));
  EXPECT_FALSE(parse_digest_hex("11112222333344445", v));
}
