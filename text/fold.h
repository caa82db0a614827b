// Text folded for matching (NFKC, case folding, accents removed, Russian ё as е) and its word
// tokens: letters and digits, '*' inside a word kept as a masked letter ("f*ck", "с*ка"), runs of
// one letter squeezed ("fuuuck"), and where each clause starts and ends (for lexicon frames). The
// words are the word scanner's (base/words.h, kTextWords); the marks between them give the edges.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// Lower-case, NFKC, accents removed, ё -> е. Used on both text and lexicon entries. ASCII,
// Latin, Greek and Cyrillic text folds character by character from a table; the rest, and
// text with combining marks, goes through ICU (fold_for_match_icu, the reference).
std::string fold_for_match(std::string_view text);
std::string fold_for_match_icu(std::string_view text);

// One word of folded text. `squeezed` is the word with runs of three or more of one letter cut to
// one ("fuuuck" -> "fuck"), empty when there is no such run. The stems are filled by stem_tokens()
// for a language (empty until then; `squeezed_stem` only for a squeezed word). A clause ends at . ! ? ; : , ( ) ¿ ¡, a dash
// between spaces, or a blank line; `clause_start`/`clause_end` mark the words at its edges, and
// `sentence_end` the last word of a sentence (. ! ? … ¿ ¡ or a blank line).
struct Token {
  // What the phrase lists read of every token comes first, with the size of `squeezed`, in one
  // line of the cache: each list passes over most tokens reading nothing else.
  // word_hash() of the text, and of the stem (of the text while there is no stem), computed once
  // per token: the phrase lists pass over a token that starts none of their entries without a
  // lookup in their tries.
  std::uint32_t hash = 0;
  std::uint32_t stem_hash = 0;
  std::uint16_t key = 0;  // word_key() of the text: for the entries that begin with a prefix
  bool clause_start = false;
  bool clause_end = false;
  bool sentence_end = false;  // a sentence ends after it (. ! ? …, a blank line): no phrase runs on
  bool masked = false;  // the text has a '*' ("f*ck"): matched by the masked rules of the lists
  std::string text;
  std::string squeezed;
  std::string stem;
  std::string squeezed_stem;
};
std::vector<Token> tokenize(std::string_view folded);

// A word that makes the number after it a version, not a date or an address ("version 2.3",
// "v10.2", "firmware 7.2.1.6", "versión", "прошивка"): `w` lower-cased, its accents kept or not.
// The one list, for the promise reader and internal-details.
// The words are the lexicon directory's (conf/lexicons/all/version.txt), of the data set in force.
bool version_word(std::string_view w);

class LexData;
// Builds the version-word table from `data` (once per data set).
void check_fold_tables(const LexData& data);

// A word hashed (FNV-1a, 32 bits).
constexpr std::uint32_t word_hash(std::string_view w) {
  std::uint32_t h = 2166136261u;
  for (char c : w) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// A word's first two bytes hashed to 12 bits.
inline std::uint16_t word_key(std::string_view w) {
  if (w.empty()) return 0;
  const unsigned a = static_cast<unsigned char>(w[0]), b = w.size() > 1 ? static_cast<unsigned char>(w[1]) : 0u;
  return static_cast<std::uint16_t>(((a << 5) ^ b) & 4095u);
}

}  // namespace sm
