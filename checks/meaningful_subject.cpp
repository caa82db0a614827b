// meaningful-subject: a thread we start has a subject someone can find years later.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "checks/rule_text.h"
#include "checks/rules.h"
#include "message/subject.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

class MeaningfulSubject final : public Rule {
 public:
  MeaningfulSubject()
      : Rule({"meaningful-subject", "3", "a new thread's subject says what it is about",
                 "An outbound message that starts a thread (no In-Reply-To, no known thread) must have a subject "
                 "that lets anyone find the thread years later: not empty, not prefixes only, at least min_words "
                 "words and min_letters letters, and not only a generic subject from the language's "
                 "generic-subject list (\"Hello\", \"Question\", \"Consulta\", \"Вопрос\")."}) {}
  std::vector<std::string> lists() const override { return {"generic-subject"}; }
  std::vector<ParamSpec> params() const override {
    return {{"min_words", std::int64_t{2}, "fewest words a subject has", 1.0, 20.0},
            {"min_letters", std::int64_t{8}, "fewest letters a subject has", 1.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx) || ctx.thread != nullptr || !ctx.message.in_reply_to.empty())
      return make(Result::skip, "not a new outbound thread");
    if (auto skip = language_skip(ctx)) return *skip;
    TextAnalysis subject(split_subject(ctx.message.subject).base, ctx.text.lang());
    std::size_t letters = 0;
    for (const auto& t : subject.tokens) letters += t.text.size();
    Finding f = make(Result::pass);
    f.evidence = {{"subject", ctx.message.subject}, {"words", subject.tokens.size()}};
    std::string why;
    auto generic = ctx.text.hits("generic-subject", subject, 1);
    if (subject.tokens.empty()) why = "no subject";
    else if (!generic.empty() && generic[0].first == 0 && generic[0].count == subject.tokens.size()) why = "a generic subject";
    else if (static_cast<std::int64_t>(subject.tokens.size()) < s.get_int("min_words")) why = "too few words";
    else if (static_cast<std::int64_t>(letters) < s.get_int("min_letters")) why = "too short";
    if (why.empty()) return f;
    f.result = Result::fail;
    f.detail = why + ": \"" + ctx.message.subject + "\"";
    f.hint = {"hint_meaningful_subject", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_meaningful_subject() { return std::make_unique<MeaningfulSubject>(); }

}  // namespace sm
