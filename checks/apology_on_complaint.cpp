// apology-on-complaint: to a complaint, an apology.
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

class ApologyOnComplaint final : public Rule {
 public:
  ApologyOnComplaint()
      : Rule({"apology-on-complaint", "3", "a complaint gets an apology",
                 "An outbound reply in a known thread to a message that reads as a complaint must apologise (the "
                 "apology list: \"sorry\", \"we apologise\", \"lo sentimos\", \"disculpe\", \"приносим "
                 "извинения\"). A complaint is dissatisfaction with us: anger, \"unacceptable\", a demand for a "
                 "refund or compensation, a failure of ours or one repeated (one cue from the language's "
                 "complaint list, or two from complaint-weak, in the message answered as quoted, or read when "
                 "that message passed); a plain report of a problem (\"the page does not load\") is not one."}) {}
  std::vector<std::string> lists() const override { return {"complaint", "apology"}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx) || ctx.thread == nullptr || ctx.text.lexicons() == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    if (const Lang theirs = ctx.text.answered().lang(); theirs != Lang::unknown && !judges(theirs, ctx.text.lexicons()))
      return make(Result::skip, "language " + std::string(to_string(theirs)) + " of the message answered is not judged by this rule");
    // The complaint is read in the customer's words as quoted, or was read when their message
    // passed (stored with it: a reply that quotes nothing still answers a complaint).
    std::vector<std::string> cues = ctx.text.answered().complaint_cues();
    if (cues.empty() && ctx.thread->answered && ctx.thread->answered->direction == Direction::inbound &&
        ctx.thread->answered->complaint)
      cues.push_back("the customer's message, when it arrived");
    if (cues.empty()) return make(Result::skip, "the message answered is not a complaint");
    if (!ctx.text.hits("apology", ctx.text.full(), 1).empty()) return make(Result::pass);
    std::string listed;
    for (const auto& c : cues) listed += (listed.empty() ? "\"" : ", \"") + c + "\"";
    Finding f = make(Result::fail, "a complaint (" + listed + ") answered without an apology");
    f.evidence = {{"complaint", cues}};
    f.hint = {"hint_apology_on_complaint", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_apology_on_complaint() { return std::make_unique<ApologyOnComplaint>(); }

}  // namespace sm
