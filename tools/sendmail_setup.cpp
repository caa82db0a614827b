// setup-sendmail's merging, line by line over m4 source: only lines that are not comments
// ("dnl ...") count, and a line is changed only when what it says differs from what is needed.
#include "tools/sendmail_setup.h"

#include <algorithm>

#include "base/strings.h"

namespace sm {

namespace {

constexpr const char* kName = "support-milter";

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines, bool final_newline) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || final_newline) out += '\n';
  }
  return out;
}

// The line without leading white space; "" for a comment line.
std::string_view code_of(const std::string& line) {
  std::string_view t = trim(line);
  if (t.starts_with("dnl") && (t.size() == 3 || t[3] == ' ' || t[3] == '\t' || t[3] == '#')) return {};
  if (t.starts_with("#")) return {};
  return t;
}

// MAILER_DEFINITIONS and MAILER(...): where the mailers begin, and filters must come before.
bool is_mailer_line(const std::string& line) {
  std::string_view code = code_of(line);
  return code.starts_with("MAILER(") || code.starts_with("MAILER_DEFINITIONS");
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Characters that would end the S= value or the m4 argument early.
bool safe_in_filter_line(std::string_view s) {
  return s.find_first_of(",;'`()\" \t\r\n") == std::string_view::npos;
}

std::string duration(unsigned s) {
  return s % 60 == 0 ? std::to_string(s / 60) + "m" : std::to_string(s) + "s";
}

// A `define(`NAME', `VALUE')' line: where VALUE starts and ends in `line`; false when the line
// does not define NAME or its value is not one quoted string on this line.
bool find_define(const std::string& line, const std::string& name, std::size_t* begin, std::size_t* end,
                 bool* defines) {
  *defines = false;
  std::string_view code = code_of(line);
  if (!code.starts_with("define(")) return false;
  std::size_t p = line.find("define(") + 7;
  while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  bool quoted = p < line.size() && line[p] == '`';
  if (quoted) ++p;
  if (line.compare(p, name.size(), name) != 0) return false;
  p += name.size();
  if (quoted) {
    if (p >= line.size() || line[p] != '\'') return false;
    ++p;
  }
  while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  if (p >= line.size() || line[p] != ',') return false;
  *defines = true;
  ++p;
  while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  if (p >= line.size() || line[p] != '`') return false;
  auto close = line.find('\'', p + 1);
  if (close == std::string::npos || line.find('`', p + 1) < close) return false;
  *begin = p + 1;
  *end = close;
  return true;
}

std::vector<std::string> words_of(std::string_view s, std::string_view seps) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto start = s.find_first_not_of(seps, i);
    if (start == std::string_view::npos) break;
    auto stop = s.find_first_of(seps, start);
    if (stop == std::string_view::npos) stop = s.size();
    out.emplace_back(s.substr(start, stop - start));
    i = stop;
  }
  return out;
}

}  // namespace

std::string sendmail_socket(const std::string& spec) {
  auto path_ok = [](std::string_view p) {
    return p.size() > 1 && p.front() == '/' && safe_in_filter_line(p);
  };
  if (spec.starts_with("unix:")) return path_ok(spec.substr(5)) ? "local:" + spec.substr(5) : "";
  if (spec.starts_with("local:")) return path_ok(spec.substr(6)) ? spec : "";
  for (std::string prefix : {"inet:", "inet6:"}) {
    if (!spec.starts_with(prefix)) continue;
    std::string rest = spec.substr(prefix.size());
    if (!safe_in_filter_line(rest)) return {};
    auto at = rest.find('@');
    if (at != std::string::npos) {
      if (!digits(rest.substr(0, at)) || at + 1 >= rest.size()) return {};
      return spec;
    }
    if (digits(rest)) return prefix + rest + (prefix == "inet6:" ? "@::1" : "@127.0.0.1");
    // Postfix's inet:HOST:PORT ([v6] in brackets).
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || !digits(rest.substr(colon + 1))) return {};
    std::string host = rest.substr(0, colon);
    if (host.front() == '[' && host.back() == ']')
      return "inet6:" + rest.substr(colon + 1) + "@" + host.substr(1, host.size() - 2);
    if (host.find(':') != std::string::npos) return {};
    return prefix + rest.substr(colon + 1) + "@" + host;
  }
  return {};
}

SendmailTimeouts sendmail_timeouts(unsigned message_ms) {
  SendmailTimeouts t;
  unsigned need = 2 * ((message_ms + 999) / 1000) + 30;
  t.read_s = std::max(10u, need);
  t.eom_s = std::max(300u, need);
  return t;
}

std::string timeouts_value(const SendmailTimeouts& t) {
  return "T=C:" + duration(t.connect_s) + ";S:" + duration(t.send_s) + ";R:" + duration(t.read_s) +
         ";E:" + duration(t.eom_s);
}

std::string filter_line(const std::string& socket, const SendmailTimeouts& t) {
  return "INPUT_MAIL_FILTER(`" + std::string(kName) + "', `S=" + socket + ", F=T, " + timeouts_value(t) +
         "')dnl";
}

std::string mail_filter_name(const std::string& line) {
  std::string_view code = code_of(line);
  std::size_t p;
  if (code.starts_with("INPUT_MAIL_FILTER("))
    p = 18;
  else if (code.starts_with("MAIL_FILTER("))
    p = 12;
  else
    return {};
  std::string_view rest = trim(code.substr(p));
  if (rest.starts_with("`")) rest.remove_prefix(1);
  auto stop = rest.find_first_of("',)");
  return std::string(trim(rest.substr(0, stop)));
}

McMerge merge_sendmail_mc(const std::string& mc, const std::string& line) {
  McMerge m;
  m.text = mc;
  auto lines = split_lines(mc);
  const bool final_newline = mc.empty() || mc.back() == '\n';
  auto first_mailer = std::find_if(lines.begin(), lines.end(), is_mailer_line);
  if (first_mailer == lines.end()) {
    m.errors.push_back(
        "no MAILER line: Sendmail needs INPUT_MAIL_FILTER before MAILER(`smtp'), and this file has none");
    return m;
  }
  const std::size_t mailer = first_mailer - lines.begin();

  std::vector<std::size_t> ours;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string name = mail_filter_name(lines[i]);
    if (name == kName)
      ours.push_back(i);
    else if (!name.empty())
      m.notes.push_back("keeps milter " + name + ": " + std::string(trim(lines[i])));
  }

  // Where support-milter's line goes: in place of an older one before the MAILER lines, else
  // just before the first of them.
  std::size_t at = (!ours.empty() && ours.front() < mailer) ? ours.front() : mailer;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    bool old = std::find(ours.begin(), ours.end(), i) != ours.end();
    if (i == at) {
      if (old && lines[i] == line) {
        out.push_back(lines[i]);
        continue;
      }
      out.push_back(line);
      m.added.push_back(line);
    }
    if (old)
      m.removed.push_back(lines[i]);
    else
      out.push_back(lines[i]);
  }

  // A confINPUT_MAIL_FILTERS define after the filter lines replaces the list they built.
  const std::size_t ours_now = std::find(out.begin(), out.end(), line) - out.begin();
  for (std::size_t i = ours_now + 1; i < out.size(); ++i) {
    std::size_t b = 0, e = 0;
    bool defines = false;
    bool parsed = find_define(out[i], "confINPUT_MAIL_FILTERS", &b, &e, &defines);
    if (!defines) continue;
    if (!parsed) {
      m.errors.push_back("cannot read the confINPUT_MAIL_FILTERS define \"" + std::string(trim(out[i])) +
                         "\"; add support-milter to its list by hand");
      m.text = mc;
      m.added.clear();
      m.removed.clear();
      return m;
    }
    auto names = words_of(std::string_view(out[i]).substr(b, e - b), ", \t");
    if (std::find(names.begin(), names.end(), kName) != names.end()) continue;
    std::string value = std::string(trim(std::string_view(out[i]).substr(b, e - b), ", \t"));
    std::string changed = out[i].substr(0, b) + (value.empty() ? "" : value + ",") + kName + out[i].substr(e);
    m.removed.push_back(out[i]);
    m.added.push_back(changed);
    m.notes.push_back(
        "confINPUT_MAIL_FILTERS is defined after the filter lines and replaces their list: support-milter is "
        "added to it");
    out[i] = changed;
  }
  if (m.changed()) m.text = join_lines(out, final_newline);
  return m;
}

McMerge merge_trusted_user(const std::string& mc, const std::string& user) {
  McMerge m;
  m.text = mc;
  if (user.empty() ||
      user.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    m.errors.push_back("\"" + user + "\" is not a user name Sendmail's confTRUSTED_USERS can hold");
    return m;
  }
  auto lines = split_lines(mc);
  const bool final_newline = mc.empty() || mc.back() == '\n';
  std::optional<std::size_t> msp;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t b = 0, e = 0;
    bool defines = false;
    bool parsed = find_define(lines[i], "confTRUSTED_USERS", &b, &e, &defines);
    if (!msp && code_of(lines[i]).starts_with("FEATURE(`msp'")) msp = i;
    if (!defines) continue;
    if (!parsed) {
      m.errors.push_back("cannot read the confTRUSTED_USERS define \"" + std::string(trim(lines[i])) +
                         "\"; add " + user + " to it by hand");
      return m;
    }
    auto users = words_of(std::string_view(lines[i]).substr(b, e - b), " \t");
    if (std::find(users.begin(), users.end(), user) != users.end()) {
      m.notes.push_back(user + " is trusted already (confTRUSTED_USERS)");
      return m;
    }
    std::string value = std::string(trim(std::string_view(lines[i]).substr(b, e - b)));
    std::string changed =
        lines[i].substr(0, b) + (value.empty() ? "" : value + " ") + user + lines[i].substr(e);
    m.removed.push_back(lines[i]);
    m.added.push_back(changed);
    lines[i] = changed;
    m.text = join_lines(lines, final_newline);
    return m;
  }
  if (!msp) {
    m.errors.push_back("no FEATURE(`msp') line: this is not the submission program's mc (submit.mc)");
    return m;
  }
  std::string define = "define(`confTRUSTED_USERS', `" + user + "')dnl";
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(*msp), define);
  m.added.push_back(define);
  m.text = join_lines(lines, final_newline);
  return m;
}

std::vector<std::string> socket_dir_warnings(
    const std::string& socket, const std::function<std::optional<unsigned>(const std::string&)>& mode_of) {
  std::vector<std::string> out;
  if (!socket.starts_with("local:")) return out;
  std::string path = socket.substr(6);
  for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0;
       slash = path.rfind('/', slash - 1)) {
    std::string dir = path.substr(0, slash);
    auto mode = mode_of(dir);
    if (!mode) {
      out.push_back(dir +
                    " does not exist (yet): support-milter needs it when it starts, writable by root and its "
                    "user only (the package's service creates /run/support-milter)");
      continue;
    }
    if ((*mode & 0002) != 0)
      out.push_back(dir +
                    " is world-writable: Sendmail refuses a socket below it (\"unsafe: World writable "
                    "directory\"); use a directory like /run/support-milter");
  }
  return out;
}

}  // namespace sm
