// Header values written by the milter: nothing from a message can start a new header line.
#include <gtest/gtest.h>

#include "message/encoded_words.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  std::string input;
  std::string want;
};

TEST(HeaderValue, SanitizeText) {
  const Case cases[] = {
      {"plain", "fail=reply-all", "fail=reply-all"},
      {"crlf injection", "x\r\nBcc: evil@example.com", "x Bcc: evil@example.com"},
      {"bare lf", "a\nb", "a b"},
      {"nul and tab", std::string("a\0b\tc", 5), "a b c"},
      {"c1 control", "a\xc2\x85" "b", "a b"},
      {"line separator", "a\xe2\x80\xa8" "b", "a b"},
      {"invalid utf8 repaired", "a\xff" "b", "a\xef\xbf\xbd" "b"},
      {"collapse and trim", "  a   b  ", "a b"},
      {"cyrillic kept", "Счёт 4471", "Счёт 4471"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(sanitize_text(c.input), c.want);
  }
}

TEST(HeaderValue, SanitizeCutsOnCharacterBoundary) {
  std::string s;
  for (int i = 0; i < 100; ++i) s += "ж";  // 2 bytes each
  auto out = sanitize_text(s, 11);
  EXPECT_EQ(out.size(), 10u);
}

TEST(HeaderValue, AsciiValueIsFoldedUnder78) {
  std::string long_value;
  for (int i = 0; i < 40; ++i) long_value += "rule-" + std::to_string(i) + " ";
  std::string v = encode_header_value("X-Support-Policy", long_value);
  std::size_t start = 0;
  while (start < v.size()) {
    auto end = v.find('\n', start);
    std::string line = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(line.size(), 78u) << line;
    if (end == std::string::npos) break;
    EXPECT_EQ(v[end + 1], '\t');
    start = end + 1;
  }
  EXPECT_EQ(v.find('\r'), std::string::npos);
}

TEST(HeaderValue, NonAsciiBecomesEncodedWords) {
  std::string v = encode_header_value("Subject", "Re: Счёт 4471 не оплачен, пожалуйста проверьте платёж");
  EXPECT_EQ(v.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(v.find('\r'), std::string::npos);
  for (std::size_t pos = 0; (pos = v.find('\n', pos)) != std::string::npos; ++pos) EXPECT_EQ(v[pos + 1], '\t');
  // Every word ends within 75 characters.
  for (std::size_t pos = 0; (pos = v.find("=?UTF-8?B?", pos)) != std::string::npos; ++pos) {
    auto end = v.find("?=", pos + 10);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - pos, 75u);
  }
}

TEST(HeaderValue, InjectionCannotSurviveEncoding) {
  std::string v = encode_header_value("X-Support-Policy", "fail=x\r\nX-Injected: yes");
  EXPECT_EQ(v.find("\r"), std::string::npos);
  EXPECT_EQ(v.find("\nX-Injected"), std::string::npos);
}

TEST(HeaderValue, AddressListFoldsAtCommas) {
  std::string v = encode_address_list(
      "Cc", "\"Lopez, Ana\" <ana.lopez@client.example>, bob.builder@client.example, carol.long-name@client.example, dave@client.example");
  EXPECT_NE(v.find("\"Lopez, Ana\" <ana.lopez@client.example>"), std::string::npos);
  EXPECT_NE(v.find(",\n\t"), std::string::npos);
  EXPECT_EQ(v.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace sm
