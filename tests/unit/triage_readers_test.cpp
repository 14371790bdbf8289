// What `ncxdp triage` reads back is what ncxdp wrote: records through the JSON lines writer and the
// dir: text format come back with the text bytes, times and header fields triage uses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decode/JsonRecordParser.h"
#include "decode/Record.h"
#include "decode/Rfc3339.h"
#include "sink/JsonWriter.h"
#include "sink/TextFormat.h"
#include "sink/UtcTimestamp.h"
#include "triage/DirLogReader.h"

namespace ncxdp {
namespace {

constexpr std::uint64_t kRecvUs = 1795871894ull * 1'000'000 + 123456;  // 2026-11-28T13:18:14.123456Z

Source src(const char* text) {
  Source s;
  EXPECT_TRUE(Source::parse(text, s));
  return s;
}

// Texts that stress both formats: escapes, invalid UTF-8, text that looks like the suffix groups.
const std::vector<std::string> kTexts = {
    "BUG: kernel NULL pointer dereference, address: 0000000000000000",
    " crashme_write.cold+0x2b/0x130 [ncxdp_crashme]",
    "\t(detected by 0, t=752 jiffies, g=-527, q=3 ncpus=1)",
    "mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffffab2592eb> {native_safe_halt+0xb/0x10}",
    "back\\slash caf\xc3\xa9 tab\there nl\nx \x1b[31m \xff\xfe bidi\xe2\x80\xae end",
    "looks like meta (seq=12 cont)",
    "looks like a dict {a=b, c=d}",
    "",
};

TEST(Rfc3339Test, ParsesWhatNcxdpWritesAndOffsets) {
  for (std::uint64_t us : {std::uint64_t{0}, kRecvUs, std::uint64_t{951782400} * 1'000'000 + 1,
                           std::uint64_t{4102444799} * 1'000'000 + 999999}) {
    std::string text;
    UtcTimestamp ts;
    ts.appendRfc3339(us, text);
    EXPECT_EQ(parseRfc3339Us(text), us) << text;
  }
  EXPECT_EQ(parseRfc3339Us("2026-11-28T14:18:14.123456+01:00"), kRecvUs);
  EXPECT_EQ(parseRfc3339Us("2026-11-28T13:18:14Z"), kRecvUs - 123456);
  EXPECT_EQ(parseRfc3339Us("2026-11-28T13:18:14.1234567Z"), kRecvUs);
  for (const char* bad :
       {"", "2026-11-28", "2026-11-28T13:18:14", "2026-13-28T13:18:14Z", "1969-12-31T23:59:59Z",
        "2026-11-28T13:18:14.Z", "2026-11-28T13:18:14Zjunk", "x026-11-28T13:18:14Z"})
    EXPECT_FALSE(parseRfc3339Us(bad)) << bad;
}

TEST(JsonlReadBackTest, RoundTripsTheWriter) {
  JsonWriter writer;
  JsonRecordParser reader;
  for (const std::string& text : kTexts) {
    Record r;
    r.src = src("[fd00::5]:6665");
    r.recvTsUs = kRecvUs;
    r.format = Format::Extended;
    r.release = "6.12.117+deb12-amd64";
    r.facility = 0;
    r.level = 4;
    r.seq = 1822;
    r.tsUsec = 115075213798;
    r.caller = "T4242";
    r.text = text;
    const KeyValue dict[] = {{"SUBSYSTEM", "pci"}, {"cpu", "3"}};
    r.dict = dict;
    std::string line;
    writer.append(r, line);
    line.pop_back();  // '\n'
    Record back;
    std::string why;
    ASSERT_TRUE(reader.parse(line, back, why)) << why << ": " << line;
    EXPECT_EQ(back.kind, RecordKind::Message);
    EXPECT_EQ(back.src, r.src);
    EXPECT_EQ(back.recvTsUs, kRecvUs);
    EXPECT_EQ(back.text, text) << "text_hex restores bytes that are not UTF-8";
    EXPECT_EQ(back.release, r.release);
    EXPECT_EQ(back.seq, r.seq);
    EXPECT_EQ(back.tsUsec, r.tsUsec);
    EXPECT_EQ(back.caller, "T4242");
    EXPECT_EQ(back.level, 4);
    EXPECT_EQ(back.format, Format::Extended);
    ASSERT_EQ(back.dict.size(), 2u);
    EXPECT_EQ(back.dict[1].value, "3");
  }
  Record gap;
  gap.kind = RecordKind::Gap;
  gap.src = src("10.0.0.5:6665");
  gap.recvTsUs = kRecvUs;
  gap.gapFrom = 340;
  gap.gapTo = 343;
  std::string line;
  writer.append(gap, line);
  Record back;
  std::string why;
  ASSERT_TRUE(reader.parse(line, back, why)) << why;
  EXPECT_EQ(back.kind, RecordKind::Gap);
  EXPECT_EQ(back.gapTo, 343u);
}

TEST(JsonlReadBackTest, RejectsWhatNcxdpDoesNotWrite) {
  JsonRecordParser reader;
  Record r;
  std::string why;
  for (const char* bad : {"", "not json", "[]", "{}", R"({"src":"10.0.0.5:6665","text":"x"})",
                          R"({"src":"nope","recv_ts":"2026-11-28T13:18:14Z","text":"x"})",
                          R"({"src":"10.0.0.5:6665","recv_ts":"2026-11-28T13:18:14Z"})",
                          R"({"src":"10.0.0.5:6665","recv_ts":"2026-11-28T13:18:14Z","event":"boom"})"}) {
    EXPECT_FALSE(reader.parse(bad, r, why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

TEST(DirLogReaderTest, SourceFromFileName) {
  EXPECT_EQ(DirLogReader::sourceFromFileName("10.0.0.5_6665.log"), src("10.0.0.5:6665"));
  EXPECT_EQ(DirLogReader::sourceFromFileName("fd00::5_6665.log"), src("[fd00::5]:6665"));
  // What DirSink names its files, read back.
  EXPECT_EQ(DirLogReader::sourceFromFileName(src("[fd00::5]:6665").fileName() + ".log"),
            src("[fd00::5]:6665"));
  for (const char* bad : {"10.0.0.5_6665.txt", "10.0.0.5.log", "x_1.log", "10.0.0.5_99999.log", ".log"})
    EXPECT_FALSE(DirLogReader::sourceFromFileName(bad)) << bad;
}

TEST(DirLogReaderTest, RoundTripsTheTextFormat) {
  TextFormat format(/*showSource=*/false, /*colour=*/false);
  DirLogReader reader;
  for (const std::string& text : kTexts) {
    for (bool extended : {false, true}) {
      Record r;
      r.src = src("10.0.0.5:6665");
      r.recvTsUs = kRecvUs;
      r.text = text;
      r.tsUsec = 12345678;
      r.level = extended ? 3 : -1;
      const KeyValue dict[] = {{"SUBSYSTEM", "pci"}, {"DEVICE", "+pci:0000:00:19.0"}};
      if (extended) {
        r.format = Format::Extended;
        r.seq = 339;
        r.release = "6.12.117+deb12-amd64";
        r.caller = "C2";
        r.dict = dict;
      }
      std::string line;
      format.append(r, line);
      line.pop_back();
      Record back;
      std::string why;
      ASSERT_TRUE(reader.parse(line, r.src, back, why)) << why << ": " << line;
      // The text format appends " {dict}" and " (meta)" only when there are any, so a plain record
      // whose own text ends like one of them cannot be told apart (kernel lines do not; JSON lines
      // have no such ambiguity).
      if (!extended && (text.ends_with("cont)") || text.ends_with("d}"))) {
        EXPECT_NE(back.text, text);
        continue;
      }
      EXPECT_EQ(back.recvTsUs, kRecvUs) << line;
      EXPECT_EQ(back.text, text) << line;
      EXPECT_EQ(back.tsUsec, r.tsUsec) << line;
      EXPECT_EQ(back.level, r.level) << line;
      EXPECT_EQ(back.seq, r.seq) << line;
      EXPECT_EQ(back.release, r.release) << line;
      EXPECT_EQ(back.caller, r.caller) << line;
    }
  }
}

TEST(DirLogReaderTest, GapLinesAndBadLines) {
  DirLogReader reader;
  Record back;
  std::string why;
  ASSERT_TRUE(reader.parse("2026-11-28T13:18:14.132456Z GAP    seq 340..343 missing (4)",
                           src("10.0.0.5:6665"), back, why));
  EXPECT_EQ(back.kind, RecordKind::Gap);
  EXPECT_FALSE(reader.parse("no time here", src("10.0.0.5:6665"), back, why));
  EXPECT_FALSE(reader.parse("2026-11-28T13:18:14.132456Z", src("10.0.0.5:6665"), back, why));
}

TEST(DirLogReaderTest, Unescape) {
  std::string out;
  DirLogReader::unescape("a\\\\b\\x09c\\u{202e}d\\xzz\\u{zz}\\", out);
  EXPECT_EQ(out,
            "a\\b\tc\xe2\x80\xae"
            "d\\xzz\\u{zz}\\");
}

}  // namespace
}  // namespace ncxdp
