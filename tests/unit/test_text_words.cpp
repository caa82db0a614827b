// The words of the three word readers on pinned texts (tests/unit/token_pins.h): the fingerprints'
// (UAX #29), the text analysis's tokens and the promise reader's. They must not change.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/fold.h"
#include "store/fingerprint.h"
#include "tests/unit/token_pins.h"
#include "text/fold.h"
#include "text/promise.h"

namespace {

using namespace sm;

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += w + "|";
  return out;
}

// A token as its text, then "~" and its squeezed form when it has one, then its flags: "<" starts
// a clause, ">" ends one, "." ends a sentence, "*" masked; tokens separated by one space.
std::string described(const std::vector<Token>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t.text;
    if (!t.squeezed.empty()) out += "~" + t.squeezed;
    if (t.clause_start) out += "<";
    if (t.clause_end) out += ">";
    if (t.sentence_end) out += ".";
    if (t.masked) out += "*";
  }
  return out;
}

std::string tokens_of(const char* text) { return described(tokenize(fold_for_match(text))); }
std::string promise_words_of(const char* text) { return joined(promise_words(fold_utf8_icu(text, kFoldCaseOnly))); }

TEST(Words, PinnedValues) {
  for (const auto& p : pins::kTokenPins) {
    EXPECT_EQ(joined(shingle_words(p.text)), p.shingle_words) << p.text;
    EXPECT_EQ(tokens_of(p.text), p.tokens) << p.text;
    EXPECT_EQ(promise_words_of(p.text), p.promise_words) << p.text;
  }
}

// The text analysis keeps 50,001 tokens of a text, the promise reader 5,001 words.
TEST(Words, Caps) {
  std::string many;
  for (int k = 0; k < 60000; ++k) many += k % 7 == 0 ? "at 18:00, " : "ok ";
  const std::vector<Token> tokens = tokenize(many);
  ASSERT_EQ(tokens.size(), 50001u);
  EXPECT_TRUE(tokens.back().clause_end && tokens.back().sentence_end);
  const std::vector<std::string> words = promise_words(many);
  ASSERT_EQ(words.size(), 5001u);
  EXPECT_EQ(words[5000], "at");
  EXPECT_EQ(words[5001 - 8], "18:00");
  for (const Token& t : tokens) ASSERT_TRUE(t.hash == word_hash(t.text) && t.stem_hash == t.hash && t.key == word_key(t.text));
}

}  // namespace
