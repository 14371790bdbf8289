#include "decode/PlainLine.h"

#include <gtest/gtest.h>

namespace ncxdp {
namespace {

TEST(PlainLineTest, AllPrefixes) {
  PlainLine p = parsePlainLine("<14>[   12.345678][  T123] text here");
  EXPECT_EQ(p.facility, 1);
  EXPECT_EQ(p.level, 6);
  EXPECT_EQ(p.tsUsec, 12345678u);
  EXPECT_EQ(p.caller, "T123");
  EXPECT_EQ(p.text, "text here");
}

TEST(PlainLineTest, LongUptimeAndCpuCaller) {
  PlainLine p = parsePlainLine("[1234567.000001][    C3] x");
  EXPECT_EQ(p.tsUsec, 1234567000001u);
  EXPECT_EQ(p.caller, "C3");
  EXPECT_EQ(p.text, "x");
}

TEST(PlainLineTest, OnlyOneSpaceRemoved) {
  PlainLine p = parsePlainLine("[    1.000000]   indented");
  EXPECT_EQ(p.text, "  indented");
}

TEST(PlainLineTest, NotPrefixesStayText) {
  for (const char* s :
       {"[abc] x", "[ 1.12345] five micro digits", "<x>y", "<6", "[   1.000000", "[T12 x", ""}) {
    PlainLine p = parsePlainLine(s);
    EXPECT_EQ(p.text, s) << s;
    EXPECT_FALSE(p.tsUsec) << s;
    EXPECT_EQ(p.caller, "") << s;
  }
}

TEST(PlainLineTest, PriorityWithoutTimeKeepsLeadingSpace) {
  PlainLine p = parsePlainLine("<3> spaced");
  EXPECT_EQ(p.level, 3);
  EXPECT_EQ(p.text, " spaced");
}

TEST(PlainLineTest, DroppedNotice) {
  EXPECT_EQ(parseDroppedNotice("** 5 printk messages dropped **"), 5u);
  EXPECT_EQ(parseDroppedNotice("** printk messages dropped **"), 0u);
  EXPECT_EQ(parseDroppedNotice("** x printk messages dropped **"), 0u);
  EXPECT_EQ(parseDroppedNotice("hello"), 0u);
}

}  // namespace
}  // namespace ncxdp
