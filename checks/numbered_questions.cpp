// numbered-questions: two or more questions we ask are a numbered list.
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

class NumberedQuestions final : public Rule {
 public:
  NumberedQuestions()
      : Rule({"numbered-questions", "3", "several questions to the customer are numbered",
                 "An outbound message whose body (greeting and signature aside) asks two or more questions "
                 "(sentences with a question mark that ends a clause) that are not items of a numbered list "
                 "(\"1.\", \"2)\", \"a)\")."}) {}
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    int loose = 0;
    std::vector<std::string> examples;
    for (const auto& s : ctx.text.sentences()) {
      if (!s.question || s.numbered) continue;
      ++loose;
      if (examples.size() < 3) examples.push_back(s.text.substr(0, 200));
    }
    if (loose < 2) return make(Result::pass);
    Finding f = make(Result::fail, std::to_string(loose) + " questions not in a numbered list");
    f.evidence = {{"questions", loose}, {"examples", examples}};
    f.hint = {"hint_numbered_questions", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_numbered_questions() { return std::make_unique<NumberedQuestions>(); }

}  // namespace sm
