#include "decode/JsonRecordParser.h"

#include <gtest/gtest.h>

#include "decode/Rfc3339.h"

#include <string>
#include <vector>

#include "decode/Record.h"
#include "decode/Source.h"
#include "sink/JsonWriter.h"

namespace ncxdp {
namespace {

std::string jsonOf(const Record& r) {
  JsonWriter w;
  std::string out;
  w.append(r, out);
  return out;
}

// Parse, then write again: the same line must come out.
void expectRoundTrip(const std::string& line) {
  JsonRecordParser p;
  Record r;
  std::string error;
  ASSERT_TRUE(p.parse(line, r, error)) << error << "\n" << line;
  EXPECT_EQ(jsonOf(r), line);
}

Record baseRecord() {
  Record r;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.recvTsUs = 1795871894ull * 1'000'000 + 123456;  // 2026-11-28T13:18:14.123456Z
  return r;
}

TEST(JsonRecordParserTest, DocumentedExamplesRoundTrip) {
  // The examples of docs/record-format.md, byte for byte.
  const std::vector<std::string> lines = {
      R"({"recv_ts":"2026-11-28T13:18:14.123456Z","src":"10.0.0.5:6665","format":"plain","release":null,"facility":null,"level":null,"seq":null,"ts_usec":12345678,"cont":false,"caller":null,"msgid":null,"text":"netconsole: network logging started","dict":[],"incomplete":false})",
      R"({"recv_ts":"2026-11-28T13:18:14.125556Z","src":"10.0.0.5:6665","format":"extended","release":null,"facility":0,"level":6,"seq":339,"ts_usec":5140900,"cont":false,"caller":null,"msgid":null,"text":"e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex","dict":[["SUBSYSTEM","pci"],["DEVICE","+pci:0000:00:19.0"]],"incomplete":false})",
      R"({"recv_ts":"2026-11-28T13:18:14.128456Z","src":"[fd00::5]:6665","format":"extended","release":"6.18.0","facility":1,"level":5,"seq":1822,"ts_usec":115075213798,"cont":false,"caller":"T4242","msgid":1,"text":"netconsole selftest: netcons_gtJHM","dict":[["key","value"],["cpu","3"],["taskname","echo"],["release","6.18.0"],["msgid","1"]],"incomplete":false})",
      R"({"recv_ts":"2026-11-28T13:18:16.123456Z","src":"10.0.0.6:6665","format":"extended","release":null,"facility":0,"level":6,"seq":5,"ts_usec":1000000,"cont":false,"caller":null,"msgid":null,"text":"AAAAAAAAAAAA","dict":[],"incomplete":true,"missing":[[972,1501]]})",
      R"({"recv_ts":"2026-11-28T13:18:14.133456Z","src":"10.0.0.7:6665","format":"extended","release":null,"facility":0,"level":4,"seq":77,"ts_usec":1000,"cont":false,"caller":null,"msgid":null,"text":"caf\ufffd \u001b[31mred\n","text_hex":"636166e9201b5b33316d7265640a","dict":[["blob","v\ufffd","76fe"]],"incomplete":false})",
      R"({"recv_ts":"2026-11-28T13:18:14.132456Z","event":"gap","src":"10.0.0.5:6665","field":"seq","from":340,"to":343,"count":4})",
      R"({"recv_ts":"2026-11-28T13:18:14.132456Z","event":"gap","src":"[fd00::5]:6665","field":"msgid","from":4294967294,"to":1,"count":4})",
  };
  for (const std::string& l : lines) expectRoundTrip(l + "\n");
}

TEST(JsonRecordParserTest, RestoresExactBytes) {
  Record r = baseRecord();
  r.format = Format::Extended;
  r.seq = 7;
  const std::string text = "bad \xe9 byte\x01\x7f \xe2\x80\xae rtl";  // invalid UTF-8, controls, bidi
  r.text = text;
  const KeyValue dict[] = {{"k", std::string_view("\xfe\xff", 2)}, {"plain", "v"}};
  r.dict = dict;
  const std::string line = jsonOf(r);
  JsonRecordParser p;
  Record back;
  std::string error;
  ASSERT_TRUE(p.parse(line, back, error)) << error;
  EXPECT_EQ(back.text, r.text);
  ASSERT_EQ(back.dict.size(), 2u);
  EXPECT_EQ(back.dict[0].key, "k");
  EXPECT_EQ(back.dict[0].value, std::string_view("\xfe\xff", 2));
  EXPECT_EQ(back.dict[1].value, "v");
  EXPECT_EQ(back.src, r.src);
  EXPECT_EQ(back.recvTsUs, r.recvTsUs);
  EXPECT_EQ(back.seq, r.seq);
  EXPECT_EQ(jsonOf(back), line);
}

// ncxdp_tx crash-dump records carry "dump"; reading them back must keep it.
TEST(JsonRecordParserTest, CrashDumpRecordsKeepTheirDumpNumber) {
  Record r = baseRecord();
  r.format = Format::Extended;
  r.level = 0;
  r.seq = 7;
  r.text = "Kernel panic - not syncing: sysrq triggered crash";
  r.dump = 2;
  const std::string line = jsonOf(r);
  ASSERT_NE(line.find("\"dump\":2"), std::string::npos) << line;
  expectRoundTrip(line);
  JsonRecordParser p;
  Record back;
  std::string error;
  ASSERT_TRUE(p.parse(line, back, error)) << error;
  EXPECT_EQ(back.dump, 2u);
}

TEST(JsonRecordParserTest, ViewsStayValidUntilTheNextParse) {
  // Many dictionary entries force the parser's storage to grow; every view must still be right.
  Record r = baseRecord();
  std::vector<std::string> store;
  for (int i = 0; i < 100; ++i) store.push_back("value-" + std::to_string(i) + std::string(i, 'x'));
  std::vector<KeyValue> dict;
  for (int i = 0; i < 100; ++i) dict.push_back({"key", store[i]});
  r.dict = dict;
  JsonRecordParser p;
  Record small = baseRecord();
  Record back;
  std::string error;
  ASSERT_TRUE(p.parse(jsonOf(small), back, error));
  ASSERT_TRUE(p.parse(jsonOf(r), back, error));
  ASSERT_EQ(back.dict.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(back.dict[i].value, store[i]);
}

TEST(JsonRecordParserTest, RejectsWhatIsNotARecord) {
  JsonRecordParser p;
  Record r;
  std::string error;
  EXPECT_FALSE(p.parse("not json", r, error));
  EXPECT_EQ(error, "not a JSON object");
  EXPECT_FALSE(p.parse("[1,2]", r, error));
  EXPECT_FALSE(p.parse(R"({"src":"10.0.0.5:6665"})", r, error));
  EXPECT_EQ(error, "missing or bad recv_ts");
  EXPECT_FALSE(p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"nowhere"})", r, error));
  EXPECT_EQ(error, "missing or bad src");
  EXPECT_FALSE(p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","format":"x"})", r, error));
  EXPECT_EQ(error, "unknown format");
  EXPECT_FALSE(p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","format":"plain"})", r, error));
  EXPECT_EQ(error, "missing text");
  EXPECT_FALSE(
      p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","format":"plain","text":"","seq":-1})",
              r, error));
  EXPECT_EQ(error, "bad seq, ts_usec or msgid");
  EXPECT_FALSE(p.parse(
      R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","format":"plain","text":"","text_hex":"zz"})", r,
      error));
  EXPECT_EQ(error, "bad text_hex");
  EXPECT_FALSE(p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","event":"boom"})", r, error));
  EXPECT_EQ(error, "unknown event");
  EXPECT_FALSE(p.parse(R"({"recv_ts":"2026-11-28T13:18:14Z","src":"1.2.3.4:5","event":"gap","field":"seq"})",
                       r, error));
  EXPECT_EQ(error, "gap without from/to");
}

TEST(JsonRecordParserTest, Rfc3339) {
  EXPECT_EQ(parseRfc3339Us("1970-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(parseRfc3339Us("2026-11-28T13:18:14.123456Z"), 1795871894ull * 1'000'000 + 123456);
  EXPECT_EQ(parseRfc3339Us("2000-02-29T23:59:59.5Z"), 951868799ull * 1'000'000 + 500000);
  const auto cut = parseRfc3339Us("2026-11-28T13:18:14.1234569Z");  // beyond micros: cut
  ASSERT_TRUE(cut);
  EXPECT_EQ(*cut % 1'000'000, 123456u);
  // RFC 3339 allows a space for the T; anything else between date and time is refused.
  EXPECT_EQ(parseRfc3339Us("2026-11-28 13:18:14Z"), 1795871894ull * 1'000'000);
  EXPECT_FALSE(parseRfc3339Us("2026-11-28_13:18:14Z"));
  // An offset is read as what it means: ncxdp writes UTC, but a file edited elsewhere may not.
  EXPECT_EQ(parseRfc3339Us("2026-11-28T14:18:14+01:00"), 1795871894ull * 1'000'000);
  EXPECT_FALSE(parseRfc3339Us("2026-13-28T13:18:14Z"));
  EXPECT_FALSE(parseRfc3339Us("2026-11-28T13:18:14"));
}

}  // namespace
}  // namespace ncxdp
