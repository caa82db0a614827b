// RFC 2047 encoded words in unstructured header text (Subject, display names).
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

}  // namespace sm
