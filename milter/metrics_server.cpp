// Metrics exporter: a libmicrohttpd daemon with its own pool of polling threads answers the
// requests; another thread rewrites the textfile on its interval.
#include "milter/metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "milter/metrics.h"
#include "base/oplog.h"

namespace sm {

namespace {

constexpr unsigned kMaxConnections = 256;
constexpr unsigned kMaxPerAddress = 64;
constexpr unsigned kThreads = 2;
constexpr unsigned kBacklog = 64;  // connections the kernel queues until a thread accepts them
constexpr unsigned kIdleSeconds = 5;
constexpr std::size_t kConnectionMemory = 8 * 1024;

constexpr const char* kPlain = "text/plain; charset=utf-8";
constexpr const char* kExposition = "text/plain; version=0.0.4; charset=utf-8";

MHD_Result answer(MHD_Connection* connection, unsigned status, const std::string& body, const char* type) {
  MHD_Response* response =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

}  // namespace

struct MetricsExporter::Impl {
  ExporterSettings settings;
  std::function<std::string()> render;
  MHD_Daemon* daemon = nullptr;
  unsigned port = 0;

  // libmicrohttpd's messages while it starts (why it cannot listen), for the exception.
  std::mutex log_mutex;
  bool starting = true;
  std::string start_log;

  std::thread textfile_thread;
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stopping = false;

  // Called once the request head is complete; the answer closes the connection, so a request body
  // (which no accepted request has) is never read.
  MHD_Result handle(MHD_Connection* connection, std::string_view url, std::string_view method) {
    if (method != MHD_HTTP_METHOD_GET && method != MHD_HTTP_METHOD_HEAD)
      return answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n", kPlain);
    if (url.empty() || url.front() != '/')
      return answer(connection, MHD_HTTP_BAD_REQUEST, "bad request\n", kPlain);
    if (url == "/") return answer(connection, MHD_HTTP_OK, "support-milter: metrics at /metrics\n", kPlain);
    if (url != "/metrics")
      return answer(connection, MHD_HTTP_NOT_FOUND, "not found; metrics are at /metrics\n", kPlain);
    std::string text;
    try {
      text = render();
    } catch (const std::exception& e) {
      oplog(Severity::error, std::string("metrics: cannot render: ") + e.what());
      return answer(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n", kPlain);
    }
    return answer(connection, MHD_HTTP_OK, text, kExposition);
  }

  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                               const char* /*version*/, const char* /*upload_data*/,
                               std::size_t* /*upload_size*/, void** /*request_state*/) {
    try {
      return static_cast<Impl*>(cls)->handle(connection, url != nullptr ? url : "",
                                             method != nullptr ? method : "");
    } catch (...) {  // nothing may unwind into the C library; MHD_NO closes the connection
      return MHD_NO;
    }
  }

  // libmicrohttpd reports problems of its own and of clients (a reset, a timeout) here: kept for
  // the exception while it starts, debug lines afterwards.
  static void on_log(void* cls, const char* format, va_list args) {
    char line[512];
    std::vsnprintf(line, sizeof line, format, args);
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    auto* self = static_cast<Impl*>(cls);
    {
      std::lock_guard<std::mutex> lock(self->log_mutex);
      if (self->starting) {
        if (!self->start_log.empty()) self->start_log += "; ";
        self->start_log += text;
        return;
      }
    }
    oplog(Severity::debug, "metrics: http: " + std::string(text));
  }

  void listen() {
    const bool v6 = settings.host.find(':') != std::string::npos;
    const std::string where =
        (v6 ? "[" + settings.host + "]" : settings.host) + ":" + std::to_string(settings.port);
    sockaddr_in a4{};
    sockaddr_in6 a6{};
    const sockaddr* addr = nullptr;
    if (v6) {
      a6.sin6_family = AF_INET6;
      a6.sin6_port = htons(static_cast<std::uint16_t>(settings.port));
      if (::inet_pton(AF_INET6, settings.host.c_str(), &a6.sin6_addr) != 1)
        throw std::runtime_error("metrics.listen " + where + ": not an address");
      addr = reinterpret_cast<const sockaddr*>(&a6);
    } else {
      a4.sin_family = AF_INET;
      a4.sin_port = htons(static_cast<std::uint16_t>(settings.port));
      if (::inet_pton(AF_INET, settings.host.c_str(), &a4.sin_addr) != 1)
        throw std::runtime_error("metrics.listen " + where + ": not an address");
      addr = reinterpret_cast<const sockaddr*>(&a4);
    }
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    daemon = MHD_start_daemon(flags, static_cast<std::uint16_t>(settings.port), nullptr, nullptr,  //
                              &Impl::on_request, this,                                             //
                              MHD_OPTION_EXTERNAL_LOGGER, &Impl::on_log, this,                     //
                              MHD_OPTION_SOCK_ADDR, addr,                                          //
                              MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,                        //
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, kMaxPerAddress,                  //
                              MHD_OPTION_THREAD_POOL_SIZE, kThreads,                               //
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, kBacklog,                            //
                              MHD_OPTION_CONNECTION_TIMEOUT, kIdleSeconds,                         //
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,               //
                              MHD_OPTION_END);
    std::lock_guard<std::mutex> lock(log_mutex);
    starting = false;
    if (daemon == nullptr)
      throw std::runtime_error("metrics.listen " + where + ": cannot listen" +
                               (start_log.empty() ? std::string() : ": " + start_log));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    port = info != nullptr ? info->port : settings.port;
  }

  void write_textfile_now() {
    std::string error;
    try {
      if (!write_textfile(settings.textfile, render(), &error)) oplog(Severity::warning, error);
    } catch (const std::exception& e) {
      oplog(Severity::error, std::string("metrics: cannot render: ") + e.what());
    }
  }

  void textfile_loop() {
    std::unique_lock<std::mutex> lock(stop_mutex);
    while (!stopping) {
      lock.unlock();
      write_textfile_now();
      lock.lock();
      stop_cv.wait_for(lock, std::chrono::seconds(settings.textfile_seconds), [this] { return stopping; });
    }
  }
};

MetricsExporter::MetricsExporter(const ExporterSettings& settings, std::function<std::string()> render)
    : impl_(std::make_unique<Impl>()) {
  impl_->settings = settings;
  impl_->render = std::move(render);
  if (!settings.host.empty()) impl_->listen();
}

MetricsExporter::~MetricsExporter() {
  if (impl_->textfile_thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(impl_->stop_mutex);
      impl_->stopping = true;
    }
    impl_->stop_cv.notify_all();
    impl_->textfile_thread.join();
  }
  if (impl_->daemon != nullptr) MHD_stop_daemon(impl_->daemon);
}

void MetricsExporter::start() {
  if (!impl_->settings.textfile.empty())
    impl_->textfile_thread = std::thread([this] { impl_->textfile_loop(); });
}

unsigned MetricsExporter::port() const {
  return impl_->port;
}

}  // namespace sm
