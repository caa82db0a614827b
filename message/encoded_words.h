// RFC 2047 encoded words in unstructured header text (Subject, display names): read from the
// message, and written in the header values support-milter adds or changes (annotations, fixed
// Subject and Cc), where no CR, LF or other control character from any source survives and the
// result is folded so no line exceeds 78 bytes where possible and never 998.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// Decodes every encoded word (=?charset?B|Q?text?=, any charset ICU knows, RFC 2231 language
// suffix allowed) in `raw` to UTF-8; white space between two adjacent encoded words is dropped;
// a broken word is left as it stands. Unfolds CRLF/LF + WSP first. Raw 8-bit text outside encoded
// words is taken as UTF-8 when valid, else windows-1252. Control characters decoded from a word
// (CR, LF, NUL, ...) become spaces. Notes (unknown charset, bad base64, ...) are appended to
// `notes` when given.
std::string decode_header_text(std::string_view raw, std::vector<std::string>* notes = nullptr);

// Replaces control characters (C0, DEL, C1, and U+2028/U+2029) with spaces, collapses runs of
// white space, trims, repairs invalid UTF-8, and cuts to `max_bytes` on a character boundary.
std::string sanitize_text(std::string_view utf8, std::size_t max_bytes = 900);

// A header value ready for the wire: sanitized, encoded where not ASCII, folded with "\n\t"
// (libmilter's form) for a field called `name`.
std::string encode_header_value(std::string_view name, std::string_view utf8);

// A value made of address-list items (Cc): each item's display name is encoded, addresses stay.
std::string encode_address_list(std::string_view name, std::string_view utf8_list);

}  // namespace sm
