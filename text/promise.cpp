// Promise parsing over case-folded word tokens; no regular expressions, linear in the text.
// Recognised forms (EN / ES / RU):
//   within|in|next N minutes|hours|days   — dentro de|en N minutos|horas|días — в течение|через N минут|часов|дней
//   today, by the end of the day          — hoy, durante el día                — сегодня, до конца дня
//   tomorrow [at|by HH:MM]                — mañana [a las HH:MM]               — завтра [до|в|к HH:MM]
//   by HH:MM                              — antes de las HH:MM                 — до HH:MM
//   on|by Monday ...                      — el lunes ...                        — в|до понедельника ...
//   DD.MM.YYYY, DD.MM, 25 November        — 25 de noviembre                    — 25 ноября
//   by the end of the week|month          — antes de que acabe la semana, hasta fin de mes — до конца месяца
//   by noon                               — esta misma tarde, a última hora, a mediodía, a primera hora
// A day without a clock time means the end of that day, in the configured time zone. The words
// are the language data's (conf/lexicons/all/promise.txt, weekday.txt, month.txt, number.txt),
// and so are the fixed phrases, each under the time it names (promise-idiom.txt); the order the
// words come in is read here, and what each time named means.
#include "text/promise.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <charconv>
#include <chrono>
#include <string>
#include <unordered_map>
#include <utility>
#include <memory>
#include <vector>

#include "base/fold.h"
#include "base/lexdata.h"
#include "base/unicode.h"
#include "base/words.h"
#include "base/zone_clock.h"
#include "text/fold.h"

namespace sm {

std::vector<std::string> promise_words(std::string_view s) {
  std::vector<std::string> out;
  for_each_word(s, kPromiseWords, [&](std::size_t begin, std::size_t end, WordKind) {
    out.emplace_back(s.substr(begin, end - begin));
    return out.size() <= 5000;
  });
  return out;
}

namespace {

// The sets of grammar words (conf/lexicons/all/promise.txt), by the section that holds them.
enum class Grammar : std::size_t {
  duration_opener, duration_filler, duration_opener_unit, range_joiner, couple_article, couple, couple_of,
  unit_qualifier, minutes, hours, days, today, tomorrow, clock_preposition, weekday_preposition,
  date_preposition, date_joiner, day_of_month, day_of_month_article, end_verb, end_noun, end_article, week, month, rate,
};
constexpr std::string_view kGrammarSections[] = {
    "duration-opener", "duration-filler", "duration-opener-unit", "range-joiner", "couple-article", "couple", "couple-of",
    "unit-qualifier", "minutes", "hours", "days", "today", "tomorrow", "clock-preposition", "weekday-preposition",
    "date-preposition", "date-joiner", "day-of-month", "day-of-month-article", "end-verb", "end-noun", "end-article", "week",
    "month", "rate",
};

// The times the idioms (conf/lexicons/all/promise-idiom.txt) promise, by the section that holds them.
enum class Meaning : std::size_t { today, today_end, noon, next_morning, week_end, next_week_end, month_end };
constexpr std::string_view kMeaningSections[] = {"today", "today-end", "noon", "next-morning", "week-end", "next-week-end", "month-end"};

// The weekday and month names, the number words, the grammar words and the idioms
// (conf/lexicons/all/weekday.txt, month.txt, number.txt, promise.txt, promise-idiom.txt), in the
// order written.
struct TimeWords {
  struct Name {
    enum class Kind { word, prefix, abbreviation } kind;
    std::string text;
    bool matches(const std::string& w) const {
      switch (kind) {
        case Kind::word: return w == text;
        case Kind::prefix: return w.starts_with(text);
        case Kind::abbreviation: return w.starts_with(text) && w.size() <= 4;
      }
      return false;
    }
  };
  // One word of an idiom: any word, or one of its names or of the words of its grammar sets.
  struct IdiomWord {
    bool any = false;
    std::vector<Name> names;
    std::vector<Grammar> sets;
  };
  struct Idiom {
    Meaning meaning;
    bool exception = false;
    std::vector<IdiomWord> words;
    std::size_t said_from = 0, said_to = 0;  // the words said, [said_from, said_to); read at said_to - 1
  };
  std::vector<std::pair<Name, int>> weekdays;  // 0 = Sunday
  std::vector<std::pair<Name, int>> months;    // 1 = January
  std::unordered_map<std::string, double> numbers;
  std::array<std::vector<Name>, std::size(kGrammarSections)> grammar;
  std::vector<Idiom> idioms;

  explicit TimeWords(const LexData& data) {
    static constexpr std::string_view kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    static constexpr std::string_view kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                                   "july",    "august",   "september", "october", "november", "december"};
    auto index = [&](const LexFile& f, const LexEntry& e, const auto& names) {
      for (std::size_t k = 0; k < std::size(names); ++k)
        if (names[k] == e.section) return static_cast<int>(k);
      data.fail(f, e.line, "\"" + e.section + "\" is not a section of this list");
    };
    if (const LexFile* f = data.file(kSharedLexFolder, "weekday"))
      for (const auto& e : f->entries) weekdays.emplace_back(name(data, *f, e, false), index(*f, e, kDays));
    if (const LexFile* f = data.file(kSharedLexFolder, "month"))
      for (const auto& e : f->entries) months.emplace_back(name(data, *f, e, true), index(*f, e, kMonths) + 1);
    if (const LexFile* f = data.file(kSharedLexFolder, "number"))
      for (const auto& e : f->entries) {
        double value = 0;
        const char* end = e.section.data() + e.section.size();
        if (auto r = std::from_chars(e.section.data(), end, value); r.ec != std::errc() || r.ptr != end)
          data.fail(*f, e.line, "\"" + e.section + "\" is not a number");
        if (!numbers.emplace(e.text, value).second) data.fail(*f, e.line, "\"" + e.text + "\" is given twice");
      }
    if (const LexFile* f = data.file(kSharedLexFolder, "promise"))
      for (const auto& e : f->entries) grammar.at(static_cast<std::size_t>(index(*f, e, kGrammarSections))).push_back(name(data, *f, e, false));
    if (const LexFile* f = data.file(kSharedLexFolder, "promise-idiom"))
      for (const auto& e : f->entries) idioms.push_back(idiom(data, *f, e, static_cast<Meaning>(index(*f, e, kMeaningSections))));
  }

  // One idiom of promise-idiom.txt: its words, each a set of alternatives ("a|b", "@set", "_"),
  // and the words said, "{...}", the last of which is where it is read.
  static Idiom idiom(const LexData& data, const LexFile& f, const LexEntry& e, Meaning meaning) {
    Idiom out;
    out.meaning = meaning;
    std::string_view text = e.text;
    if (text.starts_with('!')) {
      out.exception = true;
      text.remove_prefix(1);
    }
    std::optional<std::size_t> open, close;
    for (std::size_t pos = 0; pos < text.size();) {
      pos = text.find_first_not_of(" \t", pos);
      if (pos == std::string_view::npos) break;
      std::size_t end = std::min(text.find_first_of(" \t", pos), text.size());
      std::string_view word = text.substr(pos, end - pos);
      pos = end;
      if (word.starts_with('{')) {
        if (open) data.fail(f, e.line, "\"" + e.text + "\" has two \"{\"");
        open = out.words.size();
        word.remove_prefix(1);
      }
      const bool closes = word.ends_with('}');
      if (closes) word.remove_suffix(1);
      if (word.empty() || word.find_first_of("{}") != std::string_view::npos)
        data.fail(f, e.line, "\"" + e.text + "\" is not a phrase (a brace stands alone or inside a word)");
      IdiomWord slot;
      for (std::size_t a = 0; a <= word.size();) {
        std::size_t bar = std::min(word.find('|', a), word.size());
        const std::string alt(word.substr(a, bar - a));
        a = bar + 1;
        if (alt == "_") {
          slot.any = true;
        } else if (alt.starts_with('@')) {
          std::size_t k = 0;
          while (k < std::size(kGrammarSections) && kGrammarSections[k] != std::string_view(alt).substr(1)) ++k;
          if (k == std::size(kGrammarSections)) data.fail(f, e.line, "\"" + alt + "\" names no set of promise.txt");
          slot.sets.push_back(static_cast<Grammar>(k));
        } else if (alt.empty()) {
          data.fail(f, e.line, "\"" + e.text + "\" has an empty word between \"|\"");
        } else {
          slot.names.push_back(name(data, f, e.line, alt, false));
        }
      }
      out.words.push_back(std::move(slot));
      if (closes) {
        if (!open || close) data.fail(f, e.line, "\"" + e.text + "\" closes a \"}\" it did not open");
        close = out.words.size();
      }
    }
    if (open && !close) data.fail(f, e.line, "\"" + e.text + "\" opens a \"{\" it does not close");
    if (out.words.empty()) data.fail(f, e.line, "an empty phrase");
    out.said_from = open.value_or(0);
    out.said_to = close.value_or(out.words.size());
    return out;
  }

  // "word*": every word that begins with it; "=word": the word only; a plain word: the word only,
  // or (`abbreviations`) also the words of at most four letters that begin with it.
  static Name name(const LexData& data, const LexFile& f, const LexEntry& e, bool abbreviations) {
    return name(data, f, e.line, e.text, abbreviations);
  }
  static Name name(const LexData& data, const LexFile& f, int line, const std::string& written, bool abbreviations) {
    std::string text = written;
    Name::Kind kind = abbreviations ? Name::Kind::abbreviation : Name::Kind::word;
    if (text.size() > 1 && text.back() == '*') {
      text.pop_back();
      kind = Name::Kind::prefix;
    } else if (text.size() > 1 && text.front() == '=') {
      text.erase(0, 1);
      kind = Name::Kind::word;
    }
    if (text.find_first_of(" *=") != std::string::npos) data.fail(f, line, "\"" + written + "\" is not one word");
    return {kind, std::move(text)};
  }
};

// Whether `w` is one of a set of grammar words.
bool is(const std::string& w, Grammar set) {
  for (const auto& name : TableInUse<TimeWords>::get().grammar[static_cast<std::size_t>(set)])
    if (name.matches(w)) return true;
  return false;
}

// Whether `idiom` matches the words `t` where its last said word is t[i].
bool matches(const TimeWords::Idiom& idiom, const std::vector<std::string>& t, std::size_t i) {
  const std::size_t anchor = idiom.said_to - 1;
  if (i < anchor || i - anchor + idiom.words.size() > t.size()) return false;
  for (std::size_t k = 0; k < idiom.words.size(); ++k) {
    const TimeWords::IdiomWord& word = idiom.words[k];
    const std::string& w = t[i - anchor + k];
    bool hit = word.any;
    for (std::size_t n = 0; !hit && n < word.names.size(); ++n) hit = word.names[n].matches(w);
    for (std::size_t n = 0; !hit && n < word.sets.size(); ++n) hit = is(w, word.sets[n]);
    if (!hit) return false;
  }
  return true;
}

// A count: digits ("3"), a decimal ("1.5", "1,5") or a number word.
std::optional<double> number(const std::string& w) {
  if (!w.empty() && w.size() <= 3 && std::all_of(w.begin(), w.end(), ::isdigit)) return std::stoi(w);
  if (w.size() >= 3 && w.size() <= 6) {
    auto sep = w.find_first_of(".,");
    if (sep != std::string::npos && sep > 0 && sep + 1 < w.size() && w.find_first_of(".,", sep + 1) == std::string::npos &&
        std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ','; })) {
      std::string dotted = w;
      dotted[sep] = '.';
      return std::stod(dotted);
    }
  }
  const auto& words = TableInUse<TimeWords>::get().numbers;
  if (auto it = words.find(w); it != words.end()) return it->second;
  return std::nullopt;
}

// Unit of a duration word, in milliseconds.
std::optional<TimeMs> unit(const std::string& w) {
  if (is(w, Grammar::minutes)) return 60'000;
  if (is(w, Grammar::hours)) return 3'600'000;
  if (is(w, Grammar::days)) return 86'400'000;
  return std::nullopt;
}

std::optional<std::pair<int, int>> clock(const std::string& w) {
  auto colon = w.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || w.size() - colon != 3) return std::nullopt;
  int h = std::stoi(w.substr(0, colon));
  int m = std::stoi(w.substr(colon + 1));
  if (h > 23 || m > 59) return std::nullopt;
  return std::make_pair(h, m);
}

int weekday_of(const std::string& w) {  // 0 = Sunday; -1 none
  for (const auto& [name, day] : TableInUse<TimeWords>::get().weekdays)
    if (name.matches(w)) return day;
  return -1;
}

int month_of(const std::string& w) {
  for (const auto& [name, month] : TableInUse<TimeWords>::get().months)
    if (name.matches(w)) return month;
  return 0;
}

constexpr TimeMs kDay = 86'400'000;
constexpr TimeMs kEndOfDay = kDay - 1000;  // 23:59:59

}  // namespace

std::optional<TimeMs> find_promise(std::string_view text, TimeMs sent, const std::string& time_zone, std::string* words) {
  const TableInUse<TimeWords> in_use;
  std::string folded = fold_utf8_icu(text.substr(0, std::min<std::size_t>(text.size(), 20000)), kFoldCaseOnly);
  std::vector<std::string> t = promise_words(folded);
  ZoneClock lc(time_zone);
  auto said = [&](std::size_t from, std::size_t to) {
    if (words == nullptr) return;
    words->clear();
    for (std::size_t k = from; k < to && k < t.size(); ++k) *words += (k > from ? " " : "") + t[k];
  };
  auto clock_after = [&](std::size_t i, std::size_t* end) -> std::optional<std::pair<int, int>> {
    for (std::size_t k = i; k < t.size() && k < i + 4; ++k)
      if (auto c = clock(t[k])) {
        *end = k + 1;
        return c;
      }
    return std::nullopt;
  };
  auto at_clock = [&](int days, std::pair<int, int> hm) {
    return lc.day_start(sent, days) + (hm.first * 3600 + hm.second * 60) * 1000LL;
  };
  // A day number at token d, with the month after it when there is one ("20 November", "23 de
  // noviembre"); without one, this month's day, or the next month's when it has passed.
  auto day_of_month = [&](std::size_t d, std::size_t* end) -> std::optional<TimeMs> {
    const std::string& dw = t[d];
    if (dw.empty() || dw.size() > 2 || !std::all_of(dw.begin(), dw.end(), ::isdigit)) return std::nullopt;
    int dn = std::stoi(dw);
    if (dn < 1 || dn > 31) return std::nullopt;
    std::size_t k = d + 1;
    if (k < t.size() && is(t[k], Grammar::date_joiner)) ++k;
    int y = lc.year(sent);
    if (k < t.size())
      if (int m = month_of(t[k]); m > 0) {
        auto day = lc.date(y, m, dn);
        if (day && *day + kEndOfDay < sent) day = lc.date(y + 1, m, dn);
        if (day) *end = k + 1;
        return day;
      }
    // This month (its number from the local calendar), or the next.
    for (int ahead = 0; ahead <= 1; ++ahead) {
      TimeMs probe = lc.day_start(sent, 0);
      int month = lc.month(probe) + ahead, year = y;
      if (month > 12) month -= 12, ++year;
      if (auto day = lc.date(year, month, dn); day && *day + kEndOfDay >= sent) {
        *end = d + 1;
        return day;
      }
    }
    return std::nullopt;
  };

  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::string& w = t[i];
    // A duration: trigger, [next], N, unit.
    if (is(w, Grammar::duration_opener)) {
      std::size_t k = i + 1;
      while (k < t.size() && k < i + 5 &&
             is(t[k], Grammar::duration_filler))
        ++k;
      if (k < t.size() && k == i + 1 && is(w, Grammar::duration_opener_unit)) {  // "в течение часа/дня"
        if (auto u = unit(t[k])) {
          said(i, k + 1);
          return sent + *u;
        }
      }
      // A range ("3 to 5 days", "de 3 a 5 días", "3–5 дней") promises its upper end.
      if (k + 2 < t.size() && number(t[k]) && is(t[k + 1], Grammar::range_joiner) && number(t[k + 2]))
        k += 2;
      else if (k + 2 < t.size() && number(t[k]) && number(t[k + 1]) && unit(t[k + 2]))  // "3-5 days"
        ++k;
      // "a couple of hours", "un par de horas": the count is the second word, "of" before the unit.
      if (k + 2 < t.size() && is(t[k], Grammar::couple_article) && is(t[k + 1], Grammar::couple)) ++k;
      if (k + 1 < t.size()) {
        auto n = number(t[k]);
        // "5 working days", "3 días laborables", "3 рабочих дней".
        std::size_t ku = k + 1;
        if (ku + 1 < t.size() && is(t[k], Grammar::couple) && is(t[ku], Grammar::couple_of)) ++ku;
        if (ku + 1 < t.size() && is(t[ku], Grammar::unit_qualifier)) ++ku;
        auto u = unit(t[ku]);
        if (n && u && *n > 0) {
          said(i, ku + 1);
          return sent + static_cast<TimeMs>(*n * static_cast<double>(*u));
        }
      }
    }
    // The idioms that name a time ("this evening", "a primera hora", "до конца месяца"): the first
    // whose last said word is this one, unless an exception of its section matches here.
    {
      const auto& idioms = TableInUse<TimeWords>::get().idioms;
      std::array<bool, std::size(kMeaningSections)> barred{};
      for (const auto& idiom : idioms)
        if (idiom.exception && matches(idiom, t, i)) barred[static_cast<std::size_t>(idiom.meaning)] = true;
      for (const auto& idiom : idioms) {
        if (idiom.exception || barred[static_cast<std::size_t>(idiom.meaning)] || !matches(idiom, t, i)) continue;
        const std::size_t from = i + 1 - (idiom.said_to - idiom.said_from);
        switch (idiom.meaning) {
          case Meaning::today: {  // the end of today, or the clock time after it
            std::size_t end = i + 1;
            if (auto hm = clock_after(i + 1, &end)) {
              said(i, end);
              TimeMs at = at_clock(0, *hm);
              return at > sent ? at : at + kDay;
            }
            said(from, i + 1);
            return lc.day_start(sent, 0) + kEndOfDay;
          }
          case Meaning::today_end:
            said(from, i + 1);
            return lc.day_start(sent, 0) + kEndOfDay;
          case Meaning::noon: {  // 12:00 today, or tomorrow when past
            said(from, i + 1);
            const TimeMs noon = at_clock(0, {12, 0});
            return noon > sent ? noon : noon + kDay;
          }
          case Meaning::next_morning:  // 12:00 tomorrow at the latest
            said(from, i + 1);
            return at_clock(1, {12, 0});
          case Meaning::week_end:  // this week's Sunday
            said(from, i + 1);
            return lc.day_start(sent, (7 - lc.weekday(sent)) % 7) + kEndOfDay;
          case Meaning::next_week_end:  // next week's Sunday: a promise "next week" is kept by its end
            said(from, i + 1);
            return lc.day_start(sent, (7 - lc.weekday(sent)) % 7 + 7) + kEndOfDay;
          case Meaning::month_end: {  // the second before the next month's first day
            int y = lc.year(sent), m = lc.month(sent) + 1;
            if (m > 12) m = 1, ++y;
            if (auto first = lc.date(y, m, 1)) {
              said(from, i + 1);
              return *first - 1000;
            }
            break;
          }
        }
      }
    }
    // Tomorrow [at HH:MM].
    if (is(w, Grammar::tomorrow)) {
      std::size_t end = i + 1;
      if (auto hm = clock_after(i + 1, &end)) {
        said(i, end);
        return at_clock(1, *hm);
      }
      said(i, i + 1);
      return lc.day_start(sent, 1) + kEndOfDay;
    }
    // By HH:MM (today, or tomorrow when already past).
    if (auto hm = clock(w); hm && i > 0 && is(t[i - 1], Grammar::clock_preposition)) {
      said(i - 1, i + 1);
      TimeMs at = at_clock(0, *hm);
      return at > sent ? at : at + kDay;
    }
    // A weekday, and the date that may follow it ("Friday 20 November", "el lunes 23").
    if (int wd = weekday_of(w); wd >= 0 && i > 0 &&
        is(t[i - 1], Grammar::weekday_preposition)) {
      std::size_t d = i + 1;
      if (d < t.size() && is(t[d], Grammar::date_joiner)) ++d;
      if (d < t.size()) {
        std::size_t end = d;
        if (auto day = day_of_month(d, &end)) {
          said(i - 1, end);
          return *day + kEndOfDay;
        }
      }
      int today = lc.weekday(sent);
      int ahead = (wd - today + 7) % 7;
      if (ahead == 0) ahead = 7;
      std::size_t end = i + 1;
      if (auto hm = clock_after(i + 1, &end)) {
        said(i - 1, end);
        return at_clock(ahead, *hm);
      }
      said(i - 1, i + 1);
      return lc.day_start(sent, ahead) + kEndOfDay;
    }
    // "el día 10", "antes del día 10", "до 10 числа": a day of this month, or of the next when it has passed.
    if ((is(w, Grammar::day_of_month) && i > 0 && is(t[i - 1], Grammar::day_of_month_article)) && i + 1 < t.size()) {
      if (auto dn = number(t[i + 1]); dn && *dn >= 1 && *dn <= 31 && *dn == static_cast<int>(*dn)) {
        std::size_t end = i + 2;
        if (auto day = day_of_month(i + 1, &end)) {
          said(i - 1, end);
          return *day + kEndOfDay;
        }
      }
    }
    // DD.MM.YYYY, or DD.MM after a word that asks for a date ("by 20.11", "до 20.11"); never a
    // number the text calls a version ("version 2.3") or one with more parts ("10.2.3.4").
    if (w.find('.') != std::string::npos && std::isdigit(static_cast<unsigned char>(w[0])) &&
        std::count(w.begin(), w.end(), '.') <= 2 && !(i > 0 && version_word(t[i - 1]))) {
      int d = 0, m = 0, y = 0;
      char dot1 = 0, dot2 = 0;
      int n = std::sscanf(w.c_str(), "%d%c%d%c%d", &d, &dot1, &m, &dot2, &y);
      bool dated = n == 5 || (n == 3 && i > 0 && is(t[i - 1], Grammar::date_preposition));
      if (dated && dot1 == '.' && (n == 3 || dot2 == '.') && d >= 1 && d <= 31 && m >= 1 && m <= 12 &&
          (n == 3 || y >= 2000 || (y >= 20 && y < 100))) {
        if (n == 3) y = lc.year(sent);
        if (y < 100) y += 2000;
        if (auto day = lc.date(y, m, d)) {
          said(i, i + 1);
          if (n == 3 && *day + kEndOfDay < sent) day = lc.date(y + 1, m, d);
          return *day + kEndOfDay;
        }
      }
    }
    // 25 November / 25 de noviembre / 25 ноября / November 25
    if (auto dn = number(w); dn && w.size() <= 2 && std::isdigit(static_cast<unsigned char>(w[0])) && *dn >= 1 && *dn <= 31) {
      std::size_t k = i + 1;
      if (k < t.size() && is(t[k], Grammar::date_joiner)) ++k;
      if (k < t.size()) {
        if (int m = month_of(t[k]); m > 0) {
          int y = lc.year(sent);
          auto day = lc.date(y, m, static_cast<int>(*dn));
          if (day && *day + kEndOfDay < sent) day = lc.date(y + 1, m, static_cast<int>(*dn));
          if (day) {
            said(i, k + 1);
            return *day + kEndOfDay;
          }
        }
      }
    }
  }
  return std::nullopt;
}

bool names_a_time(std::string_view text, TimeMs sent, const std::string& time_zone) {
  const TableInUse<TimeWords> in_use;
  if (find_promise(text, sent, time_zone, nullptr)) return true;
  std::vector<std::string> t = promise_words(fold_utf8_icu(text.substr(0, std::min<std::size_t>(text.size(), 20000)), kFoldCaseOnly));
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (clock(t[i]) || weekday_of(t[i]) >= 0 || month_of(t[i]) > 0) return true;
    // "3 days", "3-5 business days", "3–5 рабочих дней": a count, a word between at most, a unit.
    // Not a rate: "15.000 por día", "$20 per hour", "500 ₽ в сутки".
    if (i + 1 < t.size() && number(t[i]) &&
        (unit(t[i + 1]) || (i + 2 < t.size() && unit(t[i + 2]) && !is(t[i + 1], Grammar::rate))))
      return true;
  }
  return false;
}

void check_promise_tables(const LexData& data) { data.table<TimeWords>(); }

}  // namespace sm
