// The body: a bounded, linear scan of the MIME structure finds every leaf part; mimetic reads each
// leaf's MIME fields; then the choice of the text part, transfer decoding and charset conversion.
//
// Every header block, the message's and each part's, is read by the one header reader
// (message/headers.h, split_headers) with the one set of limits; a block past a limit still ends
// where it ends, so no header line is ever read as body text.
//
// mimetic recurses without limit, trusts its input and loses entities of malformed multiparts, so
// it never sees a multipart: the scan walks the boundaries itself, and when nesting passes
// limits.max_mime_depth or parts pass limits.max_parts it stops at that line (what came before is
// still judged). message/rfc822 parts are leaves here; their bytes are returned for the caller to
// parse as quoted history (one level, bounded).
#include "message/mime.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstring>
#include <mimetic/mimetic.h>
#include <vector>

#include "message/charset.h"
#include "message/headers.h"
#include "message/html_text.h"
#include "message/params.h"

namespace sm {

namespace {

struct Line {
  std::size_t begin, end, next;
};

Line line_at(std::string_view s, std::size_t pos) {
  // A plain loop: string_view::find_first_of calls memchr once per byte.
  std::size_t i = pos;
  while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
  if (i >= s.size()) return {pos, s.size(), s.size()};
  std::size_t next = (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ? i + 2 : i + 1;
  return {pos, i, next};
}

// The MIME fields of an entity's header block (Content-*, MIME-Version): all mimetic and the scan
// read of it.
bool mime_field(const HeaderField& f) {
  return (f.name.size() > 8 && iequals(std::string_view(f.name).substr(0, 8), "content-")) ||
         iequals(f.name, "mime-version");
}

// An entity's header block, read by the one header reader (split_headers, with its limits) from
// pos: its MIME fields, and where its body starts. A block past a limit still ends where it ends:
// its body never starts among its header lines.
struct EntityHead {
  std::vector<HeaderField> mime;
  std::size_t body = 0;
  std::string content_type;  // unfolded, at most 4096 bytes
  bool cut = false;          // a header limit was hit
  std::vector<std::string> notes;
};

EntityHead entity_head(const std::vector<HeaderField>& fields, std::size_t body, bool cut,
                       std::vector<std::string> notes) {
  EntityHead h;
  h.body = body;
  h.cut = cut;
  h.notes = std::move(notes);
  for (const auto& f : fields)
    if (mime_field(f)) h.mime.push_back(f);
  if (const HeaderField* ct = first(h.mime, "Content-Type"))
    h.content_type = unfold(ct->value).substr(0, 4096);
  return h;
}

EntityHead read_head(std::string_view s, std::size_t pos, const Limits& limits) {
  HeaderBlock hb = split_headers(s.substr(pos), limits);
  return entity_head(hb.fields, pos + hb.body_offset, hb.truncated, std::move(hb.notes));
}

// A leaf entity found by the pre-scan: its MIME fields and its body [body, end).
struct Leaf {
  std::vector<HeaderField> mime;
  std::size_t body, end;
};

struct ScanResult {
  std::vector<Leaf> leaves;  // in document order (the order a depth-first walk meets them)
  unsigned parts = 0;
  unsigned depth = 0;
  bool limit_hit = false;
  std::string note;
  std::vector<std::string> head_notes;  // header limits hit in a part's header block
};

// An entity's MIME fields as mimetic gets them, each at most 4096 bytes. Received lines by the
// thousand or an 8 MB field never reach it.
void append_mime_fields(std::string& out, const std::vector<HeaderField>& fields) {
  for (const auto& f : fields) {
    out.append(f.name);
    out.append(": ");
    out.append(std::string_view(f.value).substr(0, 4096));
    out.append("\r\n");
  }
  out.append("\r\n");
}

// Walks the structure in one pass: the boundaries of the open multiparts on a stack, every leaf
// entity (a part that is not a multipart with a usable boundary) with its MIME fields and the
// byte range of its body. Multipart containers are never handed to mimetic: a malformed one makes
// its parser lose entities (memory that is never freed), and it recurses without limit.
ScanResult prescan(std::string_view msg, const Limits& limits, EntityHead top) {
  ScanResult r;
  std::vector<std::string> stack;  // open boundaries, innermost last
  std::size_t open_leaf = SIZE_MAX;  // index in r.leaves of the leaf whose body runs to the next delimiter
  auto open_entity = [&](EntityHead h, std::size_t& body) -> bool {
    body = h.body;
    if (h.cut) {
      r.limit_hit = true;
      for (auto& n : h.notes) r.head_notes.push_back(std::move(n));
      if (h.content_type.empty())
        r.head_notes.push_back(
            "a header block passed a header limit before any Content-Type: its body was read as text/plain");
    }
    ParamValue ct = parse_param_header(h.content_type);
    open_leaf = SIZE_MAX;
    if (ct.value.rfind("multipart/", 0) == 0) {
      auto it = ct.params.find("boundary");
      if (it != ct.params.end() && !it->second.empty() && it->second.size() <= 200) {
        if (stack.size() + 1 > limits.max_mime_depth) return false;
        stack.push_back(it->second);
        r.depth = std::max<unsigned>(r.depth, static_cast<unsigned>(stack.size()));
      }
      return true;  // a multipart without a usable boundary has no parts
    }
    r.leaves.push_back({std::move(h.mime), h.body, msg.size()});
    open_leaf = r.leaves.size() - 1;
    return true;
  };
  // The body of a leaf ends before the line break that precedes the delimiter (RFC 2046 5.1.1).
  auto end_leaf = [&](std::size_t at) {
    if (open_leaf == SIZE_MAX) return;
    Leaf& leaf = r.leaves[open_leaf];
    std::size_t end = at;
    if (end > leaf.body && msg[end - 1] == '\n') --end;
    if (end > leaf.body && msg[end - 1] == '\r') --end;
    leaf.end = std::max(leaf.body, end);
    open_leaf = SIZE_MAX;
  };
  auto cut = [&](std::size_t at, const std::string& why) {
    r.limit_hit = true;
    r.note = why;
    end_leaf(at);
  };

  std::size_t pos = 0;
  r.parts = 1;
  if (!open_entity(std::move(top), pos)) {
    cut(0, "MIME nesting deeper than " + std::to_string(limits.max_mime_depth));
    return r;
  }
  while (pos < msg.size() && !stack.empty()) {
    // Only a line that starts with "--" can be a delimiter: go straight to the next one (pos is
    // at a line start; so is any '-' after a line end). An attachment's base64 has no '-' at all.
    std::size_t line_start = SIZE_MAX;
    for (std::size_t at = pos; at < msg.size();) {
      const void* dash = std::memchr(msg.data() + at, '-', msg.size() - at);
      if (dash == nullptr) break;
      at = static_cast<std::size_t>(static_cast<const char*>(dash) - msg.data());
      if (at + 1 < msg.size() && msg[at + 1] == '-' && (at == pos || msg[at - 1] == '\n' || msg[at - 1] == '\r')) {
        line_start = at;
        break;
      }
      ++at;
    }
    if (line_start == SIZE_MAX) break;
    Line l = line_at(msg, line_start);
    std::string_view text = msg.substr(l.begin, l.end - l.begin);
    pos = l.next;
    if (text.size() < 3) continue;
    // Innermost boundary that this line is; a delimiter may carry trailing white space.
    for (std::size_t k = stack.size(); k-- > 0;) {
      const std::string& b = stack[k];
      if (text.size() < 2 + b.size() || text.compare(2, b.size(), b) != 0) continue;
      std::string_view rest = text.substr(2 + b.size());
      bool close = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
      if (close) rest.remove_prefix(2);
      if (rest.find_first_not_of(" \t") != std::string_view::npos) continue;
      end_leaf(line_start);
      stack.resize(close ? k : k + 1);
      if (!close) {
        if (++r.parts > limits.max_parts) {
          cut(line_start, "more than " + std::to_string(limits.max_parts) + " MIME parts");
          return r;
        }
        std::size_t body = 0;
        if (!open_entity(read_head(msg, pos, limits), body)) {
          cut(line_start, "MIME nesting deeper than " + std::to_string(limits.max_mime_depth));
          return r;
        }
        pos = body;
      }
      break;
    }
  }
  return r;
}

std::string decode_qp(std::string_view in) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == '\n') {  // soft break, LF
      i += 1;
    } else if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {  // soft break, CRLF
      i += 2;
    } else if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else {
      out += c;  // a broken escape stays as written
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Part {
  std::string type;     // lower-case type/subtype
  std::string charset;
  std::string cte;
  bool attachment = false;
  std::string_view body;  // the raw body, still transfer-encoded
};

// mimetic reads the leaf's MIME fields; it gets the head alone, so it never parses a body.
Part describe(std::string_view msg, const Leaf& leaf) {
  Part p;
  std::string head;
  append_mime_fields(head, leaf.mime);
  mimetic::MimeEntity e(head.begin(), head.end());
  const auto& h = e.header();
  if (h.hasField("Content-Type")) {
    ParamValue ct = parse_param_header(h.field("Content-Type").value());
    p.type = ct.value;
    if (auto it = ct.params.find("charset"); it != ct.params.end()) p.charset = it->second;
  }
  if (p.type.empty()) p.type = "text/plain";
  if (h.hasField("Content-Transfer-Encoding")) p.cte = lower(parse_param_header(h.field("Content-Transfer-Encoding").value()).value);
  if (h.hasField("Content-Disposition")) p.attachment = parse_param_header(h.field("Content-Disposition").value()).value == "attachment";
  p.body = msg.substr(leaf.body, leaf.end - leaf.body);
  return p;
}

std::string body_bytes(const Part& p) {
  if (p.cte == "base64") return decode_base64(p.body);
  if (p.cte == "quoted-printable") return decode_qp(p.body);
  return std::string(p.body);
}

}  // namespace

std::string decode_base64(std::string_view in) {
  std::string clean;
  clean.reserve(in.size());
  for (char c : in)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') clean += c;
  std::size_t whole = clean.size() / 4 * 4;
  std::size_t rest = clean.size() - whole;
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  int n = 0;
  if (whole > 0)
    n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(clean.data()),
                        static_cast<int>(whole));
  if (n < 0) n = 0;
  std::size_t len = static_cast<std::size_t>(n);
  if (rest >= 2) {
    // A truncated last quantum: decode what it carries.
    std::string tail = clean.substr(whole) + std::string(4 - rest, 'A');
    unsigned char buf[4];
    if (EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(tail.data()), 4) == 3) {
      out.resize(len);
      out.append(reinterpret_cast<char*>(buf), rest - 1);
      return out;
    }
  }
  out.resize(len);
  return out;
}

namespace {

// The body of `message`, whose top-level header block is `top` (read by the caller, or here).
BodyText extract(std::string_view message, const Limits& limits, const HeaderBlock* top) {
  BodyText out;
  try {
    std::string_view scan = message.substr(0, std::min(message.size(), limits.max_scan_bytes));
    if (scan.size() < message.size()) {
      out.limit_hit = true;
      out.notes.push_back("message over " + std::to_string(limits.max_scan_bytes) + " bytes: only the start was read");
    }
    // The top-level head's own limit notes are the caller's (parse_message has them already).
    ScanResult pre = prescan(scan, limits,
                             top != nullptr ? entity_head(top->fields, top->body_offset, top->truncated, {})
                                            : read_head(scan, 0, limits));
    out.parts = pre.parts;
    out.depth = pre.depth;
    for (auto& n : pre.head_notes) out.notes.push_back(std::move(n));
    if (pre.limit_hit) {
      out.limit_hit = true;
      if (!pre.note.empty()) out.notes.push_back(pre.note + ": the rest was not read");
    }
    const Part* plain = nullptr;
    const Part* html = nullptr;
    std::vector<Part> parts;
    parts.reserve(pre.leaves.size());
    for (const Leaf& leaf : pre.leaves) parts.push_back(describe(scan, leaf));
    for (const auto& p : parts) {
      if (p.type == "message/rfc822") {
        if (out.attached_messages.size() < 4) {
          std::string bytes = body_bytes(p);
          if (bytes.size() > limits.max_scan_bytes) bytes.resize(limits.max_scan_bytes);
          out.attached_messages.push_back(std::move(bytes));
        }
        continue;
      }
      if (p.attachment) continue;
      if (p.type == "text/plain" && plain == nullptr) plain = &p;
      if (p.type == "text/html" && html == nullptr) html = &p;
    }

    auto decode_text = [&](const Part& p) {
      std::string bytes = body_bytes(p);
      Utf8Text t = to_utf8(bytes, p.charset);
      if (t.fallback) out.notes.push_back("unknown charset \"" + p.charset + "\" read as " + t.used);
      if (t.replaced) out.notes.push_back("invalid bytes in " + (p.charset.empty() ? std::string("us-ascii") : p.charset) + " text replaced");
      return std::move(t.text);
    };
    std::string text;
    if (plain != nullptr) {
      text = decode_text(*plain);
      // An empty plain alternative next to HTML is common in generated mail: use the HTML.
      if (text.find_first_not_of(" \t\r\n") == std::string::npos && html != nullptr) plain = nullptr;
    }
    if (plain == nullptr && html != nullptr) {
      out.html = decode_text(*html);
      text = html_to_text(out.html);
      out.from_html = true;
    }
    if (text.size() > limits.max_text_bytes) {
      std::size_t cut = limits.max_text_bytes;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
      text.resize(cut);
      out.limit_hit = true;
      out.notes.push_back("body text over " + std::to_string(limits.max_text_bytes) + " bytes: the rest was not judged");
    }
    // Normalize line ends for the quote splitter: CRLF and lone CR become LF; the spans between
    // are copied whole.
    std::size_t cr = text.find('\r');
    if (cr == std::string::npos) {
      out.text = std::move(text);
    } else {
      std::string norm;
      norm.reserve(text.size());
      std::size_t i = 0;
      while (cr != std::string::npos) {
        norm.append(text, i, cr - i);
        norm += '\n';
        i = cr + 1;
        if (i < text.size() && text[i] == '\n') ++i;
        cr = text.find('\r', i);
      }
      norm.append(text, i, std::string::npos);
      out.text = std::move(norm);
    }
  } catch (const std::exception& e) {
    out.notes.push_back(std::string("MIME structure unreadable: ") + e.what());
  } catch (...) {
    out.notes.push_back("MIME structure unreadable");
  }
  return out;
}

}  // namespace

BodyText extract_body(std::string_view message, const Limits& limits) {
  return extract(message, limits, nullptr);
}

BodyText extract_body(std::string_view message, const HeaderBlock& head, const Limits& limits) {
  return extract(message, limits, &head);
}

}  // namespace sm
