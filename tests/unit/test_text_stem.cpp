// Snowball stems of folded words, one per language, and the same stems whether a word is met for
// the first time, again, after the stemmer's memo was emptied, or on another thread.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "text/fold.h"
#include "text/stem.h"

namespace sm {
namespace {

TEST(Stem, WordsOfEachLanguage) {
  EXPECT_EQ(stem_word("apologize", Lang::en), "apolog");
  EXPECT_EQ(stem_word("apologies", Lang::en), "apolog");
  EXPECT_EQ(stem_word("lamentamos", Lang::es), stem_word("lamento", Lang::es));
  EXPECT_EQ(stem_word("тупым", Lang::ru), stem_word("тупой", Lang::ru));
  // Not stemmed: no language, digits, a masked letter, a word over 64 bytes.
  EXPECT_EQ(stem_word("apologies", Lang::unknown), "apologies");
  EXPECT_EQ(stem_word("4471th", Lang::en), "4471th");
  EXPECT_EQ(stem_word("f*cking", Lang::en), "f*cking");
  EXPECT_EQ(stem_word(std::string(65, 'a'), Lang::en), std::string(65, 'a'));
}

TEST(Stem, TokensGetTheStemOfTheirWordAndOfTheSqueezedForm) {
  std::vector<Token> t = tokenize(fold_for_match("We apologize for the sooooo long waiting"));
  stem_tokens(t, Lang::en);
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[1].stem, "apolog");
  EXPECT_EQ(t[4].squeezed, "so");
  EXPECT_EQ(t[4].squeezed_stem, stem_word("so", Lang::en));
  EXPECT_EQ(t[6].stem, stem_word("waiting", Lang::en));
}

// The memo is bounded: 30,000 different words empty it several times; every stem stays the one
// the stemmer gives a word it has never seen.
TEST(Stem, RememberedStemsAreTheStemmersOwn) {
  const std::vector<std::string> words = {"connections", "connected", "refunding", "charged", "waiting"};
  std::vector<std::string> first;
  for (const auto& w : words) first.push_back(stem_word(w, Lang::en));
  for (int i = 0; i < 30000; ++i) {
    std::string w = "word";
    for (int k = i; k > 0; k /= 26) w += static_cast<char>('a' + k % 26);
    stem_word(w + "ings", Lang::en);
    if (i % 3000 == 0) {
      for (std::size_t k = 0; k < words.size(); ++k) ASSERT_EQ(stem_word(words[k], Lang::en), first[k]) << i;
    }
  }
  for (std::size_t k = 0; k < words.size(); ++k) EXPECT_EQ(stem_word(words[k], Lang::en), first[k]);
  std::vector<std::string> other(words.size());
  std::thread th([&] {
    for (std::size_t k = 0; k < words.size(); ++k) other[k] = stem_word(words[k], Lang::en);
  });
  th.join();
  EXPECT_EQ(other, first);
  EXPECT_EQ(first[0], "connect");
  EXPECT_EQ(first[1], "connect");
}

}  // namespace
}  // namespace sm
