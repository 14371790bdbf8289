#include "ring/RingWriter.h"

#include <chrono>
#include <thread>

#include "ring/RecordCodec.h"

namespace ncxdp {

namespace {

// The sink usually drains a ring within microseconds, so spin a little before giving up the CPU;
// after that, sleep: a replay waiting on a slow disk must not burn a core.
constexpr int kSpins = 64;
constexpr int kYields = 16;
constexpr auto kSleep = std::chrono::microseconds(50);

// Only the producer thread stores the counters, so a load + relaxed store is enough and avoids
// a locked read-modify-write per record.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

void RingWriter::onRecord(const Record& record) {
  const std::size_t len = encodedSize(record);
  if (len > ring_.maxRecordBytes()) {
    bump(oversize_);
    return;
  }
  std::uint8_t* slot = ring_.tryReserve(len);
  if (slot == nullptr && blocking()) slot = reserveBlocking(len);
  if (slot == nullptr) {
    bump(drops_);
    return;
  }
  encodeRecord(record, slot);
  ring_.commit();
  bump(written_);
}

std::uint8_t* RingWriter::reserveBlocking(std::size_t len) {
  for (int i = 0;; ++i) {
    if (!blocking()) return nullptr;
    if (i < kSpins)
      cpuRelax();
    else if (i < kSpins + kYields)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(kSleep);
    if (std::uint8_t* slot = ring_.tryReserve(len)) return slot;
  }
}

}  // namespace ncxdp
