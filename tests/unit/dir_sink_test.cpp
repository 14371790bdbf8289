#include "sink/DirSink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_files.h"

namespace ncxdp {
namespace {

// 2026-11-28T13:18:14.123456Z
constexpr std::uint64_t kRecvUs = 1795871894ull * 1'000'000 + 123456;

using testing::readFile;

struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("ncxdp_dir") {}
};

std::vector<std::string> readLines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> listDir(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::size_t openFdCount() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

Record message(const std::string& src, std::string_view text) {
  Record r;
  EXPECT_TRUE(Source::parse(src, r.src)) << src;
  r.recvTsUs = kRecvUs;
  r.level = 6;
  r.text = text;
  return r;
}

Source nthSource(std::uint32_t i) {
  // 10.1.x.y:6665 for i < 65536
  return Source::ipv4(htonl(0x0a010000u | i), 6665);
}

TEST(DirSinkTest, OneFilePerSourceNamedByAddressAndPort) {
  TempDir dir;
  DirSink sink(dir.path);
  EXPECT_EQ(sink.name(), "dir");
  sink.write(message("10.0.0.5:6665", "first"));
  sink.write(message("[fd00::5]:6665", "v6 says hi"));
  sink.write(message("10.0.0.5:6666", "other port"));
  sink.write(message("10.0.0.5:6665", "second"));
  sink.flush();

  EXPECT_EQ(listDir(dir.path),
            (std::vector<std::string>{"10.0.0.5_6665.log", "10.0.0.5_6666.log", "fd00::5_6665.log"}));
  // The text sink's format without the source column.
  EXPECT_EQ(readLines(dir.path + "/10.0.0.5_6665.log"),
            (std::vector<std::string>{"2026-11-28T13:18:14.123456Z info   first",
                                      "2026-11-28T13:18:14.123456Z info   second"}));
  EXPECT_EQ(readFile(dir.path + "/fd00::5_6665.log"), "2026-11-28T13:18:14.123456Z info   v6 says hi\n");
  EXPECT_EQ(sink.stats().records, 4u);
  EXPECT_EQ(sink.stats().writeErrors, 0u);
}

TEST(DirSinkTest, FileNamesNeverComeFromContent) {
  TempDir dir;
  DirSink sink(dir.path);
  const KeyValue dict[] = {{"DEVICE", "../../etc/passwd"}};
  Record r = message("10.0.0.7:514", "../../../tmp/evil \x1b[2J\n");
  r.format = Format::Extended;
  r.release = "/etc/shadow";
  r.caller = "../x";
  r.dict = dict;
  sink.write(r);
  sink.flush();
  EXPECT_EQ(listDir(dir.path), (std::vector<std::string>{"10.0.0.7_514.log"}));
  const std::string content = readFile(dir.path + "/10.0.0.7_514.log");
  EXPECT_EQ(content.find('\x1b'), std::string::npos);  // escaped like the text sink
  EXPECT_NE(content.find("\\x1b[2J\\x0a"), std::string::npos);
}

TEST(DirSinkTest, TwoThousandSourcesWithSixteenOpenFiles) {
  TempDir dir;
  constexpr std::uint32_t kSources = 2000;
  const std::size_t fdsBefore = openFdCount();
  {
    DirSink sink(dir.path, 16);
    for (int pass = 0; pass < 3; ++pass) {
      for (std::uint32_t i = 0; i < kSources; ++i) {
        Record r = message("10.0.0.1:1", "");
        r.src = nthSource(i);
        const std::string text = "pass " + std::to_string(pass) + " source " + std::to_string(i);
        r.text = text;
        sink.write(r);
        ASSERT_LE(sink.openFiles(), 16u);
      }
      EXPECT_LE(openFdCount(), fdsBefore + 16);
      sink.flush();
    }
    EXPECT_EQ(sink.stats().writeErrors, 0u);
    EXPECT_EQ(sink.stats().records, 3u * kSources);
  }
  EXPECT_EQ(openFdCount(), fdsBefore);  // all closed with the sink
  EXPECT_EQ(listDir(dir.path).size(), kSources);
  for (std::uint32_t i : {0u, 1u, 999u, 1999u}) {
    const std::string name = nthSource(i).fileName() + ".log";
    const auto lines = readLines(dir.path + "/" + name);
    ASSERT_EQ(lines.size(), 3u) << name;
    for (int pass = 0; pass < 3; ++pass)
      EXPECT_EQ(
          lines[static_cast<std::size_t>(pass)],
          "2026-11-28T13:18:14.123456Z info   pass " + std::to_string(pass) + " source " + std::to_string(i));
  }
}

TEST(DirSinkTest, ReopenAfterRenameRecreatesFiles) {
  TempDir dir;
  DirSink sink(dir.path);
  sink.write(message("10.0.0.5:6665", "before"));
  sink.write(message("10.0.0.6:6665", "other before"));
  sink.flush();
  const std::string file = dir.path + "/10.0.0.5_6665.log";
  ASSERT_EQ(std::rename(file.c_str(), (file + ".1").c_str()), 0);
  sink.write(message("10.0.0.5:6665", "pending at rotation"));
  sink.reopen();
  EXPECT_EQ(sink.openFiles(), 0u);
  sink.write(message("10.0.0.5:6665", "after"));
  sink.write(message("10.0.0.6:6665", "other after"));
  sink.flush();

  EXPECT_EQ(readLines(file + ".1"),
            (std::vector<std::string>{"2026-11-28T13:18:14.123456Z info   before",
                                      "2026-11-28T13:18:14.123456Z info   pending at rotation"}));
  EXPECT_EQ(readLines(file), (std::vector<std::string>{"2026-11-28T13:18:14.123456Z info   after"}));
  EXPECT_EQ(readLines(dir.path + "/10.0.0.6_6665.log").size(), 2u);
}

TEST(DirSinkTest, ReopenRecreatesAMovedDirectory) {
  TempDir dir;
  const std::string logs = dir.path + "/logs";
  DirSink sink(logs);
  sink.write(message("10.0.0.5:6665", "before"));
  sink.flush();
  ASSERT_EQ(std::rename(logs.c_str(), (dir.path + "/logs.1").c_str()), 0);
  sink.reopen();
  sink.write(message("10.0.0.5:6665", "after"));
  sink.flush();
  EXPECT_EQ(readLines(logs + "/10.0.0.5_6665.log").size(), 1u);
  EXPECT_EQ(sink.stats().writeErrors, 0u);
}

TEST(DirSinkTest, CreatesMissingParents) {
  TempDir dir;
  const std::string deep = dir.path + "/a/b//c/";
  DirSink sink(deep);
  struct stat st;
  ASSERT_EQ(::stat((dir.path + "/a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  sink.write(message("10.0.0.5:6665", "deep"));
  sink.flush();
  EXPECT_EQ(readLines(dir.path + "/a/b/c/10.0.0.5_6665.log").size(), 1u);
}

TEST(DirSinkTest, BadDirectoriesThrowClearErrors) {
  TempDir dir;
  const std::string file = dir.path + "/plain-file";
  { std::ofstream(file) << "x"; }
  try {
    DirSink sink(file);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), file + " is not a directory");
  }
  try {
    DirSink sink(file + "/sub");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot create directory " + file + "/sub: Not a directory");
  }
}

TEST(DirSinkTest, PlantedSymlinkIsNotFollowed) {
  TempDir dir;
  const std::string target = dir.path + "/precious";
  { std::ofstream(target) << "keep\n"; }
  const std::string logs = dir.path + "/logs";
  DirSink sink(logs);
  ASSERT_EQ(::symlink(target.c_str(), (logs + "/10.0.0.5_6665.log").c_str()), 0);
  const int savedErr = ::dup(2);
  const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ::dup2(devNull, 2);
  sink.write(message("10.0.0.5:6665", "should not land in precious"));
  sink.flush();
  ::dup2(savedErr, 2);
  ::close(savedErr);
  ::close(devNull);
  EXPECT_EQ(readFile(target), "keep\n");
  EXPECT_EQ(sink.stats().writeErrors, 1u);
  // Other sources are unaffected.
  sink.write(message("10.0.0.6:6665", "fine"));
  sink.flush();
  EXPECT_EQ(readLines(logs + "/10.0.0.6_6665.log").size(), 1u);
}

TEST(DirSinkTest, BufferedUntilFlushOrFull) {
  TempDir dir;
  DirSink sink(dir.path);
  const std::string file = dir.path + "/10.0.0.5_6665.log";
  sink.write(message("10.0.0.5:6665", "small"));
  EXPECT_EQ(readFile(file), "");  // opened (created) on first record, written on flush
  const std::string big(500, 'z');
  for (int i = 0; i < 100; ++i) sink.write(message("10.0.0.5:6665", big));
  EXPECT_GE(readFile(file).size(), 16u * 1024);
  sink.close();
  EXPECT_EQ(readLines(file).size(), 101u);
}

// Every per-sender file ends on a whole line when the disk fills (the issue saw 256 files cut
// mid-line), and each record is either in its file or counted as lost.
TEST(DirSinkTest, FullDiskLeavesEveryFileOnAWholeLine) {
  TempDir dir;
  std::uint64_t total = 0;
  {
    DirSink sink(dir.path, 4);  // fewer open files than senders: evictions write too
    testing::FileSizeLimit limit(3000);
    const int saved = ::dup(2);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(devnull, 2);
    for (int i = 0; i < 600; ++i) {
      const std::uint32_t sender = std::uint32_t(i % 6);
      const std::string text = "record " + std::to_string(i) + " " + std::string(40, 'z');
      Record r = message("10.1.0." + std::to_string(sender + 1) + ":6665", text);
      sink.write(r);
      ++total;
      if (i % 100 == 99) sink.flush();
    }
    sink.close();
    ::dup2(saved, 2);
    ::close(saved);
    ::close(devnull);
    std::uint64_t lines = 0;
    for (const std::string& name : listDir(dir.path)) {
      const std::string text = readFile(dir.path + "/" + name);
      ASSERT_FALSE(text.empty()) << name;
      EXPECT_EQ(text.back(), '\n') << name;
      for (const std::string& line : readLines(dir.path + "/" + name)) {
        // One record per line: timestamp, level, text, and nothing glued after it.
        EXPECT_EQ(line.rfind("2026-11-28T13:18:14.123456Z info   record ", 0), 0u) << name << ": " << line;
        EXPECT_EQ(line.find('Z', 27), std::string::npos) << name << ": " << line;
        ++lines;
      }
    }
    EXPECT_EQ(listDir(dir.path).size(), 6u);
    EXPECT_EQ(sink.stats().written, lines);
    EXPECT_GT(sink.stats().dropped[DropReason::NoSpace], 0u);
    EXPECT_EQ(sink.stats().written + sink.stats().dropped.total(), total);
  }
}

TEST(DirSinkTest, FileThatCannotBeOpenedCountsEachRecord) {
  TempDir dir;
  DirSink sink(dir.path);
  Record r = message("10.1.0.9:6665", "blocked");
  // A directory where the file should be: open(O_WRONLY) fails with EISDIR.
  ASSERT_EQ(::mkdir((dir.path + "/" + r.src.fileName() + ".log").c_str(), 0755), 0);
  const int saved = ::dup(2);
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ::dup2(devnull, 2);
  for (int i = 0; i < 3; ++i) sink.write(r);
  sink.close();
  ::dup2(saved, 2);
  ::close(saved);
  ::close(devnull);
  EXPECT_EQ(sink.stats().dropped[DropReason::CannotOpen], 3u);
  EXPECT_EQ(sink.stats().written, 0u);
}

}  // namespace
}  // namespace ncxdp
