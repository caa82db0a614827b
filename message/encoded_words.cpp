// RFC 2047 encoded words, both ways. Decoding: the text is scanned once; each "=?charset?enc?text?=" that parses is decoded
// to bytes, runs of adjacent words in one charset are joined as bytes before conversion (a
// multibyte character may be split across words), and white space between encoded words is
// dropped. Anything that does not parse stays as written. Encoding (the header values written by
// the milter): sanitize, encode where not ASCII, fold.
#include "message/encoded_words.h"

#include <openssl/evp.h>

#include <cctype>
#include <vector>

#include "message/charset.h"
#include "message/headers.h"

namespace sm {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_q(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '_') {
      out += ' ';
    } else if (c == '=' && i + 2 < in.size() && hexval(in[i + 1]) >= 0 &&
               hexval(in[i + 2]) >= 0) {
      out += static_cast<char>(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

bool decode_b(std::string_view in, std::string& out) {
  std::string clean;
  for (char c : in)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') clean += c;
  // Tolerate missing padding.
  while (clean.size() % 4 != 0) clean += '=';
  if (clean.empty()) return true;
  std::string buf(clean.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes: keep only the bytes the input carries.
  std::size_t real_in = clean.find('=') == std::string::npos ? clean.size() : clean.find('=');
  std::size_t want = real_in / 4 * 3 + (real_in % 4 == 2 ? 1 : real_in % 4 == 3 ? 2 : 0);
  std::size_t len = std::min(static_cast<std::size_t>(n), want);
  out.append(buf.data(), len);
  return true;
}

struct Word {
  std::string charset;  // lower-case, without language
  std::string bytes;
};

// Tries to read an encoded word at s[pos]; returns its end (past "?=") or npos.
std::size_t parse_word(std::string_view s, std::size_t pos, Word& w, bool& bad) {
  bad = false;
  if (s.compare(pos, 2, "=?") != 0) return std::string_view::npos;
  std::size_t q1 = s.find('?', pos + 2);
  if (q1 == std::string_view::npos || q1 == pos + 2 || q1 - pos > 80) return std::string_view::npos;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::string_view::npos;
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  if (enc != 'B' && enc != 'Q') return std::string_view::npos;
  std::size_t text_start = q1 + 3;
  std::size_t end = s.find("?=", text_start);
  if (end == std::string_view::npos) return std::string_view::npos;
  std::string_view text = s.substr(text_start, end - text_start);
  if (text.find(' ') != std::string_view::npos && enc == 'B') return std::string_view::npos;
  std::string cs(s.substr(pos + 2, q1 - pos - 2));
  if (auto star = cs.find('*'); star != std::string::npos) cs.resize(star);  // RFC 2231 language
  for (auto& c : cs) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  w.charset = cs;
  w.bytes.clear();
  bool ok = enc == 'B' ? decode_b(text, w.bytes) : decode_q(text, w.bytes);
  if (!ok) {
    bad = true;
    return std::string_view::npos;
  }
  return end + 2;
}

void append_raw(std::string& out, std::string_view raw) {
  if (is_valid_utf8(raw)) {
    out.append(raw);
  } else {
    out += to_utf8(raw, "windows-1252").text;
  }
}

// Control characters decoded from a word become spaces.
std::string strip_controls(std::string s) {
  for (auto& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return s;
}

}  // namespace

std::string decode_header_text(std::string_view raw_in, std::vector<std::string>* notes) {
  std::string unfolded = unfold(raw_in);
  std::string_view s = unfolded;
  std::string out;
  out.reserve(s.size());

  std::string pending_cs;   // charset of the run of adjacent words being joined
  std::string pending;      // their bytes
  bool have_pending = false;
  auto flush = [&] {
    if (!have_pending) return;
    Utf8Text t = to_utf8(pending, pending_cs);
    if (t.fallback && notes != nullptr) notes->push_back("unknown charset \"" + pending_cs + "\" in an encoded word, read as " + t.used);
    out += strip_controls(std::move(t.text));
    pending.clear();
    have_pending = false;
  };

  std::size_t i = 0;
  std::size_t literal_start = 0;
  bool last_was_word = false;
  while (i < s.size()) {
    if (s[i] == '=' && i + 1 < s.size() && s[i + 1] == '?') {
      Word w;
      bool bad = false;
      std::size_t end = parse_word(s, i, w, bad);
      if (end != std::string_view::npos) {
        std::string_view between = s.substr(literal_start, i - literal_start);
        bool only_space = between.find_first_not_of(" \t") == std::string_view::npos;
        if (!(last_was_word && only_space)) {
          flush();
          append_raw(out, between);
        }
        if (have_pending && w.charset != pending_cs) flush();
        pending_cs = w.charset;
        pending += w.bytes;
        have_pending = true;
        last_was_word = true;
        i = end;
        literal_start = i;
        if (pending.size() > 1 << 20) flush();
        continue;
      }
      if (bad && notes != nullptr) notes->push_back("broken encoded word left as written");
    }
    ++i;
    // Literal text between words ends the join once it is more than white space.
    if (last_was_word && s[i - 1] != ' ' && s[i - 1] != '\t') last_was_word = false;
  }
  std::string_view tail = s.substr(literal_start);
  flush();
  append_raw(out, tail);
  return out;
}

// Writing header values.
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
