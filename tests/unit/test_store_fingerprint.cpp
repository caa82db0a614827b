// Fingerprints survive re-wrapping, quoting and case; unrelated text does not match.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/fingerprint.h"

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

}  // namespace
}  // namespace sm
