// Text for the quality rules: language guess, normalization for matching (NFKC, case folding,
// accents folded, Russian ё as е), word tokens that keep masked letters ("f*ck", "с*ка"), and
// sentences from ICU's break iterator.
#pragma once
#include <optional>
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

// A text read for matching: the text, its language, its folded text and word tokens.
struct TextAnalysis {
  std::string text;
  Lang lang = Lang::unknown;
  std::string folded;
  std::vector<Token> tokens;
  explicit TextAnalysis(std::string_view t);
};

// One message's text as the quality rules read it, each part worked out on first use and then
// shared by every rule. One message is judged on one thread; the object is not shared.
class MessageText {
 public:
  explicit MessageText(std::string_view new_text, std::string_view quoted) : new_text_(new_text), quoted_(quoted) {}
  const TextAnalysis& full() const;         // the author's new text
  const TextAnalysis& body() const;         // the new text without its signature
  const TextAnalysis& quoted_head() const;  // the head of the quote: the message answered
  const std::vector<std::string>& body_paragraphs() const;

 private:
  std::string_view new_text_, quoted_;
  mutable std::optional<TextAnalysis> full_, body_, quoted_head_;
  mutable std::optional<std::vector<std::string>> paragraphs_;
};

}  // namespace sm
