// call-to-action: the last paragraph before the signature asks, requests, or names a date.
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

constexpr std::size_t kConditionAndStep = 5;  // words after "if" of a condition with its step unmarked
class CallToAction final : public Rule {
 public:
  CallToAction()
      : Rule({"call-to-action", "5", "the reply ends with the next step",
                 "An outbound reply in a known thread must end with the next step: its last body paragraph "
                 "(the closing lines of courtesy, postscripts, the sign-off, the signature, a mobile footer and "
                 "a disclaimer set aside, whatever their wording) asks a question, makes a request (the "
                 "language's request list: imperatives in every person and number, \"please\", \"let us "
                 "know\"), says when something happens (a time, a day, a date, a month or a number of hours or days: \"in 5-7 business days\") "
                 "or has a condition followed by what happens then (the condition list: \"If it fails again, we "
                 "replace the unit.\", \"We sent it again and, if it does not arrive, we call you.\"; not the "
                 "outcome of our own checks: \"if it is confirmed\")."}) {}
  std::vector<std::string> lists() const override { return {"request", "condition"}; }
  bool reads_times() const override { return true; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    // Answers written between the quoted parts each stand under their question: the last of them
    // answers the last point, and is no closing.
    if (ctx.message.quote.interleaved) return make(Result::skip, "answered between the quoted lines");
    const auto& paras = ctx.text.paragraphs();
    if (paras.empty()) return make(Result::skip, "no text");
    const Lang lang = ctx.text.lang();
    auto next_step = [&](std::string_view para, const TextAnalysis& a) {
      if (asks_anything(para) || !ctx.text.hits("request", a, 1).empty() ||
          names_a_time(para, ctx.time, ctx.text.time_zone()))
        return true;
      // A condition whose clause goes on ("Sí, ..." is a yes, not "si") says what follows: when it
      // opens the paragraph ("Si vuelve a fallar, le cambiamos el aparato"), or opens a clause of it
      // followed in its sentence by what happens then ("Ya le reenviamos el código y, si no le llega,
      // nos avisa. El nuevo sustituye al anterior."); "We checked it twice, if that matters." ends
      // on the condition. The outcome of our own checks ("Si se confirma que...") is no condition
      // of the list: the customer is left with nothing to do.
      for (const auto& c : ctx.text.hits("condition", a)) {
        if (a.tokens[c.first + c.count - 1].clause_end) continue;
        if (c.first == 0) return true;
        std::size_t t = c.first + c.count;
        while (t < a.tokens.size() && !a.tokens[t].clause_end && !a.tokens[t].sentence_end) ++t;
        if (t + 1 < a.tokens.size() && !a.tokens[t].sentence_end) return true;
        // Written without the comma ("pero si no es así nos lo hace saber"): a clause long enough
        // to hold both the condition and what follows it, where "if that matters" holds one.
        if (t < a.tokens.size() && t + 1 - (c.first + c.count) >= kConditionAndStep) return true;
      }
      return false;
    };
    // The closing lines may carry the next step themselves ("Thanks, and let me know if it works!").
    if (std::string_view closing = ctx.text.closing(); !closing.empty()) {
      TextAnalysis a(closing, lang);
      if (next_step(closing, a)) return make(Result::pass);
    }
    std::vector<bool> asked(paras.size(), false);
    for (const auto& s : ctx.text.sentences())
      if (s.question) asked[s.paragraph] = true;
    // From the end: a short courtesy closer ("Hope this helps!", "¡Que lo disfrute!") is passed
    // over; the last paragraph of substance must ask, request or name a time.
    std::string last;
    for (std::size_t i = paras.size(); i > 0; --i) {
      TextAnalysis a(paras[i - 1], lang);
      if (asked[i - 1] || next_step(paras[i - 1], a)) return make(Result::pass);
      last = paras[i - 1];
      if (a.tokens.size() > 8 || ctx.text.hits("closing", a, 1).empty()) break;
    }
    Finding f = make(Result::fail, "the last paragraph has no request, question or date");
    f.evidence = {{"last_paragraph", last.substr(0, 200)}};
    f.hint = {"hint_call_to_action", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_call_to_action() { return std::make_unique<CallToAction>(); }

}  // namespace sm
