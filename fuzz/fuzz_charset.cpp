// Charset conversion: the first line names the charset, the rest is converted to UTF-8.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message/charset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nl = in.find('\n');
  std::string_view charset = nl == std::string_view::npos ? std::string_view() : in.substr(0, nl);
  std::string_view bytes = nl == std::string_view::npos ? in : in.substr(nl + 1);
  sm::Utf8Text t = sm::to_utf8(bytes, charset);
  if (!sm::is_valid_utf8(t.text)) __builtin_trap();  // the converter's promise
  sm::sanitize_utf8(bytes);
  return 0;
}
