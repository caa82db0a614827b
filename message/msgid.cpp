// Message ids: "<local@domain>" items, read leniently (missing brackets, comments, phrases).
#include "message/msgid.h"

#include <unordered_set>

#include "message/headers.h"

namespace sm {

std::vector<std::string> parse_msg_ids(std::string_view raw_in, std::size_t max_ids) {
  std::string s = unfold(raw_in);
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string id) {
    while (!id.empty() && (id.back() == ' ' || id.back() == '\t')) id.pop_back();
    while (!id.empty() && (id.front() == ' ' || id.front() == '\t')) id.erase(0, 1);
    if (id.empty() || id.size() > 998) return;
    for (char c : id)
      if (static_cast<unsigned char>(c) < 33 || c == '<' || c == '>') return;
    if (seen.insert(id).second) ids.push_back(std::move(id));
  };
  std::size_t i = 0;
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0) {
      if (c == '\\') ++i;
      else if (c == '(') ++depth;
      else if (c == ')') --depth;
      ++i;
      continue;
    }
    if (c == '(') {
      depth = 1;
      ++i;
    } else if (c == '<') {
      std::size_t end = s.find('>', i + 1);
      if (end == std::string::npos) {
        add(s.substr(i + 1));
        break;
      }
      add(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == ' ' || c == '\t' || c == ',') {
      ++i;
    } else {
      // A bare token: an id only when it has an '@' (phrases like "In reply to" are skipped).
      std::size_t end = i;
      while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != ',' && s[end] != '<' && s[end] != '(') ++end;
      std::string tok = s.substr(i, end - i);
      if (tok.find('@') != std::string::npos) add(tok);
      i = end;
    }
  }
  if (max_ids > 0 && ids.size() > max_ids) {
    std::vector<std::string> kept;
    kept.push_back(ids.front());
    kept.insert(kept.end(), ids.end() - static_cast<std::ptrdiff_t>(max_ids - 1), ids.end());
    return kept;
  }
  return ids;
}

}  // namespace sm
