// Sendmail: `setup-sendmail` (sendmail.mc and submit.mc merged, then make rebuilds sendmail.cf) and
// its quarantine for `held`, `release` and `discard` (the hf files of its queue directory; sendmail
// -Q -qQ -qI<id> releases).
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "base/files.h"
#include "config/config.h"
#include "tools/mta.h"
#include "tools/mta_commands.h"
#include "tools/mta_process.h"
#include "tools/sendmail_queue.h"
#include "tools/sendmail_setup.h"

namespace sm {

namespace {

// Sendmail's queue directory, from the QueueDirectory option of its sendmail.cf.
bool sendmail_queue_dir(const MtaSettings& mta, std::string* dir, const char* command) {
  const std::string cf = mta.sendmail_cf.empty() ? "/etc/mail/sendmail.cf" : mta.sendmail_cf;
  std::string text;
  if (!read_file(cf, &text)) {
    std::cerr << "support-milter " << command << ": cannot read Sendmail's configuration " << cf
              << " (set mta.sendmail_config)\n";
    return false;
  }
  *dir = sendmail_queue_directory(text);
  if (dir->empty()) {
    std::cerr << "support-milter " << command << ": " << cf << " sets no QueueDirectory\n";
    return false;
  }
  if (dir->find('*') != std::string::npos) {
    std::cerr << "support-milter " << command << ": " << cf << " names several queue directories (" << *dir
              << "); only a single queue directory is supported\n";
    return false;
  }
  return true;
}

// Sendmail's quarantine. Release: `sendmail -Q -qQ -qI<id>` takes the quarantine off (hf becomes
// qf again; nothing else does that), then `sendmail -qI<id>` delivers it now; should that delivery
// fail for the moment, the message waits in the queue like any other, for Sendmail's next queue
// run. Discard: Sendmail has no command that deletes a message, so its control file (hf) and data
// file (df) are removed; no queue run touches a quarantined message.
class SendmailMta final : public Mta {
 public:
  SendmailMta(MtaSettings settings, const char* command) : mta_(std::move(settings)), cmd_(command) {}

  bool read_queue(std::vector<QueueEntry>* entries) override {
    if (!sendmail_queue_dir(mta_, &dir_, cmd_)) return false;
    std::vector<std::string> problems;
    if (!read_sendmail_quarantine(dir_, entries, &problems)) {
      std::cerr << "support-milter " << cmd_ << ": cannot read Sendmail's queue directory " << dir_ << "\n";
      return false;
    }
    for (const auto& p : problems) std::cerr << "support-milter " << cmd_ << ": " << p << "; skipped\n";
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
        std::cerr << "support-milter " << cmd_ << ": sendmail -qI" << queue_id << " would also release "
                  << e.queue_id << "; release it with Sendmail's commands\n";
        return 1;
      }
    std::error_code ec;
    auto r = sendmail({"-Q", "-qQ", "-qI" + queue_id});
    if (r.exit_code != 0 || std::filesystem::exists(file("hf", queue_id), ec)) {
      std::cerr << "support-milter " << cmd_ << ": sendmail -Q -qQ -qI" << queue_id << " "
                << (r.exit_code != 0 ? "failed (exit " + std::to_string(r.exit_code) + "): " + first_line(r.err)
                                     : std::string("left it quarantined"))
                << "\n";
      return kUnavailable;
    }
    r = sendmail({"-qI" + queue_id});
    if (r.exit_code != 0)
      std::cerr << "support-milter " << cmd_ << ": " << queue_id
                << " is out of quarantine, but the queue run that delivers it failed (exit " << r.exit_code
                << "): " << first_line(r.err) << "; Sendmail's next queue run retries it\n";
    return 0;
  }

  int discard(const std::string& queue_id) override {
    namespace fs = std::filesystem;
    const fs::path hf = file("hf", queue_id), df = file("df", queue_id);
    std::error_code ec;
    if (!fs::remove(hf, ec) || ec) {
      std::cerr << "support-milter " << cmd_ << ": cannot remove " << hf.string() << ": "
                << (ec ? ec.message() : std::string("it is gone (released or discarded meanwhile)")) << "\n";
      return ec ? kIoErr : 1;
    }
    if (!fs::remove(df, ec) && ec)
      std::cerr << "support-milter " << cmd_ << ": " << hf.string() << " removed, but not " << df.string() << ": "
                << ec.message() << "\n";
    return 0;
  }

  bool read_message(const std::string& queue_id, std::string* bytes) override {
    // The header is the control file's H lines ("H??Subject: ..." with the "?flags?" dropped,
    // continuation lines as they are), the body the data file.
    std::string control, data;
    if (!read_file(file("hf", queue_id).string(), &control) || !read_file(file("df", queue_id).string(), &data)) {
      std::cerr << "support-milter " << cmd_ << ": cannot read the queue files of " << queue_id << "\n";
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
  // A queue file of the queue directory read_queue found: "hf", "qf" (control) or "df" (data).
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
  const char* cmd_;
  std::string dir_;
};

std::optional<unsigned> directory_mode(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return static_cast<unsigned>(st.st_mode & 07777);
}

struct McFile {
  std::string path;
  McMerge merge;
};

}  // namespace

std::unique_ptr<Mta> sendmail_mta(const MtaSettings& settings, const char* command) {
  return std::make_unique<SendmailMta>(settings, command);
}

int run_setup_sendmail(const SetupSendmailOptions& opts) {
  namespace fs = std::filesystem;
  const char* cmd = "setup-sendmail";
  std::shared_ptr<const Config> cfg;
  {
    std::string path = opts.config_path;
    if (path.empty() && fs::exists(kDefaultConfigPath)) path = kDefaultConfigPath;
    try {
      cfg = path.empty() ? default_config() : load_config(path);
    } catch (const std::exception& e) {
      std::cerr << "support-milter " << cmd << ": " << e.what() << "\n";
      return kConfig;
    }
  }
  const std::string socket = sendmail_socket(cfg->milter.socket);
  if (socket.empty()) {
    std::cerr
        << "support-milter " << cmd << ": milter.socket \"" << cfg->milter.socket
        << "\" cannot be written in Sendmail's S= form (unix:/path, local:/path or inet:PORT@HOST, without "
           "commas, quotes or spaces)\n";
    return kConfig;
  }
  std::string mc_text;
  if (!read_file(opts.mc, &mc_text)) {
    std::cerr << "support-milter " << cmd << ": cannot read " << opts.mc << " (--mc FILE)\n";
    return kNoInput;
  }
  const std::string dir =
      fs::path(opts.mc).parent_path().empty() ? "." : fs::path(opts.mc).parent_path().string();
  const auto timeouts = sendmail_timeouts(cfg->limits.message_ms);
  const std::string line = filter_line(socket, timeouts);

  std::vector<McFile> files = {{opts.mc, merge_sendmail_mc(mc_text, line)}};
  std::vector<std::string> notes;
  const std::string submit = opts.submit_mc.empty() ? (fs::path(dir) / "submit.mc").string() : opts.submit_mc;
  std::string submit_text;
  if (cfg->milter.user.empty()) {
    notes.push_back(
        "milter.user is not set: notices are submitted as the user support-milter runs as; add that "
        "user to confTRUSTED_USERS of submit.mc, or they carry an X-Authentication-Warning");
  } else if (!read_file(submit, &submit_text)) {
    if (!opts.submit_mc.empty()) {
      std::cerr << "support-milter " << cmd << ": cannot read " << submit << " (--submit-mc FILE)\n";
      return kNoInput;
    }
    notes.push_back("no " + submit + ": add define(`confTRUSTED_USERS', `" + cfg->milter.user +
                    "') to the mc of the program that submits support-milter's notices");
  } else {
    files.push_back({submit, merge_trusted_user(submit_text, cfg->milter.user)});
  }

  std::cout << "Sendmail configuration " << opts.mc << ", milter " << socket << " (milter.socket "
            << cfg->milter.socket << ")\n";
  std::cout << "  " << line << "\n";
  std::cout << "  timeouts: Sendmail waits " << timeouts.read_s << " s for a reply and " << timeouts.eom_s
            << " s for the end of a message, longer than support-milter's own deadline (limits.message_ms = "
            << cfg->limits.message_ms << " ms: twice that plus 30 s)\n";
  if (socket.starts_with("local:")) {
    auto warnings = socket_dir_warnings(socket, directory_mode);
    if (warnings.empty())
      std::cout << "  socket directory " << fs::path(socket.substr(6)).parent_path().string()
                << ": no directory on the way is world-writable; Sendmail accepts the socket\n";
    for (const auto& w : warnings) std::cout << "  warning: " << w << "\n";
  }
  for (const auto& f : files)
    for (const auto& n : f.merge.notes) std::cout << "  note: " << n << "\n";
  for (const auto& n : notes) std::cout << "  note: " << n << "\n";
  bool failed = false;
  for (const auto& f : files)
    for (const auto& e : f.merge.errors) {
      std::cerr << "support-milter " << cmd << ": " << f.path << ": " << e << "\n";
      failed = true;
    }
  if (failed) return kDataErr;

  bool any = false;
  for (const auto& f : files) {
    if (!f.merge.changed()) continue;
    any = true;
    std::cout << "Changes to " << f.path << ":\n";
    for (const auto& r : f.merge.removed) std::cout << "  - " << r << "\n";
    for (const auto& a : f.merge.added) std::cout << "  + " << a << "\n";
  }
  if (!any) {
    std::cout << "Nothing to change: " << opts.mc
              << " already passes mail to support-milter with these settings.\n";
    return 0;
  }
  if (!opts.apply) {
    std::cout
        << "Nothing written. With --apply: the files are backed up, written, and sendmail.cf is rebuilt "
           "with make -C "
        << dir << ".\n";
    return 0;
  }
  if (!opts.yes && !confirm("Write these changes and run make -C " + dir + "?")) {
    std::cout << "Nothing changed.\n";
    return 1;
  }
  const std::string stamp = utc_stamp();
  std::vector<std::pair<std::string, std::string>> backups;
  for (const auto& f : files) {
    if (!f.merge.changed()) continue;
    const std::string backup = f.path + ".bak-" + stamp;
    std::error_code ec;
    fs::copy_file(f.path, backup, fs::copy_options::none, ec);
    if (ec) {
      std::cerr << "support-milter " << cmd << ": cannot back up " << f.path << " to " << backup << ": "
                << ec.message() << "; nothing written\n";
      return kIoErr;
    }
    backups.emplace_back(f.path, backup);
  }
  for (const auto& f : files) {
    if (!f.merge.changed()) continue;
    std::string error;
    if (!replace_file(f.path, f.merge.text, &error)) {
      std::cerr << "support-milter " << cmd << ": " << error << "\n";
      return kIoErr;
    }
  }
  for (const auto& [path, backup] : backups)
    std::cout << "Wrote " << path << " (the previous one is " << backup << ")\n";
  ProcessOptions po;
  po.timeout_ms = 300000;
  auto r = run_process({"make", "-C", dir}, po);
  if (r.exit_code != 0) {
    std::cerr << "support-milter " << cmd << ": make -C " << dir << " failed ("
              << (r.timed_out ? std::string("no end after 5 minutes") : "exit " + std::to_string(r.exit_code))
              << "):" << tail_lines(r.err.empty() ? r.out : r.err, 5) << "\n";
    for (const auto& [path, backup] : backups)
      std::cerr << "support-milter " << cmd << ": " << path << " is written; its previous text is in "
                << backup << " (copy it back to undo)\n";
    return kUnavailable;
  }
  std::cout << "Rebuilt with make -C " << dir << ". Reload Sendmail to use it: systemctl reload sendmail\n";
  return 0;
}

}  // namespace sm
