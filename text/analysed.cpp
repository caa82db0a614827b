// TextAnalysis: fold, tokenize, guess the language, stem.
#include "text/analysed.h"

#include <algorithm>

#include "text/stem.h"

namespace sm {

TextAnalysis::TextAnalysis(std::string_view t) : text(t), folded(fold_for_match(t)), tokens(tokenize(folded)) {
  // The language guess reads the first 8000 bytes; the tokens can stand in when that is all.
  lang = guess_language(text, text.size() <= 8000 ? &tokens : nullptr);
  if (is_known(lang)) stem_tokens(tokens, lang);
}

TextAnalysis::TextAnalysis(std::string_view t, Lang known)
    : text(t), lang(known), folded(fold_for_match(t)), tokens(tokenize(folded)) {
  if (is_known(lang)) stem_tokens(tokens, lang);
}

TextAnalysis::TextAnalysis(const TextAnalysis& whole, std::size_t first, std::size_t last, std::string_view part)
    : text(part), lang(whole.lang), folded(fold_for_match(part)) {
  last = std::min(last, whole.tokens.size());
  first = std::min(first, last);
  tokens.assign(whole.tokens.begin() + static_cast<std::ptrdiff_t>(first), whole.tokens.begin() + static_cast<std::ptrdiff_t>(last));
  if (!tokens.empty()) {
    tokens.front().clause_start = true;
    tokens.back().clause_end = true;
    tokens.back().sentence_end = true;
  }
}

const std::vector<Token>& TextAnalysis::tokens_in(Lang l) const {
  if (l == lang || !is_known(l)) return tokens;
  auto& slot = other_[static_cast<std::size_t>(l)];
  if (!slot) {
    slot = tokens;
    stem_tokens(*slot, l);
  }
  return *slot;
}

}  // namespace sm
