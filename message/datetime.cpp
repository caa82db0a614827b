// Dates. RFC 5322 date-times are read token by token, leniently: optional weekday, day and month
// in either order (asctime and RFC 850 "02-Nov-26" forms too), 2- and 3-digit years as RFC 5322
// section 4.3 says, missing seconds, comments, zone names; an unknown alphabetic zone (military
// letters included) counts as +0000 as the RFC advises, a missing one too. Impossible dates and
// times (31 Feb, 24:00, minute 60, years before 1900) are unreadable. RFC 3339 is read strictly.
// Arithmetic is std::chrono's civil calendar (days from civil), never the local time zone.
// Nothing here throws past the public functions.
#include "message/datetime.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace sm {

namespace {

using namespace std::chrono;

constexpr std::size_t kMaxDateBytes = 1000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

bool all_alpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_alpha(c)) return false;
  return true;
}

// Value of a short run of digits (callers bound the length, so no overflow).
int number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<TimeMs> civil(int y, int mo, int d, int h, int mi, int s, int offset_min, int ms = 0) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || ms < 0 || ms > 999)
    return std::nullopt;
  const sys_days days{ymd};
  const auto t = days.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} - minutes{offset_min};
  return duration_cast<milliseconds>(t).count() + ms;
}

// 1-12 for an English month name or its 3-letter abbreviation (any case), else 0.
int month_index(std::string_view m) {
  static const std::array<const char*, 12> names{"JANUARY",   "FEBRUARY", "MARCH",    "APRIL",
                                                 "MAY",       "JUNE",     "JULY",     "AUGUST",
                                                 "SEPTEMBER", "OCTOBER",  "NOVEMBER", "DECEMBER"};
  if (m.size() < 3) return 0;
  if (m.back() == '.') m.remove_suffix(1);  // "Nov."
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view full = names[i];
    if (m.size() != 3 && m.size() != full.size() && !(i == 8 && m.size() == 4)) continue;  // "Sept"
    bool match = true;
    for (std::size_t k = 0; k < m.size() && match; ++k) match = upper(m[k]) == full[k];
    if (match) return static_cast<int>(i) + 1;
  }
  return 0;
}

// Minutes east of UTC for a numeric zone ("+0100", "-05:30", "+01").
std::optional<int> numeric_zone(std::string_view z) {
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  std::string_view d = z.substr(1);
  std::string digits;
  if (d.size() == 5 && d[2] == ':')
    digits = std::string(d.substr(0, 2)) + std::string(d.substr(3));
  else
    digits = std::string(d);
  if (!all_digits(digits) || (digits.size() != 4 && digits.size() != 2)) return std::nullopt;
  const int hh = number(std::string_view(digits).substr(0, 2));
  const int mm = digits.size() == 4 ? number(std::string_view(digits).substr(2)) : 0;
  if (hh > 23 || mm > 59) return std::nullopt;
  const int off = hh * 60 + mm;
  return z[0] == '-' ? -off : off;
}

// Minutes east of UTC for a zone token; nullopt when the token is not a zone at all.
std::optional<int> zone_offset(std::string_view z) {
  if (!z.empty() && (z[0] == '+' || z[0] == '-')) return numeric_zone(z);
  if (!all_alpha(z) || z.size() > 5) return std::nullopt;
  std::string u;
  for (char c : z) u += upper(c);
  struct Named {
    const char* name;
    int off;
  };
  static const Named names[] = {{"UT", 0},     {"UTC", 0},    {"GMT", 0},    {"Z", 0},
                                {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                                {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
  for (const auto& n : names)
    if (u == n.name) return n.off;
  // Military letters and other names: their meaning is unreliable, RFC 5322 says read "-0000".
  return 0;
}

struct Clock {
  int h = 0;
  int mi = 0;
  int s = 0;
  std::string_view rest;  // what follows the time in the same token ("+0100" in "09:00:00+0100")
};

// "h:mm", "hh:mm:ss", optionally with a glued zone.
std::optional<Clock> clock_of(std::string_view t) {
  Clock c;
  std::size_t i = 0;
  auto field = [&](std::size_t min_digits, int& out) {
    std::size_t start = i;
    while (i < t.size() && is_digit(t[i]) && i - start < 2) ++i;
    if (i - start < min_digits) return false;
    out = number(t.substr(start, i - start));
    return true;
  };
  if (!field(1, c.h) || i >= t.size() || t[i] != ':') return std::nullopt;
  ++i;
  if (!field(2, c.mi)) return std::nullopt;
  if (i < t.size() && t[i] == ':') {
    ++i;
    if (!field(2, c.s)) return std::nullopt;
  }
  if (i < t.size() && is_digit(t[i])) return std::nullopt;
  c.rest = t.substr(i);
  return c;
}

std::optional<int> year_of(std::string_view t) {
  if (!all_digits(t) || t.size() < 2 || t.size() > 4) return std::nullopt;
  int y = number(t);
  if (t.size() == 2)
    y += y < 50 ? 2000 : 1900;
  else if (t.size() == 3)
    y += 1900;
  if (y < 1900) return std::nullopt;
  return y;
}

std::optional<int> day_of(std::string_view t) {
  if (!all_digits(t) || t.size() > 2) return std::nullopt;
  return number(t);
}

// Splits the value into tokens: comments dropped, white space and commas separate, and an RFC 850
// date "02-Nov-26" becomes three tokens.
std::vector<std::string> tokens(std::string_view raw) {
  std::vector<std::string> tok;
  std::string cur;
  std::size_t depth = 0;
  auto flush = [&] {
    if (cur.empty()) return;
    const auto d1 = cur.find('-');
    const auto d2 = d1 == std::string::npos ? d1 : cur.find('-', d1 + 1);
    if (d1 != std::string::npos && d1 > 0 && d2 != std::string::npos && is_digit(cur[0]) &&
        month_index(std::string_view(cur).substr(d1 + 1, d2 - d1 - 1)) != 0) {
      tok.push_back(cur.substr(0, d1));
      tok.push_back(cur.substr(d1 + 1, d2 - d1 - 1));
      tok.push_back(cur.substr(d2 + 1));
    } else {
      tok.push_back(cur);
    }
    cur.clear();
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (depth > 0) {
      if (c == '\\')
        ++i;
      else if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
      continue;
    }
    if (c == '(') {
      flush();
      depth = 1;
    } else if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return tok;
}

std::optional<TimeMs> rfc3339(std::string_view s);

std::optional<TimeMs> mail_date(std::string_view raw) {
  if (raw.size() > kMaxDateBytes) raw = raw.substr(0, kMaxDateBytes);
  const std::vector<std::string> tok = tokens(raw);
  std::size_t i = 0;
  // An ISO 8601 / RFC 3339 value now and then stands in a Date header.
  if (!tok.empty() && tok[0].size() >= 10 && tok[0][4] == '-') {
    if (tok.size() == 1) return rfc3339(tok[0]);
    if (tok.size() == 2 && tok[0].size() == 10) return rfc3339(tok[0] + "T" + tok[1]);
    return std::nullopt;
  }
  // Optional weekday ("Mon", "Monday", "Mon.").
  if (i < tok.size() &&
      all_alpha(std::string_view(tok[i]).substr(0, tok[i].size() - (tok[i].back() == '.'))) &&
      month_index(tok[i]) == 0)
    ++i;
  auto at = [&](std::size_t k) -> std::string_view {
    return k < tok.size() ? std::string_view(tok[k]) : std::string_view();
  };

  std::optional<int> d, y;
  int mo = 0;
  std::optional<Clock> clock;
  std::size_t zone_at = 0;
  if ((d = day_of(at(i))) && (mo = month_index(at(i + 1))) != 0) {
    // RFC 5322: day month year time [zone]
    y = year_of(at(i + 2));
    clock = clock_of(at(i + 3));
    zone_at = i + 4;
  } else if ((mo = month_index(at(i))) != 0 && (d = day_of(at(i + 1)))) {
    if ((y = year_of(at(i + 2)))) {
      // "Nov 2 2026 09:00:00 [zone]"
      clock = clock_of(at(i + 3));
      zone_at = i + 4;
    } else {
      // asctime / date(1): "Nov 2 09:00:00 [zone] 2026"
      clock = clock_of(at(i + 2));
      zone_at = i + 3;
      if ((y = year_of(at(i + 3)))) {
        zone_at = tok.size();
      } else {
        y = year_of(at(i + 4));
      }
    }
  } else {
    return std::nullopt;
  }
  if (!d || !y || !clock) return std::nullopt;
  int off = 0;
  std::string_view zone = !clock->rest.empty() ? clock->rest : at(zone_at);
  if (!zone.empty()) {
    auto z = zone_offset(zone);
    if (z)
      off = *z;
    else if (zone[0] == '+' || zone[0] == '-')
      return std::nullopt;  // a broken numeric zone
  }
  return civil(*y, mo, *d, clock->h, clock->mi, clock->s, off);
}

std::optional<TimeMs> rfc3339(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  // YYYY-MM-DDTHH:MM:SS is 19 bytes with fixed positions.
  if (s.size() < 20) return std::nullopt;
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    std::string_view d = s.substr(pos, n);
    if (!all_digits(d) || d.size() != n) return std::nullopt;
    return number(d);
  };
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
             sec = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !sec || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  std::string_view rest = s.substr(19);
  int ms = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && is_digit(rest[n])) {
      if (n < 3) ms = ms * 10 + (rest[n] - '0');
      ++n;
    }
    if (n == 0) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) ms *= 10;
    rest.remove_prefix(n);
  }
  int off = 0;
  if (rest == "Z" || rest == "z") {
    off = 0;
  } else if (auto z = numeric_zone(rest); z && (rest.size() == 6 || rest.size() == 5)) {
    off = *z;
  } else {
    return std::nullopt;
  }
  return civil(*y, *mo, *d, *h, *mi, *sec, off, ms);
}

// Years 0001-9999 are what the formats can spell.
constexpr TimeMs kMinTime = -62135596800000;  // 0001-01-01T00:00:00Z
constexpr TimeMs kMaxTime = 253402300799999;  // 9999-12-31T23:59:59.999Z

}  // namespace

std::optional<TimeMs> parse_mail_date(std::string_view raw) {
  try {
    return mail_date(raw);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<TimeMs> parse_rfc3339(std::string_view s) {
  try {
    return rfc3339(s);
  } catch (...) {
    return std::nullopt;
  }
}

std::string format_rfc3339_ms(TimeMs t) {
  t = t < kMinTime ? kMinTime : t > kMaxTime ? kMaxTime : t;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const auto days = floor<std::chrono::days>(tp);
  const year_month_day ymd{days};
  const hh_mm_ss<milliseconds> hms{tp - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  try {
    return buf;
  } catch (...) {
    return {};
  }
}

std::string format_rfc3339(TimeMs t) {
  try {
    std::string s = format_rfc3339_ms(t);
    if (s.size() < 19) return s;
    s.resize(19);
    s += 'Z';
    return s;
  } catch (...) {
    return {};
  }
}

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sm
