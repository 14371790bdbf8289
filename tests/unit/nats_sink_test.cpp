// The NATS output without a server: records wait in the bounded buffer, what does not fit goes
// to the spill file at once, and at exit whatever is left is spilled too. Nothing is lost and
// the counts add up. (Delivery to real servers is tested by tests/system/nats_*_test.sh.)
#include "nats/NatsSink.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>

#include "decode/JsonRecordParser.h"
#include "nats/NatsSpec.h"
#include "test_files.h"

namespace ncxdp {
namespace {

using testing::readFile;
using testing::TempDir;

// A loopback port with nothing listening: bound, never listened on, so connects are refused.
struct ClosedPort {
  int fd = -1;
  int port = 0;
  ClosedPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~ClosedPort() { ::close(fd); }
};

Record recordFrom(int sourcePort, int n, const std::string& text) {
  Record r;
  EXPECT_TRUE(Source::parse("10.1.2.3:" + std::to_string(sourcePort), r.src));
  r.recvTsUs = 1'800'000'000'000'000ull + std::uint64_t(n);
  r.format = Format::Extended;
  r.seq = std::uint64_t(n);
  r.text = text;
  return r;
}

TEST(NatsSinkTest, BufferIsBoundedAndEverythingEndsInTheSpillFile) {
  TempDir dir;
  ClosedPort closed;
  const std::string spill = dir.path + "/spill.jsonl";
  NatsSpec spec =
      parseNatsSpec("nats://127.0.0.1:" + std::to_string(closed.port) + "?buffer=1M&drain=0&spill=" + spill);
  NatsSink sink(spec);
  EXPECT_EQ(sink.spillPath(), spill);

  // About 2.3 KiB a record: the 1 MiB buffer holds a few hundred of the 2000.
  const std::string text(2000, 'x');
  constexpr int kRecords = 2000;
  for (int i = 0; i < kRecords; ++i) {
    sink.write(recordFrom(7000 + i % 4, i, text));
    if (i % 100 == 99) sink.flush();
  }
  sink.flush();
  const NatsPublisherStats before = sink.publisherStats();
  EXPECT_FALSE(before.connected);
  EXPECT_EQ(before.delivered, 0u);
  EXPECT_LE(before.bufferedBytes, std::uint64_t(1) << 20);
  EXPECT_GT(before.bufferedRecords, 300u);
  EXPECT_LT(before.bufferedRecords, 500u);
  // What did not fit was spilled right away, by the sink itself.
  EXPECT_EQ(sink.delivery()->spilled + before.bufferedRecords, std::uint64_t(kRecords));

  sink.close();  // drain=0: give up on the buffer at once
  EXPECT_EQ(sink.stats().records, std::uint64_t(kRecords));
  EXPECT_EQ(sink.delivery()->spilled, std::uint64_t(kRecords));
  EXPECT_EQ(sink.stats().writeErrors, 0u);
  EXPECT_EQ(sink.publisherStats().bufferedRecords, 0u);
  EXPECT_EQ(sink.publisherStats().bufferedBytes, 0u);

  // Every record is in the spill file exactly once, as a jsonl line, in order per source.
  std::istringstream in(readFile(spill));
  std::string line;
  JsonRecordParser parser;
  std::set<std::uint64_t> seen;
  std::uint64_t lastSeq[4] = {0, 0, 0, 0};
  bool firstOfSource[4] = {true, true, true, true};
  int lines = 0;
  bool ordered = true;
  while (std::getline(in, line)) {
    Record r;
    std::string error;
    ASSERT_TRUE(parser.parse(line, r, error)) << error;
    EXPECT_TRUE(seen.insert(*r.seq).second) << "duplicate " << *r.seq;
    const int s = r.src.port - 7000;
    // The sink spills the newest records while the buffer holds the older ones, so order holds
    // within each of the two groups; both groups together hold every record once.
    if (!firstOfSource[s] && *r.seq < lastSeq[s]) ordered = false;
    firstOfSource[s] = false;
    lastSeq[s] = *r.seq;
    ++lines;
  }
  EXPECT_EQ(lines, kRecords);
  EXPECT_EQ(seen.size(), std::size_t(kRecords));
  EXPECT_FALSE(ordered) << "expected the two groups (overflow first, then the drained buffer)";
}

TEST(NatsSinkTest, SpillPathIsCheckedAtStartup) {
  ClosedPort closed;
  EXPECT_THROW(NatsSink(parseNatsSpec("nats://127.0.0.1:" + std::to_string(closed.port) +
                                      "?spill=/nonexistent-ncxdp/s.jsonl")),
               std::runtime_error);
}

}  // namespace
}  // namespace ncxdp
