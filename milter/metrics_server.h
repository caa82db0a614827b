// The daemon's metrics exporter: GET /metrics in the Prometheus text format, served by
// libmicrohttpd on a loopback address, and/or a textfile for node_exporter rewritten every few
// seconds.
//
// Robustness, from libmicrohttpd's limits: a pool of two polling threads serves every connection
// (a client never gets a thread of its own, and an idle or slow one holds no thread: each thread
// waits on all its connections at once), at most 256 connections at once and 64 from one address
// (more from that address are closed at once, so a local client that opens connections by the
// hundred cannot take every place), 8 KiB of memory per connection (a request head that does not
// fit is answered 431, a target that does not fit 414), a connection idle for 5 seconds is closed,
// and each answer closes its connection: 50 clients that connect and stay silent do not keep
// Prometheus waiting. Nothing here touches the milter's hot path: the figures are atomics read at
// render time.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace sm {

struct ExporterSettings {
  std::string host;               // loopback address to listen on; empty: no listener
  unsigned port = 0;              // 0: any free port (tests)
  std::string textfile;           // empty: none
  unsigned textfile_seconds = 15;
};

class MetricsExporter {
 public:
  // Listens now (requests are answered from here on); throws std::runtime_error naming the
  // address when it cannot. `render` is called on the server's thread for GET or HEAD /metrics.
  MetricsExporter(const ExporterSettings& settings, std::function<std::string()> render);
  ~MetricsExporter();  // stops the server and the textfile's thread
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  void start();           // starts writing the textfile
  unsigned port() const;  // the bound port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm
