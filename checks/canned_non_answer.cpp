// canned-non-answer: greeting and signature aside, the reply is only boilerplate.
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

class CannedNonAnswer final : public Rule {
 public:
  CannedNonAnswer()
      : Rule({"canned-non-answer", "3", "a reply says more than \"ticket created\"",
                 "An outbound reply in a known thread whose body (greeting and signature aside) is only "
                 "boilerplate from the language's canned list (\"your ticket has been created\", \"su solicitud ha "
                 "sido registrada\", \"ваша заявка передана в отдел\") with at most max_other_words other words "
                 "(numbers such as ticket ids do not count)."}) {}
  std::vector<std::string> lists() const override { return {"canned"}; }
  std::vector<ParamSpec> params() const override {
    return {{"max_other_words", std::int64_t{12}, "words besides boilerplate that still make a non-answer", 0.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    auto hits = ctx.text.hits("canned", ctx.text.body());
    if (hits.empty()) return make(Result::pass);
    const std::size_t other = ctx.text.words_besides({"canned"});
    if (static_cast<std::int64_t>(other) > s.get_int("max_other_words")) return make(Result::pass);
    Finding f = make(Result::fail, "only boilerplate: " + quoted_list(hits));
    f.evidence = {{"phrases", phrases(hits)}, {"other_words", other}};
    f.hint = {"hint_canned_non_answer", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_canned_non_answer() { return std::make_unique<CannedNonAnswer>(); }

}  // namespace sm
