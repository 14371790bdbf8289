// Why an output lost a record, and per-cause record counts. Every output counts what it loses in
// records (not in failed writes), so that for each output
//   records handed to it = records written (or delivered, spilled) + records lost + still buffered
// holds exactly (README "Loss accounting", docs/metrics.md ncxdp_sink_dropped_records_total).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ncxdp {

enum class DropReason : std::uint8_t {
  NoSpace,       // ENOSPC, EDQUOT, EFBIG: the file cannot grow
  BrokenPipe,    // EPIPE, ECONNRESET: the reader went away (`| head`)
  Timeout,       // EAGAIN: a non-blocking reader did not drain within a second
  CannotOpen,    // the file could not be opened or created
  IoError,       // EIO and anything else
  OutputFailed,  // the output threw (a bug or out of memory); later records were discarded
};
inline constexpr std::size_t kDropReasons = 6;

// The metric label: "no_space", "broken_pipe", "timeout", "cannot_open", "io_error", "output_failed".
std::string_view dropReasonName(DropReason reason);
// The cause a write's errno stands for (never OutputFailed or CannotOpen).
DropReason dropReasonOf(int err);

struct DropCounts {
  std::array<std::uint64_t, kDropReasons> byReason{};

  void add(DropReason reason, std::uint64_t records) { byReason[std::size_t(reason)] += records; }
  std::uint64_t operator[](DropReason reason) const { return byReason[std::size_t(reason)]; }
  std::uint64_t total() const;
  DropCounts& operator+=(const DropCounts& other);
  // "no_space 2206, broken_pipe 1" (only the causes that happened), "" when nothing was lost.
  std::string text() const;
};

}  // namespace ncxdp
