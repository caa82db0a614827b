// The languages the text analysis tells apart, and a guess of a text's language. The guess reads
// the script first (Cyrillic: Russian unless Ukrainian letters say otherwise; Greek, CJK and other
// scripts: another language), then, for Latin text, the function words of each language and its
// letters (ñ ¿ for Spanish, ß for German, ã õ for Portuguese, ą ł for Polish, ...). A text too
// short to tell is `unknown`; a text long enough whose language is none of these is `other`.
// Which rules judge a language is not decided here: a rule that reads words judges the languages
// its lexicons have (text/lexicon.h).
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace sm {

enum class Lang { en, es, ru, de, fr, pt, it, nl, pl, other, unknown };
// The ISO 639-1 code ("de"), "other" or "unknown".
const char* to_string(Lang l);
// The language of an ISO 639-1 code among kLanguages; nullopt for any other code.
std::optional<Lang> lang_from_code(std::string_view code);

// The languages the guess tells apart, in their order of index (Lang's value).
inline constexpr std::array<Lang, 9> kLanguages = {Lang::en, Lang::es, Lang::ru, Lang::de, Lang::fr,
                                                   Lang::pt, Lang::it, Lang::nl, Lang::pl};
inline constexpr std::size_t kLangCount = 11;  // with other and unknown

// A language the guess named: one of kLanguages.
constexpr bool is_known(Lang l) { return l != Lang::other && l != Lang::unknown; }

struct Token;

// Only the first 8000 bytes are read; `folded_tokens`, when given, are tokenize(fold_for_match())
// of those bytes, already computed by the caller.
Lang guess_language(std::string_view text);
Lang guess_language(std::string_view text, const std::vector<Token>* folded_tokens);

}  // namespace sm
