// The metrics endpoint on a real loopback listener: the answer to every kind of request, bad
// clients (oversized, silent, 50 slow ones, too many from one address) that harm no one else, IPv6
// loopback, the textfile.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "milter/metrics_server.h"

namespace sm {
namespace {

std::string body() {
  return "m 1\n";
}

using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or `seconds` pass.
bool wait_until(const std::function<bool()>& done, int seconds) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A connected client socket (IPv4 or IPv6 loopback; IPv4 from the loopback address `from` when
// given), -1 when the connection is refused.
int connect_to(unsigned port, bool v6 = false, const char* from = nullptr) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (from != nullptr) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
  }
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<std::uint16_t>(port));
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early on an oversized request
    sent += static_cast<std::size_t>(n);
  }
}

struct Reply {
  std::string data;     // what the server sent
  bool closed = false;  // the server closed the connection (end of stream or reset) within 10 s
};

// Reads until the server closes the connection or 10 seconds pass, then closes `fd`.
Reply read_to_end(int fd) {
  Reply r;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      r.data.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    r.closed = n == 0 || errno == ECONNRESET;
    break;
  }
  ::close(fd);
  return r;
}

// Connects, sends `request`, half-closes unless told not to, reads to the end.
Reply exchange(unsigned port, const std::string& request, bool close_write = true, bool v6 = false) {
  int fd = connect_to(port, v6);
  if (fd < 0) return {"<connect failed>", false};
  send_all(fd, request);
  if (close_write) ::shutdown(fd, SHUT_WR);
  return read_to_end(fd);
}

// "HTTP/1.x NNN" of a response: the status code, 0 when there is no status line.
int status(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 7, "HTTP/1.") != 0 || response[8] != ' ') return 0;
  return std::stoi(response.substr(9, 3));
}

std::string header_block(const std::string& response) {
  return response.substr(0, response.find("\r\n\r\n") + 2);
}

ExporterSettings loopback() {
  ExporterSettings s;
  s.host = "127.0.0.1";
  s.port = 0;
  return s;
}

TEST(MetricsExporter, AnswersEveryKindOfRequest) {
  MetricsExporter ex(loopback(), body);
  ex.start();
  ASSERT_GT(ex.port(), 0u);
  struct Row {
    const char* request;
    int status;  // 0: the connection is closed unanswered
    bool has_body;
  } rows[] = {
      {"GET /metrics HTTP/1.0\r\n\r\n", 200, true},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
      {"GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
      {"HEAD /metrics HTTP/1.0\r\n\r\n", 200, false},
      {"GET / HTTP/1.0\r\n\r\n", 200, false},
      {"GET /other HTTP/1.0\r\n\r\n", 404, false},
      {"GET /metrics/ HTTP/1.0\r\n\r\n", 404, false},
      {"POST /metrics HTTP/1.0\r\n\r\n", 405, false},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 405, false},
      {"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405, false},
      {"GET metrics HTTP/1.0\r\n\r\n", 400, false},
      {"GET /metrics SPDY/3\r\n\r\n", 400, false},
      {"GET /metrics HTTP/2.0\r\n\r\n", 505, false},
      {"GET /metrics\r\n\r\n", 400, false},
      {"GET /metrics\n", 400, false},  // a request line without a version (HTTP/0.9) is refused
      // Without a request line: closed unanswered, at the end of the stream or after 5 idle seconds.
      {"\r\n\r\n", 0, false},
      {"garbage", 0, false},
  };
  for (const auto& row : rows) {
    Reply r = exchange(ex.port(), row.request);
    EXPECT_TRUE(r.closed) << row.request;
    EXPECT_EQ(status(r.data), row.status) << row.request << "\n" << r.data;
    if (row.status == 0) {
      EXPECT_EQ(r.data, "") << row.request;
    }
    bool ends_with_body = r.data.size() >= 4 && r.data.substr(r.data.size() - 4) == "m 1\n";
    EXPECT_EQ(ends_with_body, row.has_body) << row.request;
  }
  Reply ok = exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(ok.data.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.data.find("\r\nContent-Length: 4\r\n"), std::string::npos);
  Reply head = exchange(ex.port(), "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(head.data.find("\r\nContent-Length: 4\r\n"), std::string::npos) << head.data;
  EXPECT_EQ(head.data, header_block(head.data) + "\r\n");
  Reply post = exchange(ex.port(), "POST /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(post.data.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << post.data;
  // An HTTP/1.1 client that would keep the connection is answered and the connection closed.
  Reply kept =
      exchange(ex.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", false);
  EXPECT_EQ(status(kept.data), 200);
  EXPECT_TRUE(kept.closed);
  EXPECT_NE(kept.data.find("\r\nConnection: close\r\n"), std::string::npos) << kept.data;
}

TEST(MetricsExporter, SurvivesBadClients) {
  MetricsExporter ex(loopback(), body);
  ex.start();
  EXPECT_EQ(status(exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n").data), 200);
  // A head that does not fit in a connection's 8 KiB: 431, and the next client is served.
  std::string big = "GET /metrics HTTP/1.0\r\nX: " + std::string(9000, 'a');
  Reply too_big = exchange(ex.port(), big, false);
  EXPECT_EQ(status(too_big.data), 431) << too_big.data;
  EXPECT_TRUE(too_big.closed);
  std::string many = "GET /metrics HTTP/1.0\r\n";
  for (int i = 0; i < 400; ++i) many += "X-" + std::to_string(i) + ": yes\r\n";
  EXPECT_EQ(status(exchange(ex.port(), many + "\r\n").data), 431);
  EXPECT_EQ(status(exchange(ex.port(), "GET /" + std::string(9000, 'a') + " HTTP/1.0\r\n\r\n").data), 414);
  EXPECT_EQ(status(exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n").data), 200);
  // A client that connects and closes without a request gets nothing and harms nothing; one that
  // stays silent is closed unanswered after 5 idle seconds (well within the client's 10).
  Reply empty = exchange(ex.port(), "");
  EXPECT_EQ(empty.data, "");
  EXPECT_TRUE(empty.closed);
  Reply silent = exchange(ex.port(), "GET /metr", false);
  EXPECT_EQ(silent.data, "");
  EXPECT_TRUE(silent.closed) << "a silent client was not timed out";
  EXPECT_EQ(status(exchange(ex.port(), "GET /nope HTTP/1.0\r\n\r\n").data), 404);
}

TEST(MetricsExporter, ASlowClientDoesNotHoldUpOthers) {
  MetricsExporter ex(loopback(), body);
  ex.start();
  int slow = connect_to(ex.port());
  ASSERT_GE(slow, 0);
  send_all(slow, "GET /metr");
  // Served while the slow client's request is still open...
  EXPECT_EQ(status(exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n").data), 200);
  // ...which then completes and is answered too (it was not put off until it timed out).
  send_all(slow, "ics HTTP/1.0\r\n\r\n");
  Reply r = read_to_end(slow);
  EXPECT_EQ(status(r.data), 200) << r.data;
}

// 50 clients that connect and stay silent, or send half a request and stop, hold no thread and
// take no place Prometheus needs: a real request is answered at once, long before the silent ones
// are timed out (5 s).
TEST(MetricsExporter, FiftySlowClientsDoNotKeepOthersWaiting) {
  MetricsExporter ex(loopback(), body);
  ex.start();
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    int fd = connect_to(ex.port());
    ASSERT_GE(fd, 0);
    if (i % 2 == 0) send_all(fd, "GET /metr");
    slow.push_back(fd);
  }
  const auto started = Clock::now();
  int fd = connect_to(ex.port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 2000), 1) << "no answer within 2 s under 50 slow connections";
  Reply r = read_to_end(fd);
  EXPECT_EQ(status(r.data), 200) << r.data;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  for (int s : slow) ::close(s);
}

// One address holds at most 64 connections: the next one from it is closed unanswered at once,
// while another address (Prometheus on 127.0.0.1) is still served; once the 64 are gone the
// address is served again.
TEST(MetricsExporter, BoundsTheConnectionsOfOneAddress) {
  MetricsExporter ex(loopback(), body);
  ex.start();
  std::vector<int> held;
  for (int i = 0; i < 64; ++i) {
    int fd = connect_to(ex.port(), false, "127.0.0.2");
    ASSERT_GE(fd, 0);
    send_all(fd, "GET /metr");
    held.push_back(fd);
  }
  // The 64 are accepted: one of them, completed, is answered.
  send_all(held.back(), "ics HTTP/1.0\r\n\r\n");
  Reply last = read_to_end(held.back());
  held.pop_back();
  EXPECT_EQ(status(last.data), 200) << last.data;
  held.push_back(connect_to(ex.port(), false, "127.0.0.2"));
  ASSERT_GE(held.back(), 0);
  send_all(held.back(), "GET /metr");
  // The server closes a connection idle for 5 s, its defence against slow clients: on a busy
  // machine some of the 64 may be gone before the checks below, and are opened again.
  auto refill = [&] {
    for (int& fd : held) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) == 0) continue;  // still open, nothing from the server
      ::close(fd);
      fd = connect_to(ex.port(), false, "127.0.0.2");
      if (fd >= 0) send_all(fd, "GET /metr");
    }
  };
  // Wait until the server has the 64 (the last one's accept may still be on its way).
  ASSERT_TRUE(wait_until(
      [&] {
        refill();
        int probe = connect_to(ex.port(), false, "127.0.0.2");
        if (probe < 0) return true;
        send_all(probe, "GET /metrics HTTP/1.0\r\n\r\n");
        Reply r = read_to_end(probe);
        return r.closed && r.data.empty();
      },
      10));
  const auto started = Clock::now();
  Reply over = exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n", true, false);
  EXPECT_EQ(status(over.data), 200) << "another address is not served: " << over.data;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  refill();
  int refused = connect_to(ex.port(), false, "127.0.0.2");
  if (refused >= 0) {
    send_all(refused, "GET /metrics HTTP/1.0\r\n\r\n");
    Reply r = read_to_end(refused);
    EXPECT_EQ(r.data, "") << "answered beyond the limit of one address";
    EXPECT_TRUE(r.closed);
  }
  for (int fd : held)
    if (fd >= 0) ::close(fd);
  EXPECT_TRUE(wait_until(
      [&] {
        int fd = connect_to(ex.port(), false, "127.0.0.2");
        if (fd < 0) return false;
        send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
        return status(read_to_end(fd).data) == 200;
      },
      10))
      << "the address is not served again";
}

TEST(MetricsExporter, AnswersOnTheIpv6Loopback) {
  ExporterSettings s;
  s.host = "::1";
  MetricsExporter ex(s, body);
  ex.start();
  ASSERT_GT(ex.port(), 0u);
  Reply r = exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n", true, true);
  EXPECT_EQ(status(r.data), 200) << r.data;
  EXPECT_EQ(r.data.substr(r.data.size() - 4), "m 1\n");
}

TEST(MetricsExporter, AFailingRenderIsAnError) {
  MetricsExporter ex(loopback(), []() -> std::string { throw std::runtime_error("store gone"); });
  ex.start();
  Reply r = exchange(ex.port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(status(r.data), 500) << r.data;
  EXPECT_EQ(status(exchange(ex.port(), "GET / HTTP/1.0\r\n\r\n").data), 200);
}

TEST(MetricsExporter, RefusesAnAddressInUse) {
  MetricsExporter first(loopback(), body);
  ExporterSettings s = loopback();
  s.port = first.port();
  try {
    MetricsExporter second(s, body);
    ADD_FAILURE() << "a second listener on the same port was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(s.port)), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST(MetricsExporter, RefusesWhatIsNotAnAddress) {
  ExporterSettings s = loopback();
  s.host = "localhost";
  EXPECT_THROW(MetricsExporter(s, body), std::runtime_error);
}

TEST(MetricsExporter, WritesTheTextfile) {
  ExporterSettings s;
  s.textfile = ::testing::TempDir() + "/sm-exporter-" + std::to_string(::getpid()) + ".prom";
  s.textfile_seconds = 1;
  std::remove(s.textfile.c_str());
  {
    MetricsExporter ex(s, body);
    ex.start();
    std::string got;
    wait_until(
        [&] {
          std::ifstream in(s.textfile);
          std::stringstream buf;
          buf << in.rdbuf();
          got = buf.str();
          return !got.empty();
        },
        10);
    EXPECT_EQ(got, "m 1\n");
  }
  std::remove(s.textfile.c_str());
}

}  // namespace
}  // namespace sm
