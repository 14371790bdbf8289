// Lets one consumer thread sleep until a producer has published work, with neither a lock nor a
// syscall on the producer's side while the consumer is awake: the producer only looks at a flag
// after each batch and makes the futex call when the consumer has actually gone to sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ncxdp {

class Doorbell {
 public:
  Doorbell() = default;
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;

  // Consumer only: sleeps up to `timeout` unless ready() (the consumer's own look at the shared
  // state) is true once the sleep has been announced. Returns early on ring(), and may return
  // early spuriously, so callers re-check their state.
  template <typename Ready>
  void wait(std::chrono::milliseconds timeout, Ready&& ready) {
    const std::uint32_t seen = seq_.load(std::memory_order_acquire);
    sleeping_.store(true, std::memory_order_relaxed);
    // Pairs with the fence in ring(): either ready() below sees what the producer published
    // before ringing, or the producer sees sleeping_ and bumps seq_, which makes the futex wait
    // return at once if it has not started yet.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!ready()) sleep(seen, timeout);
    sleeping_.store(false, std::memory_order_relaxed);
  }

  // Producer, after publishing: wakes the consumer if it sleeps or is about to.
  void ring();

 private:
  void sleep(std::uint32_t seen, std::chrono::milliseconds timeout);

  // Changes on every wakeup; the futex word.
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<bool> sleeping_{false};
};

}  // namespace ncxdp
