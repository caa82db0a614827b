// The metrics HTTP responder: status codes for every kind of request, and the real listener on a
// loopback port (one request per connection, bounded requests, a textfile beside it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "milter/metrics_server.h"

namespace sm {
namespace {

std::string body() { return "m 1\n"; }

TEST(MetricsHttp, Responses) {
  struct Row {
    const char* request;
    const char* status;
    bool has_body;
  } rows[] = {
      {"GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK", true},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK", true},
      {"GET /metrics?name[]=x HTTP/1.1\r\n\r\n", "HTTP/1.0 200 OK", true},
      {"GET /metrics\n", "HTTP/1.0 200 OK", true},
      {"HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK", false},
      {"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK", false},
      {"GET /other HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found", false},
      {"POST /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 405 Method Not Allowed", false},
      {"GET metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 400 Bad Request", false},
      {"GET /metrics SPDY/3\r\n\r\n", "HTTP/1.0 400 Bad Request", false},
      {"\r\n\r\n", "HTTP/1.0 400 Bad Request", false},
      {"garbage", "HTTP/1.0 400 Bad Request", false},
  };
  for (const auto& r : rows) {
    std::string resp = metrics_http_response(r.request, body);
    EXPECT_EQ(resp.substr(0, resp.find("\r\n")), r.status) << r.request;
    bool ends_with_body = resp.size() >= 4 && resp.substr(resp.size() - 4) == "m 1\n";
    EXPECT_EQ(ends_with_body, r.has_body) << r.request;
  }
  std::string ok = metrics_http_response("GET /metrics HTTP/1.0\r\n\r\n", body);
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos);
  std::string head = metrics_http_response("HEAD /metrics HTTP/1.0\r\n\r\n", body);
  EXPECT_NE(head.find("Content-Length: 4\r\n"), std::string::npos);
}

// Connects, sends `request`, reads to the end.
std::string exchange(unsigned port, const std::string& request, bool close_write = true) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on an oversized request
    sent += static_cast<std::size_t>(n);
  }
  if (close_write) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(MetricsExporter, ServesOverLoopbackAndSurvivesBadClients) {
  ExporterSettings s;
  s.host = "127.0.0.1";
  s.port = 0;
  MetricsExporter ex(s, body);
  ex.start();
  ASSERT_GT(ex.port(), 0u);
  std::string r = exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.substr(0, 15), "HTTP/1.0 200 OK");
  EXPECT_EQ(r.substr(r.size() - 4), "m 1\n");
  // Too big (a head that never ends within 8 KiB): 431, and the next client is served.
  std::string big = "GET /metrics HTTP/1.0\r\nX: " + std::string(9000 - 26, 'a');
  EXPECT_EQ(exchange(ex.port(), big).substr(0, 12), "HTTP/1.0 431");
  EXPECT_EQ(exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n").substr(0, 15), "HTTP/1.0 200 OK");
  // A client that connects and closes without a request gets nothing and harms nothing; one that
  // stays silent gets 408 when the 5 seconds are up.
  EXPECT_EQ(exchange(ex.port(), ""), "");
  EXPECT_EQ(exchange(ex.port(), "GET /metr", false).substr(0, 12), "HTTP/1.0 408");
  EXPECT_EQ(exchange(ex.port(), "GET /nope HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 404");
}

TEST(MetricsExporter, RefusesAnAddressInUse) {
  ExporterSettings s;
  s.host = "127.0.0.1";
  MetricsExporter first(s, body);
  s.port = first.port();
  try {
    MetricsExporter second(s, body);
    ADD_FAILURE() << "a second listener on the same port was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << e.what();
  }
}

TEST(MetricsExporter, WritesTheTextfile) {
  ExporterSettings s;
  s.textfile = ::testing::TempDir() + "/sm-exporter-" + std::to_string(::getpid()) + ".prom";
  s.textfile_seconds = 1;
  std::remove(s.textfile.c_str());
  {
    MetricsExporter ex(s, body);
    ex.start();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string got;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(s.textfile);
      std::stringstream buf;
      buf << in.rdbuf();
      got = buf.str();
      if (!got.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(got, "m 1\n");
  }
  std::remove(s.textfile.c_str());
}

}  // namespace
}  // namespace sm
