// The limits every decoder of one capture shares (one Decoder per capture thread): the bytes of
// pending state (plain lines waiting for their newline, fragments waiting for the rest of their
// message) and the number of senders tracked. A sender's state has one owner, so only the
// amounts are shared: each decoder draws an allowance from a pool in chunks and returns what it
// no longer needs, so the shared atomics are touched when an allowance runs out or is given back,
// not per datagram, and no lock is ever taken.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ncxdp {

// One limited amount (bytes, or senders) shared by `members` decoders.
class BudgetPool {
 public:
  // `total` 0 means no limit. Each member is guaranteed a floor of total / (2 * members) (at least
  // 1), so a decoder whose senders arrive last is never starved by one that filled the pool
  // first; the other half is first come, first served.
  BudgetPool(std::uint64_t total, std::size_t members);
  BudgetPool(const BudgetPool&) = delete;
  BudgetPool& operator=(const BudgetPool&) = delete;

  std::uint64_t total() const { return total_; }
  std::uint64_t floor() const { return floor_; }
  // Granularity of allowances: small against the total, so little sits unused in one decoder.
  std::uint64_t chunk() const { return chunk_; }
  // Units not granted to any decoder now.
  std::uint64_t available() const { return free_.load(std::memory_order_relaxed); }

  // Takes n units if the pool has them.
  bool take(std::uint64_t n);
  void give(std::uint64_t n);

  // The eviction horizon: a decoder that had to evict state because the pool was empty notes how
  // recently that state was active. Every decoder then evicts its own state that is older
  // (Decoder::tick), so across threads the oldest goes first, as one LRU would have it. Only
  // grows; 0 until the first eviction.
  void noteEviction(std::uint64_t lastActiveUs);
  std::uint64_t horizonUs() const { return horizonUs_.load(std::memory_order_relaxed); }

 private:
  std::uint64_t total_;
  std::uint64_t floor_;
  std::uint64_t chunk_;
  // Separate lines: free_ changes at every grant, the horizon only at evictions.
  alignas(64) std::atomic<std::uint64_t> free_;
  alignas(64) std::atomic<std::uint64_t> horizonUs_{0};
};

// One decoder's part of a pool. Plain fields: only that decoder's thread uses it.
class BudgetShare {
 public:
  // Takes the floor from the pool (or what is left of it).
  explicit BudgetShare(BudgetPool& pool);
  // Gives every granted unit back.
  ~BudgetShare();
  BudgetShare(const BudgetShare&) = delete;
  BudgetShare& operator=(const BudgetShare&) = delete;

  // Counts n more units as used and grows the allowance from the pool to cover them. Returns
  // within(): false when the pool could not cover them (they stay counted; the caller evicts).
  bool add(std::uint64_t n);
  // Counts n units as no longer used; gives back what is well above the need.
  void remove(std::uint64_t n);
  // Tries again to cover what is used (another decoder may have given units back).
  bool refill();
  bool within() const { return used_ <= granted_; }
  std::uint64_t used() const { return used_; }
  std::uint64_t granted() const { return granted_; }
  // Above the guaranteed floor: evicting here frees units another decoder can take.
  bool aboveFloor() const { return used_ > pool_.floor(); }
  BudgetPool& pool() { return pool_; }

 private:
  BudgetPool& pool_;
  std::uint64_t used_ = 0;
  std::uint64_t granted_ = 0;
};

// Both pools of one capture. Shared (std::shared_ptr in DecoderConfig) by its decoders.
class DecoderBudget {
 public:
  // --decoder-memory default: room for about a thousand 64 KiB messages in reassembly, or eight
  // thousand 8 KiB partial lines, at once.
  static constexpr std::uint64_t kDefaultMemoryBytes = std::uint64_t(64) << 20;
  // --max-sources default, over all threads.
  static constexpr std::uint64_t kDefaultMaxSources = 65536;

  DecoderBudget(std::uint64_t memoryBytes, std::uint64_t maxSources, std::size_t decoders)
      : memory_(memoryBytes, decoders), sources_(maxSources, decoders) {}

  BudgetPool& memory() { return memory_; }
  BudgetPool& sources() { return sources_; }
  const BudgetPool& memory() const { return memory_; }
  const BudgetPool& sources() const { return sources_; }

 private:
  BudgetPool memory_;
  BudgetPool sources_;
};

}  // namespace ncxdp
