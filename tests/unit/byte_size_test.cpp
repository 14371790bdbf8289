#include "util/ByteSize.h"

#include <gtest/gtest.h>

namespace ncxdp {
namespace {

TEST(ByteSizeTest, PlainNumbers) {
  EXPECT_EQ(parseByteSize("0"), 0u);
  EXPECT_EQ(parseByteSize("65536"), 65536u);
  EXPECT_EQ(parseByteSize("18446744073709551615"), 18446744073709551615ull);
}

TEST(ByteSizeTest, BinarySuffixesInEitherCase) {
  EXPECT_EQ(parseByteSize("64K"), 64u << 10);
  EXPECT_EQ(parseByteSize("64k"), 64u << 10);
  EXPECT_EQ(parseByteSize("64M"), 64u << 20);
  EXPECT_EQ(parseByteSize("1G"), 1ull << 30);
  EXPECT_EQ(parseByteSize("1g"), 1ull << 30);
  EXPECT_EQ(parseByteSize("512KiB"), 512u << 10);
  EXPECT_EQ(parseByteSize("2MB"), 2u << 20);
}

TEST(ByteSizeTest, RejectsJunk) {
  for (const char* bad : {"", "K", "-1", "1.5M", "12Q", "1T", "64 M", "64MiBs", "0x10", "1Mb", " 1"})
    EXPECT_FALSE(parseByteSize(bad).has_value()) << bad;
}

TEST(ByteSizeTest, RejectsOverflow) {
  EXPECT_FALSE(parseByteSize("18446744073709551616").has_value());
  EXPECT_FALSE(parseByteSize("17179869184G").has_value());  // 2^34 GiB = 2^64
  EXPECT_EQ(parseByteSize("17179869183G"), 17179869183ull << 30);
}

}  // namespace
}  // namespace ncxdp
