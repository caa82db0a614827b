// Writing header values safely: sanitize, RFC 2047-encode, fold.
#include "core/header_value.h"

#include <openssl/evp.h>

#include <vector>

#include "message/charset.h"

namespace sm {

namespace {

bool is_ascii_printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// Length of the UTF-8 sequence that starts with `c` (1 for continuation bytes, defensively).
std::size_t seq_len(unsigned char c) {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

// Joins tokens with single spaces, starting a new folded line ("\n\t") before a token that would
// take the line past 78 bytes. `used` is what the first line already holds ("Name: ").
std::string fold_tokens(const std::vector<std::string>& tokens, std::size_t used, std::string_view sep) {
  std::string out;
  std::size_t line = used;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    if (i > 0) {
      if (line + sep.size() + t.size() > 78) {
        out += std::string(sep.substr(0, sep.find(' ')));  // keep a separator's comma
        out += "\n\t";
        line = 1;
      } else {
        out += sep;
        line += sep.size();
      }
    }
    out += t;
    line += t.size();
  }
  return out;
}

std::vector<std::string> split_on(std::string_view s, char c) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto pos = s.find(c, start);
    if (pos == std::string_view::npos) pos = s.size();
    auto piece = s.substr(start, pos - start);
    while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
    if (!piece.empty()) out.emplace_back(piece);
    start = pos + 1;
  }
  return out;
}

}  // namespace

std::string sanitize_text(std::string_view utf8, std::size_t max_bytes) {
  std::string valid = sanitize_utf8(utf8);
  std::string out;
  out.reserve(valid.size());
  bool space = false;
  for (std::size_t i = 0; i < valid.size();) {
    unsigned char c = static_cast<unsigned char>(valid[i]);
    std::size_t n = seq_len(c);
    if (i + n > valid.size()) n = valid.size() - i;
    std::string_view ch(valid.data() + i, n);
    bool blank = false;
    if (n == 1) {
      blank = c < 0x20 || c == 0x7f || c == ' ';
    } else if (n == 2 && c == 0xc2 && static_cast<unsigned char>(valid[i + 1]) < 0xa0) {
      blank = true;  // C1 controls and NBSP
    } else if (ch == "\xe2\x80\xa8" || ch == "\xe2\x80\xa9") {
      blank = true;  // line and paragraph separators
    }
    if (blank) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      if (out.size() + n > max_bytes) break;
      out.append(ch);
    }
    i += n;
  }
  return out;
}

std::string encode_header_value(std::string_view name, std::string_view utf8) {
  std::string text = sanitize_text(utf8);
  const std::size_t used = name.size() + 2;
  if (is_ascii_printable(text)) {
    // Keep encoded-word look-alikes from being decoded as such by readers: fine to leave, they
    // decode to what they say. Fold at spaces.
    return fold_tokens(split_on(text, ' '), used, " ");
  }
  // B-encode in chunks of at most 45 bytes of UTF-8 (60 base64 characters) on character
  // boundaries: each encoded word stays under 75 characters.
  std::vector<std::string> words;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = seq_len(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end += n;
    }
    if (end == i) end = std::min(text.size(), i + 1);
    std::string chunk = text.substr(i, end - i);
    std::string b64(4 * ((chunk.size() + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                              reinterpret_cast<const unsigned char*>(chunk.data()),
                              static_cast<int>(chunk.size()));
    b64.resize(static_cast<std::size_t>(len));
    words.push_back("=?UTF-8?B?" + b64 + "?=");
    i = end;
  }
  return fold_tokens(words, used, " ");
}

std::string encode_address_list(std::string_view name, std::string_view utf8_list) {
  std::string text = sanitize_text(utf8_list, 4000);
  // Split at commas outside quotes and angle brackets.
  std::vector<std::string> items;
  std::string cur;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && quoted && i + 1 < text.size()) {
      cur += c;
      cur += text[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '<') ++angle;
    if (!quoted && c == '>' && angle > 0) --angle;
    if (c == ',' && !quoted && angle == 0) {
      auto trimmed = split_on(cur, '\0');
      if (!trimmed.empty()) items.push_back(trimmed.front());
      cur.clear();
      continue;
    }
    cur += c;
  }
  auto trimmed = split_on(cur, '\0');
  if (!trimmed.empty()) items.push_back(trimmed.front());
  return fold_tokens(items, name.size() + 2, ", ");
}

}  // namespace sm
