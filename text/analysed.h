// A text read for matching: the text, its language, its folded form and word tokens stemmed in
// that language; the tokens stemmed in another language on request (a text too short to tell
// its language is matched against every language's lexicon, each with its own stems).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/fold.h"
#include "text/lang.h"

namespace sm {

struct TextAnalysis {
  std::string text;
  Lang lang = Lang::unknown;
  std::string folded;
  std::vector<Token> tokens;  // stemmed in `lang` (not stemmed when it is unknown)

  explicit TextAnalysis(std::string_view t);
  // A text read in a language known beforehand (a paragraph of a message whose language was
  // guessed on the whole): no guess of its own, which a few words could not make.
  TextAnalysis(std::string_view t, Lang known);
  // The words [first, last) of `whole`, for `part`, the stretch of whole's text they come from:
  // no second reading of the words (the language and the stems are whole's).
  TextAnalysis(const TextAnalysis& whole, std::size_t first, std::size_t last, std::string_view part);
  // The same tokens stemmed in `l` (the tokens above when l == lang). One text is read on one
  // thread; the object is not shared.
  const std::vector<Token>& tokens_in(Lang l) const;

 private:
  mutable std::array<std::optional<std::vector<Token>>, kLangCount> other_;
};

}  // namespace sm
