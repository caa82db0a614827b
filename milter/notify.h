// Notices to a rule's `notify` address when a message is held or rejected, and SLA events.
// Submitted through the local MTA's sendmail command with a null envelope sender and an
// X-Support-Milter-Notice header, which the pipeline recognises so a notice never goes through
// the rules itself.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/agent_text.h"  // Notice
#include "pipeline/pipeline.h"    // kNoticeHeader

namespace sm {

// The whole message a notice submits: headers encoded and sanitized (no text can add a header),
// the body sanitized line by line. The command reads it to the end (sendmail -oi: a lone dot
// line does not end it).
std::string notice_message(const std::string& from, const Notice& n);

// Where a held message waits, and the commands that release or discard it: support-milter's own
// (`release`/`discard` record who decided and why, and settle the customer's clock), never the
// MTA's. `config_path`, the daemon's config, is named with -c when it is not the default one.
struct HoldWording {
  std::string where;
  std::string release;
  std::string discard;
};
HoldWording hold_wording(MtaKind kind, const std::string& config_path, const std::string& queue_id);

// Notices wait here for one worker thread that runs the command for each in turn (bounded in
// time), so a milter callback never waits for the MTA and a stalled command cannot pile up
// processes. A full queue drops the new notice and logs it; the mail itself is never delayed.
class NoticeQueue {
 public:
  struct Limits {
    std::size_t capacity = 256;  // notices waiting
    int command_timeout_ms = 30000;
  };
  NoticeQueue() : NoticeQueue(Limits{}) {}
  explicit NoticeQueue(Limits limits);
  ~NoticeQueue();  // stop(0 s): the command running now finishes, the rest are logged as dropped
  NoticeQueue(const NoticeQueue&) = delete;
  NoticeQueue& operator=(const NoticeQueue&) = delete;

  // False (and logged) when the queue is full or stopped.
  bool submit(const std::vector<std::string>& command, const std::string& from, const Notice& n);
  // Waits up to `drain` for the queued notices, then ends the worker; later submits are refused.
  void stop(std::chrono::milliseconds drain);

  struct Counts {
    std::size_t sent = 0, failed = 0, dropped = 0;
  };
  Counts counts() const;

 private:
  struct Job {
    std::vector<std::string> argv;
    std::string to;
    std::string message;
  };
  void run();
  Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;
  bool busy_ = false, stopping_ = false;
  Counts counts_;
  std::thread worker_;
};

// The daemon's queue: send_notice submits to it; stop_notices drains it at shutdown.
void send_notice(const std::vector<std::string>& command, const std::string& from, const Notice& n);
void stop_notices(std::chrono::milliseconds drain);

}  // namespace sm
