// Quote splitting, line by line in linear time (no regular expressions). Each line is looked at once
// for what it is (quote depth, Outlook header label) and a bounded number of times more when it may
// start the history. Three kinds of evidence:
//   - lines quoted with ">" (any depth), wherever they stand (top, bottom and inline replies);
//   - a marker after which everything is history: "-----Original Message-----" and its
//     translations, forwarded-message separators, Outlook header blocks (From:/Sent:/To:/Subject:
//     in some 25 languages, with or without the "____" line before them);
//   - an attribution ("On ... wrote:", "El ... escribió:", "... пишет:", "Ana <a@b> 于... 写道：",
//     "---- Ana wrote ----", ...), on one line or wrapped over up to three. When ">" lines follow it,
//     they are the history and the author's lines may follow them (bottom posting, inline replies);
//     when the history follows without ">" marks (Outlook, mobile clients), everything after it is
//     history, which needs a stronger attribution: a date or an address besides the verb.
// The author's sign-off and name above the history stay new text: a wrapped attribution starts at
// the line that looks like its beginning (an opening word such as "On"/"Am"/"Le", a date, an
// address), not at whatever stands above it.
#include "message/quote.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/lexdata.h"

namespace sm {

const char* to_string(QuoteStyle s) {
  switch (s) {
    case QuoteStyle::none: return "none";
    case QuoteStyle::prefix: return "prefix";
    case QuoteStyle::attribution: return "attribution";
    case QuoteStyle::outlook_header: return "outlook_header";
    case QuoteStyle::original_message: return "original_message";
    case QuoteStyle::forward: return "forward";
    case QuoteStyle::attached_message: return "attached_message";
    case QuoteStyle::unmarked: return "unmarked";
  }
  return "none";
}

namespace {

constexpr std::size_t kMaxLine = 1000;       // longer lines are never markers
constexpr std::size_t kMaxAttribution = 400;  // an attribution on one line
constexpr std::size_t kMaxWrappedLine = 300;  // each line of a wrapped attribution
constexpr std::size_t kAttributionLines = 3;  // lines an attribution wraps over at most
constexpr std::size_t kVerbWindow = 200;      // the verb stands in the attribution's last bytes
constexpr std::size_t kHeadWindow = 64;       // bytes of a line where an attribution's date starts
constexpr std::size_t kHeaderWindow = 12;     // lines an Outlook header block spans at most
constexpr std::size_t kMaxLabel = 28;         // bytes of a header label before its colon
constexpr std::size_t kMaxSeparator = 120;    // bytes of a "-----Original Message-----" line

constexpr std::string_view kFullWidthColon = "\xef\xbc\x9a";

// ---------------------------------------------------------------------------------------------
// Characters and lines

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool ascii_alnum(char c) { return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool rule_char(char c) { return c == '-' || c == '_' || c == '=' || c == '*'; }

// Bytes of the blank character that `s` starts (or ends) with, 0 if none: ASCII blanks, NBSP,
// the ideographic space, and the invisible marks HTML mail leaves around text (zero-width space,
// left-to-right and right-to-left marks, narrow NBSP, BOM).
std::size_t blank_at(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return 1;
  if (c == 0xc2 && i + 1 < s.size() && b(i + 1) == 0xa0) return 2;
  if (i + 2 >= s.size()) return 0;
  if (c == 0xe2 && b(i + 1) == 0x80) {
    unsigned char d = b(i + 2);
    if (d == 0x8b || d == 0x8e || d == 0x8f || d == 0xaf) return 3;
  }
  if (c == 0xe3 && b(i + 1) == 0x80 && b(i + 2) == 0x80) return 3;
  if (c == 0xef && b(i + 1) == 0xbb && b(i + 2) == 0xbf) return 3;
  return 0;
}

std::size_t blank_before_end(std::string_view s) {
  if (s.empty()) return 0;
  if (std::size_t n = blank_at(s, s.size() - 1); n == 1) return 1;
  if (s.size() >= 2 && blank_at(s, s.size() - 2) == 2) return 2;
  if (s.size() >= 3 && blank_at(s, s.size() - 3) == 3) return 3;
  return 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty()) {
    std::size_t n = blank_at(s, 0);
    if (n == 0) break;
    s.remove_prefix(n);
  }
  while (!s.empty()) {
    std::size_t n = blank_before_end(s);
    if (n == 0) break;
    s.remove_suffix(n);
  }
  return s;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// Appends `s` lower-cased to `out`: ASCII byte by byte, other characters by ICU's simple case
// mapping (one property lookup each, no allocation beyond the growth of `out`). Malformed bytes
// are copied as they are. `s` is bounded by the callers (kMaxLine).
void append_lower(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      char c = static_cast<char>(p[i++]);
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      continue;
    }
    std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      out.append(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
      continue;
    }
    std::uint8_t buf[U8_MAX_LENGTH];
    std::int32_t len = 0;
    U8_APPEND_UNSAFE(buf, len, u_tolower(c));  // a code point takes at most U8_MAX_LENGTH bytes
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
}

// Quote depth of a line ("> > x" and ">>x" are 2), its text without the markers, and (`outer`)
// its text without the first marker only, as the history quoted it ("> x" of ">> x").
// Bytes of the initials that stand before a ">" in The Bat!'s and some Usenet clients' quoting
// ("PO> text", "АС> текст"): one to three capital letters, Latin or Cyrillic, right before it;
// 0 when there are none.
std::size_t initials_before_mark(std::string_view line, std::size_t i) {
  std::size_t k = i;
  for (int letters = 0; letters < 3 && k < line.size(); ++letters) {
    const auto c = static_cast<unsigned char>(line[k]);
    if (c >= 'A' && c <= 'Z') {
      ++k;
    } else if (c == 0xd0 && k + 1 < line.size() &&
               ((static_cast<unsigned char>(line[k + 1]) >= 0x90 && static_cast<unsigned char>(line[k + 1]) <= 0xaf) ||
                static_cast<unsigned char>(line[k + 1]) == 0x81)) {
      k += 2;
    } else {
      break;
    }
  }
  return k > i && k < line.size() && line[k] == '>' ? k - i : 0;
}

// A "|" that marks a quoted line ("| text", "|text"): not a table's row, which ends with one too.
bool pipe_mark(std::string_view line, std::size_t i) {
  if (i >= line.size() || line[i] != '|') return false;
  std::size_t end = line.size();
  while (end > i + 1 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
  return end == i + 1 || line[end - 1] != '|';
}

int quote_depth(std::string_view line, std::string_view* rest, std::string_view* outer = nullptr) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && i < 4) ++i;
  int depth = 0;
  if (std::size_t n = initials_before_mark(line, i); n > 0) i += n;  // "PO> text"
  while (i < line.size() && (line[i] == '>' || pipe_mark(line, i))) {
    ++depth;
    ++i;
    if (depth == 1 && i < line.size() && line[i] == ' ' && outer != nullptr) *outer = line.substr(i + 1);
    else if (depth == 1 && outer != nullptr) *outer = line.substr(i);
    while (i < line.size() && line[i] == ' ') ++i;
  }
  if (rest != nullptr) *rest = depth > 0 ? line.substr(i) : line;
  if (outer != nullptr && depth == 0) *outer = line;
  return depth;
}

// Whether `f(i, j)` holds for a number of `s`: a run of ASCII digits, s[i, j), taken whole, in
// order.
template <class F>
bool any_number(std::string_view s, F f) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ascii_digit(s[i]) || (i > 0 && ascii_digit(s[i - 1]))) continue;
    std::size_t j = i;
    while (j < s.size() && ascii_digit(s[j])) ++j;
    if (f(i, j)) return true;
    i = j - 1;
  }
  return false;
}

// A date or a time somewhere in `s`: "09:14", "2026", "03.11.2026", "3/11/26", "2026-11-03",
// "2026年". A year is four digits from 1900 to 2099 standing alone.
bool dated(std::string_view s) {
  auto dig = [&](std::size_t k) { return k < s.size() && ascii_digit(s[k]); };
  return any_number(s, [&](std::size_t i, std::size_t j) {
    const std::size_t run = j - i;
    if (run == 4 && ((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0'))) return true;
    if (run <= 2 && j < s.size()) {
      const char sep = s[j];
      if (sep == ':' && dig(j + 1) && dig(j + 2) && !dig(j + 3)) return true;
      if (sep == '.' || sep == '/' || sep == '-') {
        std::size_t k = j + 1;
        while (dig(k)) ++k;
        if (k > j + 1 && k - (j + 1) <= 2 && k < s.size() && s[k] == sep && dig(k + 1)) return true;
      }
    }
    return false;
  });
}

// A time of day in `s`: "9:14", "09:14:08", or the Nordic "klo 9.14" / "kl. 09.14".
bool timed(std::string_view s) {
  auto dig = [&](std::size_t k) { return k < s.size() && ascii_digit(s[k]); };
  for (std::size_t i = 0; i + 3 < s.size(); ++i) {
    if (!dig(i) || (i > 0 && dig(i - 1))) continue;
    const std::size_t j = dig(i + 1) ? i + 2 : i + 1;
    if (j >= s.size() || !dig(j + 1) || !dig(j + 2) || dig(j + 3)) continue;
    if (s[j] == ':') return true;
    if (s[j] == '.') {
      std::string_view before = s.substr(0, i);
      if (before.ends_with("klo ") || before.ends_with("kl. ") || before.ends_with("kl ")) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Tables, from the lexicon directory's shared folder (conf/lexicons/all/, base/lexdata.h). Every
// entry but the number signs is lower case, compared with the lower-cased text.

// The labels of Outlook's header block.
enum class Label : std::uint8_t { none = 0, from = 1, sent = 2, to = 4, cc = 8, subject = 16, unknown = 255 };

// The verbs of attribution lines. `word`: the verb starts a word (not "décrit", "beschrieb");
// scripts without spaces (Chinese, Japanese, Korean) glue it to the name or address.
struct Verb {
  std::string text;
  bool word;
};

struct QuoteWords {
  std::vector<std::string> original;       // "-----Original Message-----" and its translations
  std::vector<std::string> forward;        // "---------- Forwarded message ---------"
  std::vector<std::string> forward_intro;  // Apple Mail's "Begin forwarded message:", without its colon
  std::unordered_map<std::string, Label> labels;
  std::vector<Verb> verbs;
  // For each first byte, the verbs that start with it (bit i: verbs[i]).
  std::array<std::uint64_t, 256> verbs_by_first_byte{};
  std::vector<std::string> openers;  // words an attribution starts with ("On Tue, ...", "Am 03.11.2026 ...")
  std::vector<std::string> signs;    // number signs of a ticket in a title ("#48211", "№ 48213")

  explicit QuoteWords(const LexData& data) {
    auto words = [&](std::string_view name) {
      std::vector<std::string> out;
      for (const auto& e : data.entries(kSharedLexFolder, name)) out.push_back(e.text);
      return out;
    };
    original = words("original-message");
    forward = words("forward-message");
    forward_intro = words("forward-intro");
    openers = words("attribution-opener");
    signs = words("number-sign");
    if (const LexFile* f = data.file(kSharedLexFolder, "header-label")) {
      static constexpr std::pair<std::string_view, Label> kFields[] = {
          {"from", Label::from}, {"sent", Label::sent}, {"to", Label::to}, {"cc", Label::cc}, {"subject", Label::subject}};
      for (const auto& e : f->entries) {
        const auto* field = std::find_if(std::begin(kFields), std::end(kFields), [&](const auto& k) { return k.first == e.section; });
        if (field == std::end(kFields))
          data.fail(*f, e.line, "\"" + e.section + "\" is not a header field (from, sent, to, cc, subject)");
        if (!labels.emplace(e.text, field->second).second) data.fail(*f, e.line, "\"" + e.text + "\" is labelled twice");
      }
    }
    if (const LexFile* f = data.file(kSharedLexFolder, "attribution-verb")) {
      for (const auto& e : f->entries) {
        const bool glued = e.text.front() == '*';
        std::string text = glued ? e.text.substr(1) : e.text;
        if (text.empty()) data.fail(*f, e.line, "a verb is missing");
        if (verbs.size() == 64) data.fail(*f, e.line, "more than 64 verbs");
        verbs_by_first_byte[static_cast<unsigned char>(text[0])] |= std::uint64_t{1} << verbs.size();
        verbs.push_back({std::move(text), !glued});
      }
    }
  }
};

// The tables of the split in progress on this thread.
using QuoteWordsInUse = TableInUse<QuoteWords>;
const QuoteWords& quote_words() { return QuoteWordsInUse::get(); }

// ---------------------------------------------------------------------------------------------
// What one line is

struct Line {
  std::string_view raw;           // as written
  std::uint32_t text_at = 0;      // the trimmed text (unquoted lines only) within raw
  std::uint32_t text_size = 0;
  std::uint32_t rest_at = 0;      // the text after the ">" markers within raw
  std::uint32_t outer_at = 0;     // the text after the first ">" marker within raw
  bool quoted = false;            // has ">" markers
  mutable Label label = Label::unknown;  // an Outlook header label starts it (looked up once, when needed)

  std::string_view text() const { return raw.substr(text_at, text_size); }
  std::string_view rest() const { return raw.substr(rest_at); }
  std::string_view outer() const { return raw.substr(outer_at); }
};

// "Label:", "Label :", "*Label:*", "Label：" at the start of a line, from the header labels.
Label label_of(std::string_view t, std::string& buf) {
  if (t.empty() || ascii_digit(t[0]) || t[0] == '>' || t[0] == '-') return Label::none;
  const std::string_view window = t.substr(0, std::min(t.size(), kMaxLabel + 4));
  std::size_t colon = window.find(':');
  for (std::size_t w = window.find(kFullWidthColon[0]); w < colon && w != std::string_view::npos;
       w = window.find(kFullWidthColon[0], w + 1)) {
    if (window.substr(w, kFullWidthColon.size()) == kFullWidthColon) colon = w;
  }
  if (colon == 0 || colon == std::string_view::npos) return Label::none;
  // No label has punctuation or more than three spaces ("másolatot kap :").
  int spaces = 0;
  for (char c : window.substr(0, colon))
    if (c == '.' || c == ',' || c == '?' || c == '!' || c == '(' || (c == ' ' && ++spaces > 3)) return Label::none;
  std::string_view head = t.substr(0, colon);
  while (!head.empty() && head.front() == '*') head.remove_prefix(1);
  while (!head.empty() && head.back() == '*') head.remove_suffix(1);
  head = trim(head);
  if (head.empty() || head.size() > kMaxLabel) return Label::none;
  buf.clear();
  append_lower(buf, head);
  const auto it = quote_words().labels.find(buf);
  return it != quote_words().labels.end() ? it->second : Label::none;
}

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t count = 1;
  for (std::size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', nl + 1)) ++count;
  lines.reserve(count);
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    Line l;
    l.raw = text.substr(pos, nl - pos);
    std::string_view rest, outer;
    l.quoted = quote_depth(l.raw, &rest, &outer) > 0;
    // Offsets past 4 GiB would not fit; such a line is neither a marker nor worth the split.
    if (l.raw.size() <= UINT32_MAX) {
      l.rest_at = static_cast<std::uint32_t>(rest.data() - l.raw.data());
      l.outer_at = static_cast<std::uint32_t>(outer.data() - l.raw.data());
      if (!l.quoted) {
        std::string_view t = trim(l.raw);
        l.text_at = static_cast<std::uint32_t>(t.data() - l.raw.data());
        l.text_size = static_cast<std::uint32_t>(t.size());
      }
    }
    lines.push_back(l);
    pos = nl + 1;
  }
  return lines;
}

// The label of an unquoted line, looked up the first time it is asked for.
Label label(const Line& l, std::string& buf) {
  if (l.label == Label::unknown) l.label = l.quoted || l.text_size > kMaxLine ? Label::none : label_of(l.text(), buf);
  return l.label;
}

bool blank(const Line& l) { return !l.quoted && l.text_size == 0; }

// ---------------------------------------------------------------------------------------------
// Markers

struct Marker {
  std::size_t line;       // first line of the history
  std::size_t lines = 1;  // lines the marker itself takes (an attribution may wrap)
  QuoteStyle style = QuoteStyle::none;
  bool interleaved = false;  // ">" lines follow: the author's own lines may come after them
  bool helpdesk = false;     // a help desk's drawn line over a dated comment
};

// The text between two runs of at least two rule characters ("-----Original Message-----",
// "------------------ 原始邮件 ------------------"); empty when `t` is not so framed.
std::string_view framed_inner(std::string_view t) {
  std::size_t a = 0;
  while (a < t.size() && rule_char(t[a])) ++a;
  std::size_t b = t.size();
  while (b > a && rule_char(t[b - 1])) --b;
  if (a < 2 || t.size() - b < 2 || a >= b) return {};
  return trim(t.substr(a, b - a));
}

bool ends_with_colon(std::string_view t) {
  return !t.empty() && (t.back() == ':' || t.ends_with(kFullWidthColon));
}

std::string_view without_colon(std::string_view t) {
  if (t.ends_with(kFullWidthColon)) t.remove_suffix(kFullWidthColon.size());
  else if (!t.empty() && t.back() == ':') t.remove_suffix(1);
  return trim(t);
}

std::optional<QuoteStyle> separator_style(std::string_view t, std::string& buf) {
  if (t.size() > kMaxSeparator) return std::nullopt;
  if (std::string_view inner = framed_inner(t); !inner.empty()) {
    buf.clear();
    append_lower(buf, inner);
    for (const auto& o : quote_words().original)
      if (buf == o) return QuoteStyle::original_message;
    for (const auto& f : quote_words().forward)
      if (buf == f) return QuoteStyle::forward;
    return std::nullopt;
  }
  if (!ends_with_colon(t)) return std::nullopt;
  buf.clear();
  append_lower(buf, without_colon(t));
  for (const auto& f : quote_words().forward_intro)
    if (buf == f) return QuoteStyle::forward;
  return std::nullopt;
}

// An Outlook header block starts at line i: labelled lines that together hold a sender, a date
// and a recipient or subject, within a few lines. Lines without a label (a wrapped recipient
// list) and single blank lines may stand between them. It starts with the sender unless a rule
// line stands above it (old Hotmail and webmails put "Date:" first after their <hr>): a
// delivery schedule written as "Date: / From: / To:" is the author's text.
bool header_block_at(const std::vector<Line>& lines, std::size_t i, std::string& buf, bool after_rule) {
  const Label first = label(lines[i], buf);
  if (first == Label::none || (!after_rule && first != Label::from)) return false;
  unsigned seen = 0;
  int unlabelled = 0;
  int blanks = 0;
  for (std::size_t k = i; k < lines.size() && k < i + kHeaderWindow; ++k) {
    const Line& l = lines[k];
    if (l.quoted) break;
    if (l.text_size == 0) {
      if (++blanks > 1) break;
      continue;
    }
    blanks = 0;
    const Label kind = label(l, buf);
    if (kind == Label::none) {
      if (++unlabelled > 2) break;
      continue;
    }
    seen |= static_cast<unsigned>(kind);
    const bool from = (seen & static_cast<unsigned>(Label::from)) != 0;
    const bool sent = (seen & static_cast<unsigned>(Label::sent)) != 0;
    const bool to = (seen & (static_cast<unsigned>(Label::to) | static_cast<unsigned>(Label::subject))) != 0;
    if (from && sent && to) return true;
  }
  return false;
}

// A line drawn across: ten or more of one rule character ("-----", "_____", "=====").
bool drawn_rule(std::string_view t) {
  return t.size() >= 10 && rule_char(t[0]) && t.find_first_not_of(t[0]) == std::string_view::npos;
}

std::size_t words_in(std::string_view t) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size(); ++i) n += t[i] != ' ' && (i == 0 || t[i - 1] == ' ');
  return n;
}

// A help desk's history below a drawn line at line i: within a few short lines (a title such as
// "Ticket #48211 conversation history", the author's name), a line that dates a message with a
// date and a time in a few words ("Nov 24, 2026, 08:32 GMT", "Ana Ruiz, 3 nov. 2026 09:14").
// A number sign and digits in a short title: "#48211", "№ 48213", "n° 48213", "n.º 48213", "Nr. 4821".
bool numbered_title(std::string_view t) {
  for (const std::string& sign : quote_words().signs)
    for (std::size_t at = t.find(sign); at != std::string_view::npos; at = t.find(sign, at + 1)) {
      std::size_t k = at + sign.size();
      while (k < t.size() && t[k] == ' ') ++k;
      std::size_t digits = 0;
      while (k < t.size() && ascii_digit(t[k])) ++k, ++digits;
      if (digits >= 3) return true;
    }
  return false;
}

// A '.', '?' or '!' ends the line: a sentence, not a title.
bool ends_sentence_mark(std::string_view t) { return !t.empty() && (t.back() == '.' || t.back() == '?' || t.back() == '!'); }

// Within four lines below line i, a line that dates a comment: a date and a time in a few words
// ("04.11.2026 10:12, Ольга Смирнова:"), no Outlook label before it.
bool dated_comment_below(const std::vector<Line>& lines, std::size_t i, std::string& buf) {
  std::size_t seen = 0;
  for (std::size_t k = i + 1; k < lines.size() && seen < 4; ++k) {
    if (blank(lines[k])) continue;
    if (lines[k].quoted || label(lines[k], buf) != Label::none) return false;
    ++seen;
    const std::string_view t = lines[k].text();
    if (t.size() <= 100 && dated(t) && timed(t) && words_in(t) <= 10) return true;
  }
  return false;
}

// An Outlook header block below the line ("From: ... Sent: ...") is not one.
bool helpdesk_history_at(const std::vector<Line>& lines, std::size_t i, std::string& buf) {
  std::size_t seen = 0;
  for (std::size_t k = i + 1; k < lines.size() && seen < 4; ++k) {
    if (blank(lines[k])) continue;
    if (lines[k].quoted) return false;
    // A comment's fields may be labelled ("Дата: 04.11.2026 10:12"); a whole Outlook header
    // block is not a help desk's.
    if (label(lines[k], buf) != Label::none && header_block_at(lines, k, buf, true)) return false;
    ++seen;
    const std::string_view t = lines[k].text();
    if (t.size() > 100) return false;
    const std::size_t words = words_in(t);
    if (dated(t) && timed(t) && words <= 10) return true;
    if (words > 8) return false;
    // The history's title right below the line names the ticket by its number: "Ticket #48211
    // conversation history", "История переписки по обращению №48213", "Historique du ticket n° 48213".
    if (seen == 1 && numbered_title(t)) return true;
  }
  return false;
}

// A help desk's line above the reply ("##- Please type your reply above this line -##"): neither
// the author's words nor history.
bool reply_above_line(std::string_view raw) {
  const std::string_view t = trim(raw);
  return t.size() >= 6 && t.starts_with("##") && t.ends_with("##");
}

bool underscores(std::string_view t) {
  if (t.size() < 10) return false;
  for (char c : t)
    if (c != '_') return false;
  return true;
}

// Where an attribution verb stands in the last kVerbWindow bytes of the lower-cased `s`, and its
// length; npos when none does.
std::pair<std::size_t, std::size_t> find_verb(std::string_view s) {
  const std::size_t from = s.size() > kVerbWindow ? s.size() - kVerbWindow : 0;
  for (std::size_t p = from; p < s.size(); ++p) {
    std::uint64_t cand = quote_words().verbs_by_first_byte[static_cast<unsigned char>(s[p])];
    while (cand != 0) {
      const int i = std::countr_zero(cand);
      cand &= cand - 1;
      const Verb& v = quote_words().verbs[static_cast<std::size_t>(i)];
      if (s.substr(p, v.text.size()) != v.text) continue;
      if (v.word && p > 0) {
        const char before = s[p - 1];
        if (ascii_alnum(before) || static_cast<unsigned char>(before) >= 0x80) continue;
      }
      return {p, v.text.size()};
    }
  }
  return {std::string_view::npos, 0};
}

// Letters (ASCII letters, and characters of other scripts by their lead byte) in `s` outside
// [skip, skip + len): what is left of an attribution besides its verb names someone.
std::size_t letters_outside(std::string_view s, std::size_t skip, std::size_t len) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (skip != std::string_view::npos && i >= skip && i < skip + len) continue;
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xc0) ++n;
  }
  return n;
}

// How much a line looks like the first line of an attribution: 3 when it starts with an opening
// word ("On", "Am", "W dniu", ...); 2 when a date starts it or follows a weekday ("03.11.2026,
// 09:14, ...", "вт, 3 нояб. 2026 г. в 09:14, ..."); 1 when it holds an address; 0 otherwise (a
// sign-off, a name, a phone number, a sentence that mentions a date further on).
int head_strength(std::string_view t, std::string& buf) {
  while (!t.empty() && (rule_char(t.front()) || t.front() == ' ')) t.remove_prefix(1);
  if (t.empty()) return 0;
  std::size_t cut = std::min(t.size(), kHeadWindow);
  while (cut < t.size() && (static_cast<unsigned char>(t[cut]) & 0xc0) == 0x80) ++cut;
  const std::string_view head = t.substr(0, cut);
  buf.clear();
  append_lower(buf, head);
  for (const std::string& o : quote_words().openers) {
    if (!std::string_view(buf).starts_with(o)) continue;
    if (buf.size() == o.size() || buf[o.size()] == ' ' || buf[o.size()] == ',') return 3;
  }
  // A digit within the first three words, and a date near the start.
  int words = 1;
  bool digit = false;
  for (std::size_t i = 0; i < head.size() && words <= 3 && !digit; ++i) {
    if (head[i] == ' ') words += (i > 0 && head[i - 1] != ' ') ? 1 : 0;
    else digit = ascii_digit(head[i]);
  }
  if (digit && dated(head)) return 2;
  if (t[0] == '<' || t[0] == '"' || contains(t, "@")) return 1;
  return 0;
}

// A line that leaves a bracket open ("... Agent-Smith <", "Ana Ruiz (mailto:") goes on in the next.
bool open_bracket(std::string_view t) {
  int depth = 0;
  for (char c : t) {
    if (c == '<' || c == '(' || c == '[') ++depth;
    else if ((c == '>' || c == ')' || c == ']') && depth > 0) --depth;
  }
  return depth > 0;
}

// Buffers reused for every line looked at (no allocation per line once they have grown).
struct Scratch {
  std::string lower;   // a lower-cased label, separator or line start
  std::string joined;  // the lines of an attribution, joined and lower-cased
};

// An attribution that ends at line `end` and starts no earlier than `floor`.
//
// It may be wrapped over up to kAttributionLines lines, so each start from `end` upwards is a
// candidate. A line further up takes the start when the current start names nobody ("wrote:",
// "09:14写道："), when it leaves a bracket open, or when it looks more like the beginning of an
// attribution (head_strength: an opening word or a date) than the current start. So "Kind regards," and "Sam" above an
// attribution stay the author's, and "On Tue, 3 Nov 2026 at 09:14, Ana Ruiz" / "<ana@x>" /
// "wrote:" is one attribution.
std::optional<Marker> attribution_at(const std::vector<Line>& lines, std::size_t end, std::size_t floor,
                                     Scratch& scratch) {
  std::string_view last = lines[end].text();
  bool colon = ends_with_colon(last);
  bool dashed = false;
  if (!colon) {
    // "---- Ana Ruiz wrote ----", "-----On Tue, 3 Nov 2026, Ana <a@b> wrote-----"
    std::size_t b = last.size();
    while (b > 0 && last[b - 1] == '-') --b;
    if (last.size() - b < 2 || b == 0) return std::nullopt;
    last = trim(last.substr(0, b));
    if (last.empty() || rule_char(last.back())) return std::nullopt;
    dashed = true;
  }
  if (last.size() > kMaxAttribution) return std::nullopt;

  // The lines it may span: unquoted, not blank, short.
  std::size_t first = end;
  while (first > floor && end - first + 1 < kAttributionLines) {
    const Line& prev = lines[first - 1];
    if (prev.quoted || prev.text_size == 0 || prev.text_size > kMaxWrappedLine || last.size() > kMaxWrappedLine)
      break;
    --first;
  }

  // What follows: ">" lines (the history is quoted), other text (unquoted history), nothing.
  std::size_t after = end + 1;
  while (after < lines.size() && blank(lines[after])) ++after;
  if (after >= lines.size()) return std::nullopt;
  const bool quoted_after = lines[after].quoted;

  // The spans [s, end] joined with spaces, lower-cased; offsets[s - first] is where line s starts.
  std::string& joined = scratch.joined;
  joined.clear();
  std::array<std::size_t, kAttributionLines> offsets{};
  for (std::size_t s = first; s <= end; ++s) {
    std::string_view t = s == end ? last : lines[s].text();
    while (!t.empty() && (rule_char(t.front()) || t.front() == ' ')) t.remove_prefix(1);
    if (s != first) joined += ' ';
    offsets[s - first] = joined.size();
    append_lower(joined, t);
  }

  std::optional<std::size_t> best;
  int best_head = -1;
  bool best_names = false;
  for (std::size_t s = end + 1; s-- > first;) {
    std::string_view j = std::string_view(joined).substr(offsets[s - first]);
    std::string_view bare = colon ? without_colon(j) : j;
    const auto [verb_at, verb_len] = find_verb(j);
    const bool verb = verb_at != std::string_view::npos;
    const bool at = contains(j, "@");
    const bool date = dated(j);
    const bool address_last = colon && !bare.empty() && (bare.back() == '>' || bare.back() == ']');
    const int head = head_strength(lines[s].text(), scratch.lower);
    bool ok = false;
    if (quoted_after) {
      // A verb, or (Yandex, mail.ru, Japanese Gmail) an address or a date before the colon.
      ok = verb || (colon && (at || (date && contains(j, ","))));
    } else {
      // Everything after it will be history: the verb with an address, dashes around it, or a
      // date at its start and a time ("On 03/11/2026 09:14, Ana wrote:", not "On 2 Nov we
      // wrote:"); without a verb, a date and an address closing the line.
      ok = (verb && (at || dashed || (date && head >= 2 && timed(j)))) || (colon && date && at && address_last);
    }
    if (!ok) continue;
    const bool names = at || letters_outside(bare, verb_at, verb_len) >= 2;
    const bool open = s < end && open_bracket(lines[s].text());
    if (!best || open || !best_names || (head > best_head && head >= 2)) {
      best = s;
      best_head = std::max(head, best_head);
      best_names = names;
    }
  }
  if (!best) return std::nullopt;
  return Marker{*best, end - *best + 1, QuoteStyle::attribution, quoted_after};
}

// A separator or header block at line i whose history is quoted with ">" (Outlook set to prefix
// the original, bottom posting): the marker takes the separator and the header lines, and the
// author's lines may follow the quoted ones. nullopt when the history that follows is not quoted.
std::optional<Marker> quoted_below(const std::vector<Line>& lines, std::size_t i, QuoteStyle style, std::string& buf) {
  std::size_t k = i + 1;
  while (k < lines.size() && k <= i + kHeaderWindow && !lines[k].quoted &&
         (blank(lines[k]) || label(lines[k], buf) != Label::none))
    ++k;
  if (k >= lines.size() || !lines[k].quoted) return std::nullopt;
  return Marker{i, k - i, style, true};
}

// The first marker at or after line `from`.
std::optional<Marker> find_marker(const std::vector<Line>& lines, std::size_t from, Scratch& scratch) {
  for (std::size_t i = from; i < lines.size(); ++i) {
    const Line& l = lines[i];
    std::string_view t = l.text();
    if (l.quoted || t.empty() || t.size() > kMaxLine) continue;
    if (rule_char(t.front()) || ends_with_colon(t)) {
      if (auto s = separator_style(t, scratch.lower)) {
        if (auto below = quoted_below(lines, i, *s, scratch.lower)) return below;
        return Marker{i, 1, *s};
      }
    }
    if (drawn_rule(t) && helpdesk_history_at(lines, i, scratch.lower))
      return Marker{i, 1, QuoteStyle::original_message, false, true};
    // A drawn line over a header block in any order ("Тема: / Дата: / От: / Кому:").
    if (drawn_rule(t) && !underscores(t)) {
      std::size_t k = i + 1;
      while (k < lines.size() && k <= i + 2 && blank(lines[k])) ++k;
      if (k < lines.size() && k <= i + 2 && header_block_at(lines, k, scratch.lower, true)) {
        if (auto below = quoted_below(lines, i, QuoteStyle::outlook_header, scratch.lower)) return below;
        return Marker{i, 1, QuoteStyle::outlook_header};
      }
    }
    // The history's numbered title without a line drawn above it ("История переписки по обращению
    // №48213:"), a dated comment below it.
    if (t.size() <= 100 && words_in(t) <= 10 && numbered_title(t) && !ends_sentence_mark(t) &&
        dated_comment_below(lines, i, scratch.lower))
      return Marker{i, 1, QuoteStyle::original_message, false, true};
    if (underscores(t)) {
      std::size_t k = i + 1;
      while (k < lines.size() && k <= i + 2 && blank(lines[k])) ++k;
      if (k < lines.size() && k <= i + 2) {
        if (header_block_at(lines, k, scratch.lower, true)) {
          if (auto below = quoted_below(lines, i, QuoteStyle::outlook_header, scratch.lower)) return below;
          return Marker{i, 1, QuoteStyle::outlook_header};
        }
        // A rule right above ">" lines (an <hr> before a blockquote) belongs to the history.
        if (lines[k].quoted) return Marker{i, 1, QuoteStyle::prefix, true};
      }
      continue;
    }
    if (header_block_at(lines, i, scratch.lower, false)) {
      if (auto below = quoted_below(lines, i, QuoteStyle::outlook_header, scratch.lower)) return below;
      return Marker{i, 1, QuoteStyle::outlook_header};
    }
    if (ends_with_colon(t) || t.back() == '-') {
      if (auto a = attribution_at(lines, i, from, scratch)) return a;
    }
  }
  return std::nullopt;
}

void append_line(std::string& out, std::string_view line) {
  out.append(line);
  out += '\n';
}

std::string tidy(std::string s) {
  // Trim leading and trailing blank lines, and trailing white space on the whole.
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find('\n', start);
    std::string_view line = std::string_view(s).substr(start, (nl == std::string::npos ? s.size() : nl) - start);
    if (!trim(line).empty()) break;
    if (nl == std::string::npos) {
      start = s.size();
      break;
    }
    start = nl + 1;
  }
  s.erase(0, start);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

// ---------------------------------------------------------------------------------------------
// Answers tagged inside unmarked history

constexpr std::size_t kMaxTag = 48;  // bytes of a "[Anna Vorobyova]" tag

// The name in a tag that opens a line: "[Anna Vorobyova] The plumber comes ...", "[AV]: Yes".
// A tag is one to three words, each opening with a capital letter and holding letters, dots,
// hyphens or apostrophes only, and text follows it. "[cid:image001.png]", "[https://...]",
// "[1]", "[image: logo]" are no tags. Empty when the line opens with none.
std::string_view name_tag(std::string_view t) {
  if (t.size() < 4 || t.front() != '[') return {};
  const std::size_t close = t.find(']');
  if (close == std::string_view::npos || close < 2 || close > kMaxTag) return {};
  const std::string_view inner = t.substr(1, close - 1);
  std::string_view after = t.substr(close + 1);
  if (!after.empty() && after.front() == ':') after.remove_prefix(1);
  if (after.empty() || (after.front() != ' ' && after.front() != '\t') || trim(after).empty()) return {};
  std::size_t words = 0;
  bool word_start = true;
  for (std::int32_t i = 0, n = static_cast<std::int32_t>(inner.size()); i < n;) {
    UChar32 c;
    U8_NEXT(inner.data(), i, n, c);
    if (c < 0) return {};
    if (c == ' ') {
      if (word_start) return {};
      word_start = true;
      continue;
    }
    if (word_start) {
      if (!u_isupper(c)) return {};
      if (++words > 3) return {};
      word_start = false;
      continue;
    }
    if (!u_isalpha(c) && c != '.' && c != '-' && c != '\'') return {};
  }
  return word_start ? std::string_view{} : inner;
}

// Whether the history that follows an unmarked marker holds the author's answers: paragraphs
// opening with the same name tag twice, or once when the tag names the author, whose name stands
// in the words above the history ("[Anna Vorobyova] The plumber comes on Thursday.").
bool tagged_answers(const std::vector<Line>& lines, std::size_t from, std::string_view new_text) {
  std::vector<std::string_view> tags;
  bool para_start = true;
  for (std::size_t k = from; k < lines.size(); ++k) {
    const Line& l = lines[k];
    if (blank(l)) {
      para_start = true;
      continue;
    }
    if (para_start && !l.quoted) {
      const std::string_view tag = name_tag(l.text());
      if (!tag.empty()) {
        if (std::find(tags.begin(), tags.end(), tag) != tags.end()) return true;
        if (contains(new_text, tag)) return true;
        tags.push_back(tag);
      }
    }
    para_start = false;
  }
  return false;
}

}  // namespace

namespace {
bool blank_line(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }
}  // namespace

QuoteSplit split_quotes(std::string_view text) {
  const QuoteWordsInUse in_use;
  QuoteSplit r;
  const std::vector<Line> lines = split_lines(text);
  Scratch scratch;
  std::string new_text;
  std::string quoted;
  bool any_prefix = false;
  std::optional<Marker> first;

  std::size_t i = 0;
  std::optional<Marker> m = find_marker(lines, 0, scratch);
  // A help desk's notice ("Your request (5921) has been updated") puts the newest comment, the one
  // this message sends, first under a drawn line, and the older ones under further lines: with
  // only the notice above the first line, the first comment is the author's.
  if (m && m->helpdesk) {
    std::size_t words = 0;
    for (std::size_t k = 0; k < m->line; ++k)
      if (!lines[k].quoted && !reply_above_line(lines[k].raw)) words += words_in(lines[k].text());
    if (words <= 25) {
      std::optional<Marker> next = find_marker(lines, m->line + 1, scratch);
      if (next && next->helpdesk) {
        for (; i < m->line; ++i)
          if (!lines[i].quoted && !reply_above_line(lines[i].raw)) append_line(new_text, lines[i].raw);
        i = m->line + 1;
        m = next;
      }
    }
  }
  // The author's words under a quoted block, and a quoted block after them: answers written
  // between the quoted parts.
  bool answered_below = false;
  while (true) {
    const std::size_t stop = m ? m->line : lines.size();
    for (; i < stop; ++i) {
      if (lines[i].quoted) {
        any_prefix = true;
        if (answered_below) r.interleaved = true;
        append_line(quoted, lines[i].outer());
      } else {
        if (reply_above_line(lines[i].raw)) continue;
        // The author's words under a quoted line: answers written between the quoted lines.
        if (any_prefix && !blank_line(lines[i].raw)) r.inline_answers = answered_below = true;
        append_line(new_text, lines[i].raw);
      }
    }
    if (!m) break;
    if (!first) first = m;
    for (std::size_t k = m->line; k < m->line + m->lines; ++k) append_line(quoted, lines[k].text());
    i = m->line + m->lines;
    if (!m->interleaved) {
      // Everything after the marker is history; answers tagged with the author's name may stand
      // between its paragraphs.
      if (tagged_answers(lines, i, new_text)) r.inline_answers = r.interleaved = true;
      for (; i < lines.size(); ++i) append_line(quoted, lines[i].outer());
      break;
    }
    // ">" lines are history; the author's lines may follow until another marker.
    m = find_marker(lines, i, scratch);
  }

  if (first) {
    r.style = first->style;
    for (std::size_t k = first->line; k < first->line + first->lines; ++k) {
      if (k != first->line) r.marker += ' ';
      r.marker += lines[k].text();
    }
  } else if (any_prefix) {
    r.style = QuoteStyle::prefix;
  }
  r.new_text = tidy(std::move(new_text));
  r.quoted = tidy(std::move(quoted));
  r.has_quote = r.style != QuoteStyle::none && !r.quoted.empty();
  if (!r.has_quote) {
    r.style = QuoteStyle::none;
    r.inline_answers = false;
    r.interleaved = false;
  }
  return r;
}

namespace {

// A date with its day, not a time alone: a year ("2026"), or day and month in digits ("04.11",
// "11/4").
bool has_day(std::string_view t) {
  return any_number(t, [&](std::size_t i, std::size_t j) {
    if (j - i == 4 && (t[i] == '1' || t[i] == '2') && (t[i + 1] == '9' || t[i + 1] == '0')) return true;
    return j - i <= 2 && j + 1 < t.size() && (t[j] == '.' || t[j] == '/') && ascii_digit(t[j + 1]);
  });
}

// A line that heads a message in a history: a header field ("Дата: ..."), a line that dates it
// with day and time ("Laura Bennett, 09.11.2026 08:02"), a help desk's line above the reply.
bool head_line(const Line& l, std::string& buf) {
  const std::string_view t = l.text();
  if (t.empty() || t.size() > 200) return false;
  if (reply_above_line(l.raw) || label(l, buf) != Label::none) return true;
  return dated(t) && timed(t) && has_day(t) && words_in(t) <= 12;
}

}  // namespace

QuoteSplit split_unmarked(std::string_view text, const std::vector<std::size_t>& found_from, std::size_t sketch_size) {
  const QuoteWordsInUse in_use;
  QuoteSplit r;
  const std::vector<Line> lines = split_lines(text);
  const std::size_t n = lines.size();
  if (sketch_size == 0 || found_from.size() != n) return r;
  const std::size_t total = found_from[0];
  if (total * 2 < sketch_size) return r;
  auto contributes = [&](std::size_t i) { return found_from[i] > (i + 1 < n ? found_from[i + 1] : 0); };
  auto para_start = [&](std::size_t i) {
    while (i > 0 && !blank(lines[i - 1])) --i;
    return i;
  };
  auto para_end = [&](std::size_t i) {  // one past the paragraph's last line
    while (i < n && !blank(lines[i])) ++i;
    return i;
  };
  auto hit_in = [&](std::size_t s, std::size_t e) {
    for (std::size_t i = s; i < e; ++i)
      if (contributes(i)) return true;
    return false;
  };
  auto words_of = [&](std::size_t s, std::size_t e) {
    std::size_t w = 0;
    for (std::size_t i = s; i < e; ++i) w += words_in(lines[i].text());
    return w;
  };
  // The previous paragraph above line i: [start, end), or nothing.
  auto above = [&](std::size_t i) -> std::optional<std::pair<std::size_t, std::size_t>> {
    std::size_t e = i;
    while (e > 0 && blank(lines[e - 1])) --e;
    if (e == 0) return std::nullopt;
    return std::pair{para_start(e - 1), e};
  };

  // A line inside the copy: the last from which four fifths of what the text holds still follow
  // (a phrase of the customer's the author repeats above does not move it).
  std::size_t k = 0;
  while (k + 1 < n && found_from[k + 1] * 5 >= total * 4) ++k;
  // The copy's first paragraph: up from k, paragraphs that hold its fingerprints, and short ones
  // between them ("Спасибо!", a name).
  std::size_t first = para_start(k);
  while (auto p = above(first)) {
    if (hit_in(p->first, p->second)) {
      first = p->first;
      continue;
    }
    if (words_of(p->first, p->second) > 3) break;
    auto q = above(p->first);
    if (!q || !hit_in(q->first, q->second)) break;
    first = q->first;
  }

  // Its head: a drawn or framed line right above it (at most two lines between), else the lines
  // that date or address it.
  Scratch scratch;
  std::size_t start = first;
  {
    std::size_t seen = 0;
    for (std::size_t i = first; i-- > 0 && seen < 3;) {
      if (blank(lines[i])) continue;
      ++seen;
      const std::string_view t = lines[i].text();
      if (drawn_rule(t) || underscores(t) || !framed_inner(t).empty()) {
        start = i;
        break;
      }
    }
    if (start == first) {
      for (std::size_t i = first; i-- > 0;) {
        if (blank(lines[i])) continue;
        if (!head_line(lines[i], scratch.lower)) break;
        start = i;
      }
    }
  }

  // Words above the copy are the author's reply over it; with none, the author wrote below it,
  // and the copy ends with its last fingerprint's paragraph and a short signature after it.
  std::size_t end = n;
  bool below = false;
  if (words_of(0, start) == 0) {
    std::size_t last = start;
    for (std::size_t i = start; i < n; ++i)
      if (contributes(i)) last = i;
    end = para_end(last);
    std::size_t next = end;
    while (next < n && blank(lines[next])) ++next;
    if (next < n && words_of(next, para_end(next)) <= 3) end = para_end(next);
    below = words_of(end, n) > 0;
  }

  std::string new_text, quoted;
  for (std::size_t i = 0; i < start; ++i) append_line(new_text, lines[i].raw);
  for (std::size_t i = start; i < end; ++i) append_line(quoted, lines[i].raw);
  for (std::size_t i = end; i < n; ++i) append_line(new_text, lines[i].raw);
  r.new_text = tidy(std::move(new_text));
  r.quoted = tidy(std::move(quoted));
  r.has_quote = !r.quoted.empty();
  if (!r.has_quote) return QuoteSplit{};
  r.style = QuoteStyle::unmarked;
  if (start != first || head_line(lines[start], scratch.lower)) r.marker = std::string(lines[start].text());
  r.inline_answers = below;
  return r;
}

void check_quote_tables(const LexData& data) { data.table<QuoteWords>(); }

}  // namespace sm
