// --out syslog://HOST[:PORT][?proto=udp|tcp|tls&...]: every record as an RFC 5424 message
// (Rfc5424Formatter), to a syslog server (SyslogSpec.h, README "Forwarding to syslog").
//
// UDP sends from the sink thread, one datagram per record. TCP and TLS frame each message with
// RFC 6587 octet counting and hand batches to a SyslogStreamSender thread, which reconnects; a
// record that does not fit in its bounded buffer is dropped and counted, as are records still
// waiting when the drain time at exit runs out. Losses show as ncxdp_sink_write_errors_total.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sink/Sink.h"
#include "syslog/Rfc5424Formatter.h"
#include "syslog/SyslogDatagramSender.h"
#include "syslog/SyslogSpec.h"
#include "syslog/SyslogStreamSender.h"

namespace ncxdp {

class SyslogSink final : public Sink {
 public:
  // Opens the UDP socket, or starts the stream sender (which connects in the background).
  // Throws std::runtime_error when the host does not resolve (udp) or a TLS file is unreadable.
  explicit SyslogSink(const SyslogSpec& spec);
  ~SyslogSink() override;
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  void write(const Record& record) override;
  void flush() override;
  void close() override;
  std::string_view name() const override { return "syslog"; }
  // tcp and tls wait for the server; udp has no acknowledgement, so nothing to show.
  const DeliveryStats* delivery() const override { return stream_ ? &delivery_ : nullptr; }

 private:
  void updateStats();

  SyslogSpec spec_;
  Rfc5424Formatter formatter_;
  std::unique_ptr<SyslogDatagramSender> datagrams_;  // udp
  std::unique_ptr<SyslogStreamSender> stream_;       // tcp, tls
  std::string message_;                              // the message being formatted
  std::vector<std::string> batch_;                   // framed, waiting for flush()
  std::vector<std::string> pool_;                    // recycled strings
  std::uint64_t dropped_ = 0;                        // refused by a full buffer or the kernel
  bool full_ = false;                                // in a buffer-full episode that was reported
  std::uint64_t droppedAtFull_ = 0;
  DeliveryStats delivery_;  // tcp, tls
  bool closed_ = false;
};

}  // namespace ncxdp
