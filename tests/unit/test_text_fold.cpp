// fold_for_match's table path against ICU's normalization (fold_for_match_icu), on random text
// mixing ASCII, accented Latin, Greek, Cyrillic, combining marks, compatibility characters and
// broken UTF-8.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/fold.h"
#include "text/lang.h"
#include "tests/unit/fold_pins.h"

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

// One token per line: text, squeezed form (when any), then the flags that are set.
std::string describe(const std::vector<Token>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += t.text;
    if (!t.squeezed.empty()) out += " ~" + t.squeezed;
    if (t.clause_start) out += " <";
    if (t.clause_end) out += " >";
    if (t.masked) out += " *";
    out += "\n";
  }
  return out;
}

TEST(Tokenize, MasksCountInsideAndBeforeAWordButNotAfter) {
  // "*uck" starts with its mask (a letter follows); a trailing mask is cut off; a lone mask and a
  // mask before a space are no words; a mask inside a word stays and marks the token.
  EXPECT_EQ(describe(tokenize("f**k *uck no** * ok")),
            "f**k < *\n"
            "*uck *\n"
            "no\n"
            "ok >\n");
}

TEST(Tokenize, RunsOfThreeSqueezeAndPairsStay) {
  EXPECT_EQ(describe(tokenize("soooo good thaaanks ааааа")),
            "soooo ~so <\n"
            "good\n"
            "thaaanks ~thanks\n"
            "ааааа ~а >\n");
  // A run of masks is a run like any other: the squeezed form keeps one.
  EXPECT_EQ(describe(tokenize("f***ing")), "f***ing ~f*ing < > *\n");
  // Trailing masks go before the runs are counted.
  EXPECT_EQ(describe(tokenize("ab***")), "ab < >\n");
}

TEST(Tokenize, ClausesEndAtMarksAndBlankLinesNotInsideNumbersOrWords) {
  EXPECT_EQ(describe(tokenize("costs 2.5 euros, e-mail me - thanks\n\nbye")),
            "costs <\n"
            "2\n"
            "5\n"
            "euros >\n"
            "e <\n"
            "mail\n"
            "me >\n"
            "thanks < >\n"
            "bye < >\n");
}

TEST(Tokenize, IllFormedBytesSeparateWords) {
  EXPECT_EQ(describe(tokenize("ab\xff" "cd \xe2\x82")), "ab <\ncd >\n");
}

// The folded text the lexicons are matched against does not change (tests/unit/fold_pins.h).
TEST(FoldForMatch, PinnedValues) {
  for (const auto& p : pins::kFoldPins) {
    EXPECT_EQ(fold_for_match(p.text), p.fold_for_match) << p.text;
    EXPECT_EQ(fold_for_match_icu(p.text), fold_for_match(p.text)) << p.text;
  }
}

}  // namespace
