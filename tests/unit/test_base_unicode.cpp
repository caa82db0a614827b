// Text for places that carry only US-ASCII (an SMTP reply): transliterated, never mangled.
#include <gtest/gtest.h>

#include "base/unicode.h"

namespace sm {
namespace {

TEST(AsciiTransliteration, KeepsAsciiAndTransliteratesOtherScripts) {
  EXPECT_EQ(ascii_transliteration("reply-all: add bob@client.example to Cc"), "reply-all: add bob@client.example to Cc");
  EXPECT_EQ(ascii_transliteration("política de soporte: añada"), "politica de soporte: anada");
  EXPECT_EQ(ascii_transliteration("правила поддержки: добавьте в копию"), "pravila podderzki: dobav'te v kopiu");
  EXPECT_EQ(ascii_transliteration("Счёт «7731»"), "Scet <<7731>>");
  for (const char* s : {"日本語のテキスト", "Ελληνικά", "emoji \xF0\x9F\x98\x80 end", "\xC3\x28 broken"}) {
    const std::string out = ascii_transliteration(s);
    SCOPED_TRACE(s);
    EXPECT_FALSE(out.empty());
    for (char c : out) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  }
}

}  // namespace
}  // namespace sm
