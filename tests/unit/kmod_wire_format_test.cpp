// What the ncxdp_tx kernel module puts on the wire (kmod/wire_format.c, the same C the module
// runs), against the test vectors of docs/netconsole-format.md, and read back by ncxdp's decoder.
#include "wire_format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "decoder_test_util.h"

namespace ncxdp {
namespace {

std::vector<std::string> emitExtended(const std::string& msg, const char* release = nullptr,
                                      const std::string& userdata = "", const std::string& sysdata = "") {
  std::vector<std::string> out;
  ncx_ext_msg m{};
  m.release = release;
  m.msg = msg.data();
  m.msg_len = msg.size();
  m.userdata = userdata.data();
  m.userdata_len = userdata.size();
  m.sysdata = sysdata.data();
  m.sysdata_len = sysdata.size();
  char buf[NCX_MAX_PRINT_CHUNK];
  int rc = ncx_emit_extended(
      &m, buf,
      [](void* ctx, const char* data, size_t len) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(data, len);
      },
      &out);
  EXPECT_EQ(rc, 0);
  return out;
}

std::string sysdata(unsigned fields, unsigned cpu, const char* comm, const char* release,
                    std::uint32_t msgid) {
  char buf[NCX_MAX_PRINT_CHUNK];
  std::size_t n = ncx_format_sysdata(buf, sizeof(buf), fields, cpu, comm, release, msgid);
  EXPECT_EQ(buf[n], '\0');
  return {buf, n};
}

std::string dumpToExt(const std::string& line, std::uint64_t seq, std::uint64_t dumpId,
                      std::size_t size = 8192) {
  std::vector<char> out(size);
  std::size_t n = ncx_dump_line_to_ext(line.data(), line.size(), seq, dumpId, out.data(), out.size());
  return {out.data(), n};
}

TEST(KmodWireFormatTest, Vector5SentUnchanged) {
  const std::string msg = "6,1234,12345678,-;netconsole: network logging started\n";
  EXPECT_EQ(emitExtended(msg), std::vector<std::string>{msg});
}

TEST(KmodWireFormatTest, Vector10ReleaseUserdataSysdata) {
  const std::string sys =
      sysdata(NCX_SYSDATA_CPU_NR | NCX_SYSDATA_TASKNAME | NCX_SYSDATA_RELEASE | NCX_SYSDATA_MSGID, 3, "echo",
              "6.18.0", 1);
  EXPECT_EQ(sys, " cpu=3\n taskname=echo\n release=6.18.0\n msgid=1\n");
  auto p = emitExtended("13,1822,115075213798,-;netconsole selftest: netcons_gtJHM\n", "6.18.0",
                        " key=value\n", sys);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0],
            "6.18.0,13,1822,115075213798,-;netconsole selftest: netcons_gtJHM\n key=value\n cpu=3\n "
            "taskname=echo\n release=6.18.0\n msgid=1\n");
}

TEST(KmodWireFormatTest, Vector11FragmentsWithoutRelease) {
  auto p = emitExtended("6,5,1000000,-;" + std::string(1500, 'A') + "\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "6,5,1000000,-,ncfrag=0/1501;" + std::string(972, 'A'));
  EXPECT_EQ(p[0].size(), 1000u);
  EXPECT_EQ(p[1], "6,5,1000000,-,ncfrag=972/1501;" + std::string(528, 'A') + "\n");
}

TEST(KmodWireFormatTest, Vector12FragmentsWithReleaseUserdataSysdata) {
  const std::string sys = sysdata(NCX_SYSDATA_CPU_NR | NCX_SYSDATA_MSGID, 0, "x", "6.18.0", 7);
  auto p = emitExtended("6,5,1000000,-;" + std::string(1500, 'A') + "\n", "6.18.0", " key=value\n", sys);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "6.18.0,6,5,1000000,-,ncfrag=0/1528;" + std::string(965, 'A'));
  EXPECT_EQ(p[1], "6.18.0,6,5,1000000,-,ncfrag=965/1528;" + std::string(535, 'A') +
                      "\n key=value\n cpu=0\n msgid=7\n");
}

TEST(KmodWireFormatTest, FragmentsOnlyPastOneThousandBytesInAll) {
  // Header "6,1,2,-;" is 8 bytes: 991 text bytes + '\n' = 1000 fits, one more does not.
  auto fits = emitExtended("6,1,2,-;" + std::string(991, 'x') + "\n");
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].size(), 1000u);
  auto over = emitExtended("6,1,2,-;" + std::string(992, 'x') + "\n");
  EXPECT_EQ(over.size(), 2u);
  // A short printk with large userdata fragments too (6.6+), splitting inside the userdata.
  const std::string userdata = " big=" + std::string(1200, 'u') + "\n";
  auto p = emitExtended("6,9,2,-;short\n", nullptr, userdata);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].substr(0, 29), "6,9,2,-,ncfrag=0/1212;short\n ");
}

// Many fragments: every payload is at most 1000 bytes, offsets are contiguous, and the bodies put
// together are exactly text + userdata + sysdata.
TEST(KmodWireFormatTest, FragmentStreamReassemblesExactly) {
  std::mt19937 rng(11);
  std::string text;
  for (int i = 0; i < 5000; ++i) text += char('a' + rng() % 26);
  const std::string userdata = " a=1\n b=" + std::string(300, 'b') + "\n";
  const std::string sys = " cpu=1\n msgid=44\n";
  const std::string body = text + "\n" + userdata + sys;
  auto p = emitExtended("4,77,123,-,caller=T9;" + text + "\n", "6.1.0-56-amd64", userdata, sys);
  ASSERT_GT(p.size(), 5u);
  std::string joined;
  for (const std::string& d : p) {
    EXPECT_LE(d.size(), 1000u);
    const std::string head = "6.1.0-56-amd64,4,77,123,-,caller=T9,ncfrag=" + std::to_string(joined.size()) +
                             "/" + std::to_string(body.size()) + ";";
    ASSERT_EQ(d.substr(0, head.size()), head);
    joined += d.substr(head.size());
  }
  EXPECT_EQ(joined, body);
}

TEST(KmodWireFormatTest, AbsentUserdataAndSysdataMayBeNull) {
  const std::string msg = "6,1,2,-;x\n";
  ncx_ext_msg m{};
  m.msg = msg.data();
  m.msg_len = msg.size();
  std::string got;
  char buf[NCX_MAX_PRINT_CHUNK];
  ASSERT_EQ(
      ncx_emit_extended(
          &m, buf, [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); },
          &got),
      0);
  EXPECT_EQ(got, msg);
  const std::string big = "6,1,2,-;" + std::string(1500, 'y') + "\n";
  m.msg = big.data();
  m.msg_len = big.size();
  got.clear();
  ASSERT_EQ(
      ncx_emit_extended(
          &m, buf, [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); },
          &got),
      0);
  EXPECT_EQ(got.substr(0, 24), "6,1,2,-,ncfrag=0/1501;yy");
}

TEST(KmodWireFormatTest, MessageThatMustFragmentNeedsASemicolon) {
  ncx_ext_msg m{};
  std::string msg(1200, 'x');
  m.msg = msg.data();
  m.msg_len = msg.size();
  char buf[NCX_MAX_PRINT_CHUNK];
  int calls = 0;
  EXPECT_EQ(ncx_emit_extended(
                &m, buf, [](void* ctx, const char*, size_t) { ++*static_cast<int*>(ctx); }, &calls),
            -1);
  EXPECT_EQ(calls, 0);
}

TEST(KmodWireFormatTest, Vector4PlainCutAtOneThousandBytes) {
  const std::string msg = "[   12.345678] " + std::string(1485, 'B') + "\n";
  std::vector<std::string> out;
  ncx_emit_plain(
      msg.data(), msg.size(),
      [](void* ctx, const char* d, size_t n) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(d, n);
      },
      &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].size(), 1000u);
  EXPECT_EQ(out[1].size(), 501u);
  EXPECT_EQ(out[0] + out[1], msg);
}

TEST(KmodWireFormatTest, SysdataOrderAndTruncation) {
  EXPECT_EQ(sysdata(0, 1, "a", "r", 1), "");
  EXPECT_EQ(sysdata(NCX_SYSDATA_MSGID | NCX_SYSDATA_CPU_NR, 12, "a", "r", 4294967295u),
            " cpu=12\n msgid=4294967295\n");
  EXPECT_EQ(sysdata(NCX_SYSDATA_TASKNAME | NCX_SYSDATA_RELEASE, 0, "kworker/0:1", "6.12.117+deb12-amd64", 1),
            " taskname=kworker/0:1\n release=6.12.117+deb12-amd64\n");
  char small[10];
  std::size_t n = ncx_format_sysdata(small, sizeof(small), NCX_SYSDATA_TASKNAME, 0, "longtaskname", "r", 0);
  EXPECT_EQ(n, 9u);
  EXPECT_EQ(std::string(small), " taskname");
}

TEST(KmodWireFormatTest, EscapingIsPrintks) {
  // Vector 8's text.
  const std::string text = "tab\there back\\slash caf\xc3\xa9 nl\nx";
  char out[128];
  std::size_t consumed = 0;
  std::size_t n = ncx_escape_ext_text(text.data(), text.size(), out, sizeof(out), &consumed);
  EXPECT_EQ(std::string(out, n), "tab\\x09here back\\x5cslash caf\\xc3\\xa9 nl\\x0ax");
  EXPECT_EQ(consumed, text.size());
  const std::string edges("\x1f\x20\x7e\x7f\x80\xff\x00", 7);
  n = ncx_escape_ext_text(edges.data(), edges.size(), out, sizeof(out), &consumed);
  EXPECT_EQ(std::string(out, n), "\\x1f ~\\x7f\\x80\\xff\\x00");
  // Never half an escape: "ab\t" into 5 bytes stops after "ab".
  n = ncx_escape_ext_text("ab\t", 3, out, 5, &consumed);
  EXPECT_EQ(std::string(out, n), "ab");
  EXPECT_EQ(consumed, 2u);
}

TEST(KmodWireFormatTest, DumpLineBecomesAnExtendedMessage) {
  struct Case {
    std::string line;
    std::uint64_t seq, dump;
    std::string want;
  } cases[] = {
      {"<6>[   12.345678] hello\n", 7, 1, "6,7,12345678,-,ncxdp_dump=1;hello\n"},
      // Multi-line record: every line carries the prefix; they join with an escaped newline.
      {"<4>[    1.000000] a\n<4>[    1.000000] b\n", 9, 2, "4,9,1000000,-,ncxdp_dump=2;a\\x0ab\n"},
      {"<6>[    1.000000] a\n<6>[    1.000000] \n<6>[    1.000000] c\n", 1, 1,
       "6,1,1000000,-,ncxdp_dump=1;a\\x0a\\x0ac\n"},
      // CONFIG_PRINTK_CALLER: "[  T123]" after the time, or alone.
      {"<6>[    1.000000][  T123] x\n", 1, 1, "6,1,1000000,-,caller=T123,ncxdp_dump=1;x\n"},
      {"<6>[     C2] z\n", 3, 1, "6,3,0,-,caller=C2,ncxdp_dump=1;z\n"},
      // printk.time=0: no timestamp, no space after the priority.
      {"<14>x y\n", 3, 1, "14,3,0,-,ncxdp_dump=1;x y\n"},
      {"<6>[abc] not a time\n", 4, 1, "6,4,0,-,ncxdp_dump=1;[abc] not a time\n"},
      {"<0>[ 9999.000001] \n", 5, 3, "0,5,9999000001,-,ncxdp_dump=3;\n"},
      {"<6>[    0.000001] tab\there back\\slash caf\xc3\xa9\n", 77, 1,
       "6,77,1,-,ncxdp_dump=1;tab\\x09here back\\x5cslash caf\\xc3\\xa9\n"},
      // Cut by the dump buffer: no final newline in the line, the message still ends with one.
      {"<6>[    1.000000] cut her", 8, 1, "6,8,1000000,-,ncxdp_dump=1;cut her\n"},
      {"<190>[    1.000000] big facility\n", 18446744073709551615ull, 18446744073709551615ull,
       "190,18446744073709551615,1000000,-,ncxdp_dump=18446744073709551615;big facility\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(dumpToExt(c.line, c.seq, c.dump), c.want) << c.line;
}

TEST(KmodWireFormatTest, DumpOutputBufferLimits) {
  const std::string line = "<6>[    1.000000] a\tb\n";
  // Header "6,1,1000000,-,ncxdp_dump=1;" is 27 bytes; with 30 there is room for "a" and the
  // newline, not for the 4-byte escape.
  EXPECT_EQ(dumpToExt(line, 1, 1, 30), "6,1,1000000,-,ncxdp_dump=1;a\n");
  EXPECT_EQ(dumpToExt(line, 1, 1, 28), "6,1,1000000,-,ncxdp_dump=1;\n");
  EXPECT_EQ(dumpToExt(line, 1, 1, 27), "");
}

// The module's dump output, fragmented as the module sends it, read by ncxdp's decoder.
TEST(KmodWireFormatTest, DecoderReadsDumpedMessagesBack) {
  const std::string text = "BUG: kernel NULL pointer dereference\n" + std::string(1400, 'z');
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    line += "<1>[    6.614997] " + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  const std::string ext = dumpToExt(line, 321, 1);
  auto payloads = emitExtended(ext, "6.12.117+deb12-amd64", " host=box1\n", " msgid=9\n");
  ASSERT_EQ(payloads.size(), 2u);

  Decoder decoder;
  testing::Collector out;
  Source src = Source::ipv4(0x0100000a, 6665);
  for (const std::string& p : payloads) decoder.feed(src, testing::bytes(p), 1, out);
  auto m = out.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text, text);
  EXPECT_EQ(m[0].dump, 1u);
  EXPECT_EQ(m[0].seq, 321u);
  EXPECT_EQ(m[0].level, 1);
  EXPECT_EQ(m[0].tsUsec, 6614997u);
  EXPECT_EQ(m[0].release, "6.12.117+deb12-amd64");
  EXPECT_EQ(m[0].msgid, 9u);
  ASSERT_EQ(m[0].dict.size(), 2u);
  EXPECT_EQ(m[0].dict[0].first, "host");
  EXPECT_FALSE(m[0].incomplete);
}

}  // namespace
}  // namespace ncxdp
