// Postfix's hold queue: postcat -bh shows a message, postqueue -j lists every queue, postsuper -H releases, postsuper -d
// deletes. A message that left the hold queue by other means is found in another queue of
// postqueue -j (released, waiting for delivery), else in the mail log (read_postfix_log).
#include <map>
#include <string>

#include "base/exit_codes.h"
#include "base/process.h"
#include "mta/mta.h"
#include "mta/postfix_queue.h"

namespace sm {

namespace {

// How much of the mail log's end is read for the messages that left the hold queue: those left
// since the last sweep, so their lines are among the newest.
constexpr std::size_t kLogTail = 64u << 20;

// A Postfix program with -c DIR when a configuration directory is given.
std::vector<std::string> postfix_cmd(const std::string& tool, const std::string& dir) {
  std::vector<std::string> argv = {tool};
  if (!dir.empty()) argv.insert(argv.end(), {"-c", dir});
  return argv;
}

class PostfixMta final : public Mta {
 public:
  PostfixMta(MtaSettings settings, Complain complain)
      : mta_(std::move(settings)), complain_(std::move(complain)) {}

  bool read_queue(std::vector<QueueEntry>* entries) override {
    auto argv = postfix_cmd("postqueue", mta_.postfix_dir);
    argv.push_back("-j");
    auto r = run(argv, "postqueue -j");
    if (!r) return false;
    std::vector<std::size_t> bad;
    *entries = parse_postqueue_json(r->out, &bad);
    for (auto line : bad)
      complain_("postqueue -j line " + std::to_string(line) + " is not a queue entry; skipped");
    return true;
  }

  std::string not_held(const std::string&, const QueueEntry* found) override {
    if (found == nullptr) return " is not in the Postfix queue";
    return " is in the " + found->queue_name + " queue, not on hold";
  }

  int release(const std::string& queue_id, const std::vector<QueueEntry>&) override {
    return postsuper(queue_id, false);
  }
  int discard(const std::string& queue_id) override { return postsuper(queue_id, true); }

  std::map<std::string, HoldExit> left_hold(const std::vector<std::string>& queue_ids,
                                            const std::vector<QueueEntry>& queue) override {
    std::map<std::string, HoldExit> exits, unseen;
    for (const auto& id : queue_ids) {
      HoldExit& e = exits[id];
      for (const auto& q : queue)
        if (q.queue_id == id && q.queue_name != "hold") {
          e.way = HoldExit::Way::released;
          e.evidence = "queue";
          e.detail = "in Postfix's " + q.queue_name + " queue (postqueue -j)";
        }
      if (e.way == HoldExit::Way::unknown) unseen[id] = e;
    }
    if (unseen.empty()) return exits;
    const std::string log = mail_log();
    std::string text;
    if (!read_mail_log_tail(log, kLogTail, &text)) {
      complain_("cannot read the mail log " + log + " (set mta.mail_log)");
    } else {
      read_postfix_log(text, log, &unseen);
    }
    for (auto& [id, e] : unseen) exits[id] = e;
    return exits;
  }

  bool read_message(const std::string& queue_id, std::string* bytes) override {
    // postcat -bh: the message's header and body, without the queue file's envelope records.
    auto argv = postfix_cmd("postcat", mta_.postfix_dir);
    argv.insert(argv.end(), {"-bh", "-q", queue_id});
    auto r = run(argv, "postcat");
    if (!r) return false;
    *bytes = std::move(r->out);
    return true;
  }

 private:
  std::optional<ProcessResult> run(const std::vector<std::string>& argv, const std::string& what) {
    auto r = run_process(argv);
    if (r.exit_code != 0) {
      complain_(what + " failed (exit " + std::to_string(r.exit_code) + "): " + first_line(r.err));
      return std::nullopt;
    }
    return r;
  }

  // mta.mail_log, else Postfix's maillog_file, else /var/log/mail.log (syslog's).
  std::string mail_log() {
    if (!mta_.mail_log.empty()) return mta_.mail_log;
    auto argv = postfix_cmd("postconf", mta_.postfix_dir);
    argv.insert(argv.end(), {"-h", "maillog_file"});
    auto r = run_process(argv);
    std::string file = r.exit_code == 0 ? first_line(r.out) : "";
    return file.empty() || file == "(no output)" ? "/var/log/mail.log" : file;
  }

  // postsuper -H (release) or -d (delete) on a message of the hold queue.
  int postsuper(const std::string& queue_id, bool discard) {
    auto argv = postfix_cmd("postsuper", mta_.postfix_dir);
    argv.insert(argv.end(), {discard ? "-d" : "-H", queue_id});
    // postsuper -d reads "-" as "all": the id was validated and never starts with '-'.
    auto r = run(argv, "postsuper");
    if (!r) return kUnavailable;
    // postsuper exits 0 also when it found nothing to do (someone else was quicker): look again.
    std::vector<QueueEntry> after;
    if (!read_queue(&after)) return kUnavailable;
    for (const auto& e : after)
      if (e.queue_id == queue_id && (discard || e.queue_name == "hold")) {
        complain_("postsuper left " + queue_id + " in the " + e.queue_name + " queue: " + first_line(r->err));
        return kUnavailable;
      }
    return 0;
  }

  MtaSettings mta_;
  Complain complain_;
};

}  // namespace

std::unique_ptr<Mta> postfix_mta(const MtaSettings& settings, Complain complain) {
  return std::make_unique<PostfixMta>(settings, std::move(complain));
}

}  // namespace sm
