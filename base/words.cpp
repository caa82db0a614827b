// The code points of the word scanner's letter runs (base/words.h).
#include "base/words.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <vector>

namespace sm {

namespace {

WordClass class_of(UChar32 c) {
  if (c < 0) return WordClass::other;  // ill-formed bytes separate words, as U+FFFD would
  return u_isalpha(c) ? WordClass::letter : u_isalnum(c) ? WordClass::numeric : WordClass::other;
}

}  // namespace

const WordClass* code_point_classes() {
  static const std::vector<WordClass> table = [] {
    std::vector<WordClass> t(kCodePointClassesEnd);
    for (UChar32 c = 0; c < kCodePointClassesEnd; ++c) t[static_cast<std::size_t>(c)] = class_of(c);
    return t;
  }();
  return table.data();
}

WordUnit word_unit_of_code_point(std::string_view text, std::size_t i) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  auto k = static_cast<int32_t>(i);
  UChar32 c;
  U8_NEXT(p, k, n, c);
  return {c >= 0 && c < kCodePointClassesEnd ? code_point_classes()[c] : class_of(c), static_cast<std::size_t>(k)};
}

}  // namespace sm
