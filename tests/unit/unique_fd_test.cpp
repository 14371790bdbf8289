#include "util/UniqueFd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <gtest/gtest.h>

namespace ncxdp {
namespace {

// fcntl(F_GETFD) fails with EBADF exactly when fd is not open in this process.
bool isOpen(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

TEST(UniqueFdTest, ClosesWhenDestroyed) {
  int raw = -1;
  {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    raw = fd.get();
    EXPECT_TRUE(isOpen(raw));
  }
  EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFdTest, EmptyByDefaultAndForAFailedOpen) {
  UniqueFd none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.get(), -1);
  UniqueFd failed(::open("/nonexistent/ncxdp-unique-fd", O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(failed);
}

TEST(UniqueFdTest, MoveTransfersOwnershipAndClosesTheOverwrittenOne) {
  UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd b(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int rawA = a.get();
  const int rawB = b.get();
  UniqueFd c(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(c.get(), rawA);
  c = std::move(b);
  EXPECT_FALSE(isOpen(rawA));
  EXPECT_EQ(c.get(), rawB);
  EXPECT_TRUE(isOpen(rawB));
}

TEST(UniqueFdTest, ReleaseGivesUpWithoutClosing) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = fd.release();
  EXPECT_FALSE(fd);
  EXPECT_TRUE(isOpen(raw));
  ::close(raw);
}

TEST(UniqueFdTest, ResetClosesTheOldOneAndKeepsErrno) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int old = fd.get();
  errno = ENOENT;
  fd.reset();
  EXPECT_EQ(errno, ENOENT);
  EXPECT_FALSE(isOpen(old));
  EXPECT_FALSE(fd);
}

}  // namespace
}  // namespace ncxdp
