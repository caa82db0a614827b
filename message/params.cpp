// Content-Type / Content-Disposition values: "type/sub; name=value; name*=charset'lang'%XX;
// name*0=...; name*1*=..." — RFC 2045 tokens and quoted strings, RFC 2231 extended values and
// continuations (any order, bounded), encoded words inside quoted values as real mail has them.
#include "message/params.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/strings.h"
#include "message/charset.h"
#include "message/encoded_words.h"
#include "message/headers.h"

namespace sm {

namespace {

constexpr std::size_t kMaxSegments = 1000;
constexpr std::size_t kMaxValueBytes = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void skip_cfws(std::string_view s, std::size_t& i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0) {
      if (c == '\\' && i + 1 < s.size()) ++i;  // a quoted pair; a lone '\' at the end is itself
      else if (c == '(') ++depth;
      else if (c == ')') --depth;
      ++i;
    } else if (c == '(') {
      depth = 1;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      break;
    }
  }
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Segment {
  std::string value;
  bool extended = false;  // percent-encoded (name*N* or name*)
};

}  // namespace

ParamValue parse_param_header(std::string_view raw_in) {
  ParamValue r;
  std::string unfolded = unfold(raw_in);
  std::string_view s = unfolded;
  std::size_t i = 0;
  skip_cfws(s, i);
  std::size_t start = i;
  while (i < s.size() && s[i] != ';' && s[i] != '(' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  r.value = lower(s.substr(start, i - start));

  // name -> segment number -> segment; plain (non-continued) values under number -1.
  std::map<std::string, std::map<int, Segment>> segs;
  std::size_t total_segments = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] != ';') ++i;  // skip junk up to the next parameter
    if (i >= s.size()) break;
    ++i;
    skip_cfws(s, i);
    std::size_t ns = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string name = lower(s.substr(ns, i - ns));
    skip_cfws(s, i);
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    skip_cfws(s, i);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (value.size() < kMaxValueBytes) value += s[i];
        ++i;
      }
      if (i < s.size()) ++i;
    } else {
      std::size_t vs = i;
      while (i < s.size() && s[i] != ';' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      value = std::string(s.substr(vs, std::min(i - vs, kMaxValueBytes)));
    }
    if (name.empty() || ++total_segments > kMaxSegments) continue;

    Segment seg;
    int number = -1;
    if (name.back() == '*') {
      seg.extended = true;
      name.pop_back();
    }
    if (auto star = name.find('*'); star != std::string::npos) {
      std::string num = name.substr(star + 1);
      name.resize(star);
      if (num.empty() || num.size() > 4 || !std::all_of(num.begin(), num.end(), ::isdigit)) continue;
      number = std::stoi(num);
    }
    seg.value = std::move(value);
    segs[name][number] = std::move(seg);
  }

  for (auto& [name, parts] : segs) {
    std::string charset;
    std::string bytes;
    bool extended_any = false;
    bool first = true;
    for (auto& [num, seg] : parts) {
      if (num == -1 && parts.size() > 1) continue;  // a plain value next to continuations loses
      std::string v = seg.value;
      if (seg.extended) {
        extended_any = true;
        if (first) {
          // charset'language'value
          auto q1 = v.find('\'');
          auto q2 = q1 == std::string::npos ? std::string::npos : v.find('\'', q1 + 1);
          if (q2 != std::string::npos) {
            charset = lower(v.substr(0, q1));
            v = v.substr(q2 + 1);
          }
        }
        bytes += percent_decode(v);
      } else {
        bytes += v;
      }
      first = false;
      if (bytes.size() > kMaxValueBytes) break;
    }
    std::string decoded;
    if (extended_any) {
      decoded = to_utf8(bytes, charset.empty() ? "us-ascii" : charset).text;
    } else if (bytes.find("=?") != std::string::npos) {
      decoded = decode_header_text(bytes);
    } else {
      decoded = to_utf8(bytes, "us-ascii").text;
    }
    r.params[name] = std::string(trim(decoded));
  }
  return r;
}

}  // namespace sm
