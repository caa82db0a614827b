// MIME parsing: the pre-scan, mimetic, transfer decoding and the choice of body text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message/mime.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sm::Limits limits;
  limits.max_parts = 200;  // keeps each run short; the limits themselves are tested elsewhere
  sm::extract_body(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  return 0;
}
