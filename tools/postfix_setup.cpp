// setup-postfix's plan: list merging on Postfix's own list syntax.
#include "tools/postfix_setup.h"

#include <algorithm>

#include "base/strings.h"

namespace sm {

namespace {

// What separates the elements of a Postfix list.
constexpr std::string_view kListSpace = " \t\r\n,";

bool is_sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends with Postfix's usual ", " between list elements (nothing before the first).
std::string append_element(const std::string& current, const std::string& element) {
  std::string base(trim(current, kListSpace));
  return base.empty() ? element : base + ", " + element;
}

bool mentions_smtpd_milters(const std::string& value) {
  return value.find("$smtpd_milters") != std::string::npos || value.find("${smtpd_milters}") != std::string::npos ||
         value.find("$(smtpd_milters)") != std::string::npos;
}

}  // namespace

const std::vector<MacroNeed>& needed_macros() {
  static const std::vector<MacroNeed> needs = {
      {"milter_connect_macros", {"j", "{daemon_name}"}},
      {"milter_mail_macros", {"i", "{auth_authen}"}},
      {"milter_end_of_data_macros", {"i"}},
  };
  return needs;
}

std::vector<std::string> postfix_parameters() {
  std::vector<std::string> p = {"smtpd_milters", "non_smtpd_milters", "milter_default_action", "milter_protocol"};
  for (const auto& n : needed_macros()) p.emplace_back(n.parameter);
  return p;
}

std::string postfix_socket(const std::string& spec) {
  if (spec.starts_with("unix:") && spec.size() > 5) return spec;
  if (spec.starts_with("local:") && spec.size() > 6) return "unix:" + spec.substr(6);
  for (const char* prefix : {"inet:", "inet6:"}) {
    std::string p(prefix);
    if (!spec.starts_with(p)) continue;
    std::string rest = spec.substr(p.size());
    auto at = rest.find('@');
    if (at == std::string::npos) {
      // Already Postfix's form (inet:HOST:PORT) when it has a colon; a bare port listens on all
      // addresses for libmilter, and Postfix reaches it on loopback.
      if (rest.find(':') != std::string::npos) return "inet:" + rest;
      if (!rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return p == "inet6:" ? "inet:[::1]:" + rest : "inet:127.0.0.1:" + rest;
      return {};
    }
    std::string port = rest.substr(0, at), host = rest.substr(at + 1);
    if (port.empty() || host.empty()) return {};
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    return "inet:" + host + ":" + port;
  }
  return {};
}

std::vector<std::string> split_milter_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && is_sep(value[i])) ++i;
    if (i >= value.size()) break;
    std::size_t start = i;
    if (value[i] == '{') {
      int depth = 0;
      for (; i < value.size(); ++i) {
        if (value[i] == '{') ++depth;
        else if (value[i] == '}' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else {
      while (i < value.size() && !is_sep(value[i])) ++i;
    }
    out.push_back(value.substr(start, i - start));
  }
  return out;
}

std::string milter_element_socket(const std::string& element) {
  if (element.empty() || element.front() != '{') return element;
  std::string inner = element.substr(1, element.size() >= 2 && element.back() == '}' ? element.size() - 2 : std::string::npos);
  auto parts = split_milter_list(inner);
  return parts.empty() ? std::string() : parts.front();
}

std::string merge_milter_list(const std::string& current, const std::string& socket,
                              const std::vector<std::string>& same, const std::vector<std::string>& replace) {
  auto listed = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto elements = split_milter_list(current);
  for (const auto& e : elements) {
    std::string s = milter_element_socket(e);
    if (s == socket || listed(same, s)) return current;
  }
  std::string out = current;
  bool replaced = false;
  std::size_t from = 0;
  for (const auto& e : elements) {
    std::size_t at = out.find(e, from);
    if (at == std::string::npos) continue;
    std::string s = milter_element_socket(e);
    if (!listed(replace, s)) {
      from = at + e.size();
      continue;
    }
    std::string updated = e;
    updated.replace(updated.find(s), s.size(), socket);
    out.replace(at, e.size(), updated);
    replaced = true;
    break;  // one entry is enough; a second spelling of it would call the milter twice
  }
  return replaced ? out : append_element(current, socket);
}

PostfixSocket choose_postfix_socket(const std::string& socket, const std::string& queue_directory,
                                    const std::vector<MilterClient>& clients) {
  PostfixSocket out;
  out.socket = socket;
  if (!socket.starts_with("unix:")) return out;
  std::string path = socket.substr(5);
  std::string queue(trim(queue_directory));
  while (queue.size() > 1 && queue.back() == '/') queue.pop_back();
  std::string chrooted, unchrooted;  // service names, space-separated
  for (const auto& c : clients) {
    std::string& list = c.chrooted ? chrooted : unchrooted;
    list += (list.empty() ? "" : " ") + c.service;
  }

  std::string relative;
  if (!path.starts_with("/")) relative = path;
  else if (!queue.empty() && queue != "/" && path.starts_with(queue + "/") && path.size() > queue.size() + 1)
    relative = path.substr(queue.size() + 1);
  if (!relative.empty()) {
    out.socket = "unix:" + relative;
    const std::string in_chroot = "unix:/" + relative;
    const std::string absolute = "unix:" + queue + "/" + relative;
    // The other two spellings of the same file: each reaches it only from one kind of client.
    (unchrooted.empty() ? out.same : out.replace).push_back(in_chroot);
    if (!queue.empty()) (chrooted.empty() ? out.same : out.replace).push_back(absolute);
    if (path.starts_with("/"))
      out.notes.push_back(path + " lies in the queue directory: written as " + out.socket +
                          ", relative to it, which chrooted and unchrooted services alike resolve there");
    return out;
  }
  if (chrooted.empty()) return out;
  out.warnings.push_back("these services run chrooted in " + queue + " and would look for the socket at " + queue +
                         path + ": " + chrooted);
  out.warnings.push_back("give support-milter a socket inside " + queue + " (" + queue +
                         "/support-milter/support-milter.sock, as the Debian package does), or turn their chroot off"
                         " (see CHROOTED POSTFIX in support-milter(8))");
  return out;
}

std::string merge_macro_list(const std::string& current, const std::vector<std::string>& macros) {
  auto have = split_milter_list(current);
  std::string out = current;
  for (const auto& m : macros) {
    if (std::find(have.begin(), have.end(), m) != have.end()) continue;
    out = trim(out, kListSpace).empty() ? m : std::string(trim(out, kListSpace)) + " " + m;
    have.push_back(m);
  }
  return out;
}

SetupPlan plan_postfix_setup(const std::map<std::string, std::string>& current,
                             const std::set<std::string>& explicit_params, const std::string& socket,
                             const std::string& default_action) {
  PostfixSocket s;
  s.socket = socket;
  return plan_postfix_setup(current, explicit_params, s, default_action);
}

SetupPlan plan_postfix_setup(const std::map<std::string, std::string>& current,
                             const std::set<std::string>& explicit_params, const PostfixSocket& milter,
                             const std::string& default_action) {
  SetupPlan plan;
  const std::string& socket = milter.socket;
  auto ours = [&](const std::string& s) {
    return s == socket || std::find(milter.same.begin(), milter.same.end(), s) != milter.same.end() ||
           std::find(milter.replace.begin(), milter.replace.end(), s) != milter.replace.end();
  };
  auto value = [&](const std::string& k) {
    auto it = current.find(k);
    return it == current.end() ? std::string() : it->second;
  };
  auto change = [&](const std::string& k, const std::string& after) {
    bool is_explicit = explicit_params.count(k) > 0;
    if (after != value(k) || !is_explicit) plan.changes.push_back({k, value(k), after, !is_explicit});
  };

  plan.notes = milter.notes;
  plan.warnings = milter.warnings;
  std::string smtpd = value("smtpd_milters");
  change("smtpd_milters", merge_milter_list(smtpd, socket, milter.same, milter.replace));
  std::string non_smtpd = value("non_smtpd_milters");
  if (mentions_smtpd_milters(non_smtpd))
    plan.notes.push_back("non_smtpd_milters refers to $smtpd_milters: mail from sendmail and pickup is covered");
  else
    change("non_smtpd_milters", merge_milter_list(non_smtpd, socket, milter.same, milter.replace));
  for (const auto& list : {smtpd, mentions_smtpd_milters(non_smtpd) ? std::string() : non_smtpd})
    for (const auto& e : split_milter_list(list)) {
      std::string s = milter_element_socket(e);
      std::string note = "replaces " + s + " with " + socket + ": not every milter client finds " + s;
      if (std::find(milter.replace.begin(), milter.replace.end(), s) != milter.replace.end() &&
          std::find(plan.notes.begin(), plan.notes.end(), note) == plan.notes.end())
        plan.notes.push_back(note);
    }
  for (const auto& e : split_milter_list(smtpd))
    if (!ours(milter_element_socket(e))) plan.notes.push_back("keeps milter " + e);

  change("milter_default_action", default_action);
  change("milter_protocol", "6");
  for (const auto& need : needed_macros()) change(need.parameter, merge_macro_list(value(need.parameter), need.macros));
  return plan;
}

}  // namespace sm
