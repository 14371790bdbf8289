#include "decode/ExtendedHeader.h"

#include <gtest/gtest.h>

namespace ncxdp {
namespace {

TEST(ExtendedHeaderTest, Minimal) {
  ExtendedHeader h;
  std::size_t body = 0;
  ASSERT_EQ(parseExtendedHeader("6,1234,12345678,-;text\n", h, body), HeaderParse::Ok);
  EXPECT_EQ(h.prio, 6u);
  EXPECT_EQ(h.seq, 1234u);
  EXPECT_EQ(h.tsUsec, 12345678u);
  EXPECT_FALSE(h.cont);
  EXPECT_FALSE(h.release);
  EXPECT_FALSE(h.fragmented);
  EXPECT_EQ(body, 18u);
}

TEST(ExtendedHeaderTest, ReleaseCallerFragment) {
  ExtendedHeader h;
  std::size_t body = 0;
  std::string_view p = "6.12.117+deb12-amd64,6,5,1000000,-,caller=T42,ncfrag=965/1528;AAA";
  ASSERT_EQ(parseExtendedHeader(p, h, body), HeaderParse::Ok);
  EXPECT_EQ(*h.release, "6.12.117+deb12-amd64");
  EXPECT_EQ(h.caller, "T42");
  EXPECT_TRUE(h.fragmented);
  EXPECT_EQ(h.fragOffset, 965u);
  EXPECT_EQ(h.fragTotal, 1528u);
  EXPECT_EQ(p.substr(body), "AAA");
  // The fragment key is the header without the ncfrag field.
  EXPECT_EQ(std::string(h.keyHead) + std::string(h.keyTail), "6.12.117+deb12-amd64,6,5,1000000,-,caller=T42");
}

TEST(ExtendedHeaderTest, NcfragInTheMiddleIsCutOutOfKey) {
  ExtendedHeader h;
  std::size_t body = 0;
  ASSERT_EQ(parseExtendedHeader("6,5,1,-,ncfrag=0/10,x=y;abc", h, body), HeaderParse::Ok);
  EXPECT_EQ(std::string(h.keyHead) + std::string(h.keyTail), "6,5,1,-,x=y");
}

TEST(ExtendedHeaderTest, DumpMarkerFromNcxdpTx) {
  ExtendedHeader h;
  std::size_t body = 0;
  ASSERT_EQ(parseExtendedHeader("6.1.0-56-amd64,4,17,5140900,-,ncxdp_dump=2;x\n", h, body), HeaderParse::Ok);
  EXPECT_EQ(h.dump, 2u);
  EXPECT_EQ(h.seq, 17u);
  EXPECT_FALSE(h.fragmented);
  // Fragments of a dumped message: the marker stays in the key, so a live message with the same
  // seq and a second dump of it are reassembled apart.
  ASSERT_EQ(parseExtendedHeader("6,17,5140900,-,caller=T1,ncxdp_dump=1,ncfrag=972/1501;AA", h, body),
            HeaderParse::Ok);
  EXPECT_EQ(h.dump, 1u);
  EXPECT_EQ(h.caller, "T1");
  EXPECT_EQ(h.fragOffset, 972u);
  EXPECT_EQ(std::string(h.keyHead) + std::string(h.keyTail), "6,17,5140900,-,caller=T1,ncxdp_dump=1");
  // Live messages, and a marker that is not a number (an unknown field, ignored), are not dumps.
  ASSERT_EQ(parseExtendedHeader("6,17,5140900,-;x", h, body), HeaderParse::Ok);
  EXPECT_EQ(h.dump, 0u);
  ASSERT_EQ(parseExtendedHeader("6,17,5140900,-,ncxdp_dump=yes;x", h, body), HeaderParse::Ok);
  EXPECT_EQ(h.dump, 0u);
}

TEST(ExtendedHeaderTest, Rejects) {
  ExtendedHeader h;
  std::size_t body = 0;
  for (const char* s : {"plain text\n", "6,1,2;x", "6,1,2,x;y", "a,b,c,-;x", "6,1,2,-", "[ 1.0] 6,1,2,-;x",
                        "6,1,2,--;x", "rel,6,1,2,x;y", "6,1,2,-,ncfrag=3/3;x", "6,1,2,-,ncfrag=0/0;x",
                        "6,1,2,-,ncfrag=1;x", "6\n,1,2,-;x", "123,6,1,2,-;numeric release", "-1,2,3,-;x"}) {
    EXPECT_NE(parseExtendedHeader(s, h, body), HeaderParse::Ok) << s;
  }
}

TEST(ExtendedHeaderTest, SemicolonBeyondWindowIsNotAHeader) {
  ExtendedHeader h;
  std::size_t body = 0;
  std::string s = "6,1,2,-," + std::string(kMaxExtendedHeader, 'x') + ";t";
  EXPECT_NE(parseExtendedHeader(s, h, body), HeaderParse::Ok);
}

}  // namespace
}  // namespace ncxdp
