// `setup-sendmail`: sendmail.mc and submit.mc merged, then make rebuilds sendmail.cf. (Sendmail's
// quarantine is mta/sendmail_mta.cpp.)
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "base/files.h"
#include "config/config.h"
#include "tools/mta_commands.h"
#include "tools/mta_process.h"
#include "tools/sendmail_setup.h"

namespace sm {

namespace {

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
