// Notice submission: posix_spawn of the configured sendmail command, message on its stdin.
#include "milter/notify.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/header_value.h"
#include "core/oplog.h"

extern char** environ;

namespace sm {

namespace {

void submit(std::vector<std::string> command, std::string to, std::string message) {
  int fds[2];
  if (pipe(fds) != 0) {
    oplog(Severity::error, std::string("notice to ") + to + ": pipe: " + std::strerror(errno));
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  command.push_back("--");
  command.push_back(to);
  std::vector<char*> argv;
  for (auto& a : command) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    oplog(Severity::error, "notice to " + to + ": cannot run " + command[0] + ": " + std::strerror(rc));
    return;
  }
  const char* p = message.data();
  std::size_t left = message.size();
  while (left > 0) {
    ssize_t n = write(fds[1], p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  close(fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    oplog(Severity::error, "notice to " + to + ": " + command[0] + " failed with status " + std::to_string(status));
  else
    oplog(Severity::info, "notice sent to " + to);
}

}  // namespace

void send_notice(const std::vector<std::string>& command, const std::string& from, const Notice& n) {
  if (command.empty() || n.to.empty()) return;
  std::string msg;
  msg += "From: " + encode_header_value("From", from) + "\n";
  msg += "To: " + sanitize_text(n.to, 320) + "\n";
  msg += "Subject: " + encode_header_value("Subject", n.subject) + "\n";
  msg += "Auto-Submitted: auto-generated\n";
  msg += std::string(kNoticeHeader) + ": 1\n";
  msg += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
  // Body lines: sanitized one by one, so message text cannot forge headers or a lone dot.
  std::size_t start = 0;
  while (start <= n.body.size()) {
    auto end = n.body.find('\n', start);
    if (end == std::string::npos) end = n.body.size();
    msg += sanitize_text(n.body.substr(start, end - start), 2000) + "\n";
    start = end + 1;
  }
  std::thread(submit, command, sanitize_text(n.to, 320), std::move(msg)).detach();
}

}  // namespace sm
