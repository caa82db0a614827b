// Words of ASCII text: the ASCII test (the segmenter itself is inline in words.h).
#include "message/words.h"

#include <cstring>

namespace sm {

bool is_ascii(std::string_view text) {
  const char* p = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    unsigned long long w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < n; ++i)
    if (static_cast<unsigned char>(p[i]) & 0x80) return false;
  return true;
}

}  // namespace sm
