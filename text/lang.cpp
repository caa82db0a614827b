// Language guess for the quality rules: script, stop words, Spanish marks.
#include "text/lang.h"

#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "text/fold.h"

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
  // The stop words in an open-addressed table by word_hash (made at compile time): a token is
  // one probe, mostly to an empty slot, and only an equal hash compares the text.
  struct Slot {
    std::uint32_t hash = 0;
    std::string_view word;
    bool es = false;
    std::uint8_t bit = 0;
  };
  static constexpr std::size_t kSlots = 128;
  static constexpr auto table = [] {
    std::array<Slot, kSlots> t{};
    auto put = [&](std::string_view w, bool es, std::size_t bit) {
      const std::uint32_t h = word_hash(w);
      std::size_t i = h % kSlots;
      while (t[i].hash != 0) i = (i + 1) % kSlots;
      t[i] = {h, w, es, static_cast<std::uint8_t>(bit)};
    };
    for (std::size_t i = 0; i < kEs.size(); ++i) put(kEs[i], true, i);
    for (std::size_t i = 0; i < kEn.size(); ++i) put(kEn[i], false, i);
    return t;
  }();
  std::uint32_t seen_es = 0, seen_en = 0;
  for (const auto& t : tokens) {
    if (t.text.size() > 7) continue;
    for (std::size_t i = t.hash % kSlots; table[i].hash != 0; i = (i + 1) % kSlots)
      if (table[i].hash == t.hash && table[i].word == t.text) (table[i].es ? seen_es : seen_en) |= 1u << table[i].bit;
  }
  int es = std::popcount(seen_es), en = std::popcount(seen_en);
  if (spanish_marks) es += 2;
  if (es == 0 && en == 0) return Lang::unknown;
  return es > en ? Lang::es : Lang::en;
}

}  // namespace sm
