// Byte-string helpers every layer uses: ASCII tests and case, trimming, hex, HTML escaping.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sm {

// True when no byte has its high bit set.
bool is_ascii(std::string_view s);

// A-Z to a-z; every other byte stays.
std::string ascii_lower(std::string_view s);

// `s` without the leading and trailing bytes that are in `chars` (white space by default).
inline constexpr std::string_view kWhiteSpace = " \t\r\n\f\v";
std::string_view trim(std::string_view s, std::string_view chars = kWhiteSpace);

// Lower-case hex digits of bytes, two a byte.
std::string hex(const unsigned char* bytes, std::size_t n);
inline std::string hex(std::string_view bytes) {
  return hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}
// The `n` bytes whose hex digits (either case) are exactly `text`; false for anything else.
bool unhex(std::string_view text, unsigned char* out, std::size_t n);

// `s` safe as HTML text and as a quoted attribute value: & < > " ' as character references.
std::string html_escape(std::string_view s);

}  // namespace sm
