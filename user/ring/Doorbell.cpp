#include "ring/Doorbell.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

namespace ncxdp {

// The futex syscall takes the address of a plain 32-bit word.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

void Doorbell::ring() {
  // Pairs with the fence in wait(); see there.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (!sleeping_.load(std::memory_order_relaxed)) return;
  seq_.fetch_add(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&seq_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void Doorbell::sleep(std::uint32_t seen, std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  const timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  // Returns at once (EAGAIN) when seq_ moved since `seen`: a ring() between the caller's check
  // and this call is never lost. EINTR and timeouts are fine too: the caller re-checks.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&seq_), FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}

}  // namespace ncxdp
