// What the sender loop sends: frames one after another, each from one host. Two kinds: a scenario
// (realistic messages, all frames prebuilt) and flat traffic (fixed-size records for rate
// measurements, patched from a template per frame). Both can say which records a host's first k
// messages are, which is how the manifest and the checker count loss exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storm/Fleet.h"
#include "storm/FrameBuilder.h"
#include "storm/NetconsoleEncoder.h"

namespace ncxdp::storm {

struct FrameInfo {
  std::uint32_t host = 0;
  bool completesRecord = false;  // the receiver has the whole record once this frame arrives
  bool messageEnd = false;       // safe place to stop: no fragments of this host are in flight
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual const std::vector<Host>& hosts() const = 0;
  // Builds every frame up front (scenarios) or the per-host templates (flat). Call once before
  // nextFrame().
  virtual void prepare(FrameBuilder& builder) = 0;
  // Writes the next frame into out (FrameBuilder::kMaxFrameBytes) and returns its length, or 0
  // when the workload has nothing more. Hot path: no allocation.
  virtual std::size_t nextFrame(std::uint8_t* out, FrameInfo& info) = 0;
  // Total frames, or 0 for unbounded (flat).
  virtual std::uint64_t frameCount() const = 0;
  // Host h's k-th record as the receiver must decode it (k counts sent records only).
  virtual ExpectedRecord expected(std::size_t host, std::uint64_t k) const = 0;
  // Records host h would have in all (0 for unbounded).
  virtual std::uint64_t recordCount(std::size_t host) const = 0;
  // Messages the workload withheld on purpose from host h (gaps the receiver must report).
  virtual std::uint64_t withheld(std::size_t host) const { return 0; }
};

}  // namespace ncxdp::storm
