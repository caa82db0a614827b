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

std::string merge_milter_list(const std::string& current, const std::string& socket) {
  for (const auto& e : split_milter_list(current))
    if (milter_element_socket(e) == socket) return current;
  return append_element(current, socket);
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
  SetupPlan plan;
  auto value = [&](const std::string& k) {
    auto it = current.find(k);
    return it == current.end() ? std::string() : it->second;
  };
  auto change = [&](const std::string& k, const std::string& after) {
    bool is_explicit = explicit_params.count(k) > 0;
    if (after != value(k) || !is_explicit) plan.changes.push_back({k, value(k), after, !is_explicit});
  };

  std::string smtpd = value("smtpd_milters");
  change("smtpd_milters", merge_milter_list(smtpd, socket));
  std::string non_smtpd = value("non_smtpd_milters");
  if (mentions_smtpd_milters(non_smtpd))
    plan.notes.push_back("non_smtpd_milters refers to $smtpd_milters: mail from sendmail and pickup is covered");
  else
    change("non_smtpd_milters", merge_milter_list(non_smtpd, socket));
  for (const auto& e : split_milter_list(smtpd))
    if (milter_element_socket(e) != socket) plan.notes.push_back("keeps milter " + e);

  change("milter_default_action", default_action);
  change("milter_protocol", "6");
  for (const auto& need : needed_macros()) change(need.parameter, merge_macro_list(value(need.parameter), need.macros));
  return plan;
}

}  // namespace sm
