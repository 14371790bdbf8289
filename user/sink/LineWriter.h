// Writes batches of records to one descriptor so that the descriptor only ever holds whole
// records, and says exactly which records made it. Every output format here is one line per
// record (text, dir and JSON lines escape every control byte, '\n' included), so a record
// boundary is a '\n' and nothing else needs tracking.
//
// A write that stops part way (ENOSPC, EDQUOT, EFBIG, EIO, EPIPE, a reader that stalls) leaves
// a fragment of one record behind. On a regular file the fragment is cut off again with
// ftruncate() (the file ends at the last complete record, and the next record starts on a line
// of its own); where that is impossible (a pipe or terminal, or the file grew under us) the rest
// of the cut record is kept and written first next time, so the reader still sees it whole.
// Records after the cut are lost, and counted: memory stays bounded while the output is failing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ncxdp {

class LineWriter {
 public:
  struct Outcome {
    std::uint64_t written = 0;  // records now completely in the output
    std::uint64_t lost = 0;     // records that will never be
    int err = 0;                // what stopped the write (0: everything went out)
  };

  // Writes `lines`, which holds `records` complete lines, to fd. Never throws.
  Outcome write(int fd, std::string_view lines, std::uint64_t records);
  // fd is about to be closed: finishes a record cut earlier if possible. Outcome.written or .lost
  // is that one record (or nothing was pending).
  Outcome finish(int fd);
  // fd is gone (closed elsewhere, or a new file replaces it): a cut record can no longer be
  // finished. Returns the records lost (0 or 1).
  std::uint64_t abandon();
  // A record is cut and its rest waits for the next write.
  bool pending() const { return !rest_.empty(); }

 private:
  // After a write that took `done` bytes of `lines` and then failed: removes the fragment or
  // keeps the rest of the cut record. Returns the records completely written.
  Outcome settle(int fd, std::string_view lines, std::uint64_t records, std::size_t done, int err);

  std::string rest_;
};

}  // namespace ncxdp
