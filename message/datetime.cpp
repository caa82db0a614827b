// Dates. RFC 5322 parsing is token based and lenient (obsolete forms, comments, zone names);
// arithmetic is std::chrono's civil calendar, never the local time zone.
#include "message/datetime.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <vector>

namespace sm {

namespace {

using namespace std::chrono;

std::optional<TimeMs> civil(int y, unsigned mo, unsigned d, int h, int mi, int s, int offset_min, int ms = 0) {
  year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return std::nullopt;
  sys_days days{ymd};
  auto t = days.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} - minutes{offset_min};
  return duration_cast<milliseconds>(t).count() + ms;
}

int month_index(std::string_view m) {
  static const std::array<const char*, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (m.size() < 3) return 0;
  char a[4] = {static_cast<char>(std::tolower(static_cast<unsigned char>(m[0]))),
               static_cast<char>(std::tolower(static_cast<unsigned char>(m[1]))),
               static_cast<char>(std::tolower(static_cast<unsigned char>(m[2]))), 0};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (std::string_view(a) == names[i]) return static_cast<int>(i) + 1;
  return 0;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<int> zone_offset(std::string_view z) {
  if ((z.size() == 5) && (z[0] == '+' || z[0] == '-') && all_digits(z.substr(1))) {
    int hh = (z[1] - '0') * 10 + (z[2] - '0');
    int mm = (z[3] - '0') * 10 + (z[4] - '0');
    if (hh > 23 || mm > 59) return std::nullopt;
    int off = hh * 60 + mm;
    return z[0] == '-' ? -off : off;
  }
  std::string u;
  for (char c : z) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  struct Named {
    const char* name;
    int off;
  };
  static const Named names[] = {{"UT", 0},      {"UTC", 0},     {"GMT", 0},     {"Z", 0},
                                {"EST", -300},  {"EDT", -240},  {"CST", -360},  {"CDT", -300},
                                {"MST", -420},  {"MDT", -360},  {"PST", -480},  {"PDT", -420}};
  for (const auto& n : names)
    if (u == n.name) return n.off;
  if (u.size() == 1 && std::isalpha(static_cast<unsigned char>(u[0]))) return 0;  // military: treat as +0000
  return std::nullopt;
}

}  // namespace

std::optional<TimeMs> parse_mail_date(std::string_view raw) {
  if (raw.size() > 400) raw = raw.substr(0, 400);
  // Tokens: drop comments, split on white space and commas.
  std::vector<std::string> tok;
  std::string cur;
  int depth = 0;
  for (char c : raw) {
    if (c == '(') {
      ++depth;
      continue;
    }
    if (c == ')') {
      if (depth > 0) --depth;
      continue;
    }
    if (depth > 0) continue;
    if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n') {
      if (!cur.empty()) tok.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tok.push_back(cur);
  std::size_t i = 0;
  // Optional weekday.
  if (i < tok.size() && !all_digits(tok[i]) && month_index(tok[i]) == 0) ++i;
  if (i + 3 > tok.size()) return std::nullopt;
  int d = 0;
  int mo = 0;
  if (all_digits(tok[i]) && tok[i].size() <= 2) {
    d = std::stoi(tok[i]);
    mo = month_index(tok[i + 1]);
  } else if (month_index(tok[i]) != 0 && all_digits(tok[i + 1])) {
    // "Nov 22 2026" (asctime-like)
    mo = month_index(tok[i]);
    d = std::stoi(tok[i + 1]);
  }
  if (mo == 0 || d == 0) return std::nullopt;
  i += 2;
  if (i >= tok.size() || !all_digits(tok[i]) || tok[i].size() > 4) return std::nullopt;
  int y = std::stoi(tok[i]);
  if (tok[i].size() == 2) y += y < 50 ? 2000 : 1900;
  else if (tok[i].size() == 3) y += 1900;
  ++i;
  int h = 0, mi = 0, s = 0;
  if (i < tok.size()) {
    int n = std::sscanf(tok[i].c_str(), "%d:%d:%d", &h, &mi, &s);
    if (n < 2) return std::nullopt;
    ++i;
  } else {
    return std::nullopt;
  }
  int off = 0;
  if (i < tok.size()) {
    auto z = zone_offset(tok[i]);
    if (z) off = *z;
  }
  return civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, s, off);
}

std::optional<TimeMs> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  char sep;
  int consumed = 0;
  std::string str(s.substr(0, 64));
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &consumed) != 7)
    return std::nullopt;
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  std::string_view rest = std::string_view(str).substr(static_cast<std::size_t>(consumed));
  int ms = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      if (digits < 3) ms = ms * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  int off = 0;
  if (rest == "Z" || rest == "z") {
    off = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    std::string z = std::string(1, rest[0]) + std::string(rest.substr(1, 2)) + std::string(rest.substr(4, 2));
    auto o = zone_offset(z);
    if (!o) return std::nullopt;
    off = *o;
  } else {
    return std::nullopt;
  }
  return civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, sec, off, ms);
}

std::string format_rfc3339_ms(TimeMs t) {
  sys_time<milliseconds> tp{milliseconds{t}};
  auto days = floor<std::chrono::days>(tp);
  year_month_day ymd{days};
  hh_mm_ss<milliseconds> hms{tp - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%03lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

std::string format_rfc3339(TimeMs t) {
  std::string s = format_rfc3339_ms(t);
  return s.substr(0, 19) + "Z";
}

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sm
