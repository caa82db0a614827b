// The load of the end-to-end benchmark: N copies of one message over S parallel SMTP sessions,
// one connection per message, as `smtp-source -s S -m N -F FILE` sends them (lines end in CRLF,
// a line that begins with '.' gets another) — except that every copy has a Message-ID of its
// own, as real mail has: the local part of the file's Message-ID gets the copy's number. A milter
// that keeps state by Message-ID then stores every copy as new mail instead of finding it stored.
// Like the SMTP clients of MTAs and mail programs, it announces the message's size in MAIL FROM
// (SIZE=, RFC 1870) when the server offers the extension.
//
// Usage: smtp-load -s SESSIONS -m COUNT -F FILE -f FROM -t TO [-M HELO] [--same-id] HOST:PORT
// Exit status 0 when the server accepted every copy; otherwise the first refusal on stderr, 1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kDigits = 10;  // the copy's number in the Message-ID, zero-padded

// The message as sent after DATA (CRLF line ends, dot-stuffed, without the final "."), and
// where the copy's number goes (npos: the Message-ID stays as written).
struct Template {
  std::string data;
  std::size_t number_at = std::string::npos;
};

Template make_template(const std::string& raw, bool unique_ids) {
  Template t;
  bool in_header = true;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string line = raw.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? raw.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) in_header = false;
    if (in_header && unique_ids && t.number_at == std::string::npos && line.size() > 12 &&
        strncasecmp(line.c_str(), "Message-ID:", 11) == 0) {
      std::size_t at = line.find('@');
      if (at != std::string::npos && line.find('<') < at) {
        line.insert(at, "-" + std::string(kDigits, '0'));
        t.number_at = t.data.size() + at + 1;
      }
    }
    if (!line.empty() && line[0] == '.') t.data += '.';
    t.data += line;
    t.data += "\r\n";
  }
  if (unique_ids && t.number_at == std::string::npos)
    throw std::runtime_error("the message has no Message-ID of the form <local@domain>");
  return t;
}

class Session {
 public:
  Session(const sockaddr_in& addr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    timeval tv{120, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  ~Session() { ::close(fd_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The server's reply (every line of a multi-line one); its code must be `expect`'s class.
  std::string expect(char expect_class, const char* after) {
    std::string reply;
    for (;;) {
      std::size_t nl;
      while ((nl = buf_.find("\r\n")) == std::string::npos) {
        char chunk[4096];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0)
          throw std::runtime_error(std::string("no reply after ") + after + ": " +
                                   (n == 0 ? "connection closed" : std::strerror(errno)));
        buf_.append(chunk, static_cast<std::size_t>(n));
      }
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 2);
      reply += line + "\n";
      if (line.size() < 4 || line[3] != '-') break;
    }
    if (reply.empty() || reply[0] != expect_class)
      throw std::runtime_error(std::string("after ") + after + ": " + reply.substr(0, reply.size() - 1));
    return reply;
  }

  void send(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

void put_number(std::string& data, std::size_t at, unsigned long n) {
  for (int i = kDigits - 1; i >= 0; --i, n /= 10) data[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + n % 10);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"N copies of one message over parallel SMTP sessions, each with a Message-ID of its own"};
  int sessions = 1;
  unsigned long count = 1;
  std::string file, from, to, helo = "localhost", target;
  bool same_id = false;
  app.add_option("-s", sessions, "parallel sessions")->check(CLI::Range(1, 1000));
  app.add_option("-m", count, "copies to send")->check(CLI::Range(1ul, 9999999999ul));
  app.add_option("-F", file, "the message (header and body)")->required()->check(CLI::ExistingFile);
  app.add_option("-f", from, "envelope sender")->required();
  app.add_option("-t", to, "envelope recipient")->required();
  app.add_option("-M", helo, "name in EHLO");
  app.add_flag("--same-id", same_id, "send the Message-ID as written in every copy");
  app.add_option("target", target, "HOST:PORT (IPv4)")->required();
  CLI11_PARSE(app, argc, argv);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  std::size_t colon = target.rfind(':');
  int port = 0;
  try {
    port = colon == std::string::npos ? 0 : std::stoi(target.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535 || ::inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    std::cerr << "smtp-load: " << target << " is not an IPv4 HOST:PORT\n";
    return 64;
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));

  Template tmpl;
  try {
    std::ifstream in(file, std::ios::binary);
    std::stringstream raw;
    raw << in.rdbuf();
    tmpl = make_template(raw.str(), !same_id);
  } catch (const std::exception& e) {
    std::cerr << "smtp-load: " << file << ": " << e.what() << "\n";
    return 65;
  }

  const std::string ehlo = "EHLO " + helo + "\r\n";
  const std::string mail = "MAIL FROM:<" + from + ">\r\n";
  const std::string mail_size = "MAIL FROM:<" + from + "> SIZE=" + std::to_string(tmpl.data.size()) + "\r\n";
  const std::string rcpt = "RCPT TO:<" + to + ">\r\n";
  std::atomic<unsigned long> next{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  std::string first_error;
  auto worker = [&] {
    std::string data = tmpl.data;  // this session's copy, numbered in place
    for (;;) {
      if (failed.load()) return;
      const unsigned long n = next.fetch_add(1);
      if (n >= count) return;
      if (tmpl.number_at != std::string::npos) put_number(data, tmpl.number_at, n + 1);
      try {
        Session s(addr);
        s.expect('2', "connect");
        s.send(ehlo);
        const std::string features = s.expect('2', "EHLO");
        const bool size_offered = features.find("250-SIZE") != std::string::npos ||
                                  features.find("250 SIZE") != std::string::npos;
        s.send(size_offered ? mail_size : mail);
        s.expect('2', "MAIL FROM");
        s.send(rcpt);
        s.expect('2', "RCPT TO");
        s.send("DATA\r\n");
        s.expect('3', "DATA");
        s.send(data);
        s.send(".\r\n");
        s.expect('2', "the message");
        s.send("QUIT\r\n");
        s.expect('2', "QUIT");
      } catch (const std::exception& e) {
        std::lock_guard lock(err_mu);
        if (!failed.exchange(true)) first_error = "copy " + std::to_string(n + 1) + ": " + e.what();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < sessions; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (failed.load()) {
    std::cerr << "smtp-load: " << first_error << "\n";
    return 1;
  }
  return 0;
}
