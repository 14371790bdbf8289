#include "decode/DecoderBudget.h"

#include <algorithm>
#include <limits>

namespace ncxdp {

namespace {

// "No limit" as a number the arithmetic below cannot overflow with.
constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max() / 4;
// Largest allowance step; smaller for small totals (a chunk is at most 1/16 of a member's half).
constexpr std::uint64_t kMaxChunk = 256 * 1024;

}  // namespace

BudgetPool::BudgetPool(std::uint64_t total, std::size_t members)
    : total_(total == 0 ? kUnlimited : total), free_(total_) {
  const std::uint64_t m = std::max<std::uint64_t>(members, 1);
  floor_ = std::max<std::uint64_t>(total_ / (2 * m), 1);
  chunk_ = std::clamp<std::uint64_t>(total_ / (32 * m), 1, kMaxChunk);
}

bool BudgetPool::take(std::uint64_t n) {
  std::uint64_t have = free_.load(std::memory_order_relaxed);
  // Relaxed is enough: the units are plain numbers, nothing else is published through them.
  while (have >= n)
    if (free_.compare_exchange_weak(have, have - n, std::memory_order_relaxed)) return true;
  return false;
}

void BudgetPool::give(std::uint64_t n) {
  free_.fetch_add(n, std::memory_order_relaxed);
}

void BudgetPool::noteEviction(std::uint64_t lastActiveUs) {
  std::uint64_t h = horizonUs_.load(std::memory_order_relaxed);
  while (lastActiveUs > h && !horizonUs_.compare_exchange_weak(h, lastActiveUs, std::memory_order_relaxed)) {
  }
}

BudgetShare::BudgetShare(BudgetPool& pool) : pool_(pool) {
  std::uint64_t want = pool_.floor();
  // More decoders than the pool was sized for: take what is left (maybe nothing).
  while (want > 0 && !pool_.take(want)) want = std::min(want / 2, pool_.available());
  granted_ = want;
}

BudgetShare::~BudgetShare() {
  pool_.give(granted_);
}

bool BudgetShare::add(std::uint64_t n) {
  used_ += n;
  return within() || refill();
}

bool BudgetShare::refill() {
  if (used_ <= granted_) return true;
  const std::uint64_t need = used_ - granted_;
  // A chunk at once when it can, so the next datagrams need no trip to the pool.
  const std::uint64_t ask = std::max(need, pool_.chunk());
  if (pool_.take(ask))
    granted_ += ask;
  else if (ask != need && pool_.take(need))
    granted_ += need;
  return within();
}

void BudgetShare::remove(std::uint64_t n) {
  used_ -= std::min(n, used_);
  // Hysteresis: keep up to two chunks of slack, so a decoder hovering at a boundary does not
  // take and give back on every datagram.
  const std::uint64_t keep = std::max(pool_.floor(), used_ + pool_.chunk());
  if (granted_ > keep + pool_.chunk()) {
    pool_.give(granted_ - keep);
    granted_ = keep;
  }
}

}  // namespace ncxdp
