// History without a marker, found by the words of the message answered: found_from_each_line
// (store/fingerprint.h) says where the answered message's fingerprints stand, split_unmarked
// (message/quote.h) cuts the body there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "message/quote.h"
#include "store/fingerprint.h"

namespace sm {
namespace {

const std::string kCustomer =
    "Анна, добрый вечер!\n\nВ спальне батарея еле тёплая, в остальных комнатах нормально. Это к вам или в "
    "управляющую компанию? Мы дома по будням после семи вечера, в выходные весь день.\n\nСтанислав";

const std::string kReply =
    "Станислав, добрый день!\n\nСлесарь придёт в четверг, 19 ноября, с 9:00 до 12:00. Напишите, пожалуйста, "
    "будет ли кто-то дома.\n\nС уважением,\nАнна Воробьёва\nменеджер по аренде\nТел.: +7 900 000-45-09";

QuoteSplit split(const std::string& body, const std::string& answered = kCustomer) {
  const std::vector<std::uint64_t> s = sketch(answered);
  return split_unmarked(body, found_from_each_line(body, s), s.size());
}

TEST(UnmarkedHistory, FoundFromEachLineCountsWhatFollows) {
  const std::string body = kReply + "\n\n" + kCustomer;
  const std::vector<std::uint64_t> s = sketch(kCustomer);
  const std::vector<std::size_t> found = found_from_each_line(body, s);
  std::size_t lines = 1;
  for (char c : body) lines += c == '\n';
  ASSERT_EQ(found.size(), lines);
  EXPECT_EQ(found.front(), s.size());  // the whole message is in the body
  EXPECT_EQ(found.back(), 0u);        // its last line starts no shingle of four words
  for (std::size_t i = 1; i < found.size(); ++i) EXPECT_LE(found[i], found[i - 1]);
  // The reply's own lines hold nothing of it: the count stays whole down to the copy.
  const std::size_t copy_line = lines - 5;  // "Анна, добрый вечер!"
  EXPECT_EQ(found[copy_line], s.size());
  EXPECT_LT(found[copy_line + 2], s.size());
}

TEST(UnmarkedHistory, DrawnLineAndNoticeHeadTheCopy) {
  const std::string body = kReply +
                           "\n------------------------------------------------\nНиже история вашего обращения, "
                           "ответ пишите выше этой линии.\n\n" +
                           kCustomer;
  const QuoteSplit q = split(body);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.style, QuoteStyle::unmarked);
  EXPECT_EQ(q.new_text, kReply);
  EXPECT_EQ(q.marker, "------------------------------------------------");
  EXPECT_FALSE(q.inline_answers);
}

TEST(UnmarkedHistory, CopyRightBelowTheSignature) {
  const QuoteSplit q = split(kReply + "\n\n" + kCustomer);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.new_text, kReply);
  EXPECT_EQ(q.quoted, kCustomer);
  EXPECT_TRUE(q.marker.empty());
}

TEST(UnmarkedHistory, DatedHeadLinesGoWithTheCopy) {
  const QuoteSplit q = split(kReply + "\n\nСтанислав Рыбаков, 17.11.2026 21:30\n" + kCustomer);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.new_text, kReply);
  EXPECT_EQ(q.marker, "Станислав Рыбаков, 17.11.2026 21:30");
}

TEST(UnmarkedHistory, OpeningHoursInTheSignatureStayTheAuthors) {
  const std::string reply = kReply + "\nПн–Пт 9:00–18:00";
  const QuoteSplit q = split(reply + "\n\n" + kCustomer);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.new_text, reply);
}

TEST(UnmarkedHistory, APhraseRepeatedAboveDoesNotMoveTheStart) {
  const std::string reply =
      "Станислав, добрый день!\n\nВы пишете: в спальне батарея еле тёплая. Слесарь придёт в четверг.\n\n"
      "С уважением,\nАнна";
  const QuoteSplit q = split(reply + "\n\n" + kCustomer);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.new_text, reply);
}

TEST(UnmarkedHistory, WrittenBelowTheCopy) {
  const QuoteSplit q = split(kCustomer + "\n\n" + kReply);
  ASSERT_TRUE(q.has_quote);
  EXPECT_EQ(q.quoted, kCustomer);
  EXPECT_EQ(q.new_text, kReply);
  EXPECT_TRUE(q.inline_answers);
}

TEST(UnmarkedHistory, NoCopyNoQuote) {
  EXPECT_FALSE(split(kReply).has_quote);
  // A few of its words are no copy: less than half of the message answered.
  EXPECT_FALSE(split(kReply + "\n\nВ спальне батарея еле тёплая, в остальных комнатах нормально.").has_quote);
  EXPECT_FALSE(split(kReply, "").has_quote);
  // Counts that do not match the text's lines are no answer.
  EXPECT_FALSE(split_unmarked(kReply, {1, 2, 3}, 3).has_quote);
}

}  // namespace
}  // namespace sm
