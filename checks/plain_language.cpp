// plain-language: short sentences, no jargon.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "checks/rule_text.h"
#include "checks/rules.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

class PlainLanguage final : public Rule {
 public:
  PlainLanguage()
      : Rule({"plain-language", "4", "short sentences and no jargon",
                 "An outbound message's body must read easily: no sentence (or part of one between semicolons or after "
                 "a colon) longer "
                 "than max_sentence_words words, "
                 "an average under max_average_words, and no term from the language's jargon list, unless the "
                 "message answered (as quoted) speaks such terms itself."}) {}
  std::vector<ParamSpec> params() const override {
    return {{"max_sentence_words", std::int64_t{35}, "longest sentence, in words", 5.0, 500.0},
            {"max_average_words", std::int64_t{30}, "longest average sentence, in words", 5.0, 500.0}};
  }
  std::vector<std::string> lists() const override { return {"jargon"}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    if (auto skip = language_skip(ctx)) return *skip;
    // A semicolon, or a colon before a space, joins two sentences a reader takes one at a time
    // ("Queda una cosa: si ..."): each part is counted alone. A colon in a time ("9:30") joins nothing.
    std::size_t longest = 0, total = 0, count = 0;
    for (const auto& sent : ctx.text.sentences()) {
      std::string_view rest = sent.text;
      while (!rest.empty()) {
        std::size_t semi = rest.find(';');
        for (std::size_t c = rest.find(':'); c != std::string_view::npos && c < semi; c = rest.find(':', c + 1))
          if (c + 1 < rest.size() && (rest[c + 1] == ' ' || rest[c + 1] == '\n')) {
            semi = c;
            break;
          }
        const std::size_t w = word_count(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        if (w == 0) continue;
        longest = std::max(longest, w);
        total += w;
        ++count;
      }
    }
    // Jargon, unless the customer speaks it: a message answered that uses such terms itself
    // (a developer writing about TTLs) is answered in its own words.
    std::vector<PhraseList::Hit> jargon;
    if (ctx.text.hits("jargon", ctx.text.answered().full(), 1).empty()) jargon = ctx.text.hits("jargon", ctx.text.body());
    std::vector<std::string> why;
    if (static_cast<std::int64_t>(longest) > s.get_int("max_sentence_words")) why.push_back("a sentence of " + std::to_string(longest) + " words");
    if (count > 0 && static_cast<std::int64_t>(total / count) > s.get_int("max_average_words"))
      why.push_back("sentences of " + std::to_string(total / count) + " words on average");
    if (!jargon.empty()) why.push_back("jargon " + quoted_list(jargon));
    if (why.empty()) return make(Result::pass);
    std::string d;
    for (const auto& w : why) d += (d.empty() ? "" : "; ") + w;
    Finding f = make(Result::fail, d);
    f.evidence = {{"longest_sentence", longest}, {"sentences", count}, {"jargon", phrases(jargon)}};
    f.hint = {"hint_plain_language", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_plain_language() { return std::make_unique<PlainLanguage>(); }

}  // namespace sm
