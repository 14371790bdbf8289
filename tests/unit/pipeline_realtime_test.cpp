// The sink thread under real-time scheduling, as in the pinned benchmark layout (every receiver
// thread on one core at SCHED_FIFO). A filling ring raises the sink to its producers' priority;
// it must still let other threads of that priority on its core run between batches. Otherwise an
// AF_XDP capture thread sharing the core waits until the whole backlog is written, leaves its RX
// ring unread, and the NIC runs out of frames (the pinned storm lost up to a third of its
// records that way, counted as "fill ring empty").
#include <pthread.h>
#include <sched.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/Pipeline.h"
#include "support/RequireRoot.h"

namespace ncxdp {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A slow output: a fixed amount of CPU per record, so a backlog takes a known time to write.
class SlowSink : public Sink {
 public:
  explicit SlowSink(std::atomic<int>& written) : written_(written) {}
  void write(const Record&) override {
    const auto until = Clock::now() + kPerRecord;
    while (Clock::now() < until) {
    }
    written_.fetch_add(1, std::memory_order_relaxed);
  }
  void flush() override {}
  std::string_view name() const override { return "slow"; }

  static constexpr auto kPerRecord = 4us;

 private:
  std::atomic<int>& written_;
};

TEST(PipelineRealtime, RaisedSinkLetsEqualPriorityThreadsRunDuringABacklog) {
  REQUIRE_ROOT("SCHED_FIFO threads");
  constexpr int kRecords = 25000;  // about 100 ms of writing at 4 us each
  std::atomic<int> written{0};
  int pushed = 0;
  Clock::duration worstLateness{};
  int wakesDuringBacklog = 0;
  std::string setupError;
  // On a thread of its own, so that the test process keeps its scheduling.
  std::thread t([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_param fifo{};
    fifo.sched_priority = 2;
    if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0 ||
        pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) != 0) {
      setupError = "cannot run at SCHED_FIFO on one CPU";
      return;
    }
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::make_unique<SlowSink>(written));
    // The sink thread inherits this thread's CPU and priority, as ncxdp's threads do from
    // `chrt -f 2 taskset -c 1 ncxdp ...`.
    Pipeline pipeline(1, 4 << 20, std::move(sinks));
    RingWriter& writer = pipeline.writer(0);
    Record r;
    r.src = Source::ipv4(0x0100007f, 6666);
    r.format = Format::Extended;
    const std::string text(100, 'x');  // Record::text is a view: the bytes must outlive the pushes
    r.text = text;
    // More than half the ring: the sink raises itself to FIFO 2 on its first pass.
    for (int i = 0; i < kRecords; ++i) {
      r.seq = std::uint64_t(i);
      writer.onRecord(r);
    }
    pushed = int(writer.written());
    pipeline.start();
    // This thread stands in for a capture thread: it sleeps 1 ms at a time and needs the CPU
    // back soon after each timer fires.
    const auto deadline = Clock::now() + 3s;
    while (written.load(std::memory_order_relaxed) < pushed && Clock::now() < deadline) {
      const auto before = Clock::now();
      std::this_thread::sleep_for(1ms);
      const auto late = Clock::now() - before - 1ms;
      if (late > worstLateness) worstLateness = late;
      if (written.load(std::memory_order_relaxed) < pushed) ++wakesDuringBacklog;
    }
    pipeline.producerDone(0);
    pipeline.finish();
  });
  t.join();
  ASSERT_TRUE(setupError.empty()) << setupError;
  ASSERT_GT(pushed, kRecords / 2) << "the backlog was not built";
  EXPECT_EQ(written.load(), pushed);
  // The backlog took about 100 ms to write; a thread waiting for the sink to finish it would
  // have woken once, that late.
  EXPECT_GE(wakesDuringBacklog, 10) << "woken only " << wakesDuringBacklog
                                    << " times while the sink had a backlog";
  EXPECT_LT(worstLateness, 20ms)
      << "an equal-priority thread waited "
      << std::chrono::duration_cast<std::chrono::microseconds>(worstLateness).count() << " us for the sink";
}

}  // namespace
}  // namespace ncxdp
