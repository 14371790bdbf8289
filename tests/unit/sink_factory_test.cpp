#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "cli/SinkFactory.h"
#include "sink/Sink.h"

namespace ncxdp {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ncxdp_factory_XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path = p ? p : "";
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string errorOf(const std::string& spec) {
  try {
    makeSink(spec);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SinkFactoryTest, BuildsEachKind) {
  TempDir dir;
  EXPECT_EQ(makeSink("text")->name(), "text");
  EXPECT_EQ(makeSink("jsonl:-")->name(), "jsonl");

  const std::string file = dir.path + "/out.jsonl";
  auto jsonl = makeSink("jsonl:" + file);
  EXPECT_EQ(jsonl->name(), "jsonl");
  struct stat st;
  EXPECT_EQ(::stat(file.c_str(), &st), 0);  // opened at construction

  const std::string logs = dir.path + "/logs";
  auto dirSink = makeSink("dir:" + logs);
  EXPECT_EQ(dirSink->name(), "dir");
  ASSERT_EQ(::stat(logs.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));

  Record r;
  ASSERT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.text = "through the interface";
  dirSink->write(r);
  dirSink->close();
  EXPECT_EQ(dirSink->stats().records, 1u);
  std::ifstream in(logs + "/10.0.0.5_6665.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("through the interface"), std::string::npos);
}

TEST(SinkFactoryTest, ErrorsNameTheSpecAndTheFix) {
  EXPECT_EQ(errorOf("foo"),
            "--out 'foo': unknown sink type 'foo' (expected text, jsonl:PATH, dir:PATH, nats://HOST:PORT or "
            "syslog://HOST[:PORT])");
  EXPECT_EQ(errorOf("json:/tmp/x"),
            "--out 'json:/tmp/x': unknown sink type 'json' (expected text, jsonl:PATH, dir:PATH, "
            "nats://HOST:PORT or syslog://HOST[:PORT])");
  EXPECT_EQ(errorOf(""),
            "--out '': unknown sink type '' (expected text, jsonl:PATH, dir:PATH, nats://HOST:PORT or "
            "syslog://HOST[:PORT])");
  EXPECT_EQ(errorOf("jsonl"), "--out 'jsonl': missing PATH (use jsonl:PATH, or jsonl:- for stdout)");
  EXPECT_EQ(errorOf("jsonl:"), "--out 'jsonl:': missing PATH (use jsonl:PATH, or jsonl:- for stdout)");
  EXPECT_EQ(errorOf("dir:"), "--out 'dir:': missing PATH (use dir:PATH)");
  EXPECT_EQ(errorOf("text:x"), "--out 'text:x': the text sink takes no argument (use --out text)");
  EXPECT_EQ(errorOf("jsonl:/nonexistent-ncxdp/x.json"),
            "--out 'jsonl:/nonexistent-ncxdp/x.json': cannot open /nonexistent-ncxdp/x.json: No such file or "
            "directory");

  TempDir dir;
  const std::string file = dir.path + "/file";
  { std::ofstream(file) << "x"; }
  EXPECT_EQ(errorOf("dir:" + file), "--out 'dir:" + file + "': " + file + " is not a directory");
  EXPECT_EQ(errorOf("dir:" + file + "/sub"),
            "--out 'dir:" + file + "/sub': cannot create directory " + file + "/sub: Not a directory");
}

}  // namespace
}  // namespace ncxdp
