// The admin commands: the MTA's tools (Postfix's, Sendmail's, make) run with argv (no shell), output parsed.
#include "tools/mta_commands.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "tools/held.h"
#include "tools/sendmail_queue.h"
#include "tools/postfix_setup.h"
#include "tools/sendmail_setup.h"
#include "base/process.h"
#include "audit/audit_log.h"
#include "config/config.h"
#include "sla/clock.h"
#include "sla/sweeper.h"
#include "store/thread_store.h"

namespace sm {

namespace {

constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66, kUnavailable = 69, kIoErr = 74, kConfig = 78;

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> postfix_cmd(const std::string& tool, const std::string& dir) {
  std::vector<std::string> argv = {tool};
  if (!dir.empty()) argv.insert(argv.end(), {"-c", dir});
  return argv;
}

std::string first_line(const std::string& s) {
  std::string t = s.substr(0, s.find('\n'));
  return t.empty() ? "(no output)" : t;
}

// "name = value" lines of postconf into a map.
std::map<std::string, std::string> parse_postconf(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find(" = ");
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 3);
    else if (line.size() > 2 && line.ends_with(" =")) m[line.substr(0, line.size() - 2)] = "";
  }
  return m;
}

// Services of master.cf that talk to milters (smtpd, cleanup) and run chrooted.
std::vector<std::string> chrooted_milter_clients(const std::string& dir) {
  auto argv = postfix_cmd("postconf", dir);
  argv.push_back("-F");
  auto r = run_process(argv);
  std::map<std::string, std::string> fields = parse_postconf(r.out);
  std::vector<std::string> out;
  for (const auto& [key, value] : fields) {
    if (!key.ends_with("/command")) continue;
    std::string service = key.substr(0, key.size() - 8);
    std::string program = value.substr(0, value.find(' '));
    if (program != "smtpd" && program != "cleanup") continue;
    auto chroot = fields.find(service + "/chroot");
    if (chroot != fields.end() && chroot->second == "y") out.push_back(service);
  }
  return out;
}

bool confirm(const std::string& question) {
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cout << "\n";
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes";
}

// The audit log path: the option, else the config's audit.path.
bool audit_path_for(const std::string& config_path, const std::string& audit_option, std::string* out, int* code,
                    const char* command) {
  if (!audit_option.empty()) {
    *out = audit_option;
    return true;
  }
  try {
    *out = load_config(config_path)->audit.path;
    return true;
  } catch (const std::exception& e) {
    std::cerr << "support-milter " << command << ": " << e.what() << " (give -c FILE or --audit FILE)\n";
    *code = kConfig;
    return false;
  }
}

// The name this server's audit records carry: the config's audit.instance, else the host name.
std::string instance_for(const std::string& config_path) {
  try {
    return audit_instance(*load_config(config_path));
  } catch (const std::exception&) {
    return audit_instance(Config{});
  }
}

// The MTA to work on and how to reach it: the config's [mta] section (the built-in defaults when
// only --audit is given and the config file does not exist).
struct MtaSettings {
  MtaKind kind = MtaKind::postfix;
  std::vector<std::string> sendmail_command;
  std::string sendmail_cf;  // as given with -C; empty: Sendmail's own
};

bool mta_settings_for(const std::string& config_path, bool audit_given, MtaSettings* out, const char* command) {
  std::shared_ptr<const Config> cfg;
  try {
    std::error_code ec;
    cfg = audit_given && !std::filesystem::exists(config_path, ec) ? default_config() : load_config(config_path);
  } catch (const std::exception& e) {
    std::cerr << "support-milter " << command << ": " << e.what() << "\n";
    return false;
  }
  out->kind = resolve_mta_kind(cfg->mta.kind);
  out->sendmail_command = cfg->mta.sendmail_command;
  out->sendmail_cf = cfg->mta.sendmail_config;
  return true;
}

// Sendmail's queue directory, from the QueueDirectory option of its sendmail.cf.
bool sendmail_queue_dir(const MtaSettings& mta, std::string* dir, const char* command) {
  const std::string cf = mta.sendmail_cf.empty() ? "/etc/mail/sendmail.cf" : mta.sendmail_cf;
  std::ifstream in(cf, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    std::cerr << "support-milter " << command << ": cannot read Sendmail's configuration " << cf
              << " (set mta.sendmail_config)\n";
    return false;
  }
  *dir = sendmail_queue_directory(text.str());
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

bool read_sendmail_held(const std::string& queue_dir, std::vector<QueueEntry>* entries, const char* command) {
  std::vector<std::string> problems;
  if (!read_sendmail_quarantine(queue_dir, entries, &problems)) {
    std::cerr << "support-milter " << command << ": cannot read Sendmail's queue directory " << queue_dir << "\n";
    return false;
  }
  for (const auto& p : problems) std::cerr << "support-milter " << command << ": " << p << "; skipped\n";
  return true;
}

bool read_queue(const std::string& postfix_dir, std::vector<QueueEntry>* entries, const char* command) {
  auto argv = postfix_cmd("postqueue", postfix_dir);
  argv.push_back("-j");
  auto r = run_process(argv);
  if (r.exit_code != 0) {
    std::cerr << "support-milter " << command << ": postqueue -j failed (exit " << r.exit_code
              << "): " << first_line(r.err) << "\n";
    return false;
  }
  std::vector<std::size_t> bad;
  *entries = parse_postqueue_json(r.out, &bad);
  for (auto line : bad)
    std::cerr << "support-milter " << command << ": postqueue -j line " << line << " is not a queue entry; skipped\n";
  return true;
}

std::vector<HeldMessage> held_messages(const std::vector<QueueEntry>& queue, const std::string& audit_path,
                                       const char* command) {
  std::vector<std::string> unreadable, problems;
  auto held = join_held_files(queue, audit_files_oldest_first(audit_path), &unreadable, &problems);
  for (const auto& file : unreadable)
    std::cerr << "support-milter " << command << ": cannot read audit log " << file
              << "; reasons from it are missing\n";
  for (const auto& p : problems) std::cerr << "support-milter " << command << ": " << p << "\n";
  return held;
}

bool single_line(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string invoking_user(uid_t real_uid, const char* sudo_user, const char* sudo_uid) {
  // sudo sets both; anybody can set them in their own environment, so they count only when the
  // real user is root and the uid named agrees with the user named.
  if (real_uid == 0 && sudo_user != nullptr && *sudo_user != '\0' && sudo_uid != nullptr) {
    uid_t claimed = 0;
    const char* end = sudo_uid + std::strlen(sudo_uid);
    auto [at, ec] = std::from_chars(sudo_uid, end, claimed);
    struct passwd* pw = ::getpwnam(sudo_user);
    if (ec == std::errc() && at == end && at != sudo_uid && pw != nullptr && pw->pw_uid == claimed)
      return sudo_user;
  }
  if (struct passwd* pw = ::getpwuid(real_uid)) return pw->pw_name;
  return std::to_string(real_uid);
}

int run_setup_postfix(const SetupPostfixOptions& opts) {
  const char* cmd = "setup-postfix";
  if (opts.default_action != "tempfail" && opts.default_action != "accept") {
    std::cerr << "support-milter setup-postfix: --default-action must be tempfail or accept\n";
    return kUsage;
  }
  std::string spec = opts.socket;
  if (spec.empty()) {
    std::string path = opts.config_path;
    if (path.empty() && std::filesystem::exists(kDefaultConfigPath)) path = kDefaultConfigPath;
    try {
      spec = (path.empty() ? default_config() : load_config(path))->milter.socket;
    } catch (const std::exception& e) {
      std::cerr << "support-milter " << cmd << ": " << e.what() << "\n";
      return kConfig;
    }
  }
  std::string socket = postfix_socket(spec);
  if (socket.empty()) {
    std::cerr << "support-milter " << cmd << ": \"" << spec
              << "\" is not a milter socket (unix:/path, inet:HOST:PORT or inet:PORT@HOST)\n";
    return kUsage;
  }
  if (!std::filesystem::is_regular_file(std::filesystem::path(opts.postfix_dir) / "main.cf")) {
    std::cerr << "support-milter " << cmd << ": " << opts.postfix_dir << "/main.cf does not exist (--config-dir DIR)\n";
    return kUsage;
  }

  auto argv = postfix_cmd("postconf", opts.postfix_dir);
  auto params = postfix_parameters();
  argv.insert(argv.end(), params.begin(), params.end());
  argv.push_back("queue_directory");
  auto r = run_process(argv);
  if (r.exit_code != 0) {
    std::cerr << "support-milter " << cmd << ": postconf failed (exit " << r.exit_code << "): " << first_line(r.err)
              << "\n";
    return kUnavailable;
  }
  auto current = parse_postconf(r.out);
  auto explicit_argv = postfix_cmd("postconf", opts.postfix_dir);
  explicit_argv.push_back("-n");
  auto n = run_process(explicit_argv);
  if (n.exit_code != 0) {
    std::cerr << "support-milter " << cmd << ": postconf -n failed (exit " << n.exit_code << "): " << first_line(n.err)
              << "\n";
    return kUnavailable;
  }
  std::set<std::string> explicit_params;
  for (const auto& [k, v] : parse_postconf(n.out)) explicit_params.insert(k);
  // A chrooted smtpd or cleanup resolves unix: paths inside the queue directory: a socket under
  // the queue directory is written relative to it; one elsewhere cannot be reached.
  std::vector<std::string> warnings, chroot_notes;
  if (socket.starts_with("unix:")) {
    const std::string path = socket.substr(5);
    const std::string queue = current.count("queue_directory") ? current["queue_directory"] : "";
    auto chrooted = chrooted_milter_clients(opts.postfix_dir);
    if (!chrooted.empty() && !queue.empty() && path.starts_with(queue + "/")) {
      socket = "unix:" + path.substr(queue.size());
      chroot_notes.push_back("the chrooted services (" + [&] {
        std::string list;
        for (const auto& c : chrooted) list += (list.empty() ? "" : " ") + c;
        return list;
      }() + ") find " + path + " as " + socket + "; a service you run without chroot would not");
    } else if (!chrooted.empty()) {
      std::string w = "these services run chrooted in " + queue + " and would look for the socket at " + queue +
                      path + ":";
      std::string fix = "postconf -c " + opts.postfix_dir + " -F";
      for (const auto& c : chrooted) {
        w += " " + c;
        fix += " " + shell_quote(c + "/chroot = n");
      }
      warnings.push_back(w);
      warnings.push_back("either turn their chroot off:  " + fix);
      warnings.push_back("or give support-milter a socket inside " + queue +
                         " (see CHROOTED POSTFIX in support-milter(8))");
    }
  }
  SetupPlan plan = plan_postfix_setup(current, explicit_params, socket, opts.default_action);

  std::cout << "Postfix configuration " << opts.postfix_dir << "/main.cf, milter " << socket << "\n";
  for (const auto& note : plan.notes) std::cout << "  note: " << note << "\n";
  for (const auto& note : chroot_notes) std::cout << "  note: " << note << "\n";
  for (const auto& w : warnings) std::cout << "  warning: " << w << "\n";

  if (plan.changes.empty()) {
    std::cout << "Nothing to change: main.cf already passes mail to support-milter with the settings it needs.\n";
    return 0;
  }
  std::cout << "Changes:\n";
  for (const auto& c : plan.changes)
    std::cout << "  " << c.parameter << "\n    now: " << (c.was_default ? "(Postfix default) " : "")
              << (c.before.empty() ? "(empty)" : c.before)
              << "\n    new: " << c.after << "\n";
  std::vector<std::string> apply = postfix_cmd("postconf", opts.postfix_dir);
  apply.push_back("-e");
  for (const auto& c : plan.changes) apply.push_back(c.parameter + " = " + c.after);
  std::cout << "Command:\n  postconf";
  for (std::size_t i = 1; i < apply.size(); ++i) std::cout << " " << shell_quote(apply[i]);
  std::cout << "\n";
  if (!opts.yes && !confirm("Apply these changes?")) {
    std::cout << "Nothing changed.\n";
    return 1;
  }
  auto done = run_process(apply);
  if (done.exit_code != 0) {
    std::cerr << "support-milter " << cmd << ": postconf -e failed (exit " << done.exit_code
              << "): " << first_line(done.err) << "\n";
    return kUnavailable;
  }
  std::cout << "Applied. Reload Postfix to use them: postfix" << (opts.postfix_dir == "/etc/postfix" ? "" : " -c " + opts.postfix_dir)
            << " reload\n";
  return 0;
}

namespace {

bool read_file(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return !in.bad();
}

// `text` into `path` through a temporary file beside it and a rename, with `path`'s mode.
bool replace_file(const std::string& path, const std::string& text, std::string* error) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".support-milter-new";
  std::error_code ec;
  const auto perms = fs::status(path, ec).permissions();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      *error = "cannot write " + tmp;
      fs::remove(tmp, ec);
      return false;
    }
  }
  if (!ec) fs::permissions(tmp, perms, ec);
  fs::rename(tmp, path, ec);
  if (ec) {
    *error = "cannot replace " + path + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

std::string utc_stamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<unsigned> directory_mode(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// The last lines of a program's output, indented, for an error message.
std::string tail_lines(const std::string& text, std::size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out.empty() ? "\n  (no output)" : out;
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

int run_held(const HeldOptions& opts) {
  const char* cmd = "held";
  std::string audit_path;
  int code = 0;
  if (!audit_path_for(opts.config_path, opts.audit_path, &audit_path, &code, cmd)) return code;
  MtaSettings mta;
  if (!mta_settings_for(opts.config_path, !opts.audit_path.empty(), &mta, cmd)) return kConfig;
  std::vector<QueueEntry> queue;
  if (mta.kind == MtaKind::sendmail) {
    std::string dir;
    if (!sendmail_queue_dir(mta, &dir, cmd) || !read_sendmail_held(dir, &queue, cmd)) return kUnavailable;
  } else if (!read_queue(opts.postfix_dir, &queue, cmd)) {
    return kUnavailable;
  }
  auto held = held_messages(queue, audit_path, cmd);
  if (opts.json) std::cout << held_json(held).dump(2) << "\n";
  else std::cout << format_held_text(held);
  return std::cout ? 0 : kIoErr;
}

namespace {

// A held message's release or discard in the store (the config's); what it did to the clock, for
// the audit record. A store that cannot be reached is said so on stderr and in the record.
nlohmann::json settle_held(const QueueActionOptions& opts, const std::string& message_id, const char* cmd) {
  auto unknown = [&](const std::string& why) {
    std::cerr << "support-milter " << cmd << ": the thread store was not updated: " << why << "\n";
    return nlohmann::json{{"status", to_string(SlaStatus::unknown)}, {"reason", why}};
  };
  try {
    auto cfg = load_config(opts.config_path);
    install_lexicons(*cfg);
    auto store = open_store(cfg->store.url, StoreOptions{cfg->store.pool_size, cfg->store.timeout_ms, false, false});
    if (opts.discard) {
      if (!store->discard_held(message_id)) return unknown("no held message " + message_id + " in the store");
      return nlohmann::json{{"status", to_string(SlaStatus::not_sent)}, {"reason", "discarded"}};
    }
    auto r = sla_on_release(*store, message_id, now_ms(), sla_settings(*cfg));
    if (!r) return unknown("no held message " + message_id + " in the store");
    nlohmann::json j = r->to_json();
    j["released"] = true;
    return j;
  } catch (const std::exception& e) {
    return unknown(e.what());
  }
}

}  // namespace

namespace {

// The held message `opts.queue_id` of Postfix's hold queue, released (postsuper -H) or deleted
// (postsuper -d); `entry` and `held` get what the queue and the audit log said of it before.
int postfix_queue_action(const QueueActionOptions& opts, const std::string& audit_path, QueueEntry* entry,
                         std::optional<HeldMessage>* held, const char* cmd) {
  std::vector<QueueEntry> queue;
  if (!read_queue(opts.postfix_dir, &queue, cmd)) return kUnavailable;
  const QueueEntry* found = nullptr;
  for (const auto& e : queue)
    if (e.queue_id == opts.queue_id) found = &e;
  if (found == nullptr) {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id << " is not in the Postfix queue\n";
    return 1;
  }
  if (found->queue_name != "hold") {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id << " is in the " << found->queue_name
              << " queue, not on hold\n";
    return 1;
  }
  *entry = *found;
  for (auto& m : held_messages(queue, audit_path, cmd))
    if (m.queue.queue_id == opts.queue_id) *held = std::move(m);

  auto argv = postfix_cmd("postsuper", opts.postfix_dir);
  argv.insert(argv.end(), {opts.discard ? "-d" : "-H", opts.queue_id});
  // postsuper -d reads "-" as "all": the id was validated above and never starts with '-'.
  auto r = run_process(argv);
  if (r.exit_code != 0) {
    std::cerr << "support-milter " << cmd << ": postsuper failed (exit " << r.exit_code << "): " << first_line(r.err)
              << "\n";
    return kUnavailable;
  }
  // postsuper exits 0 also when it found nothing to do (someone else was quicker): look again.
  std::vector<QueueEntry> after;
  if (!read_queue(opts.postfix_dir, &after, cmd)) return kUnavailable;
  for (const auto& e : after)
    if (e.queue_id == opts.queue_id && (opts.discard || e.queue_name == "hold")) {
      std::cerr << "support-milter " << cmd << ": postsuper left " << opts.queue_id << " in the " << e.queue_name
                << " queue: " << first_line(r.err) << "\n";
      return kUnavailable;
    }
  return 0;
}

// The same on Sendmail's quarantine. Release: `sendmail -Q -qQ -qI<id>` takes the quarantine off
// (hf becomes qf again; nothing else does that), then `sendmail -qI<id>` delivers it now; should
// that delivery fail for the moment, the message waits in the queue like any other, for
// Sendmail's next queue run. Discard: Sendmail has no command that deletes a message, so its
// control file (hf) and data file (df) are removed; no queue run touches a quarantined message.
int sendmail_queue_action(const QueueActionOptions& opts, const MtaSettings& mta, const std::string& audit_path,
                          QueueEntry* entry, std::optional<HeldMessage>* held, const char* cmd) {
  namespace fs = std::filesystem;
  std::string dir;
  if (!sendmail_queue_dir(mta, &dir, cmd)) return kUnavailable;
  std::vector<QueueEntry> queue;
  if (!read_sendmail_held(dir, &queue, cmd)) return kUnavailable;
  const auto paths = sendmail_queue_paths(dir);
  const fs::path hf = fs::path(paths.control_dir) / ("hf" + opts.queue_id);
  const fs::path qf = fs::path(paths.control_dir) / ("qf" + opts.queue_id);
  const fs::path df = fs::path(paths.data_dir) / ("df" + opts.queue_id);
  const QueueEntry* found = nullptr;
  for (const auto& e : queue)
    if (e.queue_id == opts.queue_id) found = &e;
  std::error_code ec;
  if (found == nullptr) {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id
              << (fs::exists(qf, ec) ? " is in Sendmail's queue but not quarantined"
                                     : " is not in Sendmail's queue " + dir)
              << "\n";
    return 1;
  }
  *entry = *found;
  for (auto& m : held_messages(queue, audit_path, cmd))
    if (m.queue.queue_id == opts.queue_id) *held = std::move(m);

  if (opts.discard) {
    if (!fs::remove(hf, ec) || ec) {
      std::cerr << "support-milter " << cmd << ": cannot remove " << hf.string() << ": "
                << (ec ? ec.message() : std::string("it is gone (released or discarded meanwhile)")) << "\n";
      return ec ? kIoErr : 1;
    }
    if (!fs::remove(df, ec) && ec)
      std::cerr << "support-milter " << cmd << ": " << hf.string() << " removed, but not " << df.string() << ": "
                << ec.message() << "\n";
    return 0;
  }
  // -qI selects every id that contains the text: refuse an id that would take others along.
  for (const auto& e : queue)
    if (e.queue_id != opts.queue_id && e.queue_id.find(opts.queue_id) != std::string::npos) {
      std::cerr << "support-milter " << cmd << ": sendmail -qI" << opts.queue_id << " would also release "
                << e.queue_id << "; release it with Sendmail's commands\n";
      return 1;
    }
  auto sendmail = [&](std::initializer_list<std::string> args) {
    std::vector<std::string> argv = mta.sendmail_command;
    if (!mta.sendmail_cf.empty()) argv.insert(argv.end(), {"-C", mta.sendmail_cf});
    argv.insert(argv.end(), args);
    ProcessOptions po;
    po.timeout_ms = 300000;
    return run_process(argv, po);
  };
  auto r = sendmail({"-Q", "-qQ", "-qI" + opts.queue_id});
  if (r.exit_code != 0 || fs::exists(hf, ec)) {
    std::cerr << "support-milter " << cmd << ": sendmail -Q -qQ -qI" << opts.queue_id << " "
              << (r.exit_code != 0 ? "failed (exit " + std::to_string(r.exit_code) + "): " + first_line(r.err)
                                   : std::string("left it quarantined"))
              << "\n";
    return kUnavailable;
  }
  r = sendmail({"-qI" + opts.queue_id});
  if (r.exit_code != 0)
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id
              << " is out of quarantine, but the queue run that delivers it failed (exit " << r.exit_code
              << "): " << first_line(r.err) << "; Sendmail's next queue run retries it\n";
  return 0;
}

}  // namespace

int run_queue_action(const QueueActionOptions& opts) {
  const char* cmd = opts.discard ? "discard" : "release";
  if (!valid_queue_id(opts.queue_id)) {
    std::cerr << "support-milter " << cmd << ": \"" << opts.queue_id
              << "\" is not a queue id (5 to 32 letters and digits)\n";
    return kUsage;
  }
  for (auto [name, value] : {std::pair{"--by", &opts.by}, std::pair{"--reason", &opts.reason}}) {
    if (value->find_first_not_of(" \t") == std::string::npos) {
      std::cerr << "support-milter " << cmd << ": " << name << " must not be empty\n";
      return kUsage;
    }
    if (!single_line(*value) || value->size() > 1000) {
      std::cerr << "support-milter " << cmd << ": " << name << " must be one line of at most 1000 characters\n";
      return kUsage;
    }
  }
  std::string audit_path;
  int code = 0;
  if (!audit_path_for(opts.config_path, opts.audit_path, &audit_path, &code, cmd)) return code;
  MtaSettings mta;
  if (!mta_settings_for(opts.config_path, !opts.audit_path.empty(), &mta, cmd)) return kConfig;

  QueueEntry entry;
  std::optional<HeldMessage> held;
  code = mta.kind == MtaKind::sendmail ? sendmail_queue_action(opts, mta, audit_path, &entry, &held, cmd)
                                       : postfix_queue_action(opts, audit_path, &entry, &held, cmd);
  if (code != 0) return code;
  const HeldMessage* h = held ? &*held : nullptr;
  // The store learns what became of the message: released, it is sent now and the clock moves
  // (its figures go into the record); discarded, it never left and the customer keeps waiting.
  nlohmann::json sla;
  if (h != nullptr && h->audited && !h->message_id.empty()) sla = settle_held(opts, h->message_id, cmd);
  nlohmann::json rec = {{"instance", instance_for(opts.config_path)},
                        {"queue_id", opts.queue_id},
                        {"by", opts.by},
                        {"reason", opts.reason},
                        {"user", invoking_user(::getuid(), ::getenv("SUDO_USER"), ::getenv("SUDO_UID"))},
                        {"sender", entry.sender},
                        {"recipients", entry.recipients}};
  if (h != nullptr && h->audited) {
    rec["message_id"] = h->message_id;
    rec["thread_id"] = h->thread_id;
    rec["direction"] = h->direction;
    rec["author"] = h->author;
    if (!sla.is_null()) rec["sla"] = sla;
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& f : h->findings) rules.push_back(f.value("rule", ""));
    rec["rules"] = rules;
  }
  std::string error;
  if (!append_audit_record(audit_path, opts.discard ? "discard" : "release", rec, &error)) {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id << (opts.discard ? " discarded" : " released")
              << ", but the audit record could not be written: " << error << "\n";
    return kIoErr;
  }
  std::cout << opts.queue_id << (opts.discard ? " discarded" : " released from hold") << " by " << opts.by
            << "; audit record written to " << audit_path << "\n";
  return 0;
}

}  // namespace sm
