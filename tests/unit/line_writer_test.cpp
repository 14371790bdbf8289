#include "sink/LineWriter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "test_files.h"

namespace ncxdp {
namespace {

using testing::FileSizeLimit;
using testing::readFile;

// n lines of exactly `width` bytes each ('\n' included), numbered so a test can see which made it.
std::string lines(int first, int n, std::size_t width) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    std::string line = "record " + std::to_string(i) + " ";
    line.resize(width - 1, 'x');
    out += line + '\n';
  }
  return out;
}

TEST(LineWriterTest, WholeBatchIsWritten) {
  testing::TempDir dir("ncxdp_lines");
  const std::string path = dir.path + "/out";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  LineWriter w;
  const LineWriter::Outcome o = w.write(fd, lines(0, 10, 50), 10);
  EXPECT_EQ(o.written, 10u);
  EXPECT_EQ(o.lost, 0u);
  EXPECT_EQ(o.err, 0);
  EXPECT_FALSE(w.pending());
  ::close(fd);
  EXPECT_EQ(readFile(path), lines(0, 10, 50));
}

// A file that cannot grow: the write is cut mid-record, the fragment is truncated away, and once
// there is room again the next record starts on its own line.
TEST(LineWriterTest, FullFileRollsBackTheCutRecord) {
  testing::TempDir dir("ncxdp_lines");
  const std::string path = dir.path + "/out";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  LineWriter w;
  FileSizeLimit limit(1000);
  // 30 lines of 64 bytes: 15 whole lines fit in 1000 bytes (960), the 16th is cut at byte 1000.
  LineWriter::Outcome o = w.write(fd, lines(0, 30, 64), 30);
  EXPECT_EQ(o.err, EFBIG);
  EXPECT_EQ(o.written, 15u);
  EXPECT_EQ(o.lost, 15u);
  EXPECT_FALSE(w.pending());
  EXPECT_EQ(readFile(path), lines(0, 15, 64));
  // Still full: nothing is written, everything counted.
  o = w.write(fd, lines(30, 5, 64), 5);
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(o.lost, 5u);
  limit.lift();
  o = w.write(fd, lines(35, 2, 64), 2);
  EXPECT_EQ(o.err, 0);
  EXPECT_EQ(o.written, 2u);
  ::close(fd);
  EXPECT_EQ(readFile(path), lines(0, 15, 64) + lines(35, 2, 64));
}

// stdout redirected with '>' (no O_APPEND): after the rollback the offset must follow the file's
// end, or the next write would leave a hole of zero bytes.
TEST(LineWriterTest, RollbackWithoutAppendLeavesNoHole) {
  testing::TempDir dir("ncxdp_lines");
  const std::string path = dir.path + "/out";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  LineWriter w;
  {
    FileSizeLimit limit(100);
    const LineWriter::Outcome o = w.write(fd, lines(0, 3, 40), 3);
    EXPECT_EQ(o.written, 2u);
    EXPECT_EQ(o.lost, 1u);
  }
  EXPECT_EQ(w.write(fd, lines(3, 1, 40), 1).written, 1u);
  ::close(fd);
  EXPECT_EQ(readFile(path), lines(0, 2, 40) + lines(3, 1, 40));
}

// A pipe cannot be truncated: the rest of the cut record is written first next time, so the
// reader still sees whole lines. The pipe is non-blocking and nobody reads, so writeAll gives up
// after its one-second wait (EAGAIN).
TEST(LineWriterTest, CutRecordInAPipeIsFinishedBeforeTheNextOne) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_GE(::fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
  const int size = ::fcntl(fds[1], F_GETPIPE_SZ);
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  LineWriter w;
  const std::size_t width = 100;
  LineWriter::Outcome o = w.write(fds[1], lines(0, 100, width), 100);
  EXPECT_EQ(o.err, EAGAIN);
  const std::uint64_t whole = std::uint64_t(size) / width;
  EXPECT_EQ(o.written, whole);
  ASSERT_NE(size % width, 0u);
  EXPECT_TRUE(w.pending());
  // The cut record is neither written nor lost yet.
  EXPECT_EQ(o.lost, 100 - whole - 1);
  std::string got;
  char buf[8192];
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  ASSERT_GT(n, 0);
  got.append(buf, std::size_t(n));
  o = w.write(fds[1], lines(500, 1, width), 1);
  EXPECT_EQ(o.err, 0);
  EXPECT_EQ(o.written, 2u);  // the cut record, then the new one
  EXPECT_FALSE(w.pending());
  n = ::read(fds[0], buf, sizeof buf);
  ASSERT_GT(n, 0);
  got.append(buf, std::size_t(n));
  EXPECT_EQ(got, lines(0, int(whole) + 1, width) + lines(500, 1, width));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(LineWriterTest, BrokenPipeLosesTheBatchAndAbandonCountsACutRecord) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[0]);
  LineWriter w;
  const LineWriter::Outcome o = w.write(fds[1], lines(0, 7, 30), 7);
  EXPECT_EQ(o.err, EPIPE);
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(o.lost, 7u);
  EXPECT_EQ(w.abandon(), 0u);
  ::close(fds[1]);
  ::sigaction(SIGPIPE, &old, nullptr);
}

}  // namespace
}  // namespace ncxdp
