// UTF-8 text through ICU.
#include "base/unicode.h"

#include <unicode/locid.h>

#include <algorithm>

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

std::string fold_case_utf8(std::string_view utf8) { return fold_utf8_icu(utf8, kFoldCaseOnly, utf8.size()); }

}  // namespace sm
