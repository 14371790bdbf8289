// `--metrics-textfile PATH`: the same text as /metrics, written for node_exporter's textfile
// collector. Written whole to a temporary file and renamed over PATH, so the collector never reads
// half a file.
#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Collectable;
}

namespace ncxdp {

class MetricsTextfile {
 public:
  // Checks now that the directory exists and a file can be created in it. Throws
  // std::runtime_error naming the path.
  MetricsTextfile(std::string path, std::shared_ptr<prometheus::Collectable> collectable);

  // Collects and replaces the file. Returns an error message, or empty on success: a full disk
  // must not stop capture, so the caller reports and carries on.
  std::string write() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string tmpPath_;
  std::shared_ptr<prometheus::Collectable> collectable_;
};

}  // namespace ncxdp
