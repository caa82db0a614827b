// Words of ASCII text, byte by byte: the same words as ICU's word break iterator (Unicode's
// UAX #29 rules, root locale) finds in text that holds no byte above 0x7F, with the same split
// into letter words and number words, without converting the text to UTF-16. Callers fall back
// to ICU when the text is not ASCII. tests/unit/test_message_words.cpp compares the two.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "base/fold.h"  // kMaxTextBytes, the text cap
#include "base/strings.h"

namespace sm {

enum class WordKind { letters, number };

// Calls f(std::string_view word, WordKind kind) for each word of `text`, which must be ASCII,
// in order; spaces and punctuation between words are skipped. When f returns bool, false stops.
template <class F>
void for_each_ascii_word(std::string_view text, F&& f);

namespace detail {

enum class WbClass : unsigned char { other, letter, numeric, mid_letter, mid_num_let, mid_num, extend_num_let };

constexpr std::array<WbClass, 128> make_wb_table() {
  std::array<WbClass, 128> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = WbClass::letter;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = WbClass::letter;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = WbClass::numeric;
  t['.'] = WbClass::mid_num_let;
  t['\''] = WbClass::mid_num_let;  // Single_Quote joins where MidNumLet does
  t[','] = WbClass::mid_num;
  t[';'] = WbClass::mid_num;
  t['_'] = WbClass::extend_num_let;
  // ICU's root rules count '@' as a letter, so an e-mail address is one word.
  t['@'] = WbClass::letter;
  // ':' is MidLetter in UAX #29, but ICU's root rules leave it out (some locales join on it).
  return t;
}

inline constexpr std::array<WbClass, 128> kWbClass = make_wb_table();

}  // namespace detail

// The segmenter itself, over positions 0..n whose classes cls(i) gives (WbClass::other past the
// end): calls f(begin, end, kind) for each word. When f returns bool, false stops the walk. Text
// that is not ASCII uses it over code points whose classes come from ICU's properties
// (store/fingerprint.cpp).
template <class Cls, class F>
void for_each_word_by_class(std::size_t n, Cls&& cls, F&& f) {
  using detail::WbClass;
  auto ah = [](WbClass c) { return c == WbClass::letter; };
  std::size_t i = 0;
  while (i < n) {
    WbClass c = cls(i);
    if (c != WbClass::letter && c != WbClass::numeric && c != WbClass::extend_num_let) {
      ++i;
      continue;
    }
    // A word: letters, digits and '_' joined by WB5, 8, 9, 10, 13a and 13b, with one middle
    // character between two letters (WB6/7: ' . and MidLetter) or two digits (WB11/12: , ; . ').
    const std::size_t start = i;
    WbClass prev = WbClass::other, before = WbClass::other;  // the word's last two characters
    while (i < n) {
      c = cls(i);
      if (c == WbClass::letter || c == WbClass::numeric || c == WbClass::extend_num_let) {
        before = prev;
        prev = c;
        ++i;
        continue;
      }
      WbClass next = i + 1 < n ? cls(i + 1) : WbClass::other;
      bool joins = false;
      if (ah(prev) && ah(next)) joins = c == WbClass::mid_num_let || c == WbClass::mid_letter;
      else if (prev == WbClass::numeric && next == WbClass::numeric) joins = c == WbClass::mid_num || c == WbClass::mid_num_let;
      if (!joins) break;
      i += 1;  // the middle character; the next one is taken by the loop
    }
    // ICU gives a word the kind of the rule that took its last character: a digit makes a number,
    // and so does '_' after a digit; a lone '_' is no word at all.
    if (i - start == 1 && prev == WbClass::extend_num_let) continue;
    bool number = prev == WbClass::numeric || (prev == WbClass::extend_num_let && before == WbClass::numeric);
    if constexpr (std::is_same_v<decltype(f(start, i, WordKind::letters)), bool>) {
      if (!f(start, i, number ? WordKind::number : WordKind::letters)) return;
    } else {
      f(start, i, number ? WordKind::number : WordKind::letters);
    }
  }
}

template <class F>
void for_each_ascii_word(std::string_view text, F&& f) {
  const std::size_t n = text.size();
  auto cls = [&](std::size_t i) { return detail::kWbClass[static_cast<unsigned char>(text[i]) & 0x7f]; };
  for_each_word_by_class(n, cls, [&](std::size_t b, std::size_t e, WordKind k) {
    if constexpr (std::is_same_v<decltype(f(text.substr(b, e - b), k)), bool>) return f(text.substr(b, e - b), k);
    else f(text.substr(b, e - b), k);
  });
}

}  // namespace sm
