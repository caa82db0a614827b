// Header decoding: the header block split, RFC 2047 encoded words, RFC 2231 parameters and
// address lists, on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message/address.h"
#include "message/encoded_words.h"
#include "message/headers.h"
#include "message/params.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sm::Limits limits;
  sm::HeaderBlock hb = sm::split_headers(in, limits);
  for (const auto& f : hb.fields) {
    sm::decode_header_text(f.value);
    sm::parse_address_list(f.value);
    sm::parse_param_header(f.value);
  }
  sm::decode_header_text(in);
  sm::parse_address_list(in);
  sm::parse_param_header(in);
  return 0;
}
