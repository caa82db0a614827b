// The header block of a message: split into fields, unfolded on demand.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "message/limits.h"

namespace sm {

struct HeaderField {
  std::string name;   // as written
  std::string value;  // raw value, folding kept, leading white space after the colon removed
};

struct HeaderBlock {
  std::vector<HeaderField> fields;
  std::size_t body_offset = 0;  // where the body starts in the message bytes
  bool truncated = false;       // a header limit was hit; the rest of the fields were dropped
  std::vector<std::string> notes;
};

// Splits the header block. Accepts CRLF, LF and bare CR line ends; a line without a colon ends
// the header block (it belongs to the body), as do obviously broken continuation lines.
HeaderBlock split_headers(std::string_view message, const Limits& limits);

// Case-insensitive lookups. first() returns nullptr when absent.
const HeaderField* first(const std::vector<HeaderField>& fields, std::string_view name);
std::vector<const HeaderField*> all(const std::vector<HeaderField>& fields, std::string_view name);

// Removes CR/LF folding (CRLF/LF/CR followed by white space becomes that white space).
std::string unfold(std::string_view value);

bool iequals(std::string_view a, std::string_view b);

}  // namespace sm
