// Header block splitting in one linear pass. Line ends may be CRLF, LF or a bare CR. A line that
// starts with white space continues the previous field; the first empty line ends the block and
// body_offset points after it. A line that is neither a field nor a continuation (no colon, a
// name with white space or control bytes, a continuation before any field) ends the block too and
// is the first line of the body, as Postfix's cleanup reads it. Limits are enforced as the bytes
// are read: lines over max_line are cut for parsing; past max_header_bytes or max_headers the
// remaining fields are dropped (truncated = true) but the end of the block is still found so that
// body_offset stays right. Nothing here throws past the public functions.
#include "message/headers.h"

#include <string>

namespace sm {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

// Printable US-ASCII except ':' (RFC 5322 ftext).
bool field_name_char(unsigned char c) {
  return c > 32 && c < 127 && c != ':';
}

// The line that starts at `pos`: its length without the terminator, and where the next one starts.
struct Line {
  std::size_t end = 0;
  std::size_t next = 0;
};

Line line_at(std::string_view s, std::size_t pos) {
  std::size_t i = pos;
  while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
  Line l;
  l.end = i;
  if (i < s.size() && s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
    l.next = i + 2;
  else if (i < s.size())
    l.next = i + 1;
  else
    l.next = i;
  return l;
}

// Where the name of a field line ends and its value starts; false when the line is not a field.
bool split_field(std::string_view line, std::size_t& name_end, std::size_t& value_start) {
  std::size_t i = 0;
  while (i < line.size() && field_name_char(static_cast<unsigned char>(line[i]))) ++i;
  name_end = i;
  while (i < line.size() && is_wsp(line[i])) ++i;  // "Subject : x" (obsolete syntax)
  if (name_end == 0 || i >= line.size() || line[i] != ':') return false;
  ++i;
  while (i < line.size() && is_wsp(line[i])) ++i;
  value_start = i;
  return true;
}

HeaderBlock split(std::string_view message, const Limits& limits) {
  HeaderBlock hb;
  std::size_t pos = 0;
  std::size_t bytes = 0;
  bool line_cut_noted = false;
  const std::size_t max_line = limits.max_line > 0 ? limits.max_line : 1;
  bool dropping = false;  // a limit was hit: keep reading lines only to find the end of the block
  auto stop = [&](std::string note) {
    if (!dropping) hb.notes.push_back(std::move(note));
    dropping = true;
    hb.truncated = true;
  };
  while (pos < message.size()) {
    const Line l = line_at(message, pos);
    std::string_view line = message.substr(pos, l.end - pos);
    if (line.empty()) {
      hb.body_offset = l.next;
      return hb;
    }
    if (line.size() > max_line) {
      if (!line_cut_noted)
        hb.notes.push_back("header line of " + std::to_string(line.size()) + " bytes cut to " +
                           std::to_string(max_line) + " for parsing");
      line_cut_noted = true;
      line = line.substr(0, max_line);
    }
    const bool continuation = is_wsp(line.front());
    std::size_t name_end = 0;
    std::size_t value_start = 0;
    if (continuation && hb.fields.empty() && !dropping) {
      hb.notes.push_back("header block starts with a continuation line: read as body");
      hb.body_offset = pos;
      return hb;
    }
    if (!continuation && !split_field(line, name_end, value_start)) {
      hb.notes.push_back("header block ended by a line that is not a header field");
      hb.body_offset = pos;
      return hb;
    }
    bytes += l.next - pos;
    if (bytes > limits.max_header_bytes)
      stop("header block over " + std::to_string(limits.max_header_bytes) + " bytes: the rest was not read");
    if (!continuation && !dropping && hb.fields.size() >= limits.max_headers)
      stop("more than " + std::to_string(limits.max_headers) + " header fields: the rest were not read");
    if (!dropping) {
      if (continuation) {
        auto& v = hb.fields.back().value;
        v += "\r\n";
        v.append(line);
      } else {
        HeaderField f;
        f.name.assign(line.substr(0, name_end));
        f.value.assign(line.substr(value_start));
        hb.fields.push_back(std::move(f));
      }
    }
    pos = l.next;
  }
  hb.body_offset = message.size();
  return hb;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string unfold(std::string_view value) {
  std::string out;
  try {
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (c != '\r' && c != '\n') {
        out += c;
        continue;
      }
      if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
      // A fold (line break + white space) leaves the white space; a bare break inside the value
      // becomes a space so that the words on either side stay apart; one at the end goes.
      if (i + 1 < value.size() && !is_wsp(value[i + 1])) out += ' ';
    }
  } catch (...) {
    out.clear();
  }
  return out;
}

HeaderBlock split_headers(std::string_view message, const Limits& limits) {
  try {
    return split(message, limits);
  } catch (...) {
    HeaderBlock hb;
    hb.truncated = true;
    hb.body_offset = message.size();
    try {
      hb.notes.push_back("header block unreadable (out of memory)");
    } catch (...) {
    }
    return hb;
  }
}

const HeaderField* first(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::vector<const HeaderField*> all(const std::vector<HeaderField>& fields, std::string_view name) {
  std::vector<const HeaderField*> out;
  try {
    for (const auto& f : fields)
      if (iequals(f.name, name)) out.push_back(&f);
  } catch (...) {
    out.clear();
  }
  return out;
}

}  // namespace sm
