#include "sink/JsonWriter.h"

#include <gtest/gtest.h>
#include <time.h>

#include <array>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "decode/Record.h"
#include "decode/Source.h"
#include "sink/UtcTimestamp.h"
#include "sink/Utf8.h"

namespace ncxdp {
namespace {

using nlohmann::json;

// 2026-11-28T13:18:14.123456Z
constexpr std::uint64_t kRecvUs = 1795871894ull * 1'000'000 + 123456;

Source v4Source() {
  Source s;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", s));
  return s;
}

std::string jsonOf(const Record& r) {
  JsonWriter w;
  std::string out;
  w.append(r, out);
  return out;
}

std::string jsonString(std::string_view s) {
  std::string out;
  JsonWriter::appendString(s, out);
  return out;
}

// --- UTF-8 validation -------------------------------------------------------------------------

struct Utf8Case {
  const char* name;
  std::string bytes;
  bool valid;
};

const std::vector<Utf8Case>& utf8Cases() {
  static const std::vector<Utf8Case> cases = {
      {"empty", "", true},
      {"ascii", "hello world", true},
      {"nul", std::string("a\0b", 3), true},
      {"two byte", "caf\xc3\xa9", true},
      {"three byte", "\xe2\x82\xac", true},
      {"four byte", "\xf0\x9f\x98\x80", true},
      {"U+D7FF", "\xed\x9f\xbf", true},
      {"U+E000", "\xee\x80\x80", true},
      {"U+FFFF", "\xef\xbf\xbf", true},
      {"U+10000", "\xf0\x90\x80\x80", true},
      {"U+10FFFF", "\xf4\x8f\xbf\xbf", true},
      {"long ascii then emoji", std::string(37, 'x') + "\xf0\x9f\x98\x80", true},
      {"lone continuation", "\x80", false},
      {"overlong C0", "\xc0\x80", false},
      {"overlong C1", "\xc1\xbf", false},
      {"overlong E0", "\xe0\x80\x80", false},
      {"overlong E0 9F", "\xe0\x9f\xbf", false},
      {"overlong F0", "\xf0\x8f\xbf\xbf", false},
      {"surrogate low", "\xed\xa0\x80", false},
      {"surrogate high", "\xed\xbf\xbf", false},
      {"above U+10FFFF", "\xf4\x90\x80\x80", false},
      {"F5", "\xf5\x80\x80\x80", false},
      {"FF", "\xff", false},
      {"FE", "\xfe", false},
      {"truncated 2", "\xc3", false},
      {"truncated 3", "\xe2\x82", false},
      {"truncated 4", "\xf0\x9f\x98", false},
      {"truncated then ascii",
       "\xe2\x82"
       "A",
       false},
      {"invalid after 8 ascii", std::string(8, 'a') + "\x80", false},
      {"invalid at byte 15", std::string(15, 'a') + "\xff" + std::string(9, 'b'), false},
      {"invalid at byte 16", std::string(16, 'a') + "\xc0\xaf", false},
  };
  return cases;
}

TEST(JsonUtf8Test, ValidatorTable) {
  for (const Utf8Case& c : utf8Cases()) EXPECT_EQ(isValidUtf8(c.bytes), c.valid) << c.name;
}

TEST(JsonUtf8Test, DecodeConsumesMaximalSubparts) {
  struct Case {
    std::string bytes;
    std::uint8_t length;
    bool valid;
    std::uint32_t cp;
  };
  const std::vector<Case> cases = {
      {"A", 1, true, 0x41},
      {"\xc3\xa9", 2, true, 0xe9},
      {"\xf4\x8f\xbf\xbf", 4, true, 0x10ffff},
      {"\xe0\x80\x80", 1, false, 0},  // E0 then 80 is not allowed: E0 alone is the subpart
      {"\xe2\x82", 2, false, 0},      // truncated: lead plus the valid continuation
      {"\xf0\x9f\x98"
       "A",
       3, false, 0},  // cut short by a non-continuation
      {"\xed\xa0\x80", 1, false, 0},
      {"\xf4\x90", 1, false, 0},
      {"\x80", 1, false, 0},
      {"\xc1\x81", 1, false, 0},
  };
  for (const Case& c : cases) {
    const Utf8Char u = decodeUtf8(reinterpret_cast<const unsigned char*>(c.bytes.data()), c.bytes.size());
    EXPECT_EQ(u.length, c.length) << c.bytes;
    EXPECT_EQ(u.valid, c.valid) << c.bytes;
    if (c.valid) EXPECT_EQ(u.codePoint, c.cp) << c.bytes;
  }
}

// nlohmann::json refuses to dump invalid UTF-8: an independent oracle for the validator.
TEST(JsonUtf8Test, ValidatorAgreesWithNlohmannOnRandomBytes) {
  std::mt19937 rng(12345);
  // Mostly high bytes and continuation bytes, so that valid multi-byte sequences appear too.
  const std::array<unsigned char, 16> alphabet = {'a',  0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2,
                                                  0xc0, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5};
  int valid = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s(rng() % 12, '\0');
    for (char& ch : s) ch = static_cast<char>(alphabet[rng() % alphabet.size()]);
    bool oracle = true;
    try {
      (void)json(s).dump();
    } catch (const json::type_error&) {
      oracle = false;
    }
    std::string hex;
    JsonWriter::appendHex(s, hex);
    ASSERT_EQ(isValidUtf8(s), oracle) << hex;
    valid += oracle;
  }
  EXPECT_GT(valid, 100);  // the generator really produced both kinds
}

// --- string escaping ------------------------------------------------------------------------

TEST(JsonWriterTest, EscapeTable) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"", R"("")"},
      {"plain text", R"("plain text")"},
      {"a\"b\\c/d", R"("a\"b\\c/d")"},
      {"\n\t\r\b\f", R"("\n\t\r\b\f")"},
      {std::string("\0", 1), R"("\u0000")"},
      {"\x01\x1b[2J\x1f", R"("\u0001\u001b[2J\u001f")"},
      {"\x7f", R"("\u007f")"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"\xc2\x80\xc2\x9b\xc2\x9f\xc2\xa0", "\"\\u0080\\u009b\\u009f\xc2\xa0\""},  // C1 escaped, NBSP kept
      {"\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9", R"("\u202a\u202e\u2066\u2069")"},
      {"\xe2\x80\xa8\xe2\x80\xa9", R"("\u2028\u2029")"},
      {"\xff", R"("\ufffd")"},
      {"a\x80"
       "b",
       R"("a\ufffdb")"},
      {"\xc0\x80", R"("\ufffd\ufffd")"},
      {"\xe0\x80\x80", R"("\ufffd\ufffd\ufffd")"},
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
      {"\xe2\x82", R"("\ufffd")"},
      {"\xe2\x82"
       "A",
       R"("\ufffdA")"},
      {"x\xf0\x9f\x98", R"("x\ufffd")"},
      {"\xf0\x9f\x98\xf0\x9f\x98\x80", "\"\\ufffd\xf0\x9f\x98\x80\""},
  };
  for (const Case& c : cases) EXPECT_EQ(jsonString(c.in), c.out) << c.in;
}

TEST(JsonWriterTest, EscapedStringsParseBackToTheInput) {
  for (const Utf8Case& c : utf8Cases()) {
    std::string q;
    EXPECT_EQ(JsonWriter::appendString(c.bytes, q), c.valid) << c.name;
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(q)) << c.name;
    if (c.valid) EXPECT_EQ(parsed.get<std::string>(), c.bytes) << c.name;
    for (unsigned char ch : q) EXPECT_GE(ch, 0x20) << c.name;
  }
}

TEST(JsonWriterTest, RandomBytesAlwaysGiveParseableJson) {
  std::mt19937 rng(777);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s(rng() % 40, '\0');
    for (char& ch : s) ch = static_cast<char>(rng());
    const std::string q = jsonString(s);
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(q));
    if (isValidUtf8(s)) EXPECT_EQ(parsed.get<std::string>(), s);
    for (unsigned char ch : q) ASSERT_GE(ch, 0x20);
  }
}

TEST(JsonWriterTest, HexIsLowercase) {
  std::string out;
  JsonWriter::appendHex(std::string("\x00\xab\xff\x10", 4), out);
  EXPECT_EQ(out, "00abff10");
}

// --- timestamps ------------------------------------------------------------------------------

TEST(JsonWriterTest, Rfc3339Timestamps) {
  UtcTimestamp ts;
  auto fmt = [&](std::uint64_t us) {
    std::string out;
    ts.appendRfc3339(us, out);
    return out;
  };
  EXPECT_EQ(fmt(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(fmt(kRecvUs), "2026-11-28T13:18:14.123456Z");
  EXPECT_EQ(fmt(kRecvUs + 1), "2026-11-28T13:18:14.123457Z");  // same cached second
  EXPECT_EQ(fmt(1709251199ull * 1'000'000 + 999999), "2024-02-29T23:59:59.999999Z");
  EXPECT_EQ(fmt(1709251200ull * 1'000'000), "2024-03-01T00:00:00.000000Z");
  EXPECT_EQ(fmt(kRecvUs), "2026-11-28T13:18:14.123456Z");  // back again after the cache moved
  EXPECT_EQ(fmt(253402300799ull * 1'000'000), "9999-12-31T23:59:59.000000Z");
  EXPECT_EQ(fmt(253402300800ull * 1'000'000), "10000-01-01T00:00:00.000000Z");
}

TEST(JsonWriterTest, TimestampsAgreeWithGmtime) {
  UtcTimestamp ts;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t sec = rng() % 8'000'000'000ull;  // up to year ~2223
    const std::uint64_t us = sec * 1'000'000 + rng() % 1'000'000;
    const time_t t = static_cast<time_t>(sec);
    struct tm tm;
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expect[64];
    std::snprintf(expect, sizeof expect, "%04d-%02d-%02dT%02d:%02d:%02d.%06lluZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<unsigned long long>(us % 1'000'000));
    std::string out;
    ts.appendRfc3339(us, out);
    ASSERT_EQ(out, expect);
  }
}

// --- whole records ---------------------------------------------------------------------------

TEST(JsonWriterTest, PlainRecordExact) {
  Record r;
  r.src = v4Source();
  r.recvTsUs = kRecvUs;
  r.format = Format::Plain;
  r.tsUsec = 12345678;
  r.text = "netconsole: network logging started";
  EXPECT_EQ(jsonOf(r),
            R"({"recv_ts":"2026-11-28T13:18:14.123456Z","src":"10.0.0.5:6665","format":"plain",)"
            R"("release":null,"facility":null,"level":null,"seq":null,"ts_usec":12345678,"cont":false,)"
            R"("caller":null,"msgid":null,"text":"netconsole: network logging started","dict":[],)"
            R"("incomplete":false})"
            "\n");
}

TEST(JsonWriterTest, ExtendedRecordWithReleaseDictAndMsgid) {
  // Test vector 10 of the format document.
  const KeyValue dict[] = {
      {"key", "value"}, {"cpu", "3"}, {"taskname", "echo"}, {"release", "6.18.0"}, {"msgid", "1"}};
  Record r;
  r.src = v4Source();
  r.recvTsUs = kRecvUs;
  r.format = Format::Extended;
  r.release = "6.18.0";
  r.facility = 1;
  r.level = 5;
  r.seq = 1822;
  r.tsUsec = 115075213798ull;
  r.caller = "T42";
  r.text = "netconsole selftest: netcons_gtJHM";
  r.dict = dict;
  r.msgid = 1;
  const std::string line = jsonOf(r);
  EXPECT_EQ(line,
            R"({"recv_ts":"2026-11-28T13:18:14.123456Z","src":"10.0.0.5:6665","format":"extended",)"
            R"("release":"6.18.0","facility":1,"level":5,"seq":1822,"ts_usec":115075213798,"cont":false,)"
            R"("caller":"T42","msgid":1,"text":"netconsole selftest: netcons_gtJHM",)"
            R"("dict":[["key","value"],["cpu","3"],["taskname","echo"],["release","6.18.0"],["msgid","1"]],)"
            R"("incomplete":false})"
            "\n");

  const json j = json::parse(line);
  // The fixed field order is part of the format.
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  const std::vector<std::string> sortedExpected = {"caller",     "cont",  "dict",  "facility", "format",
                                                   "incomplete", "level", "msgid", "recv_ts",  "release",
                                                   "seq",        "src",   "text",  "ts_usec"};
  EXPECT_EQ(keys, sortedExpected);  // nlohmann's object sorts keys: same set, nothing extra
  EXPECT_EQ(j["dict"].size(), 5u);
  EXPECT_EQ(j["dict"][4][1], "1");
  EXPECT_TRUE(j["seq"].is_number_unsigned());
}

TEST(JsonWriterTest, FieldOrderIsFixed) {
  Record r;
  r.src = v4Source();
  r.incomplete = true;
  const std::string line = jsonOf(r);
  const std::vector<std::string> order = {"recv_ts", "src",  "format",  "release",    "facility",
                                          "level",   "seq",  "ts_usec", "cont",       "caller",
                                          "msgid",   "text", "dict",    "incomplete", "missing"};
  std::size_t pos = 0;
  for (const std::string& key : order) {
    const std::size_t at = line.find("\"" + key + "\":", pos);
    ASSERT_NE(at, std::string::npos) << key;
    pos = at;
  }
}

TEST(JsonWriterTest, IncompleteRecordListsMissingRanges) {
  const ByteRange missing[] = {{972, 1000}, {1200, 1501}};
  Record r;
  r.src = v4Source();
  r.recvTsUs = kRecvUs;
  r.format = Format::Extended;
  r.facility = 0;
  r.level = 6;
  r.seq = 5;
  r.tsUsec = 1000000;
  r.text = std::string_view("AAAA");
  r.incomplete = true;
  r.missing = missing;
  const std::string line = jsonOf(r);
  EXPECT_NE(line.find(R"("dict":[],"incomplete":true,"missing":[[972,1000],[1200,1501]]})"),
            std::string::npos)
      << line;
  const json j = json::parse(line);
  EXPECT_EQ(j["facility"], 0);
  EXPECT_EQ(j["level"], 6);
  EXPECT_TRUE(j["incomplete"].get<bool>());
  EXPECT_EQ(j["missing"], json::parse("[[972,1000],[1200,1501]]"));
}

TEST(JsonWriterTest, CompleteRecordHasNoMissingField) {
  Record r;
  r.src = v4Source();
  const json j = json::parse(jsonOf(r));
  EXPECT_FALSE(j.contains("missing"));
  EXPECT_FALSE(j.contains("text_hex"));
  EXPECT_FALSE(j.contains("event"));
  EXPECT_FALSE(j.contains("dump"));
}

TEST(JsonWriterTest, DumpedRecordEndsWithItsDumpNumber) {
  Record r;
  r.src = v4Source();
  r.recvTsUs = kRecvUs;
  r.format = Format::Extended;
  r.facility = 0;
  r.level = 0;
  r.seq = 42;
  r.tsUsec = 6614997;
  r.text = "Kernel panic - not syncing: sysrq triggered crash";
  r.dump = 1;
  EXPECT_EQ(jsonOf(r),
            R"({"recv_ts":"2026-11-28T13:18:14.123456Z","src":"10.0.0.5:6665","format":"extended",)"
            R"("release":null,"facility":0,"level":0,"seq":42,"ts_usec":6614997,"cont":false,)"
            R"("caller":null,"msgid":null,"text":"Kernel panic - not syncing: sysrq triggered crash",)"
            R"("dict":[],"incomplete":false,"dump":1})"
            "\n");
  // After "missing" when both are present: new fields are appended.
  const ByteRange missing[] = {{0, 10}};
  r.incomplete = true;
  r.missing = missing;
  const std::string line = jsonOf(r);
  EXPECT_NE(line.find(R"("incomplete":true,"missing":[[0,10]],"dump":1})"), std::string::npos) << line;
  EXPECT_EQ(json::parse(line)["dump"], 1);
}

TEST(JsonWriterTest, GapEventExact) {
  Record r;
  r.kind = RecordKind::Gap;
  r.src = v4Source();
  r.recvTsUs = kRecvUs;
  r.gapField = GapField::Seq;
  r.gapFrom = 101;
  r.gapTo = 104;
  EXPECT_EQ(jsonOf(r), R"({"recv_ts":"2026-11-28T13:18:14.123456Z","event":"gap","src":"10.0.0.5:6665",)"
                       R"("field":"seq","from":101,"to":104,"count":4})"
                       "\n");
  r.gapField = GapField::Msgid;
  r.gapFrom = r.gapTo = 7;
  const json j = json::parse(jsonOf(r));
  EXPECT_EQ(j["field"], "msgid");
  EXPECT_EQ(j["count"], 1);
  // msgid is a u32 that wraps: the range runs through 2^32-1 and 0.
  r.gapFrom = 0xfffffffeu;
  r.gapTo = 1;
  EXPECT_NE(jsonOf(r).find(R"("field":"msgid","from":4294967294,"to":1,"count":4})"), std::string::npos);
}

TEST(JsonWriterTest, Ipv6SourceIsBracketed) {
  Record r;
  ASSERT_TRUE(Source::parse("[fd00::5]:6665", r.src));
  EXPECT_EQ(json::parse(jsonOf(r))["src"], "[fd00::5]:6665");
}

TEST(JsonWriterTest, SourceChangesBetweenRecordsOfOneWriter) {
  JsonWriter w;
  Record a;
  ASSERT_TRUE(Source::parse("10.0.0.5:6665", a.src));
  Record b;
  ASSERT_TRUE(Source::parse("[fd00::5]:6666", b.src));
  std::string out;
  for (const Record* r : {&a, &a, &b, &a, &b}) w.append(*r, out);
  std::istringstream in(out);
  std::vector<std::string> srcs;
  for (std::string line; std::getline(in, line);) srcs.push_back(json::parse(line)["src"]);
  EXPECT_EQ(srcs, (std::vector<std::string>{"10.0.0.5:6665", "10.0.0.5:6665", "[fd00::5]:6666",
                                            "10.0.0.5:6665", "[fd00::5]:6666"}));
}

TEST(JsonWriterTest, InvalidUtf8TextGetsTextHex) {
  const std::string text = "bad \xff\xc3 end";
  Record r;
  r.src = v4Source();
  r.text = text;
  const std::string line = jsonOf(r);
  EXPECT_NE(line.find(R"("text":"bad \ufffd\ufffd end","text_hex":"62616420ffc320656e64","dict")"),
            std::string::npos)
      << line;
  const json j = json::parse(line);
  EXPECT_EQ(j["text"], "bad \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(JsonWriterTest, InvalidUtf8DictValueGetsHexThirdElement) {
  const std::string badValue = "v\xfe";
  const std::string badKey = "k\x80";
  const KeyValue dict[] = {{"SUBSYSTEM", "pci"}, {"blob", badValue}, {badKey, "ok"}};
  Record r;
  r.src = v4Source();
  r.format = Format::Extended;
  r.dict = dict;
  const json j = json::parse(jsonOf(r));
  ASSERT_EQ(j["dict"].size(), 3u);
  EXPECT_EQ(j["dict"][0], json::parse(R"(["SUBSYSTEM","pci"])"));
  EXPECT_EQ(j["dict"][1], json::parse(R"(["blob","v\ufffd","76fe"])"));
  // Keys are only made valid; the third element is about the value alone.
  EXPECT_EQ(j["dict"][2], json::parse(R"(["k\ufffd","ok"])"));
}

TEST(JsonWriterTest, ControlBytesInTextAreEscaped) {
  Record r;
  r.src = v4Source();
  r.text = "tab\there nl\nx \x1b[31mred";
  const std::string line = jsonOf(r);
  EXPECT_NE(line.find(R"("text":"tab\there nl\nx \u001b[31mred")"), std::string::npos);
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // exactly one line
  EXPECT_EQ(json::parse(line)["text"], r.text);
}

TEST(JsonWriterTest, ReusedBufferDoesNotReallocate) {
  const KeyValue dict[] = {{"SUBSYSTEM", "pci"}, {"DEVICE", "+pci:0000:00:19.0"}};
  Record r;
  r.src = v4Source();
  r.text = "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex";
  r.dict = dict;
  JsonWriter w;
  std::string buf;
  buf.reserve(4096);
  const char* data = buf.data();
  for (int i = 0; i < 1000; ++i) {
    r.recvTsUs = kRecvUs + static_cast<std::uint64_t>(i) * 10'000;
    buf.clear();
    w.append(r, buf);
    ASSERT_EQ(buf.data(), data);
  }
}

}  // namespace
}  // namespace ncxdp
