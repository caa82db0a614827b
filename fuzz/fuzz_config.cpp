// Config parsing: any text is a config or a clear error, never a crash.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    sm::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.conf");
  } catch (const std::exception&) {
    // Errors are the expected answer to bad input.
  }
  return 0;
}
