// Reply and forward prefixes. A prefix is a known word, optionally numbered ("Re[2]", "Re(3)",
// "Re^2"), then a colon (ASCII or full-width, optionally after a space as French writes "Réf :").
// One-letter prefixes (R, I) count only with their colon right after them. Tags such as
// "[Ticket #123]" belong to the base subject.
#include "message/subject.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "base/fold.h"
#include "base/lexdata.h"
#include "base/unicode.h"

namespace sm {

namespace {

// The known prefixes (conf/lexicons/all/reply-prefix.txt), lower case; compared after lower-casing
// the candidate with ICU.
struct ReplyPrefixes {
  std::vector<std::string> words;
  explicit ReplyPrefixes(const LexData& data) {
    for (const auto& e : data.entries(kSharedLexFolder, "reply-prefix")) words.push_back(e.text);
  }
};

bool is_space(std::string_view s, std::size_t i, std::size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t') {
    *len = 1;
    return true;
  }
  if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xa0) {  // NBSP
    *len = 2;
    return true;
  }
  return false;
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  std::size_t len = 0;
  while (i < s.size() && is_space(s, i, &len)) i += len;
  return i;
}

// If a prefix starts at i, returns the index after it (and after following white space).
std::size_t prefix_at(std::string_view s, std::size_t i, const ReplyPrefixes& prefixes) {
  // The word: letters up to a colon, bracket, caret, space or digit.
  std::size_t j = i;
  while (j < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[j]);
    if (c == ':' || c == '[' || c == '(' || c == '^' || c == ' ' || c == '\t' || std::isdigit(c)) break;
    if (c == 0xef && j + 2 < s.size() && static_cast<unsigned char>(s[j + 1]) == 0xbc &&
        static_cast<unsigned char>(s[j + 2]) == 0x9a)
      break;  // full-width colon
    if (j - i > 24) return std::string_view::npos;
    ++j;
  }
  if (j == i) return std::string_view::npos;
  std::string word = lower_utf8(s.substr(i, j - i));
  bool known = false;
  for (const std::string& p : prefixes.words) known = known || word == p;
  if (!known) return std::string_view::npos;
  const bool one_letter = word.size() == 1;
  std::size_t k = j;
  // Counters: [2], (3), ^2
  if (k < s.size() && (s[k] == '[' || s[k] == '(')) {
    char close = s[k] == '[' ? ']' : ')';
    std::size_t m = k + 1;
    while (m < s.size() && std::isdigit(static_cast<unsigned char>(s[m])) && m - k < 6) ++m;
    if (m == k + 1 || m >= s.size() || s[m] != close) return std::string_view::npos;
    k = m + 1;
  } else if (k < s.size() && s[k] == '^') {
    std::size_t m = k + 1;
    while (m < s.size() && std::isdigit(static_cast<unsigned char>(s[m])) && m - k < 6) ++m;
    if (m == k + 1) return std::string_view::npos;
    k = m;
  }
  std::size_t before_colon = k;
  if (!one_letter) k = skip_spaces(s, k);  // "Réf :"
  if (k < s.size() && s[k] == ':') {
    ++k;
  } else if (k + 2 < s.size() && static_cast<unsigned char>(s[k]) == 0xef &&
             static_cast<unsigned char>(s[k + 1]) == 0xbc && static_cast<unsigned char>(s[k + 2]) == 0x9a) {
    k += 3;
  } else {
    return std::string_view::npos;
  }
  if (one_letter && before_colon != j) return std::string_view::npos;
  return skip_spaces(s, k);
}

}  // namespace

void check_subject_tables(const LexData& data) { data.table<ReplyPrefixes>(); }

SubjectParts split_subject(std::string_view subject) {
  std::size_t start = skip_spaces(subject, 0);
  std::size_t i = start;
  const auto data = lexdata();
  const auto& prefixes = data->table<ReplyPrefixes>();
  for (int guard = 0; guard < 100 && i < subject.size(); ++guard) {
    std::size_t next = prefix_at(subject, i, prefixes);
    if (next == std::string_view::npos) break;
    i = next;
  }
  SubjectParts p;
  p.prefix = std::string(subject.substr(start, i - start));
  std::string_view base = subject.substr(i);
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
  p.base = std::string(base);
  return p;
}

std::string subject_key(std::string_view subject) {
  // NFKC_Casefold (base/fold.h); the subject as written when ICU fails or folds it to nothing.
  icu::UnicodeString u = to_icu(subject, subject.size());
  std::string folded;
  if (fold_icu(u, kFoldNfkc)) folded = to_utf8(u);
  if (folded.empty()) folded = std::string(subject);
  // Collapse white space.
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < folded.size();) {
    std::size_t len = 0;
    if (is_space(folded, i, &len) || folded[i] == '\r' || folded[i] == '\n') {
      space = !out.empty();
      i += len > 0 ? len : 1;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += folded[i++];
  }
  return out;
}

}  // namespace sm
