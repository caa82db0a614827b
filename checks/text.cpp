// Text helpers for the quality rules, through ICU.
#include "checks/text.h"

#include "message/words.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>
#include <bit>
#include <cstdint>
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

// One iterator of each kind per thread, cloned once from a prototype: creating one from the
// locale data, or even cloning it, costs more than breaking a paragraph.
icu::BreakIterator* iterator(bool words) {
  static std::once_flag once;
  static std::unique_ptr<icu::BreakIterator> word_proto, sentence_proto;
  std::call_once(once, [] {
    UErrorCode e = U_ZERO_ERROR;
    word_proto.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), e));
    e = U_ZERO_ERROR;
    sentence_proto.reset(icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), e));
  });
  thread_local std::unique_ptr<icu::BreakIterator> word_it(word_proto ? word_proto->clone() : nullptr);
  thread_local std::unique_ptr<icu::BreakIterator> sentence_it(sentence_proto ? sentence_proto->clone() : nullptr);
  return words ? word_it.get() : sentence_it.get();
}

}  // namespace

std::string fold_for_match_icu(std::string_view text) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  icu::UnicodeString u = ustr(text);
  if (U_SUCCESS(err)) u = nfkc_cf->normalize(u, err);
  u.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0451)), icu::UnicodeString(static_cast<UChar32>(0x0435)));  // ё -> е
  return utf8(strip_marks(u));
}

namespace {

// Code points below kTableEnd (Latin, Greek, Cyrillic) fold one by one: each maps to a fixed
// string whatever stands around it, except the combining marks (U+0300..U+036F), which join
// the letter before them and send the text to ICU.
constexpr UChar32 kTableEnd = 0x0530;

const std::array<std::string, kTableEnd>& fold_table() {
  static const std::array<std::string, kTableEnd> table = [] {
    std::array<std::string, kTableEnd> t;
    for (UChar32 c = 0x80; c < kTableEnd; ++c) {
      std::string one;
      icu::UnicodeString(c).toUTF8String(one);
      t[static_cast<std::size_t>(c)] = fold_for_match_icu(one);
    }
    return t;
  }();
  return table;
}

bool combining(UChar32 c) { return c >= 0x0300 && c <= 0x036F; }

}  // namespace

std::string fold_for_match(std::string_view text) {
  text = text.substr(0, std::min(text.size(), kMaxText));
  std::string out;
  out.reserve(text.size());
  if (is_ascii(text)) {
    for (char c : text) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
  }
  const auto& table = fold_table();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      char c = static_cast<char>(p[i++]);
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || c >= kTableEnd || combining(c)) return fold_for_match_icu(text);
    out += table[static_cast<std::size_t>(c)];
  }
  return out;
}

std::vector<Token> tokenize(std::string_view folded) {
  folded = folded.substr(0, std::min(folded.size(), kMaxText));
  std::vector<Token> out;
  const auto* p = reinterpret_cast<const uint8_t*>(folded.data());
  const auto n = static_cast<int32_t>(folded.size());
  // The current word: its bytes, and where each code point starts in them.
  std::string cur;
  std::vector<std::pair<int32_t, UChar32>> points;  // (offset in cur, code point)
  auto flush = [&] {
    while (points.size() > 1 && points.back().second == '*') {
      cur.resize(static_cast<std::size_t>(points.back().first));
      points.pop_back();
    }
    bool letter = false;
    for (const auto& pt : points) letter = letter || pt.second != '*';
    bool long_run = false;
    for (std::size_t i = 2; i < points.size() && !long_run; ++i)
      long_run = points[i].second == points[i - 1].second && points[i].second == points[i - 2].second;
    if (letter && !long_run) {
      out.push_back({cur, cur});
    } else if (letter) {
      // Runs of three or more of one code point squeeze to one; a pair stays a pair.
      std::string squeezed;
      for (std::size_t i = 0; i < points.size();) {
        std::size_t j = i;
        while (j < points.size() && points[j].second == points[i].second) ++j;
        auto begin = static_cast<std::size_t>(points[i].first);
        auto end = i + 1 < points.size() ? static_cast<std::size_t>(points[i + 1].first) : cur.size();
        std::string_view one(cur.data() + begin, end - begin);
        squeezed += one;
        if (j - i == 2) squeezed += one;
        i = j;
      }
      out.push_back({cur, std::move(squeezed)});
    }
    cur.clear();
    points.clear();
  };
  for (int32_t i = 0; i < n;) {
    int32_t start = i;
    UChar32 c;
    if (p[i] < 0x80) c = p[i++];
    else U8_NEXT(p, i, n, c);
    if (c < 0) c = 0xFFFD;  // ill-formed: a separator, as ICU's conversion would make it
    bool alnum = c < 0x80 ? ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') : u_isalnum(c) != 0;
    bool word = alnum || (c == '*' && !cur.empty());
    // A mask at the start of a word counts when a letter follows ("*uck").
    if (c == '*' && cur.empty() && i < n) {
      int32_t k = i;
      UChar32 next;
      U8_NEXT(p, k, n, next);
      if (next >= 0 && u_isalpha(next)) word = true;
    }
    if (word) {
      points.emplace_back(static_cast<int32_t>(cur.size()), c);
      cur.append(folded.data() + start, static_cast<std::size_t>(i - start));
    } else if (!cur.empty()) {
      flush();
    }
    if (out.size() > 50000) break;
  }
  if (!cur.empty()) flush();
  return out;
}

std::vector<std::string> match_tokens(std::string_view folded) {
  std::vector<std::string> out;
  for (auto& t : tokenize(folded)) out.push_back(std::move(t.text));
  return out;
}

Lang guess_language(std::string_view text) { return guess_language(text, nullptr); }

Lang guess_language(std::string_view text, const std::vector<Token>* folded_tokens) {
  text = text.substr(0, std::min<std::size_t>(text.size(), 8000));
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  int cyr = 0, latin = 0;
  bool spanish_marks = false;
  for (int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      latin += ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z');
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(c, &e);
    if (s == USCRIPT_CYRILLIC) ++cyr;
    else if (s == USCRIPT_LATIN) ++latin;
    if (c == 0x00BF || c == 0x00A1 || c == 0x00F1 || c == 0x00D1) spanish_marks = true;
  }
  if (cyr + latin < 8) return Lang::unknown;
  if (cyr > latin) return Lang::ru;
  std::vector<Token> own;
  if (folded_tokens == nullptr) own = tokenize(fold_for_match(text));
  const std::vector<Token>& tokens = folded_tokens != nullptr ? *folded_tokens : own;
  // Each stop word counts once, however often it appears.
  static constexpr std::array<std::string_view, 17> kEs = {"el", "la", "los", "las", "que", "de", "por", "para", "usted",
                                                           "gracias", "hola", "su", "una", "es", "con", "no", "del"};
  static constexpr std::array<std::string_view, 15> kEn = {"the", "and", "you", "your", "to", "of", "is", "we",
                                                           "for", "thanks", "hello", "please", "with", "this", "it"};
  std::uint32_t seen_es = 0, seen_en = 0;
  for (const auto& t : tokens) {
    if (t.text.size() > 7) continue;
    for (std::size_t i = 0; i < kEs.size(); ++i)
      if (t.text == kEs[i]) seen_es |= 1u << i;
    for (std::size_t i = 0; i < kEn.size(); ++i)
      if (t.text == kEn[i]) seen_en |= 1u << i;
  }
  int es = std::popcount(seen_es), en = std::popcount(seen_en);
  if (spanish_marks) es += 2;
  if (es == 0 && en == 0) return Lang::unknown;
  return es > en ? Lang::es : Lang::en;
}

std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  icu::UnicodeString u = ustr(text);
  icu::BreakIterator* it = iterator(false);
  if (it == nullptr) return out;
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
  if (text.size() <= kMaxText && is_ascii(text)) {
    std::size_t n = 0;
    for_each_ascii_word(text, [&](std::string_view, WordKind) { ++n; });
    return n;
  }
  icu::UnicodeString u = ustr(text);
  icu::BreakIterator* it = iterator(true);
  if (it == nullptr) return 0;
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

TextAnalysis::TextAnalysis(std::string_view t) : text(t), folded(fold_for_match(t)), tokens(tokenize(folded)) {
  // The language guess reads the first 8000 bytes; the tokens can stand in when that is all.
  lang = guess_language(text, text.size() <= 8000 ? &tokens : nullptr);
}

const TextAnalysis& MessageText::full() const {
  if (!full_) full_.emplace(new_text_);
  return *full_;
}

const TextAnalysis& MessageText::body() const {
  if (!body_) {
    std::string_view b = without_signature(new_text_);
    if (b.size() == new_text_.size()) return full();
    body_.emplace(b);
  }
  return *body_;
}

const TextAnalysis& MessageText::quoted_head() const {
  if (!quoted_head_) {
    // The message answered stands first in the quote; older history further down is not read.
    std::string_view q = quoted_.substr(0, std::min<std::size_t>(quoted_.size(), 4000));
    if (q.size() < quoted_.size()) {
      // Cut at a character boundary.
      while (!q.empty() && (static_cast<unsigned char>(q.back()) & 0xc0) == 0x80) q.remove_suffix(1);
      if (!q.empty() && static_cast<unsigned char>(q.back()) >= 0xc0) q.remove_suffix(1);
    }
    quoted_head_.emplace(q);
  }
  return *quoted_head_;
}

const std::vector<std::string>& MessageText::body_paragraphs() const {
  if (!paragraphs_) paragraphs_ = paragraphs(body().text);
  return *paragraphs_;
}

}  // namespace sm
