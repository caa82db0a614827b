// RFC 2047 encoded words in unstructured text.
#include <gtest/gtest.h>

#include "message/encoded_words.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* raw;
  const char* want;
};

TEST(EncodedWords, Decode) {
  const Case cases[] = {
      {"plain", "Invoice 4471", "Invoice 4471"},
      {"q utf-8", "=?UTF-8?Q?Factura_n=C2=BA_8812?=", "Factura nº 8812"},
      {"q lower-case", "=?utf-8?q?caf=C3=A9?=", "café"},
      {"b utf-8", "=?UTF-8?B?0J/RgNC40LLQtdGC?=", "Привет"},
      {"b without padding", "=?UTF-8?B?0J/RgNC40LLQtdGC?=", "Привет"},
      {"iso-8859-1", "=?ISO-8859-1?Q?Mar=EDa_Garc=EDa?=", "María García"},
      {"koi8-r", "=?KOI8-R?B?8NLJ18XU?=", "Привет"},
      {"windows-1251", "=?windows-1251?B?z/Do4uXy?=", "Привет"},
      {"adjacent words joined", "=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"},
      {"adjacent over folding", "=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=", "ab"},
      {"text between keeps space", "=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", "a x b"},
      {"mixed text and word", "Re: =?UTF-8?Q?Factura?= duplicada", "Re: Factura duplicada"},
      {"split multibyte character", "=?UTF-8?B?0J/R?= =?UTF-8?B?gNC4?=", "При"},
      {"language suffix", "=?UTF-8*es?Q?hola?=", "hola"},
      {"broken word kept", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
      {"unterminated kept", "=?UTF-8?Q?abc", "=?UTF-8?Q?abc"},
      {"empty gbk word", "=?GBK?B?" "?=", ""},
      {"crlf decoded becomes spaces", "=?UTF-8?Q?a=0D=0AX-Injected:_1?=", "a  X-Injected: 1"},
      {"nul decoded becomes space", "=?UTF-8?Q?a=00b?=", "a b"},
      {"unknown charset falls back", "=?x-unknown?Q?caf=E9?=", "café"},
      {"path-like charset", "=?../../x?Q?abc?=", "abc"},
      {"raw utf-8 outside words", "Espa\xc3\xb1" "a", "España"},
      {"raw latin-1 outside words", "Espa\xf1" "a", "España"},
      {"folded plain text", "a\r\n b", "a b"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(decode_header_text(c.raw), c.want);
  }
}

TEST(EncodedWords, NotesSayWhatWasOdd) {
  std::vector<std::string> notes;
  decode_header_text("=?x-unknown?Q?caf=E9?=", &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("x-unknown"), std::string::npos);
}

TEST(EncodedWords, ManyWordsInLinearTime) {
  std::string raw;
  for (int i = 0; i < 20000; ++i) raw += "=?UTF-8?Q?a?= ";
  raw.pop_back();
  EXPECT_EQ(decode_header_text(raw).size(), 20000u);
}

}  // namespace
}  // namespace sm
