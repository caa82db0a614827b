// Text helpers for the quality rules, through ICU.
#include "checks/text.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <array>
#include <memory>
#include <mutex>

namespace sm {

const char* to_string(Lang l) {
  switch (l) {
    case Lang::en: return "en";
    case Lang::es: return "es";
    case Lang::ru: return "ru";
    case Lang::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxText = 256 * 1024;

icu::UnicodeString ustr(std::string_view s) {
  s = s.substr(0, std::min(s.size(), kMaxText));
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

// Removes combining marks after NFD, for accent-insensitive matching (á -> a, ñ -> n), but keeps
// Cyrillic й (и + breve) intact: it is a letter of its own.
icu::UnicodeString strip_marks(const icu::UnicodeString& in) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return in;
  icu::UnicodeString d = nfd->normalize(in, err);
  icu::UnicodeString out;
  for (int32_t i = 0; i < d.length();) {
    UChar32 c = d.char32At(i);
    int32_t n = U16_LENGTH(c);
    bool mark = u_getCombiningClass(c) > 0 || u_charType(c) == U_NON_SPACING_MARK;
    UChar32 prev = out.isEmpty() ? 0 : out.char32At(out.length() - 1);
    bool keep_breve = c == 0x0306 && (prev == 0x0438 || prev == 0x0418);  // й
    if (!mark || keep_breve) out.append(c);
    i += n;
  }
  icu::UnicodeString composed = nfc->normalize(out, err);
  return U_FAILURE(err) ? out : composed;
}

std::unique_ptr<icu::BreakIterator> clone_of(bool words) {
  static std::once_flag once;
  static std::unique_ptr<icu::BreakIterator> word_proto, sentence_proto;
  std::call_once(once, [] {
    UErrorCode e = U_ZERO_ERROR;
    word_proto.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), e));
    e = U_ZERO_ERROR;
    sentence_proto.reset(icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), e));
  });
  const auto& proto = words ? word_proto : sentence_proto;
  return std::unique_ptr<icu::BreakIterator>(proto ? proto->clone() : nullptr);
}

bool contains_word(const std::vector<std::string>& tokens, const char* w) {
  for (const auto& t : tokens)
    if (t == w) return true;
  return false;
}

}  // namespace

std::string fold_for_match(std::string_view text) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  icu::UnicodeString u = ustr(text);
  if (U_SUCCESS(err)) u = nfkc_cf->normalize(u, err);
  u.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0451)), icu::UnicodeString(static_cast<UChar32>(0x0435)));  // ё -> е
  return utf8(strip_marks(u));
}

std::vector<Token> tokenize(std::string_view folded) {
  std::vector<Token> out;
  icu::UnicodeString u = ustr(folded);
  icu::UnicodeString cur;
  auto flush = [&] {
    while (cur.length() > 1 && cur.charAt(cur.length() - 1) == '*') cur.truncate(cur.length() - 1);
    bool letter = false;
    for (int32_t i = 0; i < cur.length(); ++i) letter = letter || cur.charAt(i) != '*';
    if (letter) {
      icu::UnicodeString squeezed;
      bool long_run = false;
      for (int32_t i = 0; i < cur.length();) {
        UChar32 ch = cur.char32At(i);
        int32_t n = 0;
        int32_t j = i;
        while (j < cur.length() && cur.char32At(j) == ch) j += U16_LENGTH(ch), ++n;
        squeezed.append(ch);
        if (n >= 3) long_run = true;
        else if (n == 2) squeezed.append(ch);
        i = j;
      }
      out.push_back({utf8(cur), long_run ? utf8(squeezed) : utf8(cur)});
    }
    cur.remove();
  };
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    bool word = u_isalnum(c) || (c == '*' && !cur.isEmpty());
    // A mask at the start of a word counts when a letter follows ("*uck").
    if (c == '*' && cur.isEmpty() && i + 1 < u.length() && u_isalpha(u.char32At(i + 1))) word = true;
    if (word) cur.append(c);
    else if (!cur.isEmpty()) flush();
    i += U16_LENGTH(c);
    if (out.size() > 50000) break;
  }
  if (!cur.isEmpty()) flush();
  return out;
}

std::vector<std::string> match_tokens(std::string_view folded) {
  std::vector<std::string> out;
  for (auto& t : tokenize(folded)) out.push_back(std::move(t.text));
  return out;
}

Lang guess_language(std::string_view text) {
  icu::UnicodeString u = ustr(text.substr(0, std::min<std::size_t>(text.size(), 8000)));
  int cyr = 0, latin = 0;
  bool spanish_marks = false;
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(c, &e);
    if (s == USCRIPT_CYRILLIC) ++cyr;
    else if (s == USCRIPT_LATIN) ++latin;
    if (c == 0x00BF || c == 0x00A1 || c == 0x00F1 || c == 0x00D1) spanish_marks = true;
    i += U16_LENGTH(c);
  }
  if (cyr + latin < 8) return Lang::unknown;
  if (cyr > latin) return Lang::ru;
  auto tokens = match_tokens(fold_for_match(text.substr(0, std::min<std::size_t>(text.size(), 8000))));
  int es = 0, en = 0;
  for (const char* w : {"el", "la", "los", "las", "que", "de", "por", "para", "usted", "gracias", "hola", "su", "una", "es", "con", "no", "del"})
    es += contains_word(tokens, w);
  for (const char* w : {"the", "and", "you", "your", "to", "of", "is", "we", "for", "thanks", "hello", "please", "with", "this", "it"})
    en += contains_word(tokens, w);
  if (spanish_marks) es += 2;
  if (es == 0 && en == 0) return Lang::unknown;
  return es > en ? Lang::es : Lang::en;
}

std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  icu::UnicodeString u = ustr(text);
  auto it = clone_of(false);
  if (!it) return out;
  it->setText(u);
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    icu::UnicodeString s = u.tempSubStringBetween(start, end);
    s.trim();
    if (!s.isEmpty()) out.push_back(utf8(s));
  }
  return out;
}

std::size_t word_count(std::string_view text) {
  icu::UnicodeString u = ustr(text);
  auto it = clone_of(true);
  if (!it) return 0;
  it->setText(u);
  std::size_t n = 0;
  it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next())
    if (it->getRuleStatus() >= UBRK_WORD_NUMBER) ++n;
  return n;
}

std::string_view without_signature(std::string_view text) {
  for (std::size_t pos = 0;;) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line == "-- " || line == "--" || line == "-- \r") return text.substr(0, pos);
    if (nl == std::string_view::npos) return text;
    pos = nl + 1;
  }
}

std::vector<std::string> paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == '\n' || cur.back() == ' ')) cur.pop_back();
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (blank) flush();
    else cur += std::string(line) + "\n";
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  flush();
  return out;
}

}  // namespace sm
