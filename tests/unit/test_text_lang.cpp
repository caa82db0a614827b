// The language guess: script first, then which language's stop words (each counted once) and
// Spanish marks the text has more of.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "text/fold.h"
#include "text/lang.h"

namespace sm {
namespace {

TEST(GuessLanguage, ReadsScriptStopWordsAndMarks) {
  EXPECT_EQ(guess_language("Thanks for your patience, we have fixed the invoice and it is in your account."), Lang::en);
  EXPECT_EQ(guess_language("Gracias por su paciencia, hemos corregido la factura y ya está en su cuenta."), Lang::es);
  EXPECT_EQ(guess_language("Спасибо за терпение, мы исправили счёт, он уже в вашем кабинете."), Lang::ru);
  EXPECT_EQ(guess_language("¿Mañana? Bueno."), Lang::es);  // marks alone
  EXPECT_EQ(guess_language("ok"), Lang::unknown);          // too little text
  EXPECT_EQ(guess_language("Zyx qwv brrk plimf"), Lang::unknown);  // no stop word of either
}

TEST(GuessLanguage, EachStopWordCountsOnce) {
  // "the" four times is one English word; "el", "la" and "de" are three Spanish ones.
  EXPECT_EQ(guess_language("the the the the el la de manana"), Lang::es);
  EXPECT_EQ(guess_language("la la la la the and you manana"), Lang::en);
}

// The guess as its rule says, written plainly: the distinct stop words of each language among the
// folded words, two more for Spanish with a Spanish mark; Latin text only.
Lang reference(std::string_view text) {
  static const std::set<std::string> es = {"el", "la",    "los",  "las", "que", "de", "por", "para", "usted",
                                           "gracias", "hola", "su", "una", "es",  "con", "no", "del"};
  static const std::set<std::string> en = {"the", "and", "you",    "your",  "to",   "of",   "is", "we",
                                           "for", "thanks", "hello", "please", "with", "this", "it"};
  std::set<std::string> seen_es, seen_en;
  for (const Token& t : tokenize(fold_for_match(text))) {
    if (es.count(t.text)) seen_es.insert(t.text);
    if (en.count(t.text)) seen_en.insert(t.text);
  }
  int n_es = static_cast<int>(seen_es.size()), n_en = static_cast<int>(seen_en.size());
  for (std::string_view mark : {"¿", "¡", "ñ", "Ñ"})
    if (text.find(mark) != std::string_view::npos) {
      n_es += 2;
      break;
    }
  if (n_es == 0 && n_en == 0) return Lang::unknown;
  return n_es > n_en ? Lang::es : Lang::en;
}

TEST(GuessLanguage, AgreesWithThePlainRuleOnRandomTexts) {
  // Stop words, their near misses (longer, shorter, capitalised, accented) and other words.
  const std::array<std::string_view, 40> vocabulary = {
      "el",     "la",   "los",   "las",    "que",     "de",     "por",   "para",  "usted", "gracias",
      "hola",   "su",   "una",   "es",     "con",     "no",     "del",   "the",   "and",   "you",
      "your",   "to",   "of",    "is",     "we",      "for",    "thanks", "hello", "please", "with",
      "this",   "it",   "thee",  "The",    "Gracias", "delta",  "isn't", "año",   "pedido", "invoice"};
  std::mt19937 rng(20261202);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int words = 4 + static_cast<int>(rng() % 30);
    for (int w = 0; w < words; ++w) {
      text += vocabulary[rng() % vocabulary.size()];
      text += rng() % 5 == 0 ? ", " : " ";
    }
    if (rng() % 7 == 0) text += "¿";
    EXPECT_EQ(guess_language(text), reference(text)) << text;
  }
}

}  // namespace
}  // namespace sm
