// What the communication-quality rules share. Each of them (one per file) judges the author's new
// text only (the customer's words quoted back never count), reads it from the message's one text
// analysis (MessageText: greeting, body, signature, sentences, questions, acknowledgement, the
// message answered) in the message's language, and returns its evidence: the phrase, the word,
// the count. Shared here: the evidence's phrase lists, whether a message goes out, whether a text
// asks something.
#pragma once
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/rule.h"
#include "text/lexicon.h"

namespace sm::rule_text {

inline nlohmann::json phrases(const std::vector<PhraseList::Hit>& hits) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : hits) a.push_back(h.phrase);
  return a;
}

inline std::string quoted_list(const std::vector<PhraseList::Hit>& hits) {
  std::string s;
  for (const auto& h : hits) s.append(s.empty() ? "\"" : ", \"").append(h.phrase).append("\"");
  return s;
}

inline bool outbound(const RuleContext& ctx) { return ctx.direction == Direction::outbound; }

// A question mark that ends a clause somewhere in the text.
inline bool asks_anything(std::string_view s) {
  for (std::size_t at = s.find('?'); at != std::string_view::npos; at = s.find('?', at + 1))
    if (at + 1 >= s.size() || std::isspace(static_cast<unsigned char>(s[at + 1])) || s[at + 1] == ')' || s[at + 1] == '"')
      return true;
  return false;
}

}  // namespace sm::rule_text
