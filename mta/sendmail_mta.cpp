// Sendmail's quarantine: the hf files of its queue directory (sendmail_queue.h). Release:
// `sendmail -Q -qQ -qI<id>` takes the quarantine off (hf becomes qf again; nothing else does
// that), then `sendmail -qI<id>` delivers it now; should that delivery fail for the moment, the
// message waits in the queue like any other, for Sendmail's next queue run. Discard: Sendmail has
// no command that deletes a message, so its control file (hf) and data file (df) are removed; no
// queue run touches a quarantined message. A message that left the quarantine by other means is
// found as a qf file (released, waiting for delivery), else in the mail log (read_sendmail_log).
#include <filesystem>
#include <map>

#include "base/exit_codes.h"
#include "base/files.h"
#include "base/process.h"
#include "mta/mta.h"
#include "mta/sendmail_queue.h"

namespace sm {

namespace {

constexpr std::size_t kLogTail = 64u << 20;  // as for Postfix (postfix_mta.cpp)

class SendmailMta final : public Mta {
 public:
  SendmailMta(MtaSettings settings, Complain complain)
      : mta_(std::move(settings)), complain_(std::move(complain)) {}

  bool read_queue(std::vector<QueueEntry>* entries) override {
    if (!queue_dir()) return false;
    std::vector<std::string> problems;
    if (!read_sendmail_quarantine(dir_, entries, &problems)) {
      complain_("cannot read Sendmail's queue directory " + dir_);
      return false;
    }
    for (const auto& p : problems) complain_(p);
    return true;
  }

  std::string not_held(const std::string& queue_id, const QueueEntry*) override {
    std::error_code ec;
    return std::filesystem::exists(file("qf", queue_id), ec) ? " is in Sendmail's queue but not quarantined"
                                                             : " is not in Sendmail's queue " + dir_;
  }

  int release(const std::string& queue_id, const std::vector<QueueEntry>& queue) override {
    // -qI selects every id that contains the text: refuse an id that would take others along.
    for (const auto& e : queue)
      if (e.queue_id != queue_id && e.queue_id.find(queue_id) != std::string::npos) {
        complain_("sendmail -qI" + queue_id + " would also release " + e.queue_id +
                  "; release it with Sendmail's commands");
        return 1;
      }
    std::error_code ec;
    auto r = sendmail({"-Q", "-qQ", "-qI" + queue_id});
    if (r.exit_code != 0 || std::filesystem::exists(file("hf", queue_id), ec)) {
      complain_("sendmail -Q -qQ -qI" + queue_id + " " +
                (r.exit_code != 0 ? "failed (exit " + std::to_string(r.exit_code) + "): " + first_line(r.err)
                                  : std::string("left it quarantined")));
      return kUnavailable;
    }
    r = sendmail({"-qI" + queue_id});
    if (r.exit_code != 0)
      complain_(queue_id + " is out of quarantine, but the queue run that delivers it failed (exit " +
                std::to_string(r.exit_code) + "): " + first_line(r.err) +
                "; Sendmail's next queue run retries it");
    return 0;
  }

  int discard(const std::string& queue_id) override {
    namespace fs = std::filesystem;
    const fs::path hf = file("hf", queue_id), df = file("df", queue_id);
    std::error_code ec;
    if (!fs::remove(hf, ec) || ec) {
      complain_("cannot remove " + hf.string() + ": " +
                (ec ? ec.message() : std::string("it is gone (released or discarded meanwhile)")));
      return ec ? kIoErr : 1;
    }
    if (!fs::remove(df, ec) && ec)
      complain_(hf.string() + " removed, but not " + df.string() + ": " + ec.message());
    return 0;
  }

  std::map<std::string, HoldExit> left_hold(const std::vector<std::string>& queue_ids,
                                            const std::vector<QueueEntry>&) override {
    std::map<std::string, HoldExit> exits, unseen;
    const bool have_dir = queue_dir();
    for (const auto& id : queue_ids) {
      HoldExit& e = exits[id];
      std::error_code ec;
      if (have_dir && std::filesystem::exists(file("qf", id), ec)) {
        e.way = HoldExit::Way::released;
        e.evidence = "queue";
        e.detail = "in Sendmail's queue (" + file("qf", id).string() + ")";
      } else {
        unseen[id] = e;
      }
    }
    if (unseen.empty()) return exits;
    const std::string log = mta_.mail_log.empty() ? "/var/log/mail.log" : mta_.mail_log;
    std::string text;
    if (!read_mail_log_tail(log, kLogTail, &text))
      complain_("cannot read the mail log " + log + " (set mta.mail_log)");
    else
      read_sendmail_log(text, log, &unseen);
    for (auto& [id, e] : unseen) exits[id] = e;
    return exits;
  }

  bool read_message(const std::string& queue_id, std::string* bytes) override {
    // The header is the control file's H lines ("H??Subject: ..." with the "?flags?" dropped,
    // continuation lines as they are), the body the data file.
    std::string control, data;
    if (!read_file(file("hf", queue_id).string(), &control) || !read_file(file("df", queue_id).string(), &data)) {
      complain_("cannot read the queue files of " + queue_id);
      return false;
    }
    bytes->clear();
    bool in_header = false;
    for (std::size_t at = 0; at < control.size();) {
      std::size_t nl = control.find('\n', at);
      std::string line = control.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
      at = nl == std::string::npos ? control.size() : nl + 1;
      if (!line.empty() && line[0] == 'H') {
        line.erase(0, 1);
        if (line.size() > 1 && line[0] == '?') {
          auto close = line.find('?', 1);
          if (close != std::string::npos) line.erase(0, close + 1);
        }
        *bytes += line + "\n";
        in_header = true;
      } else if (in_header && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
        *bytes += line + "\n";
      } else {
        in_header = false;
      }
    }
    *bytes += "\n" + data;
    return true;
  }

 private:
  // Sendmail's queue directory, from the QueueDirectory option of its sendmail.cf, into dir_.
  bool queue_dir() {
    const std::string cf = mta_.sendmail_cf.empty() ? "/etc/mail/sendmail.cf" : mta_.sendmail_cf;
    std::string text;
    if (!read_file(cf, &text)) {
      complain_("cannot read Sendmail's configuration " + cf + " (set mta.sendmail_config)");
      return false;
    }
    dir_ = sendmail_queue_directory(text);
    if (dir_.empty()) {
      complain_(cf + " sets no QueueDirectory");
      return false;
    }
    if (dir_.find('*') != std::string::npos) {
      complain_(cf + " names several queue directories (" + dir_ +
                "); only a single queue directory is supported");
      return false;
    }
    return true;
  }

  // A queue file of the queue directory queue_dir() found: "hf", "qf" (control) or "df" (data).
  std::filesystem::path file(const char* kind, const std::string& queue_id) const {
    const auto paths = sendmail_queue_paths(dir_);
    return std::filesystem::path(kind[0] == 'd' ? paths.data_dir : paths.control_dir) / (kind + queue_id);
  }

  // Sendmail (mta.sendmail_command, with -C when a configuration is named) run with `args`.
  ProcessResult sendmail(std::initializer_list<std::string> args) const {
    std::vector<std::string> argv = mta_.sendmail_command;
    if (!mta_.sendmail_cf.empty()) argv.insert(argv.end(), {"-C", mta_.sendmail_cf});
    argv.insert(argv.end(), args);
    ProcessOptions po;
    po.timeout_ms = 300000;
    return run_process(argv, po);
  }

  MtaSettings mta_;
  Complain complain_;
  std::string dir_;
};

}  // namespace

std::unique_ptr<Mta> sendmail_mta(const MtaSettings& settings, Complain complain) {
  return std::make_unique<SendmailMta>(settings, std::move(complain));
}

}  // namespace sm
