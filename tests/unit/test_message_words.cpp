// The ASCII word segmenter against ICU's word break iterator: the same words, the same kinds,
// on random strings of the characters that matter to the rules and on the test messages.
#include <gtest/gtest.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/words.h"

namespace {

using namespace sm;

struct Word {
  std::string text;
  WordKind kind;
  bool operator==(const Word&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Word& w) {
  return os << '"' << w.text << '"' << (w.kind == WordKind::letters ? "/L" : "/N");
}

std::vector<Word> icu_words(const std::string& text) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
  EXPECT_TRUE(U_SUCCESS(err));
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
  it->setText(u);
  std::vector<Word> out;
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    int32_t status = it->getRuleStatus();
    if (status < UBRK_WORD_NUMBER) continue;
    std::string w;
    u.tempSubStringBetween(start, end).toUTF8String(w);
    out.push_back({w, status >= UBRK_WORD_LETTER ? WordKind::letters : WordKind::number});
  }
  return out;
}

std::vector<Word> fast_words(const std::string& text) {
  std::vector<Word> out;
  for_each_ascii_word(text, [&](std::string_view w, WordKind k) { out.push_back({std::string(w), k}); });
  return out;
}

TEST(AsciiWords, IsAscii) {
  EXPECT_TRUE(is_ascii(""));
  EXPECT_TRUE(is_ascii("plain text, 1234567890 and more plain text"));
  EXPECT_FALSE(is_ascii("plain text with one \xc3\xa9 in the middle of it"));
  EXPECT_FALSE(is_ascii("\x80"));
  EXPECT_FALSE(is_ascii("twelve bytes\xff"));
}

TEST(AsciiWords, KnownCases) {
  for (std::string s : {"Hello, world", "don't stop", "e.g. this", "4,471.00 USD", "a1.b", "v1.2.3", "foo_bar _x_ __",
                        "18:00 today", "ana@client.example", "https://support.example.com/a_b?c=1", "...a..b''c",
                        "1;2;3", "3rd", "x.1", "1.x", "_1", "1_", "'a'", "a''b", "1,,2", "end."})
    EXPECT_EQ(fast_words(s), icu_words(s)) << s;
}

TEST(AsciiWords, RandomStringsMatchIcu) {
  const std::string alphabet = "aZk09_.',;:-!?@/ \t\n\r\"()x1";
  std::mt19937 rng(4471);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), len(0, 32);
  for (int round = 0; round < 100000; ++round) {
    std::string s;
    for (std::size_t n = len(rng); n > 0; --n) s += alphabet[pick(rng)];
    ASSERT_EQ(fast_words(s), icu_words(s)) << "text: \"" << s << "\"";
  }
}

TEST(AsciiWords, TestMessagesMatchIcu) {
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SM_TEST_DATA)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream b;
    b << in.rdbuf();
    std::string s = b.str();
    if (!is_ascii(s) || s.size() > 200000) continue;
    ++files;
    EXPECT_EQ(fast_words(s), icu_words(s)) << e.path();
  }
  EXPECT_GT(files, 5);
}

}  // namespace
