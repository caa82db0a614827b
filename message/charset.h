// Charset conversion to UTF-8 through ICU. Never fails: invalid bytes become U+FFFD and an unknown
// label falls back (valid UTF-8 stays UTF-8, anything else is read as windows-1252); the result
// says which happened so a caller can report it.
#pragma once
#include <string>
#include <string_view>

namespace sm {

struct Utf8Text {
  std::string text;       // always valid UTF-8
  bool fallback = false;  // the label was unknown or did not open; `used` says what was used
  bool replaced = false;  // some bytes were invalid in the charset and became U+FFFD
  std::string used;       // the converter name actually used
};

// Converts `bytes` labelled `charset` (any label ICU knows; case-insensitive; empty = us-ascii).
Utf8Text to_utf8(std::string_view bytes, std::string_view charset);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or truncated sequences).
bool is_valid_utf8(std::string_view s);

// Returns `s` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace sm
