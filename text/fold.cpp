// Folding and word tokens. The table path of fold_for_match is checked against ICU on random
// text (tests/unit/test_text_fold.cpp).
#include "text/fold.h"

#include "base/fold.h"
#include "base/lexdata.h"
#include "base/strings.h"
#include "base/words.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace sm {

std::string fold_for_match_icu(std::string_view text) { return fold_utf8_icu(text, kFoldForMatch); }

namespace {

// Code points below kTableEnd (Latin, Greek, Cyrillic) fold one by one: each maps to a fixed
// string whatever stands around it (code_point_folds), except the combining marks
// (U+0300..U+036F), which join the letter before them and send the text to ICU.
constexpr UChar32 kTableEnd = 0x0530;
static_assert(kTableEnd <= kCodePointFoldsEnd);

bool combining(UChar32 c) { return c >= 0x0300 && c <= 0x036F; }

// Marks that end a clause: . ! ? ; : , ( ) " and their typographic kin, ¿ ¡, dashes.
// A mark that ends a sentence: . ! ? … and the Spanish ¡ ¿ that open the next one.
bool is_sentence_mark(UChar32 c) {
  switch (c) {
    case '.': case '!': case '?': case 0x00A1: case 0x00BF: case 0x2026: case 0xFF01: case 0xFF1F: case 0x3002:
      return true;
    default:
      return false;
  }
}

bool is_clause_mark(UChar32 c) {
  switch (c) {
    case '.': case '!': case '?': case ';': case ':': case ',': case '(': case ')': case '"': case '-':
    case 0x00A1: case 0x00BF:                      // ¡ ¿
    case 0x00AB: case 0x00BB:                      // « »
    case 0x2013: case 0x2014:                      // – —
    case 0x201C: case 0x201D: case 0x201E:         // “ ” „
    case 0x2026:                                   // …
    case 0xFF01: case 0xFF1F: case 0x3002:         // ！ ？ 。
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string fold_for_match(std::string_view text) {
  text = text.substr(0, std::min(text.size(), kMaxTextBytes));
  std::string out;
  out.reserve(text.size());
  if (is_ascii(text)) {
    out.resize(text.size());
    std::transform(text.begin(), text.end(), out.begin(), fold_ascii);
    return out;
  }
  const auto& table = code_point_folds(kFoldForMatch).folded;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      out += fold_ascii(static_cast<char>(p[i++]));
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || c >= kTableEnd || combining(c)) return fold_for_match_icu(text);
    out += table[static_cast<std::size_t>(c)];
  }
  return out;
}

namespace {

// `word` with its runs of three or more of one code point squeezed to one; a pair stays a pair.
std::string squeezed_runs(std::string_view word) {
  const auto* q = reinterpret_cast<const uint8_t*>(word.data());
  const auto m = static_cast<int32_t>(word.size());
  std::string out;
  for (int32_t i = 0; i < m;) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(q, i, m, c);
    const std::string_view one(word.data() + begin, static_cast<std::size_t>(i - begin));
    std::size_t count = 1;
    for (int32_t k = i; k < m;) {
      UChar32 d;
      U8_NEXT(q, k, m, d);
      if (d != c) break;
      i = k;
      ++count;
    }
    out += one;
    if (count == 2) out += one;
  }
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view folded) {
  folded = folded.substr(0, std::min(folded.size(), kMaxTextBytes));
  std::vector<Token> out;
  out.reserve(folded.size() / 8);
  const auto* p = reinterpret_cast<const uint8_t*>(folded.data());
  const auto n = static_cast<int32_t>(folded.size());
  bool boundary = true;  // a clause boundary since the last word
  bool sentence = false;  // a sentence boundary since the last word
  int newlines = 0;      // line ends since the last word or mark (two: a blank line)
  // The marks between two words (and the masks cut off the end of the first), one code point at a
  // time.
  auto marks = [&](int32_t from, int32_t to) {
    // Spaces alone (the most common gap) change nothing.
    while (from < to && p[from] == ' ') ++from;
    for (int32_t i = from; i < to;) {
      const int32_t start = i;
      UChar32 c;
      if (p[i] < 0x80) c = p[i++];
      else U8_NEXT(p, i, n, c);
      if (c < 0) c = 0xFFFD;  // ill-formed: a separator, as ICU's conversion would make it
      if (c == '\n') {
        if (++newlines >= 2) boundary = sentence = true;
      } else if (is_clause_mark(c)) {
        // "2.5", "1,5" and "10:30" stay inside their clause.
        bool between_digits = (c == '.' || c == ',' || c == ':') && start > 0 && i < n &&
                              std::isdigit(p[start - 1]) != 0 && std::isdigit(p[i]) != 0;
        // A hyphen is a mark only between spaces ("ok - thanks"), not inside "e-mail".
        bool lone_hyphen = c != '-' || (start > 0 && i < n && p[start - 1] == ' ' && p[i] == ' ');
        if (!between_digits && lone_hyphen) boundary = true;
        // A dot ends a sentence when a space or a line end follows it ("e.g." and "1.5" do not).
        if (!between_digits && is_sentence_mark(c) && (c != '.' || i >= n || p[i] == ' ' || p[i] == '\n' || p[i] == '\r'))
          sentence = true;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        newlines = 0;
      }
    }
  };
  std::size_t after = 0;  // the end of the last word
  for_each_word(folded, kTextWords, [&](std::size_t begin, std::size_t end, WordKind) {
    marks(static_cast<int32_t>(after), static_cast<int32_t>(begin));
    after = end;
    if (!out.empty()) {
      out.back().clause_end = out.back().clause_end || boundary;
      out.back().sentence_end = out.back().sentence_end || sentence;
    }
    const std::string_view cur = folded.substr(begin, end - begin);
    // Made in place: a token is four strings, and moving one costs as much as making it.
    Token& t = out.emplace_back();
    t.text.assign(cur);
    t.clause_start = boundary;
    // One pass over it: its hash (word_hash, of its bytes), a mask, a run of three or more of one
    // code point.
    const auto* q = reinterpret_cast<const uint8_t*>(cur.data());
    const auto m = static_cast<int32_t>(cur.size());
    std::uint32_t h = 2166136261u;
    bool star = false, long_run = false;
    UChar32 run_cp = -1;
    std::size_t run = 0;
    for (int32_t k = 0; k < m;) {
      UChar32 c;
      if (q[k] < 0x80) {
        c = q[k];
        h = (h ^ q[k++]) * 16777619u;
        star |= c == '*';
      } else {
        const int32_t from = k;
        U8_NEXT(q, k, m, c);
        for (int32_t b = from; b < k; ++b) h = (h ^ q[b]) * 16777619u;
      }
      if (c != run_cp) run_cp = c, run = 1;
      else long_run |= ++run >= 3;
    }
    t.masked = star;
    t.hash = t.stem_hash = h;
    t.key = word_key(cur);
    if (long_run) t.squeezed = squeezed_runs(cur);
    boundary = false;
    sentence = false;
    newlines = 0;
    return out.size() <= 50000;
  });
  if (!out.empty()) out.back().clause_end = out.back().sentence_end = true;
  return out;
}

namespace {

// The version words (conf/lexicons/all/version.txt): "word*" every word that begins with it, a
// plain word that word only.
struct VersionWords {
  std::vector<std::string> words, prefixes;
  explicit VersionWords(const LexData& data) {
    if (const LexFile* f = data.file(kSharedLexFolder, "version"))
      for (const auto& e : f->entries) {
        if (e.text.size() > 1 && e.text.back() == '*') prefixes.push_back(e.text.substr(0, e.text.size() - 1));
        else words.push_back(e.text);
      }
  }
};

}  // namespace

bool version_word(std::string_view w) {
  const auto data = lexdata();
  const auto& v = data->table<VersionWords>();
  for (const auto& word : v.words)
    if (w == word) return true;
  for (const auto& prefix : v.prefixes)
    if (w.starts_with(prefix)) return true;
  return false;
}

void check_fold_tables(const LexData& data) { data.table<VersionWords>(); }

}  // namespace sm
