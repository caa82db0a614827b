// The languages the quality rules read, and a guess of a text's language: script first
// (Cyrillic -> ru), then stop words and marks (¿ ¡ ñ) for es vs en; unknown when there is too
// little text to tell.
#pragma once
#include <array>
#include <string_view>
#include <vector>

namespace sm {

enum class Lang { en, es, ru, unknown };
const char* to_string(Lang l);

// The languages that have lexicons, in their order of index (Lang's value).
inline constexpr std::array<Lang, 3> kLanguages = {Lang::en, Lang::es, Lang::ru};
inline constexpr std::size_t kLangCount = 4;  // with unknown

struct Token;

// Only the first 8000 bytes are read; `folded_tokens`, when given, are tokenize(fold_for_match())
// of those bytes, already computed by the caller.
Lang guess_language(std::string_view text);
Lang guess_language(std::string_view text, const std::vector<Token>* folded_tokens);

}  // namespace sm
