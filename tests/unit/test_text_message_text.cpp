// MessageText's questions: read without splitting the text that holds no question mark, they are
// the questions among all the sentences, in order, with their paragraph and list item.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/message_text.h"

namespace sm {
namespace {

std::vector<Sentence> questions_among(const std::vector<Sentence>& all) {
  std::vector<Sentence> out;
  for (const auto& s : all)
    if (s.question) out.push_back(s);
  return out;
}

void expect_same(const std::vector<Sentence>& got, const std::vector<Sentence>& want, const std::string& text) {
  ASSERT_EQ(got.size(), want.size()) << text;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].text, want[i].text) << text;
    EXPECT_EQ(got[i].paragraph, want[i].paragraph) << text;
    EXPECT_EQ(got[i].numbered, want[i].numbered) << text;
    EXPECT_TRUE(got[i].question) << text;
  }
}

// Both ways of asking (questions first, or after all the sentences) against the sentences.
void check(const std::string& text) {
  MessageText first(text, "", nullptr);
  const std::vector<Sentence>& q = first.questions();
  MessageText all(text, "", nullptr);
  const std::vector<Sentence> want = questions_among(all.sentences());
  expect_same(q, want, text);
  expect_same(all.questions(), want, text);
  EXPECT_EQ(first.question_count(), static_cast<int>(want.size())) << text;
}

TEST(MessageTextQuestions, AreTheQuestionsAmongTheSentences) {
  check("Hello,\n\nDoes the export work on Android? It stopped yesterday.\n\nThanks");
  check("Two things:\n1. Which browser do you use?\n2) Does it happen every time?\n- Also: is it slow?\n");
  check("Open https://x.example/?id=5 and tell me. Nothing asked here.");
  check("¿Puede confirmar el importe? Gracias.\n\nUn saludo");
  check("Вы получили счёт? Спасибо.");
  check("発送はいつですか？ よろしくお願いします。");
  check("What?No space after it.\nWrapped line of a\nquestion that goes on?\n\n\n");
  check("");
  check("?");
}

// Random texts of sentences, list items, paragraphs, URLs, and question marks in every position.
TEST(MessageTextQuestions, AgreeOnRandomTexts) {
  const std::vector<std::string> pieces = {
      "The invoice was sent twice.", "Can you cancel the second copy?", "Is 240 euros right?", "¿Y la otra factura?",
      "Вы получили письмо?", "See https://pay.example/?ref=7 for it.", "Why?", "what?then", "Thanks!", "ok",
      "（確認）ですか？", "Mr. Smith asked twice.", "e.g. a refund?", "\"Really?\" she said.", "(Is it?)"};
  const std::vector<std::string> joins = {" ", " ", "\n", "\n\n", "\n1. ", "\n2) ", "\n- ", "\n* ", "\na) ", "  "};
  std::mt19937 rng(20261202);
  for (int round = 0; round < 400; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      if (i > 0) text += joins[rng() % joins.size()];
      text += pieces[rng() % pieces.size()];
    }
    check(text);
  }
}

}  // namespace
}  // namespace sm
