// Text for the quality rules: language guess, normalization for matching (NFKC, case folding,
// accents folded, Russian ё as е), word tokens that keep masked letters ("f*ck", "с*ка"), and
// sentences from ICU's break iterator.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sm {

enum class Lang { en, es, ru, unknown };
const char* to_string(Lang l);

// Lower-case, NFKC, accents removed, ё -> е. Used on both text and lexicon entries. ASCII,
// Latin, Greek and Cyrillic text folds character by character from a table; the rest, and
// text with combining marks, goes through ICU (fold_for_match_icu, the reference).
std::string fold_for_match(std::string_view text);
std::string fold_for_match_icu(std::string_view text);

// Word tokens of folded text: letters and digits, plus '*' inside a word (a masked letter).
// `squeezed` is the token with runs of three or more of one letter cut to one ("fuuuck" -> "fuck");
// the same as `text` when there is no such run.
struct Token {
  std::string text;
  std::string squeezed;
};
std::vector<Token> tokenize(std::string_view folded);

// Script first (Cyrillic -> ru), then stop words and marks (¿ ¡ ñ) for es vs en; unknown when
// there is too little text to tell. Only the first 8000 bytes are read; `folded_tokens`, when
// given, are tokenize(fold_for_match()) of those bytes, already computed by the caller.
Lang guess_language(std::string_view text);
Lang guess_language(std::string_view text, const std::vector<Token>* folded_tokens);
// Just the texts.
std::vector<std::string> match_tokens(std::string_view folded);

// Sentences (ICU sentence break iterator, root locale), trimmed, empty ones dropped.
std::vector<std::string> sentences(std::string_view text);

// Number of words (ICU word break iterator).
std::size_t word_count(std::string_view text);

// The text without its signature: the part after a "-- " line, or else nothing is cut.
std::string_view without_signature(std::string_view text);

// Paragraphs: blocks separated by blank lines, trimmed, empty ones dropped.
std::vector<std::string> paragraphs(std::string_view text);

}  // namespace sm
