// Message ids: "<id-left@id-right>" items of Message-ID, In-Reply-To and References, read in one
// linear pass and leniently. Comments and quoted phrases ("Your message of ...") are skipped;
// folding and white space inside brackets next to '@' or '.' are dropped (obsolete syntax); a
// missing '>' ends the id at the next white space or '<'; a bare token outside brackets is an id
// when it contains '@'. Results are ids without brackets, in order of first appearance, at most
// 998 bytes each, with no controls, white space or angle brackets, not starting or ending with
// '@'. Never throws.
#include "message/msgid.h"

#include <unordered_set>

namespace sm {

namespace {

constexpr std::size_t kMaxIdBytes = 998;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes || id.front() == '@' || id.back() == '@') return false;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c == 127 || c == '<' || c == '>') return false;
  }
  return true;
}

// Skips a comment starting at s[i] == '(' (nested, with quoted pairs); returns the index after it.
std::size_t skip_comment(std::string_view s, std::size_t i) {
  std::size_t depth = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return s.size();
}

class Collector {
 public:
  void add(std::string id) {
    if (!valid_id(id)) return;
    if (seen_.insert(id).second) ids_.push_back(std::move(id));
  }
  std::vector<std::string> take(std::size_t max_ids) {
    if (max_ids == 0) return {};
    if (ids_.size() <= max_ids) return std::move(ids_);
    // Keep the thread's root and the newest max_ids-1.
    std::vector<std::string> kept;
    kept.reserve(max_ids);
    kept.push_back(std::move(ids_.front()));
    for (std::size_t k = ids_.size() - (max_ids - 1); k < ids_.size(); ++k)
      kept.push_back(std::move(ids_[k]));
    return kept;
  }

 private:
  std::vector<std::string> ids_;
  std::unordered_set<std::string> seen_;
};

std::vector<std::string> parse(std::string_view s, std::size_t max_ids) {
  Collector out;
  bool quotes_close = true;  // false after an unterminated quote: later quotes are plain text
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_space(c) || c == ',' || c == '>') {
      ++i;
    } else if (c == '(') {
      i = skip_comment(s, i);
    } else if (c == '"' && quotes_close) {
      // A quoted phrase: skipped.
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
      if (j < s.size()) {
        i = j + 1;
      } else {
        quotes_close = false;
        ++i;
      }
    } else if (c == '<') {
      std::string id;
      bool closed = false;
      std::size_t j = i + 1;
      while (j < s.size()) {
        const char d = s[j];
        if (d == '>') {
          closed = true;
          ++j;
          break;
        }
        if (d == '<') break;  // a new id starts: this one lost its '>'
        if (d == '(') {
          j = skip_comment(s, j);
          continue;
        }
        if (is_space(d)) {
          std::size_t k = j;
          while (k < s.size() && is_space(s[k])) ++k;
          const bool joins = (!id.empty() && (id.back() == '@' || id.back() == '.')) ||
                             (k < s.size() && (s[k] == '@' || s[k] == '.' || s[k] == '>'));
          j = k;
          if (joins) continue;
          break;  // "<a@b c@d>": the id ends at the white space
        }
        id += d;
        ++j;
      }
      if (closed || id.find('@') != std::string::npos) out.add(std::move(id));
      i = j;
    } else {
      // A bare token: an id only when it has an '@' ("In reply to" and dates are skipped).
      std::size_t j = i;
      while (j < s.size() && !is_space(s[j]) && s[j] != ',' && s[j] != '<' && s[j] != '>' && s[j] != '(' &&
             (s[j] != '"' || !quotes_close))
        ++j;
      if (j == i) ++j;  // a lone '"' after an unterminated quote
      std::string_view tok = s.substr(i, j - i);
      if (tok.find('@') != std::string_view::npos) out.add(std::string(tok));
      i = j;
    }
  }
  return out.take(max_ids);
}

}  // namespace

std::vector<std::string> parse_msg_ids(std::string_view raw, std::size_t max_ids) {
  try {
    return parse(raw, max_ids);
  } catch (...) {
    return {};
  }
}

}  // namespace sm
