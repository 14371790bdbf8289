#include "triage/StackFrame.h"

#include <gtest/gtest.h>

#include <string>

namespace ncxdp {
namespace {

std::string normalised(std::string_view line) {
  StackFrame f;
  if (!StackFrame::parse(line, f)) return "<none>";
  std::string out = f.unreliable ? "? " : "";
  f.appendTo(out);
  return out;
}

TEST(StackFrameTest, ParsesTheFormsKernelsPrint) {
  // x86-64 6.x (from the Debian fixtures)
  EXPECT_EQ(normalised(" proc_reg_write+0x56/0xa0"), "proc_reg_write");
  EXPECT_EQ(normalised(" crashme_spin+0x2d/0x44 [ncxdp_crashme]"), "crashme_spin [ncxdp_crashme]");
  EXPECT_EQ(normalised(" ? exit_to_user_mode_prepare+0x44/0x240"), "? exit_to_user_mode_prepare");
  // arm64 indents by two
  EXPECT_EQ(normalised("  el0_svc_common.constprop.0+0x4c/0x140"), "el0_svc_common");
  // kernels before 4.x print the address first
  EXPECT_EQ(normalised(" [<ffffffff8104a2b3>] warn_slowpath_common+0x73/0xa0"), "warn_slowpath_common");
  EXPECT_EQ(normalised(" [<ffffffffa01c2f3b>] ? e1000_clean+0x3b/0x90 [e1000]"), "? e1000_clean [e1000]");
}

TEST(StackFrameTest, NormalisesWhatDiffersBetweenBuilds) {
  // The same function from two builds: offsets, clone suffixes and build ids differ.
  EXPECT_EQ(normalised(" crashme_write.cold+0x2b/0x130 [ncxdp_crashme]"), "crashme_write [ncxdp_crashme]");
  EXPECT_EQ(normalised(" crashme_write+0x177/0x250 [ncxdp_crashme]"), "crashme_write [ncxdp_crashme]");
  EXPECT_EQ(normalised(" __alloc_pages_slowpath.constprop.0+0x67f/0xe70"), "__alloc_pages_slowpath");
  EXPECT_EQ(normalised(" foo.isra.0.cold+0x1/0x2"), "foo");
  EXPECT_EQ(normalised(" nvme_poll+0x1c/0x50 [nvme 0f0a6c9d3b9d1f7e1f5d1a6f2bb9b1d7c7a8c6a1]"),
            "nvme_poll [nvme]");
  EXPECT_EQ(normalised(" foo.llvm.1234567890+0x10/0x20"), "foo");
  EXPECT_EQ(stripCloneSuffix("a.part.0"), "a");
  EXPECT_EQ(stripCloneSuffix("plain"), "plain");
}

TEST(StackFrameTest, RejectsWhatIsNotAFrame) {
  for (std::string_view line :
       {" 0xffffffffc0123456", " </TASK>", "RIP: 0010:crashme_bug+0xe/0x15 [ncxdp_crashme]", " foo+0x1",
        " foo+0x1/", " foo+0x1/0x2 trailing", " foo+0x1/0x2 [", " 123abc+0x1/0x2", " foo+0xg/0x2", "", " ",
        " ? ", " .cold+0x1/0x2", " foo+0x1/0x2 []"})
    EXPECT_EQ(normalised(line), "<none>") << "'" << line << "'";
}

}  // namespace
}  // namespace ncxdp
