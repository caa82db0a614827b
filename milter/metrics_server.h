// The daemon's metrics exporter: a minimal HTTP/1.0 responder for GET /metrics on a loopback
// socket, and/or a textfile for node_exporter rewritten every few seconds. One thread serves both.
//
// Robustness: one request per connection, answered and closed; a request must arrive whole within
// 5 seconds and within 8 KiB (else 408 / 431); replies are written with a send timeout; the
// listener accepts one connection at a time, so a client can hold the thread for at most the
// timeouts. Nothing here touches the milter's hot path: the figures are atomics read at render time.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace sm {

// The whole HTTP response for one request (status line, headers, body). `render` is called only
// for GET or HEAD of /metrics.
std::string metrics_http_response(std::string_view request, const std::function<std::string()>& render);

struct ExporterSettings {
  std::string host;               // loopback address to listen on; empty: no listener
  unsigned port = 0;              // 0: any free port (tests)
  std::string textfile;           // empty: none
  unsigned textfile_seconds = 15;
};

class MetricsExporter {
 public:
  // Binds the listener now; throws std::runtime_error naming the address when it cannot.
  MetricsExporter(const ExporterSettings& settings, std::function<std::string()> render);
  ~MetricsExporter();  // stops the thread
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  void start();
  unsigned port() const;  // the bound port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm
