// The three renderings of one report: text for a terminal, JSON for scripts, HTML for a ticket.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "triage/HtmlReport.h"
#include "triage/JsonReport.h"
#include "triage/TextReport.h"
#include "triage/Triage.h"
#include "triage_test_util.h"

namespace ncxdp {
namespace {

using testing::feedJsonl;
using testing::feedSerial;
using testing::testSource;

constexpr std::uint64_t kT0 = 1'800'000'000'000'000;  // 2027-01-15T08:00:00Z

// Six hosts: four panic on the NULL dereference (6.1 and 6.12), two hit a machine check.
TriageReport sampleReport(std::size_t top = 0) {
  Triage triage;
  for (std::uint32_t h = 0; h < 4; ++h)
    feedJsonl(std::string(h % 2 ? "deb6.12" : "deb6.1") + "-oops-panic.netconsole.jsonl", triage,
              testSource(h), kT0 + h * 500'000);
  for (std::uint32_t h = 4; h < 6; ++h)
    feedSerial("deb6.1-mce.serial.log", testSource(h), kT0 + 3'000'000, triage);
  // A sender whose report carries markup and terminal escapes.
  Record r;
  r.src = testSource(9);
  r.recvTsUs = kT0 + 9'000'000;
  r.text = "BUG: <script>alert(1)</script> \x1b[2J & \xe2\x80\xae";
  triage.onRecord(r);
  triage.finish();
  return triage.report(top);
}

TEST(TriageReportTest, TextHasSummaryClustersAndTimeline) {
  const std::string text = TextReport::render(sampleReport());
  EXPECT_NE(text.find("hosts:    7 seen, 7 affected, 6 panicked\n"), std::string::npos) << text;
  EXPECT_NE(text.find("oops 4 (4 hosts)"), std::string::npos) << text;
  EXPECT_NE(text.find("machine_check 2 (2 hosts)"), std::string::npos);
  EXPECT_NE(text.find("bug 1 (1 hosts)"), std::string::npos);
  EXPECT_NE(text.find("oops: kernel NULL pointer dereference\n  hosts     4 (4 panicked), 4 events"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  panic     Fatal exception\n"), std::string::npos);
  EXPECT_NE(
      text.find("  frames    crashme_null [ncxdp_crashme]\n            crashme_write [ncxdp_crashme]\n"),
      std::string::npos);
  EXPECT_NE(text.find("  releases  6.1.0-56-amd64 (2), 6.12.117+deb12-amd64 (2)"), std::string::npos);
  EXPECT_NE(text.find("  hosts     10.0.0.0:6665, 10.0.0.1:6665, 10.0.0.2:6665, 10.0.0.3:6665\n"),
            std::string::npos);
  EXPECT_NE(text.find("timeline: hosts with their first event"), std::string::npos);
  EXPECT_NE(text.find("2027-01-15T08:00:"), std::string::npos);
  // Wire bytes are escaped: no raw ESC or bidi override reaches the terminal.
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_NE(text.find("\\x1b[2J"), std::string::npos);
}

TEST(TriageReportTest, TopLimitsTheListNotTheCounts) {
  const std::string text = TextReport::render(sampleReport(1));
  EXPECT_NE(text.find("(2 more clusters; --top 0 lists all)"), std::string::npos) << text;
  EXPECT_NE(text.find("3 clusters"), std::string::npos);
}

TEST(TriageReportTest, JsonIsCompleteAndValid) {
  const nlohmann::json j = nlohmann::json::parse(JsonReport::render(sampleReport()));
  EXPECT_EQ(j["hosts"]["seen"], 7);
  EXPECT_EQ(j["hosts"]["affected"], 7);
  EXPECT_EQ(j["hosts"]["panicked"], 6);
  EXPECT_EQ(j["events"], 7);
  EXPECT_EQ(j["events_by_kind"]["oops"], 4);
  EXPECT_EQ(j["events_by_kind"]["machine_check"], 2);
  EXPECT_EQ(j["clusters_total"], 3);
  ASSERT_EQ(j["clusters"].size(), 3u);
  const auto& top = j["clusters"][0];
  EXPECT_EQ(top["kind"], "oops");
  EXPECT_EQ(top["class"], "kernel NULL pointer dereference");
  EXPECT_EQ(top["hosts"], 4);
  EXPECT_EQ(top["hosts_panicked"], 4);
  EXPECT_EQ(top["panic"], "Fatal exception");
  EXPECT_EQ(top["frames"][0], "crashme_null [ncxdp_crashme]");
  EXPECT_EQ(top["releases"].size(), 2u);
  EXPECT_EQ(top["id"].get<std::string>().size(), 12u);
  EXPECT_EQ(top["example_hosts"][0], "10.0.0.0:6665");
  const auto& mce = j["clusters"][1];
  EXPECT_EQ(mce["kind"], "machine_check");
  EXPECT_EQ(mce["message"], "Bank 1");
  EXPECT_EQ(mce["releases"][0]["release"], "6.1.0-56-amd64");
  std::uint64_t hosts = 0;
  for (const auto& p : j["timeline"]) hosts += p["hosts"].get<std::uint64_t>();
  EXPECT_EQ(hosts, 7u);
  EXPECT_EQ(j["timeline"].back()["cumulative"], 7);
  EXPECT_EQ(j["first_event"].get<std::string>().substr(0, 17), "2027-01-15T08:00:");
}

TEST(TriageReportTest, HtmlIsSelfContainedAndEscaped) {
  const std::string html = HtmlReport::render(sampleReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"bar\""), std::string::npos);
  EXPECT_NE(html.find("<td id=\"hosts-affected\">7</td>"), std::string::npos);
  EXPECT_NE(html.find("<td id=\"clusters\">3</td>"), std::string::npos);
  EXPECT_NE(html.find("crashme_null [ncxdp_crashme]"), std::string::npos);
  // No assets from anywhere else, no scripts: only the SVG namespace URI.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find("\xe2\x80\xae"), std::string::npos);
  std::size_t rows = 0;
  for (std::size_t at = 0; (at = html.find("<tr class=\"cluster\"", at)) != std::string::npos; ++at) ++rows;
  EXPECT_EQ(rows, 3u);
}

TEST(TriageReportTest, EmptyReport) {
  Triage triage;
  triage.finish();
  const TriageReport r = triage.report();
  EXPECT_NE(TextReport::render(r).find("events:   none"), std::string::npos);
  EXPECT_NE(HtmlReport::render(r).find("No events."), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(JsonReport::render(r));
  EXPECT_TRUE(j["first_event"].is_null());
  EXPECT_TRUE(j["clusters"].empty());
}

// Why events share a cluster: the first event of each release with every frame looked at, in the
// text (one "skipped" line per reason), --explain, JSON and HTML.
TEST(TriageReportTest, ExplainsUsedAndSkippedFramesPerRelease) {
  const TriageReport r = sampleReport();
  const ClusterReport& null = r.clusters.at(0);
  ASSERT_EQ(null.cls, "kernel NULL pointer dereference");
  ASSERT_EQ(null.explained.size(), 2u) << "one event per release";
  EXPECT_EQ(null.explained[0].release, "6.1.0-56-amd64");
  EXPECT_EQ(null.explained[0].host, "10.0.0.0:6665");
  EXPECT_EQ(null.explained[1].release, "6.12.117+deb12-amd64");
  for (const ExplainedEvent& e : null.explained) {
    std::vector<std::string> used;
    bool vfsSkipped = false;
    for (const FrameNote& n : e.notes) {
      if (n.why.empty()) used.push_back(n.frame);
      if (n.frame == "vfs_write") vfsSkipped = n.why == "beyond --frames";
    }
    EXPECT_EQ(used, null.frames) << "the used frames are the signature's, on every release";
    EXPECT_TRUE(vfsSkipped);
  }

  const std::string text = TextReport::render(r);
  EXPECT_NE(text.find("            proc_reg_write\n"
                      "  skipped   vfs_write, ksys_write, do_syscall_64, entry_SYSCALL_64_after_hwframe: "
                      "beyond --frames\n"),
            std::string::npos)
      << text;

  const std::string why = TextReport::explain(null, r.topFrames);
  EXPECT_NE(why.find("cluster " + null.id), std::string::npos);
  EXPECT_NE(why.find("  signature " + null.signature), std::string::npos);
  EXPECT_NE(
      why.find(
          "event from 10.0.0.0:6665, release 6.1.0-56-amd64\n  used      crashme_null [ncxdp_crashme]\n"),
      std::string::npos)
      << why;
  EXPECT_NE(why.find("event from 10.0.0.1:6665, release 6.12.117+deb12-amd64\n"), std::string::npos) << why;
  EXPECT_NE(why.find("  skipped   vfs_write  (beyond --frames)\n"), std::string::npos) << why;

  const auto j = nlohmann::json::parse(JsonReport::render(r));
  const auto& ex = j["clusters"][0]["explained"];
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0]["release"], "6.1.0-56-amd64");
  EXPECT_EQ(ex[0]["frames"][0]["frame"], "crashme_null [ncxdp_crashme]");
  EXPECT_EQ(ex[0]["frames"][0]["used"], true);
  EXPECT_TRUE(ex[0]["frames"][0]["why"].is_null());

  const std::string html = HtmlReport::render(r);
  EXPECT_NE(html.find("why these frames"), std::string::npos);
  EXPECT_NE(html.find("vfs_write &mdash; beyond --frames"), std::string::npos);
}

}  // namespace
}  // namespace ncxdp
