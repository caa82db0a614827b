// Header values that support-milter writes (annotations, fixed Subject and Cc): no CR, LF or other
// control character from any source survives; non-ASCII text becomes RFC 2047 encoded words; the
// result is folded so no line exceeds 78 bytes where possible and never 998.
#pragma once
#include <string>
#include <string_view>

namespace sm {

// Replaces control characters (C0, DEL, C1, and U+2028/U+2029) with spaces, collapses runs of
// white space, trims, repairs invalid UTF-8, and cuts to `max_bytes` on a character boundary.
std::string sanitize_text(std::string_view utf8, std::size_t max_bytes = 900);

// A header value ready for the wire: sanitized, encoded where not ASCII, folded with "\n\t"
// (libmilter's form) for a field called `name`.
std::string encode_header_value(std::string_view name, std::string_view utf8);

// A value made of address-list items (Cc): each item's display name is encoded, addresses stay.
std::string encode_address_list(std::string_view name, std::string_view utf8_list);

}  // namespace sm
