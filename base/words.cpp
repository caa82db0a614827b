// The code points of the word scanner's letter runs (base/words.h).
#include "base/words.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace sm {

WordUnit word_unit_of_code_point(std::string_view text, std::size_t i) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  auto k = static_cast<int32_t>(i);
  UChar32 c;
  U8_NEXT(p, k, n, c);
  WordClass cls = WordClass::other;  // ill-formed bytes separate words, as U+FFFD would
  if (c >= 0) cls = u_isalpha(c) ? WordClass::letter : u_isalnum(c) ? WordClass::numeric : WordClass::other;
  return {cls, static_cast<std::size_t>(k)};
}

}  // namespace sm
