// Metrics exporter: poll() over the listener and a stop pipe, with the textfile's interval as
// the timeout.
#include "milter/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "milter/metrics.h"
#include "base/oplog.h"

namespace sm {

namespace {

constexpr std::size_t kMaxRequest = 8192;
constexpr int kRequestMs = 5000;

std::string response(const char* status, const std::string& body, const char* type = "text/plain; charset=utf-8",
                     bool head = false) {
  std::string out = std::string("HTTP/1.0 ") + status + "\r\nContent-Type: " + type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head) out += body;
  return out;
}

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Reads one request head; "" on timeout or a closed connection, and `too_big` past the limit.
std::string read_request(int fd, bool* too_big, bool* timed_out) {
  std::string buf;
  auto deadline = Clock::now() + std::chrono::milliseconds(kRequestMs);
  char chunk[1024];
  while (buf.find("\r\n\r\n") == std::string::npos && buf.find("\n\n") == std::string::npos) {
    if (buf.size() > kMaxRequest) {
      *too_big = true;
      return buf;
    }
    pollfd p{fd, POLLIN, 0};
    int left = ms_left(deadline);
    int r = left > 0 ? ::poll(&p, 1, left) : 0;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *timed_out = true;
      return buf;
    }
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return buf;  // closed early: answer what arrived (an HTTP/0.9-style "GET /metrics\n")
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return buf;
}

void send_all(int fd, const std::string& data) {
  auto deadline = Clock::now() + std::chrono::milliseconds(kRequestMs);
  std::size_t done = 0;
  while (done < data.size()) {
    pollfd p{fd, POLLOUT, 0};
    int left = ms_left(deadline);
    int r = left > 0 ? ::poll(&p, 1, left) : 0;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string metrics_http_response(std::string_view request, const std::function<std::string()>& render) {
  auto eol = request.find('\n');
  std::string_view line = request.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // METHOD SP TARGET [SP VERSION]
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return response("400 Bad Request", "bad request\n");
  std::string_view method = line.substr(0, sp1);
  std::string_view rest = line.substr(sp1 + 1);
  auto sp2 = rest.find(' ');
  std::string_view target = rest.substr(0, sp2);
  if (sp2 != std::string_view::npos) {
    std::string_view version = rest.substr(sp2 + 1);
    if (!version.starts_with("HTTP/1.")) return response("400 Bad Request", "bad request\n");
  }
  if (target.empty() || target.front() != '/') return response("400 Bad Request", "bad request\n");
  if (method != "GET" && method != "HEAD") return response("405 Method Not Allowed", "only GET /metrics\n");
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/metrics") return response("200 OK", render(), "text/plain; version=0.0.4; charset=utf-8", method == "HEAD");
  if (path == "/") return response("200 OK", "support-milter: metrics at /metrics\n", "text/plain; charset=utf-8", method == "HEAD");
  return response("404 Not Found", "not found; metrics are at /metrics\n");
}

struct MetricsExporter::Impl {
  ExporterSettings settings;
  std::function<std::string()> render;
  int listen_fd = -1;
  int stop_pipe[2] = {-1, -1};
  unsigned port = 0;
  std::thread thread;

  void serve_one() {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    bool too_big = false, timed_out = false;
    std::string req = read_request(fd, &too_big, &timed_out);
    std::string reply;
    if (too_big) reply = response("431 Request Header Fields Too Large", "request too large\n");
    else if (timed_out && req.find('\n') == std::string::npos) reply = response("408 Request Timeout", "timeout\n");
    else if (req.empty()) reply.clear();
    else reply = metrics_http_response(req, render);
    if (!reply.empty()) send_all(fd, reply);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  void write_textfile_now() {
    std::string error;
    if (!write_textfile(settings.textfile, render(), &error)) oplog(Severity::warning, error);
  }

  void loop() {
    auto next_file = Clock::now();
    for (;;) {
      int timeout = -1;
      if (!settings.textfile.empty()) {
        if (Clock::now() >= next_file) {
          write_textfile_now();
          next_file = Clock::now() + std::chrono::seconds(settings.textfile_seconds);
        }
        timeout = std::max(1, ms_left(next_file));
      }
      pollfd fds[2] = {{stop_pipe[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
      int r = ::poll(fds, listen_fd >= 0 ? 2 : 1, timeout);
      if (r < 0 && errno != EINTR) {
        oplog(Severity::error, std::string("metrics: poll: ") + std::strerror(errno));
        return;
      }
      if (r <= 0) continue;
      if (fds[0].revents != 0) return;
      if (listen_fd >= 0 && (fds[1].revents & POLLIN) != 0) serve_one();
    }
  }
};

MetricsExporter::MetricsExporter(const ExporterSettings& settings, std::function<std::string()> render)
    : impl_(std::make_unique<Impl>()) {
  impl_->settings = settings;
  impl_->render = std::move(render);
  if (::pipe2(impl_->stop_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("metrics: pipe: ") + std::strerror(errno));
  if (settings.host.empty()) return;
  const std::string where = (settings.host.find(':') != std::string::npos ? "[" + settings.host + "]" : settings.host) +
                            ":" + std::to_string(settings.port);
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  if (settings.host.find(':') != std::string::npos) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<std::uint16_t>(settings.port));
    if (::inet_pton(AF_INET6, settings.host.c_str(), &a6->sin6_addr) != 1)
      throw std::runtime_error("metrics.listen " + where + ": not an address");
    family = AF_INET6;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<std::uint16_t>(settings.port));
    if (::inet_pton(AF_INET, settings.host.c_str(), &a4->sin_addr) != 1)
      throw std::runtime_error("metrics.listen " + where + ": not an address");
    len = sizeof(sockaddr_in);
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::runtime_error("metrics.listen " + where + ": socket: " + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error("metrics.listen " + where + ": cannot listen: " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  impl_->port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->listen_fd = fd;
}

MetricsExporter::~MetricsExporter() {
  if (impl_->thread.joinable()) {
    char x = 'x';
    while (::write(impl_->stop_pipe[1], &x, 1) < 0 && errno == EINTR) {
    }
    impl_->thread.join();
  }
  for (int fd : {impl_->listen_fd, impl_->stop_pipe[0], impl_->stop_pipe[1]})
    if (fd >= 0) ::close(fd);
}

void MetricsExporter::start() {
  impl_->thread = std::thread([this] { impl_->loop(); });
}

unsigned MetricsExporter::port() const { return impl_->port; }

}  // namespace sm
