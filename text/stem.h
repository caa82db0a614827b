// Word forms through Snowball (libstemmer): the stem of a folded word in a language, so that a
// lexicon lists a word once and every form of it matches ("тупой" finds "тупым", "lamento" finds
// "lamentamos"). Stemmers are not thread-safe; a small pool lends one per call.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "text/lang.h"

namespace sm {

struct Token;

// The Snowball algorithm of a language ("english", "spanish", "german", ...); nullptr for none
// (Polish, and a language not told apart).
const char* snowball_algorithm(Lang lang);

// The stem of one folded word; the word itself when the language has no stemmer, or the word
// holds digits or a masked letter ('*'), or is longer than 64 bytes.
std::string stem_word(std::string_view folded_word, Lang lang);

// Fills Token::stem (and Token::squeezed_stem) of every token, with one stemmer for the lot.
void stem_tokens(std::vector<Token>& tokens, Lang lang);

}  // namespace sm
