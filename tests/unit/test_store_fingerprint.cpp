// Fingerprints survive re-wrapping, quoting and case; unrelated text does not match.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/fingerprint.h"
#include "tests/unit/fold_pins.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

const char* kEn = "We were charged twice for invoice 4471 this month, once on the 3rd and again on the 5th. "
                  "Could you refund the second payment to the card we used?";
const char* kRu = "Третий день не можем войти в личный кабинет: после ввода пароля страница просто обновляется.";
const char* kEs = "Hemos recibido la factura nº 8812 duplicada en nuestra cuenta de correo. ¿Podrían anular la segunda copia?";

struct Case {
  const char* label;
  std::string stored;
  std::string quote;
  double min;
  double max;
};

// The share computed the plain way, from the quote's sorted shingles: what containment_in()
// must equal.
double containment(const std::vector<std::uint64_t>& stored_sketch, const std::vector<std::uint64_t>& quote_shingles) {
  if (stored_sketch.empty()) return 0.0;
  std::size_t found = 0;
  for (std::uint64_t h : stored_sketch)
    if (std::binary_search(quote_shingles.begin(), quote_shingles.end(), h)) ++found;
  return static_cast<double>(found) / static_cast<double>(stored_sketch.size());
}

TEST(Fingerprint, Containment) {
  const Case cases[] = {
      {"same text", kEn, kEn, 1.0, 1.0},
      {"quoted and rewrapped",
       kEn, "> We were charged twice for invoice 4471 this\n> month, once on the 3rd and again on the\n> 5th. Could you refund the second payment to\n> the card we used?", 0.99, 1.0},
      {"case and punctuation", kEn, "WE WERE CHARGED TWICE for invoice 4471 this month -- once on the 3rd, and again on the 5th! could you refund the second payment to the card we used", 0.9, 1.0},
      {"russian quoted", kRu, std::string("> ") + kRu, 0.99, 1.0},
      {"spanish quoted", kEs, std::string("> ") + kEs, 0.99, 1.0},
      {"unrelated", kEn, kRu, 0.0, 0.0},
      {"half quoted", kEn, "We were charged twice for invoice 4471 this month, once on the 3rd", 0.2, 0.8},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    double v = containment(sketch(c.stored), shingles(c.quote));
    EXPECT_GE(v, c.min);
    EXPECT_LE(v, c.max);
  }
}

TEST(Fingerprint, ShortAndEmptyTexts) {
  EXPECT_TRUE(shingles("").empty());
  EXPECT_TRUE(shingles(" ... !!! ").empty());
  EXPECT_EQ(shingles("Thanks Sam").size(), 1u);
  EXPECT_EQ(containment({}, shingles(kEn)), 0.0);
}

TEST(Fingerprint, SketchIsBounded) {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "word" + std::to_string(i) + " ";
  EXPECT_EQ(sketch(big).size(), kSketchSize);
}

// ASCII text takes the byte path, any other text ICU's: the same words either way, so a message
// stored by one path is found by the other. Appending one non-ASCII word sends the text to ICU;
// every shingle of the ASCII text must still be there.
TEST(Fingerprint, AsciiPathAgreesWithIcu) {
  const std::vector<std::string> texts = {
      "We were charged twice for invoice 4471 this month, once on the 3rd and again on the 5th.",
      "Don't worry: the e.g. case, v1.2.3 and 4,471.00 USD; mail ana@client.example or see https://x.example/a_b.",
      "UPPER lower MiXeD __ _ 1_ _x1 a1.b x.1 1.x end."};
  for (const auto& t : texts) {
    auto ascii = shingles(t);
    auto icu = shingles(t + " \xc3\xa9t\xc3\xa9");  // " été"
    ASSERT_FALSE(ascii.empty());
    for (auto h : ascii) EXPECT_TRUE(std::binary_search(icu.begin(), icu.end(), h)) << t;
    EXPECT_GT(icu.size(), ascii.size() - 1) << t;
  }
}

TEST(Fingerprint, StreamingContainmentEqualsSorted) {
  const std::string answered = kEn;
  std::string quote = "> " + answered + "\n> older history that the answered message did not contain at all\n";
  auto sk = sketch(answered);
  EXPECT_DOUBLE_EQ(containment_in(sk, quote), containment(sk, shingles(quote)));
  EXPECT_DOUBLE_EQ(containment_in(sk, answered), 1.0);
  EXPECT_DOUBLE_EQ(containment_in(sk, "nothing alike in these few words here"), 0.0);
  EXPECT_DOUBLE_EQ(containment_in({}, quote), 0.0);
  // A quote holding the answer twice counts each hash once.
  EXPECT_DOUBLE_EQ(containment_in(sk, answered + "\n" + answered), 1.0);
}

// Text that is not ASCII folds and splits without ICU when its characters allow: the words must be
// ICU's, on random strings of the characters mail in our languages holds (accented Latin,
// Cyrillic, Greek, typographic punctuation, ligatures and compatibility forms, digits, the middle
// characters that join words) mixed with some that send the text to ICU (combining marks, Hebrew,
// Thai, Japanese).
TEST(Fingerprint, TablePathAgreesWithIcu) {
  const std::vector<std::string> pool = {
      "a", "Z", "k", "0", "9", "_", ".", "'", ",", ";", ":", "-", "!", "?", "@", "/", " ", "\t", "\n", "\"",
      "\xc3\xa9", "\xc3\x89", "\xc3\xb1", "\xc3\x91", "\xc3\x9f", "\xc3\xa7", "\xc2\xbf", "\xc2\xa1",
      "\xc2\xaa", "\xc2\xba", "\xc2\xb5", "\xc2\xb2", "\xc2\xbd", "\xc2\xa0", "\xc2\xad", "\xc2\xb7",
      "\xc2\xab", "\xc2\xbb", "\xc5\x89", "\xc7\x84", "\xef\xac\x81",                    // ŉ Ǆ ﬁ
      "\xd0\x96", "\xd0\xb6", "\xd1\x91", "\xd0\x81", "\xd0\xb9", "\xd0\x99", "\xd1\x8a", "\xd1\x96",
      "\xce\xa3", "\xcf\x82", "\xce\x90", "\xce\x87", "\xcd\xbe",                         // Σ ς ΐ · ;
      "\xe2\x80\x99", "\xe2\x80\x98", "\xe2\x80\x9c", "\xe2\x80\x94", "\xe2\x80\xa6", "\xe2\x80\xa4",
      "\xe2\x80\xa7", "\xe2\x80\x8b", "\xe2\x80\x8d", "\xe2\x80\xbf", "\xe2\x81\x84", "\xe2\x82\xac",
      "\xe1\xba\xbf", "\xe1\xbc\x80", "\xd9\xa3",                                           // ế ἀ ٣
      "\xcc\x81", "\xcc\x88", "\xd7\x90", "\xe0\xb8\x81", "\xe3\x82\xab", "\xe4\xb8\xad", "\xff"};
  std::mt19937 rng(8812);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), len(0, 24);
  for (int round = 0; round < 100000; ++round) {
    std::string s;
    for (std::size_t n = len(rng); n > 0; --n) s += pool[pick(rng)];
    ASSERT_EQ(shingle_words(s), shingle_words_icu(s)) << "text: \"" << s << "\"";
  }
  for (std::string s : {std::string(kEn), std::string(kRu), std::string(kEs), std::string("Straße ÆSIR ǅemal ﬁn №5 Ⅻ ⑤")})
    EXPECT_EQ(shingle_words(s), shingle_words_icu(s)) << s;
}

TEST(Fingerprint, TestMessagesAgreeWithIcu) {
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SM_TEST_DATA)) {
    if (!e.is_regular_file()) continue;
    std::string s = test::slurp(e.path());
    if (s.size() > 200000) continue;
    ++files;
    ASSERT_EQ(shingle_words(s), shingle_words_icu(s)) << e.path();
  }
  EXPECT_GT(files, 100);
}

// The quote is read only until every stored hash is found; the share is the one of the whole quote.
TEST(Fingerprint, ContainmentStopsAtFullShareWithTheSameResult) {
  auto sk = sketch(kRu);
  std::string quote = std::string("> ") + kRu + "\n";
  for (int i = 0; i < 200; ++i) quote += "> старая переписка, строка " + std::to_string(i) + "\n";
  EXPECT_DOUBLE_EQ(containment_in(sk, quote), 1.0);
  EXPECT_DOUBLE_EQ(containment_in(sk, quote), containment(sk, shingles(quote)));
  std::string partial = std::string("> ") + std::string(kRu).substr(0, std::string(kRu).find(' ', 40)) + "\n" + quote.substr(quote.find('\n') + 1);
  EXPECT_DOUBLE_EQ(containment_in(sk, partial), containment(sk, shingles(partial)));
  EXPECT_LT(containment_in(sk, partial), 1.0);
}

// The words and the shingles the store keeps do not change (tests/unit/fold_pins.h): a sketch
// stored before is found after.
TEST(Fingerprint, PinnedValues) {
  for (const auto& p : pins::kFoldPins) {
    std::string words;
    for (const auto& w : shingle_words(p.text)) words += w + "|";
    EXPECT_EQ(words, p.shingle_words) << p.text;
    EXPECT_EQ(pins::fnv64(pack_sketch(shingles(p.text))), p.shingles_fnv) << p.text;
  }
}

}  // namespace
}  // namespace sm
