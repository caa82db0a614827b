// Header block splitting in one linear pass. Line ends may be CRLF, LF or a bare CR. A line that
// starts with white space continues the previous field; the first empty line, or a line that is
// neither a field nor a continuation, ends the block.
#include "message/headers.h"

#include <cctype>

namespace sm {

namespace {

// The end of the line that starts at `pos` (index of its terminator) and where the next begins.
void line_at(std::string_view s, std::size_t pos, std::size_t& end, std::size_t& next) {
  std::size_t i = pos;
  while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
  end = i;
  if (i < s.size() && s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') next = i + 2;
  else if (i < s.size()) next = i + 1;
  else next = i;
}

bool field_name_char(unsigned char c) { return c > 32 && c < 127 && c != ':'; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r' || c == '\n') {
      // Drop the line break; the white space that follows (if any) stays.
      continue;
    }
    out += c;
  }
  return out;
}

HeaderBlock split_headers(std::string_view message, const Limits& limits) {
  HeaderBlock hb;
  std::size_t pos = 0;
  std::size_t bytes = 0;
  bool cut_line_noted = false;
  while (pos < message.size()) {
    std::size_t end = 0;
    std::size_t next = 0;
    line_at(message, pos, end, next);
    std::string_view line = message.substr(pos, end - pos);
    if (line.empty()) {
      hb.body_offset = next;
      return hb;
    }
    bytes += next - pos;
    if (bytes > limits.max_header_bytes) {
      if (!hb.truncated) hb.notes.push_back("header block over " + std::to_string(limits.max_header_bytes) + " bytes: the rest was not read");
      hb.truncated = true;
      // Skip to the end of the header block without keeping anything.
      pos = next;
      continue;
    }
    if (line.size() > limits.max_line) {
      if (!cut_line_noted) hb.notes.push_back("header line over " + std::to_string(limits.max_line) + " bytes cut for parsing");
      cut_line_noted = true;
      line = line.substr(0, limits.max_line);
    }
    const unsigned char first = static_cast<unsigned char>(line.front());
    if (first == ' ' || first == '\t') {
      if (!hb.fields.empty() && !hb.truncated) {
        auto& v = hb.fields.back().value;
        if (v.size() + line.size() < limits.max_header_bytes) {
          v += "\r\n";
          v.append(line);
        }
      } else if (hb.fields.empty()) {
        hb.notes.push_back("continuation line before any header field");
      }
      pos = next;
      continue;
    }
    std::size_t colon = 0;
    while (colon < line.size() && field_name_char(static_cast<unsigned char>(line[colon]))) ++colon;
    std::size_t after_name = colon;
    while (colon < line.size() && (line[colon] == ' ' || line[colon] == '\t')) ++colon;  // "Subject :"
    if (after_name == 0 || colon >= line.size() || line[colon] != ':') {
      // Not a field: the header block ends here and this line is body (no blank line).
      hb.notes.push_back("header block ended by a line that is not a header field");
      hb.body_offset = pos;
      return hb;
    }
    if (hb.fields.size() >= limits.max_headers) {
      if (!hb.truncated) hb.notes.push_back("more than " + std::to_string(limits.max_headers) + " header fields: the rest were not read");
      hb.truncated = true;
      pos = next;
      continue;
    }
    if (!hb.truncated) {
      std::size_t vstart = colon + 1;
      while (vstart < line.size() && (line[vstart] == ' ' || line[vstart] == '\t')) ++vstart;
      HeaderField f;
      f.name.assign(line.substr(0, after_name));
      f.value.assign(line.substr(vstart));
      hb.fields.push_back(std::move(f));
    }
    pos = next;
  }
  hb.body_offset = message.size();
  return hb;
}

const HeaderField* first(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::vector<const HeaderField*> all(const std::vector<HeaderField>& fields, std::string_view name) {
  std::vector<const HeaderField*> out;
  for (const auto& f : fields)
    if (iequals(f.name, name)) out.push_back(&f);
  return out;
}

}  // namespace sm
