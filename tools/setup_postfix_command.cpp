// `setup-postfix`: postconf reads main.cf and master.cf, postconf -e writes main.cf. (Postfix's
// hold queue is mta/postfix_mta.cpp.)
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "config/config.h"
#include "tools/mta_commands.h"
#include "tools/mta_process.h"
#include "tools/postfix_setup.h"

namespace sm {

namespace {

// A Postfix program with -c DIR when a configuration directory is given.
std::vector<std::string> postfix_cmd(const std::string& tool, const std::string& dir) {
  std::vector<std::string> argv = {tool};
  if (!dir.empty()) argv.insert(argv.end(), {"-c", dir});
  return argv;
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

// The services of master.cf that talk to milters (smtpd, cleanup), with their chroot flag.
std::vector<MilterClient> milter_clients(const std::string& dir) {
  auto argv = postfix_cmd("postconf", dir);
  argv.push_back("-F");
  auto r = run_process(argv);
  std::map<std::string, std::string> fields = parse_postconf(r.out);
  std::vector<MilterClient> out;
  for (const auto& [key, value] : fields) {
    if (!key.ends_with("/command")) continue;
    std::string service = key.substr(0, key.size() - 8);
    std::string program = value.substr(0, value.find(' '));
    if (program != "smtpd" && program != "cleanup") continue;
    auto chroot = fields.find(service + "/chroot");
    out.push_back({service, chroot != fields.end() && chroot->second == "y"});
  }
  return out;
}

}  // namespace

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
  auto r = run_mta_program(argv, cmd, "postconf");
  if (!r) return kUnavailable;
  auto current = parse_postconf(r->out);
  auto explicit_argv = postfix_cmd("postconf", opts.postfix_dir);
  explicit_argv.push_back("-n");
  auto n = run_mta_program(explicit_argv, cmd, "postconf -n");
  if (!n) return kUnavailable;
  std::set<std::string> explicit_params;
  for (const auto& [k, v] : parse_postconf(n->out)) explicit_params.insert(k);
  // A chrooted smtpd or cleanup resolves unix: paths inside the queue directory, the others from
  // it as their working directory: a socket under it is written relative to it.
  const auto clients = milter_clients(opts.postfix_dir);
  PostfixSocket milter = choose_postfix_socket(socket, current["queue_directory"], clients);
  socket = milter.socket;
  if (!milter.warnings.empty()) {
    std::string fix = "postconf" + (opts.postfix_dir == "/etc/postfix" ? "" : " -c " + shell_quote(opts.postfix_dir)) + " -F";
    for (const auto& c : clients)
      if (c.chrooted) fix += " " + shell_quote(c.service + "/chroot = n");
    milter.warnings.push_back("to turn the chroot off:  " + fix);
  }
  SetupPlan plan = plan_postfix_setup(current, explicit_params, milter, opts.default_action);

  std::cout << "Postfix configuration " << opts.postfix_dir << "/main.cf, milter " << socket << "\n";
  for (const auto& note : plan.notes) std::cout << "  note: " << note << "\n";
  for (const auto& w : plan.warnings) std::cout << "  warning: " << w << "\n";

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
  if (!run_mta_program(apply, cmd, "postconf -e")) return kUnavailable;
  std::cout << "Applied. Reload Postfix to use them: postfix" << (opts.postfix_dir == "/etc/postfix" ? "" : " -c " + opts.postfix_dir)
            << " reload\n";
  return 0;
}

}  // namespace sm
