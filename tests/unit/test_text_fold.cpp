// fold_for_match's table path against ICU's normalization (fold_for_match_icu), on random text
// mixing ASCII, accented Latin, Greek, Cyrillic, combining marks, compatibility characters and
// broken UTF-8.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/fold.h"
#include "text/lang.h"

namespace {

using namespace sm;

TEST(Fold, AsciiIsLowerCase) {
  EXPECT_EQ(fold_for_match("Hello WORLD, Invoice #4471!"), "hello world, invoice #4471!");
  EXPECT_EQ(fold_for_match("Hello WORLD, Invoice #4471!"), fold_for_match_icu("Hello WORLD, Invoice #4471!"));
}

TEST(Fold, KnownLetters) {
  EXPECT_EQ(fold_for_match("Ñandú ÉCOLE"), "nandu ecole");
  EXPECT_EQ(fold_for_match("Ёлка ЙОД"), "елка йод");
  EXPECT_EQ(fold_for_match("Straße"), "strasse");
  EXPECT_EQ(fold_for_match("ﬁne"), "fine");                          // compatibility ligature: ICU path
  EXPECT_EQ(fold_for_match("cafe\xcc\x81"), fold_for_match_icu("cafe\xcc\x81"));  // combining acute
}

TEST(Fold, RandomTextMatchesIcu) {
  const std::vector<std::string> pieces = {
      "a", "Z", "7", " ", ".", "*", "\n", "é", "É", "ñ", "Ñ", "ü", "ß", "ø", "Å", "œ", "ĳ", "ŉ", "ǅ", "ſ",
      "\xc2\xa0", "\xc2\xad", "µ", "ª", "º", "¹", "½", "¿", "¡", "Σ", "ς", "ΐ", "ё", "Ё", "й", "Й", "ї", "Ѓ",
      "ѐ", "Ӂ", "ԧ", "\xcc\x81", "\xcc\x88", "\xcc\x86", "ﬁ", "Ⅻ", "ｶ", "中", "😀", "\xff", "\xc3", "\xe2\x82"};
  std::mt19937 rng(8812);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), len(0, 12);
  for (int round = 0; round < 50000; ++round) {
    std::string s;
    for (std::size_t n = len(rng); n > 0; --n) s += pieces[pick(rng)];
    ASSERT_EQ(fold_for_match(s), fold_for_match_icu(s)) << "text: \"" << s << "\"";
  }
}

}  // namespace
