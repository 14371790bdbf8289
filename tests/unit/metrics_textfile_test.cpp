#include "metrics/MetricsTextfile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "test_files.h"

namespace ncxdp {
namespace {

struct Counting : prometheus::Collectable {
  mutable int scrapes = 0;
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily f{"ncxdp_test_total", "A test counter", prometheus::MetricType::Counter, {}};
    prometheus::ClientMetric m;
    m.counter.value = ++scrapes;
    f.metric.push_back(m);
    return {f};
  }
};

TEST(MetricsTextfile, ReplacesTheFileWholeEachTime) {
  testing::TempDir dir;
  const std::string path = dir.path + "/ncxdp.prom";
  MetricsTextfile file(path, std::make_shared<Counting>());
  EXPECT_FALSE(std::filesystem::exists(path)) << "the constructor only checks the directory";
  EXPECT_EQ(file.write(), "");
  EXPECT_NE(testing::readFile(path).find("ncxdp_test_total 1\n"), std::string::npos);
  EXPECT_EQ(file.write(), "");
  const std::string second = testing::readFile(path);
  EXPECT_NE(second.find("# HELP ncxdp_test_total A test counter\n"), std::string::npos);
  EXPECT_NE(second.find("ncxdp_test_total 2\n"), std::string::npos);
  EXPECT_EQ(second.find("ncxdp_test_total 1\n"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(MetricsTextfile, MissingDirectoryFailsAtStartup) {
  testing::TempDir dir;
  try {
    MetricsTextfile file(dir.path + "/nope/ncxdp.prom", std::make_shared<Counting>());
    FAIL() << "accepted a file in a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create " + dir.path + "/nope/ncxdp.prom.tmp"),
              std::string::npos)
        << e.what();
  }
}

TEST(MetricsTextfile, AFailedRenameIsReportedAndLeavesNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.path + "/ncxdp.prom";
  MetricsTextfile file(path, std::make_shared<Counting>());
  ASSERT_EQ(file.write(), "");
  // rename() fails when the target is a non-empty directory: the error names both paths and no
  // temporary file is left for node_exporter to trip over.
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  std::filesystem::create_directory(path + "/x");
  const std::string error = file.write();
  EXPECT_NE(error.find("cannot rename " + path + ".tmp to " + path), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace ncxdp
