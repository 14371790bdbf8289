#include "sink/JsonlSink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_files.h"

namespace ncxdp {
namespace {

using nlohmann::json;

using testing::readFile;

struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("ncxdp_jsonl") {}
};

std::vector<json> readLines(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

Record message(std::string_view text, std::uint64_t seq) {
  Record r;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.recvTsUs = 1'700'000'000'000'000ull + seq;
  r.format = Format::Extended;
  r.level = 6;
  r.facility = 0;
  r.seq = seq;
  r.text = text;
  return r;
}

// Captures what a test writes to one of the process's standard fds.
class FdCapture {
 public:
  FdCapture(int fd, const std::string& file) : fd_(fd) {
    saved_ = ::dup(fd);
    const int f = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(f, fd);
    ::close(f);
  }
  ~FdCapture() { restore(); }
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, fd_);
    ::close(saved_);
    saved_ = -1;
  }

 private:
  int fd_;
  int saved_;
};

struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
};

TEST(JsonlSinkTest, AppendsToAnExistingFile) {
  TempDir dir;
  const std::string path = dir.path + "/out.jsonl";
  { std::ofstream(path) << "{\"earlier\":true}\n"; }
  {
    JsonlSink sink(path);
    EXPECT_EQ(sink.name(), "jsonl");
    sink.write(message("one", 1));
    sink.write(message("two", 2));
    EXPECT_EQ(readLines(path).size(), 1u);  // buffered until flush
    sink.flush();
    sink.write(message("three", 3));
    sink.close();
    EXPECT_EQ(sink.stats().records, 3u);
    EXPECT_EQ(sink.stats().writeErrors, 0u);
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0]["earlier"].get<bool>());
  EXPECT_EQ(lines[1]["text"], "one");
  EXPECT_EQ(lines[2]["seq"], 2);
  EXPECT_EQ(lines[3]["text"], "three");
  EXPECT_EQ(lines[3]["src"], "10.0.0.5:6665");

  struct stat st;
  ASSERT_EQ(::stat((dir.path + "/new.jsonl").c_str(), &st), -1);
  const mode_t oldMask = ::umask(022);
  JsonlSink created(dir.path + "/new.jsonl");
  ::umask(oldMask);
  ASSERT_EQ(::stat((dir.path + "/new.jsonl").c_str(), &st), 0);  // opened eagerly
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(JsonlSinkTest, ReopenAfterRenameStartsANewFile) {
  TempDir dir;
  const std::string path = dir.path + "/ncxdp.jsonl";
  const std::string rotated = path + ".1";
  JsonlSink sink(path);
  sink.write(message("before rotation", 1));
  sink.flush();
  ASSERT_EQ(std::rename(path.c_str(), rotated.c_str()), 0);
  sink.write(message("still old file", 2));  // written by reopen()'s flush, to the renamed file
  sink.reopen();
  sink.write(message("after rotation", 3));
  sink.flush();

  const auto old = readLines(rotated);
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(old[0]["text"], "before rotation");
  EXPECT_EQ(old[1]["text"], "still old file");
  const auto fresh = readLines(path);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0]["text"], "after rotation");
  EXPECT_EQ(sink.stats().writeErrors, 0u);
}

TEST(JsonlSinkTest, FailedReopenIsRetriedOnLaterFlushes) {
  TempDir dir;
  const std::string sub = dir.path + "/logs";
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  const std::string path = sub + "/x.jsonl";
  JsonlSink sink(path);
  ASSERT_EQ(std::rename(sub.c_str(), (dir.path + "/logs.old").c_str()), 0);
  {
    FdCapture err(2, dir.path + "/stderr.txt");
    sink.reopen();  // directory gone: cannot open
    sink.write(message("lost", 1));
    sink.flush();
  }
  EXPECT_EQ(sink.stats().writeErrors, 2u);
  const std::string report = readFile(dir.path + "/stderr.txt");
  EXPECT_NE(report.find("cannot reopen " + path + ": No such file or directory"), std::string::npos)
      << report;
  EXPECT_EQ(std::count(report.begin(), report.end(), '\n'), 1);  // reported once

  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  sink.write(message("recovered", 2));
  sink.flush();
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], "recovered");
}

TEST(JsonlSinkTest, BadPathThrowsAtConstruction) {
  try {
    JsonlSink sink("/nonexistent-ncxdp-dir/x.jsonl");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot open /nonexistent-ncxdp-dir/x.jsonl: No such file or directory");
  }
}

TEST(JsonlSinkTest, DiskFullIsCountedAndReportedOnce) {
  struct stat st;
  if (::stat("/dev/full", &st) != 0) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  JsonlSink sink("/dev/full");
  {
    FdCapture err(2, dir.path + "/stderr.txt");
    for (int i = 0; i < 3; ++i) {
      sink.write(message("x", static_cast<std::uint64_t>(i)));
      EXPECT_NO_THROW(sink.flush());
    }
  }
  EXPECT_EQ(sink.stats().writeErrors, 3u);
  EXPECT_EQ(sink.stats().dropped[DropReason::NoSpace], 3u);
  EXPECT_EQ(sink.stats().written, 0u);
  const std::string report = readFile(dir.path + "/stderr.txt");
  EXPECT_EQ(
      report,
      "ncxdp: jsonl sink: write to /dev/full: No space left on device; further errors are only counted\n");
}

// The issue-13 case: a disk fills mid-write, then has room again. The file must still parse line
// by line (no fragment glued to the next record), and every record is either in it or counted.
TEST(JsonlSinkTest, FullDiskKeepsWholeRecordsAndCountsEachLostOne) {
  TempDir dir;
  const std::string path = dir.path + "/full.jsonl";
  JsonlSink sink(path);
  {
    testing::FileSizeLimit limit(10'000);
    FdCapture err(2, dir.path + "/stderr.txt");
    for (int i = 0; i < 500; ++i) {
      sink.write(message("filling the disk with record " + std::to_string(i), std::uint64_t(i)));
      if (i % 50 == 49) sink.flush();
    }
    sink.flush();
  }
  const std::uint64_t first = readLines(path).size();
  EXPECT_GT(first, 10u);
  EXPECT_EQ(sink.stats().written, first);
  EXPECT_EQ(sink.stats().dropped[DropReason::NoSpace], 500 - first);
  EXPECT_EQ(sink.stats().written + sink.stats().dropped.total(), 500u);
  // Room again: the next record starts on a line of its own.
  sink.write(message("after the disk was freed", 500));
  sink.close();
  const std::string all = readFile(path);
  ASSERT_EQ(all.back(), '\n');
  const auto lines = readLines(path);  // json::parse throws on a fragment
  ASSERT_EQ(lines.size(), first + 1);
  EXPECT_EQ(lines.back()["text"], "after the disk was freed");
  for (std::size_t i = 0; i < first; ++i) EXPECT_EQ(lines[i]["seq"], i);
  EXPECT_EQ(sink.stats().records, sink.stats().written + sink.stats().dropped.total());
}

TEST(JsonlSinkTest, BrokenPipeIsCountedNotThrown) {
  IgnoreSigpipe ignore;
  TempDir dir;
  const std::string fifo = dir.path + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  JsonlSink sink(fifo);
  ::close(reader);
  FdCapture err(2, dir.path + "/stderr.txt");
  sink.write(message("x", 1));
  EXPECT_NO_THROW(sink.flush());
  err.restore();
  EXPECT_EQ(sink.stats().writeErrors, 1u);
  EXPECT_EQ(sink.stats().dropped[DropReason::BrokenPipe], 1u);
  EXPECT_NE(readFile(dir.path + "/stderr.txt").find("Broken pipe"), std::string::npos);
}

TEST(JsonlSinkTest, BigBatchesAreWrittenBeforeFlush) {
  TempDir dir;
  const std::string path = dir.path + "/big.jsonl";
  JsonlSink sink(path);
  const std::string text(300, 'y');
  for (int i = 0; i < 1000; ++i) sink.write(message(text, static_cast<std::uint64_t>(i)));
  EXPECT_GE(readFile(path).size(), 64u * 1024);
  sink.flush();
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(lines[static_cast<std::size_t>(i)]["seq"], i);
}

TEST(JsonlSinkTest, DashWritesToStdout) {
  TempDir dir;
  const std::string captured = dir.path + "/stdout.txt";
  {
    FdCapture out(1, captured);
    JsonlSink sink("-");
    sink.write(message("to stdout", 9));
    sink.reopen();  // flushes; stdout itself is never reopened
    sink.write(message("still stdout", 10));
    sink.close();
  }
  EXPECT_NE(::fcntl(1, F_GETFD), -1);  // close() left stdout open
  const auto lines = readLines(captured);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["text"], "to stdout");
  EXPECT_EQ(lines[1]["text"], "still stdout");
}

}  // namespace
}  // namespace ncxdp
