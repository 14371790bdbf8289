#include "metrics/MetricsTextfile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "util/FdIo.h"

namespace ncxdp {

MetricsTextfile::MetricsTextfile(std::string path, std::shared_ptr<prometheus::Collectable> collectable)
    : path_(std::move(path)), collectable_(std::move(collectable)) {
  if (path_.empty() || path_.back() == '/')
    throw std::runtime_error("--metrics-textfile '" + path_ + "' must name a file");
  // node_exporter reads only *.prom, so the temporary name must not end in .prom.
  tmpPath_ = path_ + ".tmp";
  const int fd = open(tmpPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("--metrics-textfile: cannot create " + tmpPath_ + ": " + std::strerror(errno) +
                             " (does the directory exist and is it writable?)");
  close(fd);
  unlink(tmpPath_.c_str());
}

std::string MetricsTextfile::write() const {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, collectable_->Collect());
  const std::string bytes = text.str();
  const int fd = open(tmpPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + tmpPath_ + ": " + std::strerror(errno);
  std::string error;
  if (const int err = writeAll(fd, bytes); err != 0)
    error = "cannot write " + tmpPath_ + ": " + errorText(err);
  if (close(fd) != 0 && error.empty()) error = "cannot write " + tmpPath_ + ": " + std::strerror(errno);
  if (error.empty() && rename(tmpPath_.c_str(), path_.c_str()) != 0)
    error = "cannot rename " + tmpPath_ + " to " + path_ + ": " + std::strerror(errno);
  if (!error.empty()) unlink(tmpPath_.c_str());
  return error;
}

}  // namespace ncxdp
