// Address lists in one pass: items split at top-level commas (and Outlook's semicolons), groups
// ("Team: a@x, b@y;") flattened, each item read as "display <addr>" or "addr (comment)". Domains go
// through ICU's UTS #46 processing for their Unicode and ASCII forms.
#include "message/address.h"

#include <unicode/casemap.h>
#include <unicode/uidna.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>

#include "message/encoded_words.h"
#include "message/headers.h"

namespace sm {

namespace {

const UIDNA* idna() {
  static const UIDNA* instance = [] {
    UErrorCode err = U_ZERO_ERROR;
    UIDNA* u = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE, &err);
    return U_FAILURE(err) ? nullptr : u;
  }();
  return instance;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Removes comments and quotes (keeping quoted text), collapsing white space.
std::string strip_syntax(std::string_view s, std::string* comment = nullptr) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (quoted || depth > 0)) {
      ++i;
      if (depth > 0) {
        if (comment) *comment += s[i];
      } else {
        out += s[i];
      }
      continue;
    }
    if (depth > 0) {
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      else if (comment) *comment += c;
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && c == '(') {
      depth = 1;
      continue;
    }
    out += c;
  }
  return trim(out);
}

std::string fold_local(std::string_view local) {
  if (is_ascii(local)) return ascii_lower(local);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(local.data(), static_cast<int32_t>(local.size())));
  u.foldCase();
  std::string out;
  u.toUTF8String(out);
  return out;
}

Address make_address(std::string_view display_raw, std::string_view addr_raw) {
  Address a;
  std::string addr = strip_syntax(addr_raw);
  // Obsolete source route: "@a,@b:local@domain".
  if (!addr.empty() && addr.front() == '@') {
    auto colon = addr.find(':');
    if (colon != std::string::npos) addr = addr.substr(colon + 1);
  }
  addr.erase(std::remove_if(addr.begin(), addr.end(), [](char c) { return c == ' ' || c == '\t'; }), addr.end());
  auto at = addr.rfind('@');
  if (at == std::string::npos) {
    a.local_part = addr;
  } else {
    a.local_part = addr.substr(0, at);
    auto [uni, ascii] = normalize_domain(addr.substr(at + 1));
    a.domain = uni;
    a.ascii_domain = ascii;
  }
  std::string display = strip_syntax(display_raw);
  if (!display.empty()) a.display_name = decode_header_text(display);
  return a;
}

// One item of a list (no top-level commas).
void parse_item(std::string_view item, std::vector<Address>& out) {
  std::string trimmed = trim(item);
  if (trimmed.empty()) return;
  // Find a top-level angle address.
  int depth = 0;
  bool quoted = false;
  std::size_t lt = std::string::npos;
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    char c = trimmed[i];
    if (c == '\\' && i + 1 < trimmed.size()) {
      ++i;
      continue;
    }
    if (depth > 0) {
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      continue;
    }
    if (c == '"') quoted = !quoted;
    else if (!quoted && c == '(') depth = 1;
    else if (!quoted && c == '<') lt = i;  // the last one wins ("a <b> <c>" is broken anyway)
  }
  Address a;
  if (lt != std::string::npos) {
    auto gt = trimmed.find('>', lt);
    std::string_view inner = std::string_view(trimmed).substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
    a = make_address(std::string_view(trimmed).substr(0, lt), inner);
  } else {
    std::string comment;
    std::string bare = strip_syntax(trimmed, &comment);
    a = make_address({}, bare);
    if (!comment.empty()) a.display_name = decode_header_text(trim(comment));
  }
  if (a.local_part.empty() && a.domain.empty()) return;
  if (a.domain.empty() && a.local_part.find('@') == std::string::npos && a.display_name.empty() &&
      a.local_part.find(' ') != std::string::npos)
    return;
  out.push_back(std::move(a));
}

}  // namespace

std::string Address::address() const { return domain.empty() ? local_part : local_part + "@" + domain; }

std::string Address::key() const {
  std::string d = ascii_domain.empty() ? domain : ascii_domain;
  return d.empty() ? fold_local(local_part) : fold_local(local_part) + "@" + d;
}

std::pair<std::string, std::string> normalize_domain(std::string_view domain_in) {
  std::string domain = trim(domain_in);
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty()) return {};
  if (domain.front() == '[') return {ascii_lower(domain), ascii_lower(domain)};  // address literal
  const UIDNA* u = idna();
  if (u == nullptr || domain.size() > 253 * 4) return {ascii_lower(domain), ascii_lower(domain)};
  auto run = [&](bool to_ascii) -> std::string {
    UErrorCode err = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    char buf[1024];
    int32_t n = to_ascii ? uidna_nameToASCII_UTF8(u, domain.data(), static_cast<int32_t>(domain.size()), buf,
                                                  sizeof buf, &info, &err)
                         : uidna_nameToUnicodeUTF8(u, domain.data(), static_cast<int32_t>(domain.size()), buf,
                                                   sizeof buf, &info, &err);
    // Hyphen and label-length complaints are common in real domains; keep ICU's mapping anyway.
    const uint32_t fatal = info.errors & ~(UIDNA_ERROR_HYPHEN_3_4 | UIDNA_ERROR_LEADING_HYPHEN |
                                           UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_EMPTY_LABEL |
                                           UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG);
    if (U_FAILURE(err) || fatal != 0 || n <= 0 || n >= static_cast<int32_t>(sizeof buf)) return {};
    return std::string(buf, static_cast<std::size_t>(n));
  };
  std::string ascii = run(true);
  std::string uni = run(false);
  if (ascii.empty()) ascii = ascii_lower(domain);
  if (uni.empty()) uni = ascii_lower(domain);
  return {uni, ascii_lower(ascii)};
}

Address parse_address(std::string_view raw) {
  std::vector<Address> out;
  parse_item(unfold(raw), out);
  if (out.empty()) return {};
  return out.front();
}

std::vector<Address> parse_address_list(std::string_view raw_in, std::size_t max_items) {
  std::vector<Address> out;
  std::string s = unfold(raw_in);
  int depth = 0;
  bool quoted = false;
  bool angle = false;
  bool in_group = false;
  std::size_t start = 0;
  auto emit = [&](std::size_t end) {
    if (out.size() < max_items) parse_item(std::string_view(s).substr(start, end - start), out);
    start = end + 1;
  };
  for (std::size_t i = 0; i < s.size() && out.size() < max_items; ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (quoted || depth > 0)) {
      ++i;
      continue;
    }
    if (depth > 0) {
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      continue;
    }
    if (quoted) {
      if (c == '"') quoted = false;
      continue;
    }
    switch (c) {
      case '"': quoted = true; break;
      case '(': depth = 1; break;
      case '<': angle = true; break;
      case '>': angle = false; break;
      case ':':
        if (!angle) {
          // A group's display name ends here; its members follow.
          in_group = true;
          start = i + 1;
        }
        break;
      case ',':
        if (!angle) emit(i);
        break;
      case ';':
        if (!angle) {
          emit(i);
          in_group = false;
        }
        break;
      default: break;
    }
  }
  (void)in_group;
  if (start < s.size() && out.size() < max_items) emit(s.size());
  return out;
}

}  // namespace sm
