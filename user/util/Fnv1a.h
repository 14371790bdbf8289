// FNV-1a, 64 bit: the one non-cryptographic hash of the project (sender tables, fragment keys,
// triage signatures, the storm checker's digests). Cheap and good enough where the input is not
// chosen to flood a table, or where every table it feeds is capped anyway.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ncxdp {

class Fnv1a {
 public:
  static constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t kPrime = 0x100000001b3ull;

  constexpr Fnv1a& add(std::uint8_t byte) {
    h_ = (h_ ^ byte) * kPrime;
    return *this;
  }
  constexpr Fnv1a& add(std::string_view bytes) {
    for (unsigned char c : bytes) add(std::uint8_t(c));
    return *this;
  }
  constexpr Fnv1a& add(std::span<const std::uint8_t> bytes) {
    for (std::uint8_t b : bytes) add(b);
    return *this;
  }
  constexpr std::uint64_t value() const { return h_; }

  // The hash of one string.
  static constexpr std::uint64_t of(std::string_view bytes) { return Fnv1a().add(bytes).value(); }

 private:
  std::uint64_t h_ = kOffsetBasis;
};

}  // namespace ncxdp
