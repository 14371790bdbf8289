#include "syslog/Rfc5424Formatter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ncxdp {
namespace {

// 2023-11-14T22:13:20.000123Z
constexpr std::uint64_t kRecvUs = 1'700'000'000'000'123ull;

Record extended(std::string_view text) {
  Record r;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.recvTsUs = kRecvUs;
  r.format = Format::Extended;
  r.facility = 0;
  r.level = 4;
  r.seq = 42;
  r.tsUsec = 1008452;
  r.text = text;
  return r;
}

std::string format(const Record& r, std::uint32_t pen = 32473) {
  Rfc5424Formatter f(pen);
  std::string out;
  f.append(r, out);
  return out;
}

TEST(Rfc5424FormatterTest, ExtendedRecordWithEverything) {
  Record r = extended("WARNING: CPU: 0 PID: 1 at drivers/foo.c:12");
  r.release = "6.12.117+deb12-amd64";
  r.msgid = 7;
  r.caller = "T1";
  const KeyValue dict[] = {{"SUBSYSTEM", "net"}, {"DEVICE", "+pci:0000:00:03.0"}, {"rack", "b12"}};
  r.dict = dict;
  EXPECT_EQ(format(r),
            "<4>1 2023-11-14T22:13:20.000123Z 10.0.0.5 kernel - - [ncxdp@32473 src=\"10.0.0.5:6665\" "
            "format=\"extended\" seq=\"42\" msgid=\"7\" release=\"6.12.117+deb12-amd64\" ts_usec=\"1008452\" "
            "caller=\"T1\"][dict@32473 SUBSYSTEM=\"net\" DEVICE=\"+pci:0000:00:03.0\" rack=\"b12\"] "
            "WARNING: CPU: 0 PID: 1 at drivers/foo.c:12");
}

TEST(Rfc5424FormatterTest, PlainLineWithoutLevelIsKernNotice) {
  Record r;
  ASSERT_TRUE(Source::parse("[fd00::5]:6666", r.src));
  r.recvTsUs = kRecvUs;
  r.text = "plain text";
  EXPECT_EQ(format(r, 1),
            "<5>1 2023-11-14T22:13:20.000123Z fd00::5 kernel - - [ncxdp@1 src=\"[fd00::5\\]:6666\" "
            "format=\"plain\"] plain text");
}

TEST(Rfc5424FormatterTest, PriorityFromFacilityAndLevel) {
  EXPECT_EQ(Rfc5424Formatter::priority(0, 0), 0);
  EXPECT_EQ(Rfc5424Formatter::priority(0, 7), 7);
  EXPECT_EQ(Rfc5424Formatter::priority(1, 6), 14);
  EXPECT_EQ(Rfc5424Formatter::priority(23, 7), 191);
  EXPECT_EQ(Rfc5424Formatter::priority(-1, 3), 3);
  EXPECT_EQ(Rfc5424Formatter::priority(3, -1), 29);
  EXPECT_EQ(Rfc5424Formatter::priority(24, 2), 2);  // out of RFC 5424's range: kern
  Record r = extended("x");
  r.facility = 30;
  r.level = 2;
  EXPECT_NE(format(r).find("<2>1 "), std::string::npos);
  EXPECT_NE(format(r).find(" facility=\"30\""), std::string::npos);
}

TEST(Rfc5424FormatterTest, ParamValuesEscapeQuoteBackslashBracket) {
  std::string out;
  Rfc5424Formatter::appendParamValue(R"(a"b\c]d[e)", out);
  EXPECT_EQ(out, R"(a\"b\\c\]d[e)");
}

TEST(Rfc5424FormatterTest, ParamValuesHexControlAndInvalidUtf8KeepValidUtf8) {
  std::string out;
  Rfc5424Formatter::appendParamValue("tab\there\nnl\x7f \xc3\xa9 \xff\xc3 \xc2\x85", out);
  // é stays; 0xff and a cut-off lead byte are not UTF-8; U+0085 is a C1 control.
  EXPECT_EQ(out, "tab\\x09here\\x0anl\\x7f \xc3\xa9 \\xff\\xc3 \\xc2\\x85");
}

TEST(Rfc5424FormatterTest, SdNamesAreValid) {
  auto name = [](std::string_view key) {
    std::string out;
    Rfc5424Formatter::appendSdName(key, out);
    return out;
  };
  EXPECT_EQ(name("SUBSYSTEM"), "SUBSYSTEM");
  EXPECT_EQ(name("a b=c]d\"e"), "a_b_c_d_e");
  EXPECT_EQ(name(""), "_");
  EXPECT_EQ(name("\xc3\xa9t\xc3\xa9"), "__t__");
  EXPECT_EQ(name(std::string(40, 'k')), std::string(32, 'k'));
}

TEST(Rfc5424FormatterTest, DictionaryValuesAreEscaped) {
  Record r = extended("m");
  const KeyValue dict[] = {{"path", "C:\\x]\"y\""}, {"bad key", "v"}};
  r.dict = dict;
  EXPECT_NE(format(r).find(R"([dict@32473 path="C:\\x\]\"y\"" bad_key="v"] m)"), std::string::npos)
      << format(r);
}

TEST(Rfc5424FormatterTest, IncompleteContDumpAndEmptyText) {
  Record r = extended("");
  r.cont = true;
  r.dump = 2;
  r.incomplete = true;
  const ByteRange missing[] = {{0, 100}, {200, 350}};
  r.missing = missing;
  EXPECT_EQ(format(r),
            "<4>1 2023-11-14T22:13:20.000123Z 10.0.0.5 kernel - - [ncxdp@32473 src=\"10.0.0.5:6665\" "
            "format=\"extended\" seq=\"42\" ts_usec=\"1008452\" cont=\"1\" dump=\"2\" incomplete=\"1\" "
            "missing=\"0-100,200-350\"]");
}

TEST(Rfc5424FormatterTest, MessageBytesAreKeptAsSent) {
  // MSG-ANY: newlines and non-UTF-8 bytes travel as they are; framing carries the length.
  const std::string text = "line one\nline two \xff ]\"\\";
  EXPECT_TRUE(format(extended(text)).ends_with("] " + text));
}

TEST(Rfc5424FormatterTest, GapEvents) {
  Record r;
  ASSERT_TRUE(Source::parse("10.0.0.9:6665", r.src));
  r.recvTsUs = kRecvUs;
  r.kind = RecordKind::Gap;
  r.gapField = GapField::Seq;
  r.gapFrom = 3;
  r.gapTo = 5;
  EXPECT_EQ(format(r),
            "<44>1 2023-11-14T22:13:20.000123Z 10.0.0.9 ncxdp - gap [ncxdp@32473 src=\"10.0.0.9:6665\" "
            "gap=\"seq\" from=\"3\" to=\"5\" count=\"3\"] 3 messages lost (seq 3..5 never arrived)");
  r.gapField = GapField::Msgid;
  r.gapFrom = r.gapTo = 9;
  EXPECT_TRUE(format(r).ends_with("count=\"1\"] 1 message lost (msgid 9 never arrived)"));
}

TEST(Rfc5424FormatterTest, NoReceiveTimeIsNil) {
  Record r = extended("x");
  r.recvTsUs = 0;
  EXPECT_TRUE(format(r).starts_with("<4>1 - 10.0.0.5 kernel"));
}

TEST(Rfc5424FormatterTest, OctetCountedFraming) {
  std::string out;
  Rfc5424Formatter::appendOctetCounted("<4>1 - h kernel - - - hi", out);
  Rfc5424Formatter::appendOctetCounted("", out);
  Rfc5424Formatter::appendOctetCounted(std::string(1000, 'x'), out);
  EXPECT_EQ(out.substr(0, 27), "24 <4>1 - h kernel - - - hi");
  EXPECT_EQ(out.substr(27, 2), "0 ");
  EXPECT_EQ(out.substr(29, 5), "1000 ");
  EXPECT_EQ(out.size(), 29u + 5 + 1000);
}

TEST(Rfc5424FormatterTest, ReusesTheBuffer) {
  Rfc5424Formatter f(32473);
  Record r = extended("steady state");
  std::string out;
  f.append(r, out);
  const std::string first = out;
  const std::size_t cap = out.capacity();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    f.append(r, out);
  }
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.capacity(), cap);
}

}  // namespace
}  // namespace ncxdp
