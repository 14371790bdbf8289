#include "sink/TextSink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "decode/Record.h"
#include "sink/TextFormat.h"
#include "sink/Utf8.h"
#include "test_files.h"

namespace ncxdp {
namespace {

// 2026-11-28T13:18:14.123456Z
constexpr std::uint64_t kRecvUs = 1795871894ull * 1'000'000 + 123456;

Record message(std::string_view text) {
  Record r;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.recvTsUs = kRecvUs;
  r.text = text;
  return r;
}

std::string lineOf(const Record& r, bool showSource = true, bool colour = false) {
  TextFormat f(showSource, colour);
  std::string out;
  f.append(r, out);
  return out;
}

std::string escaped(std::string_view s) {
  std::string out;
  TextFormat::appendEscaped(s, out);
  return out;
}

// Reads everything written to the read end of a pipe so far.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};

// Nothing a terminal acts on: no C0 byte but the final '\n', no DEL, no C1, no bidi controls, and
// valid UTF-8 throughout.
void expectTerminalSafe(std::string_view line, std::string_view what) {
  ASSERT_FALSE(line.empty()) << what;
  EXPECT_EQ(line.back(), '\n') << what;
  const std::string_view body = line.substr(0, line.size() - 1);
  EXPECT_TRUE(isValidUtf8(body)) << what;
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  for (std::size_t i = 0; i < body.size();) {
    EXPECT_GE(p[i], 0x20) << what << " at " << i;
    EXPECT_NE(p[i], 0x7f) << what << " at " << i;
    const Utf8Char u = decodeUtf8(p + i, body.size() - i);
    if (!u.valid) return;  // already reported by isValidUtf8
    EXPECT_FALSE(u.codePoint >= 0x80 && u.codePoint <= 0x9f) << what << " C1 at " << i;
    EXPECT_FALSE(u.codePoint >= 0x202a && u.codePoint <= 0x202e) << what << " bidi at " << i;
    EXPECT_FALSE(u.codePoint >= 0x2066 && u.codePoint <= 0x2069) << what << " bidi at " << i;
    EXPECT_FALSE(u.codePoint == 0x2028 || u.codePoint == 0x2029) << what << " separator at " << i;
    i += u.length;
  }
}

TEST(TextSinkTest, EscapeTable) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"plain text", "plain text"},
      {"back\\slash", "back\\\\slash"},
      {"tab\there", "tab\\x09here"},
      {"cr\rlf\nbs\b", "cr\\x0dlf\\x0abs\\x08"},
      {"\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"del\x7f", "del\\x7f"},
      {"\xc2\x9b"
       "31m",
       "\\xc2\\x9b31m"},           // C1 CSI in UTF-8
      {"\xc2\x85", "\\xc2\\x85"},  // NEL
      {"\x9b"
       "31m",
       "\\x9b31m"},                // raw 8-bit CSI: invalid UTF-8
      {"\xc0\x9b", "\\xc0\\x9b"},  // overlong ESC
      {"\xe0\x80\x9b", "\\xe0\\x80\\x9b"},
      {"\xff\xfe", "\\xff\\xfe"},
      {"cut \xe2\x82", "cut \\xe2\\x82"},
      {"evil\xe2\x80\xaegnp.exe", "evil\\u{202e}gnp.exe"},
      {"\xe2\x81\xa6x\xe2\x81\xa9", "\\u{2066}x\\u{2069}"},
      {"\xe2\x80\xa8", "\\u{2028}"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0",
       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0"},
  };
  for (const Case& c : cases) EXPECT_EQ(escaped(c.in), c.out) << c.in;
}

TEST(TextSinkTest, PlainLineExact) {
  Record r = message("netconsole: network logging started");
  r.tsUsec = 12345678;
  EXPECT_EQ(lineOf(r),
            "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 -      [   12.345678] netconsole: network logging "
            "started\n");
  r.level = 6;
  r.tsUsec.reset();
  EXPECT_EQ(lineOf(r),
            "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 info   netconsole: network logging started\n");
}

TEST(TextSinkTest, ExtendedLineWithExtras) {
  const KeyValue dict[] = {{"SUBSYSTEM", "pci"}, {"DEVICE", "+pci:0000:00:19.0"}};
  Record r = message("e1000e 0000:00:19.0 eth0: NIC Link is Up");
  r.format = Format::Extended;
  r.facility = 0;
  r.level = 6;
  r.seq = 339;
  r.tsUsec = 5140900;
  r.dict = dict;
  EXPECT_EQ(
      lineOf(r),
      "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 info   [    5.140900] e1000e 0000:00:19.0 eth0: NIC Link "
      "is Up {SUBSYSTEM=pci, DEVICE=+pci:0000:00:19.0} (seq=339)\n");

  Record e = message("netconsole selftest");
  e.format = Format::Extended;
  e.release = "6.18.0";
  e.facility = 1;
  e.level = 5;
  e.seq = 1822;
  e.tsUsec = 115075213798ull;
  e.msgid = 1;
  e.caller = "T123";
  e.cont = true;
  EXPECT_EQ(lineOf(e, /*showSource=*/false),
            "2026-11-28T13:18:14.123456Z notice [115075.213798] netconsole selftest (seq=1822 msgid=1 "
            "caller=T123 release=6.18.0 fac=1 cont)\n");

  Record d = message("Kernel panic - not syncing: sysrq triggered crash");
  d.format = Format::Extended;
  d.facility = 0;
  d.level = 0;
  d.seq = 42;
  d.tsUsec = 6614997;
  d.msgid = 460;
  d.dump = 1;
  EXPECT_EQ(lineOf(d, false),
            "2026-11-28T13:18:14.123456Z emerg  [    6.614997] Kernel panic - not syncing: sysrq triggered "
            "crash (seq=42 msgid=460 dump=1)\n");
}

TEST(TextSinkTest, IncompleteAndGapLines) {
  const ByteRange missing[] = {{12, 40}, {90, 100}};
  Record r = message("partial");
  r.level = 4;
  r.incomplete = true;
  r.missing = missing;
  EXPECT_EQ(lineOf(r),
            "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 warn   partial (incomplete: missing 12-40, 90-100)\n");

  Record g = message("");
  g.kind = RecordKind::Gap;
  g.gapFrom = 101;
  g.gapTo = 104;
  EXPECT_EQ(lineOf(g), "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 GAP    seq 101..104 missing (4)\n");
  g.gapField = GapField::Msgid;
  g.gapTo = 101;
  EXPECT_EQ(lineOf(g, false), "2026-11-28T13:18:14.123456Z GAP    msgid 101..101 missing (1)\n");
  g.gapFrom = 0xffffffffu;
  g.gapTo = 0;
  EXPECT_EQ(lineOf(g, false), "2026-11-28T13:18:14.123456Z GAP    msgid 4294967295..0 missing (2)\n");
}

TEST(TextSinkTest, HostileInputNeverReachesTheTerminalRaw) {
  const std::vector<std::string> hostile = {
      "\x1b[2J\x1b[H",
      "\x1b]0;title\x07",
      "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",
      "over\rwrite",
      "back\b\b\bspace",
      "line\nbreak",
      std::string("nul\0byte", 8),
      "\x7f",
      "\x9b"
      "2J",
      "\xc2\x9b"
      "2J",
      "\xc2\x9d"
      "0;t\xc2\x9c",
      "\xc2\x85",
      "\xc0\x9b[2J",
      "\xe0\x80\x9b[2J",
      "\xf0\x80\x80\x9b",
      "\xed\xa0\x80",
      "\xf4\x90\x80\x80",
      "abc\xe2\x80\xae"
      "cba",
      "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
      "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
      "\xe2\x80\xa8\xe2\x80\xa9",
      "trailing \xe2\x80",
      "trailing \xc2",
      std::string(300, '\x1b'),
  };
  for (bool colour : {false, true}) {
    for (const std::string& h : hostile) {
      const KeyValue dict[] = {{h, h}};
      Record r = message(h);
      r.format = Format::Extended;
      r.level = 3;
      r.release = h;
      r.caller = h;
      r.dict = dict;
      Pipe pipe;
      TextSink sink(pipe.fds[1], colour);
      sink.write(r);
      sink.flush();
      std::string out = drain(pipe.fds[0]);
      if (colour) {
        // The only escape sequences are ours, around the level and text.
        const std::string open = "\x1b[31m";
        const std::string reset = "\x1b[0m";
        ASSERT_NE(out.find(open), std::string::npos);
        out.erase(out.find(open), open.size());
        ASSERT_NE(out.rfind(reset), std::string::npos);
        out.erase(out.rfind(reset), reset.size());
      }
      expectTerminalSafe(out, h);
      EXPECT_EQ(sink.stats().writeErrors, 0u);
    }
  }
}

TEST(TextSinkTest, ColourOnlyWhenAskedAndByLevel) {
  Record r = message("disk on fire");
  r.level = 2;
  const std::string coloured = lineOf(r, true, true);
  EXPECT_EQ(coloured, "2026-11-28T13:18:14.123456Z 10.0.0.5:6665 \x1b[1;31mcrit   disk on fire\x1b[0m\n");
  r.level = 6;
  EXPECT_EQ(lineOf(r, true, true).find('\x1b'), std::string::npos);  // info keeps the default colour
  r.level = 4;
  EXPECT_EQ(lineOf(r, true, false).find('\x1b'), std::string::npos);
  Record g = message("");
  g.kind = RecordKind::Gap;
  EXPECT_NE(lineOf(g, true, true).find("\x1b[1;35mGAP"), std::string::npos);
}

TEST(TextSinkTest, ColourNeedsATerminalAndNoNoColor) {
  Pipe pipe;
  const char* saved = std::getenv("NO_COLOR");
  const std::string savedValue = saved ? saved : "";
  ::unsetenv("NO_COLOR");
  EXPECT_FALSE(TextSink::wantColour(pipe.fds[1]));

  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master >= 0 && ::grantpt(master) == 0 && ::unlockpt(master) == 0) {
    const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave, 0);
    EXPECT_TRUE(TextSink::wantColour(slave));
    ::setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(TextSink::wantColour(slave));
    ::setenv("NO_COLOR", "", 1);  // empty means unset (no-color.org)
    EXPECT_TRUE(TextSink::wantColour(slave));
    ::close(slave);
  }
  if (master >= 0) ::close(master);
  if (saved)
    ::setenv("NO_COLOR", savedValue.c_str(), 1);
  else
    ::unsetenv("NO_COLOR");
}

TEST(TextSinkTest, BuffersUntilFlush) {
  Pipe pipe;
  TextSink sink(pipe.fds[1], false);
  Record r = message("hello");
  sink.write(r);
  sink.write(r);
  EXPECT_EQ(drain(pipe.fds[0]), "");
  sink.flush();
  const std::string out = drain(pipe.fds[0]);
  EXPECT_EQ(out, lineOf(r) + lineOf(r));
  EXPECT_EQ(sink.stats().records, 2u);
  EXPECT_EQ(sink.name(), "text");
}

TEST(TextSinkTest, LargeBurstIsWrittenBeforeFlush) {
  Pipe pipe;
  TextSink sink(pipe.fds[1], false);
  const std::string text(200, 'x');
  Record r = message(text);
  for (int i = 0; i < 1000; ++i) sink.write(r);  // ~250 KiB
  const std::string early = drain(pipe.fds[0]);
  EXPECT_GE(early.size(), 64u * 1024);
  sink.flush();
  const std::string rest = drain(pipe.fds[0]);
  EXPECT_EQ(early.size() + rest.size(), 1000 * lineOf(r).size());
}

// A small non-blocking pipe and a slow reader: write() returns short counts and EAGAIN, and every
// byte must still arrive once, in order.
TEST(TextSinkTest, PartialWritesOnANonBlockingPipeLoseNothing) {
  Pipe pipe;
  ASSERT_GE(::fcntl(pipe.fds[1], F_SETPIPE_SZ, 4096), 0);
  ::fcntl(pipe.fds[1], F_SETFL, O_NONBLOCK);
  std::string received;
  std::thread reader([&] {
    ::fcntl(pipe.fds[0], F_SETFL, 0);  // blocking reads until the write end closes
    char buf[1000];
    for (;;) {
      const ssize_t n = ::read(pipe.fds[0], buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<std::size_t>(n));
      ::usleep(50);
    }
  });
  std::string expected;
  {
    TextSink sink(pipe.fds[1], false);
    for (int i = 0; i < 2000; ++i) {
      const std::string text = "record " + std::to_string(i);
      Record r = message(text);
      sink.write(r);
      expected += lineOf(r);
    }
    sink.flush();
    EXPECT_EQ(sink.stats().writeErrors, 0u);
    EXPECT_EQ(sink.stats().written, 2000u);
  }
  ::close(pipe.fds[1]);
  pipe.fds[1] = -1;
  reader.join();
  EXPECT_EQ(received, expected);
}

TEST(TextSinkTest, BrokenPipeIsCountedNotThrown) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  {
    Pipe pipe;
    ::close(pipe.fds[0]);
    pipe.fds[0] = -1;
    TextSink sink(pipe.fds[1], false);
    sink.write(message("into the void"));
    EXPECT_NO_THROW(sink.flush());
    sink.write(message("again"));
    EXPECT_NO_THROW(sink.flush());
    EXPECT_EQ(sink.stats().writeErrors, 2u);
    EXPECT_EQ(sink.stats().records, 2u);
    EXPECT_EQ(sink.stats().written, 0u);
    EXPECT_EQ(sink.stats().dropped[DropReason::BrokenPipe], 2u);
  }
  ::sigaction(SIGPIPE, &old, nullptr);
}

// stdout redirected to a file on a full disk (`ncxdp listen > log`): whole lines only, and the
// records that did not fit are counted one by one.
TEST(TextSinkTest, FullDiskBehindStdoutKeepsWholeLines) {
  testing::TempDir dir("ncxdp_text");
  const std::string path = dir.path + "/out.txt";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::string expected;
  {
    TextSink sink(fd, false);
    {
      testing::FileSizeLimit limit(5000);
      const int saved = ::dup(2);
      const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      ::dup2(devnull, 2);  // the one-line report is tested elsewhere
      for (int i = 0; i < 300; ++i) {
        const std::string text = "line " + std::to_string(i);
        Record r = message(text);
        sink.write(r);
        expected += lineOf(r);
        if (i % 30 == 29) sink.flush();
      }
      sink.close();
      ::dup2(saved, 2);
      ::close(saved);
      ::close(devnull);
    }
    const std::string got = testing::readFile(path);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), '\n');
    EXPECT_EQ(got, expected.substr(0, got.size()));  // a prefix of whole lines, no hole, no fragment
    const auto lines = std::uint64_t(std::count(got.begin(), got.end(), '\n'));
    EXPECT_EQ(sink.stats().written, lines);
    EXPECT_EQ(sink.stats().dropped[DropReason::NoSpace], 300 - lines);
  }
  ::close(fd);
}

}  // namespace
}  // namespace ncxdp
