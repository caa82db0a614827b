// Notice submission: one worker thread runs the configured sendmail command for each queued
// notice, the message on its stdin.
#include "milter/notify.h"

#include "base/oplog.h"
#include "base/process.h"
#include "message/encoded_words.h"

namespace sm {

HoldWording hold_wording(MtaKind kind, const std::string& config_path, const std::string& queue_id) {
  const std::string config =
      config_path.empty() || config_path == "/etc/support-milter/support-milter.conf" ? "" : " -c " + config_path;
  const std::string tail = queue_id + config + " --by NAME --reason TEXT";
  return {kind == MtaKind::sendmail ? "Sendmail's quarantine" : "the hold queue", "support-milter release " + tail,
          "support-milter discard " + tail};
}

std::string notice_message(const std::string& from, const Notice& n) {
  std::string msg;
  msg += "From: " + encode_header_value("From", from) + "\n";
  msg += "To: " + sanitize_text(n.to, 320) + "\n";
  msg += "Subject: " + encode_header_value("Subject", n.subject) + "\n";
  msg += "Auto-Submitted: auto-generated\n";
  msg += std::string(kNoticeHeader) + ": 1\n";
  msg += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
  std::size_t start = 0;
  while (start <= n.body.size()) {
    auto end = n.body.find('\n', start);
    if (end == std::string::npos) end = n.body.size();
    msg += sanitize_text(n.body.substr(start, end - start), 2000) + "\n";
    start = end + 1;
  }
  return msg;
}

NoticeQueue::NoticeQueue(Limits limits) : limits_(limits), worker_([this] { run(); }) {}

NoticeQueue::~NoticeQueue() { stop(std::chrono::milliseconds(0)); }

bool NoticeQueue::submit(const std::vector<std::string>& command, const std::string& from, const Notice& n) {
  if (command.empty() || n.to.empty()) return false;
  Job job{command, sanitize_text(n.to, 320), notice_message(from, n)};
  job.argv.push_back("--");
  job.argv.push_back(job.to);
  std::string why;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && jobs_.size() < limits_.capacity) {
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return true;
    }
    ++counts_.dropped;
    why = stopping_ ? std::string("stopping") : std::to_string(limits_.capacity) + " notices waiting";
  }
  oplog(Severity::error, "notice to " + job.to + " dropped: " + why);
  return false;
}

void NoticeQueue::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    ProcessOptions opts;
    opts.input = std::move(job.message);
    opts.max_output = 64 << 10;
    opts.timeout_ms = limits_.command_timeout_ms;
    auto r = run_process(job.argv, opts);
    if (r.exit_code == 0) {
      oplog(Severity::info, "notice sent to " + job.to);
    } else {
      std::string why = r.timed_out ? "timed out after " + std::to_string(limits_.command_timeout_ms) + " ms"
                        : r.exit_code < 0 ? "could not run: " + r.err
                                          : "exit " + std::to_string(r.exit_code) + ": " + r.err.substr(0, 300);
      oplog(Severity::error, "notice to " + job.to + ": " + job.argv[0] + " " + why);
    }
    lock.lock();
    ++(r.exit_code == 0 ? counts_.sent : counts_.failed);
    busy_ = false;
    idle_.notify_all();
  }
}

void NoticeQueue::stop(std::chrono::milliseconds drain) {
  std::unique_lock lock(mu_);
  if (!worker_.joinable()) return;
  idle_.wait_for(lock, drain, [&] { return jobs_.empty() && !busy_; });
  stopping_ = true;
  std::size_t left = jobs_.size();
  counts_.dropped += left;
  jobs_.clear();
  wake_.notify_all();
  lock.unlock();
  worker_.join();
  if (left > 0) oplog(Severity::warning, std::to_string(left) + " notices not sent at stop");
}

NoticeQueue::Counts NoticeQueue::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

namespace {
NoticeQueue& daemon_queue() {
  static NoticeQueue queue;
  return queue;
}
}  // namespace

void send_notice(const std::vector<std::string>& command, const std::string& from, const Notice& n) {
  daemon_queue().submit(command, from, n);
}

void stop_notices(std::chrono::milliseconds drain) { daemon_queue().stop(drain); }

}  // namespace sm
