// The body of a message: MIME structure (a linear scan; mimetic reads each leaf's fields), transfer
// decoding, charset conversion, the choice of the text to judge.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "message/headers.h"
#include "message/limits.h"

namespace sm {

struct BodyText {
  std::string text;              // UTF-8 text of the body: text/plain if present, else the
                                 // text/html part rendered by html_to_text (quotes as "> ")
  bool from_html = false;        // text came from text/html
  std::string html;              // the HTML source (UTF-8) when the chosen part was HTML
  std::vector<std::string> attached_messages;  // raw bytes of message/rfc822 parts (bounded)
  unsigned parts = 0;            // MIME parts seen
  unsigned depth = 0;            // deepest nesting seen
  bool limit_hit = false;        // depth, part or size limit reached; text is from what was read
  std::vector<std::string> notes;  // charset fallbacks, broken encodings, limits
};

// Extracts the body text from a whole message (header block + body). Bounds nesting, part count
// and size before mimetic sees the bytes. Every header block is read by split_headers with
// `limits`. Never throws.
BodyText extract_body(std::string_view message, const Limits& limits);
// The same for a message whose top-level header block the caller has read already (split_headers
// of the same bytes and limits), so it is not read twice.
BodyText extract_body(std::string_view message, const HeaderBlock& head, const Limits& limits);

// Base64 (RFC 2045): characters outside the alphabet are skipped, a cut last group decodes as far
// as it goes.
std::string decode_base64(std::string_view in);

}  // namespace sm
