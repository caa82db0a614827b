// Words of a text: the one word scanner. The fingerprints (store/fingerprint.cpp, UAX #29 word
// boundaries), the text analysis's tokens (text/fold.cpp: runs of letters and digits, with masks)
// and the promise reader (text/promise.cpp: runs of bytes, with digit groups kept whole) all find
// their words here, each with its options (WordOptions). tests/unit/test_text_words.cpp pins the
// words of each; tests/unit/test_message_words.cpp compares the UAX #29 words of ASCII text with
// ICU's word break iterator (Unicode's UAX #29 rules, root locale), which finds the same words,
// with the same split into letter words and number words, without converting the text to UTF-16.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "base/fold.h"  // kMaxTextBytes, the text cap
#include "base/strings.h"

namespace sm {

enum class WordKind { letters, number };

// Where words break.
enum class WordBreaks : unsigned char {
  // UAX #29 as ICU's root rules read ASCII: letters and digits, '_' inside and at the start of a
  // word, '@' a letter; one ' or . between two letters, one , ; . ' between two digits. For ASCII
  // text (a byte above 0x7F is no part of a word); other text gives the scanner each code point's
  // class from ICU (store/fingerprint.cpp).
  uax29,
  // Runs of letters (ICU's general category L) and decimal digits (Nd), code point by code point.
  letter_runs,
  // Runs of ASCII letters and digits and of bytes above 0x7F, byte by byte: a letter with an
  // accent, a dash or an inverted mark of any script is part of the word it touches ("¿mañana",
  // "3–5").
  byte_runs,
};

struct WordOptions {
  WordBreaks breaks = WordBreaks::uax29;
  // One of : . / , between two digits stays inside the word: "18:00", "25.11.2026", "1,5", "1/2".
  bool digit_groups = false;
  // '*' inside a word, or before a letter, is part of it ("f*ck", "*uck"); masks that end a word
  // are cut off it, and a mask before anything else is no word.
  bool masks = false;
};

// The fingerprints' words (UAX #29).
inline constexpr WordOptions kUax29Words{};
// The text analysis's tokens (text/fold.h).
inline constexpr WordOptions kTextWords{WordBreaks::letter_runs, false, true};
// The promise reader's words (text/promise.h).
inline constexpr WordOptions kPromiseWords{WordBreaks::byte_runs, true, false};

// Calls f(std::size_t begin, std::size_t end, WordKind kind) for the bytes [begin, end) of each
// word of `text`, in order; what lies between words is skipped. When f returns bool, false stops.
template <class F>
void for_each_word(std::string_view text, WordOptions options, F&& f);

// The words of ASCII text by UAX #29 as views: f(std::string_view word, WordKind kind).
template <class F>
void for_each_ascii_word(std::string_view text, F&& f);

// What one unit of text (a byte or a code point) is to the scanner.
enum class WordClass : unsigned char {
  other,           // between words
  letter,
  numeric,
  mid_letter,      // joins two letters (UAX #29 MidLetter)
  mid_num_let,     // joins two letters or two digits (MidNumLet, Single_Quote)
  mid_num,         // joins two digits (MidNum; the digit groups' separators)
  extend_num_let,  // inside a word and at its start; alone, no word ('_')
  mask,            // '*' with WordOptions::masks
};

// A unit's class, and where the next unit begins.
struct WordUnit {
  WordClass cls;
  std::size_t end;
};

// The scanner itself, over positions [0, n) read as units by unit(i) (a WordUnit); calls
// f(begin, end, kind) for each word. When f returns bool, false stops. `Masks`: whether units of
// WordClass::mask may occur. for_each_word reads bytes and code points; the fingerprints read
// text that is not ASCII as code points whose classes come from ICU's properties.
template <bool Masks, class Unit, class F>
void for_each_word_of_units(std::size_t n, Unit&& unit, F&& f);

// The class of each byte under `options`; for WordBreaks::letter_runs a byte above 0x7F starts a
// code point that word_unit_of_code_point() reads.
constexpr std::array<WordClass, 256> word_classes(WordOptions options) {
  std::array<WordClass, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = WordClass::letter;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = WordClass::letter;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = WordClass::numeric;
  if (options.breaks == WordBreaks::uax29) {
    t['.'] = WordClass::mid_num_let;
    t['\''] = WordClass::mid_num_let;  // Single_Quote joins where MidNumLet does
    t[','] = WordClass::mid_num;
    t[';'] = WordClass::mid_num;
    t['_'] = WordClass::extend_num_let;
    // ICU's root rules count '@' as a letter, so an e-mail address is one word.
    t['@'] = WordClass::letter;
    // ':' is MidLetter in UAX #29, but ICU's root rules leave it out (some locales join on it).
  }
  if (options.breaks == WordBreaks::byte_runs)
    for (int c = 0x80; c <= 0xFF; ++c) t[static_cast<std::size_t>(c)] = WordClass::letter;
  if (options.digit_groups)
    for (char c : {':', '.', '/', ','})
      if (t[static_cast<unsigned char>(c)] == WordClass::other) t[static_cast<unsigned char>(c)] = WordClass::mid_num;
  if (options.masks) t['*'] = WordClass::mask;
  return t;
}

// The unit at `i` of `text` (a byte above 0x7F there) under WordBreaks::letter_runs: its code
// point is a letter (general category L), a digit (Nd) or other (ill-formed UTF-8 too).
WordUnit word_unit_of_code_point(std::string_view text, std::size_t i);

// The same classes of the code points below kCodePointClassesEnd (Latin, Greek, Cyrillic, ...,
// general punctuation), from a table made once.
inline constexpr int kCodePointClassesEnd = 0x2070;
const WordClass* code_point_classes();

namespace detail {

constexpr bool in_word(WordClass c) {
  return c == WordClass::letter || c == WordClass::numeric || c == WordClass::extend_num_let;
}

template <class F>
bool call_word(F& f, std::size_t begin, std::size_t end, WordKind kind) {
  if constexpr (std::is_same_v<decltype(f(begin, end, kind)), bool>) {
    return f(begin, end, kind);
  } else {
    f(begin, end, kind);
    return true;
  }
}

constexpr std::size_t options_index(WordOptions o) {
  return static_cast<std::size_t>(o.breaks) * 4 + (o.digit_groups ? 2 : 0) + (o.masks ? 1 : 0);
}

inline constexpr auto kWordClasses = [] {
  std::array<std::array<WordClass, 256>, 12> t{};
  for (auto b : {WordBreaks::uax29, WordBreaks::letter_runs, WordBreaks::byte_runs})
    for (bool d : {false, true})
      for (bool m : {false, true}) t[options_index({b, d, m})] = word_classes({b, d, m});
  return t;
}();

template <bool Masks, bool CodePoints, class F>
void scan_text(std::string_view text, const std::array<WordClass, 256>& classes, F&& f) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const WordClass* wide = CodePoints ? code_point_classes() : nullptr;
  auto unit = [&](std::size_t i) -> WordUnit {
    if constexpr (CodePoints) {
      if (p[i] >= 0x80) {
        // Two bytes (U+0080..U+07FF) from the table; the rest from ICU.
        if (p[i] >= 0xC2 && p[i] < 0xE0 && i + 1 < text.size() && (p[i + 1] & 0xC0) == 0x80)
          return {wide[((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu)], i + 2};
        return word_unit_of_code_point(text, i);
      }
    }
    return {classes[p[i]], i + 1};
  };
  for_each_word_of_units<Masks>(text.size(), unit, f);
}

}  // namespace detail

template <bool Masks, class Unit, class F>
void for_each_word_of_units(std::size_t n, Unit&& unit, F&& f) {
  auto ah = [](WordClass c) { return c == WordClass::letter; };
  std::size_t i = 0;
  while (i < n) {
    WordUnit u = unit(i);
    bool starts = detail::in_word(u.cls);
    if constexpr (Masks)
      if (u.cls == WordClass::mask) starts = u.end < n && unit(u.end).cls == WordClass::letter;
    if (!starts) {
      i = u.end;
      continue;
    }
    // A word: letters, digits and '_' joined by WB5, 8, 9, 10, 13a and 13b, with one middle
    // character between two letters (WB6/7: ' . and MidLetter) or two digits (WB11/12: , ; . ').
    const std::size_t start = i;
    std::size_t end = i;    // after its last unit that is not a mask
    std::size_t units = 0;  // its units, the middle ones too
    WordClass prev = WordClass::other, before = WordClass::other;  // the word's last two units
    while (i < n) {
      u = unit(i);
      if (detail::in_word(u.cls) || (Masks && u.cls == WordClass::mask)) {
        before = prev;
        prev = u.cls;
        ++units;
        i = u.end;
        if (!Masks || u.cls != WordClass::mask) end = i;
        continue;
      }
      if (u.cls != WordClass::mid_letter && u.cls != WordClass::mid_num_let && u.cls != WordClass::mid_num) break;
      const WordClass next = u.end < n ? unit(u.end).cls : WordClass::other;
      bool joins = false;
      if (ah(prev) && ah(next)) joins = u.cls == WordClass::mid_num_let || u.cls == WordClass::mid_letter;
      else if (prev == WordClass::numeric && next == WordClass::numeric) joins = u.cls == WordClass::mid_num || u.cls == WordClass::mid_num_let;
      if (!joins) break;
      ++units;
      i = u.end;  // the middle unit; the next one is taken by the loop
    }
    // ICU gives a word the kind of the rule that took its last character: a digit makes a number,
    // and so does '_' after a digit; a lone '_' is no word at all.
    if (units == 1 && prev == WordClass::extend_num_let) continue;
    const bool number = prev == WordClass::numeric || (prev == WordClass::extend_num_let && before == WordClass::numeric);
    if (!detail::call_word(f, start, end, number ? WordKind::number : WordKind::letters)) return;
  }
}

template <class F>
void for_each_word(std::string_view text, WordOptions options, F&& f) {
  const auto& classes = detail::kWordClasses[detail::options_index(options)];
  const bool code_points = options.breaks == WordBreaks::letter_runs;
  if (options.masks) {
    if (code_points) detail::scan_text<true, true>(text, classes, f);
    else detail::scan_text<true, false>(text, classes, f);
  } else {
    if (code_points) detail::scan_text<false, true>(text, classes, f);
    else detail::scan_text<false, false>(text, classes, f);
  }
}

template <class F>
void for_each_ascii_word(std::string_view text, F&& f) {
  detail::scan_text<false, false>(text, detail::kWordClasses[detail::options_index(kUax29Words)], [&](std::size_t b, std::size_t e, WordKind k) {
    if constexpr (std::is_same_v<decltype(f(text.substr(b, e - b), k)), bool>) return f(text.substr(b, e - b), k);
    else f(text.substr(b, e - b), k);
  });
}

}  // namespace sm
