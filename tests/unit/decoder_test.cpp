// The decoder against every test vector of docs/netconsole-format.md (section 5) and every rule it
// states: plain streams, extended records, ncfrag reassembly, timeouts, caps, gaps, quirks.
#include "decode/Decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include <arpa/inet.h>
#include <string>

#include "decoder_test_util.h"

namespace ncxdp {
namespace {

using testing::bytes;
using testing::Collector;
using testing::OwnedRecord;

constexpr std::uint64_t kT0 = 1'764'000'000'000'000ull;  // some wall-clock time, in microseconds

Source src(std::uint32_t host = 5, std::uint16_t port = 6665) {
  return Source::ipv4(htonl(0x0a000000u | host), port);
}

class DecoderTest : public ::testing::Test {
 protected:
  void feed(std::string_view payload, std::uint64_t at = kT0, Source s = src()) {
    decoder_.feed(s, bytes(payload), at, out_);
  }
  DecoderConfig config_;
  Decoder decoder_{config_};
  Collector out_;
};

// ---------------- plain ----------------

TEST_F(DecoderTest, Vector1PlainWithTime) {
  feed("[   12.345678] netconsole: network logging started\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[0].text, "netconsole: network logging started");
  EXPECT_EQ(m[0].tsUsec, 12345678u);
  EXPECT_EQ(m[0].level, -1);
  EXPECT_EQ(m[0].facility, -1);
  EXPECT_FALSE(m[0].seq);
  EXPECT_EQ(m[0].caller, "");
  EXPECT_EQ(m[0].recvTsUs, kT0);
  EXPECT_EQ(m[0].src, src());
}

TEST_F(DecoderTest, Vector2PlainWithCallerTwoLines) {
  feed("[   12.345678][  T123] line one\n[   12.345678][  T123] line two\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].text, "line one");
  EXPECT_EQ(m[1].text, "line two");
  for (auto& r : m) {
    EXPECT_EQ(r.caller, "T123");
    EXPECT_EQ(r.tsUsec, 12345678u);
  }
}

TEST_F(DecoderTest, Vector3PlainWithSyslogPriority) {
  feed("<6>[   12.345678] hi\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].level, 6);
  EXPECT_EQ(m[0].facility, 0);
  EXPECT_EQ(m[0].text, "hi");
  EXPECT_EQ(m[0].tsUsec, 12345678u);
}

TEST_F(DecoderTest, Vector4HeaderlessContinuationJoined) {
  std::string full = "[   12.345678] " + std::string(1485, 'B') + "\n";
  ASSERT_EQ(full.size(), 1501u);
  feed(std::string_view(full).substr(0, 1000));
  EXPECT_TRUE(out_.records.empty());
  feed(std::string_view(full).substr(1000), kT0 + 10);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, std::string(1485, 'B'));
  EXPECT_EQ(m[0].tsUsec, 12345678u);
  EXPECT_EQ(m[0].recvTsUs, kT0 + 10);
}

TEST_F(DecoderTest, PlainContinuationThatLooksExtendedStaysPlain) {
  // The 1000-byte chunk ends mid-line; its continuation happens to start like an extended header.
  std::string first = "[    1.000000] " + std::string(1000 - 15, 'x');
  feed(first);
  feed("6,5,1000,-;tail\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[0].text, std::string(985, 'x') + "6,5,1000,-;tail");
}

TEST_F(DecoderTest, PlainLastPieceIsLoneNewline) {
  std::string first = "[    1.000000] " + std::string(985, 'y');
  feed(first);
  feed("\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, std::string(985, 'y'));
}

TEST_F(DecoderTest, PlainWithoutAnyPrefix) {
  feed("hello world\n<4>bare priority\n[  T7] only caller\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].text, "hello world");
  EXPECT_FALSE(m[0].tsUsec);
  EXPECT_EQ(m[1].text, "bare priority");
  EXPECT_EQ(m[1].level, 4);
  EXPECT_EQ(m[2].text, "only caller");
  EXPECT_EQ(m[2].caller, "T7");
}

TEST_F(DecoderTest, PlainRawBytesKeptExactly) {
  std::string line = "[    0.100000] caf\xc3\xa9 \xff\xfe tab\there";
  feed(line + "\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "caf\xc3\xa9 \xff\xfe tab\there");
}

TEST_F(DecoderTest, PlainSplitMidUtf8JoinsBytes) {
  std::string full = "[    1.000000] " + std::string(984, 'z') + "\xc3\xa9 end\n";
  feed(std::string_view(full).substr(0, 1000));  // cuts the UTF-8 sequence in half
  feed(std::string_view(full).substr(1000));
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, std::string(984, 'z') + "\xc3\xa9 end");
}

TEST_F(DecoderTest, PlainLineWithoutNewlineFlushedAfterIdle) {
  config_.lineIdleUs = 500'000;
  Decoder d(config_);
  d.feed(src(), bytes("[    2.000000] no newline"), kT0, out_);
  d.tick(kT0 + 499'999, out_);
  EXPECT_TRUE(out_.records.empty());
  d.tick(kT0 + 500'000, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "no newline");
  EXPECT_EQ(m[0].recvTsUs, kT0);
  EXPECT_EQ(d.stats().linesIdleFlushed, 1u);
}

TEST_F(DecoderTest, OverlongPlainLineEmittedInPiecesNothingLost) {
  config_.maxLineBytes = 100;
  Decoder d(config_);
  std::string text(350, 'q');
  d.feed(src(), bytes("[    1.000000] " + text), kT0, out_);
  d.feed(src(), bytes("\n"), kT0 + 1, out_);
  auto m = out_.messages();
  std::string joined;
  ASSERT_GE(m.size(), 4u);
  EXPECT_EQ(m[0].tsUsec, 1000000u);
  for (auto& r : m) joined += r.text;
  EXPECT_EQ(joined, text);
  EXPECT_GE(d.stats().linesSplit, 3u);
}

TEST_F(DecoderTest, DroppedNoticeCounted) {
  feed("** 12 printk messages dropped **\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "** 12 printk messages dropped **");
  EXPECT_EQ(decoder_.stats().kernelDropped, 12u);
}

// ---------------- extended ----------------

TEST_F(DecoderTest, Vector5Extended) {
  feed("6,1234,12345678,-;netconsole: network logging started\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Extended);
  EXPECT_EQ(m[0].facility, 0);
  EXPECT_EQ(m[0].level, 6);
  EXPECT_EQ(m[0].seq, 1234u);
  EXPECT_EQ(m[0].tsUsec, 12345678u);
  EXPECT_FALSE(m[0].cont);
  EXPECT_FALSE(m[0].release);
  EXPECT_EQ(m[0].text, "netconsole: network logging started");
  EXPECT_TRUE(m[0].dict.empty());
  EXPECT_FALSE(m[0].msgid);
  EXPECT_FALSE(m[0].incomplete);
}

TEST_F(DecoderTest, Vector6FacilityFromPrio) {
  feed("13,1822,115075213798,-;netconsole selftest: netcons_gtJHM\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].facility, 1);
  EXPECT_EQ(m[0].level, 5);
  EXPECT_EQ(m[0].seq, 1822u);
  EXPECT_EQ(m[0].tsUsec, 115075213798u);
  EXPECT_EQ(m[0].text, "netconsole selftest: netcons_gtJHM");
}

TEST_F(DecoderTest, LargeFacility) {
  feed("1015,1,1,-;x\n");  // facility 126, level 7
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].facility, 126);
  EXPECT_EQ(m[0].level, 7);
}

TEST_F(DecoderTest, Vector7Dictionary) {
  feed(
      "6,339,5140900,-;e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex\n SUBSYSTEM=pci\n "
      "DEVICE=+pci:0000:00:19.0\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex");
  ASSERT_EQ(m[0].dict.size(), 2u);
  EXPECT_EQ(m[0].dict[0], std::make_pair(std::string("SUBSYSTEM"), std::string("pci")));
  EXPECT_EQ(m[0].dict[1], std::make_pair(std::string("DEVICE"), std::string("+pci:0000:00:19.0")));
}

TEST_F(DecoderTest, Vector8SinglePassUnescape) {
  feed("4,77,1000,-;tab\\x09here back\\x5cslash caf\\xc3\\xa9 nl\\x0ax\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "tab\there back\\slash caf\xc3\xa9 nl\nx");
  EXPECT_EQ(m[0].level, 4);
}

TEST_F(DecoderTest, EscapedBackslashIsNotReescaped) {
  feed("6,1,1,-;\\x5cx41\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "\\x41");
}

TEST_F(DecoderTest, Vector9CallerAndContinuation) {
  feed("6,78,1000,-,caller=T1;x\n");
  feed("4,79,1000,c; world\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].caller, "T1");
  EXPECT_FALSE(m[0].cont);
  EXPECT_EQ(m[0].text, "x");
  EXPECT_TRUE(m[1].cont);
  EXPECT_EQ(m[1].text, " world");
  EXPECT_EQ(m[1].seq, 79u);
  EXPECT_TRUE(out_.gaps().empty());
}

TEST_F(DecoderTest, OldKernelPlusFlagIsContinuation) {
  feed("4,80,1000,+;more\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].cont);
}

TEST_F(DecoderTest, Vector10ReleaseUserdataSysdata) {
  feed(
      "6.18.0,13,1822,115075213798,-;netconsole selftest: netcons_gtJHM\n key=value\n cpu=3\n "
      "taskname=echo\n "
      "release=6.18.0\n msgid=1\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  ASSERT_TRUE(m[0].release);
  EXPECT_EQ(*m[0].release, "6.18.0");
  EXPECT_EQ(m[0].facility, 1);
  EXPECT_EQ(m[0].level, 5);
  EXPECT_EQ(m[0].seq, 1822u);
  EXPECT_EQ(m[0].text, "netconsole selftest: netcons_gtJHM");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"key", "value"}, {"cpu", "3"}, {"taskname", "echo"}, {"release", "6.18.0"}, {"msgid", "1"}};
  EXPECT_EQ(m[0].dict, expected);
  EXPECT_EQ(m[0].msgid, 1u);
}

TEST_F(DecoderTest, DebianReleaseString) {
  feed("6.12.117+deb12-amd64,6,10,20,-;hello\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(*m[0].release, "6.12.117+deb12-amd64");
  EXPECT_EQ(m[0].seq, 10u);
}

TEST_F(DecoderTest, UnknownHeaderFieldsIgnored) {
  feed("6,100,200,-,future=1,caller=C2,other;text\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].caller, "C2");
  EXPECT_EQ(m[0].text, "text");
}

TEST_F(DecoderTest, DuplicateDictKeysKeptInOrder) {
  feed("6,1,1,-;t\n a=1\n b=2\n a=3\n novalue\n empty=\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "1"}, {"b", "2"}, {"a", "3"}, {"novalue", ""}, {"empty", ""}};
  EXPECT_EQ(m[0].dict, expected);
}

TEST_F(DecoderTest, DictValuesUnescaped) {
  feed("6,1,1,-;t\n DEVICE=c\\x3d1\\x5c2\n");
  auto m = out_.messages();
  ASSERT_EQ(m[0].dict.size(), 1u);
  EXPECT_EQ(m[0].dict[0].second, "c=1\\2");
}

TEST_F(DecoderTest, MalformedExtendedHeaderDecodedAsPlainNothingLost) {
  feed("6,notanumber,1,-;text\n");
  feed("6,99999999999999999999999,1,-;text\n");  // seq overflows u64
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[0].text, "6,notanumber,1,-;text");
  EXPECT_EQ(m[1].format, Format::Plain);
}

TEST_F(DecoderTest, SameSourceSwitchesBetweenPlainAndExtended) {
  feed("[    1.000000] plain one\n");
  feed("6,10,1000,-;extended one\n");
  feed("[    1.000001] plain two\n");
  feed("6,11,1001,-;extended two\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[1].format, Format::Extended);
  EXPECT_EQ(m[2].format, Format::Plain);
  EXPECT_EQ(m[3].format, Format::Extended);
  EXPECT_EQ(m[3].text, "extended two");
  EXPECT_EQ(decoder_.stats().formatSwitches, 3u);
  EXPECT_TRUE(out_.gaps().empty());
}

TEST_F(DecoderTest, PartialPlainLineFlushedWhenSourceSwitchesToExtended) {
  feed("[    1.000000] unterminated");
  feed("6,10,1000,-;ext\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].text, "unterminated");
  EXPECT_EQ(m[1].text, "ext");
}

// ---------------- quirks of real kernels ----------------

TEST_F(DecoderTest, Quirk1000BytePayloadEndingInNul) {
  std::string head = "6,20,30,-;";
  std::string payload = head + std::string(1000 - head.size() - 1, 'n') + std::string(1, '\0');
  ASSERT_EQ(payload.size(), 1000u);
  feed(payload);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, std::string(1000 - head.size() - 1, 'n'));
}

TEST_F(DecoderTest, QuirkMissingFinalNewlineOfUserdata) {
  std::string payload = "6,21,30,-;msg\n key=value\n cpu=1";
  feed(payload);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].dict.size(), 2u);
  EXPECT_EQ(m[0].dict[1], std::make_pair(std::string("cpu"), std::string("1")));
}

TEST_F(DecoderTest, QuirkTruncationCutsEscapeKeptLiterally) {
  // 6.12 truncates at 2048 bytes: the text ends in half an escape, glued to the first userdata line.
  feed("6,22,30,-;AAAA\\xc key=value\n cpu=0\n");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "AAAA\\xc key=value");
  ASSERT_EQ(m[0].dict.size(), 1u);
  EXPECT_EQ(m[0].dict[0].first, "cpu");
}

TEST_F(DecoderTest, TruncatedEscapeAtVeryEnd) {
  feed("6,23,30,-;end\\x");
  feed("6,24,30,-;end\\x4");
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].text, "end\\x");
  EXPECT_EQ(m[1].text, "end\\x4");
}

// ---------------- fragments ----------------

std::vector<std::string> vector11() {
  std::string body = std::string(1500, 'A') + "\n";
  return {"6,5,1000000,-,ncfrag=0/1501;" + body.substr(0, 972),
          "6,5,1000000,-,ncfrag=972/1501;" + body.substr(972)};
}

std::vector<std::string> vector12() {
  std::string body = std::string(1500, 'A') + "\n key=value\n cpu=0\n msgid=7\n";
  return {"6.18.0,6,5,1000000,-,ncfrag=0/1528;" + body.substr(0, 965),
          "6.18.0,6,5,1000000,-,ncfrag=965/1528;" + body.substr(965)};
}

TEST_F(DecoderTest, Vector11FragmentsOf61) {
  auto f = vector11();
  ASSERT_EQ(f[0].size(), 1000u);
  feed(f[0]);
  EXPECT_TRUE(out_.records.empty());
  feed(f[1], kT0 + 5);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, std::string(1500, 'A'));
  EXPECT_EQ(m[0].seq, 5u);
  EXPECT_EQ(m[0].level, 6);
  EXPECT_EQ(m[0].tsUsec, 1000000u);
  EXPECT_FALSE(m[0].incomplete);
  EXPECT_EQ(m[0].recvTsUs, kT0 + 5);
  EXPECT_EQ(decoder_.stats().messagesReassembled, 1u);
  EXPECT_EQ(decoder_.reasmBytes(), 0u);
}

TEST_F(DecoderTest, Vector12FragmentsWithReleaseUserdataSysdata) {
  auto f = vector12();
  feed(f[0]);
  feed(f[1]);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(*m[0].release, "6.18.0");
  EXPECT_EQ(m[0].text, std::string(1500, 'A'));
  std::vector<std::pair<std::string, std::string>> expected = {
      {"key", "value"}, {"cpu", "0"}, {"msgid", "7"}};
  EXPECT_EQ(m[0].dict, expected);
  EXPECT_EQ(m[0].msgid, 7u);
}

// A message cut into many small fragments, fed in every order of a permutation set.
std::vector<std::string> fragmentsOf(const std::string& header, const std::string& body, std::size_t chunk) {
  std::vector<std::string> out;
  for (std::size_t off = 0; off < body.size(); off += chunk)
    out.push_back(header + ",ncfrag=" + std::to_string(off) + "/" + std::to_string(body.size()) + ";" +
                  body.substr(off, chunk));
  return out;
}

TEST_F(DecoderTest, FragmentsInEveryOrder) {
  // Splits land inside an escape and inside a dictionary line on purpose.
  std::string body = "escape \\x5c here \\xc3\\xa9 and more text\n SUBSYSTEM=net\n DEVICE=n2\n msgid=4\n";
  auto frags = fragmentsOf("6,40,50,-", body, 9);
  std::vector<std::size_t> order(frags.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    Decoder d(config_);
    Collector c;
    for (std::size_t i : order) d.feed(src(), bytes(frags[i]), kT0, c);
    auto m = c.messages();
    ASSERT_EQ(m.size(), 1u) << "round " << round;
    EXPECT_EQ(m[0].text, "escape \\ here \xc3\xa9 and more text");
    ASSERT_EQ(m[0].dict.size(), 3u);
    EXPECT_EQ(m[0].dict[1].second, "n2");
    EXPECT_EQ(m[0].msgid, 4u);
    EXPECT_FALSE(m[0].incomplete);
  }
}

TEST_F(DecoderTest, AllPermutationsOfFourFragments) {
  std::string body = std::string(30, 'p') + "\n k=v\n";
  auto frags = fragmentsOf("6,41,50,-", body, 10);
  ASSERT_EQ(frags.size(), 4u);
  std::vector<std::size_t> order = {0, 1, 2, 3};
  int permutations = 0;
  do {
    Decoder d(config_);
    Collector c;
    for (std::size_t i : order) d.feed(src(), bytes(frags[i]), kT0, c);
    auto m = c.messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].text, std::string(30, 'p'));
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 24);
}

TEST_F(DecoderTest, DuplicateFragmentsIgnored) {
  auto f = vector11();
  feed(f[0]);
  feed(f[0]);
  feed(f[1]);
  feed(f[1]);  // late duplicate after completion must not start a bogus message
  feed(f[0]);
  decoder_.flush(kT0 + 10'000'000, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FALSE(m[0].incomplete);
  EXPECT_GE(decoder_.stats().fragmentsDuplicate, 3u);
}

TEST_F(DecoderTest, MissingFragmentEmittedIncompleteAfterTimeout) {
  config_.fragTimeoutUs = 2'000'000;
  Decoder d(config_);
  std::string body = std::string(100, 'a') + std::string(100, 'b') + std::string(100, 'c') + "\n";
  auto frags = fragmentsOf("6,50,60,-", body, 100);
  ASSERT_EQ(frags.size(), 4u);
  d.feed(src(), bytes(frags[0]), kT0, out_);
  d.feed(src(), bytes(frags[2]), kT0 + 1, out_);
  d.feed(src(), bytes(frags[3]), kT0 + 2, out_);
  d.tick(kT0 + 1'999'999, out_);
  EXPECT_TRUE(out_.messages().empty());
  d.tick(kT0 + 2'000'000, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].incomplete);
  EXPECT_EQ(m[0].text, std::string(100, 'a') + std::string(100, 'c'));
  ASSERT_EQ(m[0].missing.size(), 1u);
  EXPECT_EQ(m[0].missing[0], (ByteRange{100, 200}));
  EXPECT_EQ(m[0].seq, 50u);
  EXPECT_EQ(m[0].recvTsUs, kT0 + 2);
  EXPECT_EQ(d.stats().messagesIncomplete, 1u);
  EXPECT_EQ(d.reasmBytes(), 0u);
}

TEST_F(DecoderTest, MissingFirstAndLastFragmentsReported) {
  std::string body = std::string(300, 'x') + "\n";
  auto frags = fragmentsOf("6,51,60,-", body, 100);
  feed(frags[1]);
  decoder_.flush(kT0 + 1, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].incomplete);
  EXPECT_EQ(m[0].text, std::string(100, 'x'));
  ASSERT_EQ(m[0].missing.size(), 2u);
  EXPECT_EQ(m[0].missing[0], (ByteRange{0, 100}));
  EXPECT_EQ(m[0].missing[1], (ByteRange{200, 301}));
}

TEST_F(DecoderTest, BusySourceStillTimesOutItsStuckFragment) {
  config_.fragTimeoutUs = 1'000'000;
  Decoder d(config_);
  auto frags = fragmentsOf("6,60,1,-", std::string(50, 's') + "\n", 20);
  d.feed(src(), bytes(frags[0]), kT0, out_);
  // The source keeps talking every 100 ms, so it never looks idle.
  for (int i = 1; i <= 15; ++i) {
    std::string msg = "6," + std::to_string(60 + i) + ",1,-;tick\n";
    d.feed(src(), bytes(msg), kT0 + std::uint64_t(i) * 100'000, out_);
    d.tick(kT0 + std::uint64_t(i) * 100'000, out_);
  }
  auto m = out_.messages();
  auto incomplete = std::count_if(m.begin(), m.end(), [](const OwnedRecord& r) { return r.incomplete; });
  EXPECT_EQ(incomplete, 1);
}

TEST_F(DecoderTest, InterleavedFragmentsOfTwoMessagesAndTwoSources) {
  auto a = fragmentsOf("6,70,1,-", std::string(40, 'a') + "\n", 15);
  auto b = fragmentsOf("6,71,1,-", std::string(40, 'b') + "\n", 15);
  auto c = fragmentsOf("6,70,1,-", std::string(40, 'c') + "\n", 15);  // same header, other source
  for (std::size_t i = 0; i < a.size(); ++i) {
    feed(a[i], kT0, src(1));
    feed(c[i], kT0, src(1, 7000));
    feed(b[i], kT0, src(1));
  }
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 3u);
  int as = 0, bs = 0, cs = 0;
  for (auto& r : m) {
    if (r.text == std::string(40, 'a') && r.src == src(1)) ++as;
    if (r.text == std::string(40, 'b') && r.src == src(1)) ++bs;
    if (r.text == std::string(40, 'c') && r.src == src(1, 7000)) ++cs;
  }
  EXPECT_EQ(as + bs + cs, 3);
}

TEST_F(DecoderTest, ShortMessageWithLargeUserdataFragments) {
  std::string ud;
  for (int i = 0; i < 16; ++i) ud += " key" + std::to_string(i) + "=" + std::string(60, char('a' + i)) + "\n";
  std::string body = "short\n" + ud;
  auto frags = fragmentsOf("6.12.0,6,80,1,-", body, 700);
  for (auto& f : frags) feed(f);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, "short");
  ASSERT_EQ(m[0].dict.size(), 16u);
  EXPECT_EQ(m[0].dict[15].second, std::string(60, 'p'));
}

TEST_F(DecoderTest, OversizedMessageEmittedPerFragmentNeverBuffered) {
  config_.maxMessageBytes = 1000;
  Decoder d(config_);
  auto frags = fragmentsOf("6,90,1,-", std::string(3000, 'o') + "\n", 1000);
  for (auto& f : frags) d.feed(src(), bytes(f), kT0, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), frags.size());
  std::size_t total = 0;
  for (auto& r : m) {
    EXPECT_TRUE(r.incomplete);
    total += r.text.size();
  }
  EXPECT_EQ(total, 3000u);
  EXPECT_EQ(d.reasmBytes(), 0u);
  EXPECT_EQ(d.stats().reasmOverCap, frags.size());
}

TEST_F(DecoderTest, PerSourceCapEvictsOldestPendingAsIncomplete) {
  config_.reasmPerSourceBytes = 2500;
  Decoder d(config_);
  // Three 1001-byte messages, each missing its last fragment: the third pushes the first out.
  for (int i = 0; i < 3; ++i) {
    auto frags = fragmentsOf("6," + std::to_string(100 + i) + ",1,-", std::string(1000, 'e') + "\n", 500);
    d.feed(src(), bytes(frags[0]), kT0, out_);
  }
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].incomplete);
  EXPECT_EQ(m[0].seq, 100u);
  EXPECT_EQ(d.stats().reasmOverCap, 1u);
  EXPECT_LE(d.reasmBytes(), 2500u);
}

TEST_F(DecoderTest, TotalCapAcrossSourcesBounded) {
  config_.memoryBytes = 5000;
  Decoder d(config_);
  for (std::uint32_t host = 1; host <= 20; ++host) {
    auto frags = fragmentsOf("6,1,1,-", std::string(1000, 't') + "\n", 500);
    d.feed(src(host), bytes(frags[0]), kT0 + host, out_);
    EXPECT_LE(d.reasmBytes(), 5000u);
    EXPECT_LE(d.pendingBytes(), 5000u);
  }
  EXPECT_GT(d.stats().messagesEvictedMemory, 0u);
  d.flush(kT0 + 1, out_);
  EXPECT_EQ(d.reasmBytes(), 0u);
  // Every fragment's bytes reached the output, flagged incomplete.
  std::size_t bytesOut = 0;
  for (auto& r : out_.messages()) bytesOut += r.text.size();
  EXPECT_EQ(bytesOut, 20u * 500u);
}

TEST_F(DecoderTest, FragmentBeyondTotalTrimmedAndBadNcfragIsPlain) {
  feed("6,1,1,-,ncfrag=5/3;abc\n");  // offset past total: not a valid header
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[0].text, "6,1,1,-,ncfrag=5/3;abc");
  EXPECT_EQ(decoder_.stats().malformed, 1u);
  out_.records.clear();
  // More bytes than the total its header announces: the header lies, so nothing is trimmed away
  // (issue 13: the 400 bytes past ncfrag=0/100 vanished uncounted). Every byte stays, as plain text.
  feed("6,2,1,-,ncfrag=0/4;abcdefgh\n");
  m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Plain);
  EXPECT_EQ(m[0].text, "6,2,1,-,ncfrag=0/4;abcdefgh");
  EXPECT_EQ(decoder_.stats().malformed, 2u);
  // NUL padding past the total is what 6.12 sends where a '\n' belongs: not malformed.
  out_.records.clear();
  feed(std::string("6,3,1,-,ncfrag=0/4;abcd\0\0", 25));
  m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].format, Format::Extended);
  EXPECT_EQ(m[0].text, "abcd");
  EXPECT_FALSE(m[0].incomplete);
  EXPECT_EQ(decoder_.stats().malformed, 2u);
}

// Issue 13 item 5: each of these became a plain record with ncxdp_decode_errors_total{reason=
// "malformed"} at 0. They are kept (as plain text, no byte lost) and counted.
TEST_F(DecoderTest, BrokenExtendedHeadersCountedMalformedAndKept) {
  const std::string body(500, 'b');
  const std::vector<std::string> broken = {
      "6,-5,1,-;negative seq\n",
      "2147483648,1,1,-;priority 2^31\n",
      "6,1,1,-,ncfrag=0/0;zero total\n",
      "6,1,1,-,ncfrag=5000/1000;offset past total\n",
      "6,1,1,-,ncfrag=0/100;" + body + "\n",
      "6.1.0,6,-1,1,-;negative seq after a release\n",
      "6,1,99999999999999999999999,-;timestamp past 64 bits\n",
  };
  std::uint32_t host = 1;
  for (const std::string& d : broken) {
    SCOPED_TRACE(d.substr(0, 40));
    out_.records.clear();
    const std::uint64_t before = decoder_.stats().malformed;
    feed(d, kT0, src(host++));
    auto m = out_.messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].format, Format::Plain);
    EXPECT_EQ(m[0].text, d.substr(0, d.size() - 1));  // every byte but the newline
    EXPECT_EQ(decoder_.stats().malformed, before + 1);
  }
  // Plain text that merely holds a ';' or commas is not a broken header.
  out_.records.clear();
  const std::uint64_t before = decoder_.stats().malformed;
  feed("[   12.000000] eth0: link up; speed 1000, duplex full\n", kT0, src(99));
  feed("a,b,c,d;e\n", kT0, src(98));
  EXPECT_EQ(out_.messages().size(), 2u);
  EXPECT_EQ(decoder_.stats().malformed, before);
}

// ---------------- loss accounting ----------------

TEST_F(DecoderTest, SeqGapEmittedAsEventBeforeRecord) {
  feed("6,100,1,-;a\n");
  feed("6,101,1,-;b\n");
  feed("6,105,1,-;c\n");
  ASSERT_EQ(out_.records.size(), 4u);
  const auto& g = out_.records[2];
  EXPECT_EQ(g.kind, RecordKind::Gap);
  EXPECT_EQ(g.gapField, GapField::Seq);
  EXPECT_EQ(g.gapFrom, 102u);
  EXPECT_EQ(g.gapTo, 104u);
  EXPECT_EQ(out_.records[3].text, "c");
  EXPECT_EQ(decoder_.stats().seqGaps, 1u);
  EXPECT_EQ(decoder_.stats().seqMissing, 3u);
}

TEST_F(DecoderTest, MsgidGapCountedSeparately) {
  feed("6,1,1,-;a\n msgid=1\n");
  feed("6,2,1,-;b\n msgid=2\n");
  feed("6,3,1,-;c\n msgid=6\n");
  auto g = out_.gaps();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].gapField, GapField::Msgid);
  EXPECT_EQ(g[0].gapFrom, 3u);
  EXPECT_EQ(g[0].gapTo, 5u);
  EXPECT_EQ(decoder_.stats().msgidMissing, 3u);
  EXPECT_EQ(decoder_.stats().seqMissing, 0u);
}

TEST_F(DecoderTest, MsgidGapAcrossWrapCountsModulo32Bits) {
  feed("6,1,1,-;a\n msgid=4294967294\n");
  feed("6,2,1,-;b\n msgid=2\n");  // 4294967295, 0 and 1 never arrived
  auto g = out_.gaps();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].gapFrom, 4294967295u);
  EXPECT_EQ(g[0].gapTo, 1u);
  EXPECT_EQ(decoder_.stats().msgidMissing, 3u);
}

TEST_F(DecoderTest, RebootRestartsCountersWithoutGap) {
  feed("6,5000,1,-;before\n msgid=900\n");
  feed("6,0,1,-;after reboot\n msgid=1\n");
  feed("6,1,1,-;next\n msgid=2\n");
  EXPECT_TRUE(out_.gaps().empty());
}

TEST_F(DecoderTest, DuplicateAndLateRecordsAreNotGaps) {
  feed("6,10,1,-;a\n");
  feed("6,12,1,-;c\n");
  feed("6,11,1,-;b late\n");
  feed("6,12,1,-;c again\n");
  feed("6,13,1,-;d\n");
  auto g = out_.gaps();
  ASSERT_EQ(g.size(), 1u);  // 11 was reported when 12 arrived; nothing else
  EXPECT_EQ(g[0].gapFrom, 11u);
  EXPECT_EQ(out_.messages().size(), 5u);
}

TEST_F(DecoderTest, FragmentsOfOneMessageAreNotSeqGaps) {
  feed("6,1,1,-;before\n");
  for (auto& f : vector11()) feed(std::string(f).replace(2, 1, "2"));  // seq 2
  feed("6,3,1,-;after\n");
  EXPECT_TRUE(out_.gaps().empty());
  EXPECT_EQ(out_.messages().size(), 3u);
}

// ncxdp_tx's kmsg dumper replays the whole log ring, marked ncxdp_dump=N, with the seq values
// the records had. Without the marker this stream would read as a reboot (seq back to 0) and a
// lost replayed datagram as a seq gap; with it the live seq accounting carries on untouched.
TEST_F(DecoderTest, CrashDumpReplayIsNotARestartNorAGap) {
  std::uint32_t msgid = 0;
  auto live = [&](int seq) {
    feed("6," + std::to_string(seq) + ",1,-;live " + std::to_string(seq) +
         "\n msgid=" + std::to_string(++msgid) + "\n");
  };
  for (int seq = 100; seq <= 105; ++seq) live(seq);
  for (int seq = 0; seq <= 105; ++seq) {
    ++msgid;
    if (seq == 50) continue;  // this replayed datagram is lost on the way
    feed("0," + std::to_string(seq) + ",1,-,ncxdp_dump=1;dumped " + std::to_string(seq) +
         "\n msgid=" + std::to_string(msgid) + "\n");
  }
  live(106);
  // The dumped msgid lost above is the one gap so far, found by the msgid counter.
  auto g = out_.gaps();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].gapField, GapField::Msgid);
  EXPECT_EQ(g[0].gapFrom, 7u + 50u);
  EXPECT_EQ(g[0].gapTo, 7u + 50u);

  auto m = out_.messages();
  ASSERT_EQ(m.size(), 6u + 105u + 1u);
  EXPECT_EQ(m[5].dump, 0u);
  EXPECT_EQ(m[6].dump, 1u);
  EXPECT_EQ(m[6].seq, 0u);
  EXPECT_EQ(m[6].text, "dumped 0");
  EXPECT_EQ(m[110].dump, 1u);
  EXPECT_EQ(m[110].seq, 105u);
  EXPECT_EQ(m.back().dump, 0u);
  EXPECT_EQ(m.back().seq, 106u);
  EXPECT_EQ(decoder_.stats().recordsDumped, 105u);
  EXPECT_EQ(decoder_.stats().seqGaps, 0u);

  // The live seq state survived the dump: a real gap after it is still found.
  live(109);
  g = out_.gaps();
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].gapField, GapField::Seq);
  EXPECT_EQ(g[1].gapFrom, 107u);
  EXPECT_EQ(g[1].gapTo, 108u);
}

TEST_F(DecoderTest, DumpedAndLiveFragmentsOfOneSeqReassembledApart) {
  // The same record (vector 11, seq 5) live and replayed by two dumps, fragments interleaved.
  auto live = vector11();
  auto dumped = [&](int n) {
    std::vector<std::string> f = vector11();
    for (auto& p : f) p.insert(p.find(",ncfrag="), ",ncxdp_dump=" + std::to_string(n));
    return f;
  };
  auto d1 = dumped(1), d2 = dumped(2);
  feed(live[0]);
  feed(d1[0]);
  feed(d2[0]);
  feed(d1[1]);
  feed(live[1]);
  feed(d2[1]);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].dump, 1u);
  EXPECT_EQ(m[1].dump, 0u);
  EXPECT_EQ(m[2].dump, 2u);
  for (const auto& r : m) {
    EXPECT_EQ(r.text, std::string(1500, 'A'));
    EXPECT_EQ(r.seq, 5u);
    EXPECT_FALSE(r.incomplete);
  }
  EXPECT_TRUE(out_.gaps().empty());
  EXPECT_EQ(decoder_.stats().recordsDumped, 2u);
}

TEST_F(DecoderTest, SourcesKeyedByAddressAndPort) {
  Source a = src(9, 6665), b = src(9, 6666);
  std::string first = "[    1.000000] " + std::string(985, 'a');
  decoder_.feed(a, bytes(first), kT0, out_);
  decoder_.feed(b, bytes("[    1.000000] other sender\n"), kT0, out_);
  decoder_.feed(a, bytes("A-tail\n"), kT0, out_);
  decoder_.feed(b, bytes("6,7,1,-;x\n"), kT0, out_);
  decoder_.feed(a, bytes("6,9,1,-;y\n"), kT0, out_);  // different seq space: no gap across ports
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].src, b);
  EXPECT_EQ(m[0].text, "other sender");
  EXPECT_EQ(m[1].src, a);
  EXPECT_EQ(m[1].text, std::string(985, 'a') + "A-tail");
  EXPECT_TRUE(out_.gaps().empty());
  EXPECT_EQ(decoder_.sourceCount(), 2u);
}

TEST_F(DecoderTest, Ipv6Sources) {
  std::uint8_t addr[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  Source s6 = Source::ipv6(addr, 6665);
  decoder_.feed(s6, bytes("6,1,1,-;v6\n"), kT0, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].src.toString(), "[fd00::5]:6665");
}

TEST_F(DecoderTest, SourceCapEvictsLeastRecentlyActiveAndFlushesIt) {
  config_.maxSources = 3;
  Decoder d(config_);
  d.feed(src(1), bytes("[    1.000000] pending one"), kT0, out_);
  d.feed(src(2), bytes("x\n"), kT0 + 1, out_);
  d.feed(src(3), bytes("y\n"), kT0 + 2, out_);
  d.feed(src(2), bytes("z\n"), kT0 + 3, out_);
  d.feed(src(4), bytes("w\n"), kT0 + 4, out_);  // evicts src 1, whose partial line must come out
  EXPECT_EQ(d.sourceCount(), 3u);
  EXPECT_EQ(d.stats().sourcesEvicted, 1u);
  auto m = out_.messages();
  auto it = std::find_if(m.begin(), m.end(), [](const OwnedRecord& r) { return r.text == "pending one"; });
  ASSERT_NE(it, m.end());
  EXPECT_EQ(it->src, src(1));
}

TEST_F(DecoderTest, FlushEmitsEverythingPending) {
  feed("[    1.000000] partial", kT0, src(1));
  feed(vector11()[0], kT0, src(2));
  decoder_.flush(kT0 + 1, out_);
  auto m = out_.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(decoder_.reasmBytes(), 0u);
}

TEST_F(DecoderTest, EmptyDatagramCounted) {
  feed("");
  EXPECT_TRUE(out_.records.empty());
  EXPECT_EQ(decoder_.stats().emptyDatagrams, 1u);
}

TEST_F(DecoderTest, PerSourceStatsVisible) {
  feed("6,1,1,-;a\n", kT0, src(1));
  feed("6,3,1,-;b\n", kT0 + 7, src(1));
  std::size_t visited = 0;
  decoder_.forEachSource([&](const Source& s, const SourceStats& st) {
    ++visited;
    EXPECT_EQ(s, src(1));
    EXPECT_EQ(st.datagrams, 2u);
    EXPECT_EQ(st.records, 2u);
    EXPECT_EQ(st.seqMissing, 1u);
    EXPECT_EQ(st.lastSeenUs, kT0 + 7);
  });
  EXPECT_EQ(visited, 1u);
}

TEST_F(DecoderTest, RandomGarbageNeverCrashesAndMemoryStaysBounded) {
  config_.maxSources = 16;
  config_.memoryBytes = 100'000;
  Decoder d(config_);
  std::mt19937 rng(42);
  Collector sink;
  std::string buf;
  for (int i = 0; i < 20000; ++i) {
    buf.clear();
    std::size_t len = rng() % 1200;
    int kind = int(rng() % 3);
    if (kind == 0)
      buf = "6," + std::to_string(rng() % 100) + ",1,-,ncfrag=" + std::to_string(rng() % 3000) + "/" +
            std::to_string(1 + rng() % 3000) + ";";
    for (std::size_t k = 0; k < len; ++k)
      buf.push_back(char(kind == 2 ? rng() % 256 : "ab\\x\n;,=0 "[rng() % 10]));
    d.feed(src(rng() % 40, std::uint16_t(6665 + rng() % 3)), bytes(buf), kT0 + std::uint64_t(i) * 1000, sink);
    if (i % 100 == 0) d.tick(kT0 + std::uint64_t(i) * 1000, sink);
    ASSERT_LE(d.reasmBytes(), 100'000u);
    ASSERT_LE(d.pendingBytes(), 100'000u);
    ASSERT_LE(d.sourceCount(), 16u);
    if (sink.records.size() > 5000) sink.records.clear();
  }
  d.flush(kT0 + 100'000'000, sink);
  EXPECT_EQ(d.reasmBytes(), 0u);
  EXPECT_EQ(d.pendingBytes(), 0u);
}

}  // namespace
}  // namespace ncxdp
