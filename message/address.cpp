// Address lists in one linear pass over tokens (atoms, quoted strings, comments, specials); no
// recursion, so hostile input (100,000 commas, deeply nested comments) costs time in proportion
// to its length. Items end at top-level commas and at semicolons (group ends, and Outlook's list
// separator); "name:" opens a group whose members are flattened into the list, and the group name
// is dropped. An item is "phrase <addr>" (the last angle address wins; a missing '>' is closed at
// the next separator, except inside an obsolete route "@a,@b:"), or a bare addr-spec with the
// phrase words around it and an optional comment as display name. An unterminated quote is read
// as if the quote mark were absent; an unterminated comment runs to the end. Display names go
// through decode_header_text. Domains go through ICU UTS #46 (nontransitional) for a lower-case
// Unicode and ASCII form; a domain ICU rejects is lower-cased as is. An item that is not a mailbox
// (no local part, '@' with no domain, no '@' outside angle brackets, over 998 bytes) is skipped;
// parse_address, for the envelope, also takes a lone word without '@' ("postmaster").
// Nothing here throws past the public functions.
#include "message/address.h"

#include <unicode/casemap.h>
#include <unicode/locid.h>
#include <unicode/uidna.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <string>
#include <utility>

#include "base/strings.h"
#include "base/unicode.h"
#include "message/encoded_words.h"

namespace sm {

namespace {

constexpr std::size_t kMaxAddressBytes = 998;
constexpr std::size_t kMaxDisplayBytes = 4096;
constexpr std::size_t kMaxDomainBytes = 1024;

const UIDNA* idna() {
  static const UIDNA* instance = [] {
    UErrorCode err = U_ZERO_ERROR;
    UIDNA* u = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE, &err);
    return U_FAILURE(err) ? nullptr : u;
  }();
  return instance;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Lower-case (or case-folded) form of UTF-8 text; bytes that are not UTF-8 keep their value.
std::string unicode_lower(std::string_view s, bool fold) {
  if (is_ascii(s) || s.size() > kMaxDomainBytes || !valid_utf8(s)) return ascii_lower(s);
  return fold ? fold_case_utf8(s) : lower_utf8(s);
}

bool is_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 32 || u == 127;  // white space; other controls separate words too
}

// Trimmed of white space and of the other controls (is_space).
std::string strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// --- tokens -------------------------------------------------------------------------------------

enum class Kind { end, atom, quoted, comment, special };

struct Token {
  Kind kind = Kind::end;
  std::string text;  // atom text, unquoted string, comment content; the special character
  bool space_before = false;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    Token t;
    while (i_ < s_.size() && is_space(s_[i_])) {
      t.space_before = true;
      ++i_;
    }
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    if (c == '"' && quotes_close_) {
      if (read_quoted(t)) return t;
      quotes_close_ = false;  // no closing quote: the mark is dropped, the text read as words
      ++i_;
      Token rest = next();
      rest.space_before = rest.space_before || t.space_before;
      return rest;
    }
    if (c == '(') {
      read_comment(t);
      return t;
    }
    if (c == '<' || c == '>' || c == ',' || c == ';' || c == ':') {
      t.kind = Kind::special;
      t.text.assign(1, c);
      ++i_;
      return t;
    }
    t.kind = Kind::atom;
    while (i_ < s_.size()) {
      const char d = s_[i_];
      if (is_space(d) || d == '(' || d == '<' || d == '>' || d == ',' || d == ';' || d == ':' ||
          (d == '"' && quotes_close_))
        break;
      t.text += d;
      ++i_;
    }
    return t;
  }

 private:
  // Reads "..." with quoted pairs; false (nothing consumed) when it never closes.
  bool read_quoted(Token& t) {
    std::size_t j = i_ + 1;
    std::string text;
    while (j < s_.size() && s_[j] != '"') {
      if (s_[j] == '\\' && j + 1 < s_.size()) ++j;
      if (s_[j] != '\r' && s_[j] != '\n') text += s_[j];
      ++j;
    }
    if (j >= s_.size()) return false;
    t.kind = Kind::quoted;
    t.text = std::move(text);
    i_ = j + 1;
    return true;
  }

  // Reads a comment with nested comments (inner parentheses kept) and quoted pairs.
  void read_comment(Token& t) {
    t.kind = Kind::comment;
    std::size_t depth = 0;
    for (; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size()) {
        t.text += s_[++i_];
        continue;
      }
      if (c == '(') {
        if (depth++ > 0) t.text += c;
      } else if (c == ')') {
        if (--depth == 0) {
          ++i_;
          return;
        }
        t.text += c;
      } else {
        t.text += c;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  bool quotes_close_ = true;
};

// --- items --------------------------------------------------------------------------------------

struct Word {
  std::string text;
  bool space_before = false;
};

// Joins words into a phrase, one space where the input had white space.
std::string join_words(const std::vector<Word>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t k = from; k < to; ++k) {
    if (!out.empty() && words[k].space_before) out += ' ';
    out += words[k].text;
  }
  return out;
}

// Two words belong to one addr-spec when nothing separates them, or '@'/'.' stands at the joint
// (obsolete "ana @ client . example").
bool glued(const Word& left, const Word& right) {
  if (!right.space_before) return true;
  const char l = left.text.empty() ? ' ' : left.text.back();
  const char r = right.text.empty() ? ' ' : right.text.front();
  return l == '@' || l == '.' || r == '@' || r == '.';
}

class Item {
 public:
  bool in_angle() const { return in_angle_; }
  bool angle_done() const { return angle_done_; }
  bool has_angle() const { return in_angle_ || angle_done_; }
  bool route_open() const {
    return in_angle_ && !angle_.empty() && angle_.front() == '@' && angle_.find(':') == std::string::npos;
  }
  bool phrase_has_at() const {
    for (const auto& w : words_)
      if (w.text.find('@') != std::string::npos) return true;
    return false;
  }

  void word(const Token& t) {
    if (in_angle_) {
      angle_ += t.text;
    } else if (!angle_done_) {
      if (!words_.empty() && !t.space_before && t.kind != Kind::quoted && !last_quoted_)
        words_.back().text += t.text;
      else
        words_.push_back({t.text, t.space_before});
      last_quoted_ = t.kind == Kind::quoted;
      quoted_words_ += t.kind == Kind::quoted ? 1 : 0;
    } else {
      // Words after a closed angle address: noise ("<a@b> foo"), or the next item's phrase when
      // another angle address follows without a comma.
      trailing_.push_back(t);
    }
  }
  // Hands the words after a closed angle address to the item that follows.
  void carry_into(Item& next) {
    for (const auto& t : trailing_) next.word(t);
  }
  void comment(const Token& t) {
    if (comment_.empty()) comment_ = t.text;
  }
  void open_angle() {
    in_angle_ = true;
    angle_.clear();
  }
  void angle_char(char c) { angle_ += c; }
  void close_angle() {
    if (in_angle_) angle_done_ = true;
    in_angle_ = false;
  }
  void clear_phrase() {
    words_.clear();
    quoted_words_ = 0;
    last_quoted_ = false;
  }
  bool empty() const { return words_.empty() && !has_angle(); }

  // The address this item names, when it names one. A bare word without '@' ("postmaster") is a
  // local address only where `bare_local` allows it (the envelope); in a header list it is more
  // often half of an unquoted "Last, First".
  bool build(Address& a, bool bare_local) const {
    std::string addr;
    std::string phrase;
    if (has_angle()) {
      addr = angle_;
      phrase = join_words(words_, 0, words_.size());
      // Obsolete source route: "@relay1,@relay2:local@domain".
      if (!addr.empty() && addr.front() == '@') {
        const auto colon = addr.find(':');
        if (colon == std::string::npos) return false;
        addr.erase(0, colon + 1);
      }
    } else {
      if (words_.empty()) return false;
      // The addr-spec is the run of glued words around the last word with an '@'.
      std::size_t at = words_.size();
      for (std::size_t k = words_.size(); k-- > 0;)
        if (words_[k].text.find('@') != std::string::npos) {
          at = k;
          break;
        }
      if (at == words_.size()) {
        // No '@': only a single plain word is a (local) address.
        if (!bare_local || words_.size() != 1 || quoted_words_ != 0) return false;
        at = 0;
      }
      std::size_t from = at;
      std::size_t to = at + 1;
      while (from > 0 && glued(words_[from - 1], words_[from])) --from;
      while (to < words_.size() && glued(words_[to - 1], words_[to])) ++to;
      for (std::size_t k = from; k < to; ++k) addr += words_[k].text;
      phrase = join_words(words_, 0, from);
      std::string after = join_words(words_, to, words_.size());
      if (!after.empty()) phrase += phrase.empty() ? after : " " + after;
    }
    if (addr.empty() || addr.size() > kMaxAddressBytes) return false;
    const auto at = addr.rfind('@');
    if (at == std::string::npos) {
      a.local_part = addr;
    } else {
      if (at == 0 || at + 1 == addr.size()) return false;
      a.local_part = addr.substr(0, at);
      auto [uni, ascii] = normalize_domain(std::string_view(addr).substr(at + 1));
      if (ascii.empty()) return false;
      a.domain = std::move(uni);
      a.ascii_domain = std::move(ascii);
    }
    phrase = strip(phrase);
    if (phrase.empty()) phrase = strip(comment_);
    if (phrase.size() > kMaxDisplayBytes) {
      std::size_t cut = kMaxDisplayBytes;
      while (cut > 0 && (static_cast<unsigned char>(phrase[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
      phrase.resize(cut);
    }
    if (!phrase.empty()) a.display_name = strip(decode_header_text(phrase));
    return true;
  }

 private:
  std::vector<Word> words_;
  std::vector<Token> trailing_;
  std::size_t quoted_words_ = 0;
  bool last_quoted_ = false;
  std::string angle_;
  std::string comment_;
  bool in_angle_ = false;
  bool angle_done_ = false;
};

std::vector<Address> parse_list(std::string_view raw, std::size_t max_items, bool bare_local) {
  std::vector<Address> out;
  if (max_items == 0) return out;
  Lexer lex(raw);
  Item item;
  auto finish = [&] {
    Address a;
    if (!item.empty() && item.build(a, bare_local)) out.push_back(std::move(a));
    item = Item();
  };
  for (Token t = lex.next(); t.kind != Kind::end && out.size() < max_items; t = lex.next()) {
    if (t.kind == Kind::comment) {
      item.comment(t);
      continue;
    }
    if (t.kind != Kind::special) {
      item.word(t);
      continue;
    }
    const char c = t.text[0];
    if (item.in_angle()) {
      switch (c) {
        case '>':
          item.close_angle();
          break;
        case '<':
          item.open_angle();
          break;  // "<a@b <c@d>": the last one wins
        case ':':
          item.angle_char(c);
          break;
        case ',':
          if (item.route_open()) {
            item.angle_char(c);
          } else {  // a missing '>'
            item.close_angle();
            finish();
          }
          break;
        default:  // ';'
          item.close_angle();
          finish();
          break;
      }
      continue;
    }
    switch (c) {
      case '<':
        if (item.angle_done()) {  // "A <a@x> B <b@y>": a missing comma
          Item next;
          item.carry_into(next);
          finish();
          item = std::move(next);
        }
        item.open_angle();
        break;
      case '>':
        break;  // stray
      case ':':
        // "Team:" opens a group; its name is not an address.
        if (!item.has_angle() && !item.phrase_has_at())
          item.clear_phrase();
        else
          item.word(t);
        break;
      default:  // ',' and ';'
        finish();
        break;
    }
  }
  if (out.size() < max_items) {
    item.close_angle();
    finish();
  }
  return out;
}

}  // namespace

std::string Address::address() const {
  try {
    return domain.empty() ? local_part : local_part + "@" + domain;
  } catch (...) {
    return {};
  }
}

std::string Address::key() const {
  try {
    const std::string& d = ascii_domain.empty() ? domain : ascii_domain;
    std::string local = unicode_lower(local_part, true);
    return d.empty() ? local : local + "@" + d;
  } catch (...) {
    return {};
  }
}

std::pair<std::string, std::string> normalize_domain(std::string_view domain_in) {
  try {
    std::string domain = strip(domain_in);
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (domain.empty()) return {};
    const std::string lowered = unicode_lower(domain, false);
    if (domain.front() == '[') return {lowered, lowered};  // address literal
    const UIDNA* u = idna();
    if (u == nullptr || domain.size() > kMaxDomainBytes) return {lowered, lowered};
    auto run = [&](bool to_ascii) -> std::string {
      std::string buf(domain.size() * 2 + 64, '\0');
      for (int attempt = 0; attempt < 2; ++attempt) {
        UErrorCode err = U_ZERO_ERROR;
        UIDNAInfo info = UIDNA_INFO_INITIALIZER;
        const auto cap = static_cast<int32_t>(buf.size());
        const auto len = static_cast<int32_t>(domain.size());
        const int32_t n = to_ascii
                              ? uidna_nameToASCII_UTF8(u, domain.data(), len, buf.data(), cap, &info, &err)
                              : uidna_nameToUnicodeUTF8(u, domain.data(), len, buf.data(), cap, &info, &err);
        if (err == U_BUFFER_OVERFLOW_ERROR && attempt == 0 && n > 0) {
          buf.assign(static_cast<std::size_t>(n) + 1, '\0');
          continue;
        }
        // Hyphen and length complaints are common in real domains and do not change the mapping.
        const uint32_t fatal =
            info.errors &
            ~static_cast<uint32_t>(UIDNA_ERROR_HYPHEN_3_4 | UIDNA_ERROR_LEADING_HYPHEN |
                                   UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_EMPTY_LABEL |
                                   UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG);
        if (U_FAILURE(err) || fatal != 0 || n <= 0 || n > cap) return {};
        buf.resize(static_cast<std::size_t>(n));
        return buf;
      }
      return {};
    };
    std::string ascii = run(true);
    std::string uni = run(false);
    if (ascii.empty() || uni.empty()) return {lowered, lowered};
    return {unicode_lower(uni, false), ascii_lower(ascii)};
  } catch (...) {
    return {};
  }
}

Address parse_address(std::string_view raw) {
  try {
    std::string s = strip(raw);
    if (s == "<>") return {};
    auto list = parse_list(s, 1, true);
    if (list.empty()) return {};
    return std::move(list.front());
  } catch (...) {
    return {};
  }
}

std::vector<Address> parse_address_list(std::string_view raw, std::size_t max_items) {
  try {
    return parse_list(raw, max_items, false);
  } catch (...) {
    return {};
  }
}

}  // namespace sm
