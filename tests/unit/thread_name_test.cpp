// util/ThreadName: the names `top -H` and the benchmarks' per-stage CPU split read.
#include "util/ThreadName.h"

#include <pthread.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace ncxdp {
namespace {

std::string nameIn(const std::string& given) {
  std::string seen;
  std::thread t([&] {
    nameThisThread(given);
    char buf[64] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    seen = buf;
  });
  t.join();
  return seen;
}

TEST(ThreadNameTest, NamesTheCallingThread) {
  EXPECT_EQ(nameIn("ncxdp-xsk/3"), "ncxdp-xsk/3");
}

TEST(ThreadNameTest, LongNamesAreCutAtFifteenBytesNotRefused) {
  // pthread_setname_np refuses 16 bytes or more; the kernel keeps 15.
  EXPECT_EQ(nameIn("ncxdp-decode/1234567"), "ncxdp-decode/12");
}

}  // namespace
}  // namespace ncxdp
