// UTF-8 text through ICU.
#include "base/unicode.h"

#include <unicode/locid.h>
#include <unicode/translit.h>

#include <algorithm>
#include <memory>

namespace sm {

icu::UnicodeString to_icu(std::string_view utf8, std::size_t max_bytes) {
  utf8 = utf8.substr(0, std::min(utf8.size(), max_bytes));
  return icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string to_utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::string lower_utf8(std::string_view utf8) {
  icu::UnicodeString u = to_icu(utf8, utf8.size());
  u.toLower(icu::Locale::getRoot());
  return to_utf8(u);
}

std::string ascii_transliteration(std::string_view utf8) {
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(utf8);
  // One per thread: building it reads ICU's rule data, and rejects are rare.
  thread_local std::unique_ptr<icu::Transliterator> to_ascii = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    return U_SUCCESS(status) ? std::move(t) : nullptr;
  }();
  icu::UnicodeString u = to_icu(utf8, utf8.size());
  if (to_ascii) to_ascii->transliterate(u);
  std::string out = to_utf8(u), ascii;
  for (std::size_t i = 0; i < out.size();) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      ascii += static_cast<char>(c);
      ++i;
      continue;
    }
    ascii += '?';
    i += c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  }
  return ascii;
}

std::string fold_case_utf8(std::string_view utf8) { return fold_utf8_icu(utf8, kFoldCaseOnly, utf8.size()); }

}  // namespace sm
