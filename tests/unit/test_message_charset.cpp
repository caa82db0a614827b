// Charsets to UTF-8 through ICU, with fallbacks for labels that lie or do not exist.
#include <gtest/gtest.h>
#include <unicode/utf8.h>

#include "message/charset.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  std::string bytes;
  const char* charset;
  std::string want;
  bool fallback;
  bool replaced;
};

TEST(Charset, ToUtf8) {
  const Case cases[] = {
      {"utf-8", "Espa\xc3\xb1" "a", "utf-8", "España", false, false},
      {"utf-8 upper-case label", "ok", "UTF-8", "ok", false, false},
      {"iso-8859-1", "Espa\xf1" "a", "iso-8859-1", "España", false, false},
      {"latin1 alias", "caf\xe9", "latin1", "café", false, false},
      {"windows-1252 quotes", "\x93hi\x94", "windows-1252", "\xe2\x80\x9chi\xe2\x80\x9d", false, false},
      {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "Привет", false, false},
      {"windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251", "Привет", false, false},
      {"cp1251 alias", "\xcf\xf0\xe8\xe2\xe5\xf2", "cp1251", "Привет", false, false},
      {"shift_jis", "\x93\xfa\x96\x7b", "shift_jis", "日本", false, false},
      {"iso-2022-jp", "\x1b$BF|K\\\x1b(B", "iso-2022-jp", "日本", false, false},
      {"gb2312 read as gbk", "\xd6\xd0\xce\xc4", "gb2312", "中文", false, false},
      {"big5", "\xa4\xa4\xa4\xe5", "big5", "中文", false, false},
      {"quoted label", "ok", "\"utf-8\"", "ok", false, false},
      {"empty label ascii", "plain", "", "plain", false, false},
      {"us-ascii with utf-8 bytes", "Espa\xc3\xb1" "a", "us-ascii", "España", false, false},
      {"us-ascii with latin-1 bytes", "Espa\xf1" "a", "us-ascii", "España", false, false},
      {"unknown label, utf-8 bytes", "Espa\xc3\xb1" "a", "x-unknown", "España", true, false},
      {"unknown label, 8-bit bytes", "caf\xe9", "unknown-8bit", "café", true, false},
      {"path-like label", "caf\xe9", "../../etc/passwd", "café", true, false},
      {"x-user-defined", "abc", "x-user-defined", "abc", true, false},
      {"invalid utf-8 replaced", "a\xff" "b", "utf-8", "a\xef\xbf\xbd" "b", false, true},
      {"overlong replaced", "\xc0\xaf", "utf-8", "\xef\xbf\xbd\xef\xbf\xbd", false, true},
      {"surrogate replaced", "\xed\xa0\x80", "utf-8", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false, true},
      {"truncated sequence", "ab\xe2\x82", "utf-8", "ab\xef\xbf\xbd", false, true},
      {"nul kept", std::string("a\0b", 3), "utf-8", std::string("a\0b", 3), false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    Utf8Text t = to_utf8(c.bytes, c.charset);
    EXPECT_EQ(t.text, c.want);
    EXPECT_EQ(t.fallback, c.fallback) << t.used;
    EXPECT_EQ(t.replaced, c.replaced);
    EXPECT_TRUE(is_valid_utf8(t.text));
  }
}

TEST(Charset, Validity) {
  EXPECT_TRUE(is_valid_utf8("Привет, ¿qué tal? 日本 😀"));
  EXPECT_FALSE(is_valid_utf8("\xc0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
  EXPECT_EQ(sanitize_utf8("ok\xfe"), "ok\xef\xbf\xbd");
}

// Well-formed as ICU reads UTF-8: every code point decodes (U8_NEXT gives a negative value for
// an ill-formed sequence: overlong, surrogate, above U+10FFFF, cut short).
bool icu_valid(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

TEST(Charset, ValidityAgreesWithIcuOnEveryShortSequence) {
  // Every string of one and two bytes, every three-byte string that starts a multi-byte
  // sequence, and four-byte strings over every lead and second byte with the other two from a
  // set of edge values; each alone and after ASCII (the eight-byte ASCII path).
  std::size_t checked = 0;
  auto check = [&](const std::string& s) {
    ASSERT_EQ(is_valid_utf8(s), icu_valid(s)) << testing::PrintToString(s);
    const std::string after = "abcdefghij" + s;
    ASSERT_EQ(is_valid_utf8(after), icu_valid(after)) << testing::PrintToString(after);
    ++checked;
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) check({static_cast<char>(a), static_cast<char>(b)});
  }
  for (int a = 0xc0; a < 256; ++a)
    for (int b = 0; b < 256; ++b)
      for (int c = 0; c < 256; ++c) {
        std::string s{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        if (a >= 0xe0) check(s);
        else if (c == 0x41 || c == 0x80 || c == 0xbf || c == 0xc0) check(s);  // a 2-byte lead, then one more byte
      }
  const int edges[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
  for (int a = 0xf0; a < 256; ++a)
    for (int b = 0; b < 256; ++b)
      for (int c : edges)
        for (int d : edges) check({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
  EXPECT_GT(checked, 1'000'000u);
}

TEST(Charset, LargeInputIsConvertedWhole) {
  std::string big(3 * 1024 * 1024, '\xe9');
  Utf8Text t = to_utf8(big, "iso-8859-1");
  EXPECT_EQ(t.text.size(), big.size() * 2);
}

}  // namespace
}  // namespace sm
