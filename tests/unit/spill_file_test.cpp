#include "nats/SpillFile.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_files.h"

namespace ncxdp {
namespace {

using testing::readFile;
using testing::TempDir;

TEST(SpillFileTest, AppendsCountsAndFlushes) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  {
    SpillFile spill(path);
    EXPECT_TRUE(std::filesystem::exists(path));  // opened at construction
    spill.append("{\"a\":1}\n", 1);
    spill.append("{\"a\":2}\n{\"a\":3}\n", 2);
    EXPECT_EQ(readFile(path), "");  // buffered
    EXPECT_EQ(spill.spilled(), 0u);
    spill.flush();
    EXPECT_EQ(readFile(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    EXPECT_EQ(spill.spilled(), 3u);
    EXPECT_EQ(spill.lost(), 0u);
    spill.append("{\"a\":4}\n", 1);
  }  // the destructor flushes
  EXPECT_EQ(readFile(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n");
}

TEST(SpillFileTest, AppendsToWhatIsThere) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  { SpillFile(path).append("x\n", 1); }
  { SpillFile(path).append("y\n", 1); }
  EXPECT_EQ(readFile(path), "x\ny\n");
}

TEST(SpillFileTest, LargeAppendsGoOutWithoutFlush) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  SpillFile spill(path);
  const std::string line(1000, 'x');
  for (int i = 0; i < 100; ++i) spill.append(line + "\n", 1);
  EXPECT_GE(readFile(path).size(), 64u * 1024);  // at most 64 KiB stay buffered
  spill.flush();
  EXPECT_EQ(readFile(path).size(), 100u * 1001);
  EXPECT_EQ(spill.spilled(), 100u);
}

TEST(SpillFileTest, ReopenAfterRotation) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  SpillFile spill(path);
  spill.append("old\n", 1);
  spill.flush();
  std::filesystem::rename(path, path + ".1");
  spill.append("new\n", 1);
  spill.reopen();  // flushes into the moved file, then starts a new one
  spill.append("newer\n", 1);
  spill.flush();
  EXPECT_EQ(readFile(path + ".1"), "old\nnew\n");
  EXPECT_EQ(readFile(path), "newer\n");
  EXPECT_EQ(spill.spilled(), 3u);
}

TEST(SpillFileTest, BadPathFailsAtStartup) {
  try {
    SpillFile spill("/nonexistent-ncxdp/spill.jsonl");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "cannot open spill file /nonexistent-ncxdp/spill.jsonl: No such file or directory");
  }
}

TEST(SpillFileTest, WriteErrorCountsLostRecords) {
  SpillFile spill("/dev/full");
  spill.append("a\nb\n", 2);
  spill.flush();
  EXPECT_EQ(spill.spilled(), 0u);
  EXPECT_EQ(spill.lost(), 2u);
}

TEST(SpillFileTest, FullDiskKeepsWholeLinesAndCountsEveryRecord) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  const std::string line = "{\"text\":\"" + std::string(88, 's') + "\"}\n";  // 100 bytes
  ASSERT_EQ(line.size(), 100u);
  {
    SpillFile spill(path);
    {
      testing::FileSizeLimit limit(20'050);
      const int saved = ::dup(2);
      const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      ::dup2(devnull, 2);
      for (int i = 0; i < 1000; ++i) spill.append(line, 1);
      spill.flush();
      ::dup2(saved, 2);
      ::close(saved);
      ::close(devnull);
    }
    EXPECT_EQ(spill.spilled(), 200u);
    EXPECT_EQ(spill.lost(), 800u);
    EXPECT_EQ(spill.dropped()[DropReason::NoSpace], 800u);
    spill.append(line, 1);
    spill.flush();
    EXPECT_EQ(spill.spilled(), 201u);
  }
  const std::string all = readFile(path);
  ASSERT_EQ(all.size(), 201u * 100);
  for (std::size_t pos = 0; pos < all.size(); pos += 100) ASSERT_EQ(all.substr(pos, 100), line) << pos;
}

TEST(SpillFileTest, TwoThreadsKeepLinesWhole) {
  TempDir dir;
  const std::string path = dir.path + "/spill.jsonl";
  SpillFile spill(path);
  auto writer = [&spill](char c) {
    const std::string line = std::string(300, c) + "\n";
    for (int i = 0; i < 2000; ++i) spill.append(line, 1);
  };
  std::thread a(writer, 'a');
  std::thread b(writer, 'b');
  a.join();
  b.join();
  spill.flush();
  EXPECT_EQ(spill.spilled(), 4000u);
  const std::string all = readFile(path);
  std::size_t lines = 0;
  for (std::size_t pos = 0; pos < all.size(); pos += 301, ++lines) {
    ASSERT_EQ(all[pos + 300], '\n');
    ASSERT_EQ(all.find_first_not_of(all[pos], pos), pos + 300);
  }
  EXPECT_EQ(lines, 4000u);
}

}  // namespace
}  // namespace ncxdp
